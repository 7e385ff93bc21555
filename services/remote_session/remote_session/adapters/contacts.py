"""Beneficiaries' e-mail and name, asked of intake (their only holder) when needed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from jalon_shared.auth import ServiceTokens
from remote_session.application.ports import PeopleUnavailableError


class HttpPeople:
    """Reads intake's service-only contact and identity routes with this service's token."""

    def __init__(self, http: httpx.AsyncClient, intake_url: str, tokens: ServiceTokens) -> None:
        self._http = http
        self._base = intake_url.rstrip("/")
        self._tokens = tokens

    async def _read(self, beneficiary_id: UUID, what: str) -> dict[str, Any] | None:
        try:
            response = await self._http.get(
                f"{self._base}/beneficiaries/{beneficiary_id}/{what}",
                headers={"Authorization": f"Bearer {self._tokens.token()}"},
            )
        except httpx.HTTPError as exc:
            raise PeopleUnavailableError(type(exc).__name__) from exc
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if not response.is_success:
            raise PeopleUnavailableError(f"intake answered {response.status_code}")
        body: dict[str, Any] = response.json()
        return body

    async def email(self, beneficiary_id: UUID) -> str | None:
        """Return the e-mail address, or None when intake holds nobody under this id."""
        body = await self._read(beneficiary_id, "contact")
        if body is None:
            return None
        email = body.get("email")
        return str(email) if email else None

    async def identity(self, beneficiary_id: UUID) -> tuple[str, str] | None:
        """Return (first name, last name), or None when intake holds nobody under this id."""
        body = await self._read(beneficiary_id, "identity")
        if body is None:
            return None
        return str(body.get("first_name") or ""), str(body.get("last_name") or "")
