"""A unit of work whose transaction stages its events in the outbox, committed together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from jalon_shared.events.envelope import Event
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Session, in_transaction

T = TypeVar("T")


class StagesEvents(Protocol):
    """A transaction's repositories, holding the events its work published."""

    events: list[Event]


TxT = TypeVar("TxT", bound=StagesEvents)


class EventStaging:
    """The events a transaction's work publishes, written to the outbox when it ends."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, *events: Event) -> None:
        """Queue events for the outbox, written when the work ends."""
        self.events.extend(events)


class OutboxUnitOfWork(Generic[TxT]):
    """Runs work in a MongoDB transaction with its events; a commit with any wakes the relay."""

    def __init__(
        self,
        client: Client,
        make: Callable[[Session], TxT],
        outbox: Outbox,
        relay: OutboxRelay,
    ) -> None:
        self._client = client
        self._make = make
        self._outbox = outbox
        self._relay = relay

    async def run(self, work: Callable[[TxT], Awaitable[T]]) -> T:
        """Run work in one transaction; its events commit with it."""
        published = False

        async def attempt(session: Session) -> T:
            nonlocal published
            tx = self._make(session)
            result = await work(tx)
            await self._outbox.stage(tx.events, session)
            # A retried attempt starts afresh: only the committed one's events count.
            published = bool(tx.events)
            return result

        result = await in_transaction(self._client, attempt)
        if published:
            self._relay.notify()
        return result
