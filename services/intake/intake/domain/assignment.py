"""Rank the counsellors who could take a new case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from intake.domain.model import Counsellor


def rank_counsellors(
    candidates: Iterable[Counsellor],
    *,
    region: str,
    site: str,
    wanted_skills: Iterable[str] = (),
    wanted_languages: Iterable[str] = (),
    spread_key: str = "",
) -> list[Counsellor]:
    """Return the region's counsellors with capacity, best first: site, then match, then load.

    The best match on skills and languages comes first, then the lightest relative load, so
    cases spread in proportion to capacity. Ties are broken by a hash of the counsellor and
    the spread key (the request), so concurrent requests that saw the same loads spread over
    the tied counsellors instead of all claiming the first one.
    """
    skills = set(wanted_skills)
    languages = set(wanted_languages)
    eligible = [c for c in candidates if c.region == region and c.has_capacity()]

    def rank(c: Counsellor) -> tuple[int, int, int, float, int, bytes]:
        tie = hashlib.blake2b(f"{spread_key}:{c.counsellor_id}".encode(), digest_size=8).digest()
        return (
            0 if c.site == site else 1,
            -len(languages.intersection(c.languages)),
            -len(skills.intersection(c.skills)),
            c.open_cases / c.capacity,
            c.open_cases,
            tie,
        )

    return sorted(eligible, key=rank)


def choose_counsellor(
    candidates: Iterable[Counsellor],
    *,
    region: str,
    site: str,
    wanted_skills: Iterable[str] = (),
    wanted_languages: Iterable[str] = (),
) -> Counsellor | None:
    """Return the best-ranked counsellor with capacity, if any."""
    ranked = rank_counsellors(
        candidates,
        region=region,
        site=site,
        wanted_skills=wanted_skills,
        wanted_languages=wanted_languages,
    )
    return ranked[0] if ranked else None
