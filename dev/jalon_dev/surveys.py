"""Léa's end-of-level survey for `make run`: her counsellor moves her case up a level."""

from __future__ import annotations

from datetime import timedelta

import httpx

from jalon_dev.demo import DEMO_BENEFICIARY_ID, demo_counsellors
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import dev_url

#: The level Léa's path moves on to; ending the individualised one offers its survey.
NEXT_LEVEL = "accompagnement_personnalise"


async def seed_survey(issuer: TokenIssuer) -> bool:
    """Requalify Léa's open case, so her space offers a survey; return whether it is done."""
    intake = dev_url("intake")
    lea = issuer.mint(str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY, ttl=timedelta(minutes=5))
    async with httpx.AsyncClient(base_url=intake, timeout=10) as http:
        mine = await http.get("/me/export", headers={"Authorization": f"Bearer {lea}"})
        if mine.status_code != 200:
            return False
        cases = [c for c in mine.json().get("cases", []) if c.get("status") != "closed"]
        if not cases:
            return False
        case = cases[0]
        if case.get("service_level") == NEXT_LEVEL:
            return True
        staff = next(
            (s for s in demo_counsellors() if s.account_id == case.get("counsellor_id")), None
        )
        if staff is None:
            return False
        token = issuer.mint(
            staff.account_id,
            Role.COUNSELLOR,
            region=staff.region,
            site=staff.site,
            ttl=timedelta(minutes=5),
        )
        answer = await http.post(
            f"/cases/{case['case_id']}/service-level",
            json={"service_level": NEXT_LEVEL},
            headers={"Authorization": f"Bearer {token}"},
        )
        return answer.status_code == 200
