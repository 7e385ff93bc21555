"""Document signature's rules: summary transitions, one-time codes, the evidence chain, files."""

from __future__ import annotations

import io
import itertools
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from document_signature.domain.documents import (
    DOCX,
    JPEG,
    MAX_FILE_BYTES,
    ODT,
    PDF,
    PNG,
    SCAN_MEDIA_TYPES,
    Access,
    DocumentError,
    Share,
    accepted_media_type,
    token_digest,
)
from document_signature.domain.evidence import (
    GENESIS,
    Actor,
    EvidenceRecord,
    EvidenceStep,
    next_record,
    verify_chain,
)
from document_signature.domain.otp import (
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    MAX_SENDS,
    CodeChallenge,
    CodeError,
    check,
    format_code,
    issue,
    mask_email,
)
from document_signature.domain.summary import (
    REMINDER_BEFORE,
    SIGNING_WINDOW,
    AuthorRole,
    PlanItem,
    Resource,
    Summary,
    SummaryContent,
    SummaryError,
)
from jalon_shared.events.vocabulary import (
    ResourceKind,
    ServiceLevel,
    SigningMethod,
    StepOwner,
    SummaryStatus,
)

NOW = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
KEY = b"k" * 32
CONTENT = SummaryContent(
    situation="Employée administrative depuis 12 ans.",
    wishes="Devenir assistante RH.",
    skills="Organisation, paie.",
    strategy="VAE puis formation courte.",
    action_plan=(PlanItem(date(2027, 4, 1), "Déposer le livret 1", StepOwner.BENEFICIARY),),
    resources=(Resource(ResourceKind.VAE, "France VAE"),),
)


def draft() -> Summary:
    return Summary.draft(
        document_id=uuid.UUID("3f2a1c00-0000-4000-8000-000000000001"),
        case_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        counsellor_id="c-1",
        level=ServiceLevel.ACCOMPAGNEMENT_PERSONNALISE,
        content=CONTENT,
        now=NOW,
    )


def reason_of(excinfo: pytest.ExceptionInfo[SummaryError]) -> str:
    return excinfo.value.reason


# Summary transitions


def test_a_draft_is_revised_commented_and_submitted_for_fourteen_days() -> None:
    summary = draft()
    assert (summary.status, summary.version, summary.reference) == (
        SummaryStatus.DRAFT,
        1,
        "SYN-2027-3F2A1C",
    )
    revised = summary.revised(
        ServiceLevel.ACCUEIL_INDIVIDUALISE, replace(CONTENT, wishes="RH"), by="c-1", now=NOW
    )
    assert revised.version == 2
    assert revised.current.level is ServiceLevel.ACCUEIL_INDIVIDUALISE
    assert [v.version for v in revised.versions] == [1, 2]
    commented = revised.commented(
        comment_id=uuid.uuid4(),
        author_role=AuthorRole.BENEFICIARY,
        author_id=str(summary.beneficiary_id),
        text="D'accord",
        now=NOW,
    )
    assert commented.comments[0].version == 2
    sent = commented.submitted(NOW)
    assert sent.status is SummaryStatus.SUBMITTED
    assert sent.expires_at == NOW + SIGNING_WINDOW == NOW + timedelta(days=14)
    # Commenting stays open while it awaits signature; rewriting does not.
    sent.commented(
        comment_id=uuid.uuid4(), author_role=AuthorRole.COUNSELLOR, author_id="c", text="x", now=NOW
    )
    with pytest.raises(SummaryError) as refused:
        sent.revised(ServiceLevel.ACCUEIL_INDIVIDUALISE, CONTENT, by="c-1", now=NOW)
    assert reason_of(refused) == "not_draft"
    with pytest.raises(SummaryError) as again:
        sent.submitted(NOW)
    assert reason_of(again) == "not_draft"


def test_signing_needs_a_submitted_summary_within_its_window() -> None:
    summary = draft()
    with pytest.raises(SummaryError) as not_yet:
        summary.signed(SigningMethod.OTP_EMAIL, "h", NOW)
    assert reason_of(not_yet) == "not_submitted"
    sent = summary.submitted(NOW)
    late = NOW + SIGNING_WINDOW
    with pytest.raises(SummaryError) as expired:
        sent.signed(SigningMethod.OTP_EMAIL, "h", late)
    assert reason_of(expired) == "expired"
    with pytest.raises(SummaryError) as too_late_to_decline:
        sent.declined("non", late)
    assert reason_of(too_late_to_decline) == "expired"
    signed = sent.signed(SigningMethod.IN_PERSON, "abc", late - timedelta(seconds=1))
    assert (signed.status, signed.signing_method, signed.sealed_sha256) == (
        SummaryStatus.SIGNED,
        SigningMethod.IN_PERSON,
        "abc",
    )
    attempts: tuple[Callable[[], Summary], ...] = (
        lambda: signed.signed(SigningMethod.OTP_EMAIL, "x", NOW),
        lambda: signed.declined("non", NOW),
        lambda: signed.commented(
            comment_id=uuid.uuid4(),
            author_role=AuthorRole.BENEFICIARY,
            author_id="b",
            text="x",
            now=NOW,
        ),
    )
    for attempt in attempts:
        with pytest.raises(SummaryError) as done:
            attempt()
        assert reason_of(done) == "already_signed"


def test_a_summary_expires_only_past_its_window_and_is_reminded_three_days_before() -> None:
    sent = draft().submitted(NOW)
    assert sent.expires_at is not None
    with pytest.raises(SummaryError) as early:
        sent.expired(NOW)
    assert reason_of(early) == "not_expired"
    assert not sent.due_for_reminder(sent.expires_at - REMINDER_BEFORE - timedelta(seconds=1))
    assert sent.due_for_reminder(sent.expires_at - REMINDER_BEFORE)
    assert not sent.reminded(NOW).due_for_reminder(sent.expires_at - timedelta(days=1))
    closed = sent.expired(sent.expires_at)
    assert closed.status is SummaryStatus.EXPIRED
    assert not closed.due_for_reminder(sent.expires_at - timedelta(days=1))
    with pytest.raises(SummaryError) as after:
        closed.signed(SigningMethod.OTP_EMAIL, "h", NOW)
    assert reason_of(after) == "expired"
    with pytest.raises(SummaryError) as twice:
        closed.expired(sent.expires_at)
    assert reason_of(twice) == "not_submitted"
    declined = sent.declined("Je ne suis pas d'accord", NOW)
    assert (declined.status, declined.declined_reason) == (
        SummaryStatus.DECLINED,
        "Je ne suis pas d'accord",
    )


def test_the_content_digest_changes_with_any_word() -> None:
    assert CONTENT.digest() == replace(CONTENT).digest()
    assert CONTENT.digest() != replace(CONTENT, skills="Organisation, paie").digest()


# One-time codes


def test_a_code_is_stored_only_as_a_salted_hmac_and_lives_ten_minutes() -> None:
    document, person = uuid.uuid4(), uuid.uuid4()
    code = format_code(42)
    assert code == "000042"
    ids = {"document_id": document, "beneficiary_id": person}
    challenge = issue(None, **ids, code=code, salt=b"s" * 16, key=KEY, now=NOW)
    assert code not in challenge.digest
    assert len(challenge.digest) == 64
    other_salt = issue(None, **ids, code=code, salt=b"t" * 16, key=KEY, now=NOW)
    assert other_salt.digest != challenge.digest
    assert challenge.expires_at == NOW + CODE_LIFETIME
    checked, right = check(challenge, code, key=KEY, now=NOW + CODE_LIFETIME - timedelta(seconds=1))
    assert right
    assert checked.verified_at is not None
    with pytest.raises(CodeError) as late:
        check(challenge, code, key=KEY, now=NOW + CODE_LIFETIME)
    assert late.value.reason == "code_expired"
    with pytest.raises(CodeError) as none:
        check(None, code, key=KEY, now=NOW)
    assert none.value.reason == "no_code"
    # Another key (another deployment's) never accepts the code.
    assert not check(challenge, code, key=b"x" * 32, now=NOW)[1]


def test_five_wrong_codes_lock_it_and_three_sends_is_the_most() -> None:
    document, person = uuid.uuid4(), uuid.uuid4()

    def send(previous: CodeChallenge | None = None, code: str = "123456") -> CodeChallenge:
        return issue(
            previous,
            document_id=document,
            beneficiary_id=person,
            code=code,
            salt=b"s" * 16,
            key=KEY,
            now=NOW,
        )

    challenge = send()
    left = []
    for _ in range(MAX_ATTEMPTS):
        challenge, right = check(challenge, "654321", key=KEY, now=NOW)
        assert not right
        left.append(challenge.attempts_left)
    assert left == [4, 3, 2, 1, 0]
    with pytest.raises(CodeError) as locked:
        check(challenge, "123456", key=KEY, now=NOW)
    assert locked.value.reason == "locked"
    second = send(challenge, "111111")
    assert (second.sends, second.attempts_left, second.sends_left) == (2, MAX_ATTEMPTS, 1)
    third = send(second, "222222")
    assert third.sends == MAX_SENDS == 3
    with pytest.raises(CodeError) as too_many:
        send(third)
    assert too_many.value.reason == "too_many_sends"


def test_an_address_is_masked_but_its_first_letter() -> None:
    assert mask_email("lea.petit@example.org") == "l***@example.org"
    assert mask_email("nobody") == "***"
    with pytest.raises(ValueError, match="out of range"):
        format_code(1_000_000)


# Evidence chain


def chain(length: int = 5) -> list[EvidenceRecord]:
    document, person = uuid.uuid4(), uuid.uuid4()
    steps = [
        EvidenceStep.DRAFTED,
        EvidenceStep.SUBMITTED,
        EvidenceStep.CODE_SENT,
        EvidenceStep.CODE_VERIFIED,
        EvidenceStep.SIGNED,
        EvidenceStep.SEALED,
        EvidenceStep.DELIVERED,
    ]
    records: list[EvidenceRecord] = []
    for n in range(length):
        records.append(
            next_record(
                records[-1] if records else None,
                document_id=document,
                beneficiary_id=person,
                step=steps[n % len(steps)],
                actor=Actor("beneficiary", str(person), "203.0.113.7", "Firefox"),
                at=NOW + timedelta(minutes=n),
                details={"version": "1", "n": str(n)},
            )
        )
    return records


def test_a_chain_links_every_record_to_the_one_before() -> None:
    records = chain()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    # Times are kept to the millisecond, as MongoDB stores them, so a reread record still holds.
    assert records[0].at.microsecond == 123000
    assert verify_chain(records) is None
    assert verify_chain(reversed(records)) is None
    assert verify_chain([]) is None


def test_tampering_with_any_field_or_dropping_a_record_is_caught_at_its_seq() -> None:
    records = chain()
    edited = [*records]
    edited[2] = replace(records[2], details={**records[2].details, "n": "99"})
    assert verify_chain(edited) == 3
    moved = [*records]
    moved[1] = replace(records[1], at=records[1].at + timedelta(seconds=1))
    assert verify_chain(moved) == 2
    # Recomputing the edited record's own hash does not help: the next one points at the old.
    rehashed = [*records]
    forged = replace(records[2], ip="198.51.100.1")
    rehashed[2] = replace(forged, hash=forged.computed_hash())
    assert verify_chain(rehashed) == 4
    assert verify_chain(records[:2] + records[3:]) == 4
    assert verify_chain(records[1:]) == 2


# Files and shares


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


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def test_files_are_taken_by_what_their_content_is() -> None:
    assert accepted_media_type(PDF_BYTES) == PDF
    assert accepted_media_type(PNG_BYTES) == PNG
    assert accepted_media_type(JPEG_BYTES) == JPEG
    assert accepted_media_type(docx()) == DOCX
    assert accepted_media_type(odt()) == ODT
    assert accepted_media_type(PNG_BYTES, SCAN_MEDIA_TYPES, field="scan") == PNG
    with pytest.raises(DocumentError) as not_a_scan:
        accepted_media_type(docx(), SCAN_MEDIA_TYPES, field="scan")
    assert (not_a_scan.value.field, not_a_scan.value.reason) == ("scan", "unsupported_type")


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120,  # a Windows executable renamed .pdf
        b"\x7fELF\x02\x01\x01" + b"\x00" * 120,  # a Linux one
        b"#!/bin/sh\nrm -rf ~\n",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04" + b"\x00" * 60,  # a bare zip is not a document
    ],
)
def test_anything_else_is_refused_whatever_its_name(content: bytes) -> None:
    with pytest.raises(DocumentError) as refused:
        accepted_media_type(content)
    assert (refused.value.field, refused.value.reason) == ("file", "unsupported_type")


def test_empty_and_oversized_files_are_refused() -> None:
    with pytest.raises(DocumentError) as empty:
        accepted_media_type(b"")
    assert empty.value.reason == "empty"
    with pytest.raises(DocumentError) as big:
        accepted_media_type(PDF_BYTES + b"\x00" * MAX_FILE_BYTES)
    assert big.value.reason == "too_large"


def share(days: int = 7, consent: bool = True) -> Share:
    return Share.create(
        share_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        recipient="Employeur X",
        purpose="Candidature",
        days=days,
        consent=consent,
        token="secret-token",
        now=NOW,
    )


def test_a_share_opens_until_it_expires_or_is_revoked() -> None:
    link = share(days=7)
    assert link.token_hash == token_digest("secret-token") != "secret-token"
    assert link.is_open(NOW)
    assert link.is_open(NOW + timedelta(days=7) - timedelta(seconds=1))
    assert not link.is_open(NOW + timedelta(days=7))
    opened = link.opened(Access(NOW, "203.0.113.7", "curl"))
    assert len(opened.accesses) == 1
    revoked = opened.revoked(NOW + timedelta(hours=1))
    assert not revoked.is_open(NOW + timedelta(hours=2))
    assert revoked.revoked(NOW + timedelta(days=1)).revoked_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("days", "consent", "field", "reason"),
    [
        (0, True, "days", "out_of_range"),
        (31, True, "days", "out_of_range"),
        (7, False, "consent", "consent_required"),
    ],
)
def test_a_share_needs_consent_and_one_to_thirty_days(
    days: int, consent: bool, field: str, reason: str
) -> None:
    with pytest.raises(DocumentError) as refused:
        share(days=days, consent=consent)
    assert (refused.value.field, refused.value.reason) == (field, reason)
    assert share(days=1).expires_at == NOW + timedelta(days=1)
    assert share(days=30).expires_at == NOW + timedelta(days=30)
