"""The dev mailbox: an SMTP sink (aiosmtpd) and a page listing what it received.

`make run` and the tests start it on loopback, so every email the system sends in dev
(sign-in codes first) can be read at http://127.0.0.1:8025 (JSON at /messages).
Messages live in memory only; nothing is relayed anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import html
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from jalon_dev.stack import LOOPBACK

SMTP_PORT = int(os.environ.get("JALON_DEV_SMTP_PORT", "1025"))
PAGE_PORT = int(os.environ.get("JALON_DEV_MAILBOX_PORT", "8025"))
#: The sink keeps the latest messages only; it is a dev tool, not an archive.
KEPT_MESSAGES = 500
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True, slots=True)
class Mail:
    """One received message, as the page shows it."""

    id: int
    received_at: str
    sender: str
    recipients: list[str]
    subject: str
    body: str
    message_id: str = ""
    #: Attached parts (an invitation's invite.ics...): filename, content type and text.
    attachments: list[dict[str, str]] = field(default_factory=list)


def read_attachments(raw: bytes) -> tuple[str, list[dict[str, str]]]:
    """Return the Message-ID and the attached parts of a raw message, decoded as text."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    found: list[dict[str, str]] = []
    if isinstance(message, EmailMessage):
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            found.append(
                {
                    "filename": part.get_filename() or "",
                    "content_type": str(part.get("Content-Type", "")),
                    "content": payload.decode(errors="replace")
                    if isinstance(payload, bytes)
                    else "",
                }
            )
    return str(message.get("Message-ID", "")), found


def read_message(raw: bytes) -> tuple[str, str]:
    """Return the subject and the plain-text body of a raw message."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("Subject", ""))
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None and isinstance(part, EmailMessage):
            return subject, str(part.get_content()).replace("\r\n", "\n")
    payload = message.get_payload(decode=True)
    return subject, payload.decode(errors="replace") if isinstance(payload, bytes) else ""


@dataclass
class Inbox:
    """Messages received so far, newest last; the aiosmtpd handler fills it."""

    messages: deque[Mail] = field(default_factory=lambda: deque(maxlen=KEPT_MESSAGES))
    _ids: count[int] = field(default_factory=lambda: count(1))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Keep the message and accept it."""
        raw = envelope.original_content or b""
        subject, body = read_message(raw)
        message_id, attachments = read_attachments(raw)
        self.messages.append(
            Mail(
                id=next(self._ids),
                received_at=datetime.now(UTC).isoformat(),
                sender=str(envelope.mail_from or ""),
                recipients=[str(r) for r in envelope.rcpt_tos],
                subject=subject,
                body=body,
                message_id=message_id,
                attachments=attachments,
            )
        )
        return "250 Message accepted for delivery"

    def newest_first(self) -> list[Mail]:
        """Return the messages, the newest first."""
        return list(reversed(self.messages))


def paris_time(iso: str) -> str:
    """Return a received time as a Paris reader expects it."""
    return datetime.fromisoformat(iso).astimezone(PARIS).strftime("%d/%m/%Y à %H:%M:%S")


def render_page(mails: list[Mail]) -> str:
    """Return the mailbox page: every message, newest first, escaped."""
    items = "".join(
        f"<article><h2>{html.escape(m.subject) or '(sans objet)'}</h2>"
        f"<p class='meta'>À <bdi>{html.escape(', '.join(m.recipients))}</bdi> · "
        f"de <bdi>{html.escape(m.sender)}</bdi> · reçu le {paris_time(m.received_at)}</p>"
        f"<pre dir='auto'>{html.escape(m.body)}</pre></article>"
        for m in mails
    )
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Boîte de réception de développement · Jalon</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:50rem;margin:0 auto;padding:1rem;"
        "color:#1d2733}article{border:1px solid #c5d3e0;border-radius:6px;padding:.2rem 1rem;"
        "margin:1rem 0}h2{font-size:1.1rem}.meta{color:#4a5866}"
        # A link's long token breaks anywhere rather than running out of its box.
        "pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:1rem;background:#f3f6f9;"
        "padding:.6rem}"
        "a{color:#1f4e79}</style></head><body>"
        "<h1>Boîte de réception de développement</h1>"
        "<p>Tous les courriels envoyés par Jalon en développement arrivent ici ; "
        "rien ne part vers de vraies adresses. <a href='/'>Actualiser</a></p>"
        f"{items or '<p>Aucun message pour l&#39;instant.</p>'}</body></html>"
    )


def mailbox_app(inbox: Inbox) -> FastAPI:
    """Return the mailbox page and its JSON twin."""
    app = FastAPI(title="Jalon dev mailbox", docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(
            render_page(inbox.newest_first()),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    @app.get("/messages")
    async def messages() -> list[dict[str, Any]]:
        return [asdict(m) for m in inbox.newest_first()]

    return app


@dataclass
class DevMailbox:
    """The SMTP sink and its page, served on loopback in the running event loop."""

    smtp_port: int = SMTP_PORT
    page_port: int = PAGE_PORT
    inbox: Inbox = field(default_factory=Inbox)
    _smtp: asyncio.Server | None = None
    _page: uvicorn.Server | None = None
    _page_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Return the page's address."""
        return f"http://{LOOPBACK}:{self.page_port}"

    async def start(self) -> None:
        """Listen for SMTP and serve the page."""
        loop = asyncio.get_running_loop()
        self._smtp = await loop.create_server(
            lambda: SMTP(self.inbox, hostname="jalon-dev-mailbox", enable_SMTPUTF8=True, loop=loop),
            LOOPBACK,
            self.smtp_port,
        )
        self._page = uvicorn.Server(
            uvicorn.Config(
                mailbox_app(self.inbox),
                host=LOOPBACK,
                port=self.page_port,
                log_config=None,
                access_log=False,
                lifespan="off",
            )
        )
        self._page_task = asyncio.create_task(self._page.serve())
        while not self._page.started:
            if self._page_task.done():
                self._page_task.result()
                raise RuntimeError("the dev mailbox page stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop the page and the sink."""
        if self._page is not None and self._page_task is not None:
            self._page.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._page_task
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()


async def serve_forever() -> None:
    """Run the mailbox alone until interrupted."""
    mailbox = DevMailbox()
    await mailbox.start()
    try:
        await asyncio.Event().wait()
    finally:
        await mailbox.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever())
