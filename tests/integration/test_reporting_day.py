"""Reporting on the embedded stack: a day's activity through the producers, rebuild, access.

Real requests go through intake's HTTP API; the rest of the day (bookings, sessions, messages,
signatures, surveys, closures) is written by the generator into each real producer's outbox, as
the producer would have written it, so the producers' relays publish it to Kafka. The test
computes the expected figures itself from what it sent, then rebuilds from the outboxes.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from appointment.entrypoints.main import build_app as build_appointment
from document_signature.entrypoints.main import build_app as build_documents
from jalon_dev.history import generate
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.events.appointment import AppointmentHeld, AppointmentNoShow
from jalon_shared.events.intake import CaseClosed, CaseOpened, RequestSubmitted, SurveyAnswered
from jalon_shared.events.session import SessionEnded, SessionMessagePosted
from jalon_shared.messaging.outbox import Outbox
from jalon_shared.mongo import Client
from jalon_shared.periods import PeriodKind, period_key
from remote_session.entrypoints.main import build_app as build_remote_session
from reporting.domain.periods import local_date
from reporting.entrypoints.main import RebuildSettings, ReportingSettings
from reporting.entrypoints.main import build_app as build_reporting
from tests.integration.conftest import RunningService, run_service
from tests.support import (
    Keys,
    eventually,
    intake_payload,
    register_region,
    running,
    service_settings,
)

SITES = ("rennes", "brest", "caen")


def shown(count: int) -> int | None:
    """Return a count as a manager sees it: hidden from 1 to 4."""
    return None if 0 < count < 5 else count


class _Route(httpx.AsyncBaseTransport):
    """Sends each request to the in-process service its host names."""

    def __init__(self, services: dict[str, RunningService]) -> None:
        self._services = services

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        client = self._services[request.url.host].http
        return await client._transport.handle_async_request(request)


@pytest.fixture(scope="module")
async def producers(
    kafka: EmbeddedKafka, mongo: EmbeddedMongo, keys: Keys, mongo_client: Client
) -> AsyncIterator[dict[str, RunningService]]:
    """Run the three other producers for this module."""
    async with (
        run_service("appointment-rpt", build_appointment, kafka, mongo, keys, mongo_client) as a,
        run_service("remote-rpt", build_remote_session, kafka, mongo, keys, mongo_client) as r,
        run_service("documents-rpt", build_documents, kafka, mongo, keys, mongo_client) as d,
    ):
        yield {"appointment": a, "remote_session": r, "document_signature": d}


async def test_a_day_of_activity_gives_the_figures_the_test_computes_and_a_rebuild_keeps_them(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    intake: RunningService,
    producers: dict[str, RunningService],
) -> None:
    region = f"rp{uuid.uuid4().hex[:6]}"
    await register_region(intake.http, keys, region, SITES)
    services = {"intake": intake, **producers}
    plain = service_settings("reporting-day", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys)
    settings = ReportingSettings(
        **plain.model_dump(),
        rebuild=RebuildSettings(
            intake_url="http://intake",
            appointment_url="http://appointment",
            remote_session_url="http://remote_session",
            document_signature_url="http://document_signature",
            batch=200,
        ),
    )
    router = httpx.AsyncClient(transport=_Route(services))
    now = datetime.now(UTC)
    month = period_key(PeriodKind.MONTH, local_date(now))
    async with running(build_reporting(settings, http=router)) as reporting:
        # The day's real requests, through intake's API.
        submitted = Counter[str]()
        people: list[tuple[str, dict[str, str]]] = []
        for n in range(14):
            site = SITES[n % 2]
            person = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
            answer = await intake.http.post(
                "/requests",
                json=intake_payload(region=region, site=site, csp="cadre" if n % 3 else "employe"),
                headers=person,
            )
            assert answer.status_code == 201, answer.text
            submitted[site] += 1
            people.append((answer.json()["case_id"], person))
        manager = keys.headers("m-day", Role.MANAGER, region=region)
        # Six of them write to their counsellor, through remote-session's API.
        for case_id, person in people[:6]:

            async def posted(case_id: str = case_id, person: dict[str, str] = person) -> bool:
                answer = await producers["remote_session"].http.post(
                    f"/cases/{case_id}/thread/messages",
                    json={"text": "Bonjour, voici mon CV."},
                    headers=person,
                )
                return answer.status_code == 201

            await eventually(posted, timeout=30, interval=0.2)
        # Five paths end, and each person answers the ended level's survey in their space.
        for case_id, person in people[6:11]:
            answer = await intake.http.post(
                f"/cases/{case_id}/close", json={"reason": "path_completed"}, headers=manager
            )
            assert answer.status_code == 200, answer.text
            pending = (await intake.http.get("/surveys/mine", headers=person)).json()
            assert [s["kind"] for s in pending] == ["end_of_level"]
            answer = await intake.http.post(
                f"/surveys/{pending[0]['survey_id']}/answers",
                json={"satisfaction": 5, "would_recommend": True},
                headers=person,
            )
            assert answer.status_code == 200, answer.text
        # The rest of the day, as each producer would have written it to its outbox.
        history = generate(
            regions={region: list(SITES)},
            start=now - timedelta(days=40),
            days=40,
            cases_per_day=3,
            seed=11,
            until=now,
        )
        for name, events in history.by_producer.items():
            database = mongo_client[services[name].settings.database_name()]
            records = Outbox(database).records(events)
            for start in range(0, len(records), 500):
                await database["outbox"].insert_many(records[start : start + 500])
        mine = [e for e in history.ordered() if local_date(e.occurred_at) <= local_date(now)]

        def in_month(moment: datetime) -> bool:
            return period_key(PeriodKind.MONTH, local_date(moment)) == month

        # The expected figures, counted from the inputs, not by reporting's code.
        requests = submitted.total() + sum(
            1 for e in mine if isinstance(e, RequestSubmitted) and in_month(e.occurred_at)
        )
        opened = 14 + sum(1 for e in mine if isinstance(e, CaseOpened) and in_month(e.occurred_at))
        held = [e for e in mine if isinstance(e, AppointmentHeld) and in_month(e.starts_at or now)]
        no_show = [
            e for e in mine if isinstance(e, AppointmentNoShow) and in_month(e.starts_at or now)
        ]
        sessions = [e for e in mine if isinstance(e, SessionEnded) and in_month(e.started_at)]
        messages = 6 + sum(
            1 for e in mine if isinstance(e, SessionMessagePosted) and in_month(e.occurred_at)
        )
        closed = 5 + sum(1 for e in mine if isinstance(e, CaseClosed) and in_month(e.occurred_at))
        answers = [
            e
            for e in mine
            if isinstance(e, SurveyAnswered)
            and e.satisfaction is not None
            and in_month(e.occurred_at)
        ]
        # The month must hold enough of each to show, or the comparisons below prove little.
        assert min(len(held), len(sessions), messages, closed) >= 5
        minutes = sorted(round(s.duration_seconds) // 60 for s in sessions)

        async def board(**params: str) -> dict[str, Any]:
            answer = await reporting.get(
                f"/regions/{region}/dashboard", params={"at": month, **params}, headers=manager
            )
            assert answer.status_code == 200, answer.text
            return {i["code"]: i["current"] for i in answer.json()["indicators"]}

        async def caught_up() -> bool:
            figures = await board()
            return bool(
                figures["requests"]["value"] == requests
                and figures["messages"]["value"] == shown(messages)
                and figures["cases_closed"]["value"] == shown(closed)
                and figures["survey_answers"]["value"] == shown(len(answers) + 5)
            )

        await eventually(caught_up, timeout=120, interval=0.5)
        figures = await board()
        assert figures["cases_opened"]["value"] == shown(opened)
        assert figures["appointments_held"]["value"] == shown(len(held))
        assert figures["appointments_no_show"]["value"] == shown(len(no_show))
        assert figures["sessions"]["value"] == shown(len(sessions))
        if len(sessions) >= 5:
            assert figures["session_median_minutes"]["value"] == statistics.median_low(minutes)
        # The five real answers (5 out of 5) count with the generated ones.
        satisfaction = (sum(a.satisfaction or 0 for a in answers) + 25) / (len(answers) + 5)
        assert figures["satisfaction_mean"]["value"] == round(satisfaction, 1)
        by_site = await board(site="rennes")
        assert by_site["requests"]["value"] == submitted["rennes"] + sum(
            1
            for e in mine
            if isinstance(e, RequestSubmitted) and e.site == "rennes" and in_month(e.occurred_at)
        )
        video = await board(modality="video")
        assert video["appointments_held"]["value"] == shown(
            sum(1 for e in held if e.modality.value == "video")
        )
        csv = await reporting.get(
            f"/regions/{region}/export.csv", params={"at": month}, headers=manager
        )
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        assert f"indicateurs;requests;Demandes reçues;;;count;{requests};non" in csv.text

        # Rebuild from the outbox history into a fresh generation: the same figures.
        before = (
            await reporting.get(
                f"/regions/{region}/dashboard", params={"at": month}, headers=manager
            )
        ).json()
        operator = keys.headers("ops", Role.SERVICE)
        assert (
            await reporting.post("/admin/read-model/rebuild", headers=manager)
        ).status_code == 403
        started = await reporting.post("/admin/read-model/rebuild", headers=operator)
        assert started.status_code == 202, started.text
        generation = started.json()["building"]
        assert generation is not None

        async def rebuilt() -> dict[str, Any] | None:
            state = (await reporting.get("/admin/read-model", headers=operator)).json()
            return state if state["active"] == generation else None

        state = await eventually(rebuilt, timeout=180, interval=0.5)
        assert state["rebuild"]["status"] == "done"
        assert state["rebuild"]["applied"] >= history.count()
        after = (
            await reporting.get(
                f"/regions/{region}/dashboard", params={"at": month}, headers=manager
            )
        ).json()
        assert after == before

        # Access: another region's manager, a counsellor, a bad period.
        stranger = keys.headers("m-x", Role.MANAGER, region="normandie")
        assert (
            await reporting.get(f"/regions/{region}/dashboard", headers=stranger)
        ).status_code == 403
        assert (
            await reporting.get(f"/regions/{region}/export.csv", headers=stranger)
        ).status_code == 403
        counsellor = keys.headers("c-x", Role.COUNSELLOR, region=region)
        assert (
            await reporting.get(f"/regions/{region}/dashboard", headers=counsellor)
        ).status_code == 403
        bad = await reporting.get(
            f"/regions/{region}/dashboard",
            params={"period": "week", "at": "2026-11"},
            headers=manager,
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "at"
        assert "2026-11" not in bad.text

    # A read model built by older code (no format marker) is rebuilt when reporting starts.
    upgraded = build_reporting(settings, http=router)
    meta = upgraded.state.infra.database["read_model_meta"]
    await meta.update_one({"_id": "generation"}, {"$unset": {"format": ""}})
    async with running(upgraded) as reporting:

        async def upgraded_state() -> dict[str, Any] | None:
            state = (await reporting.get("/admin/read-model", headers=operator)).json()
            return state if state["active"] > generation and not state["building"] else None

        await eventually(upgraded_state, timeout=180, interval=0.5)
        assert (await meta.find_one({"_id": "generation"}) or {}).get("format") == 2
        again = await reporting.get(
            f"/regions/{region}/dashboard", params={"at": month}, headers=manager
        )
        assert again.json() == before
    await router.aclose()
