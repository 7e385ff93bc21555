"""Who may act on a case, by the local copy of the staff directory."""

from __future__ import annotations

import uuid

import pytest

from jalon_shared.auth import Principal, Role
from jalon_shared.directory import CaseEntry, may_access

CASE = CaseEntry(
    case_id=uuid.uuid4(),
    beneficiary_id=uuid.uuid4(),
    counsellor_id="c-owner",
    region="bretagne",
    site="rennes",
    status="open",
)


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (Principal(sub=str(CASE.beneficiary_id), role=Role.BENEFICIARY), True),
        (Principal(sub=str(uuid.uuid4()), role=Role.BENEFICIARY), False),
        (Principal(sub="c-owner", role=Role.COUNSELLOR, region="bretagne"), True),
        (Principal(sub="c-other", role=Role.COUNSELLOR, region="bretagne"), False),
        (Principal(sub="m-1", role=Role.MANAGER, region="bretagne"), True),
        (Principal(sub="m-2", role=Role.MANAGER, region="normandie"), False),
        (Principal(sub="ops", role=Role.SERVICE), True),
    ],
)
def test_access_rules(principal: Principal, allowed: bool) -> None:
    assert may_access(principal, CASE) is allowed


def test_an_unassigned_case_belongs_to_no_counsellor() -> None:
    waiting = CASE.model_copy(update={"counsellor_id": None})
    assert not may_access(Principal(sub="c-owner", role=Role.COUNSELLOR), waiting)
