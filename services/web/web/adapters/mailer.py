"""Send sign-in codes by SMTP (the dev mailbox's sink in dev)."""

from __future__ import annotations

from email.message import EmailMessage

import structlog

from jalon_shared.smtp import SmtpError, SmtpRelay
from web.application.errors import MailNotSentError

log = structlog.get_logger(__name__)


class SmtpMailer:
    """Mailer on an SMTP relay."""

    def __init__(self, relay: SmtpRelay) -> None:
        self._relay = relay

    async def send_code(self, email: str, code: str) -> None:
        """Send the code, or raise MailNotSentError so the page never claims it was sent."""
        message = EmailMessage()
        message["From"] = self._relay.sender
        message["To"] = email
        message["Subject"] = "Votre code de connexion Jalon"
        message.set_content(
            f"Bonjour,\n\nVotre code de connexion à Jalon :\n\n    {code}\n\n"
            "Il expire dans 10 minutes. Si vous ne l'avez pas demandé, ignorez ce message.\n"
        )
        try:
            await self._relay.send(message)
        except SmtpError as exc:
            log.warning("sign-in code not sent", error_type=exc.error_type)
            raise MailNotSentError from exc
