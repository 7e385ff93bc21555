"""The follow-up survey's invitation by e-mail over SMTP (the dev mailbox's sink in dev).

The invitation holds a greeting and the link, nothing of the path nor of any answer.
"""

from __future__ import annotations

import structlog

from intake.application.follow_up_ports import MailError
from jalon_shared.smtp import SmtpError, SmtpRelay

log = structlog.get_logger(__name__)

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


class SmtpMailer:
    """Hands the follow-up invitations to an SMTP relay."""

    def __init__(self, relay: SmtpRelay) -> None:
        self._relay = relay

    async def send_follow_up(self, *, to: str, first_name: str, url: str, key: str) -> None:
        """Invite the person to the follow-up survey through its signed link."""
        # The same Message-ID on every attempt, so a resend reads as one mail.
        mail = self._relay.french_mail(
            to,
            FOLLOW_UP_SUBJECT,
            follow_up_text(first_name, url),
            message_id=self._relay.message_id(f"survey.{key}"),
        )
        try:
            await self._relay.send(mail)
        except SmtpError as exc:
            log.warning("survey e-mail not sent", error_type=exc.error_type)
            raise MailError(exc.error_type) from exc
