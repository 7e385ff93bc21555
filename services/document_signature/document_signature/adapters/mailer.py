"""The signing code and the reminder by e-mail over SMTP (the dev mailbox's sink in dev).

Neither message quotes the summary: the code mail carries the code and its lifetime, the
reminder the reference and the deadline, so a mailbox read by someone else discloses nothing of
the guidance.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import structlog

from document_signature.application.ports import MailError
from document_signature.domain.otp import CODE_LIFETIME
from jalon_shared.french_dates import MONTHS, day_of_month
from jalon_shared.smtp import SmtpError, SmtpRelay

log = structlog.get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CODE_SUBJECT = "Votre code de signature Jalon"
REMINDER_SUBJECT = "Votre synthèse de conseil attend votre signature"


def paris_time(moment: datetime) -> str:
    """Return a time in Paris as French text: "15 janvier 2027 à 14 h 05"."""
    local = moment.astimezone(PARIS)
    day = day_of_month(local)
    return f"{day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def code_text(code: str, expires_at: datetime) -> str:
    """Return the body of the code e-mail."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return (
        "Bonjour,\n\n"
        "Voici votre code pour signer votre synthèse de conseil sur Jalon :\n\n"
        f"    {code}\n\n"
        f"Ce code est valable {minutes} minutes, jusqu'au {paris_time(expires_at)} "
        "(heure de Paris), et ne sert qu'une fois.\n\n"
        "Ne le communiquez à personne : votre conseiller ne vous le demandera jamais.\n"
        "Si vous n'avez pas demandé ce code, ignorez ce message.\n\n"
        "L'équipe Jalon\n"
    )


def reminder_text(reference: str, expires_at: datetime, space_url: str) -> str:
    """Return the body of the reminder e-mail."""
    return (
        "Bonjour,\n\n"
        f"Votre synthèse de conseil {reference} attend votre signature.\n"
        f"Vous pouvez la relire et la signer jusqu'au {paris_time(expires_at)} "
        "(heure de Paris), depuis votre espace :\n\n"
        f"    {space_url}\n\n"
        "Passé ce délai, votre conseiller devra vous la proposer à nouveau.\n\n"
        "L'équipe Jalon\n"
    )


class SmtpMailer:
    """Hands the messages to an SMTP relay."""

    def __init__(self, relay: SmtpRelay, *, space_url: str) -> None:
        self._relay = relay
        self._space_url = space_url

    async def _send(self, to: str, subject: str, text: str) -> None:
        try:
            await self._relay.send(self._relay.french_mail(to, subject, text))
        except SmtpError as exc:
            log.warning("document e-mail not sent", error_type=exc.error_type)
            raise MailError(exc.error_type) from exc

    async def send_code(self, to: str, code: str, *, expires_at: datetime) -> None:
        """Send the one-time signing code."""
        await self._send(to, CODE_SUBJECT, code_text(code, expires_at))

    async def send_reminder(self, to: str, *, reference: str, expires_at: datetime) -> None:
        """Send the one reminder before the signing window closes."""
        await self._send(
            to, REMINDER_SUBJECT, reminder_text(reference, expires_at, self._space_url)
        )
