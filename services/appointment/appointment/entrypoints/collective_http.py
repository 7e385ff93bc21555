"""The HTTP API of collective information sessions."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, status

from appointment.application.cancel_registration import cancel_registration
from appointment.application.cancel_session import cancel_session
from appointment.application.collective_ports import (
    Clock,
    CollectiveDirectory,
    CollectiveQueries,
    CollectiveUnitOfWork,
)
from appointment.application.create_collective_session import create_collective_session
from appointment.application.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from appointment.application.list_collective_sessions import list_collective_sessions
from appointment.application.mark_attendance import mark_attendance
from appointment.application.register_for_session import register_for_session
from appointment.application.requalify_session import requalify_session
from appointment.application.show_collective_session import show_collective_session
from appointment.entrypoints.collective_schemas import (
    AttendanceForm,
    RegistrationAnswer,
    RequalifyForm,
    SessionForm,
    SessionView,
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


@dataclass(frozen=True, slots=True)
class CollectiveDeps:
    """What the routes need, built by collective_wiring."""

    uow: CollectiveUnitOfWork
    queries: CollectiveQueries
    directory: CollectiveDirectory
    clock: Clock


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
    except InvalidInputError as exc:
        problem = ErrorItem(location="body", field=exc.field, type=exc.reason, message=str(exc))
        raise ApiError(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "The request is invalid; see errors.", [problem]
        ) from exc
    except ConflictError as exc:
        # The reason code is the item's type, as for appointments: "already_registered"...
        item = ErrorItem(location="body", field="session", type=exc.reason, message=str(exc))
        raise ApiError(status.HTTP_409_CONFLICT, str(exc), [item]) from exc


def build_collective_router(deps: CollectiveDeps) -> APIRouter:
    """Return the collective sessions' routes bound to their dependencies."""
    router = APIRouter(tags=["collective sessions"])
    Manager = Annotated[Principal, Depends(require_roles(Role.MANAGER))]  # noqa: N806 - a type
    Staff = Annotated[Principal, Depends(require_roles(Role.COUNSELLOR, Role.MANAGER))]  # noqa: N806
    Beneficiary = Annotated[Principal, Depends(require_roles(Role.BENEFICIARY))]  # noqa: N806
    Reader = Annotated[  # noqa: N806
        Principal, Depends(require_roles(Role.BENEFICIARY, Role.COUNSELLOR, Role.MANAGER))
    ]

    async def view(session_id: UUID, principal: Principal) -> SessionView:
        detail = await answer(
            show_collective_session(
                session_id,
                principal=principal,
                queries=deps.queries,
                directory=deps.directory,
                clock=deps.clock,
            )
        )
        return SessionView.of(detail.line, own=detail.own, attendees=detail.attendees)

    @router.post(
        "/collective-sessions",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(*AUTHENTICATED, *WITH_BODY),
    )
    async def create(form: SessionForm, principal: Manager) -> SessionView:
        """Plan a session in the manager's region (face to face at a site, or remote)."""
        created = await answer(
            create_collective_session(
                form.draft(),
                principal=principal,
                uow=deps.uow,
                directory=deps.directory,
                clock=deps.clock,
            )
        )
        return await view(created.session_id, principal)

    @router.get("/collective-sessions", responses=error_responses(*AUTHENTICATED))
    async def listing(principal: Reader) -> list[SessionView]:
        """List the region's sessions to staff; to a beneficiary, those open to them and theirs."""
        found = await answer(
            list_collective_sessions(
                principal=principal,
                queries=deps.queries,
                directory=deps.directory,
                clock=deps.clock,
            )
        )
        return [SessionView.of(item.line, own=item.own) for item in found]

    @router.get(
        "/collective-sessions/{session_id}", responses=error_responses(*AUTHENTICATED, 404, 422)
    )
    async def one(session_id: UUID, principal: Reader) -> SessionView:
        """One session: staff of its region see every registration, a beneficiary their own."""
        return await view(session_id, principal)

    @router.post(
        "/collective-sessions/{session_id}/registration",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def register(session_id: UUID, principal: Beneficiary) -> RegistrationAnswer:
        """Register the caller: a seat while one remains, else the waitlist."""
        enrolment = await answer(
            register_for_session(
                session_id,
                principal=principal,
                uow=deps.uow,
                directory=deps.directory,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return RegistrationAnswer.of(enrolment.registration, enrolment.waitlist_rank)

    @router.delete(
        "/collective-sessions/{session_id}/registration",
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def unregister(session_id: UUID, principal: Beneficiary) -> RegistrationAnswer:
        """Cancel the caller's registration; a freed seat goes to the first waitlisted."""
        cancelled = await answer(
            cancel_registration(
                session_id,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return RegistrationAnswer.of(cancelled)

    @router.post(
        "/collective-sessions/{session_id}/attendance",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def attendance(
        session_id: UUID, form: AttendanceForm, principal: Staff
    ) -> RegistrationAnswer:
        """Record whether a registered person came, once the session started."""
        marked = await answer(
            mark_attendance(
                session_id,
                form.registration_id,
                attended=form.attended,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return RegistrationAnswer.of(marked)

    @router.post(
        "/collective-sessions/{session_id}/requalify",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def requalify(session_id: UUID, form: RequalifyForm, principal: Manager) -> SessionView:
        """Move a face-to-face session to phone or video; every registrant is told."""
        await answer(
            requalify_session(
                session_id,
                Modality(form.modality),
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
            )
        )
        return await view(session_id, principal)

    @router.post(
        "/collective-sessions/{session_id}/cancel",
        responses=error_responses(*AUTHENTICATED, 404, 409, 422),
    )
    async def cancel(session_id: UUID, principal: Manager) -> SessionView:
        """Cancel a session; its registrations end and every registrant is told."""
        await answer(
            cancel_session(
                session_id,
                principal=principal,
                uow=deps.uow,
                clock=deps.clock,
                meta=event_meta(),
            )
        )
        return await view(session_id, principal)

    answer_405_with_every_method(router)
    return router
