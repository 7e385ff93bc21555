"""The demo data `make run` seeds and prints: one source for staff, places and the demo person."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from jalon_shared.access import Role

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
