"""The counsellors' calendar feed: their routes to manage it, and the public ICS it serves."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel

from appointment.adapters.ics import feed
from appointment.application.calendar_feed import calendar_feed
from appointment.application.calendar_feed_status import calendar_feed_status
from appointment.application.create_calendar_feed import create_calendar_feed
from appointment.application.errors import ForbiddenError, NotFoundError
from appointment.application.feed_ports import CounsellorCalendar, FeedTokenStore
from appointment.application.revoke_calendar_feed import revoke_calendar_feed
from jalon_shared.access import Principal, Role
from jalon_shared.http import AUTHENTICATED, ApiError, answer_405_with_every_method, error_responses
from jalon_shared.http_auth import require_roles

T = TypeVar("T")
ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
#: What a feed token looks like (secrets.token_urlsafe(32) gives 43 characters).
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{20,100}$"  # noqa: S105 - a shape, not a secret


@dataclass(frozen=True, slots=True)
class FeedDeps:
    """What the feed routes need, built by the composition root."""

    tokens: FeedTokenStore
    calendar: CounsellorCalendar
    clock: Callable[[], datetime]
    #: This service's public base URL, which the feed's address is built on.
    public_url: str


class FeedUrl(BaseModel):
    """The feed's secret address, shown once."""

    url: str


class FeedStatus(BaseModel):
    """Whether the counsellor's feed is on, and since when."""

    active: bool
    created_at: datetime | None


async def answer(call: Awaitable[T]) -> T:
    """Await a use case and turn its refusals into HTTP answers."""
    try:
        return await call
    except NotFoundError as exc:
        raise ApiError(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ForbiddenError as exc:
        raise ApiError(status.HTTP_403_FORBIDDEN, str(exc)) from exc


def build_feed_router(deps: FeedDeps) -> APIRouter:
    """Return the calendar feed routes bound to their dependencies."""
    router = APIRouter(tags=["calendar feed"])
    Counsellor = Annotated[Principal, Depends(require_roles(Role.COUNSELLOR))]  # noqa: N806 - a type alias
    base = deps.public_url.rstrip("/")

    @router.post(
        "/me/calendar-feed",
        status_code=status.HTTP_201_CREATED,
        responses=error_responses(*AUTHENTICATED),
    )
    async def create_feed(principal: Counsellor) -> FeedUrl:
        """Create the caller's calendar feed address (any previous one stops working)."""
        created = await answer(
            create_calendar_feed(principal, tokens=deps.tokens, clock=deps.clock)
        )
        return FeedUrl(url=f"{base}/calendar/{created.token}.ics")

    @router.get("/me/calendar-feed", responses=error_responses(*AUTHENTICATED))
    async def feed_status(principal: Counsellor) -> FeedStatus:
        """Say whether the caller's calendar feed is on (its address is shown only once)."""
        token = await answer(calendar_feed_status(principal, tokens=deps.tokens))
        return FeedStatus(active=token is not None, created_at=token.created_at if token else None)

    @router.delete(
        "/me/calendar-feed",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=error_responses(*AUTHENTICATED),
    )
    async def revoke_feed(principal: Counsellor) -> Response:
        """Stop the caller's calendar feed."""
        await answer(revoke_calendar_feed(principal, tokens=deps.tokens, clock=deps.clock))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/calendar/{token}.ics",
        response_class=Response,
        responses={
            200: {
                "content": {"text/calendar": {"schema": {"type": "string"}}},
                "description": "The counsellor's appointments as iCalendar",
            },
            **error_responses(404, 422, 503),
        },
    )
    async def read_feed(
        token: Annotated[str, Path(pattern=TOKEN_PATTERN)],
    ) -> Response:
        """Serve a counsellor's appointments to their calendar app; the URL is the key."""
        entries = await answer(
            calendar_feed(token, tokens=deps.tokens, calendar=deps.calendar, clock=deps.clock)
        )
        return Response(
            content=feed(entries, now=deps.clock()),
            media_type=ICS_MEDIA_TYPE,
            # The schedule is the counsellor's own: no shared cache keeps it.
            headers={"Cache-Control": "private, no-store"},
        )

    # /me/calendar-feed is served by three routes: a 405 names all their methods.
    answer_405_with_every_method(router)
    return router
