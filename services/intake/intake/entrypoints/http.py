"""Intake's HTTP API."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from intake.application.answer_survey import answer_survey
from intake.application.case_steps import actor_of
from intake.application.change_service_level import change_service_level
from intake.application.close_case import close_case
from intake.application.confirm_duplicate import confirm_duplicate
from intake.application.erase_beneficiary import erase_beneficiary
from intake.application.errors import (
    ContactInUseError,
    ForbiddenError,
    InvalidPlaceError,
    NotFoundError,
)
from intake.application.export_beneficiary_data import export_beneficiary_data
from intake.application.get_case import get_case
from intake.application.get_caseload import get_caseload
from intake.application.get_contact import get_contact
from intake.application.get_identity import get_identity
from intake.application.get_own_survey import get_own_survey
from intake.application.list_counsellors import list_counsellors
from intake.application.list_own_surveys import list_own_surveys
from intake.application.list_regions import list_regions
from intake.application.list_unassigned_cases import list_unassigned_cases
from intake.application.ports import CaseloadQuery, Clock, IntakeQueries, UnitOfWork
from intake.application.reassign_case import reassign_case
from intake.application.register_counsellor import register_counsellor
from intake.application.register_region import register_region
from intake.application.reject_duplicate import reject_duplicate
from intake.application.submit_request import submit_request
from intake.domain.model import DomainError
from intake.domain.surveys import (
    FOLLOW_UP_AFTER,
    AlreadyAnsweredError,
    SurveyAnswerError,
    SurveyClosedError,
)
from intake.entrypoints.schemas import (
    CODE_PATTERN,
    CaseAlerts,
    CaseloadItem,
    CaseView,
    CloseForm,
    ContactView,
    CounsellorForm,
    CounsellorView,
    Erasure,
    IdentityView,
    ReassignForm,
    RegionForm,
    RegionView,
    RequestForm,
    ServiceLevelForm,
    SubmitAnswer,
    SurveyAnswerForm,
    SurveyView,
    WaitingCaseView,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import CaseAlert, CaseStatus, ServiceLevel
from jalon_shared.http import AUTHENTICATED, WITH_BODY, ApiError, ErrorItem, error_responses
from jalon_shared.http_auth import home_region, require_roles
from jalon_shared.logging import current_correlation_id

SERVICE = "intake"
T = TypeVar("T")

CodePath = Annotated[str, Path(pattern=CODE_PATTERN)]
#: What an answer that does not fit its survey is told, by error type (never the value sent).
SURVEY_ANSWER_MESSAGES = {
    "missing": "This survey asks this question",
    "not_asked": "This survey does not ask this question",
}


@dataclass(frozen=True, slots=True)
class IntakeDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    queries: IntakeQueries
    clock: Clock
    #: How long after a case closes its follow-up survey is offered.
    follow_up_after: timedelta = FOLLOW_UP_AFTER


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


async def answer(call: Awaitable[T]) -> T:
    """Await a use case and turn its refusals into HTTP answers with a reason."""
    try:
        return await call
    except NotFoundError as exc:
        raise ApiError(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ForbiddenError as exc:
        raise ApiError(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except ContactInUseError as exc:
        # Says that the detail is taken, never by whom.
        problem = ErrorItem(
            location="body",
            field=exc.field,
            type="contact_in_use",
            message=f"This {exc.field} belongs to another person",
        )
        raise ApiError(status.HTTP_409_CONFLICT, str(exc), errors=[problem]) from exc
    except InvalidPlaceError as exc:
        problem = ErrorItem(
            location="body",
            field=exc.problem.field,
            type=exc.problem.type,
            message=exc.problem.message,
        )
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "The request is invalid; see errors.", [problem]
        ) from exc
    except SurveyAnswerError as exc:
        problem = ErrorItem(
            location="body",
            field=exc.field,
            type=exc.kind,
            message=SURVEY_ANSWER_MESSAGES.get(exc.kind, "This answer does not fit the survey"),
        )
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "The request is invalid; see errors.", [problem]
        ) from exc
    except (AlreadyAnsweredError, SurveyClosedError) as exc:
        kind = "already_answered" if isinstance(exc, AlreadyAnsweredError) else "survey_closed"
        problem = ErrorItem(location="path", field="survey_id", type=kind, message=str(exc))
        raise ApiError(status.HTTP_409_CONFLICT, str(exc), [problem]) from exc
    except DomainError as exc:
        raise ApiError(status.HTTP_409_CONFLICT, str(exc)) from exc


def build_router(deps: IntakeDeps) -> APIRouter:
    """Return intake's routes bound to their dependencies."""
    router = APIRouter(tags=["intake"])
    submitter = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    staff = require_roles(Role.COUNSELLOR, Role.MANAGER)
    anyone = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    any_caller = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER, Role.SERVICE)
    counsellor = require_roles(Role.COUNSELLOR)
    beneficiary = require_roles(Role.BENEFICIARY)
    manager = require_roles(Role.MANAGER)
    manager_or_service = require_roles(Role.MANAGER, Role.SERVICE)
    service = require_roles(Role.SERVICE)
    Staff = Annotated[Principal, Depends(staff)]  # noqa: N806 - a type alias, named as one

    def caseload_query(
        status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
        service_level: ServiceLevel | None = None,
        site: Annotated[str | None, Query(max_length=64)] = None,
        alert: CaseAlert | None = None,
        sort: Literal["opened_at", "last_contact_at", "next_appointment_at"] = "opened_at",
        order: Literal["asc", "desc"] = "desc",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        no_contact_days: Annotated[int, Query(ge=1, le=365)] = 30,
        first_contact_days: Annotated[int, Query(ge=1, le=60)] = 5,
    ) -> CaseloadQuery:
        return CaseloadQuery(
            status=status_,
            service_level=service_level,
            site=site,
            alert=alert,
            sort=sort,
            descending=order == "desc",
            limit=limit,
            offset=offset,
            no_contact_days=no_contact_days,
            first_contact_days=first_contact_days,
        )

    async def case_view(
        case_id: UUID, principal: Principal, *, after_change: bool = False
    ) -> CaseView:
        file = await answer(
            get_case(case_id, principal=principal, queries=deps.queries, after_change=after_change)
        )
        return CaseView.of(file, principal)

    @router.post(
        "/requests",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 409),
    )
    async def post_request(
        form: RequestForm, principal: Annotated[Principal, Depends(submitter)]
    ) -> SubmitAnswer:
        """Submit a CEP request: a beneficiary's own, or staff's for someone on the phone."""
        outcome = await answer(
            submit_request(
                form.command(),
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return SubmitAnswer(
            request_id=outcome.request_id,
            case_id=outcome.case_id,
            outcome=outcome.outcome,
            counsellor_assigned=outcome.counsellor_assigned,
        )

    @router.get("/caseload", responses=error_responses(*AUTHENTICATED, 422))
    async def caseload(
        principal: Annotated[Principal, Depends(counsellor)],
        query: Annotated[CaseloadQuery, Depends(caseload_query)],
    ) -> list[CaseloadItem]:
        """Return the calling counsellor's own cases, filtered, sorted and paged."""
        lines = await get_caseload(principal.sub, query, queries=deps.queries, clock=deps.clock)
        return [CaseloadItem.of(line) for line in lines]

    @router.get("/caseload/alerts", responses=error_responses(*AUTHENTICATED, 422))
    async def caseload_alerts(
        principal: Annotated[Principal, Depends(counsellor)],
        no_contact_days: Annotated[int, Query(ge=1, le=365)] = 30,
        first_contact_days: Annotated[int, Query(ge=1, le=60)] = 5,
    ) -> CaseAlerts:
        """Return cases silent for N days and new ones not contacted within N working days."""

        async def with_alert(alert: CaseAlert) -> list[CaseloadItem]:
            query = CaseloadQuery(
                alert=alert,
                limit=200,
                descending=False,
                no_contact_days=no_contact_days,
                first_contact_days=first_contact_days,
            )
            lines = await get_caseload(principal.sub, query, queries=deps.queries, clock=deps.clock)
            return [CaseloadItem.of(line) for line in lines]

        return CaseAlerts(
            no_contact=await with_alert(CaseAlert.NO_CONTACT),
            not_contacted=await with_alert(CaseAlert.NOT_CONTACTED),
            awaiting_first_contact=await with_alert(CaseAlert.AWAITING_FIRST_CONTACT),
        )

    @router.get("/cases/unassigned", responses=error_responses(*AUTHENTICATED, 422))
    async def unassigned(
        principal: Annotated[Principal, Depends(manager)],
        limit: Annotated[int, Query(ge=1, le=500)] = 200,
    ) -> list[WaitingCaseView]:
        """Return the manager's region's cases waiting for a counsellor, to hand them out."""
        waiting = await list_unassigned_cases(
            home_region(principal), queries=deps.queries, limit=limit
        )
        return [WaitingCaseView.of(case) for case in waiting]

    @router.get("/cases/{case_id}", responses=error_responses(*AUTHENTICATED, 404, 422))
    async def read_case(
        case_id: UUID, principal: Annotated[Principal, Depends(anyone)]
    ) -> CaseView:
        """Return a case with its history to its beneficiary, counsellor or regional manager."""
        return await case_view(case_id, principal)

    @router.post(
        "/cases/{case_id}/duplicates/{request_id}/confirm",
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def confirm(case_id: UUID, request_id: UUID, principal: Staff) -> CaseView:
        """Confirm a possible duplicate is this case's person: the request joins the case."""
        await answer(
            confirm_duplicate(
                case_id, request_id, principal=principal, uow=deps.uow, clock=deps.clock
            )
        )
        return await case_view(case_id, principal, after_change=True)

    @router.post(
        "/cases/{case_id}/duplicates/{request_id}/reject",
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def reject(case_id: UUID, request_id: UUID, principal: Staff) -> CaseView:
        """Say a possible duplicate is someone else: they get their own case, assigned normally."""
        await answer(
            reject_duplicate(
                case_id,
                request_id,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return await case_view(case_id, principal, after_change=True)

    @router.post(
        "/cases/{case_id}/reassign",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def reassign(case_id: UUID, form: ReassignForm, principal: Staff) -> CaseView:
        """Hand the case over to another counsellor of the region."""
        await answer(
            reassign_case(
                case_id,
                form.to_counsellor_id,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return await case_view(case_id, principal, after_change=True)

    @router.post(
        "/cases/{case_id}/service-level",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def service_level(case_id: UUID, form: ServiceLevelForm, principal: Staff) -> CaseView:
        """Requalify the case's service level."""
        await answer(
            change_service_level(
                case_id,
                form.service_level,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return await case_view(case_id, principal, after_change=True)

    @router.post(
        "/cases/{case_id}/close", responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409)
    )
    async def close(case_id: UUID, form: CloseForm, principal: Staff) -> CaseView:
        """Close the case with a reason."""
        await answer(
            close_case(
                case_id,
                form.reason,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
                follow_up_after=deps.follow_up_after,
            )
        )
        return await case_view(case_id, principal, after_change=True)

    @router.get("/surveys/mine", responses=error_responses(*AUTHENTICATED))
    async def my_surveys(principal: Annotated[Principal, Depends(beneficiary)]) -> list[SurveyView]:
        """Return the calling beneficiary's surveys waiting for an answer, newest first."""
        surveys = await list_own_surveys(own_id(principal), queries=deps.queries, clock=deps.clock)
        return [SurveyView.of(survey) for survey in surveys]

    @router.get("/surveys/{survey_id}", responses=error_responses(*AUTHENTICATED, 404, 422))
    async def my_survey(
        survey_id: UUID, principal: Annotated[Principal, Depends(beneficiary)]
    ) -> SurveyView:
        """Return one of the calling beneficiary's surveys: what it asks, whether answered."""
        survey = await answer(get_own_survey(survey_id, own_id(principal), queries=deps.queries))
        return SurveyView.of(survey)

    @router.post(
        "/surveys/{survey_id}/answers",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def answer_my_survey(
        survey_id: UUID,
        form: SurveyAnswerForm,
        principal: Annotated[Principal, Depends(beneficiary)],
    ) -> SurveyView:
        """Answer one of the calling beneficiary's surveys, once; the answer leaves anonymously."""
        survey = await answer(
            answer_survey(
                survey_id,
                form.answer(),
                beneficiary_id=own_id(principal),
                uow=deps.uow,
                clock=deps.clock,
                producer=SERVICE,
            )
        )
        return SurveyView.of(survey)

    @router.get("/me/export", responses=error_responses(*AUTHENTICATED, 404))
    async def export_me(principal: Annotated[Principal, Depends(beneficiary)]) -> dict[str, Any]:
        """Return everything intake holds about the calling beneficiary."""
        return await answer(export_beneficiary_data(own_id(principal), uow=deps.uow))

    @router.delete("/me", responses=error_responses(*AUTHENTICATED, 404))
    async def erase_me(principal: Annotated[Principal, Depends(beneficiary)]) -> Erasure:
        """Erase the calling beneficiary's data here and, by event, in every service."""
        person = own_id(principal)
        count = await answer(
            erase_beneficiary(
                person,
                erased_by=actor_of(principal),
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return Erasure(beneficiary_id=person, cases_anonymised=count)

    @router.delete(
        "/beneficiaries/{beneficiary_id}", responses=error_responses(*AUTHENTICATED, 404, 422)
    )
    async def erase_on_behalf(
        beneficiary_id: UUID, principal: Annotated[Principal, Depends(manager)]
    ) -> Erasure:
        """Erase a beneficiary of the manager's region on their written request."""
        count = await answer(
            erase_beneficiary(
                beneficiary_id,
                erased_by=actor_of(principal),
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
                region=home_region(principal),
            )
        )
        return Erasure(beneficiary_id=beneficiary_id, cases_anonymised=count)

    @router.get(
        "/beneficiaries/{beneficiary_id}/contact",
        responses=error_responses(*AUTHENTICATED, 404, 422),
    )
    async def beneficiary_contact(
        beneficiary_id: UUID, principal: Annotated[Principal, Depends(service)]
    ) -> ContactView:
        """Return how to reach a beneficiary, to services sending notices (404 once erased)."""
        contact = await answer(
            get_contact(beneficiary_id, principal=principal, queries=deps.queries)
        )
        return ContactView(
            email=contact.email,
            phone=contact.phone,
            preferred_channel=contact.preferred_channel,
        )

    @router.get(
        "/beneficiaries/{beneficiary_id}/identity",
        responses=error_responses(*AUTHENTICATED, 404, 422),
    )
    async def beneficiary_identity(
        beneficiary_id: UUID, principal: Annotated[Principal, Depends(service)]
    ) -> IdentityView:
        """Return a beneficiary's name, to services printing it on a document (404 once erased)."""
        identity = await answer(
            get_identity(beneficiary_id, principal=principal, queries=deps.queries)
        )
        return IdentityView(first_name=identity.first_name, last_name=identity.last_name)

    @router.get("/counsellors", responses=error_responses(*AUTHENTICATED))
    async def counsellors(principal: Staff) -> list[CounsellorView]:
        """Return the counsellors of the caller's region (a manager's, or a counsellor's)."""
        found, region = await list_counsellors(home_region(principal), queries=deps.queries)
        return [CounsellorView.of(c, region) for c in found]

    @router.put(
        "/counsellors/{counsellor_id}",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 409),
    )
    async def put_counsellor(
        counsellor_id: CodePath,
        form: CounsellorForm,
        principal: Annotated[Principal, Depends(manager_or_service)],
    ) -> CounsellorView:
        """Register or update a counsellor; a manager only in their own region."""
        acting_region = home_region(principal) if principal.role is Role.MANAGER else None
        if acting_region is not None and form.region != acting_region:
            raise ApiError(status.HTTP_403_FORBIDDEN, "outside your region")
        counsellor = await answer(
            register_counsellor(
                form.command(counsellor_id),
                uow=deps.uow,
                meta=event_meta(),
                acting_region=acting_region,
            )
        )
        region = (await deps.queries.regions([counsellor.region])).get(counsellor.region)
        return CounsellorView.of(counsellor, region)

    @router.get("/reference/regions", responses=error_responses(*AUTHENTICATED))
    async def regions(_: Annotated[Principal, Depends(any_caller)]) -> list[RegionView]:
        """Return every region and its sites."""
        return [RegionView.of(region) for region in await list_regions(queries=deps.queries)]

    @router.put(
        "/reference/regions/{code}",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 409),
    )
    async def put_region(
        code: CodePath, form: RegionForm, _: Annotated[Principal, Depends(service)]
    ) -> RegionView:
        """Register or change a region and its sites (operators, with a service token)."""
        region = await answer(register_region(form.command(code), uow=deps.uow, meta=event_meta()))
        return RegionView.of(region)

    return router


def own_id(principal: Principal) -> UUID:
    """Return the beneficiary id a beneficiary token names, or answer 403."""
    beneficiary_id = principal.beneficiary_id()
    if beneficiary_id is None:
        raise ApiError(status.HTTP_403_FORBIDDEN, "the token names no beneficiary")
    return beneficiary_id
