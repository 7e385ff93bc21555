"""The producers' outbox history, read page by page for a rebuild."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from bson import ObjectId
from pymongo import ASCENDING

from jalon_shared.auth import ServiceTokens
from jalon_shared.events.envelope import Event
from jalon_shared.events.registry import UnknownEventError, parse_event
from jalon_shared.mongo import Collection

log = structlog.get_logger(__name__)


def _parse(payloads: list[str], source: str) -> list[Event]:
    events = []
    for payload in payloads:
        try:
            events.append(parse_event(payload.encode()))
        except (UnknownEventError, ValueError):
            # A record this version cannot read is skipped, not fatal: the rest still counts.
            log.warning("history record skipped", source=source)
    return events


class HttpOutboxHistory:
    """A producer's history through its operator route, with a service token."""

    def __init__(
        self, name: str, http: httpx.AsyncClient, base_url: str, tokens: ServiceTokens
    ) -> None:
        self.name = name
        self._http = http
        self._url = f"{base_url.rstrip('/')}/admin/outbox/history"
        self._tokens = tokens

    async def page(self, cursor: str | None, limit: int) -> tuple[list[Event], str | None]:
        """Return one page of events and the next cursor."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["after"] = cursor
        response = await self._http.get(
            self._url, params=params, headers={"Authorization": f"Bearer {self._tokens.token()}"}
        )
        response.raise_for_status()
        body = response.json()
        return _parse([r["payload"] for r in body["records"]], self.name), body["next"]


class MongoOutboxHistory:
    """An outbox collection read directly: for benchmarks and tests on one database server."""

    def __init__(self, name: str, collection: Collection) -> None:
        self.name = name
        self._collection = collection

    async def page(self, cursor: str | None, limit: int) -> tuple[list[Event], str | None]:
        """Return one page of events and the next cursor."""
        query: dict[str, Any] = {} if cursor is None else {"_id": {"$gt": ObjectId(cursor)}}
        docs = await self._collection.find(
            query, projection={"payload": 1}, sort=[("_id", ASCENDING)], limit=limit
        ).to_list(None)
        following = str(docs[-1]["_id"]) if len(docs) == limit else None
        return _parse([str(d["payload"]) for d in docs], self.name), following
