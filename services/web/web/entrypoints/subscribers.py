"""Events the web front acts on: an erased beneficiary loses their sign-in account."""

from __future__ import annotations

import structlog

from jalon_shared.events import topics
from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import BeneficiaryErased
from jalon_shared.mongo import Database, Session
from jalon_shared.runtime import Infrastructure
from web.adapters.mongo import MongoAccountStore, MongoRevocations
from web.application.forget_beneficiary import forget_beneficiary
from web.application.ports import Clock

log = structlog.get_logger(__name__)

ERASURE_CONSUMER = "web.beneficiary-erasure"


def subscribe_erasures(infra: Infrastructure, database: Database, clock: Clock) -> None:
    """Forget the sign-in account of every erased beneficiary, once per event."""

    async def on_beneficiary_event(event: Event, session: Session) -> None:
        if not isinstance(event, BeneficiaryErased):
            return
        # Inside the consumer's transaction, next to its processed-event marker.
        forgotten = await forget_beneficiary(
            event.beneficiary_id,
            accounts=MongoAccountStore(database, session),
            revocations=MongoRevocations(database, session),
            clock=clock,
        )
        log.info("erased beneficiary forgotten", had_account=forgotten)

    infra.consume(ERASURE_CONSUMER, [topics.INTAKE_BENEFICIARY], on_beneficiary_event)
