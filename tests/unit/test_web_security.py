"""The front's defences over fakes: same-origin posts, form tokens, rate limits, error pages."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest
from starlette.datastructures import Headers

from tests.unit.web_fakes import ORIGIN, PASSWORD, Front, build_front, sign_in
from web.entrypoints.security import MAX_BODY_BYTES, is_cross_site
from web.entrypoints.session import COOKIE


@pytest.fixture
async def front() -> Front:
    return build_front()


def headers(**values: str) -> Headers:
    return Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_what_counts_as_cross_site() -> None:
    own = ("http://front.test",)
    assert not is_cross_site("GET", headers(sec_fetch_site="cross-site"), own)
    assert not is_cross_site("POST", headers(sec_fetch_site="same-origin"), own)
    assert not is_cross_site("POST", headers(origin="http://front.test"), own)
    assert is_cross_site("POST", headers(sec_fetch_site="cross-site"), own)
    assert is_cross_site("POST", headers(sec_fetch_site="same-site"), own)
    assert is_cross_site("POST", headers(origin="http://evil.test"), own)
    assert is_cross_site("POST", headers(origin="null"), own)
    assert not is_cross_site("POST", headers(origin="null", sec_fetch_site="same-origin"), own)
    assert is_cross_site(
        "POST", headers(sec_fetch_site="same-origin", origin="http://evil.test"), own
    )
    assert is_cross_site("DELETE", headers(), own)


async def test_a_cross_site_post_is_refused_with_a_page_and_changes_nothing(
    front: Front,
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    token = front.form_token()
    case_id = uuid4()
    for bad in (
        {"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://evil.test"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(front.app), base_url=ORIGIN, headers=bad
        )
        client.cookies.set(COOKIE, front.client.cookies[COOKIE])
        async with client:
            answer = await client.post(
                f"/counsellor/cases/{case_id}/close",
                data={"reason": "other", "confirm": "yes", "form_token": token},
            )
            sent_code = await client.post("/beneficiary/code", data={"email": "x@example.org"})
        assert answer.status_code == 403, bad
        assert "text/html" in answer.headers["content-type"]
        assert "doit être faite depuis une page de Jalon" in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        assert sent_code.status_code == 403
    assert front.intake.calls == []
    assert front.mailer.sent == []


async def test_a_post_with_neither_origin_nor_fetch_site_is_refused(front: Front) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(front.app), base_url=ORIGIN) as bare:
        answer = await bare.post(
            "/counsellor/sign-in", data={"account_id": "c-camille-bernard", "password": PASSWORD}
        )
    assert answer.status_code == 403
    assert COOKIE not in answer.headers.get("set-cookie", "")


async def test_a_same_origin_post_without_the_sessions_form_token_is_refused(
    front: Front,
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    case_id = uuid4()
    for sent in ({}, {"form_token": "0" * 64}):
        answer = await front.client.post(
            f"/counsellor/cases/{case_id}/close", data={"reason": "other", "confirm": "yes", **sent}
        )
        assert answer.status_code == 403
        assert "Ce formulaire a expiré" in answer.text
    signed_out = await front.client.post("/sign-out", data={})
    assert signed_out.status_code == 403
    assert front.intake.calls == []


async def test_pages_carry_the_form_token_of_their_session(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = await front.client.get("/counsellor")
    assert f'name="form_token" value="{front.form_token()}"' in page.text


async def test_too_many_password_tries_get_a_429_page_with_retry_after(front: Front) -> None:
    for _ in range(5):
        wrong = await front.client.post(
            "/counsellor/sign-in", data={"account_id": "c-camille-bernard", "password": "x"}
        )
        assert wrong.status_code == 401
    limited = await sign_in(front, "counsellor", "c-camille-bernard")
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    assert "Trop de tentatives. Réessayez dans" in limited.text
    assert 'value="c-camille-bernard"' in limited.text
    assert COOKIE not in front.client.cookies
    other = await sign_in(front, "counsellor", "c-louise-martin")
    assert other.status_code == 303


async def test_too_many_code_requests_get_a_429_page_keeping_the_email() -> None:
    front = build_front(attempts=2)
    for _ in range(2):
        ok = await front.client.post("/beneficiary/code", data={"email": "g@example.org"})
        assert ok.status_code == 200
    limited = await front.client.post("/beneficiary/code", data={"email": "g@example.org"})
    assert limited.status_code == 429
    assert "retry-after" in limited.headers
    assert 'value="g@example.org"' in limited.text
    assert len(front.mailer.sent) == 2


@pytest.mark.parametrize(
    ("method", "path", "status", "says"),
    [
        ("GET", "/nowhere", 404, "Page introuvable"),
        ("GET", "/sign-out", 405, "ne s&#39;utilise pas de cette façon"),
        ("GET", "/counsellor/cases/not-a-uuid", 422, "ne sont pas valides"),
    ],
)
async def test_errors_are_french_pages_with_a_way_back(
    front: Front, method: str, path: str, status: int, says: str
) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.client.request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in answer.text
    assert says in answer.text
    assert 'href="/counsellor">Retour à mon espace' in answer.text


async def test_a_crash_is_a_french_500_page(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    front.intake.fail["caseload_alerts"] = RuntimeError("boom")  # type: ignore[assignment]
    answer = await front.client.get("/counsellor")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "Une erreur est survenue de notre côté" in answer.text
    assert "boom" not in answer.text


async def test_a_bad_form_value_is_a_french_page_not_json(front: Front) -> None:
    await sign_in(front, "counsellor", "c-camille-bernard")
    answer = await front.post(f"/counsellor/cases/{uuid4()}/close", {"reason": "bogus"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "bogus" not in answer.text


async def test_a_body_too_large_is_refused_with_a_page(front: Front) -> None:
    answer = await front.client.post(
        "/beneficiary/code", content=b"email=" + b"a" * (MAX_BODY_BYTES + 1)
    )
    assert answer.status_code == 413
    assert "trop volumineuses" in answer.text


async def test_pages_carry_browser_protections(front: Front) -> None:
    answer = await front.client.get("/")
    assert "script-src 'none'" in answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="fr">' in answer.text
    assert 'href="#content"' in answer.text


async def test_docs_list_the_fronts_routes_without_script(front: Front) -> None:
    answer = await front.client.get("/docs")
    assert answer.status_code == 200
    assert "<script" not in answer.text
    for path in ("/beneficiary/request", "/counsellor/cases/{case_id}/reassign", "/manager"):
        assert f"<code>{path}</code>" in answer.text
    spec = (await front.client.get("/openapi.json")).json()
    assert "/counsellor/sign-in" in spec["paths"]
