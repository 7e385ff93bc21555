"""The follow-up survey's invitation by e-mail over SMTP (the dev mailbox's sink in dev).

The invitation holds a greeting and the link, nothing of the path nor of any answer.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

import aiosmtplib
import structlog

from intake.application.follow_up_ports import MailError

log = structlog.get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")
FOLLOW_UP_SUBJECT = "Où en êtes-vous aujourd'hui ? Une question de Jalon"


def follow_up_text(first_name: str, url: str) -> str:
    """Return the body of the follow-up invitation."""
    return (
        f"Bonjour {first_name},\n\n"
        "Votre accompagnement en évolution professionnelle avec Jalon s'est terminé il y a "
        "quelques mois.\n"
        "Pour nous aider à améliorer ce service, dites-nous où vous en êtes aujourd'hui : une "
        "seule question, moins d'une minute.\n\n"
        f"    {url}\n\n"
        "Vos réponses sont anonymes : elles servent seulement aux statistiques.\n"
        "Ce lien vous est personnel et reste valable 60 jours ; ne le transférez pas.\n\n"
        "L'équipe Jalon\n"
    )


def message_id(key: str, sender: str) -> str:
    """Return a Message-ID that is the same on every attempt, so a resend reads as one mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "jalon.invalid"
    return f"<survey.{key}@{domain}>"


class SmtpMailer:
    """Hands the follow-up invitations to an SMTP relay."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._starttls = starttls
        self._username = username
        self._password = password
        self._timeout = timeout

    def compose(self, to: str, subject: str, text: str, key: str) -> EmailMessage:
        """Return a plain-text French e-mail."""
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(datetime.now(PARIS))
        mail["Message-ID"] = message_id(key, self._sender)
        mail["Content-Language"] = "fr"
        mail.set_content(text)
        return mail

    async def send_follow_up(self, *, to: str, first_name: str, url: str, key: str) -> None:
        """Invite the person to the follow-up survey through its signed link."""
        mail = self.compose(to, FOLLOW_UP_SUBJECT, follow_up_text(first_name, url), key)
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
            log.warning("survey e-mail not sent", error_type=type(exc).__name__)
            raise MailError(type(exc).__name__) from exc
