"""Send sign-in codes by SMTP (a local sink in dev)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import structlog

log = structlog.get_logger(__name__)


class SmtpMailer:
    """Mailer on an SMTP relay."""

    def __init__(self, host: str, port: int, sender: str) -> None:
        self._host = host
        self._port = port
        self._sender = sender

    async def send_code(self, email: str, code: str) -> None:
        """Send the code; a relay that is down is logged, never fatal to sign-in."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email
        message["Subject"] = "Votre code de connexion Jalon"
        message.set_content(f"Votre code de connexion : {code}\nIl expire dans 10 minutes.")
        try:
            await aiosmtplib.send(message, hostname=self._host, port=self._port, timeout=5)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("sign-in code not sent", error_type=type(exc).__name__)
