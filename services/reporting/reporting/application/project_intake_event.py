"""Use case: fold a batch of intake events into the reporting read model."""

from __future__ import annotations

from jalon_shared.events.envelope import Event
from jalon_shared.events.intake import (
    CaseClosed,
    CaseOpened,
    RequestSubmitted,
    ServiceLevelChanged,
)
from reporting.application.ports import ReadModel


async def project_intake_event(event: Event, read_model: ReadModel) -> None:
    """Record the anonymous facts an intake event carries."""
    match event:
        case RequestSubmitted():
            await read_model.record_request(
                event.request_id,
                region=event.region,
                site=event.site,
                csp=event.csp.value,
                service_level=event.service_level.value,
                modalities=[m.value for m in event.modalities],
                duplicate=event.duplicate_of is not None,
                at=event.occurred_at,
            )
        case CaseOpened():
            await read_model.record_case_opened(
                event.case_id,
                region=event.region,
                site=event.site,
                csp=event.csp.value,
                service_level=event.service_level.value,
                assigned=event.counsellor_id is not None,
                at=event.occurred_at,
            )
        case CaseClosed():
            await read_model.record_case_closed(
                event.case_id,
                reason=event.reason.value,
                path_days=event.path_days,
                at=event.occurred_at,
            )
        case ServiceLevelChanged():
            await read_model.record_level_changed(
                event.case_id, service_level=event.service_level.value
            )
        case _:
            return


class IntakeProjection:
    """Folds one batch of intake events into the read model, written once at the end."""

    def __init__(self, read_model: ReadModel) -> None:
        self._read_model = read_model

    async def apply(self, event: Event) -> None:
        """Fold one event in."""
        await project_intake_event(event, self._read_model)

    async def flush(self) -> None:
        """Write the batch."""
        await self._read_model.flush()
