"""Use case: a counsellor publishes their weekly plan, rules and dated exceptions.

The editor sends rows as typed (a blank row adds nothing, a ticked one is dropped); they are
checked here first so that each error names its row, then the service checks them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TypeVar

from pydantic import ValidationError

from web.application.appointment_drafts import (
    PLACE_PATTERN,
    InvalidDraftError,
    clock_time,
    local_datetime,
    local_input,
    zone,
)
from web.application.appointment_views import (
    REMOTE,
    ExceptionKind,
    Plan,
    PlanException,
    Rules,
    Window,
)
from web.application.errors import ApiError, FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session

#: Each rule's bounds, as the service checks them.
RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "first_meeting_minutes": (15, 240),
    "follow_up_minutes": (15, 240),
    "buffer_before_minutes": (0, 120),
    "buffer_after_minutes": (0, 120),
    "notice_hours": (0, 24 * 14),
    "horizon_days": (1, 365),
}
MAX_WINDOWS = 70
MAX_EXCEPTIONS = 200
DEFAULT_ZONE = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A weekly opening as typed: weekday (0 is Monday), start, end, place."""

    weekday: str = "0"
    start: str = ""
    end: str = ""
    place: str = REMOTE
    remove: bool = False

    @property
    def blank(self) -> bool:
        """Return whether the row was left empty (it adds nothing)."""
        return not self.start.strip() and not self.end.strip()


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """A dated exception as typed, its times in the plan's zone."""

    kind: str = ExceptionKind.UNAVAILABLE.value
    starts_at: str = ""
    ends_at: str = ""
    place: str = REMOTE
    remove: bool = False

    @property
    def blank(self) -> bool:
        """Return whether the row was left empty (it adds nothing)."""
        return not self.starts_at.strip() and not self.ends_at.strip()


def default_rules() -> dict[str, str]:
    """Return the rules' defaults as typed values."""
    return {name: str(value) for name, value in Rules().model_dump().items()}


@dataclass(frozen=True, slots=True)
class PlanDraft:
    """The editor's form, as shown and as typed."""

    time_zone: str = DEFAULT_ZONE
    windows: tuple[WindowRow, ...] = ()
    rules: dict[str, str] = field(default_factory=default_rules)
    exceptions: tuple[ExceptionRow, ...] = ()

    @classmethod
    def of(cls, plan: Plan | None) -> PlanDraft:
        """Return the form of a published plan (or an empty one), with a blank row each."""
        if plan is None:
            return cls().with_blank_rows()
        plan_zone = zone(plan.time_zone)
        return cls(
            time_zone=plan.time_zone,
            windows=tuple(
                WindowRow(str(w.weekday), w.start, w.end, w.place)
                for w in sorted(plan.windows, key=lambda w: (w.weekday, w.start))
            ),
            rules={name: str(value) for name, value in plan.rules.model_dump().items()},
            exceptions=tuple(
                ExceptionRow(
                    e.kind.value,
                    local_input(e.starts_at, plan_zone),
                    local_input(e.ends_at, plan_zone),
                    e.place,
                )
                for e in plan.exceptions
            ),
        ).with_blank_rows()

    def with_blank_rows(self) -> PlanDraft:
        """Return the form ending with a blank row in each list, to fill in."""
        return replace(
            self,
            windows=_ensure_blank(self.windows, WindowRow()),
            exceptions=_ensure_blank(self.exceptions, ExceptionRow()),
        )

    def with_row_added(self, rows: str) -> PlanDraft:
        """Return the form with one more blank row in "windows" or "exceptions"."""
        if rows == "windows" and len(self.windows) <= MAX_WINDOWS:
            return replace(self, windows=(*self.windows, WindowRow()))
        if rows == "exceptions" and len(self.exceptions) <= MAX_EXCEPTIONS:
            return replace(self, exceptions=(*self.exceptions, ExceptionRow()))
        return self

    def kept_windows(self) -> list[tuple[int, WindowRow]]:
        """Return the window rows to publish, with their row number on the page."""
        return [(i, w) for i, w in enumerate(self.windows) if not w.blank and not w.remove]

    def kept_exceptions(self) -> list[tuple[int, ExceptionRow]]:
        """Return the exception rows to publish, with their row number on the page."""
        return [(i, e) for i, e in enumerate(self.exceptions) if not e.blank and not e.remove]

    def to_plan(self, places: Collection[str] | None) -> Plan:
        """Return the plan to publish, or raise InvalidDraftError naming each wrong field.

        `places` are the site codes allowed besides "remote" (None: any code is let through,
        for the service to check).
        """
        errors: list[FieldError] = []

        def place_ok(value: str) -> bool:
            if value == REMOTE:
                return True
            return bool(PLACE_PATTERN.match(value)) and (places is None or value in places)

        plan_zone = zone(self.time_zone)
        if getattr(plan_zone, "key", None) != self.time_zone:
            errors.append(FieldError("time_zone", "enum"))
        windows: list[Window] = []
        by_day: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
        for i, row in self.kept_windows():
            start, end = clock_time(row.start), clock_time(row.end)
            weekday = int(row.weekday) if row.weekday in {str(d) for d in range(7)} else None
            if weekday is None:
                errors.append(FieldError(f"windows-{i}-weekday", "enum"))
            if start is None:
                errors.append(FieldError(f"windows-{i}-start", "invalid_time"))
            if end is None:
                errors.append(FieldError(f"windows-{i}-end", "invalid_time"))
            elif start is not None and end <= start:
                errors.append(FieldError(f"windows-{i}-end", "ends_before_start"))
            if not place_ok(row.place):
                errors.append(FieldError(f"windows-{i}-place", "enum"))
            if weekday is not None and start is not None and end is not None and start < end:
                by_day[weekday].append((start, end, i))
                windows.append(Window(weekday=weekday, start=start, end=end, place=row.place))
        for spans in by_day.values():
            spans.sort()
            for (_, end_before, _), (start, _, i) in pairwise(spans):
                if start < end_before:
                    errors.append(FieldError(f"windows-{i}-start", "overlap"))
        if len(windows) > MAX_WINDOWS:
            errors.append(FieldError("windows", "too_long"))
        rules: dict[str, int] = {}
        for name, (low, high) in RULE_BOUNDS.items():
            text = self.rules.get(name, "").strip()
            if not text.isdigit() or not low <= int(text) <= high:
                errors.append(FieldError(name, "out_of_range"))
            else:
                rules[name] = int(text)
        exceptions: list[PlanException] = []
        for i, exc_row in self.kept_exceptions():
            try:
                kind = ExceptionKind(exc_row.kind)
            except ValueError:
                errors.append(FieldError(f"exceptions-{i}-kind", "enum"))
                continue
            starts_at = local_datetime(exc_row.starts_at, plan_zone)
            ends_at = local_datetime(exc_row.ends_at, plan_zone)
            if starts_at is None:
                errors.append(FieldError(f"exceptions-{i}-starts_at", "invalid_datetime"))
            if ends_at is None:
                errors.append(FieldError(f"exceptions-{i}-ends_at", "invalid_datetime"))
            elif starts_at is not None and ends_at <= starts_at:
                errors.append(FieldError(f"exceptions-{i}-ends_at", "ends_before_start"))
            if not place_ok(exc_row.place):
                errors.append(FieldError(f"exceptions-{i}-place", "enum"))
            if starts_at is not None and ends_at is not None and starts_at < ends_at:
                exceptions.append(
                    PlanException(
                        kind=kind, starts_at=starts_at, ends_at=ends_at, place=exc_row.place
                    )
                )
        if len(exceptions) > MAX_EXCEPTIONS:
            errors.append(FieldError("exceptions", "too_long"))
        if errors:
            raise InvalidDraftError(errors)
        try:
            return Plan(
                time_zone=self.time_zone,
                windows=tuple(windows),
                rules=Rules(**rules),
                exceptions=tuple(sorted(exceptions, key=lambda e: e.starts_at)),
            )
        except ValidationError as exc:
            raise InvalidDraftError([FieldError("windows", "invalid")]) from exc

    def form_field(self, api_field: str) -> str:
        """Return the page's field for a field the service named ("windows.1.start")."""
        parts = api_field.split(".")
        head = parts[0]
        if head in ("windows", "exceptions") and len(parts) >= 3 and parts[1].isdigit():
            kept = self.kept_windows() if head == "windows" else self.kept_exceptions()
            index = int(parts[1])
            if index < len(kept):
                return f"{head}-{kept[index][0]}-{parts[2]}"
        if head == "rules" and len(parts) == 2 and parts[1] in RULE_BOUNDS:
            return parts[1]
        if head in ("time_zone", "windows", "exceptions"):
            return head
        if head in ("starts_at", "ends_at"):
            return "exceptions"
        # A window's end before its start, or two windows that overlap, as the service words it.
        return "windows"


W = TypeVar("W", WindowRow, ExceptionRow)


def _ensure_blank(rows: tuple[W, ...], blank: W) -> tuple[W, ...]:
    if rows and rows[-1].blank:
        return rows
    padded = list(rows)
    padded.append(blank)
    return tuple(padded)


async def save_availability(
    session: Session,
    draft: PlanDraft,
    *,
    places: Collection[str] | None,
    appointments: AppointmentApi,
) -> Plan:
    """Publish the plan; raises InvalidDraftError naming the page's fields, or ApiError."""
    plan = draft.to_plan(places)
    try:
        return await appointments.save_plan(session.token, plan)
    except ApiError as exc:
        if exc.status != 422 or not exc.errors:
            raise
        raise InvalidDraftError(
            FieldError(draft.form_field(e.field), e.type, e.location) for e in exc.errors
        ) from exc
