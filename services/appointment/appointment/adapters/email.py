"""The e-mail channel: plain text and, for calendar notices, an ICS invitation, over SMTP."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
import structlog

from appointment.adapters.ics import invitation
from appointment.application.notification_ports import ChannelError, Outgoing
from appointment.domain.messages import Contact

log = structlog.get_logger(__name__)


def message_id(key: str, sender: str) -> str:
    """Return a Message-ID that is the same on every attempt at one notice."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "jalon.invalid"
    # The key's colons are not allowed in a Message-ID's left part; dots are.
    return f"<notice.{key.replace(':', '.')}@{domain}>"


class EmailChannel:
    """Sends rendered notices through an SMTP relay (the dev mailbox's sink in dev)."""

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

    def compose(self, message: Outgoing, contact: Contact) -> EmailMessage:
        """Return the e-mail: the text, and the invitation as invite.ics when there is one."""
        if not contact.email:
            raise ChannelError("no e-mail address")
        rendered = message.rendered
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = contact.email
        mail["Subject"] = rendered.subject
        mail["Date"] = format_datetime(message.now)
        mail["Message-ID"] = message_id(message.key, self._sender)
        mail.set_content(rendered.text)
        if rendered.method is not None and message.facts is not None:
            ics = invitation(
                message.facts,
                rendered.method,
                organizer=self._sender,
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
        mail = self.compose(message, contact)
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
            log.warning("notice e-mail not sent", error_type=type(exc).__name__)
            raise ChannelError(type(exc).__name__) from exc
