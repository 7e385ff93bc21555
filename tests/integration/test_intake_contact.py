"""Intake's contact route: services alone read how to reach a beneficiary, until erasure."""

from __future__ import annotations

import uuid

from appointment.adapters.contacts import HttpContacts
from appointment.domain.messages import Contact
from jalon_shared.access import Role
from jalon_shared.auth import ServiceTokens
from jalon_shared.events.vocabulary import ContactChannel
from tests.integration.conftest import RunningService
from tests.support import AUDIENCE, Keys, intake_payload


async def test_services_read_a_contact_and_nobody_else_does(
    intake: RunningService, keys: Keys
) -> None:
    person = uuid.uuid4()
    own = keys.headers(str(person), Role.BENEFICIARY)
    body = intake_payload(phone="06 12 34 56 78", preferred_channel="sms")
    submitted = await intake.http.post("/requests", json=body, headers=own)
    assert submitted.status_code == 201, submitted.text
    path = f"/beneficiaries/{person}/contact"

    # The appointment service's own token, signed with the services' key.
    tokens = ServiceTokens(keys.service_private_pem, service="appointment", audience=AUDIENCE)
    answer = await intake.http.get(path, headers={"Authorization": f"Bearer {tokens.token()}"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "email": body["email"],
        "phone": "+33612345678",
        "preferred_channel": "sms",
    }
    contacts = HttpContacts(intake.http, "http://test", tokens)
    assert await contacts.contact(person) == Contact(
        email=body["email"], phone="+33612345678", preferred_channel=ContactChannel.SMS
    )

    for refused in (
        own,
        keys.headers("c-anyone", Role.COUNSELLOR, region="bretagne", site="rennes"),
        keys.headers("m-anyone", Role.MANAGER, region="bretagne"),
    ):
        assert (await intake.http.get(path, headers=refused)).status_code == 403
    assert (await intake.http.get(path)).status_code == 401

    assert await contacts.contact(uuid.uuid4()) is None
    unknown = await intake.http.get(
        f"/beneficiaries/{uuid.uuid4()}/contact", headers=keys.headers("ops", Role.SERVICE)
    )
    assert unknown.status_code == 404

    erased = await intake.http.delete("/me", headers=own)
    assert erased.status_code == 200, erased.text
    assert await contacts.contact(person) is None
