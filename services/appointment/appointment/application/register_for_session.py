"""Use case: a beneficiary registers themselves for a session: a seat, or the waitlist."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from appointment.application.collective_ports import (
    AlreadyRegisteredError,
    Clock,
    CollectiveDirectory,
    CollectiveTransaction,
    CollectiveUnitOfWork,
)
from appointment.application.collective_steps import (
    UNKNOWN_SESSION,
    domain_rules,
    open_case_regions,
    own_id,
    registration_event,
)
from appointment.application.errors import ConflictError, NotFoundError
from appointment.domain.collective import Registration, RegistrationStatus, waitlist_rank
from appointment.domain.notices import Template, session_notice
from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta


@dataclass(frozen=True, slots=True)
class Enrolment:
    """The new registration, with its rank when it went to the waitlist."""

    registration: Registration
    waitlist_rank: int | None


async def register_for_session(
    session_id: UUID,
    *,
    principal: Principal,
    uow: CollectiveUnitOfWork,
    directory: CollectiveDirectory,
    clock: Clock,
    meta: EventMeta,
) -> Enrolment:
    """Register the caller (the token's subject) for a session of their open case's region."""
    beneficiary_id = own_id(principal)
    regions = await open_case_regions(beneficiary_id, directory)

    async def work(tx: CollectiveTransaction) -> Enrolment:
        session = await tx.session(session_id)
        if session is None or session.region not in regions:
            raise NotFoundError(UNKNOWN_SESSION)
        now = clock()
        with domain_rules():
            session.check_open(now)
        # The seat is taken by a conditional increment: the capacity holds under any load.
        place = await tx.claim_place(session)
        if place is None:
            raise ConflictError("session_closed", "this session no longer takes registrations")
        registration = Registration.admitted(
            registration_id=uuid4(),
            session_id=session_id,
            beneficiary_id=beneficiary_id,
            seated=place.seated,
            position=place.position,
            now=now,
        )
        try:
            await tx.add_registration(registration, session)
        except AlreadyRegisteredError as exc:
            raise ConflictError(
                "already_registered", "you are already registered for this session"
            ) from exc
        waiting = registration.status is RegistrationStatus.WAITLISTED
        tx.publish(
            registration_event(registration, session, registration.status.value, meta=meta, at=now)
        )
        tx.notify(
            session_notice(
                Template.SESSION_WAITLISTED if waiting else Template.SESSION_REGISTERED,
                session_id=session_id,
                beneficiary_id=beneficiary_id,
                now=now,
                tag=str(registration.registration_id),
            )
        )
        rank = None
        if waiting:
            queue = await tx.registrations(session_id, {RegistrationStatus.WAITLISTED})
            rank = waitlist_rank(registration, queue)
        return Enrolment(registration, rank)

    return await uow.run(work)
