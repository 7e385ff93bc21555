"""Small cells are suppressed in what managers read."""

from __future__ import annotations

from reporting.domain.activity import RegionCounts, cell, region_activity


def test_cells_between_one_and_four_are_suppressed() -> None:
    assert cell(0).model_dump() == {"value": 0, "suppressed": False}
    for n in range(1, 5):
        assert cell(n).model_dump() == {"value": None, "suppressed": True}
    assert cell(5).model_dump() == {"value": 5, "suppressed": False}


def test_region_activity_suppresses_each_breakdown_cell() -> None:
    activity = region_activity(
        RegionCounts(
            region="bretagne",
            requests=12,
            cases_opened=9,
            cases_closed=2,
            requests_by_site={"rennes": 9, "brest": 3},
            requests_by_csp={"cadre": 12},
            cases_by_level={"accueil_individualise": 9},
        )
    )
    assert activity.requests.value == 12
    assert activity.cases_closed.suppressed
    assert activity.requests_by_site["brest"].suppressed
    assert activity.requests_by_site["rennes"].value == 9
    assert list(activity.requests_by_site) == ["brest", "rennes"]
