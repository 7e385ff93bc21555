"""Calls from the web front to the services' APIs, with the signed-in user's token."""

from __future__ import annotations

from typing import Any

import httpx

from jalon_shared.http import CORRELATION_HEADER
from jalon_shared.logging import current_correlation_id


class ServiceError(Exception):
    """A service refused or failed a call; carries its status and reason."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class ServiceClient:
    """One service's API, reached with the caller's bearer token."""

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")

    async def call(
        self, method: str, path: str, token: str, *, json: Any = None, params: Any = None
    ) -> Any:
        """Call the API and return its JSON, or raise ServiceError with its reason."""
        try:
            response = await self._http.request(
                method,
                f"{self._base}{path}",
                json=json,
                params=params,
                headers={
                    "Authorization": f"Bearer {token}",
                    CORRELATION_HEADER: current_correlation_id(),
                },
            )
        except httpx.HTTPError as exc:
            raise ServiceError(503, "service unavailable") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ServiceError(response.status_code, detail)
        return response.json() if response.content else None
