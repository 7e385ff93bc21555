"""The remote-session domain rules: messages, read receipts, waiting threads, tasks, files."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest

from remote_session.domain.attachments import (
    DOCX,
    JPEG,
    MAX_FILE_BYTES,
    ODT,
    PDF,
    PNG,
    Attachment,
    AttachmentError,
    accepted_media_type,
)
from remote_session.domain.tasks import Task, TaskError, TaskForbiddenError, TaskKind, TaskStatus
from remote_session.domain.threads import (
    MAX_TEXT_CHARS,
    AuthorRole,
    Message,
    Thread,
    unread_count,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CASE = uuid.uuid4()
BENEFICIARY = uuid.uuid4()
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def attachment() -> Attachment:
    return Attachment(uuid.uuid4(), "cv.pdf", PDF, 10)


def message(role: AuthorRole, at: datetime = NOW, text: str = "Bonjour", files: int = 0) -> Message:
    return Message.write(
        message_id=uuid.uuid4(),
        case_id=CASE,
        beneficiary_id=BENEFICIARY,
        author_role=role,
        author_id="c-1" if role is AuthorRole.COUNSELLOR else str(BENEFICIARY),
        text=text,
        attachments=[attachment() for _ in range(files)],
        now=at,
    )


def thread() -> Thread:
    return Thread(CASE, BENEFICIARY, "c-1", "bretagne", NOW)


def task(due_on: date = date(2027, 3, 15)) -> Task:
    return Task.assign(
        task_id=uuid.uuid4(),
        case_id=CASE,
        beneficiary_id=BENEFICIARY,
        case_counsellor_id="c-1",
        counsellor_id="c-1",
        title="  Lire la fiche métier  ",
        instructions="Chapitres 1 et 2.",
        kind=TaskKind.READING,
        due_on=due_on,
        now=NOW,
    )


def test_a_message_is_trimmed_and_holds_at_most_5000_characters() -> None:
    assert message(AuthorRole.BENEFICIARY, text="  Bonjour  ").text == "Bonjour"
    assert len(message(AuthorRole.BENEFICIARY, text="x" * MAX_TEXT_CHARS).text) == MAX_TEXT_CHARS
    with pytest.raises(AttachmentError) as too_long:
        message(AuthorRole.BENEFICIARY, text="x" * (MAX_TEXT_CHARS + 1))
    assert (too_long.value.field, too_long.value.reason) == ("text", "too_long")


def test_a_message_needs_text_or_a_file_and_takes_three_files_at_most() -> None:
    with pytest.raises(AttachmentError) as empty:
        message(AuthorRole.BENEFICIARY, text="   ")
    assert empty.value.reason == "empty"
    assert message(AuthorRole.BENEFICIARY, text="", files=1).text == ""
    assert len(message(AuthorRole.BENEFICIARY, files=3).attachments) == 3
    with pytest.raises(AttachmentError) as four:
        message(AuthorRole.BENEFICIARY, files=4)
    assert (four.value.field, four.value.reason) == ("files", "too_many")


def test_read_receipts_count_only_the_other_sides_messages_and_keep_the_first_reading() -> None:
    mine = message(AuthorRole.BENEFICIARY)
    theirs = message(AuthorRole.COUNSELLOR)
    assert unread_count([mine, theirs], AuthorRole.BENEFICIARY) == 1
    assert unread_count([mine, theirs], AuthorRole.COUNSELLOR) == 1
    read = theirs.read(NOW + timedelta(hours=1))
    assert read.read_at == NOW + timedelta(hours=1)
    assert read.read(NOW + timedelta(hours=2)).read_at == NOW + timedelta(hours=1)
    assert unread_count([mine, read], AuthorRole.BENEFICIARY) == 0
    assert AuthorRole.BENEFICIARY.other is AuthorRole.COUNSELLOR


def test_a_thread_waits_from_the_first_unanswered_beneficiary_message() -> None:
    first = thread().posted(message(AuthorRole.BENEFICIARY, NOW))
    assert first.unanswered
    assert first.waiting_since == NOW
    second = first.posted(message(AuthorRole.BENEFICIARY, NOW + timedelta(hours=1)))
    assert second.waiting_since == NOW
    assert second.last_message_at == NOW + timedelta(hours=1)
    answered = second.posted(message(AuthorRole.COUNSELLOR, NOW + timedelta(hours=2)))
    assert not answered.unanswered
    assert answered.waiting_since is None
    again = answered.posted(message(AuthorRole.BENEFICIARY, NOW + timedelta(hours=3)))
    assert again.waiting_since == NOW + timedelta(hours=3)


def test_only_the_cases_counsellor_assigns_a_task() -> None:
    assigned = task()
    assert (assigned.title, assigned.status) == ("Lire la fiche métier", TaskStatus.ASSIGNED)
    for other in ("c-2", None):
        with pytest.raises(TaskForbiddenError):
            Task.assign(
                task_id=uuid.uuid4(),
                case_id=CASE,
                beneficiary_id=BENEFICIARY,
                case_counsellor_id=other,
                counsellor_id="c-1",
                title="Lire",
                instructions="",
                kind=TaskKind.OTHER,
                due_on=date(2027, 3, 15),
                now=NOW,
            )
    with pytest.raises(TaskError) as past:
        task(due_on=date(2027, 2, 28))
    assert (past.value.field, past.value.reason) == ("due_on", "in_the_past")


def test_only_the_beneficiary_completes_a_task_and_only_once() -> None:
    assigned = task()
    with pytest.raises(TaskForbiddenError):
        assigned.complete(beneficiary_id=None, note=None, attachments=[], now=NOW)
    with pytest.raises(TaskForbiddenError):
        assigned.complete(beneficiary_id=uuid.uuid4(), note=None, attachments=[], now=NOW)
    done = assigned.complete(
        beneficiary_id=BENEFICIARY, note="  Fait  ", attachments=[attachment()], now=NOW
    )
    assert (done.status, done.completed_at, done.note) == (TaskStatus.DONE, NOW, "Fait")
    assert len(done.attachments) == 1
    with pytest.raises(TaskError) as twice:
        done.complete(beneficiary_id=BENEFICIARY, note=None, attachments=[], now=NOW)
    assert twice.value.reason == "already_done"


def test_attachments_are_taken_by_what_their_content_is() -> None:
    assert accepted_media_type(PDF_BYTES) == PDF
    assert accepted_media_type(PNG_BYTES) == PNG
    assert accepted_media_type(JPEG_BYTES) == JPEG
    assert accepted_media_type(docx()) == DOCX
    assert accepted_media_type(odt()) == ODT


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120, "unsupported_type"),  # an .exe
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 120, "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", "unsupported_type"),
        (b"PK\x03\x04" + b"\x00" * 60, "unsupported_type"),  # a bare zip is not a document
        (b"", "empty"),
        (PDF_BYTES + b"\x00" * MAX_FILE_BYTES, "too_large"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(content: bytes, reason: str) -> None:
    with pytest.raises(AttachmentError) as refused:
        accepted_media_type(content)
    assert (refused.value.field, refused.value.reason) == ("files", reason)
