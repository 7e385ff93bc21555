"""Use case: the collective sessions a person may see, with the places' names."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from web.application.collective_ports import CollectiveApi
from web.application.collective_views import CollectiveSession
from web.application.errors import ApiError
from web.application.ports import IntakeApi
from web.application.views import Region
from web.domain.sessions import Session

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SessionsPage:
    """The sessions (None when unavailable), site names, and the staff member's region."""

    sessions: list[CollectiveSession] | None
    site_labels: dict[str, str] = field(default_factory=dict)
    region: Region | None = None


async def site_names(
    session: Session, *, intake: IntakeApi
) -> tuple[dict[str, str], Region | None]:
    """Return every site's name and the caller's own region, or nothing when unavailable."""
    try:
        regions = await intake.regions(session.token)
    except ApiError as exc:
        log.warning("reference data unavailable", status=exc.status)
        return {}, None
    labels = {site.code: site.label for region in regions for site in region.sites}
    own = next((r for r in regions if r.code == session.principal.region), None)
    return labels, own


async def show_collective_sessions(
    session: Session, *, collective: CollectiveApi | None, intake: IntakeApi
) -> SessionsPage:
    """Read the sessions and the reference data, each failing on its own."""
    sessions: list[CollectiveSession] | None = None
    if collective is not None:
        try:
            sessions = await collective.sessions(session.token)
        except ApiError as exc:
            log.warning("collective sessions unavailable", status=exc.status)
    labels, region = await site_names(session, intake=intake)
    return SessionsPage(sessions=sessions, site_labels=labels, region=region)
