"""Use case: anyone signed in takes a ticket for the pre-call check of their camera and network."""

from __future__ import annotations

from datetime import datetime

from jalon_shared.access import Principal
from remote_session.application.errors import ForbiddenError
from remote_session.application.room_access import PEOPLE
from remote_session.application.room_ports import IssuedTicket, Tickets


def issue_check_ticket(tickets: Tickets, principal: Principal, *, now: datetime) -> IssuedTicket:
    """Return a check ticket for a person (a service has no camera to check)."""
    if principal.role not in PEOPLE:
        raise ForbiddenError("only a person checks their equipment")
    return tickets.check(principal.sub, now)
