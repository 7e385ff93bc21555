"""A fake of the appointment service's API for the web front's pages, and views shaped like it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality
from tests.unit.web_fakes import Front, build_front, case_details
from web.application.appointment_views import (
    Appointment,
    AppointmentStatus,
    CancelReason,
    Closure,
    NoShowReason,
    Plan,
    Slot,
    Slots,
    Waitlist,
)
from web.application.errors import ApiError, FieldError
from web.application.views import CaseDetails, OwnData


def appointment(**overrides: Any) -> Appointment:
    """Return an appointment as GET /appointments/{id} shows it."""
    data: dict[str, Any] = {
        "appointment_id": str(uuid4()),
        "case_id": str(uuid4()),
        "beneficiary_id": str(uuid4()),
        "counsellor_id": "c-camille-bernard",
        "kind": "follow_up",
        "modality": "face_to_face",
        "place": "rennes",
        "starts_at": "2026-12-03T13:30:00Z",
        "ends_at": "2026-12-03T14:15:00Z",
        "region": "bretagne",
        "site": "rennes",
        "status": "booked",
        "sequence": 0,
        "pending_change": None,
        "consents": [],
        "reason": None,
        "absent": None,
    }
    data.update(overrides)
    return Appointment.model_validate(data)


def slot(starts_at: str, minutes: int = 45, place: str = "rennes") -> Slot:
    """Return a free slot starting at an ISO time."""
    start = datetime.fromisoformat(starts_at)
    return Slot(starts_at=start, ends_at=start + timedelta(minutes=minutes), place=place)


def closure(**overrides: Any) -> Closure:
    """Return a site closure as GET /site-closures shows it."""
    data: dict[str, Any] = {
        "closure_id": str(uuid4()),
        "region": "bretagne",
        "site": "rennes",
        "starts_at": "2026-12-07T07:00:00Z",
        "ends_at": "2026-12-11T18:00:00Z",
        "to_modality": "video",
        "status": "running",
        "total": 30,
        "processed": 12,
        "created_at": "2026-11-23T13:05:00Z",
    }
    data.update(overrides)
    return Closure.model_validate(data)


def conflict(reason: str) -> ApiError:
    """Return the 409 the service answers with a reason."""
    return ApiError(409, reason, (FieldError("appointment", reason),))


def invalid(field_name: str, reason: str) -> ApiError:
    """Return the 422 the service answers naming a field."""
    return ApiError(422, "The request is invalid; see errors.", (FieldError(field_name, reason),))


@dataclass
class FakeAppointments:
    """AppointmentApi with canned answers; `fail` raises on every call of a method, `fail_once`
    on the next one only; every call is recorded."""

    plan_: Plan | None = None
    free: list[Slot] = field(default_factory=list)
    items: dict[UUID, Appointment] = field(default_factory=dict)
    closures_: list[Closure] = field(default_factory=list)
    fail: dict[str, ApiError] = field(default_factory=dict)
    fail_once: dict[str, ApiError] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)

    def _call(self, name: str, token: str, *args: Any) -> None:
        self.calls.append((name, token, args))
        if name in self.fail_once:
            raise self.fail_once.pop(name)
        if name in self.fail:
            raise self.fail[name]

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, _, args in self.calls if called == name]

    def add(self, *found: Appointment) -> None:
        for a in found:
            self.items[a.appointment_id] = a

    def _one(self, appointment_id: UUID) -> Appointment:
        if appointment_id not in self.items:
            raise ApiError(404, "no such appointment")
        return self.items[appointment_id]

    async def plan(self, token: str) -> Plan | None:
        self._call("plan", token)
        return self.plan_

    async def save_plan(self, token: str, plan: Plan) -> Plan:
        self._call("save_plan", token, plan)
        self.plan_ = plan
        return plan

    async def slots(
        self,
        token: str,
        case_id: UUID,
        *,
        modality: Modality,
        kind: AppointmentKind,
        start: datetime,
        days: int,
        time_zone: str,
    ) -> Slots:
        self._call("slots", token, case_id, modality, kind, start, days, time_zone)
        return Slots(
            counsellor_id="c-camille-bernard", plan_time_zone=time_zone, slots=tuple(self.free)
        )

    async def book(
        self,
        token: str,
        case_id: UUID,
        *,
        modality: Modality,
        kind: AppointmentKind,
        starts_at: datetime,
        place: str | None = None,
    ) -> Appointment:
        self._call("book", token, case_id, modality, kind, starts_at, place)
        booked = appointment(
            case_id=str(case_id),
            modality=modality.value,
            kind=kind.value,
            starts_at=starts_at.isoformat(),
            ends_at=(starts_at + timedelta(minutes=45)).isoformat(),
            place=place or "remote",
        )
        self.add(booked)
        return booked

    async def case_appointments(self, token: str, case_id: UUID) -> list[Appointment]:
        self._call("case_appointments", token, case_id)
        return [a for a in self.items.values() if a.case_id == case_id]

    async def set_waitlist(self, token: str, case_id: UUID, *, waiting: bool) -> Waitlist:
        self._call("set_waitlist", token, case_id, waiting)
        return Waitlist(case_id=case_id, waiting=waiting)

    async def my_appointments(self, token: str) -> list[Appointment]:
        self._call("my_appointments", token)
        return list(self.items.values())

    async def agenda(self, token: str, start: datetime, end: datetime) -> list[Appointment]:
        self._call("agenda", token, start, end)
        return [a for a in self.items.values() if start <= a.starts_at < end]

    async def appointment(self, token: str, appointment_id: UUID) -> Appointment:
        self._call("appointment", token, appointment_id)
        return self._one(appointment_id)

    async def reschedule(
        self, token: str, appointment_id: UUID, starts_at: datetime
    ) -> Appointment:
        self._call("reschedule", token, appointment_id, starts_at)
        moved = self._one(appointment_id).model_copy(update={"starts_at": starts_at})
        self.add(moved)
        return moved

    async def cancel(self, token: str, appointment_id: UUID, reason: CancelReason) -> Appointment:
        self._call("cancel", token, appointment_id, reason)
        return self._one(appointment_id)

    async def settle(
        self,
        token: str,
        appointment_id: UUID,
        *,
        status: AppointmentStatus,
        absent: AbsentParty | None = None,
        reason: NoShowReason | None = None,
    ) -> Appointment:
        self._call("settle", token, appointment_id, status, absent, reason)
        return self._one(appointment_id)

    async def requalify(self, token: str, appointment_id: UUID, modality: Modality) -> Appointment:
        self._call("requalify", token, appointment_id, modality)
        return self._one(appointment_id)

    async def consent(
        self,
        token: str,
        appointment_id: UUID,
        answer: ConsentAnswer,
        modality: Modality | None = None,
    ) -> Appointment:
        self._call("consent", token, appointment_id, answer, modality)
        return self._one(appointment_id)

    async def close_site(
        self,
        token: str,
        *,
        site: str,
        starts_at: datetime,
        ends_at: datetime,
        to_modality: Modality,
    ) -> Closure:
        self._call("close_site", token, site, starts_at, ends_at, to_modality)
        made = closure(
            site=site,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
            to_modality=to_modality.value,
            processed=0,
        )
        self.closures_.insert(0, made)
        return made

    async def closures(self, token: str) -> list[Closure]:
        self._call("closures", token)
        return self.closures_

    async def closure(self, token: str, closure_id: UUID) -> Closure:
        self._call("closure", token, closure_id)
        for found in self.closures_:
            if found.closure_id == closure_id:
                return found
        raise ApiError(404, "no such closure")


@dataclass
class AppointmentFront:
    """A front on fakes whose appointment pages reach the fake appointment service."""

    front: Front
    appointments: FakeAppointments


def build_appointment_front() -> AppointmentFront:
    """Return a front on fakes with the fake appointment service wired in."""
    front = build_front()
    fake = FakeAppointments()
    front.deps = replace(front.deps, appointments=fake)
    front.app.state.web = front.deps
    return AppointmentFront(front, fake)


def own_case(front: Front, **overrides: Any) -> CaseDetails:
    """Give the signed-in beneficiary one open case with a counsellor; return it."""
    case = case_details(**overrides)
    front.intake.cases[case.case_id] = case
    front.intake.own = OwnData.model_validate(
        {
            "beneficiary": case.beneficiary.model_dump() if case.beneficiary else None,
            "cases": [
                {
                    "case_id": str(case.case_id),
                    "opened_at": "2026-11-20T08:30:00Z",
                    "status": case.status.value,
                    "service_level": case.service_level.value,
                }
            ],
        }
    )
    return case
