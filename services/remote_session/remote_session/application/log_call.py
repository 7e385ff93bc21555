"""Use case: the case's counsellor logs a phone call placed outside the system."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import structlog

from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import CallOutcome
from remote_session.application.access import reachable_case
from remote_session.application.errors import ForbiddenError, InvalidInputError
from remote_session.application.ports import CaseDirectory
from remote_session.application.room_events import call_logged
from remote_session.application.room_ports import RoomTransaction, RoomUnitOfWork
from remote_session.domain.calls import Call, CallError
from remote_session.domain.rooms import one_to_one_room_id

log = structlog.get_logger(__name__)


async def log_call(
    uow: RoomUnitOfWork,
    directory: CaseDirectory,
    principal: Principal,
    case_id: UUID,
    *,
    started_at: datetime,
    ended_at: datetime,
    outcome: CallOutcome,
    appointment_id: UUID | None,
    now: datetime,
    meta: EventMeta,
) -> Call:
    """Store the call and session.call_logged in one transaction."""
    case = await reachable_case(directory, principal, case_id)
    if principal.role is not Role.COUNSELLOR:
        raise ForbiddenError("only the case's counsellor logs its calls")
    try:
        call = Call.log(
            call_id=uuid4(),
            case_id=case.case_id,
            beneficiary_id=case.beneficiary_id,
            counsellor_id=principal.sub,
            started_at=started_at,
            ended_at=ended_at,
            outcome=outcome,
            appointment_id=appointment_id,
            now=now,
        )
    except CallError as exc:
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc

    async def work(tx: RoomTransaction) -> Call:
        if appointment_id is not None:
            room = await tx.room(one_to_one_room_id(appointment_id))
            if room is not None and room.case_id is not None and room.case_id != case.case_id:
                raise InvalidInputError(
                    "appointment_id", "not_of_this_case", "the appointment is another case's"
                )
        await tx.add_call(call)
        tx.publish(call_logged(call, meta))
        return call

    saved = await uow.run(work)
    log.info("call logged", call_id=str(saved.call_id), outcome=saved.outcome.value)
    return saved
