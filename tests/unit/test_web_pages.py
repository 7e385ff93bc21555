"""The web front's pages over fakes: sessions, role gating and calls to the services."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from fastapi import FastAPI

from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer, TokenVerifier, generate_key_pair
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.unit.test_web_sign_in import NOW, MemoryAccounts, SentBox
from web.adapters.services import ServiceClient
from web.application.seed_demo_accounts import DEMO_PASSWORD, seed_demo_accounts
from web.domain.accounts import BeneficiaryAccount
from web.entrypoints.http import COOKIE, PAGE_SIZE, WebDeps, build_router, page_headers

INTAKE = "http://intake.test"
REPORTING = "http://reporting.test"
SUPPRESSED = {"value": None, "suppressed": True}


class PlainHasher:
    """Hasher that keeps tests fast; argon2 itself is covered by the sign-in tests."""

    def hash(self, secret: str) -> str:
        return f"plain:{secret}"

    def verify(self, hashed: str, secret: str) -> bool:
        return hashed == f"plain:{secret}"


@dataclass
class FakeServices:
    """The services' APIs: canned answers by (method, path), and every call recorded."""

    answers: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    calls: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        code, body = self.answers.get(
            (request.method, f"{request.url.host}{request.url.path}"),
            (404, {"detail": "Not Found"}),
        )
        return httpx.Response(code, json=body)

    def called(self, method: str, path: str) -> list[httpx.Request]:
        return [c for c in self.calls if c.method == method and c.url.path == path]


@dataclass
class Front:
    """A web front on fakes and a browser-like client on it."""

    client: httpx.AsyncClient
    services: FakeServices
    accounts: MemoryAccounts
    mailer: SentBox
    verifier: TokenVerifier


def build_front(*, dev_show_codes: bool = True) -> tuple[FastAPI, Front]:
    private_pem, public_pem = generate_key_pair()
    services = FakeServices()
    http = httpx.AsyncClient(transport=httpx.MockTransport(services.handle))
    accounts, mailer = MemoryAccounts(), SentBox()
    verifier = TokenVerifier(public_pem, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE)
    deps = WebDeps(
        accounts=accounts,
        hasher=PlainHasher(),
        mailer=mailer,
        clock=lambda: NOW,
        issuer=TokenIssuer(private_pem, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE),
        verifier=verifier,
        intake=ServiceClient(http, INTAKE),
        reporting=ServiceClient(http, REPORTING),
        dev_show_codes=dev_show_codes,
        secure_cookies=False,
    )
    app = FastAPI()
    app.middleware("http")(page_headers)
    app.include_router(build_router(deps))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://front.test")
    return app, Front(client, services, accounts, mailer, verifier)


@pytest.fixture
async def front() -> AsyncIterator[Front]:
    _, built = build_front()
    await seed_demo_accounts(accounts=built.accounts, hasher=PlainHasher())
    async with built.client:
        yield built


async def sign_in(front: Front, persona: str, account_id: str) -> httpx.Response:
    form = {"account_id": account_id, "password": DEMO_PASSWORD}
    return await front.client.post(f"/{persona}/login", data=form)


async def sign_in_beneficiary(front: Front, email: str) -> None:
    await front.client.post("/beneficiary/code", data={"email": email})
    code = front.mailer.sent[-1][1]
    answer = await front.client.post("/beneficiary/verify", data={"email": email, "code": code})
    assert answer.status_code == 303


async def test_staff_sign_in_sets_a_strict_http_only_cookie_of_fifteen_minutes(
    front: Front,
) -> None:
    answer = await sign_in(front, "counsellor", "c-camille-bernard")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/counsellor"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    token = front.client.cookies[COOKIE]
    principal = front.verifier.verify(token)
    assert (principal.sub, principal.role) == ("c-camille-bernard", Role.COUNSELLOR)
    assert (principal.region, principal.site) == ("bretagne", "rennes")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60


async def test_a_counsellor_reaches_only_the_counsellor_pages(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    for path in ("/manager", "/beneficiary", "/beneficiary/export"):
        answer = await front.client.get(path)
        assert answer.status_code == 403, path
        assert "pas accessible" in answer.text
    refused = await front.client.post("/beneficiary/erase", data={"confirm": "yes"})
    assert refused.status_code == 403
    assert not front.services.called("DELETE", "/me")


async def test_a_beneficiary_reaches_neither_staff_space(front: Front) -> None:
    await sign_in_beneficiary(front, "someone@example.org")
    assert (await front.client.get("/counsellor")).status_code == 403
    assert (await front.client.get("/manager")).status_code == 403
    assert (await front.client.get(f"/counsellor/cases/{uuid4()}")).status_code == 403


async def test_a_staff_password_does_not_open_another_persona(front: Front) -> None:
    answer = await sign_in(front, "counsellor", "m-anne-durand")
    assert answer.status_code == 401
    assert COOKIE not in front.client.cookies
    wrong = await front.client.post(
        "/manager/login", data={"account_id": "m-anne-durand", "password": "nope"}
    )
    assert wrong.status_code == 401


async def test_without_a_session_pages_ask_to_sign_in(front: Front) -> None:
    assert 'action="/counsellor/login"' in (await front.client.get("/counsellor")).text
    assert 'action="/manager/login"' in (await front.client.get("/manager")).text
    assert 'action="/beneficiary/code"' in (await front.client.get("/beneficiary")).text
    answer = await front.client.get(f"/counsellor/cases/{uuid4()}")
    assert (answer.status_code, answer.headers["location"]) == (303, "/counsellor")
    answer = await front.client.post("/beneficiary/request", data={})
    assert (answer.status_code, answer.headers["location"]) == (303, "/beneficiary")
    assert front.services.calls == []


async def test_a_token_signed_by_another_key_is_no_session(front: Front) -> None:
    stranger, _ = generate_key_pair()
    forged = TokenIssuer(stranger, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "m-anne-durand", Role.MANAGER, region="bretagne"
    )
    front.client.cookies.set(COOKIE, forged)
    answer = await front.client.get("/manager")
    assert 'action="/manager/login"' in answer.text
    assert front.services.calls == []


async def test_the_code_is_shown_only_in_dev(front: Front) -> None:
    shown = await front.client.post("/beneficiary/code", data={"email": "a@example.org"})
    assert front.mailer.sent[-1][1] in shown.text
    _, quiet = build_front(dev_show_codes=False)
    async with quiet.client:
        hidden = await quiet.client.post("/beneficiary/code", data={"email": "a@example.org"})
    assert quiet.mailer.sent[-1][1] not in hidden.text
    assert 'id="dev-code"' not in hidden.text


async def test_the_request_form_reaches_intake_with_the_users_token(front: Front) -> None:
    outcome = {
        "request_id": str(uuid4()),
        "beneficiary_id": str(uuid4()),
        "case_id": str(uuid4()),
        "counsellor_id": "c-camille-bernard",
        "duplicate_of": None,
        "flagged_duplicate": False,
    }
    front.services.answers[("POST", "intake.test/requests")] = (201, outcome)
    await sign_in_beneficiary(front, "lea@example.org")
    form = {
        "first_name": "Léa",
        "last_name": "Petit",
        "email": "lea@example.org",
        "employment_situation": "employed",
        "csp": "employe",
        "region": "bretagne",
        "site": "rennes",
        "topics": ["vae", "reconversion"],
        "modalities": ["phone"],
        "accessibility": ["no_equipment"],
        "languages": ["fr", "ar"],
        "service_level": "accompagnement_personnalise",
        "consent": "yes",
    }
    answer = await front.client.post("/beneficiary/request", data=form)
    assert answer.status_code == 200
    assert "Un conseiller vous a été attribué" in answer.text
    sent = front.services.called("POST", "/requests")[0]
    body = json.loads(sent.content)
    assert body["languages"] == ["fr", "ar"]
    assert body["accessibility"] == ["no_equipment"]
    assert body["service_level"] == "accompagnement_personnalise"
    assert body["consent"] == {"accepted": True, "text_version": "2026-01"}
    assert body["phone"] is None
    principal = front.verifier.verify(sent.headers["authorization"].removeprefix("Bearer "))
    assert principal.role is Role.BENEFICIARY


async def test_intakes_validation_errors_are_shown_on_the_form(front: Front) -> None:
    detail = [{"loc": ["body", "first_name"], "msg": "Field required", "type": "missing"}]
    front.services.answers[("POST", "intake.test/requests")] = (422, {"detail": detail})
    await sign_in_beneficiary(front, "lea@example.org")
    answer = await front.client.post("/beneficiary/request", data={"consent": "yes"})
    assert "first_name : Field required" in answer.text


async def test_erasure_needs_the_confirmation_box_and_forgets_the_account(front: Front) -> None:
    front.services.answers[("DELETE", "intake.test/me")] = (200, {"cases_anonymised": 1})
    await sign_in_beneficiary(front, "zoe@example.org")
    unconfirmed = await front.client.post("/beneficiary/erase", data={})
    assert "Cochez la case" in unconfirmed.text
    assert not front.services.called("DELETE", "/me")
    confirmed = await front.client.post("/beneficiary/erase", data={"confirm": "yes"})
    assert "effacées" in confirmed.text
    assert len(front.services.called("DELETE", "/me")) == 1
    assert "zoe@example.org" not in front.accounts.beneficiaries
    assert COOKIE not in front.client.cookies


async def test_the_beneficiary_space_lists_their_cases_from_intake(front: Front) -> None:
    beneficiary_id = UUID("7b0a4a63-8f5c-4a43-9a51-2f4c1b0f1e01")
    case = {
        "case_id": str(uuid4()),
        "opened_at": "2026-11-20T09:00:00Z",
        "service_level": "accueil_individualise",
        "status": "in_progress",
        "counsellor_id": "c-camille-bernard",
    }
    front.services.answers[("GET", "intake.test/me/export")] = (200, {"cases": [case]})
    await sign_in_beneficiary(front, "lea.petit@example.org")
    assert front.accounts.beneficiaries["lea.petit@example.org"] == BeneficiaryAccount(
        email="lea.petit@example.org", beneficiary_id=beneficiary_id
    )
    answer = await front.client.get("/beneficiary")
    assert 'id="my-cases"' in answer.text
    assert "Accueil individualisé" in answer.text
    assert "en cours" in answer.text


async def test_the_manager_sees_suppressed_cells_and_survives_a_missing_directory(
    front: Front,
) -> None:
    activity = {
        "region": "bretagne",
        "requests": {"value": 12, "suppressed": False},
        "cases_opened": SUPPRESSED,
        "cases_closed": SUPPRESSED,
        "requests_by_site": {"rennes": {"value": 9, "suppressed": False}, "brest": SUPPRESSED},
        "requests_by_csp": {},
        "cases_by_level": {},
    }
    front.services.answers[("GET", "reporting.test/regions/bretagne/activity")] = (200, activity)
    await sign_in(front, "manager", "m-anne-durand")
    answer = await front.client.get("/manager")
    assert answer.status_code == 200
    assert "&lt; 5" in answer.text
    assert "None" not in answer.text
    assert "<td>12</td>" in answer.text
    assert "Liste des conseillers indisponible (404)" in answer.text


async def test_the_caseload_passes_filters_and_pages_and_shows_a_missing_route(
    front: Front,
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    missing = await front.client.get("/counsellor")
    assert missing.status_code == 200
    assert "Portefeuille indisponible (404)" in missing.text
    assert "Alertes indisponibles (404)" in missing.text
    row = {"case_id": str(uuid4()), "status": "opened", "opened_at": "2026-11-20T09:00:00Z"}
    front.services.answers[("GET", "intake.test/caseload")] = (200, [row] * (PAGE_SIZE + 1))
    query = {"status": "opened", "service_level": "", "site": "rennes", "order": "asc"}
    answer = await front.client.get("/counsellor", params={**query, "offset": PAGE_SIZE})
    params = front.services.called("GET", "/caseload")[-1].url.params
    assert dict(params) == {
        "status": "opened",
        "site": "rennes",
        "order": "asc",
        "limit": str(PAGE_SIZE + 1),
        "offset": str(PAGE_SIZE),
    }
    assert answer.text.count("/counsellor/cases/") == PAGE_SIZE
    assert 'rel="next"' in answer.text
    assert 'rel="prev"' in answer.text


async def test_pages_carry_browser_protections(front: Front) -> None:
    answer = await front.client.get("/")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert '<html lang="fr">' in answer.text
