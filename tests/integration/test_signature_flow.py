"""Summaries on the embedded stack: co-writing, the e-mailed code, the seal, the space, shares.

Intake runs for real (cases, names, contacts, the caseload), the code e-mail goes through the
dev mailbox, and the PDF is sealed with a dev PKI made in a temporary directory.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from document_signature.adapters.contacts import HttpPeople
from document_signature.adapters.mailer import SmtpMailer
from document_signature.adapters.mongo import (
    MongoSignatureQueries,
    MongoUnitOfWork,
    SignatureCollections,
)
from document_signature.adapters.verify import PdfVerifier
from document_signature.application.expire_summaries import expire_summaries
from document_signature.entrypoints.main import (
    DocumentSignatureSettings,
    DocumentsSettings,
    SigningSettings,
)
from document_signature.entrypoints.main import build_app as build_document_signature
from jalon_dev.mailbox import DevMailbox, Mail
from jalon_dev.pki import DevPki, ensure_dev_pki
from jalon_dev.stack import EmbeddedKafka, EmbeddedMongo
from jalon_shared.access import Role
from jalon_shared.auth import ServiceTokens
from jalon_shared.events.envelope import EventMeta
from jalon_shared.messaging.outbox import Outbox, OutboxRelay
from jalon_shared.mongo import Client, Database, create_client
from jalon_shared.smtp import SmtpRelay
from tests.integration.conftest import RunningService
from tests.integration.test_intake_caseload import add_counsellor
from tests.support import AUDIENCE, Keys, eventually, intake_payload, register_region, running
from tests.support import service_settings as settings_for

CONTENT: dict[str, Any] = {
    "situation": "Assistante administrative depuis douze ans dans le transport.",
    "wishes": "Évoluer vers un poste d'assistante ressources humaines.",
    "skills": "Organisation, suivi de la paie, relation avec les salariés.",
    "strategy": "Valider les acquis (VAE) puis une formation courte en droit social.",
    "action_plan": [
        {"due_on": "2027-04-01", "action": "Déposer le livret 1 de VAE", "owner": "beneficiary"},
        {"due_on": "2027-05-15", "action": "Point d'étape", "owner": "together"},
    ],
    "resources": [{"kind": "vae", "label": "France VAE"}, {"kind": "cpf", "label": "Mon CPF"}],
}
LEVEL = "accompagnement_personnalise"
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """Return a dev PKI of the module's own."""
    return ensure_dev_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
async def signing(
    kafka: EmbeddedKafka,
    mongo: EmbeddedMongo,
    keys: Keys,
    mongo_client: Client,
    intake: RunningService,
    dev_mailbox: DevMailbox,
    pki: DevPki,
) -> AsyncIterator[RunningService]:
    """Run document signature with the dev PKI, the dev mailbox and the session's intake."""
    plain = settings_for(
        "document_signature-flow", kafka=kafka.bootstrap, mongo_uri=mongo.uri, keys=keys
    )
    settings = DocumentSignatureSettings(
        **plain.model_dump(),
        signing=SigningSettings(
            key_file=pki.org_key, cert_file=pki.org_cert, trust_root_files=[pki.ca_cert]
        ),
        documents=DocumentsSettings(
            smtp_port=dev_mailbox.smtp_port,
            intake_url="http://test",
            code_secret=SecretStr("integration-code-secret-" + "x" * 16),
            sweep_interval_seconds=3600,
        ),
    )
    async with running(build_document_signature(settings, http=intake.http)) as http:
        yield RunningService(http, settings, mongo_client[settings.database_name()])


@dataclass
class Person:
    """A beneficiary with a case opened through intake."""

    beneficiary_id: str
    case_id: str
    email: str
    headers: dict[str, str]


@dataclass
class World:
    """A region, its counsellor, and the services on the embedded stack."""

    signing: RunningService
    intake: RunningService
    keys: Keys
    mailbox: DevMailbox
    region: str
    counsellor: str

    @property
    def http(self) -> httpx.AsyncClient:
        """Return the document signature client."""
        return self.signing.http

    @property
    def db(self) -> Database:
        """Return document signature's database."""
        return self.signing.db

    def as_counsellor(self, counsellor: str | None = None) -> dict[str, str]:
        """Return a counsellor's headers (the case's by default)."""
        return self.keys.headers(
            counsellor or self.counsellor, Role.COUNSELLOR, region=self.region, site="rennes"
        )

    def as_manager(self) -> dict[str, str]:
        """Return the region's manager's headers."""
        return self.keys.headers("m-1", Role.MANAGER, region=self.region)

    async def person(self, first_name: str = "Léa") -> Person:
        """Open a case through intake and wait until document signature copied it."""
        beneficiary_id = str(uuid.uuid4())
        email = f"lea.{uuid.uuid4().hex[:10]}@example.org"
        headers = self.keys.headers(beneficiary_id, Role.BENEFICIARY)
        submitted = await self.intake.http.post(
            "/requests",
            json=intake_payload(
                first_name=first_name, last_name="Petit", email=email, region=self.region
            ),
            headers=headers,
        )
        assert submitted.status_code == 201, submitted.text
        case_id = submitted.json()["case_id"]

        async def copied() -> bool:
            case = await self.db["directory_cases"].find_one({"_id": uuid.UUID(case_id)})
            staff = await self.db["directory_counsellors"].find_one({"_id": self.counsellor})
            return case is not None and case["counsellor_id"] == self.counsellor and bool(staff)

        await eventually(copied)
        return Person(beneficiary_id, case_id, email, headers)

    async def draft(self, person: Person) -> dict[str, Any]:
        """Draft a summary of the person's case."""
        answer = await self.http.post(
            f"/cases/{person.case_id}/summaries",
            json={"level": LEVEL, "content": CONTENT},
            headers=self.as_counsellor(),
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def submitted(self, person: Person) -> str:
        """Draft and submit a summary; return its id."""
        document_id = str((await self.draft(person))["document_id"])
        answer = await self.http.post(
            f"/summaries/{document_id}/submit", headers=self.as_counsellor()
        )
        assert answer.status_code == 200, answer.text
        return document_id

    def mails_to(self, email: str) -> list[Mail]:
        """Return the messages the dev mailbox received for an address, newest first."""
        return [m for m in self.mailbox.inbox.newest_first() if email in m.recipients]

    async def code_for(self, person: Person, document_id: str) -> str:
        """Ask for a signing code and read it from the dev mailbox."""
        before = len(self.mails_to(person.email))
        sent = await self.http.post(
            f"/summaries/{document_id}/signing-code", headers=person.headers
        )
        assert sent.status_code == 202, sent.text
        mails = await eventually(lambda: self._more(person.email, before))
        found = re.search(r"\b(\d{6})\b", mails[0].body)
        assert found is not None
        return found.group(1)

    async def _more(self, email: str, before: int) -> list[Mail]:
        mails = self.mails_to(email)
        return mails if len(mails) > before else []

    async def signed(self, person: Person) -> str:
        """Submit and sign a summary with the e-mailed code; return its id."""
        document_id = await self.submitted(person)
        code = await self.code_for(person, document_id)
        answer = await self.http.post(
            f"/summaries/{document_id}/sign", json={"code": code}, headers=person.headers
        )
        assert answer.status_code == 200, answer.text
        return document_id

    async def upload(
        self, person: Person, content: bytes, name: str = "cv.pdf", title: str = "Mon CV"
    ) -> httpx.Response:
        """Upload a file to the person's space."""
        return await self.http.post(
            "/me/documents",
            files={"file": (name, content, "application/pdf")},
            data={"title": title},
            headers=person.headers,
        )


async def new_world(
    signing: RunningService, intake: RunningService, keys: Keys, mailbox: DevMailbox
) -> World:
    """Return a new region with one counsellor, registered through intake."""
    region = f"s{uuid.uuid4().hex[:8]}"
    await register_region(intake.http, keys, region)
    counsellor = f"c-{region}"
    await add_counsellor(intake, keys, region, counsellor, "rennes", 50)
    return World(signing, intake, keys, mailbox, region, counsellor)


@pytest.fixture(scope="module")
async def world(
    signing: RunningService, intake: RunningService, keys: Keys, dev_mailbox: DevMailbox
) -> World:
    """Return a region with one counsellor, who is given every case opened in it."""
    return await new_world(signing, intake, keys, dev_mailbox)


async def evidence_of(world: World, document_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Return a summary's evidence view."""
    answer = await world.http.get(f"/summaries/{document_id}/evidence", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def caseload_line(world: World, case_id: str) -> dict[str, Any]:
    """Return the case's line of the counsellor's caseload in intake."""
    answer = await world.intake.http.get("/caseload", headers=world.as_counsellor())
    assert answer.status_code == 200, answer.text
    line: dict[str, Any] = next(i for i in answer.json() if i["case_id"] == case_id)
    return line


async def test_a_summary_is_co_written_signed_by_code_sealed_and_delivered(
    world: World, pki: DevPki
) -> None:
    lea = await world.person()
    # The name printed on the PDF comes from intake's identity route, for services only.
    identity = f"/beneficiaries/{lea.beneficiary_id}/identity"
    as_service = world.keys.headers("document_signature", Role.SERVICE)
    named = await world.intake.http.get(identity, headers=as_service)
    assert named.json() == {"first_name": "Léa", "last_name": "Petit"}
    assert (await world.intake.http.get(identity, headers=lea.headers)).status_code == 403
    unknown = f"/beneficiaries/{uuid.uuid4()}/identity"
    assert (await world.intake.http.get(unknown, headers=as_service)).status_code == 404
    drafted = await world.draft(lea)
    document_id = drafted["document_id"]
    assert (drafted["status"], drafted["version"], drafted["level"]) == ("draft", 1, LEVEL)
    assert drafted["content"]["action_plan"][0] == CONTENT["action_plan"][0]
    # The beneficiary reads and comments on the draft; the counsellor revises and submits.
    mine = await world.http.get("/me/summaries", headers=lea.headers)
    assert [s["document_id"] for s in mine.json()] == [document_id]
    commented = await world.http.post(
        f"/summaries/{document_id}/comments",
        json={"text": "Pouvez-vous ajouter le CPF ?"},
        headers=lea.headers,
    )
    assert commented.status_code == 201, commented.text
    assert commented.json()["comments"][0]["author_role"] == "beneficiary"
    revised_content = {**CONTENT, "strategy": CONTENT["strategy"] + " Financement par le CPF."}
    revised = await world.http.put(
        f"/summaries/{document_id}/content",
        json={"level": LEVEL, "content": revised_content},
        headers=world.as_counsellor(),
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    preview = await world.http.get(f"/summaries/{document_id}/pdf", headers=lea.headers)
    assert preview.status_code == 200
    assert preview.content.startswith(b"%PDF")
    assert not PdfVerifier.from_files([pki.ca_cert]).check(preview.content).present
    submitted = await world.http.post(
        f"/summaries/{document_id}/submit", headers=world.as_counsellor()
    )
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["expires_at"] is not None
    rewrite = await world.http.put(
        f"/summaries/{document_id}/content",
        json={"level": LEVEL, "content": CONTENT},
        headers=world.as_counsellor(),
    )
    assert rewrite.status_code == 409
    assert rewrite.json()["errors"][0]["type"] == "not_draft"

    async def pending() -> bool:
        return bool((await caseload_line(world, lea.case_id))["pending_signature"])

    await eventually(pending)
    # The code goes by e-mail: French, the code and its lifetime, nothing of the summary.
    sent = await world.http.post(f"/summaries/{document_id}/signing-code", headers=lea.headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == "l***@example.org"
    assert sent.json()["sends_left"] == 2
    (mail,) = world.mails_to(lea.email)
    assert mail.subject == "Votre code de signature Jalon"
    assert "10 minutes" in mail.body
    assert "VAE" not in mail.body
    assert "assistante" not in mail.body.lower()
    code = re.search(r"\b(\d{6})\b", mail.body)
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    refused = await world.http.post(
        f"/summaries/{document_id}/sign", json={"code": wrong}, headers=lea.headers
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert (error["field"], error["type"]) == ("code", "wrong_code")
    assert "4 attempt" in error["message"]
    signed = await world.http.post(
        f"/summaries/{document_id}/sign", json={"code": code.group(1)}, headers=lea.headers
    )
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signing_method"]) == ("signed", "otp_email")
    # The sealed PDF is in the person's space, downloads, and pyHanko's validator trusts it.
    space = (await world.http.get("/me/documents", headers=lea.headers)).json()
    (delivered,) = [d for d in space if d["document_id"] == document_id]
    assert (delivered["kind"], delivered["media_type"]) == ("summary", "application/pdf")
    assert delivered["title"].startswith("Synthèse de conseil SYN-")
    download = await world.http.get(f"/documents/{document_id}/content", headers=lea.headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert len(download.content) == delivered["size"]
    check = PdfVerifier.from_files([pki.ca_cert]).check(download.content)
    assert (check.present, check.intact, check.valid, check.trusted) == (True, True, True, True)
    assert check.covers_whole_file
    # The counsellor of the case reads the delivered summary too.
    as_counsellor = await world.http.get(
        f"/documents/{document_id}/content", headers=world.as_counsellor()
    )
    assert as_counsellor.content == download.content
    sealed_pdf = await world.http.get(f"/summaries/{document_id}/pdf", headers=lea.headers)
    assert sealed_pdf.content == download.content
    # Anyone can check the file: known to Jalon, its evidence intact; a changed byte is not.
    verified = await world.http.post(
        "/verify", content=download.content, headers={"Content-Type": "application/pdf"}
    )
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["document_known"] is True
    assert body["chain_intact"] is True
    assert body["signature"]["trusted"] is True
    assert body["problems"] == []
    tampered = download.content.replace(b"/Producer", b"/Producex", 1)
    assert tampered != download.content
    changed = (
        await world.http.post(
            "/verify", content=tampered, headers={"Content-Type": "application/pdf"}
        )
    ).json()
    assert changed["document_known"] is False
    assert changed["chain_intact"] is None
    assert changed["problems"]
    not_pdf = await world.http.post(
        "/verify", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert not_pdf.status_code == 415
    # Every step is on the chain, in order, and the chain holds.
    evidence = await evidence_of(world, document_id, lea.headers)
    assert evidence["chain_intact"] is True
    steps = [r["step"] for r in evidence["records"]]
    assert steps == [
        "drafted",
        "commented",
        "revised",
        "submitted",
        "code_sent",
        "code_failed",
        "code_verified",
        "signed",
        "sealed",
        "delivered",
    ]
    sealed = next(r for r in evidence["records"] if r["step"] == "sealed")
    assert sealed["details"]["sha256_after"] == body["sha256"]
    assert sealed["details"]["sha256_before"] != body["sha256"]

    # Intake's caseload shows the summary delivered and no signature pending.
    async def delivered_in_intake() -> dict[str, Any] | None:
        line = await caseload_line(world, lea.case_id)
        return line if line["summary_delivered_at"] and not line["pending_signature"] else None

    await eventually(delivered_in_intake)
    # Signing again changes nothing.
    again = await world.http.post(
        f"/summaries/{document_id}/sign", json={"code": code.group(1)}, headers=lea.headers
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["type"] == "already_signed"
    in_person = await world.http.post(
        f"/summaries/{document_id}/in-person",
        json={"identity_checked": True},
        headers=world.as_counsellor(),
    )
    assert in_person.status_code == 409
    after = await evidence_of(world, document_id, lea.headers)
    assert len(after["records"]) == len(evidence["records"])
    assert await world.db["documents"].count_documents({"_id": uuid.UUID(document_id)}) == 1
    files = await world.db["files.files"].count_documents(
        {"metadata.beneficiary_id": uuid.UUID(lea.beneficiary_id)}
    )
    assert files == 1


async def test_codes_lock_after_five_wrong_guesses_and_three_sends_at_most(world: World) -> None:
    lea = await world.person()
    document_id = await world.submitted(lea)
    code = await world.code_for(lea, document_id)
    wrong = "000000" if code != "000000" else "111111"
    left = []
    for _ in range(5):
        answer = await world.http.post(
            f"/summaries/{document_id}/sign", json={"code": wrong}, headers=lea.headers
        )
        assert answer.status_code == 422
        left.append(answer.json()["errors"][0]["message"])
    assert [m.split(": ")[1].split(" ")[0] for m in left] == ["4", "3", "2", "1", "0"]
    locked = await world.http.post(
        f"/summaries/{document_id}/sign", json={"code": code}, headers=lea.headers
    )
    assert locked.status_code == 409
    assert locked.json()["errors"][0]["type"] == "locked"
    malformed = await world.http.post(
        f"/summaries/{document_id}/sign", json={"code": "12ab56"}, headers=lea.headers
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "code"
    second = await world.code_for(lea, document_id)
    await world.code_for(lea, document_id)
    refused = await world.http.post(f"/summaries/{document_id}/signing-code", headers=lea.headers)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["type"] == "too_many_sends"
    # The code is stored as a salted HMAC, never as itself.
    stored = await world.db["signing_codes"].find_one({"_id": uuid.UUID(document_id)})
    assert stored is not None
    assert second not in json.dumps(stored, default=str)
    assert (stored["sends"], stored["attempts_left"]) == (3, 5)


async def test_in_person_paper_and_decline_close_a_summary_their_own_way(world: World) -> None:
    lea = await world.person()
    in_person = await world.submitted(lea)
    unchecked = await world.http.post(
        f"/summaries/{in_person}/in-person",
        json={"identity_checked": False},
        headers=world.as_counsellor(),
    )
    assert unchecked.status_code == 422
    assert unchecked.json()["errors"][0]["field"] == "identity_checked"
    done = await world.http.post(
        f"/summaries/{in_person}/in-person",
        json={"identity_checked": True},
        headers=world.as_counsellor(),
    )
    assert done.status_code == 200, done.text
    assert done.json()["signing_method"] == "in_person"
    steps = [r["step"] for r in (await evidence_of(world, in_person, lea.headers))["records"]]
    assert steps[-3:] == ["signed_in_person", "sealed", "delivered"]

    paper = await world.submitted(lea)
    exe = await world.http.post(
        f"/summaries/{paper}/paper",
        files={"scan": ("scan.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")},
        headers=world.as_counsellor(),
    )
    assert exe.status_code == 422
    assert (exe.json()["errors"][0]["field"], exe.json()["errors"][0]["type"]) == (
        "scan",
        "unsupported_type",
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
    scanned = await world.http.post(
        f"/summaries/{paper}/paper",
        files={"scan": ("scan.png", png, "image/png")},
        headers=world.as_counsellor(),
    )
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["signing_method"] == "paper_scan"
    records = (await evidence_of(world, paper, world.as_counsellor()))["records"]
    assert [r["step"] for r in records][-3:] == ["paper_attached", "sealed", "delivered"]
    assert records[-3]["details"]["scan_media_type"] == "image/png"

    declined_id = await world.submitted(lea)
    declined = await world.http.post(
        f"/summaries/{declined_id}/decline",
        json={"reason": "Je souhaite en reparler."},
        headers=lea.headers,
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["declined_reason"]) == (
        "declined",
        "Je souhaite en reparler.",
    )
    late_code = await world.http.post(f"/summaries/{declined_id}/signing-code", headers=lea.headers)
    assert late_code.status_code == 409
    space = (await world.http.get("/me/documents", headers=lea.headers)).json()
    assert {d["document_id"] for d in space if d["kind"] == "summary"} == {in_person, paper}


async def test_nobody_else_reaches_a_summary_its_documents_or_its_shares(world: World) -> None:
    # A region of its own: the second counsellor joins it once both cases are held.
    world = await new_world(world.signing, world.intake, world.keys, world.mailbox)
    lea = await world.person()
    other = await world.person("Marc")
    stranger = f"c-{uuid.uuid4().hex[:6]}"
    await add_counsellor(world.intake, world.keys, world.region, stranger, "rennes", 5)
    document_id = await world.signed(lea)
    upload = await world.upload(lea, PDF_BYTES)
    assert upload.status_code == 201, upload.text
    upload_id = upload.json()["document_id"]
    shared = await world.http.post(
        f"/documents/{upload_id}/shares",
        json={"recipient": "Employeur X", "purpose": "Candidature", "days": 7, "consent": True},
        headers=lea.headers,
    )
    assert shared.status_code == 201, shared.text
    share_id = shared.json()["share"]["share_id"]
    outsiders = {
        "another beneficiary": other.headers,
        "another counsellor": world.as_counsellor(stranger),
        "a manager": world.as_manager(),
    }
    for who, headers in outsiders.items():
        for url in (
            f"/summaries/{document_id}",
            f"/summaries/{document_id}/pdf",
            f"/summaries/{document_id}/evidence",
            f"/documents/{document_id}/content",
            f"/documents/{upload_id}/content",
        ):
            answer = await world.http.get(url, headers=headers)
            assert answer.status_code == 404, (who, url, answer.status_code)
        listed = await world.http.get(f"/cases/{lea.case_id}/summaries", headers=headers)
        assert listed.status_code == 404, (who, listed.status_code)
    # Another beneficiary cannot act on Léa's summary, documents or shares either.
    for method, url, body in (
        ("POST", f"/summaries/{document_id}/comments", {"text": "x"}),
        ("POST", f"/summaries/{document_id}/signing-code", None),
        (
            "POST",
            f"/documents/{upload_id}/shares",
            {"recipient": "Moi", "purpose": "x", "days": 1, "consent": True},
        ),
        ("DELETE", f"/documents/{upload_id}", None),
        ("DELETE", f"/shares/{share_id}", None),
    ):
        answer = await world.http.request(method, url, json=body, headers=other.headers)
        assert answer.status_code == 404, (method, url, answer.status_code)
    stranger_comment = await world.http.post(
        f"/summaries/{document_id}/comments",
        json={"text": "x"},
        headers=world.as_counsellor(stranger),
    )
    assert stranger_comment.status_code == 404
    # The counsellor of the case reads the summary but not the person's own uploads.
    own = await world.http.get(f"/summaries/{document_id}", headers=world.as_counsellor())
    assert own.status_code == 200
    upload_by_counsellor = await world.http.get(
        f"/documents/{upload_id}/content", headers=world.as_counsellor()
    )
    assert upload_by_counsellor.status_code == 404
    anonymous = await world.http.get(f"/summaries/{document_id}")
    assert anonymous.status_code == 401


async def test_the_space_takes_real_documents_and_shares_them_until_revoked(
    world: World,
) -> None:
    lea = await world.person()
    renamed = await world.upload(lea, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 500, "cv.pdf")
    assert renamed.status_code == 422, renamed.text
    error = renamed.json()["errors"][0]
    assert (error["field"], error["type"]) == ("file", "unsupported_type")
    oversize = await world.upload(lea, PDF_BYTES + b"\x00" * (10 * 1024 * 1024))
    assert oversize.status_code == 413
    far_too_big = await world.upload(lea, PDF_BYTES + b"\x00" * (12 * 1024 * 1024))
    assert far_too_big.status_code == 413
    as_json = await world.http.post("/me/documents", json={"file": "x"}, headers=lea.headers)
    assert as_json.status_code == 415
    stored = await world.upload(lea, PDF_BYTES, "attestation.pdf", "Attestation de formation")
    assert stored.status_code == 201, stored.text
    document = stored.json()
    assert (document["kind"], document["media_type"], document["size"]) == (
        "upload",
        "application/pdf",
        len(PDF_BYTES),
    )
    refused = await world.http.post(
        f"/documents/{document['document_id']}/shares",
        json={"recipient": "Employeur X", "purpose": "Candidature", "days": 7, "consent": False},
        headers=lea.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "consent"
    too_long = await world.http.post(
        f"/documents/{document['document_id']}/shares",
        json={"recipient": "Employeur X", "purpose": "Candidature", "days": 31, "consent": True},
        headers=lea.headers,
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "days"
    created = await world.http.post(
        f"/documents/{document['document_id']}/shares",
        json={"recipient": "Employeur X", "purpose": "Candidature", "days": 7, "consent": True},
        headers=lea.headers,
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    share_id = created.json()["share"]["share_id"]
    stored_share = await world.db["shares"].find_one({"_id": uuid.UUID(share_id)})
    assert stored_share is not None
    assert token not in json.dumps(stored_share, default=str)
    # The recipient opens the link without signing in; the opening is logged.
    opened = await world.http.get(
        f"/shared/{token}",
        headers={"X-Jalon-Client-Address": "203.0.113.9", "User-Agent": "Recruteur"},
    )
    assert opened.status_code == 200, opened.text
    assert opened.content == PDF_BYTES
    assert "attachment" in opened.headers["content-disposition"]
    assert (await world.http.get("/shared/not-a-token")).status_code == 404
    space = (await world.http.get("/me/documents", headers=lea.headers)).json()
    (listed,) = [d for d in space if d["document_id"] == document["document_id"]]
    (access,) = listed["shares"][0]["accesses"]
    assert (access["ip"], access["user_agent"]) == ("203.0.113.9", "Recruteur")
    revoked = await world.http.delete(f"/shares/{share_id}", headers=lea.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert (await world.http.get(f"/shared/{token}")).status_code == 404
    steps = [
        d["step"]
        async for d in world.db["evidence"]
        .find({"document_id": uuid.UUID(document["document_id"])})
        .sort("seq", 1)
    ]
    assert steps == ["shared", "share_opened", "share_revoked"]
    # Deleting the document removes its listing, shares, evidence and GridFS chunks.
    listing = await world.db["documents"].find_one({"_id": uuid.UUID(document["document_id"])})
    assert listing is not None
    file_id = listing["file_id"]
    assert await world.db["files.chunks"].count_documents({"files_id": file_id}) >= 1
    deleted = await world.http.delete(f"/documents/{document['document_id']}", headers=lea.headers)
    assert deleted.status_code == 204
    assert await world.db["files.chunks"].count_documents({"files_id": file_id}) == 0
    assert await world.db["files.files"].count_documents({"_id": file_id}) == 0
    assert await world.db["shares"].count_documents({"_id": uuid.UUID(share_id)}) == 0
    gone = await world.http.get(
        f"/documents/{document['document_id']}/content", headers=lea.headers
    )
    assert gone.status_code == 404


async def test_an_erasure_removes_every_record_and_file_of_the_person(world: World) -> None:
    lea = await world.person()
    signed_id = await world.signed(lea)
    draft = await world.draft(lea)
    uploaded = await world.upload(lea, PDF_BYTES)
    assert uploaded.status_code == 201
    shared = await world.http.post(
        f"/documents/{signed_id}/shares",
        json={"recipient": "Pôle emploi", "purpose": "Dossier", "days": 3, "consent": True},
        headers=lea.headers,
    )
    assert shared.status_code == 201
    person = uuid.UUID(lea.beneficiary_id)
    ids = {person, uuid.UUID(signed_id), uuid.UUID(draft["document_id"])}
    file_ids = [
        d["_id"] async for d in world.db["files.files"].find({"metadata.beneficiary_id": person})
    ]
    assert len(file_ids) == 2
    erased = await world.intake.http.delete("/me", headers=lea.headers)
    assert erased.status_code == 200, erased.text

    async def nothing_left() -> list[str]:
        found = await holding(world.db, {str(i) for i in ids})
        chunks = await world.db["files.chunks"].count_documents({"files_id": {"$in": file_ids}})
        return [] if found or chunks else ["clean"]

    await eventually(nothing_left, timeout=30)
    assert await holding(world.db, {lea.email, "Pôle emploi"}) == []


async def holding(db: Database, needles: set[str]) -> list[str]:
    """Return 'collection: needle' for every document of the database holding a needle."""
    found: list[str] = []
    for collection in await db.list_collection_names():
        # The outbox keeps published events (ids only) for its documented retention.
        if collection in ("outbox", "processed_events"):
            continue
        async for document in db[collection].find({}):
            text = json.dumps(document, default=str).lower()
            found.extend(f"{collection}: {n}" for n in needles if n.lower() in text)
    return found


class _NoRelay(OutboxRelay):
    """A relay that is never started: the service's own relay publishes what is staged."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__(outbox.collection, publisher=None)  # type: ignore[arg-type]


async def test_a_summary_left_unsigned_is_reminded_once_then_expires(
    world: World, keys: Keys
) -> None:
    lea = await world.person()
    document_id = await world.submitted(lea)
    settings = world.signing.settings
    client = create_client(settings.mongo)
    try:
        database = client[settings.database_name()]
        collections = SignatureCollections(database)
        outbox = Outbox(database)
        uow = MongoUnitOfWork(client, collections, outbox, _NoRelay(outbox))
        queries = MongoSignatureQueries(collections)
        tokens = ServiceTokens(
            keys.service_private_pem, service=settings.service_name, audience=AUDIENCE
        )
        people = HttpPeople(world.intake.http, "http://test", tokens)
        mailer = SmtpMailer(
            SmtpRelay("127.0.0.1", world.mailbox.smtp_port, "Jalon <signature@jalon.example>"),
            space_url="http://web.test/beneficiary",
        )
        summary = await queries.summary(uuid.UUID(document_id))
        assert summary is not None
        assert summary.expires_at is not None
        meta = EventMeta(correlation_id="sweep-test", producer="document_signature")

        async def sweep(at: datetime) -> None:
            await expire_summaries(uow, queries, people, mailer, now=at, meta=meta)

        await sweep(summary.expires_at - timedelta(days=4))
        assert world.mails_to(lea.email) == []
        await sweep(summary.expires_at - timedelta(days=2))
        await sweep(summary.expires_at - timedelta(days=1))
        (reminder,) = world.mails_to(lea.email)
        assert reminder.subject == "Votre synthèse de conseil attend votre signature"
        assert summary.reference in reminder.body
        assert "http://web.test/beneficiary" in reminder.body
        assert "VAE" not in reminder.body
        await sweep(summary.expires_at)
    finally:
        await client.close()
    shown = await world.http.get(f"/summaries/{document_id}", headers=lea.headers)
    assert shown.json()["status"] == "expired"
    late = await world.http.post(f"/summaries/{document_id}/signing-code", headers=lea.headers)
    assert late.status_code == 409
    assert late.json()["errors"][0]["type"] == "expired"
    steps = [r["step"] for r in (await evidence_of(world, document_id, lea.headers))["records"]]
    assert steps[-1] == "expired"

    async def settled_in_intake() -> bool:
        return not (await caseload_line(world, lea.case_id))["pending_signature"]

    await eventually(settled_in_intake)
