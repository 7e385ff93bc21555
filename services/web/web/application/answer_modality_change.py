"""Use case: answer a proposed remote modality (the beneficiary, or their counsellor by phone)."""

from __future__ import annotations

from uuid import UUID

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import ConsentAnswer, Modality
from web.application.appointment_drafts import InvalidDraftError
from web.application.appointment_views import REMOTE_MODALITIES
from web.application.errors import FieldError
from web.application.ports import AppointmentApi
from web.domain.sessions import Session

#: What each persona may answer: the beneficiary for themselves, staff an answer given by phone.
ANSWERS: dict[Role, tuple[ConsentAnswer, ...]] = {
    Role.BENEFICIARY: (
        ConsentAnswer.ACCEPTED,
        ConsentAnswer.REFUSED_KEPT,
        ConsentAnswer.REFUSED_CANCELLED,
    ),
    Role.COUNSELLOR: (ConsentAnswer.ACCEPTED_BY_PHONE, ConsentAnswer.REFUSED_KEPT),
}
ACCEPTING = (ConsentAnswer.ACCEPTED, ConsentAnswer.ACCEPTED_BY_PHONE)


def read_choice(choice: str) -> tuple[ConsentAnswer, Modality | None]:
    """Read a consent button's value: "accepted:video", "refused_kept"...; raises ValueError."""
    answer_text, _, modality_text = choice.partition(":")
    answer = ConsentAnswer(answer_text)
    modality = Modality(modality_text) if modality_text else None
    if modality is not None and (answer not in ACCEPTING or modality not in REMOTE_MODALITIES):
        raise ValueError("only an acceptance chooses phone or video")
    return answer, modality


async def answer_modality_change(
    session: Session, appointment_id: UUID, choice: str, *, appointments: AppointmentApi
) -> ConsentAnswer:
    """Send the answer; raises InvalidDraftError for one this persona may not give, or ApiError."""
    try:
        answer, modality = read_choice(choice)
    except ValueError:
        raise InvalidDraftError([FieldError("answer", "enum")]) from None
    if answer not in ANSWERS.get(session.principal.role, ()):
        raise InvalidDraftError([FieldError("answer", "enum")])
    await appointments.consent(session.token, appointment_id, answer, modality)
    return answer
