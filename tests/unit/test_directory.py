"""Who may act on a case, by the local copy of the staff directory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from jalon_shared.access import Principal, Role
from jalon_shared.auth import TokenVerifier
from jalon_shared.directory import (
    CaseEntry,
    can_access_case,
    directory_router,
    erasure_digest,
    may_access,
)
from jalon_shared.places import Region, Site, place_problem
from tests.support import AUDIENCE, ISSUER, Keys

CASE = CaseEntry(
    case_id=uuid.uuid4(),
    beneficiary_id=uuid.uuid4(),
    counsellor_id="c-owner",
    region="bretagne",
    site="rennes",
    status="open",
)


class FakeLookup:
    """An in-memory directory holding a few cases."""

    def __init__(self, *cases: CaseEntry) -> None:
        self._cases = {case.case_id: case for case in cases}

    async def case(self, case_id: uuid.UUID) -> CaseEntry | None:
        return self._cases.get(case_id)


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (Principal(sub=str(CASE.beneficiary_id), role=Role.BENEFICIARY), True),
        (Principal(sub=str(uuid.uuid4()), role=Role.BENEFICIARY), False),
        (Principal(sub="c-owner", role=Role.COUNSELLOR, region="bretagne"), True),
        (Principal(sub="c-other", role=Role.COUNSELLOR, region="bretagne"), False),
        (Principal(sub="m-1", role=Role.MANAGER, region="bretagne"), True),
        (Principal(sub="m-2", role=Role.MANAGER, region="normandie"), False),
        (Principal(sub="m-3", role=Role.MANAGER), False),
        (Principal(sub="ops", role=Role.SERVICE), True),
    ],
)
def test_access_rules(principal: Principal, allowed: bool) -> None:
    assert may_access(principal, CASE) is allowed


def test_an_unassigned_case_belongs_to_no_counsellor() -> None:
    waiting = CASE.model_copy(update={"counsellor_id": None})
    assert not may_access(Principal(sub="c-owner", role=Role.COUNSELLOR), waiting)


async def test_an_unknown_case_is_nobodys() -> None:
    lookup = FakeLookup(CASE)
    service = Principal(sub="ops", role=Role.SERVICE)
    assert await can_access_case(lookup, service, CASE.case_id)
    assert not await can_access_case(lookup, service, uuid.uuid4())


async def test_the_directory_lookup_decides_for_a_counsellor() -> None:
    lookup = FakeLookup(CASE)
    owner = Principal(sub="c-owner", role=Role.COUNSELLOR)
    other = Principal(sub="c-other", role=Role.COUNSELLOR)
    assert await can_access_case(lookup, owner, CASE.case_id)
    assert not await can_access_case(lookup, other, CASE.case_id)


def test_an_erasure_marker_does_not_hold_the_id() -> None:
    beneficiary_id = uuid.uuid4()
    digest = erasure_digest(beneficiary_id)
    assert digest == erasure_digest(uuid.UUID(str(beneficiary_id)))
    assert digest != erasure_digest(uuid.uuid4())
    assert beneficiary_id.hex not in digest


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture
async def http(keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the directory route over a fake lookup, in-process."""
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(keys.public_pem, issuer=ISSUER, audience=AUDIENCE)
    app.include_router(directory_router(FakeLookup(CASE)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_route_answers_the_owner_with_the_case_place(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    answer = await http.get(
        f"/cases/{CASE.case_id}/access", headers=keys.headers("c-owner", Role.COUNSELLOR)
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "case_id": str(CASE.case_id),
        "counsellor_id": "c-owner",
        "region": "bretagne",
        "site": "rennes",
        "status": "open",
    }
    assert "beneficiary_id" not in answer.json()


async def test_the_route_refuses_strangers_and_unknown_cases(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    url = f"/cases/{CASE.case_id}/access"
    assert (await http.get(url)).status_code == 401
    assert (await http.get(url, headers={"Authorization": "Bearer nope"})).status_code == 401
    other = keys.headers("c-other", Role.COUNSELLOR, region="bretagne")
    assert (await http.get(url, headers=other)).status_code == 403
    elsewhere = keys.headers("m-2", Role.MANAGER, region="normandie")
    assert (await http.get(url, headers=elsewhere)).status_code == 403
    unknown = f"/cases/{uuid.uuid4()}/access"
    service = keys.headers("ops", Role.SERVICE)
    assert (await http.get(unknown, headers=service)).status_code == 404
    assert (await http.get("/cases/not-a-uuid/access", headers=service)).status_code == 422


BRETAGNE = Region(
    code="bretagne",
    label="Bretagne",
    sites=(
        Site(code="rennes", label="Rennes"),
        Site(code="quimper", label="Quimper", active=False),
    ),
)


@pytest.mark.parametrize(
    ("region", "site", "elsewhere", "expected"),
    [
        (BRETAGNE, "rennes", False, None),
        (None, "rennes", False, ("region", "unknown_region")),
        (BRETAGNE, "quimper", False, ("site", "unknown_site")),
        (BRETAGNE, "nowhere", False, ("site", "unknown_site")),
        (BRETAGNE, "caen", True, ("site", "site_outside_region")),
    ],
)
def test_places_are_checked_against_the_reference_data(
    region: Region | None, site: str, elsewhere: bool, expected: tuple[str, str] | None
) -> None:
    problem = place_problem(region, site, site_in_other_region=elsewhere)
    assert (None if problem is None else (problem.field, problem.type)) == expected
    assert problem is None or site not in problem.message
