"""Who may reach what: the caller's identity and the access rules, free of any web framework."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """Who a caller is."""

    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"
    MANAGER = "manager"
    SERVICE = "service"


STAFF_ROLES = frozenset({Role.COUNSELLOR, Role.MANAGER})


class Principal(BaseModel):
    """The verified caller of a request."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sub: str
    role: Role
    region: str | None = None
    site: str | None = None
    #: The token's own id, so a signed-out session can be revoked until it expires.
    jti: str | None = None

    @property
    def is_staff(self) -> bool:
        """Return whether the caller is a counsellor or a manager."""
        return self.role in STAFF_ROLES

    def beneficiary_id(self) -> UUID | None:
        """Return the beneficiary id a beneficiary's token names, or None for anyone else."""
        if self.role is not Role.BENEFICIARY:
            return None
        try:
            return UUID(self.sub)
        except ValueError:
            return None


def may_access_case(
    principal: Principal, *, beneficiary_id: object, counsellor_id: str | None, region: str
) -> bool:
    """Apply the case rule: own case, own caseload, own region, or a service."""
    match principal.role:
        case Role.BENEFICIARY:
            return beneficiary_id is not None and principal.sub == str(beneficiary_id)
        case Role.COUNSELLOR:
            return counsellor_id is not None and principal.sub == counsellor_id
        case Role.MANAGER:
            return principal.region is not None and principal.region == region
        case Role.SERVICE:
            return True
    return False


def may_manage_case(principal: Principal, *, counsellor_id: str | None, region: str) -> bool:
    """Apply the change rule: the case's own counsellor, or a manager of its region."""
    if principal.role not in STAFF_ROLES:
        return False
    return may_access_case(
        principal, beneficiary_id=None, counsellor_id=counsellor_id, region=region
    )


def may_read_region(principal: Principal, region: str) -> bool:
    """Apply the region rule: staff reach only their own region; a service reaches any."""
    if principal.role is Role.SERVICE:
        return True
    return principal.is_staff and principal.region is not None and principal.region == region
