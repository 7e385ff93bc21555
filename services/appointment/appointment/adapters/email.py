"""The e-mail channel: plain text and, for calendar notices, an ICS invitation, over SMTP."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import structlog

from appointment.adapters.ics import invitation
from appointment.application.notification_ports import ChannelError, Outgoing
from appointment.domain.messages import Contact
from jalon_shared.smtp import SmtpError, SmtpRelay

log = structlog.get_logger(__name__)


class EmailChannel:
    """Sends rendered notices through an SMTP relay (the dev mailbox's sink in dev)."""

    def __init__(self, relay: SmtpRelay) -> None:
        self._relay = relay

    def message_id(self, key: str) -> str:
        """Return a Message-ID that is the same on every attempt at one notice."""
        # The key's colons are not allowed in a Message-ID's left part; dots are.
        return self._relay.message_id(f"notice.{key.replace(':', '.')}")

    def compose(self, message: Outgoing, contact: Contact) -> EmailMessage:
        """Return the e-mail: the text, and the invitation as invite.ics when there is one."""
        if not contact.email:
            raise ChannelError("no e-mail address")
        rendered = message.rendered
        mail = EmailMessage()
        mail["From"] = self._relay.sender
        mail["To"] = contact.email
        mail["Subject"] = rendered.subject
        mail["Date"] = format_datetime(message.now)
        mail["Message-ID"] = self.message_id(message.key)
        mail.set_content(rendered.text)
        if rendered.method is not None and message.facts is not None:
            ics = invitation(
                message.facts,
                rendered.method,
                organizer=self._relay.sender,
                now=message.now,
                attendee=contact.email,
                description=rendered.description,
            )
            mail.add_attachment(
                ics,
                maintype="text",
                subtype="calendar",
                filename="invite.ics",
                params={"method": rendered.method.value, "charset": "utf-8"},
            )
        return mail

    async def send(self, message: Outgoing, contact: Contact) -> None:
        """Hand the e-mail to the relay, or raise ChannelError."""
        try:
            await self._relay.send(self.compose(message, contact))
        except SmtpError as exc:
            log.warning("notice e-mail not sent", error_type=exc.error_type)
            raise ChannelError(exc.error_type) from exc
