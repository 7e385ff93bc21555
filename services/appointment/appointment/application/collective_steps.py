"""Steps the collective-session use cases share: access rules, events, the freed seat."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from appointment.application.collective_ports import CollectiveDirectory, CollectiveTransaction
from appointment.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from appointment.domain.collective import (
    CollectiveSession,
    Registration,
    SessionInputError,
    SessionStateError,
    free_seat_goes_to,
)
from appointment.domain.notices import Template, session_notice
from jalon_shared.access import Principal, Role
from jalon_shared.events.appointment import CollectiveSessionRegistered
from jalon_shared.events.envelope import EventMeta

#: Whom every refusal about an unknown or unreachable session names.
UNKNOWN_SESSION = "collective session not found"


@contextmanager
def domain_rules() -> Iterator[None]:
    """Turn the domain's refusals into the application's (a 422 by field, or a 409)."""
    try:
        yield
    except SessionInputError as exc:
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc
    except SessionStateError as exc:
        raise ConflictError(exc.reason, str(exc)) from exc


def own_id(principal: Principal) -> UUID:
    """Return the calling beneficiary's id: the token's subject, never a body field."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ForbiddenError("only a beneficiary registers, and only themselves")
    return beneficiary_id


def staff_region(principal: Principal) -> str:
    """Return the region a staff token names; refuse staff without one."""
    if principal.role not in (Role.COUNSELLOR, Role.MANAGER) or not principal.region:
        raise ForbiddenError("your token names no region")
    return principal.region


def check_staff_reach(principal: Principal, session: CollectiveSession, *, manage: bool) -> None:
    """Refuse staff of another region, and a counsellor where a manager is needed."""
    if manage and principal.role is not Role.MANAGER:
        raise ForbiddenError("only a manager of the region manages its sessions")
    if staff_region(principal) != session.region:
        raise ForbiddenError("this session belongs to another region")


async def open_case_regions(beneficiary_id: UUID, directory: CollectiveDirectory) -> set[str]:
    """Return the regions of the beneficiary's open cases: where they may register."""
    return {
        case.region for case in await directory.cases_of(beneficiary_id) if case.status == "open"
    }


def registration_event(
    registration: Registration,
    session: CollectiveSession,
    status: str,
    *,
    meta: EventMeta,
    at: datetime,
) -> CollectiveSessionRegistered:
    """Return the event announcing a registration's new status."""
    return CollectiveSessionRegistered(
        **meta.envelope(),
        occurred_at=at,
        session_id=session.session_id,
        registration_id=registration.registration_id,
        beneficiary_id=registration.beneficiary_id,
        status=status,
        modality=session.modality,
        region=session.region,
        site=session.site,
        starts_at=session.starts_at,
    )


async def give_freed_seat(
    tx: CollectiveTransaction, session: CollectiveSession, *, now: datetime, meta: EventMeta
) -> Registration | None:
    """Give a freed seat to the first waitlisted person (who is told), or free it."""
    head = await tx.first_waitlisted(session.session_id)
    chosen = free_seat_goes_to(session, [head] if head else [], now)
    if chosen is None:
        await tx.release_seat(session.session_id)
        return None
    # The seat changes hands, so the count stays as it is.
    promoted = chosen.promoted()
    await tx.save_registration(promoted)
    tx.publish(registration_event(promoted, session, "promoted", meta=meta, at=now))
    tx.notify(
        session_notice(
            Template.SESSION_PROMOTED,
            session_id=session.session_id,
            beneficiary_id=promoted.beneficiary_id,
            now=now,
            tag=str(promoted.registration_id),
        )
    )
    return promoted


async def session_for_change(tx: CollectiveTransaction, session_id: UUID) -> CollectiveSession:
    """Return a session read in the transaction, or refuse an unknown one."""
    session = await tx.session(session_id)
    if session is None:
        raise NotFoundError(UNKNOWN_SESSION)
    return session
