"""Use case: a regional manager closes a site for a period; its meetings are proposed remote."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from jalon_shared.events.vocabulary import Modality
from web.application.appointment_drafts import PLACE_PATTERN, InvalidDraftError, local_datetime
from web.application.appointment_views import REMOTE_MODALITIES, Closure
from web.application.errors import ApiError, FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session

FIELDS = ("site", "starts_at", "ends_at", "to_modality")


@dataclass(frozen=True, slots=True)
class ClosureDraft:
    """The closure form as typed; times are local date-times ("2026-12-03T08:00")."""

    site: str = ""
    starts_at: str = ""
    ends_at: str = ""
    to_modality: str = Modality.VIDEO.value

    def read(
        self, sites: Collection[str] | None, now: datetime
    ) -> tuple[str, datetime, datetime, Modality]:
        """Return the closure to ask for, or raise InvalidDraftError naming each wrong field."""
        errors: list[FieldError] = []
        if not PLACE_PATTERN.match(self.site) or (sites is not None and self.site not in sites):
            errors.append(FieldError("site", "missing" if not self.site else "enum"))
        starts_at, ends_at = local_datetime(self.starts_at), local_datetime(self.ends_at)
        if starts_at is None:
            errors.append(FieldError("starts_at", "invalid_datetime"))
        if ends_at is None:
            errors.append(FieldError("ends_at", "invalid_datetime"))
        elif starts_at is not None and ends_at <= starts_at:
            errors.append(FieldError("ends_at", "ends_before_start"))
        elif ends_at <= now:
            errors.append(FieldError("ends_at", "in_the_past"))
        try:
            modality: Modality | None = Modality(self.to_modality)
        except ValueError:
            modality = None
        if modality not in REMOTE_MODALITIES:
            errors.append(FieldError("to_modality", "enum"))
        if errors or starts_at is None or ends_at is None or modality is None:
            raise InvalidDraftError(errors)
        return self.site, starts_at, ends_at, modality


async def close_site(
    session: Session,
    draft: ClosureDraft,
    *,
    sites: Collection[str] | None,
    appointments: AppointmentApi,
    now: datetime,
) -> Closure:
    """Ask for the closure; raises InvalidDraftError naming the form's fields, or ApiError."""
    site, starts_at, ends_at, modality = draft.read(sites, now)
    try:
        return await appointments.close_site(
            session.token, site=site, starts_at=starts_at, ends_at=ends_at, to_modality=modality
        )
    except ApiError as exc:
        if exc.status != 422 or not exc.errors:
            raise
        raise InvalidDraftError(
            FieldError(e.field if e.field in FIELDS else "site", e.type) for e in exc.errors
        ) from exc
