"""Use case: honour intake.beneficiary_erased by deleting everything held about the person."""

from __future__ import annotations

import structlog

from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import BeneficiaryErased
from remote_session.application.ports import Eraser

log = structlog.get_logger(__name__)


async def erase_beneficiary(eraser: Eraser, event: Event, session: object) -> bool:
    """Delete the person's threads, messages, tasks, files and calls, and unlink their rooms."""
    if not isinstance(event, BeneficiaryErased):
        return False
    removed = await eraser.erase(event.beneficiary_id, event.case_ids, session)
    log.info("beneficiary erased from remote session", records_removed=removed)
    return True
