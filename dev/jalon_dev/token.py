"""Dev commands: mint a token with the dev key (until the web front issues them)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import TOKEN_AUDIENCE, TOKEN_ISSUER


def main() -> None:
    """Mint a dev token: python -m jalon_dev.token --role manager --sub m-1 --region x."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--sub", required=True)
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--region")
    parser.add_argument("--site")
    parser.add_argument("--hours", type=float, default=12)
    parser.add_argument("--key", type=Path, default=Path(".data/keys/jwt_private.pem"))
    args = parser.parse_args()
    issuer = TokenIssuer(
        args.key.read_text(encoding="utf-8"), issuer=TOKEN_ISSUER, audience=TOKEN_AUDIENCE
    )
    print(
        issuer.mint(
            args.sub,
            Role(args.role),
            region=args.region,
            site=args.site,
            ttl=timedelta(hours=args.hours),
        )
    )


if __name__ == "__main__":
    main()
