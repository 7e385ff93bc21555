"""The satisfaction surveys as intake shows them to their beneficiary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from jalon_shared.events.vocabulary import ServiceLevel, SurveyKind
from web.application.views import View


class Survey(View):
    """A survey offered to the signed-in beneficiary: what it asks, whether it is answered."""

    survey_id: UUID
    kind: SurveyKind
    status: Literal["pending", "answered"]
    service_level: ServiceLevel
    offered_at: datetime
    expires_at: datetime

    @property
    def answered(self) -> bool:
        """Return whether the survey took its one answer."""
        return self.status == "answered"
