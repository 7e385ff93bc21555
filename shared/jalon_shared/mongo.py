"""Async MongoDB access on pymongo.AsyncMongoClient, with transactions."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from jalon_shared.settings import MongoSettings

Document = dict[str, Any]
Client = AsyncMongoClient[Document]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]
Session = AsyncClientSession

T = TypeVar("T")


class CommandCounter(CommandListener):
    """Counts the commands a client sends, by command and by collection: the round trips."""

    #: Driver housekeeping, not work a request asked for.
    IGNORED = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo"})

    def __init__(self) -> None:
        self.by_command: Counter[str] = Counter()

    def started(self, event: CommandStartedEvent) -> None:
        """Count one command as it leaves."""
        name = event.command_name
        if name in self.IGNORED:
            return
        target = event.command.get(name)
        self.by_command[f"{name} {target}" if isinstance(target, str) else name] += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        """Nothing to count on success."""

    def failed(self, event: CommandFailedEvent) -> None:
        """Nothing to count on failure: the command was counted when it left."""

    def snapshot(self) -> dict[str, int]:
        """Return the counts so far, by command and collection."""
        return dict(self.by_command)


def create_client(settings: MongoSettings, *, counter: CommandCounter | None = None) -> Client:
    """Build the service's one MongoDB client (the composition root owns it)."""
    return AsyncMongoClient(
        settings.uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=settings.timeout_ms,
        connectTimeoutMS=settings.timeout_ms,
        maxPoolSize=settings.max_pool_size,
        event_listeners=[counter] if counter is not None else [],
    )


async def in_transaction(
    client: Client, work: Callable[[Session], Awaitable[T]], *, max_attempts: int = 10
) -> T:
    """Run work in one multi-document transaction, retried with backoff on write conflicts."""
    delay = 0.002
    for attempt in range(1, max_attempts + 1):
        async with client.start_session() as session:
            try:
                async with await session.start_transaction(
                    read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
                ):
                    return await work(session)
            except PyMongoError as exc:
                if attempt == max_attempts or not exc.has_error_label("TransientTransactionError"):
                    raise
        # Immediate retries livelock under contention; jittered backoff lets one writer win.
        await asyncio.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, 0.25)
    raise AssertionError("unreachable")  # pragma: no cover


async def ping(client: Client) -> bool:
    """Return whether the server answers."""
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True
