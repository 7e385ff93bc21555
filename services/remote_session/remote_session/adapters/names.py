"""The names a lobby shows: a beneficiary's first name and initial, a staff member's name."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from jalon_shared.mongo import Collection
from remote_session.adapters.contacts import HttpPeople


def short_name(first_name: str, last_name: str) -> str | None:
    """Return "First L.": enough to recognise someone in a lobby, no more."""
    first = first_name.strip()
    last = last_name.strip()
    if not first:
        return None
    return f"{first} {last[0].upper()}." if last else first


class DisplayNames:
    """Reads beneficiaries' names from intake and staff names from the directory copy."""

    def __init__(self, people: HttpPeople, counsellors: Collection) -> None:
        self._people = people
        self._counsellors = counsellors

    async def beneficiary(self, beneficiary_id: UUID) -> str | None:
        """Return "First L.", or None when intake holds nobody under this id."""
        identity = await self._people.identity(beneficiary_id)
        return None if identity is None else short_name(*identity)

    async def staff(self, staff_id: str) -> str | None:
        """Return the directory copy's display name, or None (a manager is not in it)."""
        doc: dict[str, Any] | None = await self._counsellors.find_one(
            {"_id": staff_id}, {"display_name": 1}
        )
        name = None if doc is None else doc.get("display_name")
        return str(name) if name else None
