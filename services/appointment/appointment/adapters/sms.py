"""The SMS channel: a JSON POST to the provider's gateway (the dev fake in dev)."""

from __future__ import annotations

import httpx
import structlog

from appointment.application.notification_ports import ChannelError, Outgoing
from appointment.domain.messages import Contact

log = structlog.get_logger(__name__)

API_KEY_HEADER = "X-Api-Key"


class HttpSmsChannel:
    """Posts {to, text} to a provider URL with an API key header; any non-2xx is a failure."""

    def __init__(
        self, http: httpx.AsyncClient, url: str, api_key: str | None, timeout: float = 10
    ) -> None:
        self._http = http
        self._url = url
        self._headers = {API_KEY_HEADER: api_key} if api_key else {}
        self._timeout = timeout

    async def send(self, message: Outgoing, contact: Contact) -> None:
        """Hand the SMS to the provider, or raise ChannelError."""
        if not contact.phone:
            raise ChannelError("no phone number")
        try:
            response = await self._http.post(
                self._url,
                json={"to": contact.phone, "text": message.rendered.sms},
                headers=self._headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.warning("notice sms not sent", error_type=type(exc).__name__)
            raise ChannelError(type(exc).__name__) from exc
        if not response.is_success:
            log.warning("notice sms refused", status=response.status_code)
            raise ChannelError(f"provider answered {response.status_code}")
