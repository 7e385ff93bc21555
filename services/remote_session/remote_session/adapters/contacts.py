"""Beneficiaries' e-mail, asked of intake (its only holder) when a message is to be announced."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from jalon_shared.auth import ServiceTokens
from remote_session.application.ports import PeopleUnavailableError


class HttpPeople:
    """Reads intake's service-only contact route with this service's token."""

    def __init__(self, http: httpx.AsyncClient, intake_url: str, tokens: ServiceTokens) -> None:
        self._http = http
        self._base = intake_url.rstrip("/")
        self._tokens = tokens

    async def email(self, beneficiary_id: UUID) -> str | None:
        """Return the e-mail address, or None when intake holds nobody under this id."""
        try:
            response = await self._http.get(
                f"{self._base}/beneficiaries/{beneficiary_id}/contact",
                headers={"Authorization": f"Bearer {self._tokens.token()}"},
            )
        except httpx.HTTPError as exc:
            raise PeopleUnavailableError(type(exc).__name__) from exc
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if not response.is_success:
            raise PeopleUnavailableError(f"intake answered {response.status_code}")
        body: dict[str, Any] = response.json()
        email = body.get("email")
        return str(email) if email else None
