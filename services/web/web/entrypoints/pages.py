"""Rendering pages: the templates, their French filters, and the header's signed-in name."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CallOutcome,
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    MatchedOn,
    Modality,
    NeedTopic,
    ReviewStatus,
    ServiceLevel,
)
from web.application.describe_session import describe_session
from web.application.views import (
    HistoryEntry,
)
from web.entrypoints import labels
from web.entrypoints.deps import web_deps
from web.entrypoints.formatting import french_date, french_datetime, french_phone
from web.entrypoints.session import FORM_TOKEN, SPACES, current_session, form_token

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

#: Template filter name -> the enum whose French label it shows.
FILTERS: dict[str, type[StrEnum]] = {
    "csp": Csp,
    "situation": EmploymentSituation,
    "level": ServiceLevel,
    "modality": Modality,
    "topic": NeedTopic,
    "access": AccessibilityNeed,
    "channel": ContactChannel,
    "status": CaseStatus,
    "reason": CloseReason,
    "role": Role,
    "action": CaseAction,
    "alert": CaseAlert,
    "review": ReviewStatus,
    "matched": MatchedOn,
}


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """Return (code, French label) for every member, for a list or boxes to tick."""
    return [(member.value, labels.ENUM_LABELS[enum][member]) for member in enum]


def _by(entry_by: str) -> str:
    # Intake names the role, optionally followed by ":<id>"; only the role is shown.
    return labels.label(entry_by.split(":", 1)[0], Role)


def isolate(text: object) -> str:
    """Wrap text in Unicode isolates, where an element cannot (titles, list options)."""
    return f"\u2068{text}\u2069"


def history_line(entry: HistoryEntry) -> Markup:
    """Say what happened at one step of a case, names isolated from the page's direction."""
    action = labels.label(entry.action, CaseAction)
    line = escape(action)
    detail = entry.detail or ""
    if entry.action == CaseAction.REASSIGNED and entry.counsellor_name:
        line = Markup("{} à <bdi>{}</bdi>").format(action, entry.counsellor_name)
    elif entry.action == CaseAction.OPENED and entry.counsellor_name:
        line = Markup("{}, attribué à <bdi>{}</bdi>").format(action, entry.counsellor_name)
    elif entry.action == CaseAction.LEVEL_CHANGED and "->" in detail:
        before, _, after = (part.strip() for part in detail.partition("->"))
        line = Markup("{} : {} → {}").format(
            action, labels.label(before, ServiceLevel), labels.label(after, ServiceLevel)
        )
    elif entry.action == CaseAction.CLOSED and detail:
        line = Markup("{} : {}").format(action, labels.label(detail, CloseReason))
    elif entry.action == CaseAction.CALL_ATTEMPTED and detail:
        line = Markup("Appel sans contact : {}").format(labels.label(detail, CallOutcome))
    if entry.by_name:
        return Markup("{} (par <bdi>{}</bdi>)").format(line, entry.by_name)
    return Markup("{} (par {})").format(line, _by(entry.by))


for _name, _enum in FILTERS.items():
    TEMPLATES.env.filters[_name] = partial(labels.label, enum=_enum)
TEMPLATES.env.filters["lang"] = labels.language
TEMPLATES.env.filters["date"] = french_date
TEMPLATES.env.filters["datetime"] = french_datetime
TEMPLATES.env.filters["phone"] = french_phone
TEMPLATES.env.filters["by"] = _by
TEMPLATES.env.filters["isolate"] = isolate
TEMPLATES.env.filters["history_line"] = history_line
TEMPLATES.env.globals.update(
    form_token_name=FORM_TOKEN,
    languages=list(labels.LANGUAGES.items()),
    csps=choices(Csp),
    situations=choices(EmploymentSituation),
    levels=choices(ServiceLevel),
    modalities=choices(Modality),
    topics=choices(NeedTopic),
    accessibility_needs=choices(AccessibilityNeed),
    channels=choices(ContactChannel),
    statuses=choices(CaseStatus),
    close_reasons=choices(CloseReason),
)


async def render(
    request: Request,
    template: str,
    title: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the header of whoever is signed in and the flash of the last action."""
    session = await current_session(request)
    deps = web_deps(request)
    who = await describe_session(session.principal, accounts=deps.accounts) if session else None
    done = labels.DONE.get(request.query_params.get("done", ""))
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "who": who,
            "space": SPACES.get(session.principal.role) if session else None,
            "form_token": form_token(deps, session) if session else "",
            "done": done,
            **context,
        },
        status_code=status_code,
        headers=dict(headers) if headers else None,
    )


def render_bare(
    request: Request,
    title: str,
    message: str,
    *,
    status_code: int,
    back: str = "/",
    back_label: str | None = None,
) -> HTMLResponse:
    """Render a message page without reading the session (for refusals made before routing)."""
    return TEMPLATES.TemplateResponse(
        request,
        "message.html",
        {
            "title": title,
            "who": None,
            "error": message,
            "back": back,
            "back_label": back_label,
            "form_token": "",
        },
        status_code=status_code,
    )
