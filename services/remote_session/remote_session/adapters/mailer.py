"""The new-message notice by e-mail over SMTP (the dev mailbox's sink in dev).

The notice never quotes the message: it says one waits and links to the beneficiary's
messages, so a mailbox read by someone else discloses nothing of the exchange.
"""

from __future__ import annotations

import structlog

from jalon_shared.smtp import SmtpError, SmtpRelay
from remote_session.application.ports import MailError

log = structlog.get_logger(__name__)

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

    def __init__(self, relay: SmtpRelay, *, messages_url: str) -> None:
        self._relay = relay
        self._messages_url = messages_url

    async def send_new_message(self, to: str) -> None:
        """Tell the beneficiary their counsellor wrote, without the message."""
        text = new_message_text(self._messages_url)
        try:
            await self._relay.send(self._relay.french_mail(to, NEW_MESSAGE_SUBJECT, text))
        except SmtpError as exc:
            log.warning("session e-mail not sent", error_type=exc.error_type)
            raise MailError(exc.error_type) from exc
