"""Topic names, one per aggregate, with a version suffix, and their partition counts."""

from __future__ import annotations

INTAKE_REQUEST = "intake.request.v1"
INTAKE_CASE = "intake.case.v1"
INTAKE_BENEFICIARY = "intake.beneficiary.v1"
INTAKE_STAFF = "intake.staff.v1"
INTAKE_SURVEY = "intake.survey.v1"
APPOINTMENT = "appointment.booking.v1"
SESSION = "session.room.v1"
DOCUMENT = "document.summary.v1"
REPORTING = "reporting.report.v1"
DEAD_LETTER = "jalon.deadletter.v1"

#: Partition counts are explicit: they bound consumer parallelism per group.
PARTITIONS: dict[str, int] = {
    INTAKE_REQUEST: 6,
    INTAKE_CASE: 6,
    INTAKE_BENEFICIARY: 3,
    INTAKE_STAFF: 1,
    INTAKE_SURVEY: 3,
    APPOINTMENT: 6,
    SESSION: 6,
    DOCUMENT: 3,
    REPORTING: 1,
    DEAD_LETTER: 1,
}
