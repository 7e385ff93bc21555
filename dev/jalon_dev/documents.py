"""Demo summaries for `make run`: signed ones in the personal spaces, and one awaiting Léa."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from jalon_dev.appointments import case_ids, headers
from jalon_dev.demo import DEMO_BENEFICIARY_ID, demo_counsellors
from jalon_shared.access import Role
from jalon_shared.auth import TokenIssuer
from jalon_shared.settings import dev_url

#: Per counsellor: the first case's summary is signed in person, the second awaits a signature.
SIGNED_PER_COUNSELLOR = 1
AWAITING_PER_COUNSELLOR = 1


def demo_summary(level: str) -> dict[str, Any]:
    """Return a plausible summary of a CEP path: situation, wishes, strategy, a dated plan."""
    today = date.today()
    return {
        "level": level,
        "content": {
            "situation": (
                "Préparatrice de commandes depuis huit ans dans un entrepôt près de Rennes, en "
                "horaires décalés. Des douleurs de dos rendent le poste difficile à tenir."
            ),
            "wishes": "Un métier plus sédentaire, en journée, où l'organisation compte.",
            "skills": (
                "Gestion des stocks et des inventaires, rigueur, travail en équipe, "
                "formation des nouveaux arrivants, bases de tableur."
            ),
            "strategy": (
                "Viser un poste d'assistante logistique : valider l'expérience, compléter par "
                "une formation courte en bureautique et en gestion des approvisionnements."
            ),
            "action_plan": [
                {
                    "due_on": (today + timedelta(days=21)).isoformat(),
                    "action": "Mener une enquête métier auprès d'une assistante logistique",
                    "owner": "beneficiary",
                },
                {
                    "due_on": (today + timedelta(days=45)).isoformat(),
                    "action": "Choisir la formation et monter le dossier de financement",
                    "owner": "together",
                },
            ],
            "resources": [
                {"kind": "cpf", "label": "Compte personnel de formation"},
                {"kind": "transitions_pro", "label": "Projet de transition professionnelle"},
            ],
        },
    }


async def write_summary(
    http: httpx.AsyncClient, case_id: str, who: dict[str, str], *, sign_in_person: bool
) -> bool:
    """Draft and submit a summary for the case; sign it in person when asked."""
    base = dev_url("document_signature")
    drafted = await http.post(
        f"{base}/cases/{case_id}/summaries",
        json=demo_summary("accompagnement_personnalise"),
        headers=who,
    )
    if drafted.status_code != 201:
        return False
    document_id = drafted.json()["document_id"]
    submitted = await http.post(f"{base}/summaries/{document_id}/submit", headers=who)
    if submitted.status_code != 200 or not sign_in_person:
        return submitted.status_code == 200
    signed = await http.post(
        f"{base}/summaries/{document_id}/in-person",
        json={"identity_checked": True},
        headers=who,
    )
    return signed.status_code == 200


async def seed_documents(issuer: TokenIssuer) -> int:
    """Write the demo summaries through the service's API; return how many were written."""
    written = 0
    async with httpx.AsyncClient(timeout=30) as http:
        lea = headers(issuer, str(DEMO_BENEFICIARY_ID), Role.BENEFICIARY)
        mine = await http.get(f"{dev_url('intake')}/me/export", headers=lea)
        lea_cases = (
            {str(c["case_id"]) for c in mine.json().get("cases", [])}
            if mine.status_code == 200
            else set()
        )
        for staff in demo_counsellors():
            who = headers(issuer, staff.account_id, Role.COUNSELLOR, staff.region)
            cases = await case_ids(http, staff, issuer)
            # Léa's own case awaits her signature, so her space shows the code ceremony.
            for case_id in cases:
                if case_id in lea_cases:
                    written += await write_summary(http, case_id, who, sign_in_person=False)
            others = [c for c in cases if c not in lea_cases]
            for n, case_id in enumerate(others[: SIGNED_PER_COUNSELLOR + AWAITING_PER_COUNSELLOR]):
                written += await write_summary(
                    http, case_id, who, sign_in_person=n < SIGNED_PER_COUNSELLOR
                )
    return written
