"""Token minting and verification."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jalon_shared.access import Role
from jalon_shared.auth import AuthError, TokenIssuer, TokenVerifier, generate_key_pair
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
