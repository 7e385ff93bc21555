"""Synthetic past activity as the producers would have published it: for benches, tests, demos.

Each generated case follows a plausible path: a request, the case's opening, a first meeting a
few days later, follow-ups in every modality (some moved, cancelled or missed), remote sessions
with measured durations, messages and tasks, a summary sent for signature, a closure and the
satisfaction surveys. Events come grouped by the producer that would have written them, in the
order each producer wrote them, so they can be folded or stored as outbox history.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypedDict
from uuid import UUID

from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentModalityChanged,
    AppointmentNoShow,
    AppointmentRescheduled,
    CollectiveSessionRegistered,
)
from jalon_shared.events.document import (
    DocumentDeclined,
    DocumentSigned,
    DocumentSubmittedForSignature,
)
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    CaseClosed,
    CaseOpened,
    RequestSubmitted,
    ServiceLevelChanged,
    SurveyAnswered,
    SurveyOffered,
)
from jalon_shared.events.session import (
    SessionCallLogged,
    SessionEnded,
    SessionMessagePosted,
    SessionTaskAssigned,
    SessionTaskCompleted,
)
from jalon_shared.events.vocabulary import (
    AbsentParty,
    AppointmentKind,
    CallOutcome,
    CloseReason,
    ConsentAnswer,
    Csp,
    EmploymentSituation,
    FollowUpSituation,
    Modality,
    RoomKind,
    ServiceLevel,
    SurveyKind,
)

PRODUCERS = ("intake", "appointment", "remote_session", "document_signature")
SYNC_MODALITIES = (Modality.FACE_TO_FACE, Modality.PHONE, Modality.VIDEO)


@dataclass
class History:
    """Generated events by producer, each list in the order its producer wrote them."""

    by_producer: dict[str, list[Event]] = field(
        default_factory=lambda: {name: [] for name in PRODUCERS}
    )

    def add(self, producer: str, event: Event) -> None:
        """Record an event a producer wrote."""
        self.by_producer[producer].append(event)

    def count(self) -> int:
        """Return how many events there are."""
        return sum(len(v) for v in self.by_producer.values())

    def ordered(self) -> list[Event]:
        """Return every event by time: roughly the order a live system would publish them."""
        events = [e for v in self.by_producer.values() for e in v]
        return sorted(events, key=lambda e: e.occurred_at)

    def producer_first(self) -> Iterator[Event]:
        """Return events producer by producer (intake first): the order a rebuild reads them."""
        for name in PRODUCERS:
            yield from sorted(self.by_producer[name], key=lambda e: e.occurred_at)


class _Meta(TypedDict):
    correlation_id: str
    producer: str


class _Where(TypedDict):
    region: str
    site: str
    csp: Csp
    service_level: ServiceLevel


class _Seat(TypedDict):
    session_id: UUID
    registration_id: UUID
    beneficiary_id: UUID
    modality: Modality
    region: str
    site: str
    starts_at: datetime


def _meta(producer: str, rng: random.Random) -> _Meta:
    return {"correlation_id": f"history-{rng.getrandbits(48):012x}", "producer": producer}


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def generate(
    *,
    regions: Mapping[str, Sequence[str]],
    start: datetime,
    days: int,
    cases_per_day: float,
    seed: int = 7,
    until: datetime | None = None,
) -> History:
    """Generate cases opened over days from start, each with its whole path, up to until."""
    rng = random.Random(seed)
    history = History()
    end = until or datetime.now(UTC)
    places = [(region, site) for region, sites in regions.items() for site in sites]
    for day in range(days):
        opened_day = start + timedelta(days=day)
        if opened_day.weekday() >= 5:
            continue
        for _ in range(_poisson(rng, cases_per_day)):
            region, site = rng.choice(places)
            at = opened_day.replace(hour=8) + timedelta(minutes=rng.randint(0, 600))
            _case(history, rng, region, site, at, end)
    for region, sites in regions.items():
        for week in range(days // 7):
            _meeting(history, rng, region, rng.choice(list(sites)), start + timedelta(weeks=week))
    for name in PRODUCERS:
        history.by_producer[name] = [e for e in history.by_producer[name] if e.occurred_at <= end]
    return history


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means used here.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _case(
    h: History, rng: random.Random, region: str, site: str, at: datetime, end: datetime
) -> None:
    csp = rng.choice(list(Csp))
    level = ServiceLevel.ACCUEIL_INDIVIDUALISE
    beneficiary, request, case = _uuid(rng), _uuid(rng), _uuid(rng)
    h.add(
        "intake",
        RequestSubmitted(
            **_meta("intake", rng),
            occurred_at=at,
            request_id=request,
            beneficiary_id=beneficiary,
            region=region,
            site=site,
            csp=csp,
            employment_situation=rng.choice(list(EmploymentSituation)),
            service_level=level,
            modalities=(rng.choice(SYNC_MODALITIES),),
        ),
    )
    opened = at + timedelta(seconds=1)
    h.add(
        "intake",
        CaseOpened(
            **_meta("intake", rng),
            occurred_at=opened,
            case_id=case,
            request_id=request,
            beneficiary_id=beneficiary,
            counsellor_id=f"c-{region}-{site}",
            region=region,
            site=site,
            csp=csp,
            service_level=level,
            returning=rng.random() < 0.15,
        ),
    )
    when = opened + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6))
    first = True
    meetings = rng.randint(1, 5)
    for number in range(meetings):
        if number == 1 and rng.random() < 0.6:
            level = ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE
            h.add(
                "intake",
                ServiceLevelChanged(
                    **_meta("intake", rng),
                    occurred_at=when - timedelta(days=1),
                    case_id=case,
                    beneficiary_id=beneficiary,
                    previous_level=ServiceLevel.ACCUEIL_INDIVIDUALISE,
                    service_level=level,
                    region=region,
                    site=site,
                ),
            )
        held = _appointment(h, rng, case, beneficiary, region, site, opened, when, first)
        first = first and not held
        _async_work(h, rng, case, beneficiary, when)
        when += timedelta(days=rng.randint(5, 20))
    if rng.random() < 0.3:
        h.add(
            "remote_session",
            SessionCallLogged(
                **_meta("remote_session", rng),
                occurred_at=when,
                call_id=_uuid(rng),
                case_id=case,
                beneficiary_id=beneficiary,
                counsellor_id=f"c-{region}-{site}",
                started_at=when - timedelta(minutes=20),
                ended_at=when - timedelta(minutes=5),
                duration_seconds=900,
                outcome=rng.choice(list(CallOutcome)),
            ),
        )
    if rng.random() < 0.7:
        _summary(h, rng, case, beneficiary, when)
    if rng.random() < 0.75 and when < end:
        reason = rng.choices(list(CloseReason), weights=(70, 10, 10, 5, 5))[0]
        h.add(
            "intake",
            CaseClosed(
                **_meta("intake", rng),
                occurred_at=when + timedelta(days=2),
                case_id=case,
                beneficiary_id=beneficiary,
                counsellor_id=f"c-{region}-{site}",
                region=region,
                site=site,
                csp=csp,
                service_level=level,
                reason=reason,
                path_days=(when + timedelta(days=2) - opened).days,
            ),
        )
        _surveys(h, rng, region, site, csp, level, when + timedelta(days=2))


def _appointment(
    h: History,
    rng: random.Random,
    case: UUID,
    beneficiary: UUID,
    region: str,
    site: str,
    opened: datetime,
    when: datetime,
    first: bool,
) -> bool:
    appointment = _uuid(rng)
    modality = rng.choices(SYNC_MODALITIES, weights=(45, 25, 30))[0]
    booked_at = min(when - timedelta(days=1), opened + timedelta(hours=2))
    starts = when.replace(minute=0, second=0, microsecond=0)
    h.add(
        "appointment",
        AppointmentBooked(
            **_meta("appointment", rng),
            occurred_at=booked_at,
            appointment_id=appointment,
            case_id=case,
            beneficiary_id=beneficiary,
            counsellor_id=f"c-{region}-{site}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            modality=modality,
            kind=AppointmentKind.FIRST_MEETING if first else AppointmentKind.FOLLOW_UP,
            region=region,
            site=site,
            place="remote" if modality is not Modality.FACE_TO_FACE else site,
            booked_by="beneficiary",
        ),
    )
    roll = rng.random()
    if roll < 0.1:
        moved = starts + timedelta(days=2)
        h.add(
            "appointment",
            AppointmentRescheduled(
                **_meta("appointment", rng),
                occurred_at=booked_at + timedelta(hours=3),
                appointment_id=appointment,
                case_id=case,
                starts_at=moved,
                rescheduled_from=starts,
            ),
        )
        starts = moved
    if modality is Modality.FACE_TO_FACE and rng.random() < 0.08:
        accepted = rng.random() < 0.7
        new = rng.choice((Modality.PHONE, Modality.VIDEO))
        h.add(
            "appointment",
            AppointmentModalityChanged(
                **_meta("appointment", rng),
                occurred_at=booked_at + timedelta(hours=5),
                appointment_id=appointment,
                case_id=case,
                previous_modality=modality,
                modality=new if accepted else modality,
                proposed_modality=new,
                consent=ConsentAnswer.ACCEPTED if accepted else ConsentAnswer.REFUSED_KEPT,
                consent_recorded_at=booked_at + timedelta(hours=5),
                requested_by="counsellor",
                region=region,
                site=site,
            ),
        )
        if accepted:
            modality = new
    outcome = rng.random()
    if outcome < 0.08:
        h.add(
            "appointment",
            AppointmentCancelled(
                **_meta("appointment", rng),
                occurred_at=starts - timedelta(hours=20),
                appointment_id=appointment,
                case_id=case,
                cancelled_by="beneficiary",
            ),
        )
        return False
    if outcome < 0.16:
        h.add(
            "appointment",
            AppointmentNoShow(
                **_meta("appointment", rng),
                occurred_at=starts + timedelta(hours=1),
                appointment_id=appointment,
                case_id=case,
                modality=modality,
                absent=AbsentParty.BENEFICIARY,
                starts_at=starts,
                region=region,
                site=site,
            ),
        )
        return False
    if modality is not Modality.FACE_TO_FACE:
        minutes = max(5, int(rng.gauss(45, 12)))
        h.add(
            "remote_session",
            SessionEnded(
                **_meta("remote_session", rng),
                occurred_at=starts + timedelta(minutes=minutes),
                room_id=_uuid(rng),
                kind=RoomKind.ONE_TO_ONE,
                appointment_id=appointment,
                case_id=case,
                beneficiary_id=beneficiary,
                counsellor_id=f"c-{region}-{site}",
                started_at=starts,
                ended_at=starts + timedelta(minutes=minutes),
                duration_seconds=minutes * 60 + rng.randint(0, 59),
                modality=modality,
                audio_only=modality is Modality.PHONE,
                participants=2,
                region=region,
            ),
        )
    h.add(
        "appointment",
        AppointmentHeld(
            **_meta("appointment", rng),
            occurred_at=starts + timedelta(hours=1),
            appointment_id=appointment,
            case_id=case,
            modality=modality,
            starts_at=starts,
            region=region,
            site=site,
            case_opened_at=opened if first else None,
            first_held=first,
            source="counsellor",
        ),
    )
    return True


def _async_work(
    h: History, rng: random.Random, case: UUID, beneficiary: UUID, when: datetime
) -> None:
    for n in range(rng.randint(0, 4)):
        h.add(
            "remote_session",
            SessionMessagePosted(
                **_meta("remote_session", rng),
                occurred_at=when + timedelta(days=1, hours=n),
                message_id=_uuid(rng),
                case_id=case,
                beneficiary_id=beneficiary,
                author_role="beneficiary" if n % 2 else "counsellor",
            ),
        )
    if rng.random() < 0.5:
        task = _uuid(rng)
        h.add(
            "remote_session",
            SessionTaskAssigned(
                **_meta("remote_session", rng),
                occurred_at=when + timedelta(hours=2),
                task_id=task,
                case_id=case,
                beneficiary_id=beneficiary,
                due_on=(when + timedelta(days=7)).date(),
            ),
        )
        if rng.random() < 0.7:
            h.add(
                "remote_session",
                SessionTaskCompleted(
                    **_meta("remote_session", rng),
                    occurred_at=when + timedelta(days=3),
                    task_id=task,
                    case_id=case,
                    beneficiary_id=beneficiary,
                ),
            )


def _summary(h: History, rng: random.Random, case: UUID, beneficiary: UUID, when: datetime) -> None:
    document = _uuid(rng)
    h.add(
        "document_signature",
        DocumentSubmittedForSignature(
            **_meta("document_signature", rng),
            occurred_at=when,
            document_id=document,
            case_id=case,
            beneficiary_id=beneficiary,
        ),
    )
    if rng.random() < 0.85:
        h.add(
            "document_signature",
            DocumentSigned(
                **_meta("document_signature", rng),
                occurred_at=when + timedelta(hours=rng.randint(1, 72)),
                document_id=document,
                case_id=case,
                beneficiary_id=beneficiary,
            ),
        )
    else:
        h.add(
            "document_signature",
            DocumentDeclined(
                **_meta("document_signature", rng),
                occurred_at=when + timedelta(hours=rng.randint(1, 48)),
                document_id=document,
                case_id=case,
                beneficiary_id=beneficiary,
            ),
        )


def _surveys(
    h: History,
    rng: random.Random,
    region: str,
    site: str,
    csp: Csp,
    level: ServiceLevel,
    closed: datetime,
) -> None:
    where: _Where = {"region": region, "site": site, "csp": csp, "service_level": level}
    h.add(
        "intake",
        SurveyOffered(
            **_meta("intake", rng),
            occurred_at=closed,
            offer_id=_uuid(rng),
            kind=SurveyKind.END_OF_LEVEL,
            **where,
        ),
    )
    if rng.random() < 0.55:
        h.add(
            "intake",
            SurveyAnswered(
                **_meta("intake", rng),
                occurred_at=closed + timedelta(days=rng.randint(0, 5)),
                response_id=_uuid(rng),
                kind=SurveyKind.END_OF_LEVEL,
                satisfaction=rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 15, 42, 35))[0],
                would_recommend=rng.random() < 0.85,
                **where,
            ),
        )
    follow_up = closed + timedelta(days=182)
    h.add(
        "intake",
        SurveyOffered(
            **_meta("intake", rng),
            occurred_at=follow_up,
            offer_id=_uuid(rng),
            kind=SurveyKind.FOLLOW_UP,
            **where,
        ),
    )
    if rng.random() < 0.4:
        h.add(
            "intake",
            SurveyAnswered(
                **_meta("intake", rng),
                occurred_at=follow_up + timedelta(days=rng.randint(0, 10)),
                response_id=_uuid(rng),
                kind=SurveyKind.FOLLOW_UP,
                situation=rng.choices(list(FollowUpSituation), weights=(30, 25, 20, 15, 8, 2))[0],
                **where,
            ),
        )


def _meeting(h: History, rng: random.Random, region: str, site: str, week: datetime) -> None:
    session = _uuid(rng)
    starts = (week + timedelta(days=2)).replace(hour=14, minute=0, second=0, microsecond=0)
    modality = rng.choice((Modality.FACE_TO_FACE, Modality.VIDEO))
    for _ in range(rng.randint(4, 12)):
        registration = _uuid(rng)
        beneficiary = _uuid(rng)
        base: _Seat = {
            "session_id": session,
            "registration_id": registration,
            "beneficiary_id": beneficiary,
            "modality": modality,
            "region": region,
            "site": site,
            "starts_at": starts,
        }
        h.add(
            "appointment",
            CollectiveSessionRegistered(
                **_meta("appointment", rng),
                occurred_at=starts - timedelta(days=3),
                status="registered",
                **base,
            ),
        )
        h.add(
            "appointment",
            CollectiveSessionRegistered(
                **_meta("appointment", rng),
                occurred_at=starts + timedelta(hours=2),
                status="attended" if rng.random() < 0.75 else "absent",
                **base,
            ),
        )


#: Weeks of past activity make run writes, so every chart and trend has something to show.
DEMO_WEEKS = 16


async def seed_history(mongo_uri: str, regions: Mapping[str, Sequence[str]]) -> int:
    """Write weeks of past activity into each producer's outbox, for its relay to publish."""
    # Imported here: the generator above is also used by tests that need no database.
    from jalon_shared.messaging.outbox import Outbox
    from jalon_shared.mongo import create_client
    from jalon_shared.settings import MongoSettings

    now = datetime.now(UTC)
    history = generate(
        regions=regions,
        start=now - timedelta(weeks=DEMO_WEEKS),
        days=DEMO_WEEKS * 7 - 1,
        cases_per_day=3.0 * len(regions),
        seed=2026,
        until=now - timedelta(hours=1),
    )
    client = create_client(MongoSettings(uri=mongo_uri))
    try:
        for name, events in history.by_producer.items():
            database = client[f"jalon_{name}"]
            records = Outbox(database).records(sorted(events, key=lambda e: e.occurred_at))
            for start in range(0, len(records), 1000):
                await database["outbox"].insert_many(records[start : start + 1000])
    finally:
        await client.close()
    return history.count()
