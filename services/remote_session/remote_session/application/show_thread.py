"""Use case: a party opens the case's thread, which marks the other side's messages read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from jalon_shared.access import Principal
from remote_session.application.access import reachable_case, side_of
from remote_session.application.ports import (
    CaseDirectory,
    SessionQueries,
    SessionTransaction,
    UnitOfWork,
)
from remote_session.domain.threads import Message


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """A thread's messages, and how many of the other side's the caller had not read."""

    case_id: UUID
    messages: tuple[Message, ...]
    unread: int


async def show_thread(
    uow: UnitOfWork,
    queries: SessionQueries,
    directory: CaseDirectory,
    principal: Principal,
    case_id: UUID,
    *,
    now: datetime,
) -> ThreadPage:
    """Return the thread, marking what the caller had not read as read now."""
    await reachable_case(directory, principal, case_id)
    reader = side_of(principal)
    unread = sum(1 for m in await queries.messages(case_id) if m.unread_by(reader))
    if unread:

        async def work(tx: SessionTransaction) -> int:
            return await tx.mark_read(case_id, reader, now)

        await uow.run(work)
    return ThreadPage(case_id, tuple(await queries.messages(case_id)), unread)
