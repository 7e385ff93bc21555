"""The operator's command: rebuild reporting's read model and follow it until it is done."""

from __future__ import annotations

import argparse
import sys
import time

import httpx

from jalon_shared.auth import ServiceTokens
from jalon_shared.settings import ServiceSettings, dev_url


def rebuild(
    base_url: str,
    tokens: ServiceTokens,
    *,
    poll: float = 1.0,
    timeout: float = 3600,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Ask reporting to rebuild, print progress, return a process exit code."""
    with httpx.Client(base_url=base_url, timeout=30, transport=transport) as http:

        def headers() -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens.token()}"}

        started = http.post("/admin/read-model/rebuild", headers=headers())
        if started.status_code == 409:
            print("a rebuild is already running", file=sys.stderr)
            return 1
        started.raise_for_status()
        generation = started.json()["building"]
        print(f"rebuilding into generation {generation}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = http.get("/admin/read-model", headers=headers()).json()
            rebuild = state.get("rebuild") or {}
            print(
                f"  {rebuild.get('source', '-'):<20} read {rebuild.get('read', 0):>9}"
                f"  folded {rebuild.get('applied', 0):>9}",
                flush=True,
            )
            if rebuild.get("status") == "done" and state["active"] == generation:
                print(f"done in {rebuild.get('seconds')} s; generation {generation} is read")
                return 0
            if rebuild.get("status") == "failed":
                print(f"failed: {rebuild.get('error')}", file=sys.stderr)
                return 1
            time.sleep(poll)
    print("timed out", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the rebuild."""
    parser = argparse.ArgumentParser(prog="python -m reporting rebuild", description=__doc__)
    parser.add_argument("--url", default=dev_url("reporting"), help="reporting's base URL")
    args = parser.parse_args(argv)
    settings = ServiceSettings(service_name="reporting-rebuild")
    tokens = ServiceTokens(
        settings.auth.service_private_key(), service="operator", audience=settings.auth.audience
    )
    return rebuild(args.url, tokens)
