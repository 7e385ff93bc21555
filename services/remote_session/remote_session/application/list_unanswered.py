"""Use case: the counsellor lists their caseload's threads waiting for an answer."""

from __future__ import annotations

from jalon_shared.access import Principal
from remote_session.application.ports import SessionQueries
from remote_session.domain.threads import Thread


async def list_unanswered(queries: SessionQueries, principal: Principal) -> list[Thread]:
    """Return the threads whose last message is the beneficiary's, longest waiting first."""
    return await queries.unanswered(principal.sub)
