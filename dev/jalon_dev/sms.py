"""The dev SMS provider: takes `POST /sms` like a real gateway and shows what it received.

`make run` and the tests start it on loopback, so every SMS the system sends in dev can be read
at http://127.0.0.1:8026 (JSON at /messages). Messages live in memory only; nothing is relayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from jalon_dev.stack import LOOPBACK

PAGE_PORT = int(os.environ.get("JALON_DEV_SMS_PORT", "8026"))
#: The key the fake provider expects in X-Api-Key; a dev value, checked so a missing header shows.
DEV_API_KEY = "jalon-dev-sms-key"
KEPT_MESSAGES = 500


class SmsRequest(BaseModel):
    """What a provider takes: a number and a text."""

    to: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=1_600)


@dataclass(frozen=True, slots=True)
class Sms:
    """One received SMS."""

    id: int
    received_at: str
    to: str
    text: str


@dataclass
class SmsBox:
    """SMS received so far, newest last."""

    messages: deque[Sms] = field(default_factory=lambda: deque(maxlen=KEPT_MESSAGES))
    _ids: count[int] = field(default_factory=lambda: count(1))

    def keep(self, request: SmsRequest) -> Sms:
        """Store one SMS."""
        sms = Sms(next(self._ids), datetime.now(UTC).isoformat(), request.to, request.text)
        self.messages.append(sms)
        return sms

    def newest_first(self) -> list[Sms]:
        """Return the messages, the newest first."""
        return list(reversed(self.messages))


def render_page(messages: list[Sms]) -> str:
    """Return the page listing every SMS, newest first, escaped."""
    items = "".join(
        f"<article><p class='meta'>À <bdi>{html.escape(m.to)}</bdi> · reçu le "
        f"{html.escape(m.received_at)}</p><pre dir='auto'>{html.escape(m.text)}</pre></article>"
        for m in messages
    )
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>SMS de développement · Jalon</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:50rem;margin:0 auto;padding:1rem}"
        "article{border:1px solid #c5d3e0;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}"
        "pre{white-space:pre-wrap;font-size:1rem}</style></head><body>"
        "<h1>SMS de développement</h1><p>Tous les SMS envoyés par Jalon en développement "
        "arrivent ici ; rien ne part vers de vrais numéros. <a href='/'>Actualiser</a></p>"
        f"{items or '<p>Aucun SMS pour l&#39;instant.</p>'}</body></html>"
    )


def sms_app(box: SmsBox, api_key: str | None) -> FastAPI:
    """Return the fake gateway, its page and its JSON list."""
    app = FastAPI(title="Jalon dev SMS provider", docs_url=None, redoc_url=None)

    @app.post("/sms", status_code=status.HTTP_202_ACCEPTED)
    async def send(
        request: SmsRequest, x_api_key: Annotated[str | None, Header()] = None
    ) -> dict[str, int]:
        if api_key is not None and x_api_key != api_key:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad API key")
        return {"id": box.keep(request).id}

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        return HTMLResponse(
            render_page(box.newest_first()),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    @app.get("/messages")
    async def messages() -> list[dict[str, Any]]:
        return [asdict(m) for m in box.newest_first()]

    return app


@dataclass
class DevSms:
    """The fake SMS provider, served on loopback in the running event loop."""

    port: int = PAGE_PORT
    api_key: str | None = DEV_API_KEY
    box: SmsBox = field(default_factory=SmsBox)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Return the page's address."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def send_url(self) -> str:
        """Return the address services post SMS to."""
        return f"{self.url}/sms"

    async def start(self) -> None:
        """Serve the gateway and its page."""
        self._server = uvicorn.Server(
            uvicorn.Config(
                sms_app(self.box, self.api_key),
                host=LOOPBACK,
                port=self.port,
                log_config=None,
                access_log=False,
                lifespan="off",
            )
        )
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the dev SMS provider stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def serve_forever() -> None:
    """Run the fake provider alone until interrupted."""
    sms = DevSms()
    await sms.start()
    try:
        await asyncio.Event().wait()
    finally:
        await sms.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever())
