"""Use case: a beneficiary answers a survey, once; the answer leaves as an anonymous fact."""

from __future__ import annotations

from uuid import UUID

from intake.application.errors import NotFoundError
from intake.application.ports import Clock, IntakeTransaction, UnitOfWork
from intake.application.survey_steps import survey_answered
from intake.domain.surveys import Survey, SurveyAnswer, SurveyStatus


async def answer_survey(
    survey_id: UUID,
    answer: SurveyAnswer,
    *,
    beneficiary_id: UUID,
    uow: UnitOfWork,
    clock: Clock,
    producer: str,
) -> Survey:
    """Mark the survey answered (the answer itself is not kept) and publish the answer."""

    async def work(tx: IntakeTransaction) -> Survey:
        survey = await tx.survey(survey_id)
        if survey is None or survey.beneficiary_id != beneficiary_id:
            raise NotFoundError("no such survey")
        if survey.status is SurveyStatus.SCHEDULED:
            raise NotFoundError("no such survey")
        now = clock()
        survey.answer(answer, now)
        await tx.save_survey(survey)
        tx.emit(survey_answered(survey, answer, at=now, producer=producer))
        return survey

    return await uow.run(work)
