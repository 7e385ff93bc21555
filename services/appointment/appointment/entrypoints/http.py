"""Appointment's HTTP API."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from appointment.application.answer_requalification import (
    AnswerRequalification,
    answer_requalification,
)
from appointment.application.book_appointment import BookAppointment, book_appointment
from appointment.application.cancel_appointment import CancelAppointment, cancel_appointment
from appointment.application.close_site import CloseSite, close_site
from appointment.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from appointment.application.find_slots import SlotSearch, find_slots
from appointment.application.join_waitlist import join_waitlist, leave_waitlist
from appointment.application.list_appointments import (
    agenda,
    case_appointments,
    get_appointment,
    my_appointments,
)
from appointment.application.ports import AppointmentQueries, CaseDirectory, Clock, UnitOfWork
from appointment.application.request_requalification import (
    RequestRequalification,
    request_requalification,
)
from appointment.application.reschedule_appointment import (
    RescheduleAppointment,
    reschedule_appointment,
)
from appointment.application.set_availability import my_plan, set_availability
from appointment.application.settle_appointment import SettleAppointment, settle_appointment
from appointment.domain.availability import AppointmentKind, AvailabilityError
from appointment.domain.booking import BookingError, Policy
from appointment.entrypoints.schemas import (
    AppointmentView,
    BookForm,
    CancelForm,
    ClosureForm,
    ClosureView,
    ConsentForm,
    OutcomeForm,
    PlanForm,
    PlanView,
    RequalifyForm,
    RescheduleForm,
    SlotsView,
    SlotView,
    WaitlistView,
)
from jalon_shared.access import Principal, Role
from jalon_shared.events.envelope import EventMeta
from jalon_shared.events.vocabulary import Modality
from jalon_shared.http import (
    AUTHENTICATED,
    WITH_BODY,
    ApiError,
    ErrorItem,
    answer_405_with_every_method,
    error_responses,
)
from jalon_shared.http_auth import require_roles
from jalon_shared.logging import current_correlation_id

SERVICE = "appointment"
T = TypeVar("T")
UNPROCESSABLE = status.HTTP_422_UNPROCESSABLE_CONTENT

#: Where each availability field sits in the plan body.
_PLAN_FIELDS = {"time_zone": "time_zone", "windows": "windows", "weekday": "windows.weekday"}


@dataclass(frozen=True, slots=True)
class AppointmentDeps:
    """What the routes need, built by the composition root."""

    uow: UnitOfWork
    queries: AppointmentQueries
    directory: CaseDirectory
    clock: Clock
    policy: Policy
    #: Starts a closure's runner in the background once it is recorded.
    start_closure: Callable[[UUID], None]


def event_meta() -> EventMeta:
    """Return the envelope fields for events caused by the current request."""
    return EventMeta(correlation_id=current_correlation_id(), producer=SERVICE)


def invalid(location: str, field: str, reason: str, message: str) -> ApiError:
    """Return a 422 naming the field (never echoing its value)."""
    item = ErrorItem(location=location, field=field, type=reason, message=message)  # type: ignore[arg-type]
    return ApiError(UNPROCESSABLE, "The request is invalid; see errors.", [item])


async def answer(call: Awaitable[T], *, location: str = "body") -> T:
    """Await a use case and turn its refusals into HTTP answers with a reason."""
    try:
        return await call
    except NotFoundError as exc:
        raise ApiError(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ForbiddenError as exc:
        raise ApiError(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except InvalidInputError as exc:
        raise invalid(location, exc.field, exc.reason, str(exc)) from exc
    except AvailabilityError as exc:
        raise invalid(
            location, _PLAN_FIELDS.get(exc.field, exc.field), "invalid", str(exc)
        ) from exc
    except ConflictError as exc:
        item = ErrorItem(location=location, field="appointment", type=exc.reason, message=str(exc))  # type: ignore[arg-type]
        raise ApiError(status.HTTP_409_CONFLICT, str(exc), [item]) from exc
    except BookingError as exc:
        raise invalid(location, "starts_at", exc.reason, str(exc)) from exc


def build_router(deps: AppointmentDeps) -> APIRouter:
    """Return the appointment routes bound to their dependencies."""
    router = APIRouter(tags=["appointment"])
    people = require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER)
    staff = require_roles(Role.COUNSELLOR, Role.MANAGER)
    counsellor = require_roles(Role.COUNSELLOR)
    beneficiary = require_roles(Role.BENEFICIARY)
    manager = require_roles(Role.MANAGER)
    People = Annotated[Principal, Depends(people)]  # noqa: N806 - a type alias, named as one
    Staff = Annotated[Principal, Depends(staff)]  # noqa: N806
    Counsellor = Annotated[Principal, Depends(counsellor)]  # noqa: N806
    Beneficiary = Annotated[Principal, Depends(beneficiary)]  # noqa: N806
    Manager = Annotated[Principal, Depends(manager)]  # noqa: N806
    read = error_responses(*AUTHENTICATED, 404, 422)
    write = error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409)

    @router.get("/me/availability", response_model=PlanView | None, responses=read)
    async def read_plan(principal: Counsellor) -> PlanView | None:
        """Return the calling counsellor's plan (null before they publish one)."""
        plan = await answer(my_plan(deps.queries, principal))
        return None if plan is None else PlanView.of(plan)

    @router.put("/me/availability", response_model=PlanView, responses=write)
    async def write_plan(form: PlanForm, principal: Counsellor) -> PlanView:
        """Publish the calling counsellor's weekly plan, rules and exceptions."""

        async def run() -> PlanView:
            plan = form.to_plan()
            return PlanView.of(
                await set_availability(deps.uow, deps.directory, principal, plan, now=deps.clock())
            )

        return await answer(run())

    @router.get("/cases/{case_id}/slots", response_model=SlotsView, responses=read)
    async def slots(
        case_id: UUID,
        principal: People,
        modality: Modality,
        kind: AppointmentKind = AppointmentKind.FOLLOW_UP,
        from_: Annotated[datetime | None, Query(alias="from")] = None,
        days: Annotated[int, Query(ge=1, le=92)] = 14,
        to: datetime | None = None,
        time_zone: Annotated[str, Query(min_length=1, max_length=64)] = "Europe/Paris",
    ) -> SlotsView:
        """Return the free slots of the case's counsellor for a modality and kind."""
        now = deps.clock()
        start = from_ or now
        if start.tzinfo is None:
            raise invalid("query", "from", "naive_time", "a time carries its offset")
        if to is not None and to.tzinfo is None:
            raise invalid("query", "to", "naive_time", "a time carries its offset")
        end = to or start + timedelta(days=days)
        found = await answer(
            find_slots(
                deps.queries,
                deps.directory,
                principal,
                SlotSearch(case_id, modality, kind, start, end, time_zone),
                now=now,
            ),
            location="query",
        )
        return SlotsView(
            counsellor_id=found.counsellor_id,
            plan_time_zone=found.plan_time_zone,
            slots=[SlotView.of(s) for s in found.slots],
        )

    @router.post(
        "/cases/{case_id}/appointments",
        status_code=status.HTTP_201_CREATED,
        response_model=AppointmentView,
        responses=write,
    )
    async def book(case_id: UUID, form: BookForm, principal: People) -> AppointmentView:
        """Book an appointment for the case (its beneficiary, counsellor or region's manager)."""
        command = BookAppointment(case_id, form.modality, form.kind, form.starts_at, form.place)
        booked = await answer(
            book_appointment(
                deps.uow,
                deps.queries,
                deps.directory,
                principal,
                command,
                now=deps.clock(),
                meta=event_meta(),
            )
        )
        return AppointmentView.of(booked)

    @router.get(
        "/cases/{case_id}/appointments", response_model=list[AppointmentView], responses=read
    )
    async def of_case(case_id: UUID, principal: People) -> list[AppointmentView]:
        """Return a case's appointments."""
        found = await answer(case_appointments(deps.queries, deps.directory, principal, case_id))
        return [AppointmentView.of(a) for a in found]

    @router.put("/cases/{case_id}/waitlist", response_model=WaitlistView, responses=write)
    async def wait(case_id: UUID, principal: People) -> WaitlistView:
        """Ask to hear of an earlier slot with the case's counsellor."""
        await answer(join_waitlist(deps.uow, deps.directory, principal, case_id, now=deps.clock()))
        return WaitlistView(case_id=case_id, waiting=True)

    @router.delete("/cases/{case_id}/waitlist", response_model=WaitlistView, responses=read)
    async def stop_waiting(case_id: UUID, principal: People) -> WaitlistView:
        """Stop waiting for an earlier slot."""
        await answer(leave_waitlist(deps.uow, deps.directory, principal, case_id))
        return WaitlistView(case_id=case_id, waiting=False)

    @router.get("/me/appointments", response_model=list[AppointmentView], responses=read)
    async def mine(principal: Beneficiary) -> list[AppointmentView]:
        """Return the calling beneficiary's appointments."""
        return [
            AppointmentView.of(a) for a in await answer(my_appointments(deps.queries, principal))
        ]

    @router.get("/agenda", response_model=list[AppointmentView], responses=read)
    async def counsellor_agenda(
        principal: Counsellor,
        from_: Annotated[datetime, Query(alias="from")],
        to: datetime,
    ) -> list[AppointmentView]:
        """Return the calling counsellor's appointments in a period."""
        if from_.tzinfo is None or to.tzinfo is None:
            raise invalid("query", "from", "naive_time", "a time carries its offset")
        found = await answer(agenda(deps.queries, principal, from_, to), location="query")
        return [AppointmentView.of(a) for a in found]

    @router.get("/appointments/{appointment_id}", response_model=AppointmentView, responses=read)
    async def one(appointment_id: UUID, principal: People) -> AppointmentView:
        """Return one appointment."""
        return AppointmentView.of(
            await answer(get_appointment(deps.queries, deps.directory, principal, appointment_id))
        )

    @router.post(
        "/appointments/{appointment_id}/reschedule",
        response_model=AppointmentView,
        responses=write,
    )
    async def move(
        appointment_id: UUID, form: RescheduleForm, principal: People
    ) -> AppointmentView:
        """Move an appointment to another free slot."""
        return AppointmentView.of(
            await answer(
                reschedule_appointment(
                    deps.uow,
                    deps.queries,
                    deps.directory,
                    principal,
                    RescheduleAppointment(appointment_id, form.starts_at),
                    now=deps.clock(),
                    policy=deps.policy,
                    meta=event_meta(),
                )
            )
        )

    @router.post(
        "/appointments/{appointment_id}/cancel", response_model=AppointmentView, responses=write
    )
    async def cancel(appointment_id: UUID, form: CancelForm, principal: People) -> AppointmentView:
        """Cancel an appointment with a reason."""
        return AppointmentView.of(
            await answer(
                cancel_appointment(
                    deps.uow,
                    deps.queries,
                    deps.directory,
                    principal,
                    CancelAppointment(appointment_id, form.reason),
                    now=deps.clock(),
                    policy=deps.policy,
                    meta=event_meta(),
                )
            )
        )

    @router.post(
        "/appointments/{appointment_id}/outcome", response_model=AppointmentView, responses=write
    )
    async def outcome(appointment_id: UUID, form: OutcomeForm, principal: Staff) -> AppointmentView:
        """Record that the appointment was held, or missed and by whom."""
        return AppointmentView.of(
            await answer(
                settle_appointment(
                    deps.uow,
                    deps.queries,
                    deps.directory,
                    principal,
                    SettleAppointment(appointment_id, form.status, form.absent, form.reason),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.post(
        "/appointments/{appointment_id}/requalify", response_model=AppointmentView, responses=write
    )
    async def requalify(
        appointment_id: UUID, form: RequalifyForm, principal: Staff
    ) -> AppointmentView:
        """Propose phone or video for the appointment; its beneficiary is asked to consent."""
        return AppointmentView.of(
            await answer(
                request_requalification(
                    deps.uow,
                    deps.queries,
                    deps.directory,
                    principal,
                    RequestRequalification(appointment_id, Modality(form.modality)),
                    now=deps.clock(),
                )
            )
        )

    @router.post(
        "/appointments/{appointment_id}/consent", response_model=AppointmentView, responses=write
    )
    async def consent(
        appointment_id: UUID, form: ConsentForm, principal: People
    ) -> AppointmentView:
        """Answer a proposed change of modality."""
        return AppointmentView.of(
            await answer(
                answer_requalification(
                    deps.uow,
                    deps.queries,
                    deps.directory,
                    principal,
                    AnswerRequalification(
                        appointment_id,
                        form.answer,
                        Modality(form.modality) if form.modality else None,
                    ),
                    now=deps.clock(),
                    meta=event_meta(),
                )
            )
        )

    @router.post(
        "/site-closures",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ClosureView,
        responses=write,
    )
    async def close(form: ClosureForm, principal: Manager) -> ClosureView:
        """Close a site for a period; its face-to-face appointments are proposed remote."""
        closure = await answer(
            close_site(
                deps.uow,
                deps.queries,
                deps.directory,
                principal,
                CloseSite(form.site, form.starts_at, form.ends_at, Modality(form.to_modality)),
                now=deps.clock(),
            )
        )
        deps.start_closure(closure.closure_id)
        return ClosureView.of(closure)

    @router.get("/site-closures", response_model=list[ClosureView], responses=read)
    async def closures(principal: Manager) -> list[ClosureView]:
        """Return the caller's region's site closures, newest first."""
        if principal.region is None:
            raise ApiError(status.HTTP_403_FORBIDDEN, "your token names no region")
        return [ClosureView.of(c) for c in await deps.queries.closures_of_region(principal.region)]

    @router.get("/site-closures/{closure_id}", response_model=ClosureView, responses=read)
    async def closure(closure_id: UUID, principal: Manager) -> ClosureView:
        """Return one closure and its progress."""
        found = await deps.queries.closure(closure_id)
        if found is None or found.region != principal.region:
            raise ApiError(status.HTTP_404_NOT_FOUND, "no such closure")
        return ClosureView.of(found)

    answer_405_with_every_method(router)
    return router
