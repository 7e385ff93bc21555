"""The call `make run` prepares: which of Léa's appointments can be joined now or soon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jalon_dev.visio import opens_soon, still_joinable

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def appointment(starts_in: timedelta, **changes: str) -> dict[str, str]:
    """Return an appointment as appointment's API shows it, 45 minutes long."""
    starts = NOW + starts_in
    return {
        "modality": "video",
        "status": "booked",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=45)).isoformat(),
    } | changes


def test_a_booked_video_appointment_stays_joinable_until_an_hour_after_its_end() -> None:
    assert still_joinable(appointment(timedelta(minutes=-100)), NOW)
    assert not still_joinable(appointment(timedelta(minutes=-106)), NOW)
    assert not still_joinable(appointment(timedelta(0), modality="phone"), NOW)
    assert not still_joinable(appointment(timedelta(0), status="held"), NOW)


def test_a_room_opening_within_fifteen_minutes_is_soon_enough() -> None:
    # Rooms open 15 minutes before the start: a start 30 minutes ahead opens in 15.
    assert opens_soon(NOW + timedelta(minutes=30), NOW)
    assert not opens_soon(NOW + timedelta(minutes=31), NOW)
    assert opens_soon(NOW - timedelta(minutes=10), NOW)
