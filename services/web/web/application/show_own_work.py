"""Use case: "Mes messages": the beneficiary's thread with their counsellor, and their tasks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

import structlog

from jalon_shared.events.vocabulary import CaseStatus
from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.session_ports import SessionApi, reachable
from web.application.session_views import Task, Thread
from web.application.show_tasks import show_tasks
from web.application.show_thread import show_thread
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


class WorkState(StrEnum):
    """Whether the page can show a thread, and why not."""

    READY = "ready"
    #: The person has no case yet: there is nobody to write to.
    NO_CASE = "no_case"
    #: The case is new and the messaging service does not know it yet.
    NOT_READY = "not_ready"
    #: A service failed: the page says so and offers nothing to send.
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class OwnWork:
    """The beneficiary's case, its thread and its tasks; each list None when unreadable."""

    state: WorkState
    case_id: UUID | None = None
    case_closed: bool = False
    counsellor_name: str | None = None
    thread: Thread | None = None
    tasks: list[Task] | None = None


async def own_case(session: Session, *, intake: IntakeApi) -> tuple[UUID, bool] | None:
    """Return the person's case (their latest open one, else their latest) and whether it is
    closed, from intake with their own token; None without any; raises ApiError."""
    own = await intake.own_data(session.token)
    if own is None or not own.cases:
        return None
    latest = max(own.cases, key=lambda c: (c.status is not CaseStatus.CLOSED, c.opened_at))
    return latest.case_id, latest.status is CaseStatus.CLOSED


async def show_own_work(
    session: Session, *, intake: IntakeApi, sessions: SessionApi | None
) -> OwnWork:
    """Read the case, then its thread (marking the counsellor's messages read) and its tasks;
    never raises, so the page always says where things stand."""
    try:
        api = reachable(sessions)
        found = await own_case(session, intake=intake)
    except ApiError as exc:
        log.warning("own case unavailable", status=exc.status)
        return OwnWork(state=WorkState.UNAVAILABLE)
    if found is None:
        return OwnWork(state=WorkState.NO_CASE)
    case_id, closed = found
    counsellor_name: str | None = None
    try:
        counsellor_name = (await intake.case(session.token, case_id)).counsellor_name
    except ApiError as exc:
        log.warning("case details unavailable", status=exc.status)
    try:
        thread = await show_thread(session, case_id, sessions=api)
    except ApiError as exc:
        log.warning("own thread unavailable", status=exc.status)
        state = WorkState.NOT_READY if exc.status == 404 else WorkState.UNAVAILABLE
        return OwnWork(state=state, case_id=case_id, case_closed=closed)
    tasks: list[Task] | None
    try:
        tasks = await show_tasks(session, case_id, sessions=api)
    except ApiError as exc:
        log.warning("own tasks unavailable", status=exc.status)
        tasks = None
    return OwnWork(
        state=WorkState.READY,
        case_id=case_id,
        case_closed=closed,
        counsellor_name=counsellor_name,
        thread=thread,
        tasks=tasks,
    )
