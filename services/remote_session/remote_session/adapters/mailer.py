"""The new-message notice by e-mail over SMTP (the dev mailbox's sink in dev).

The notice never quotes the message: it says one waits and links to the beneficiary's
messages, so a mailbox read by someone else discloses nothing of the exchange.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import aiosmtplib
import structlog

from remote_session.application.ports import MailError

log = structlog.get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")
NEW_MESSAGE_SUBJECT = "Nouveau message de votre conseiller"


def new_message_text(messages_url: str) -> str:
    """Return the body of the new-message notice."""
    return (
        "Bonjour,\n\n"
        "Votre conseiller vous a écrit sur Jalon.\n"
        "Pour lire son message et lui répondre, rendez-vous dans votre espace :\n\n"
        f"    {messages_url}\n\n"
        "Par sécurité, le contenu du message n'est pas repris dans cet e-mail.\n\n"
        "L'équipe Jalon\n"
    )


class SmtpMailer:
    """Hands the notices to an SMTP relay."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        messages_url: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._messages_url = messages_url
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout

    def compose(self, to: str, subject: str, text: str) -> EmailMessage:
        """Return a plain-text French e-mail."""
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(PARIS))
        mail["Message-ID"] = make_msgid(domain="jalon.invalid")
        mail["Content-Language"] = "fr"
        mail.set_content(text)
        return mail

    async def send_new_message(self, to: str) -> None:
        """Tell the beneficiary their counsellor wrote, without the message."""
        mail = self.compose(to, NEW_MESSAGE_SUBJECT, new_message_text(self._messages_url))
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                start_tls=self._starttls,
                username=self._username,
                password=self._password,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("session e-mail not sent", error_type=type(exc).__name__)
            raise MailError(type(exc).__name__) from exc
