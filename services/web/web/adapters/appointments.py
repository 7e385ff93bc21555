"""The appointment service's API over HTTP, called with the signed-in person's token."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from jalon_shared.events.vocabulary import AbsentParty, AppointmentKind, ConsentAnswer, Modality
from web.adapters.services import ServiceClient
from web.application.appointment_views import (
    Appointment,
    AppointmentStatus,
    CancelReason,
    Closure,
    NoShowReason,
    Plan,
    Slots,
    Waitlist,
)

_APPOINTMENTS = TypeAdapter(list[Appointment])
_CLOSURES = TypeAdapter(list[Closure])


def _iso(moment: datetime) -> str:
    """Return an aware time as ISO 8601 with its offset (naive times are a bug here)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.isoformat()


class HttpAppointmentApi:
    """AppointmentApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def _appointment(
        self, method: str, path: str, token: str, body: Any = None
    ) -> Appointment:
        return self._api.parse(Appointment, await self._api.call(method, path, token, json=body))

    async def plan(self, token: str) -> Plan | None:
        """Return the calling counsellor's plan, or None before they publish one."""
        data = await self._api.call("GET", "/me/availability", token)
        return None if data is None else self._api.parse(Plan, data)

    async def save_plan(self, token: str, plan: Plan) -> Plan:
        """Publish the counsellor's plan."""
        data = await self._api.call(
            "PUT", "/me/availability", token, json=plan.model_dump(mode="json")
        )
        return self._api.parse(Plan, data)

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
        """Return the free slots of the case's counsellor from `start`, for `days` days."""
        params = {
            "modality": modality.value,
            "kind": kind.value,
            "from": _iso(start),
            "days": days,
            "time_zone": time_zone,
        }
        data = await self._api.call("GET", f"/cases/{case_id}/slots", token, params=params)
        return self._api.parse(Slots, data)

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
        """Book an appointment for the case."""
        body: dict[str, Any] = {
            "modality": modality.value,
            "kind": kind.value,
            "starts_at": _iso(starts_at),
        }
        if place is not None:
            body["place"] = place
        return await self._appointment("POST", f"/cases/{case_id}/appointments", token, body)

    async def case_appointments(self, token: str, case_id: UUID) -> list[Appointment]:
        """Return a case's appointments."""
        data = await self._api.call("GET", f"/cases/{case_id}/appointments", token)
        return self._api.parse_list(_APPOINTMENTS, data)

    async def set_waitlist(self, token: str, case_id: UUID, *, waiting: bool) -> Waitlist:
        """Join or leave the case counsellor's waitlist."""
        method = "PUT" if waiting else "DELETE"
        data = await self._api.call(method, f"/cases/{case_id}/waitlist", token)
        return self._api.parse(Waitlist, data)

    async def my_appointments(self, token: str) -> list[Appointment]:
        """Return the calling beneficiary's appointments."""
        return self._api.parse_list(
            _APPOINTMENTS, await self._api.call("GET", "/me/appointments", token)
        )

    async def agenda(self, token: str, start: datetime, end: datetime) -> list[Appointment]:
        """Return the calling counsellor's appointments in [start, end)."""
        params = {"from": _iso(start), "to": _iso(end)}
        return self._api.parse_list(
            _APPOINTMENTS, await self._api.call("GET", "/agenda", token, params=params)
        )

    async def appointment(self, token: str, appointment_id: UUID) -> Appointment:
        """Return one appointment."""
        return await self._appointment("GET", f"/appointments/{appointment_id}", token)

    async def reschedule(
        self, token: str, appointment_id: UUID, starts_at: datetime
    ) -> Appointment:
        """Move an appointment to another free slot."""
        return await self._appointment(
            "POST",
            f"/appointments/{appointment_id}/reschedule",
            token,
            {"starts_at": _iso(starts_at)},
        )

    async def cancel(self, token: str, appointment_id: UUID, reason: CancelReason) -> Appointment:
        """Cancel an appointment with a reason code."""
        return await self._appointment(
            "POST", f"/appointments/{appointment_id}/cancel", token, {"reason": reason.value}
        )

    async def settle(
        self,
        token: str,
        appointment_id: UUID,
        *,
        status: AppointmentStatus,
        absent: AbsentParty | None = None,
        reason: NoShowReason | None = None,
    ) -> Appointment:
        """Record that the appointment was held, or missed and by whom."""
        body: dict[str, Any] = {"status": status.value}
        if absent is not None:
            body["absent"] = absent.value
        if reason is not None:
            body["reason"] = reason.value
        return await self._appointment(
            "POST", f"/appointments/{appointment_id}/outcome", token, body
        )

    async def requalify(self, token: str, appointment_id: UUID, modality: Modality) -> Appointment:
        """Propose phone or video; the beneficiary is then asked to consent."""
        return await self._appointment(
            "POST",
            f"/appointments/{appointment_id}/requalify",
            token,
            {"modality": modality.value},
        )

    async def consent(
        self,
        token: str,
        appointment_id: UUID,
        answer: ConsentAnswer,
        modality: Modality | None = None,
    ) -> Appointment:
        """Answer a proposed change of modality."""
        body: dict[str, Any] = {"answer": answer.value}
        if modality is not None:
            body["modality"] = modality.value
        return await self._appointment(
            "POST", f"/appointments/{appointment_id}/consent", token, body
        )

    async def close_site(
        self,
        token: str,
        *,
        site: str,
        starts_at: datetime,
        ends_at: datetime,
        to_modality: Modality,
    ) -> Closure:
        """Close a site for a period (answered at once; the work goes on in the background)."""
        body = {
            "site": site,
            "starts_at": _iso(starts_at),
            "ends_at": _iso(ends_at),
            "to_modality": to_modality.value,
        }
        data = await self._api.call("POST", "/site-closures", token, json=body)
        return self._api.parse(Closure, data)

    async def closures(self, token: str) -> list[Closure]:
        """Return the manager's region's closures, newest first."""
        return self._api.parse_list(_CLOSURES, await self._api.call("GET", "/site-closures", token))

    async def closure(self, token: str, closure_id: UUID) -> Closure:
        """Return one closure and its progress."""
        data = await self._api.call("GET", f"/site-closures/{closure_id}", token)
        return self._api.parse(Closure, data)
