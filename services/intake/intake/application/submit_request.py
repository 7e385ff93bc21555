"""Use case: a beneficiary submits a CEP request; intake stores it and opens a case."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.domain.assignment import choose_counsellor
from intake.domain.commands import SubmitRequest
from intake.domain.contact import normalise_email, normalise_phone
from intake.domain.model import Beneficiary, Case, CepRequest, Consent, HistoryEntry
from intake.domain.retention import DUPLICATE_REQUEST_RETENTION
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.intake import CaseOpened, RequestSubmitted


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What the caller learns about the submitted request."""

    request_id: UUID
    beneficiary_id: UUID
    case_id: UUID | None
    counsellor_id: str | None
    duplicate_of: UUID | None


async def submit_request(
    command: SubmitRequest,
    *,
    beneficiary_id: UUID | None,
    submitted_by: str,
    uow: UnitOfWork,
    clock: Clock,
    meta: EventMeta,
) -> SubmitOutcome:
    """Store the request, flag duplicates, and open and assign a case for new ones."""
    email = normalise_email(command.email)
    phone = normalise_phone(command.phone)

    async def work(tx: IntakeTransaction) -> SubmitOutcome:
        now = clock()
        matches = await tx.find_beneficiaries_by_contact(email, phone)
        own = await tx.beneficiary(beneficiary_id) if beneficiary_id else None
        same_email = next((b for b in matches if b.email == email), None)
        beneficiary = own or same_email
        if beneficiary is None:
            beneficiary = Beneficiary(
                beneficiary_id=beneficiary_id or uuid4(),
                first_name=command.first_name,
                last_name=command.last_name,
                email=email,
                phone=phone,
                preferred_channel=command.preferred_channel,
                languages=command.languages,
                created_at=now,
            )
            await tx.save_beneficiary(beneficiary)
        elif beneficiary.purge_at is not None:
            # A returning beneficiary is no longer due for purging.
            beneficiary.purge_at = None
            await tx.save_beneficiary(beneficiary)

        # A request from someone who already has an open case (same person, or same
        # contact details) is kept and flagged for the counsellor, never opened twice.
        existing_case = None
        for candidate in [beneficiary, *matches]:
            existing_case = await tx.open_case_of(candidate.beneficiary_id)
            if existing_case is not None:
                break

        request = CepRequest(
            request_id=uuid4(),
            beneficiary_id=beneficiary.beneficiary_id,
            employment_situation=command.employment_situation,
            csp=command.csp,
            region=command.region,
            site=command.site,
            need=command.need,
            topics=command.topics,
            modalities=command.modalities,
            availability=command.availability,
            accessibility=command.accessibility,
            consent=Consent(text_version=command.consent.text_version, given_at=now),
            service_level=command.service_level,
            submitted_at=now,
            duplicate_of=existing_case.request_id if existing_case else None,
            case_id=existing_case.case_id if existing_case else None,
            purge_at=now + DUPLICATE_REQUEST_RETENTION if existing_case else None,
        )
        submitted = RequestSubmitted(
            **meta.envelope(),
            occurred_at=now,
            request_id=request.request_id,
            beneficiary_id=beneficiary.beneficiary_id,
            region=request.region,
            site=request.site,
            csp=request.csp,
            employment_situation=request.employment_situation,
            service_level=request.service_level,
            topics=request.topics,
            modalities=request.modalities,
            accessibility=request.accessibility,
            duplicate_of=request.duplicate_of,
        )
        tx.emit(submitted)
        if existing_case is not None:
            await tx.save_request(request)
            return SubmitOutcome(
                request.request_id,
                beneficiary.beneficiary_id,
                existing_case.case_id,
                existing_case.counsellor_id,
                request.duplicate_of,
            )

        counsellor = choose_counsellor(
            await tx.counsellors_in_region(request.region),
            region=request.region,
            site=request.site,
            wanted_skills=[topic.value for topic in request.topics],
            wanted_languages=command.languages,
        )
        case = Case(
            case_id=uuid4(),
            request_id=request.request_id,
            beneficiary_id=beneficiary.beneficiary_id,
            counsellor_id=counsellor.counsellor_id if counsellor else None,
            region=request.region,
            site=request.site,
            csp=request.csp,
            service_level=request.service_level,
            opened_at=now,
            history=[
                HistoryEntry(
                    at=now,
                    action="opened",
                    by=submitted_by,
                    counsellor_id=counsellor.counsellor_id if counsellor else None,
                )
            ],
        )
        request.case_id = case.case_id
        await tx.save_request(request)
        await tx.save_case(case)
        if counsellor is not None:
            await tx.adjust_open_cases(counsellor.counsellor_id, +1)
        tx.emit(
            CaseOpened(
                **{**meta.envelope(), "causation_id": str(submitted.event_id)},
                occurred_at=now,
                case_id=case.case_id,
                request_id=request.request_id,
                beneficiary_id=beneficiary.beneficiary_id,
                counsellor_id=case.counsellor_id,
                region=case.region,
                site=case.site,
                csp=case.csp,
                service_level=case.service_level,
            )
        )
        return SubmitOutcome(
            request.request_id, beneficiary.beneficiary_id, case.case_id, case.counsellor_id, None
        )

    return await uow.run(work, serialize_on=f"assign:{command.region}")
