"""Beneficiaries' contact details, asked of intake (their only holder) at send time."""

from __future__ import annotations

from uuid import UUID

import httpx

from appointment.domain.messages import Contact
from jalon_shared.auth import ServiceTokens
from jalon_shared.events.vocabulary import ContactChannel


class ContactLookupError(Exception):
    """Intake did not answer with a contact or a 404: try again later."""


class HttpContacts:
    """Reads GET /beneficiaries/{id}/contact on intake with this service's token."""

    def __init__(self, http: httpx.AsyncClient, intake_url: str, tokens: ServiceTokens) -> None:
        self._http = http
        self._base = intake_url.rstrip("/")
        self._tokens = tokens

    async def contact(self, beneficiary_id: UUID) -> Contact | None:
        """Return the contact, or None when intake holds none (unknown or erased)."""
        try:
            response = await self._http.get(
                f"{self._base}/beneficiaries/{beneficiary_id}/contact",
                headers={"Authorization": f"Bearer {self._tokens.token()}"},
            )
        except httpx.HTTPError as exc:
            raise ContactLookupError(type(exc).__name__) from exc
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if not response.is_success:
            raise ContactLookupError(f"intake answered {response.status_code}")
        body = response.json()
        return Contact(
            email=body.get("email"),
            phone=body.get("phone"),
            preferred_channel=ContactChannel(body.get("preferred_channel", "email")),
        )
