"""Use case: a CEP request arrives, from the beneficiary themself or from staff on the phone.

A beneficiary is the token's subject: the request goes to their own record and case, never to a
person found by a typed email or phone. An email that belongs to someone else is refused. A phone
that someone else also gave is accepted as the person's own detail, with no link to the other
person: households and relatives share lines, and a phone number is not an identity.

Staff take requests for someone else. When the email or phone matches a person with an open
case, the request is stored aside as a possible duplicate on that case, for its counsellor to
confirm (same person) or reject (different people); staff learn nothing about the match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from intake.application.case_steps import (
    actor_of,
    check_place,
    open_case,
    request_submitted,
)
from intake.application.errors import ContactInUseError, ForbiddenError
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.domain.commands import SubmitRequest
from intake.domain.model import (
    Actor,
    Beneficiary,
    Case,
    CepRequest,
    Consent,
    DuplicateReview,
    PersonDetails,
)
from intake.domain.retention import DUPLICATE_REQUEST_RETENTION
from jalon_shared.access import Principal, Role, may_read_region
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import RequestOutcome


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What the caller may learn about the submitted request."""

    request_id: UUID
    case_id: UUID | None
    outcome: RequestOutcome
    counsellor_assigned: bool


def new_request(
    command: SubmitRequest,
    beneficiary_id: UUID,
    at: datetime,
    *,
    review: DuplicateReview | None = None,
) -> CepRequest:
    """Return the request the command describes, for the given person."""
    return CepRequest(
        request_id=uuid4(),
        beneficiary_id=beneficiary_id,
        employment_situation=command.employment_situation,
        csp=command.csp,
        region=command.region,
        site=command.site,
        need=command.need,
        topics=command.topics,
        modalities=command.modalities,
        availability=command.availability,
        accessibility=command.accessibility,
        consent=Consent(text_version=command.consent_version, given_at=at),
        service_level=command.service_level,
        submitted_at=at,
        review=review,
        purge_at=at + DUPLICATE_REQUEST_RETENTION if review is not None else None,
    )


async def submit_request(
    command: SubmitRequest,
    *,
    principal: Principal,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> SubmitOutcome:
    """Store the request, then add it to the person's case, open one, or flag it for review."""
    person = command.person.normalised()
    actor = actor_of(principal)

    async def own_request(tx: IntakeTransaction) -> SubmitOutcome:
        own_id = principal.beneficiary_id()
        if own_id is None:
            raise ForbiddenError("the token names no beneficiary")
        await check_place(tx, command.region, command.site)
        others = [
            b
            for b in await tx.find_beneficiaries_by_contact(person.email, person.phone)
            if b.beneficiary_id != own_id
        ]
        if any(other.email == person.email for other in others):
            raise ContactInUseError("email")
        now = clock()
        own = await tx.beneficiary(own_id)
        # Someone with no record yet has had no case either: no need to look.
        known = own is not None
        if own is None:
            await tx.add_beneficiary(Beneficiary.from_details(own_id, person, at=now))
        elif own.take_details(person):
            await tx.save_beneficiary(own)
        request = new_request(command, own_id, now)
        case = await tx.open_case_of(own_id)
        if case is not None:
            request.case_id = case.case_id
            await tx.add_request(request)
            tx.emit(request_submitted(request, meta=meta, duplicate_of=case.request_id))
            return SubmitOutcome(
                request.request_id,
                case.case_id,
                RequestOutcome.ADDED_TO_OWN_CASE,
                case.counsellor_id is not None,
            )
        submitted = request_submitted(request, meta=meta)
        tx.emit(submitted)
        returning = None if known else False
        return await opened(tx, request, person, actor, now, str(submitted.event_id), returning)

    async def staff_request(tx: IntakeTransaction) -> SubmitOutcome:
        await check_place(tx, command.region, command.site)
        matches = await tx.find_beneficiaries_by_contact(person.email, person.phone)
        now = clock()
        flagged_on = await case_to_review(tx, matches, person)
        if flagged_on is None:
            beneficiary = Beneficiary.from_details(uuid4(), person, at=now)
            await tx.add_beneficiary(beneficiary)
            request = new_request(command, beneficiary.beneficiary_id, now)
            submitted = request_submitted(request, meta=meta)
            tx.emit(submitted)
            # A record made just now has no earlier case (someone matching only a closed case
            # gets a new record: a shared contact is not an identity).
            return await opened(tx, request, person, actor, now, str(submitted.event_id), False)
        case, matched_on = flagged_on
        # The typed details wait in a provisional record: nobody's until the counsellor decides.
        provisional = Beneficiary.from_details(
            uuid4(),
            person,
            at=now,
            provisional=True,
            purge_at=now + DUPLICATE_REQUEST_RETENTION,
        )
        review = DuplicateReview(case_id=case.case_id, matched_on=matched_on)
        request = new_request(command, provisional.beneficiary_id, now, review=review)
        case.flag_duplicate(matched_on, actor, now)
        await tx.add_beneficiary(provisional)
        await tx.add_request(request)
        await tx.save_case(case)
        tx.emit(request_submitted(request, meta=meta))
        return SubmitOutcome(
            request.request_id, None, RequestOutcome.PENDING_DUPLICATE_REVIEW, False
        )

    async def opened(
        tx: IntakeTransaction,
        request: CepRequest,
        details: PersonDetails,
        by: Actor,
        at: datetime,
        causation_id: str,
        returning: bool | None,
    ) -> SubmitOutcome:
        case = await open_case(
            tx,
            request,
            languages=details.languages,
            by=by,
            at=at,
            meta=meta,
            new_request=True,
            causation_id=causation_id,
            returning=returning,
        )
        return SubmitOutcome(
            request.request_id,
            case.case_id,
            RequestOutcome.CASE_OPENED,
            case.counsellor_id is not None,
        )

    if principal.role is Role.BENEFICIARY:
        work = own_request
    elif principal.is_staff:
        if not may_read_region(principal, command.region):
            raise ForbiddenError("outside your region")
        work = staff_request
    else:
        raise ForbiddenError("only a beneficiary or staff submit requests")
    # Requests of other people share a group commit; those naming the same person, email or
    # phone never do, so no request misses what another wrote in the same transaction.
    contacts = {person.email, *([person.phone] if person.phone else [])}
    keys = {f"contact:{contact}" for contact in contacts}
    if principal.role is Role.BENEFICIARY:
        keys.add(f"person:{principal.sub}")
    return await uow.run(work, conflict_keys=keys, contacts=contacts)


async def case_to_review(
    tx: IntakeTransaction, matches: list[Beneficiary], person: PersonDetails
) -> tuple[Case, tuple[str, ...]] | None:
    """Return the open case of the best match (email before phone) and what matched, if any."""
    # A match whose cases are all closed has no counsellor to review it: the request then opens
    # a case of its own, since a closed path is no reason to hold a new one back.
    ranked = sorted(matches, key=lambda b: (b.email != person.email, str(b.beneficiary_id)))
    for candidate in ranked:
        case = await tx.open_case_of(candidate.beneficiary_id)
        if case is not None:
            return case, person.shared_contacts(candidate)
    return None
