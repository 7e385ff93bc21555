"""The demo data `make run` seeds and prints: one source for staff, places and the demo person."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from uuid import UUID

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import (
    CONSENT_TEXT_VERSION,
    AccessibilityNeed,
    ContactChannel,
    Csp,
    EmploymentSituation,
    Modality,
    NeedTopic,
    ServiceLevel,
)

DEMO_PASSWORD = "jalon-demo"  # noqa: S105 - a published demo credential, dev only


@dataclass(frozen=True, slots=True)
class DemoStaff:
    """A demo staff account, and for counsellors their place in the staff directory."""

    account_id: str
    display_name: str
    role: Role
    region: str
    site: str | None = None
    capacity: int = 0
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def directory_entry(self) -> dict[str, object]:
        """Return the body intake takes to register this counsellor (PUT /counsellors/{id})."""
        return {
            "display_name": self.display_name,
            "region": self.region,
            "site": self.site,
            "capacity": self.capacity,
            "skills": list(self.skills),
            "languages": list(self.languages),
            "active": True,
        }


def region_body(label: str, sites: tuple[tuple[str, str], ...]) -> dict[str, object]:
    """Return the body intake takes to register a region and its sites (code, label)."""
    return {
        "label": label,
        "sites": [{"code": code, "label": name, "active": True} for code, name in sites],
    }


DEMO_STAFF = (
    DemoStaff(
        "c-camille-bernard",
        "Camille Bernard",
        Role.COUNSELLOR,
        "bretagne",
        "rennes",
        30,
        ("reconversion", "vae"),
        ("fr", "en"),
    ),
    DemoStaff(
        "c-louise-martin",
        "Louise Martin",
        Role.COUNSELLOR,
        "bretagne",
        "rennes",
        25,
        ("training_cpf",),
        ("fr", "br"),
    ),
    DemoStaff(
        "c-yann-le-goff",
        "Yann Le Goff",
        Role.COUNSELLOR,
        "bretagne",
        "brest",
        20,
        ("job_search",),
        ("fr",),
    ),
    DemoStaff(
        "c-hugo-leroy",
        "Hugo Leroy",
        Role.COUNSELLOR,
        "normandie",
        "caen",
        30,
        ("transition_project",),
        ("fr", "es"),
    ),
    DemoStaff("m-anne-durand", "Anne Durand", Role.MANAGER, "bretagne"),
    DemoStaff("m-paul-morel", "Paul Morel", Role.MANAGER, "normandie"),
)

#: Regions and their sites (code, French label): intake's reference data in dev.
DEMO_REGIONS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("bretagne", "Bretagne"): (("rennes", "Rennes"), ("brest", "Brest"), ("vannes", "Vannes")),
    ("normandie", "Normandie"): (("caen", "Caen"), ("rouen", "Rouen"), ("le-havre", "Le Havre")),
}

DEMO_BENEFICIARY_ID = UUID("7b0a4a63-8f5c-4a43-9a51-2f4c1b0f1e01")
DEMO_BENEFICIARY_EMAIL = "lea.petit@example.org"


def demo_counsellors() -> tuple[DemoStaff, ...]:
    """Return the demo counsellors."""
    return tuple(s for s in DEMO_STAFF if s.role is Role.COUNSELLOR)


def first_of(role: Role) -> DemoStaff:
    """Return the first demo account of a role, the one `make run` prints."""
    return next(s for s in DEMO_STAFF if s.role is role)


_FIRST_NAMES = (
    "Inès", "Thomas", "Chloé", "Mehdi", "Manon", "Lucas", "Awa", "Gaël", "Sarah", "Kevin",
    "Nolwenn", "Julien", "Fatou", "Erwan", "Camille", "Yasmine", "Maël", "Élodie",
)  # fmt: skip
_LAST_NAMES = (
    "Moreau", "Le Bihan", "Garnier", "Benali", "Fontaine", "Kerjean", "Diallo", "Lemoine",
    "Roussel", "Tanguy", "Mercier", "Nguyen", "Guillou", "Perrin", "Baron", "Cariou",
)  # fmt: skip
_NEEDS = (
    "Je suis aide-soignante et je voudrais évoluer vers un poste d'infirmière.",
    "Mon entreprise ferme ; je cherche une formation pour changer de métier.",
    "Je veux faire valider mes acquis de l'expérience en comptabilité.",
    "Je souhaite monter un projet de transition professionnelle vers l'artisanat.",
    "Je reprends le travail après un congé parental et je veux faire le point.",
    "Je veux utiliser mon CPF pour une formation en développement web.",
)


def ascii_only(text: str) -> str:
    """Return the text without its accents, for demo email addresses."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def demo_phone_intakes(count: int = 36) -> list[dict[str, object]]:
    """Return varied CEP requests as counsellors enter them after a phone call (region, body)."""
    places = [(region, site) for (region, _), sites in DEMO_REGIONS.items() for site, _ in sites]
    csps, situations = list(Csp), list(EmploymentSituation)
    topics, modalities = list(NeedTopic), list(Modality)
    bodies: list[dict[str, object]] = []
    for i in range(count):
        region, site = places[i % len(places)]
        first, last = _FIRST_NAMES[i % len(_FIRST_NAMES)], _LAST_NAMES[(i * 7) % len(_LAST_NAMES)]
        email_name = f"{first}.{last}".lower().replace(" ", "-")
        bodies.append(
            {
                "first_name": first,
                "last_name": last,
                "email": f"{ascii_only(email_name)}.{i}@example.org",
                "phone": f"06 {20 + i:02d} {(i * 37) % 100:02d} {(i * 53) % 100:02d} 4{i % 10}",
                "preferred_channel": list(ContactChannel)[i % 3].value,
                "employment_situation": situations[i % len(situations)].value,
                "csp": csps[(i * 3) % len(csps)].value,
                "region": region,
                "site": site,
                "need": _NEEDS[i % len(_NEEDS)],
                "topics": [topics[i % len(topics)].value, topics[(i + 2) % len(topics)].value],
                "modalities": [modalities[i % len(modalities)].value, Modality.PHONE.value],
                "availability": ("le matin", "après 17 h", "le mercredi", "en semaine")[i % 4],
                "accessibility": [AccessibilityNeed.LOW_DIGITAL_SKILLS.value] if i % 6 == 0 else [],
                "languages": ["fr"] if i % 5 else ["fr", "ar"],
                "service_level": list(ServiceLevel)[i % 3 == 0].value,
                "consent": {"accepted": True, "text_version": CONSENT_TEXT_VERSION},
            }
        )
    return bodies
