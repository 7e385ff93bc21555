"""Identity, possible duplicates, the case view and alerts over HTTP, real Kafka and MongoDB."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from jalon_shared.access import Role
from jalon_shared.events.envelope import utc_now
from tests.integration.conftest import RunningService
from tests.integration.test_intake_caseload import add_counsellor, new_region
from tests.support import Keys, intake_payload


async def post(
    intake: RunningService, headers: dict[str, str], **fields: Any
) -> tuple[int, dict[str, Any]]:
    response = await intake.http.post("/requests", json=intake_payload(**fields), headers=headers)
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def stored(intake: RunningService, region: str) -> tuple[int, int]:
    return (
        await intake.db["requests"].count_documents({"region": region}),
        await intake.db["cases"].count_documents({"region": region}),
    )


async def test_a_beneficiary_typing_another_persons_email_is_refused_without_disclosure(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    email = f"lea.{uuid.uuid4().hex[:8]}@example.org"
    owner = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    code, first = await post(intake, owner, region=region, email=email)
    assert code == 201
    before = await stored(intake, region)
    code, refused = await post(
        intake,
        keys.headers(str(uuid.uuid4()), Role.BENEFICIARY),
        region=region,
        email=email.upper(),
    )
    assert code == 409
    assert refused["errors"] == [
        {
            "location": "body",
            "field": "email",
            "type": "contact_in_use",
            "message": "This email belongs to another person",
        }
    ]
    for leaked in (first["case_id"], first["request_id"], f"a-{region}", email):
        assert leaked not in str(refused)
    assert await stored(intake, region) == before


async def test_two_people_sharing_a_phone_each_get_their_own_case(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = keys.headers(first_id, Role.BENEFICIARY)
    second = keys.headers(second_id, Role.BENEFICIARY)
    _, mine = await post(intake, first, region=region, phone="02 99 00 11 22")
    code, theirs = await post(intake, second, region=region, phone="+33 2 99 00 11 22")
    assert code == 201
    assert theirs["outcome"] == "case_opened"
    assert theirs["case_id"] != mine["case_id"]
    own_case = (await intake.http.get(f"/cases/{theirs['case_id']}", headers=second)).json()
    assert own_case["beneficiary"]["phone"] == "+33299001122"
    assert (await intake.http.get(f"/cases/{mine['case_id']}", headers=second)).status_code == 403
    assert await stored(intake, region) == (2, 2)


async def test_a_second_request_joins_the_beneficiarys_own_case(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    me = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    _, first = await post(intake, me, region=region)
    code, again = await post(intake, me, region=region, need="Je préfère la VAE.")
    assert code == 201
    assert again == {
        "request_id": again["request_id"],
        "case_id": first["case_id"],
        "outcome": "added_to_own_case",
        "counsellor_assigned": True,
    }
    view = (await intake.http.get(f"/cases/{first['case_id']}", headers=me)).json()
    assert view["request"]["request_id"] == again["request_id"]
    assert view["request"]["need"] == "Je préfère la VAE."
    assert view["possible_duplicates"] == []
    assert await stored(intake, region) == (2, 1)


async def test_a_double_submitted_first_request_opens_one_case(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    me = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    # A double click: two first requests of one new person race for the same record.
    answers = await asyncio.gather(*(post(intake, me, region=region) for _ in range(4)))
    assert [code for code, _ in answers] == [201] * 4
    assert len({body["case_id"] for _, body in answers}) == 1
    assert await stored(intake, region) == (4, 1)
    counsellor = await intake.db["counsellors"].find_one({"_id": f"a-{region}"})
    assert counsellor is not None
    assert counsellor["open_cases"] == 1


async def test_a_refused_request_in_a_group_commit_leaves_the_others_stored(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 100)
    taken = f"taken.{uuid.uuid4().hex[:8]}@example.org"
    code, _ = await post(
        intake, keys.headers(str(uuid.uuid4()), Role.BENEFICIARY), region=region, email=taken
    )
    assert code == 201
    # Twelve people at once, one of whom types an email that belongs to someone else: they
    # share group commits, and the refusal must cost only its own request.
    people = [keys.headers(str(uuid.uuid4()), Role.BENEFICIARY) for _ in range(12)]
    emails = [f"p{i}.{uuid.uuid4().hex[:6]}@example.org" for i in range(12)]
    emails[5] = taken
    answers = await asyncio.gather(
        *(
            post(intake, me, region=region, email=email)
            for me, email in zip(people, emails, strict=True)
        )
    )
    codes = [code for code, _ in answers]
    assert codes[5] == 409
    assert codes[:5] + codes[6:] == [201] * 11
    assert await stored(intake, region) == (12, 12)
    counsellor = await intake.db["counsellors"].find_one({"_id": f"a-{region}"})
    assert counsellor is not None
    assert counsellor["open_cases"] == 12


async def phone_intake_for_an_existing_person(
    intake: RunningService, keys: Keys
) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """Open a person's case, then have a manager take a request with their email on the phone."""
    region = await new_region(intake, keys)
    owner = f"a-{region}"
    await add_counsellor(intake, keys, region, owner, "rennes", 10)
    await add_counsellor(intake, keys, region, f"b-{region}", "brest", 10)
    email = f"lea.{uuid.uuid4().hex[:8]}@example.org"
    _, case = await post(
        intake, keys.headers(str(uuid.uuid4()), Role.BENEFICIARY), region=region, email=email
    )
    manager = keys.headers("m-1", Role.MANAGER, region=region)
    code, phoned = await post(
        intake,
        manager,
        region=region,
        site="brest",
        email=email,
        first_name="Léa",
        last_name="Petit",
        phone="06 99 88 77 66",
        need="Rappel téléphonique",
    )
    assert code == 201
    return region, case["case_id"], phoned, manager


async def provisional_of(intake: RunningService, request_id: str) -> uuid.UUID:
    """Return the provisional record holding the details typed for a flagged request."""
    request = await intake.db["requests"].find_one({"_id": uuid.UUID(request_id)})
    assert request is not None
    record = await intake.db["beneficiaries"].find_one({"_id": request["beneficiary_id"]})
    assert record is not None
    assert record["provisional"]
    provisional: uuid.UUID = record["_id"]
    return provisional


async def test_staff_phone_intake_matching_a_person_waits_for_the_counsellor(
    intake: RunningService, keys: Keys
) -> None:
    region, case_id, phoned, _ = await phone_intake_for_an_existing_person(intake, keys)
    assert phoned == {
        "request_id": phoned["request_id"],
        "case_id": None,
        "outcome": "pending_duplicate_review",
        "counsellor_assigned": False,
    }
    assert await stored(intake, region) == (2, 1)
    owner = keys.headers(f"a-{region}", Role.COUNSELLOR, region=region)
    view = (await intake.http.get(f"/cases/{case_id}", headers=owner)).json()
    [duplicate] = view["possible_duplicates"]
    assert duplicate == {
        "request_id": phoned["request_id"],
        "submitted_at": duplicate["submitted_at"],
        "matched_on": ["email"],
        "first_name": "Léa",
        "last_name": "Petit",
        "email": duplicate["email"],
        "phone": "+33699887766",
        "need": "Rappel téléphonique",
        "status": "pending",
    }
    flagged = view["history"][-1]
    assert (flagged["action"], flagged["by"], flagged["by_name"]) == (
        "duplicate_flagged",
        "manager",
        None,
    )
    caseload = (await intake.http.get("/caseload", headers=owner)).json()
    assert [item["pending_duplicates"] for item in caseload] == [1]


async def test_confirming_a_duplicate_joins_the_request_to_the_case(
    intake: RunningService, keys: Keys
) -> None:
    region, case_id, phoned, _ = await phone_intake_for_an_existing_person(intake, keys)
    provisional = await provisional_of(intake, phoned["request_id"])
    owner = keys.headers(f"a-{region}", Role.COUNSELLOR, region=region)
    url = f"/cases/{case_id}/duplicates/{phoned['request_id']}"
    stranger = keys.headers(f"b-{region}", Role.COUNSELLOR, region=region)
    assert (await intake.http.post(f"{url}/confirm", headers=stranger)).status_code == 403
    confirmed = await intake.http.post(f"{url}/confirm", headers=owner)
    assert confirmed.status_code == 200, confirmed.text
    view = confirmed.json()
    assert view["possible_duplicates"][0]["status"] == "confirmed"
    assert view["request"]["request_id"] == phoned["request_id"]
    assert [h["action"] for h in view["history"]][-2:] == [
        "duplicate_flagged",
        "duplicate_confirmed",
    ]
    assert view["history"][-1]["by_name"] == f"Conseiller a-{region}"
    assert await intake.db["beneficiaries"].count_documents({"_id": provisional}) == 0
    assert await stored(intake, region) == (2, 1)
    again = await intake.http.post(f"{url}/reject", headers=owner)
    assert again.status_code == 409


async def test_rejecting_a_duplicate_opens_a_case_for_the_other_person(
    intake: RunningService, keys: Keys
) -> None:
    region, case_id, phoned, manager = await phone_intake_for_an_existing_person(intake, keys)
    url = f"/cases/{case_id}/duplicates/{phoned['request_id']}/reject"
    rejected = await intake.http.post(url, headers=manager)
    assert rejected.status_code == 200, rejected.text
    [duplicate] = rejected.json()["possible_duplicates"]
    assert duplicate["status"] == "rejected"
    assert duplicate["first_name"] is None
    assert await stored(intake, region) == (2, 2)
    request = await intake.db["requests"].find_one({"_id": uuid.UUID(phoned["request_id"])})
    assert request is not None
    other_case = await intake.db["cases"].find_one({"_id": request["case_id"]})
    assert other_case is not None
    assert other_case["counsellor_id"] == f"b-{region}"  # the request's site, assigned normally
    outbox = await intake.db["outbox"].count_documents(
        {"event_type": "intake.case_opened", "key": str(other_case["_id"])}
    )
    assert outbox == 1


async def test_the_case_view_names_people_places_and_staff(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    await add_counsellor(intake, keys, region, f"a-{region}", "rennes", 10)
    me = keys.headers(str(uuid.uuid4()), Role.BENEFICIARY)
    _, opened = await post(
        intake,
        me,
        region=region,
        first_name="Inès",
        last_name="Moreau",
        phone="0611223344",
        preferred_channel="sms",
        languages=["fr", "ar"],
        topics=["vae"],
        accessibility=["no_equipment"],
    )
    view = (await intake.http.get(f"/cases/{opened['case_id']}", headers=me)).json()
    assert set(view) == {
        "case_id",
        "region",
        "region_label",
        "site",
        "site_label",
        "status",
        "service_level",
        "csp",
        "opened_at",
        "closed_at",
        "close_reason",
        "last_contact_at",
        "next_appointment_at",
        "pending_signature",
        "summary_delivered_at",
        "counsellor_id",
        "counsellor_name",
        "beneficiary",
        "request",
        "possible_duplicates",
        "history",
    }
    assert (view["region_label"], view["site_label"]) == (region.title(), "Rennes")
    assert view["counsellor_name"] == f"Conseiller a-{region}"
    assert view["beneficiary"] == {
        "first_name": "Inès",
        "last_name": "Moreau",
        "email": view["beneficiary"]["email"],
        "phone": "+33611223344",
        "preferred_channel": "sms",
        "languages": ["fr", "ar"],
    }
    assert view["request"]["topics"] == ["vae"]
    assert view["request"]["accessibility"] == ["no_equipment"]
    assert view["history"][0]["by"] == "beneficiary"
    assert view["history"][0]["by_name"] is None
    assert view["history"][0]["counsellor_name"] == f"Conseiller a-{region}"
    line = (
        await intake.http.get(
            "/caseload", headers=keys.headers(f"a-{region}", Role.COUNSELLOR, region=region)
        )
    ).json()[0]
    assert set(line) == {
        "case_id",
        "beneficiary_name",
        "region",
        "site",
        "site_label",
        "status",
        "service_level",
        "csp",
        "opened_at",
        "last_contact_at",
        "next_appointment_at",
        "pending_signature",
        "summary_delivered_at",
        "alerts",
        "pending_duplicates",
    }
    assert (line["beneficiary_name"], line["site_label"]) == ("Inès Moreau", "Rennes")


async def test_six_never_contacted_open_cases_past_the_threshold_are_alerts(
    intake: RunningService, keys: Keys
) -> None:
    region = await new_region(intake, keys)
    cid = f"a-{region}"
    await add_counsellor(intake, keys, region, cid, "rennes", 20)
    opened = []
    for _ in range(8):
        _, body = await post(
            intake, keys.headers(str(uuid.uuid4()), Role.BENEFICIARY), region=region
        )
        opened.append(body["case_id"])
    # Six opened two weeks ago (ten working days, whatever today is), two just now.
    two_weeks_ago = utc_now() - timedelta(days=14)
    for case_id in opened[:6]:
        await intake.db["cases"].update_one(
            {"_id": uuid.UUID(case_id)},
            {"$set": {"opened_at": two_weeks_ago, "last_activity_at": two_weeks_ago}},
        )
    me = keys.headers(cid, Role.COUNSELLOR, region=region)
    alerts = (await intake.http.get("/caseload/alerts", headers=me)).json()
    assert sorted(item["case_id"] for item in alerts["not_contacted"]) == sorted(opened[:6])
    assert alerts["no_contact"] == []
    assert all(item["beneficiary_name"] == "Camille Martin" for item in alerts["not_contacted"])
    lines = (await intake.http.get("/caseload", headers=me)).json()
    flagged = [line["case_id"] for line in lines if "not_contacted" in line["alerts"]]
    assert sorted(flagged) == sorted(opened[:6])


async def test_erasure_keeps_only_unlinked_stubs_and_drops_flagged_duplicates(
    intake: RunningService, keys: Keys
) -> None:
    region, case_id, phoned, manager = await phone_intake_for_an_existing_person(intake, keys)
    provisional = await provisional_of(intake, phoned["request_id"])
    case = await intake.db["cases"].find_one({"_id": uuid.UUID(case_id)})
    assert case is not None
    person, request_id = case["beneficiary_id"], case["request_id"]
    erased = await intake.http.delete(f"/beneficiaries/{person}", headers=manager)
    assert erased.status_code == 200, erased.text
    assert await intake.db["requests"].count_documents({"region": region}) == 0
    assert await intake.db["beneficiaries"].count_documents({"_id": provisional}) == 0
    [stub] = await intake.db["cases"].find({"region": region}).to_list()
    assert stub["request_id"] is None
    assert stub["status"] == "closed"
    for link in (person, uuid.UUID(case_id), request_id, uuid.UUID(phoned["request_id"])):
        assert str(link) not in repr(stub)
    assert {entry["by"] for entry in stub["history"]} <= {"beneficiary", "manager", "counsellor"}
    assert (await intake.http.get(f"/cases/{case_id}", headers=manager)).status_code == 404
