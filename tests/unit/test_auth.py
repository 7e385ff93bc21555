"""Token minting and verification, and the API guard that admits callers before any body."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from jalon_shared.access import Role
from jalon_shared.auth import AuthError, TokenIssuer, TokenVerifier, generate_key_pair
from jalon_shared.http import install_common
from jalon_shared.http_auth import CurrentPrincipal
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER


@pytest.fixture(scope="module")
def pair() -> tuple[str, str]:
    return generate_key_pair()


def verifier(public: str, audience: str = TOKEN_AUDIENCE) -> TokenVerifier:
    return TokenVerifier(public, issuer="jalon-web", audience=audience, leeway_seconds=0)


def test_a_minted_token_verifies_to_its_principal(pair: tuple[str, str]) -> None:
    private, public = pair
    token = TokenIssuer(private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "c-1", Role.COUNSELLOR, region="bretagne", site="rennes"
    )
    principal = verifier(public).verify(token)
    assert principal.sub == "c-1"
    assert principal.role is Role.COUNSELLOR
    assert (principal.region, principal.site) == ("bretagne", "rennes")


def test_expired_foreign_and_misaddressed_tokens_are_refused(pair: tuple[str, str]) -> None:
    private, public = pair
    issuer = TokenIssuer(private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE)
    expired = issuer.mint("b-1", Role.BENEFICIARY, ttl=timedelta(seconds=-5))
    with pytest.raises(AuthError, match="Expired"):
        verifier(public).verify(expired)
    other_private, _ = generate_key_pair()
    forged = TokenIssuer(other_private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "m-1", Role.MANAGER
    )
    with pytest.raises(AuthError, match="Signature"):
        verifier(public).verify(forged)
    with pytest.raises(AuthError, match="Audience"):
        verifier(public, audience="elsewhere").verify(issuer.mint("b-1", Role.BENEFICIARY))
    with pytest.raises(AuthError):
        verifier(public).verify("not.a.token")


class Note(BaseModel):
    """A body for the probe route."""

    text: str = Field(max_length=10)


def guarded_app(public_pem: str) -> FastAPI:
    """Return an app with the API guards and one route reading a body and the caller."""
    app = FastAPI()
    app.state.token_verifier = verifier(public_pem)
    install_common(app, json_api=True)

    @app.post("/notes")
    async def post_note(note: Note, principal: CurrentPrincipal) -> dict[str, str]:
        return {"text": note.text, "by": principal.sub}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def call(
    app: FastAPI, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, Any], int]:
    """Call the app as a server would; return the status, the JSON body and body reads."""
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": body, "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(content), reads


async def test_a_missing_or_bad_token_is_refused_before_the_body_is_read(
    pair: tuple[str, str],
) -> None:
    private, public = pair
    app = guarded_app(public)
    garbage = b"{not json at all" * 1000
    expired = TokenIssuer(private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "b-1", Role.BENEFICIARY, ttl=timedelta(seconds=-60)
    )
    for headers, detail in (
        ({"content-type": "application/json"}, "missing bearer token"),
        ({"content-type": "text/plain"}, "missing bearer token"),
        ({"authorization": "Basic dXNlcjpwdw=="}, "missing bearer token"),
        ({"authorization": "Bearer not.a.token"}, "invalid or expired token"),
        ({"authorization": f"Bearer {expired}"}, "invalid or expired token"),
    ):
        status, body, reads = await call(app, "POST", "/notes", headers, garbage)
        assert (status, body, reads) == (401, {"detail": detail}, 0)


async def test_an_admitted_caller_reaches_the_route_and_probes_stay_open(
    pair: tuple[str, str],
) -> None:
    private, public = pair
    app = guarded_app(public)
    token = TokenIssuer(private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "c-1", Role.COUNSELLOR
    )
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    status, body, reads = await call(app, "POST", "/notes", headers, b'{"text": "hi"}')
    assert (status, body) == (200, {"text": "hi", "by": "c-1"})
    assert reads >= 1
    assert (await call(app, "GET", "/healthz", {}, b""))[:2] == (200, {"status": "ok"})
    assert (await call(app, "GET", "/openapi.json", {}, b""))[0] == 200
    unknown = await call(app, "GET", "/nowhere", {}, b"")
    assert unknown[:2] == (401, {"detail": "missing bearer token"})


async def test_a_body_that_is_not_json_is_refused_with_415_after_the_token(
    pair: tuple[str, str],
) -> None:
    private, public = pair
    app = guarded_app(public)
    token = TokenIssuer(private, issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE).mint(
        "c-1", Role.COUNSELLOR
    )
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        headers = {
            "authorization": f"Bearer {token}",
            "content-type": content_type,
            "content-length": "4",
        }
        status, body, reads = await call(app, "POST", "/notes", headers, b"text")
        assert (status, body, reads) == (415, {"detail": "the body must be application/json"}, 0)
    vendor = {
        "authorization": f"Bearer {token}",
        "content-type": "application/merge-patch+json; charset=utf-8",
        "content-length": "14",
    }
    assert (await call(app, "POST", "/notes", vendor, b'{"text": "ok"}'))[0] == 200
