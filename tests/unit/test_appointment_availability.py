"""Free slots from a weekly plan: daylight saving, buffers, exceptions, notice and horizon."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from appointment.application.find_slots import free_slots_of
from appointment.application.ports import Schedule
from appointment.domain.availability import (
    REMOTE,
    AppointmentKind,
    AvailabilityError,
    Busy,
    DatedException,
    ExceptionKind,
    Plan,
    Rules,
    WeeklyWindow,
    free_slots,
    local_instant,
)
from jalon_shared.events.vocabulary import Modality

PARIS = ZoneInfo("Europe/Paris")


class NoClosures:
    """The one query a slot search makes: no site is closed."""

    async def closures_at(self, site: str, start: datetime, end: datetime) -> list[object]:
        """Return no closure."""
        return []


MONDAY, SUNDAY = 0, 6
NO_NOTICE = Rules(minimum_notice=timedelta(0), buffer_after=timedelta(0))


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return a Paris wall-clock time as an aware instant."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def mornings(rules: Rules = NO_NOTICE, **changes: object) -> Plan:
    """Return a plan open on Monday mornings at Rennes, 09:00 to 12:00 Paris time."""
    fields: dict[str, object] = {
        "time_zone": "Europe/Paris",
        "windows": (WeeklyWindow(MONDAY, time(9), time(12), "rennes"),),
        "rules": rules,
    }
    fields.update(changes)
    return Plan(**fields)  # type: ignore[arg-type]


def wall_clock(slots: list[datetime]) -> list[str]:
    """Return the Paris wall-clock times of instants, as HH:MM."""
    return [s.astimezone(PARIS).strftime("%H:%M") for s in slots]


def test_a_monday_morning_stays_at_nine_across_both_daylight_saving_changes() -> None:
    # Paris springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October.
    for before, after, utc_hours in (
        ((2026, 3, 23), (2026, 3, 30), [8, 7]),
        ((2026, 10, 19), (2026, 10, 26), [7, 8]),
    ):
        now = paris(*before, 0, 0)
        slots = free_slots(
            mornings(),
            [],
            kind=AppointmentKind.FIRST_MEETING,
            now=now,
            until=paris(*after, 23, 0),
        )
        first_of_each_day: dict[str, datetime] = {}
        for slot in slots:
            day = slot.starts_at.astimezone(PARIS).date().isoformat()
            first_of_each_day.setdefault(day, slot.starts_at)
        assert sorted(first_of_each_day) == [
            "-".join(f"{n:02d}" for n in before),
            "-".join(f"{n:02d}" for n in after),
        ]
        firsts = [first_of_each_day[day] for day in sorted(first_of_each_day)]
        # Same wall clock, an hour apart in UTC: the plan follows the counsellor's clock.
        assert wall_clock(firsts) == ["09:00", "09:00"]
        assert [f.astimezone(UTC).hour for f in firsts] == utc_hours


def test_slots_sit_on_the_grid_and_fit_the_window() -> None:
    now = paris(2026, 6, 1, 0, 0)  # a Monday
    slots = free_slots(
        mornings(), [], kind=AppointmentKind.FIRST_MEETING, now=now, until=paris(2026, 6, 1, 23)
    )
    starts = wall_clock([s.starts_at for s in slots])
    assert starts == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
    ]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=60) for s in slots)
    assert {s.place for s in slots} == {"rennes"}


def test_buffers_keep_meetings_apart_on_both_sides() -> None:
    rules = Rules(
        minimum_notice=timedelta(0),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    plan = mornings(rules, windows=(WeeklyWindow(MONDAY, time(9), time(13), "rennes"),))
    booked = Busy(paris(2026, 6, 1, 10, 30), paris(2026, 6, 1, 11, 30))
    slots = free_slots(
        plan,
        [booked],
        kind=AppointmentKind.FOLLOW_UP,
        now=paris(2026, 6, 1, 0, 0),
        until=paris(2026, 6, 1, 23),
    )
    # The booking holds 10:15-11:45 with its buffers; a 45-minute follow-up holds 15 minutes
    # on each side of itself, so it must end by 10:00 or start from 12:00.
    assert wall_clock([s.starts_at for s in slots]) == ["09:00", "09:15", "12:00", "12:15"]


def test_leave_removes_slots_and_an_extra_opening_adds_remote_ones() -> None:
    now = paris(2026, 6, 1, 0, 0)
    leave = DatedException(
        ExceptionKind.UNAVAILABLE, paris(2026, 6, 1, 10, 0), paris(2026, 6, 1, 12, 0)
    )
    extra = DatedException(
        ExceptionKind.EXTRA, paris(2026, 6, 3, 14, 0), paris(2026, 6, 3, 15, 0), REMOTE
    )
    plan = mornings(exceptions=(leave, extra))
    slots = free_slots(
        plan, [], kind=AppointmentKind.FIRST_MEETING, now=now, until=paris(2026, 6, 4)
    )
    assert [(wall_clock([s.starts_at])[0], s.place) for s in slots] == [
        ("09:00", "rennes"),
        ("14:00", REMOTE),
    ]
    remote_only = free_slots(
        plan,
        [],
        kind=AppointmentKind.FIRST_MEETING,
        now=now,
        until=paris(2026, 6, 4),
        places=frozenset({REMOTE}),
    )
    assert [s.place for s in remote_only] == [REMOTE]


def test_an_extra_opening_over_a_weekly_window_offers_each_slot_once() -> None:
    extra = DatedException(
        ExceptionKind.EXTRA, paris(2026, 6, 1, 11, 0), paris(2026, 6, 1, 13, 0), "rennes"
    )
    slots = free_slots(
        mornings(exceptions=(extra,)),
        [],
        kind=AppointmentKind.FIRST_MEETING,
        now=paris(2026, 6, 1, 10, 0),
        until=paris(2026, 6, 1, 23),
    )
    # 09:00-12:00 and 11:00-13:00 make one opening: one-hour meetings from 10:00 to 12:00.
    assert wall_clock([s.starts_at for s in slots]) == [
        f"{h:02d}:{m:02d}" for h in (10, 11) for m in (0, 15, 30, 45)
    ] + ["12:00"]


async def test_a_remote_meeting_offers_a_time_once_where_a_site_and_a_remote_opening_meet() -> None:
    extra = DatedException(
        ExceptionKind.EXTRA, paris(2026, 6, 1, 11, 0), paris(2026, 6, 1, 13, 0), REMOTE
    )
    schedule = Schedule(mornings(exceptions=(extra,)), [])
    found = {
        modality: await free_slots_of(
            NoClosures(),  # type: ignore[arg-type]
            schedule,
            modality=modality,
            kind=AppointmentKind.FIRST_MEETING,
            now=paris(2026, 6, 1, 10, 0),
            start=paris(2026, 6, 1, 10, 0),
            end=paris(2026, 6, 1, 23),
        )
        for modality in (Modality.VIDEO, Modality.FACE_TO_FACE)
    }
    video = [(wall_clock([s.starts_at])[0], s.place) for s in found[Modality.VIDEO]]
    # 11:00 fits both the Rennes morning and the remote opening: offered once, remote.
    assert video[:2] == [("10:00", "rennes"), ("10:15", "rennes")]
    assert ("11:00", REMOTE) in video
    assert len(video) == len({start for start, _ in video})
    assert all(s.place == "rennes" for s in found[Modality.FACE_TO_FACE])


def test_notice_and_horizon_bound_the_search() -> None:
    rules = Rules(minimum_notice=timedelta(hours=24), horizon=timedelta(days=14))
    now = paris(2026, 6, 1, 8, 0)  # Monday morning: today is inside the notice
    slots = free_slots(mornings(rules), [], kind=AppointmentKind.FIRST_MEETING, now=now)
    days = sorted({s.starts_at.astimezone(PARIS).date().isoformat() for s in slots})
    assert days == ["2026-06-08"]  # not today, not the 15th (past the horizon)
    assert all(s.starts_at >= now + timedelta(hours=24) for s in slots)


def test_a_window_starting_at_a_skipped_time_opens_when_the_clock_resumes() -> None:
    plan = Plan(
        time_zone="Europe/Paris",
        windows=(WeeklyWindow(SUNDAY, time(2, 0), time(4, 0), REMOTE),),
        rules=NO_NOTICE,
    )
    now = paris(2026, 3, 28, 12, 0)
    slots = free_slots(plan, [], kind=AppointmentKind.FOLLOW_UP, now=now, until=paris(2026, 3, 30))
    # 02:00 does not exist on 29 March in Paris: the window opens at 03:00.
    assert wall_clock([s.starts_at for s in slots]) == ["03:00", "03:15"]
    assert (
        local_instant(datetime(2026, 3, 29).date(), time(2, 30), PARIS).strftime("%H:%M") == "03:30"
    )


def test_bad_plans_are_refused_naming_the_field() -> None:
    cases: list[tuple[str, object]] = [
        ("time_zone", lambda: mornings(time_zone="Mars/Olympus_Mons")),
        ("end", lambda: WeeklyWindow(MONDAY, time(12), time(9), "rennes")),
        ("weekday", lambda: WeeklyWindow(7, time(9), time(12), "rennes")),
        (
            "windows",
            lambda: mornings(
                windows=(
                    WeeklyWindow(MONDAY, time(9), time(12), "rennes"),
                    WeeklyWindow(MONDAY, time(11), time(13), REMOTE),
                )
            ),
        ),
        (
            "ends_at",
            lambda: DatedException(ExceptionKind.UNAVAILABLE, paris(2026, 6, 2), paris(2026, 6, 1)),
        ),
        ("step", lambda: Rules(step=timedelta(0))),
    ]
    for field_name, build in cases:
        with pytest.raises(AvailabilityError) as caught:
            build()  # type: ignore[operator]
        assert caught.value.field == field_name


def test_skipping_over_bookings_finds_exactly_the_slots_a_step_by_step_check_finds() -> None:
    import random

    rules = Rules(
        minimum_notice=timedelta(0),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=15),
        horizon=timedelta(days=21),
    )
    plan = Plan(
        "Europe/Paris",
        tuple(WeeklyWindow(d, time(8), time(19), REMOTE) for d in range(7)),
        rules,
    )
    now = paris(2027, 3, 20, 7)
    draw = random.Random(7)
    busy = []
    for _ in range(120):
        start = now + timedelta(minutes=15 * draw.randrange(0, 4 * 24 * 21))
        busy.append(Busy(start, start + timedelta(minutes=draw.choice((30, 45, 60, 90)))))
    found = free_slots(plan, busy, kind=AppointmentKind.FOLLOW_UP, now=now)
    every = free_slots(plan, [], kind=AppointmentKind.FOLLOW_UP, now=now)

    def clear(slot_start: datetime, slot_end: datetime) -> bool:
        return all(
            slot_end + rules.buffer_after <= b.starts_at - rules.buffer_before
            or slot_start - rules.buffer_before >= b.ends_at + rules.buffer_after
            for b in busy
        )

    assert found == [s for s in every if clear(s.starts_at, s.ends_at)]
    assert len(found) < len(every)
