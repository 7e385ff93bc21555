"""Async MongoDB access on pymongo.AsyncMongoClient, with transactions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from jalon_shared.settings import MongoSettings

Document = dict[str, Any]
Client = AsyncMongoClient[Document]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]
Session = AsyncClientSession

T = TypeVar("T")


def create_client(settings: MongoSettings) -> Client:
    """Build the service's one MongoDB client (the composition root owns it)."""
    return AsyncMongoClient(
        settings.uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=settings.timeout_ms,
        connectTimeoutMS=settings.timeout_ms,
    )


async def in_transaction(client: Client, work: Callable[[Session], Awaitable[T]]) -> T:
    """Run work in one multi-document transaction, retried on transient errors."""
    async with client.start_session() as session:
        return await session.with_transaction(
            work,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )


async def ping(client: Client) -> bool:
    """Return whether the server answers."""
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True
