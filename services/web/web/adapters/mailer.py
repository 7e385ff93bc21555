"""Send sign-in codes by SMTP (the dev mailbox's sink in dev)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import structlog

from web.application.errors import MailNotSentError

log = structlog.get_logger(__name__)


class SmtpMailer:
    """Mailer on an SMTP relay."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 5) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout

    async def send_code(self, email: str, code: str) -> None:
        """Send the code, or raise MailNotSentError so the page never claims it was sent."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email
        message["Subject"] = "Votre code de connexion Jalon"
        message.set_content(
            f"Bonjour,\n\nVotre code de connexion à Jalon :\n\n    {code}\n\n"
            "Il expire dans 10 minutes. Si vous ne l'avez pas demandé, ignorez ce message.\n"
        )
        try:
            await aiosmtplib.send(
                message, hostname=self._host, port=self._port, timeout=self._timeout
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("sign-in code not sent", error_type=type(exc).__name__)
            raise MailNotSentError from exc
