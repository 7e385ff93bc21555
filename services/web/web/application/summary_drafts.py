"""The summary form as typed: its rows, how it is read into the service's body, and its errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar

from jalon_shared.events.vocabulary import ResourceKind, ServiceLevel, StepOwner
from web.application.appointment_drafts import InvalidDraftError
from web.application.document_views import (
    Summary,
)
from web.application.errors import FieldError

#: Rows the form always shows, blank ones included.
PLAN_ROWS = 4
RESOURCE_ROWS = 3
#: Rows read from a post at most (a forged form cannot make the page huge).
MAX_PLAN_ROWS = 20
MAX_RESOURCE_ROWS = 10
#: The four texts of a summary, in the order the form shows them.
TEXT_FIELDS = ("situation", "wishes", "skills", "strategy")
#: "content.action_plan.2.due_on" -> row 2's due date, as the service names it.
_SERVICE_FIELD = re.compile(r"^(?:content\.)?(action_plan|resources)\.(\d+)(?:\.(\w+))?$")


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One step of the plan as typed."""

    due_on: str = ""
    action: str = ""
    owner: str = ""

    @property
    def blank(self) -> bool:
        """Return whether nothing was typed (the owner list always has a value)."""
        return not self.due_on.strip() and not self.action.strip()


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """One resource as typed."""

    kind: str = ""
    label: str = ""

    @property
    def blank(self) -> bool:
        """Return whether nothing was typed (the kind list always has a value)."""
        return not self.label.strip()


R = TypeVar("R", PlanRow, ResourceRow)


@dataclass(frozen=True, slots=True)
class SummaryDraft:
    """The summary form's values, exactly as typed."""

    level: str = ""
    situation: str = ""
    wishes: str = ""
    skills: str = ""
    strategy: str = ""
    plan: tuple[PlanRow, ...] = ()
    resources: tuple[ResourceRow, ...] = ()

    @classmethod
    def of(cls, summary: Summary) -> SummaryDraft:
        """Return the form filled with a summary's current version."""
        content = summary.content
        return cls(
            level=summary.level,
            situation=content.situation,
            wishes=content.wishes,
            skills=content.skills,
            strategy=content.strategy,
            plan=tuple(
                PlanRow(s.due_on.isoformat(), s.action, s.owner.value) for s in content.action_plan
            ),
            resources=tuple(ResourceRow(r.kind.value, r.label) for r in content.resources),
        )

    def shown(self) -> SummaryDraft:
        """Return the form to show: at least the usual rows, and one blank row to add with."""
        return replace(
            self,
            plan=_padded(self.plan, PlanRow(), PLAN_ROWS, MAX_PLAN_ROWS),
            resources=_padded(self.resources, ResourceRow(), RESOURCE_ROWS, MAX_RESOURCE_ROWS),
        )


def _padded(rows: tuple[R, ...], blank: R, least: int, most: int) -> tuple[R, ...]:
    if len(rows) >= most:
        return rows
    wanted = max(least, len(rows) + (0 if rows and rows[-1].blank else 1))
    return rows + (blank,) * (min(wanted, most) - len(rows))


@dataclass(frozen=True, slots=True)
class SummaryBody:
    """What the service is sent, and which form row each sent row came from."""

    body: dict[str, Any]
    plan_rows: tuple[int, ...]
    resource_rows: tuple[int, ...]


def summary_body(draft: SummaryDraft) -> SummaryBody:
    """Read the form into the service's body, blank rows dropped.

    Raises InvalidDraftError naming each field ("plan-1-due_on") the page can tell is wrong.
    """
    errors: list[FieldError] = []
    if draft.level not in {level.value for level in ServiceLevel}:
        errors.append(FieldError("level", "enum"))
    steps: list[dict[str, str]] = []
    plan_rows: list[int] = []
    for i, row in enumerate(draft.plan):
        if row.blank:
            continue
        due_on = _date(row.due_on)
        if due_on is None:
            errors.append(FieldError(f"plan-{i}-due_on", "missing" if not row.due_on else "date"))
        if not row.action.strip():
            errors.append(FieldError(f"plan-{i}-action", "missing"))
        if row.owner not in {owner.value for owner in StepOwner}:
            errors.append(FieldError(f"plan-{i}-owner", "enum"))
        steps.append(
            {
                "due_on": due_on.isoformat() if due_on else "",
                "action": row.action.strip(),
                "owner": row.owner,
            }
        )
        plan_rows.append(i)
    resources: list[dict[str, str]] = []
    resource_rows: list[int] = []
    for i, resource in enumerate(draft.resources):
        if resource.blank:
            continue
        if resource.kind not in {kind.value for kind in ResourceKind}:
            errors.append(FieldError(f"resource-{i}-kind", "enum"))
        resources.append({"kind": resource.kind, "label": resource.label.strip()})
        resource_rows.append(i)
    if errors:
        raise InvalidDraftError(errors)
    content: dict[str, Any] = {name: getattr(draft, name).strip() for name in TEXT_FIELDS}
    content |= {"action_plan": steps, "resources": resources}
    return SummaryBody(
        body={"level": draft.level, "content": content},
        plan_rows=tuple(plan_rows),
        resource_rows=tuple(resource_rows),
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def on_form(
    errors: Iterable[FieldError], plan_rows: Sequence[int], resource_rows: Sequence[int]
) -> tuple[FieldError, ...]:
    """Name the service's refused fields as the form does ("content.resources.0.label" ->
    the resource row it came from, "resource-2-label")."""
    named: list[FieldError] = []
    for error in errors:
        field = error.field.removeprefix("body.").removeprefix("content.")
        found = _SERVICE_FIELD.match(field)
        if found:
            rows, index, part = found.group(1), int(found.group(2)), found.group(3)
            shown = plan_rows if rows == "action_plan" else resource_rows
            prefix = "plan" if rows == "action_plan" else "resource"
            row = shown[index] if index < len(shown) else index
            field = f"{prefix}-{row}-{part}" if part else prefix
        elif field in ("action_plan", "resources"):
            field = "plan" if field == "action_plan" else "resource"
        named.append(FieldError(field, error.type, error.location, error.message))
    return tuple(named)
