"""Choose the counsellor for a new case."""

from __future__ import annotations

from collections.abc import Iterable

from intake.domain.model import Counsellor


def choose_counsellor(
    candidates: Iterable[Counsellor],
    *,
    region: str,
    site: str,
    wanted_skills: Iterable[str] = (),
    wanted_languages: Iterable[str] = (),
) -> Counsellor | None:
    """Pick a counsellor of the region with capacity, the request's site first.

    Among those, the best match on skills and languages wins, then the lightest relative
    load, so cases spread in proportion to capacity.
    """
    skills = set(wanted_skills)
    languages = set(wanted_languages)
    eligible = [c for c in candidates if c.region == region and c.has_capacity()]
    if not eligible:
        return None

    def rank(c: Counsellor) -> tuple[int, int, int, float, int, str]:
        return (
            0 if c.site == site else 1,
            -len(languages.intersection(c.languages)),
            -len(skills.intersection(c.skills)),
            c.open_cases / c.capacity,
            c.open_cases,
            c.counsellor_id,
        )

    return min(eligible, key=rank)
