"""Use case: a party posts a message, with up to three attachments, to the case's thread.

When the counsellor writes, the beneficiary is told by e-mail that a message waits, after the
commit and at best effort: the message is posted whether or not the mail leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

import structlog

from jalon_shared.access import Principal
from jalon_shared.events.envelope import EventMeta
from remote_session.application.access import reachable_case, side_of
from remote_session.application.errors import InvalidInputError
from remote_session.application.events import message_posted
from remote_session.application.ports import (
    CaseDirectory,
    FileStore,
    Mailer,
    MailError,
    People,
    PeopleUnavailableError,
    SessionTransaction,
    UnitOfWork,
)
from remote_session.application.uploads import Upload, checked, discard, store
from remote_session.domain.attachments import AttachmentError
from remote_session.domain.threads import AuthorRole, Message, Thread

log = structlog.get_logger(__name__)


async def tell_beneficiary(people: People, mailer: Mailer, beneficiary_id: UUID) -> bool:
    """E-mail the beneficiary that a message waits; a failure is logged, never raised."""
    try:
        email = await people.email(beneficiary_id)
        if email is None:
            log.info("new-message e-mail skipped: no address")
            return False
        await mailer.send_new_message(email)
    except (PeopleUnavailableError, MailError) as exc:
        log.warning("new-message e-mail not sent", error_type=type(exc).__name__)
        return False
    return True


async def post_message(
    uow: UnitOfWork,
    directory: CaseDirectory,
    files: FileStore,
    people: People,
    mailer: Mailer,
    principal: Principal,
    case_id: UUID,
    *,
    text: str,
    uploads: Sequence[Upload],
    now: datetime,
    meta: EventMeta,
) -> Message:
    """Store the attachments, then the message and its event in one transaction."""
    case = await reachable_case(directory, principal, case_id)
    author = side_of(principal)
    attachments = checked(uploads)
    try:
        message = Message.write(
            message_id=uuid4(),
            case_id=case.case_id,
            beneficiary_id=case.beneficiary_id,
            author_role=author,
            author_id=principal.sub,
            text=text,
            attachments=[a for a, _ in attachments],
            now=now,
        )
    except AttachmentError as exc:
        raise InvalidInputError(exc.field, exc.reason, str(exc)) from exc
    await store(files, attachments, case_id=case.case_id, beneficiary_id=case.beneficiary_id)

    async def work(tx: SessionTransaction) -> Message:
        thread = await tx.thread(case.case_id) or Thread(
            case_id=case.case_id,
            beneficiary_id=case.beneficiary_id,
            counsellor_id=case.counsellor_id,
            region=case.region,
            created_at=now,
        )
        await tx.add_message(message)
        await tx.save_thread(thread.posted(message))
        tx.publish(message_posted(message, meta))
        return message

    try:
        posted = await uow.run(work)
    except BaseException:
        await discard(files, attachments)
        raise
    log.info(
        "message posted",
        message_id=str(posted.message_id),
        author_role=author.value,
        attachments=len(posted.attachments),
    )
    if author is AuthorRole.COUNSELLOR:
        await tell_beneficiary(people, mailer, case.beneficiary_id)
    return posted
