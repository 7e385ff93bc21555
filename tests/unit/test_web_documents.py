"""The document pages over fakes: drafting, comments, signing, files, shares, verification."""

from __future__ import annotations

import re
from enum import StrEnum
from html import unescape
from typing import Any
from uuid import uuid4

import httpx
import pytest

from jalon_shared.events.vocabulary import ResourceKind, SigningMethod, StepOwner, SummaryStatus
from tests.unit.web_document_fakes import (
    DocumentFront,
    Streamed,
    build_document_front,
    conflict,
    evidence,
    invalid,
    own_document,
    report,
    share_view,
    signed,
    submitted,
    summary,
)
from tests.unit.web_fakes import build_front, case_details, sign_in, sign_in_beneficiary
from web.adapters.documents import HttpDocumentApi, client_headers
from web.adapters.services import ServiceClient
from web.application.document_views import (
    MAX_UPLOAD_BYTES,
    ClientInfo,
    DocumentKind,
    Upload,
)
from web.application.errors import ApiError
from web.entrypoints.security import MAX_BODY_BYTES

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def world() -> DocumentFront:
    return build_document_front()


async def as_counsellor(world: DocumentFront) -> None:
    await sign_in(world.front, "counsellor", "c-camille-bernard")


async def as_beneficiary(world: DocumentFront) -> None:
    await sign_in_beneficiary(world.front, "ines.moreau@example.org")


async def post_files(
    world: DocumentFront,
    path: str,
    files: dict[str, tuple[str, bytes, str]],
    data: dict[str, str] | None = None,
) -> httpx.Response:
    """Post a file form of a signed-in page, token included."""
    form = {**(data or {}), "form_token": world.front.form_token()}
    return await world.front.client.post(path, data=form, files=files)


def texts_of(html: str) -> str:
    """Return what a reader sees, the tags taken out."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


# The counsellor: a case's summaries ------------------------------------------------------------


async def test_the_case_page_lists_its_summaries_and_offers_a_new_one(
    world: DocumentFront,
) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    draft, sent = summary(case_id=str(case.case_id)), submitted(case_id=str(case.case_id))
    world.documents.add(draft, sent, summary())  # the last one is another case's
    await as_counsellor(world)
    page = await world.front.client.get(f"/counsellor/cases/{case.case_id}")
    assert page.status_code == 200
    text = page.text
    assert 'id="summaries-section"' in text
    assert "Documents de synthèse" in text
    assert "Brouillon en cours de rédaction" in text
    assert "En attente de signature" in text
    assert "à signer avant le 7 décembre 2026" in text
    assert f'href="/counsellor/summaries/{draft.document_id}"' in text
    assert (
        f'id="new-summary" href="/counsellor/cases/{case.case_id}/summaries/new"'
        in text.replace('class="button" ', "")
    )
    assert text.count('href="/counsellor/summaries/') == 2


async def test_the_case_page_survives_the_document_service_being_down() -> None:
    for fail in (True, False):
        world = build_document_front() if fail else None
        front = world.front if world else build_front()
        if world:
            world.documents.fail["case_summaries"] = ApiError(503, "down")
        case = case_details()
        front.intake.cases[case.case_id] = case
        await sign_in(front, "counsellor", "c-camille-bernard")
        page = await front.client.get(f"/counsellor/cases/{case.case_id}")
        assert page.status_code == 200
        assert 'id="summaries-unavailable"' in page.text
        assert 'id="new-summary"' not in page.text


async def test_the_new_summary_form_has_every_field_labelled(world: DocumentFront) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    await as_counsellor(world)
    page = await world.front.client.get(f"/counsellor/cases/{case.case_id}/summaries/new")
    assert page.status_code == 200
    text = page.text
    assert f'action="/counsellor/cases/{case.case_id}/summaries"' in text
    for name in ("level", "situation", "wishes", "skills", "strategy"):
        assert f'<label for="{name}">' in text
        assert f'id="{name}" name="{name}"' in text
    for i in range(4):
        for part in ("due_on", "action", "owner"):
            assert f'<label for="plan-{i}-{part}">' in text
            assert f'id="plan-{i}-{part}" name="plan-{i}-{part}"' in text
    assert 'id="plan-4-due_on"' not in text
    for i in range(3):
        for part in ("kind", "label"):
            assert f'id="resource-{i}-{part}" name="resource-{i}-{part}"' in text
    assert 'type="date" id="plan-0-due_on"' in text
    assert "Accompagnement personnalisé" in text
    assert "Transitions Pro" in text
    assert "Un partenaire" in text
    assert 'id="save-summary"' in text
    assert "<bdi>Inès Moreau</bdi>" in text


def summary_form(**changes: str) -> dict[str, str]:
    """Return a filled summary form: row 0 left blank, rows 1 and 3 filled, one resource."""
    form = {
        "level": "accompagnement_personnalise",
        "situation": "Soudeuse depuis 12 ans.",
        "wishes": "Contrôle qualité.",
        "skills": "Lecture de plans.",
        "strategy": "Formation puis VAE.",
        "plan-0-due_on": "",
        "plan-0-action": "",
        "plan-0-owner": "beneficiary",
        "plan-1-due_on": "2026-12-15",
        "plan-1-action": "  Contacter l'AFPA ",
        "plan-1-owner": "beneficiary",
        "plan-2-due_on": "",
        "plan-2-action": "",
        "plan-2-owner": "counsellor",
        "plan-3-due_on": "2027-01-10",
        "plan-3-action": "Monter le dossier CPF",
        "plan-3-owner": "together",
        "resource-0-kind": "cpf",
        "resource-0-label": "",
        "resource-1-kind": "transitions_pro",
        "resource-1-label": "Transitions Pro Bretagne",
        "resource-2-kind": "cpf",
        "resource-2-label": "",
    }
    form.update(changes)
    return form


async def test_drafting_posts_the_rows_typed_and_drops_blank_ones(world: DocumentFront) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    await as_counsellor(world)
    answer = await world.front.post(f"/counsellor/cases/{case.case_id}/summaries", summary_form())
    assert answer.status_code == 303
    ((case_id, body),) = world.documents.called("create_summary")
    assert case_id == case.case_id
    assert body == {
        "level": "accompagnement_personnalise",
        "content": {
            "situation": "Soudeuse depuis 12 ans.",
            "wishes": "Contrôle qualité.",
            "skills": "Lecture de plans.",
            "strategy": "Formation puis VAE.",
            "action_plan": [
                {"due_on": "2026-12-15", "action": "Contacter l'AFPA", "owner": "beneficiary"},
                {"due_on": "2027-01-10", "action": "Monter le dossier CPF", "owner": "together"},
            ],
            "resources": [{"kind": "transitions_pro", "label": "Transitions Pro Bretagne"}],
        },
    }
    location = answer.headers["location"]
    assert re.fullmatch(
        rf"/counsellor/summaries/{UUID_TEXT.pattern}\?done=summary_created", location
    )
    page = await world.front.client.get(location)
    assert "Le document de synthèse est créé" in page.text


async def test_a_row_the_page_can_tell_is_wrong_keeps_everything_typed(
    world: DocumentFront,
) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    await as_counsellor(world)
    form = summary_form(**{"plan-2-action": "Visiter l'atelier <b>", "level": ""})
    answer = await world.front.post(f"/counsellor/cases/{case.case_id}/summaries", form)
    assert answer.status_code == 422
    assert not world.documents.called("create_summary")
    text = answer.text
    assert "Le document n&#39;est pas enregistré : corrigez les champs signalés." in text
    assert 'id="plan-2-due_on-error">Indiquez la date d&#39;échéance de cette étape.' in text
    assert 'aria-invalid="true" aria-describedby="plan-2-due_on-error"' in text
    assert 'id="level-error">Choisissez le niveau d&#39;accompagnement dans la liste.' in text
    assert 'value="Visiter l&#39;atelier &lt;b&gt;"' in text
    assert 'value="2027-01-10"' in text
    assert "Soudeuse depuis 12 ans.</textarea>" in text
    assert 'value="Transitions Pro Bretagne"' in text


async def test_the_services_refusal_is_named_on_the_row_the_page_shows(
    world: DocumentFront,
) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    # The service counts kept rows: its row 1 is the page's row 3 (rows 0 and 2 were blank).
    world.documents.fail["create_summary"] = ApiError(
        422,
        "invalid",
        (
            invalid("content.action_plan.1.due_on", "in_the_past").errors[0],
            invalid("content.wishes", "string_too_short").errors[0],
        ),
    )
    await as_counsellor(world)
    answer = await world.front.post(f"/counsellor/cases/{case.case_id}/summaries", summary_form())
    assert answer.status_code == 422
    text = answer.text
    assert 'id="plan-3-due_on-error">Cette échéance est passée' in text
    assert 'id="wishes-error">Décrivez les souhaits de la personne' in text
    assert 'value="Monter le dossier CPF"' in text


async def test_a_draft_shows_its_form_comments_preview_and_submission(
    world: DocumentFront,
) -> None:
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    draft = summary(case_id=str(case.case_id))
    world.documents.add(draft)
    await as_counsellor(world)
    page = await world.front.client.get(f"/counsellor/summaries/{draft.document_id}")
    assert page.status_code == 200
    text = page.text
    assert 'id="summary-status">Brouillon en cours de rédaction' in text
    assert 'id="summary-version">2<' in text
    assert 'value="Contacter l&#39;AFPA"' in text
    assert 'id="plan-2-due_on"' in text  # the two steps, and blank rows to add
    assert 'id="save-summary"' in text
    assert 'id="submit-summary"' in text
    assert f'href="/counsellor/summaries/{draft.document_id}/pdf">Prévisualiser le PDF' in text
    assert "Pouvez-vous préciser la date de l&#39;accident ?" in text
    assert "La personne, le 22 novembre 2026 à 10 h 00 — sur la version 1" in text
    assert 'id="comment-text" name="text"' in text
    assert 'id="comment-send"' in text
    assert 'id="sign-in-person"' not in text
    assert 'id="evidence"' not in text


async def test_saving_a_draft_sends_a_new_version(world: DocumentFront) -> None:
    draft = summary()
    world.documents.add(draft)
    await as_counsellor(world)
    answer = await world.front.post(
        f"/counsellor/summaries/{draft.document_id}", summary_form(wishes="Devenir contrôleuse.")
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/counsellor/summaries/{draft.document_id}?done=summary_saved",
    )
    ((document_id, body),) = world.documents.called("revise_summary")
    assert document_id == draft.document_id
    assert body["content"]["wishes"] == "Devenir contrôleuse."
    world.documents.fail["revise_summary"] = conflict("not_draft")
    refused = await world.front.post(
        f"/counsellor/summaries/{draft.document_id}", summary_form(wishes="Encore.")
    )
    assert refused.status_code == 409
    assert "il ne peut plus être modifié" in refused.text
    assert "Encore.</textarea>" in refused.text


async def test_the_counsellor_comments_and_submits(world: DocumentFront) -> None:
    draft = summary()
    world.documents.add(draft)
    await as_counsellor(world)
    path = f"/counsellor/summaries/{draft.document_id}"
    empty = await world.front.post(f"{path}/comments", {"text": "   "})
    assert empty.status_code == 422
    assert 'id="text-error">Écrivez votre commentaire' in empty.text
    assert not world.documents.called("comment")
    answer = await world.front.post(f"{path}/comments", {"text": "Date ajoutée."})
    assert answer.headers["location"] == f"{path}?done=comment_added#comments"
    assert world.documents.called("comment") == [(draft.document_id, "Date ajoutée.")]
    answer = await world.front.post(f"{path}/submit")
    assert answer.headers["location"] == f"{path}?done=summary_submitted"
    page = await world.front.client.get(answer.headers["location"])
    assert "soumis à la signature" in page.text
    assert 'id="save-summary"' not in page.text
    assert 'id="submit-summary"' not in page.text


async def test_a_submitted_summary_offers_signing_in_person_or_on_paper(
    world: DocumentFront,
) -> None:
    sent = submitted()
    world.documents.add(sent)
    await as_counsellor(world)
    page = await world.front.client.get(f"/counsellor/summaries/{sent.document_id}")
    text = page.text
    assert 'id="summary-status">En attente de signature' in text
    assert "Situation de la personne" in text  # the content, read only
    assert 'id="save-summary"' not in text
    assert 'type="checkbox" id="identity-checked" name="identity_checked"' in text
    assert 'id="sign-in-person"' in text
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file" id="paper-scan" name="scan"' in text
    assert 'id="attach-paper"' in text
    assert 'id="comment-text"' in text


async def test_signing_in_person_needs_the_identity_check_and_forwards_the_client(
    world: DocumentFront,
) -> None:
    sent = submitted()
    world.documents.add(sent)
    await as_counsellor(world)
    path = f"/counsellor/summaries/{sent.document_id}/in-person"
    unchecked = await world.front.post(path)
    assert unchecked.status_code == 422
    assert 'id="identity_checked-error">Cochez cette case' in unchecked.text
    assert not world.documents.called("sign_in_person")
    long_agent = "Mozilla/5.0 " + "x" * 400
    answer = await world.front.client.post(
        path,
        data={"identity_checked": "yes", "form_token": world.front.form_token()},
        headers={"User-Agent": long_agent},
    )
    assert answer.headers["location"].endswith("?done=summary_signed_in_person")
    ((document_id, client),) = world.documents.called("sign_in_person")
    assert document_id == sent.document_id
    assert client == ClientInfo(address="127.0.0.1", agent=long_agent[:300])


async def test_a_paper_scan_is_attached_or_refused_in_french(world: DocumentFront) -> None:
    sent = submitted()
    world.documents.add(sent)
    await as_counsellor(world)
    path = f"/counsellor/summaries/{sent.document_id}/paper"
    missing = await world.front.post(path)
    assert missing.status_code == 422
    assert 'id="scan-error">Choisissez le fichier de la numérisation.' in missing.text
    world.documents.fail_once["attach_paper"] = invalid("scan", "unsupported_type")
    wrong = await post_files(world, path, {"scan": ("scan.gif", b"GIF89a", "image/gif")})
    assert wrong.status_code == 422
    assert "Ce type de fichier n&#39;est pas accepté" in wrong.text
    scan = b"%PDF-1.7 " + b"x" * (100 * 1024)  # past the ordinary forms' limit
    answer = await post_files(world, path, {"scan": ("scan.pdf", scan, "application/pdf")})
    assert answer.headers["location"].endswith("?done=summary_signed_paper")
    (_, (document_id, upload, client)) = world.documents.called("attach_paper")
    assert document_id == sent.document_id
    assert (upload.filename, upload.content, upload.media_type) == (
        "scan.pdf",
        scan,
        "application/pdf",
    )
    assert client.address == "127.0.0.1"


async def test_a_signed_summary_shows_its_evidence_and_whether_the_chain_holds(
    world: DocumentFront,
) -> None:
    done = signed()
    world.documents.add(done)
    await as_counsellor(world)
    page = await world.front.client.get(f"/counsellor/summaries/{done.document_id}")
    text = page.text
    assert 'id="signed-at">23 novembre 2026 à 13 h 30' in text
    assert "Code à usage unique envoyé par e-mail" in text
    assert 'id="evidence-table"' in text
    assert "chaîne intacte" in text
    assert "Soumis à la signature" in text
    assert "Code de signature envoyé" in text
    assert "Le conseiller" in text
    assert "La personne" in text
    assert "198.51.100.7" in text
    assert "23 novembre 2026 à 12 h 00" in text  # 11:00 UTC, in Paris time
    assert 'id="comment-text"' not in text  # closed to comments once signed
    world.documents.trail = evidence(intact=False)
    broken = await world.front.client.get(f"/counsellor/summaries/{done.document_id}")
    assert "chaîne rompue" in broken.text
    assert "chaîne intacte" not in broken.text


async def test_the_pdf_is_passed_on_as_it_is_read(world: DocumentFront) -> None:
    draft = summary()
    world.documents.add(draft)
    file = Streamed(b"%PDF-1.7 preview")
    world.documents.files[str(draft.document_id)] = file
    await as_counsellor(world)
    answer = await world.front.client.get(f"/counsellor/summaries/{draft.document_id}/pdf")
    assert answer.status_code == 200
    assert answer.content == b"%PDF-1.7 preview"
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'inline; filename="synthese.pdf"'
    assert answer.headers["cache-control"] == "no-store"
    assert file.closed
    missing = await world.front.client.get(f"/counsellor/summaries/{uuid4()}/pdf")
    assert missing.status_code == 404


# The beneficiary: Mes documents ----------------------------------------------------------------


async def test_the_beneficiary_home_links_to_the_documents(world: DocumentFront) -> None:
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary")
    assert 'href="/beneficiary/documents" id="documents-link"' in page.text


async def test_my_documents_lists_summaries_files_shares_and_the_upload_form(
    world: DocumentFront,
) -> None:
    sent, draft = submitted(), summary()
    share = share_view()
    file = own_document(shares=[share])
    signed_copy = own_document(kind="summary", title="Document de synthèse", size=800)
    world.documents.add(sent, draft, file, signed_copy)
    await as_beneficiary(world)
    page = await world.front.client.get("/beneficiary/documents")
    assert page.status_code == 200
    text = page.text
    assert f'href="/beneficiary/summaries/{sent.document_id}" id="read-{sent.document_id}"' in text
    assert f'id="read-{sent.document_id}">Lire et signer' in text
    assert f'id="read-{draft.document_id}">Lire et commenter' in text
    fid = file.document_id
    assert f'id="download-{fid}" href="/beneficiary/documents/{fid}/download"' in text
    assert f'id="delete-{fid}"' in text
    assert f'id="delete-{signed_copy.document_id}"' not in text  # summaries are kept
    assert "1,2 Mo" in text
    assert "800 octets" in text
    assert f'id="share-recipient-{fid}" name="recipient"' in text
    assert f'type="checkbox" id="share-consent-{fid}" name="consent" value="yes" required' in text
    assert "J'accepte de transmettre ce document au destinataire indiqué" in text
    assert f'id="share-{fid}"' in text
    for days in ("1 jour", "7 jours", "30 jours"):
        assert days in text
    assert "Transitions Pro Bretagne" in text
    assert "Ouvert 1 fois" in text
    assert "22 novembre 2026 à 16 h 00, depuis l'adresse 203.0.113.9" in text
    assert f'id="revoke-{share.share_id}"' in text
    assert 'type="file" id="upload-file" name="file"' in text
    assert 'id="upload-title" name="title"' in text
    assert 'id="upload-send"' in text


async def test_a_revoked_or_expired_share_cannot_be_revoked_again(world: DocumentFront) -> None:
    gone = share_view(revoked_at="2026-11-22T10:00:00Z")
    old = share_view(expires_at="2026-11-22T10:00:00Z")
    world.documents.add(own_document(shares=[gone, old]))
    await as_beneficiary(world)
    text = (await world.front.client.get("/beneficiary/documents")).text
    assert "retiré le 22 novembre 2026" in text
    assert "expiré le 22 novembre 2026" in text
    assert "revoke-" not in text


async def test_uploading_sends_the_file_and_title(world: DocumentFront) -> None:
    await as_beneficiary(world)
    answer = await post_files(
        world,
        "/beneficiary/documents",
        {"file": ("cv.pdf", b"%PDF-1.7 cv", "application/pdf")},
        {"title": "Mon CV 2026"},
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/beneficiary/documents?done=document_uploaded",
    )
    ((title, upload),) = world.documents.called("upload")
    assert title == "Mon CV 2026"
    assert upload == Upload("cv.pdf", b"%PDF-1.7 cv", "application/pdf")
    untitled = await post_files(
        world, "/beneficiary/documents", {"file": ("attestation.png", b"\x89PNG", "image/png")}
    )
    assert untitled.status_code == 303
    assert world.documents.called("upload")[-1][0] == "attestation"


async def test_a_file_too_large_or_of_a_wrong_type_is_refused_in_french(
    world: DocumentFront,
) -> None:
    await as_beneficiary(world)
    big = b"%PDF" + b"x" * MAX_UPLOAD_BYTES
    answer = await post_files(
        world,
        "/beneficiary/documents",
        {"file": ("gros.pdf", big, "application/pdf")},
        {"title": "Gros fichier"},
    )
    assert answer.status_code == 422
    assert 'id="file-error">Le fichier dépasse 10 Mo' in answer.text
    assert 'value="Gros fichier"' in answer.text
    assert not world.documents.called("upload")
    world.documents.fail_once["upload"] = ApiError(415, "unsupported")
    wrong = await post_files(
        world,
        "/beneficiary/documents",
        {"file": ("a.exe", b"MZ", "application/x-msdownload")},
        {"title": "Programme"},
    )
    assert wrong.status_code == 422
    assert "Ce type de fichier n&#39;est pas accepté : déposez un PDF" in wrong.text
    assert 'value="Programme"' in wrong.text
    world.documents.fail_once["upload"] = invalid("file", "unsupported_type")
    typed = await post_files(
        world, "/beneficiary/documents", {"file": ("a.txt", b"hello", "text/plain")}
    )
    assert "Ce type de fichier n&#39;est pas accepté" in typed.text
    none = await post_files(world, "/beneficiary/documents", {}, {"title": "Rien"})
    assert 'id="file-error">Choisissez un fichier sur votre appareil.' in none.text


async def test_far_too_large_a_file_is_refused_before_it_is_read(world: DocumentFront) -> None:
    await as_beneficiary(world)
    huge = b"x" * (MAX_UPLOAD_BYTES + 200 * 1024)
    answer = await post_files(
        world, "/beneficiary/documents", {"file": ("huge.pdf", huge, "application/pdf")}
    )
    assert answer.status_code == 413
    assert "Le fichier envoyé dépasse 10 Mo" in answer.text
    assert 'href="/beneficiary/documents">Retour à mes documents' in answer.text
    # The larger limit is the upload form's alone: an ordinary form keeps its own.
    form = await world.front.client.post(
        "/beneficiary/request", content=b"need=" + b"a" * (MAX_BODY_BYTES + 1)
    )
    assert form.status_code == 413


async def test_a_document_is_downloaded_as_an_attachment(world: DocumentFront) -> None:
    file = own_document()
    world.documents.add(file)
    world.documents.files[str(file.document_id)] = Streamed(
        b"<script>alert(1)</script>", media_type="text/html", filename="../../évil.html"
    )
    await as_beneficiary(world)
    answer = await world.front.client.get(f"/beneficiary/documents/{file.document_id}/download")
    assert answer.status_code == 200
    # A type the front does not pass on is only bytes to save, never a page.
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"] == 'attachment; filename="vil.html"'
    assert "script-src 'none'" in answer.headers["content-security-policy"]


async def test_a_document_is_deleted(world: DocumentFront) -> None:
    file = own_document()
    world.documents.add(file)
    await as_beneficiary(world)
    answer = await world.front.post(f"/beneficiary/documents/{file.document_id}/delete")
    assert answer.headers["location"] == "/beneficiary/documents?done=document_deleted"
    assert world.documents.called("delete_document") == [(file.document_id,)]


async def test_sharing_needs_the_consent_box_and_sends_nothing_without_it(
    world: DocumentFront,
) -> None:
    file = own_document()
    world.documents.add(file)
    await as_beneficiary(world)
    fid = file.document_id
    answer = await world.front.post(
        f"/beneficiary/documents/{fid}/shares",
        {"recipient": "Mon employeur", "purpose": "Entretien annuel", "days": "30"},
    )
    assert answer.status_code == 422
    assert not world.documents.called("share")
    text = answer.text
    assert f'id="share-consent-{fid}-error">Cochez la case pour confirmer votre accord' in text
    assert f'aria-invalid="true" aria-describedby="share-consent-{fid}-error"' in text
    assert 'value="Mon employeur"' in text
    assert 'value="Entretien annuel"' in text
    assert '<option value="30" selected>' in text
    assert '<details class="action" open><summary id="share-toggle-' in text
    missing = await world.front.post(
        f"/beneficiary/documents/{fid}/shares", {"consent": "yes", "days": "2"}
    )
    assert f'id="share-recipient-{fid}-error">Indiquez à qui' in missing.text
    assert f'id="share-days-{fid}-error">Choisissez une durée' in missing.text
    assert not world.documents.called("share")


async def test_a_shares_link_is_shown_once_with_the_fronts_address(
    world: DocumentFront,
) -> None:
    file = own_document()
    world.documents.add(file)
    await as_beneficiary(world)
    answer = await world.front.post(
        f"/beneficiary/documents/{file.document_id}/shares",
        {"recipient": "Mon employeur", "purpose": "Entretien", "days": "7", "consent": "yes"},
    )
    assert answer.status_code == 200
    assert world.documents.called("share") == [
        (file.document_id, "Mon employeur", "Entretien", 7, True)
    ]
    token = world.documents.share_token
    assert f'id="share-link">http://front.test/partage/{token}</code>' in answer.text
    assert "il ne sera plus affiché" in answer.text
    again = await world.front.client.get("/beneficiary/documents")
    assert token not in again.text
    assert "Mon employeur" in again.text


async def test_a_share_is_revoked(world: DocumentFront) -> None:
    await as_beneficiary(world)
    share_id = uuid4()
    answer = await world.front.post(f"/beneficiary/shares/{share_id}/revoke")
    assert answer.headers["location"] == "/beneficiary/documents?done=share_revoked"
    assert world.documents.called("revoke_share") == [(share_id,)]
    page = await world.front.client.get(answer.headers["location"])
    assert "Le partage est retiré : son lien ne fonctionne plus." in page.text


# The beneficiary: reading, commenting and signing a summary -----------------------------------


async def test_a_summary_reads_nicely_with_its_plan_and_resources(world: DocumentFront) -> None:
    draft = summary()
    world.documents.add(draft)
    await as_beneficiary(world)
    page = await world.front.client.get(f"/beneficiary/summaries/{draft.document_id}")
    assert page.status_code == 200
    text = page.text
    assert "Votre situation" in text
    assert "Soudeuse depuis 12 ans, en arrêt après un accident." in text
    assert 'id="plan-table"' in text
    assert "mardi 15 décembre 2026" in text
    assert ">Vous<" in text
    assert ">Ensemble<" in text
    assert "CPF (compte personnel de formation)" in text
    assert "Solde de 2 400 euros" in text
    assert "Vous, le 22 novembre 2026 à 10 h 00" in text  # her own comment
    assert 'id="comment-text"' in text
    assert 'id="comment-send"' in text
    assert f'href="/beneficiary/summaries/{draft.document_id}/pdf">Prévisualiser le PDF' in text
    assert 'id="send-code"' not in text  # a draft is not signed yet
    assert 'id="draft-note"' in text
    answer = await world.front.post(
        f"/beneficiary/summaries/{draft.document_id}/comments", {"text": "Merci !"}
    )
    assert answer.status_code == 303
    assert world.documents.called("comment") == [(draft.document_id, "Merci !")]


async def test_signing_sends_a_code_then_signs_with_it(world: DocumentFront) -> None:
    sent = submitted()
    world.documents.add(sent)
    await as_beneficiary(world)
    path = f"/beneficiary/summaries/{sent.document_id}"
    page = await world.front.client.get(path)
    assert 'id="send-code">Recevoir mon code' in page.text
    assert 'id="code"' not in page.text
    assert 'id="decline-reason" name="reason"' in page.text
    assert 'id="decline"' in page.text
    code_page = await world.front.post(f"{path}/code")
    assert code_page.status_code == 200
    text = code_page.text
    assert "Un code a été envoyé à <bdi>i***@example.org</bdi>" in text
    assert "Il est valable jusqu'à 14 h 15" in text
    assert 'id="code" name="code" class="code" inputmode="numeric"' in text
    assert 'autocomplete="one-time-code"' in text
    assert 'id="sign"' in text
    ((document_id, client),) = world.documents.called("send_code")
    assert document_id == sent.document_id
    assert client.address == "127.0.0.1"
    wrong = await world.front.post(
        f"{path}/sign", {"code": "000000", "sent_to": "i***@example.org"}
    )
    assert wrong.status_code == 422
    assert "Code incorrect : il vous reste 2 essais." in wrong.text
    assert 'id="code-error">Code incorrect : il vous reste 2 essais.' in wrong.text
    assert 'id="code"' in wrong.text
    assert "i***@example.org" in wrong.text
    right = await world.front.post(f"{path}/sign", {"code": "123 456"})
    assert right.headers["location"] == f"{path}?done=summary_signed"
    assert world.documents.called("sign")[-1][1] == "123456"
    done = await world.front.client.get(right.headers["location"])
    assert "Vous avez signé le document." in done.text
    assert "Document signé le 23 novembre 2026 à 14 h 05" in done.text
    assert f'id="download-signed" href="{path}/download"' in done.text


async def test_the_last_wrong_try_and_an_expired_code_ask_for_a_new_one(
    world: DocumentFront,
) -> None:
    sent = submitted()
    world.documents.add(sent)
    world.documents.attempts_left = 2
    await as_beneficiary(world)
    path = f"/beneficiary/summaries/{sent.document_id}"
    one = await world.front.post(f"{path}/sign", {"code": "111111"})
    assert "il vous reste 1 essai." in one.text
    last = await world.front.post(f"{path}/sign", {"code": "222222"})
    assert "Trop de codes incorrects" in last.text
    assert 'id="code"' not in last.text
    assert 'id="send-code">Recevoir mon code' in last.text
    world.documents.fail_once["sign"] = conflict("code_expired")
    expired = await world.front.post(f"{path}/sign", {"code": "123456"})
    assert expired.status_code == 409
    assert "Ce code a expiré : demandez-en un nouveau" in expired.text
    world.documents.fail_once["sign"] = conflict("expired")
    late = await world.front.post(f"{path}/sign", {"code": "123456"})
    assert "Le délai de signature de ce document est dépassé" in late.text
    letters = await world.front.post(f"{path}/sign", {"code": "12ab56"})
    assert letters.status_code == 422
    assert "Le code ne contient que des chiffres" in letters.text
    world.documents.fail_once["send_code"] = ApiError(429, "too many")
    limited = await world.front.post(f"{path}/code")
    assert limited.status_code == 429
    assert "Trop de demandes en peu de temps" in limited.text
    have = await world.front.client.get(f"{path}?step=code")
    assert 'id="code"' in have.text


async def test_declining_sends_the_reason(world: DocumentFront) -> None:
    sent = submitted()
    world.documents.add(sent)
    await as_beneficiary(world)
    path = f"/beneficiary/summaries/{sent.document_id}"
    silent = await world.front.post(f"{path}/decline", {"reason": "  "})
    assert silent.status_code == 422
    assert 'id="reason-error">Indiquez pourquoi vous refusez de signer' in silent.text
    assert '<details class="action" open><summary id="decline-toggle">' in silent.text
    assert not world.documents.called("decline")
    answer = await world.front.post(f"{path}/decline", {"reason": "Le plan ne me convient pas."})
    assert answer.headers["location"] == f"{path}?done=summary_declined"
    ((document_id, reason, client),) = world.documents.called("decline")
    assert (document_id, reason) == (sent.document_id, "Le plan ne me convient pas.")
    assert client.address == "127.0.0.1"
    page = await world.front.client.get(answer.headers["location"])
    assert "Votre refus de signer est enregistré." in page.text
    assert 'id="declined-note"' in page.text
    world.documents.add(submitted(document_id=str(sent.document_id)))
    world.documents.fail_once["decline"] = conflict("not_submitted")
    refused = await world.front.post(f"{path}/decline", {"reason": "Non."})
    assert refused.status_code == 409
    assert "Ce document n&#39;attend pas de signature" in refused.text
    assert "Non.</textarea>" in refused.text


async def test_the_signed_pdf_is_downloaded(world: DocumentFront) -> None:
    done = signed()
    world.documents.add(done)
    world.documents.files[str(done.document_id)] = Streamed(b"%PDF sealed", filename=None)
    await as_beneficiary(world)
    answer = await world.front.client.get(f"/beneficiary/summaries/{done.document_id}/download")
    assert answer.content == b"%PDF sealed"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="document-de-synthese.pdf"'
    )


# Public pages ---------------------------------------------------------------------------------


async def test_the_verification_page_explains_an_authentic_document(
    world: DocumentFront,
) -> None:
    form = await world.front.client.get("/verifier")
    assert form.status_code == 200
    assert 'type="file" id="verify-file" name="file"' in form.text
    assert 'id="verify-send"' in form.text
    answer = await world.front.client.post(
        "/verifier", files={"file": ("synthese.pdf", b"%PDF signed", "application/pdf")}
    )
    assert answer.status_code == 200
    assert world.documents.called("verify") == [(b"%PDF signed",)]
    text = texts_of(answer.text)
    assert "Ce document est authentique" in text
    for line in (
        "Signature présente : oui",
        "Signature intacte : oui",
        "Signature valide : oui",
        "Émise par un certificat de confiance : oui",
        "Document connu de Jalon : oui",
        "Chaîne de preuve intacte : oui",
    ):
        assert line in text
    assert "Signé par Jalon - Organisme CEP le 23 novembre 2026 à 13 h 30" in text


async def test_the_verification_page_explains_a_tampered_document(world: DocumentFront) -> None:
    world.documents.verified = report(
        signature={
            "present": True,
            "intact": False,
            "valid": False,
            "trusted": True,
            "signer": "Jalon - Organisme CEP",
            "signed_at": "2026-11-23T12:30:00Z",
            "covers_whole_file": False,
            "problems": ["modified", "not_whole_file"],
        },
        document_known=False,
        chain_intact=None,
        problems=["modified", "not_whole_file"],
    )
    answer = await world.front.client.post(
        "/verifier", files={"file": ("synthese.pdf", b"%PDF changed", "application/pdf")}
    )
    text = texts_of(answer.text)
    assert "ne peut pas être considéré comme authentique" in text
    assert "Signature présente : oui" in text
    assert "Signature intacte : non" in text
    assert "Document connu de Jalon : non" in text
    assert "Chaîne de preuve intacte : non vérifiable" in text
    assert text.count("Le fichier a été modifié après avoir été signé.") == 1
    assert "La signature ne couvre pas tout le fichier" in text
    assert "Document connu de Jalon : non. Jalon n'a pas délivré ce fichier" in text
    world.documents.verified = report(chain_intact=False, problems=["chain_broken", "odd"])
    broken = await world.front.client.post(
        "/verifier", files={"file": ("synthese.pdf", b"%PDF", "application/pdf")}
    )
    text = texts_of(broken.text)
    assert "Chaîne de preuve intacte : non" in text
    assert "La chaîne de preuve de ce document est rompue" in text
    assert "Un autre problème a été détecté sur ce fichier." in text
    assert "ne peut pas être considéré comme authentique" in text
    nothing = await world.front.client.post("/verifier", files={})
    assert nothing.status_code == 422
    assert "Choisissez le fichier PDF à vérifier." in nothing.text


async def test_a_shared_document_opens_without_an_account(world: DocumentFront) -> None:
    token = world.documents.share_token
    world.documents.files[token] = Streamed(b"%PDF shared", filename="cv.pdf")
    answer = await world.front.client.get(
        f"/partage/{token}", headers={"User-Agent": "Employeur/1.0"}
    )
    assert answer.status_code == 200
    assert answer.content == b"%PDF shared"
    assert answer.headers["content-disposition"] == 'attachment; filename="cv.pdf"'
    ((sent_token, client),) = world.documents.called("shared")
    assert (sent_token, client.agent) == (token, "Employeur/1.0")


async def test_a_revoked_or_malformed_share_is_a_french_404(world: DocumentFront) -> None:
    gone = await world.front.client.get("/partage/" + "a" * 40)
    assert gone.status_code == 404
    assert "Ce lien de partage ne fonctionne pas ou plus" in gone.text
    calls = len(world.documents.calls)
    odd = await world.front.client.get("/partage/not..a%20token")
    assert odd.status_code == 404
    assert len(world.documents.calls) == calls


# Guards ---------------------------------------------------------------------------------------


async def test_every_document_form_refuses_a_post_without_the_form_token(
    world: DocumentFront,
) -> None:
    one = submitted()
    file = own_document()
    world.documents.add(one, file)
    await as_beneficiary(world)
    beneficiary_posts = [
        "/beneficiary/documents",
        f"/beneficiary/documents/{file.document_id}/delete",
        f"/beneficiary/documents/{file.document_id}/shares",
        f"/beneficiary/shares/{uuid4()}/revoke",
        f"/beneficiary/summaries/{one.document_id}/comments",
        f"/beneficiary/summaries/{one.document_id}/code",
        f"/beneficiary/summaries/{one.document_id}/sign",
        f"/beneficiary/summaries/{one.document_id}/decline",
    ]
    data: dict[str, Any] = {
        "form_token": "forged",
        "consent": "yes",
        "recipient": "X",
        "purpose": "Y",
        "days": "7",
        "code": "123456",
        "text": "t",
    }
    for path in beneficiary_posts:
        answer = await world.front.client.post(path, data=data)
        assert answer.status_code == 403, path
        assert "Ce formulaire a expiré" in answer.text
    staff = build_document_front()
    staff.documents.add(one)
    await sign_in(staff.front, "counsellor", "c-camille-bernard")
    counsellor_posts = [
        f"/counsellor/cases/{one.case_id}/summaries",
        f"/counsellor/summaries/{one.document_id}",
        f"/counsellor/summaries/{one.document_id}/comments",
        f"/counsellor/summaries/{one.document_id}/submit",
        f"/counsellor/summaries/{one.document_id}/in-person",
        f"/counsellor/summaries/{one.document_id}/paper",
    ]
    for path in counsellor_posts:
        answer = await staff.front.client.post(path, data={"identity_checked": "yes"})
        assert answer.status_code == 403, path
    reads = {"case_summaries", "my_summaries", "summary", "my_documents", "evidence"}
    for fake in (world.documents, staff.documents):
        assert not [name for name, _, _ in fake.calls if name not in reads]


async def test_each_persona_reaches_only_its_own_document_pages(world: DocumentFront) -> None:
    one = summary()
    world.documents.add(one)
    await as_counsellor(world)
    for path in ("/beneficiary/documents", f"/beneficiary/summaries/{one.document_id}"):
        assert (await world.front.client.get(path)).status_code == 403, path
    other = build_document_front()
    other.documents.add(one)
    await sign_in_beneficiary(other.front, "ines.moreau@example.org")
    for path in (
        f"/counsellor/summaries/{one.document_id}",
        f"/counsellor/cases/{one.case_id}/summaries/new",
    ):
        assert (await other.front.client.get(path)).status_code == 403, path
    anonymous = build_document_front()
    answer = await anonymous.front.client.get("/beneficiary/documents")
    assert answer.headers["location"] == "/beneficiary/sign-in"


async def test_without_the_document_service_the_pages_say_it_is_unavailable() -> None:
    front = build_front()
    await sign_in_beneficiary(front, "ines.moreau@example.org")
    for path in ("/beneficiary/documents", f"/beneficiary/summaries/{uuid4()}"):
        page = await front.client.get(path)
        assert page.status_code == 503, path
        assert "momentanément indisponible" in page.text
    staff = build_front()
    case = case_details()
    staff.intake.cases[case.case_id] = case
    await sign_in(staff, "counsellor", "c-camille-bernard")
    for path in (
        f"/counsellor/summaries/{uuid4()}",
        f"/counsellor/cases/{case.case_id}/summaries/new",
    ):
        assert (await staff.client.get(path)).status_code == 503, path
    public = build_front()
    assert (await public.client.get("/verifier")).status_code == 503
    assert (await public.client.get("/partage/" + "a" * 40)).status_code == 503


# Labels and the HTTP adapter ------------------------------------------------------------------


def test_every_document_code_has_a_french_label() -> None:
    from web.entrypoints import labels

    shown: tuple[type[StrEnum], ...] = (
        SummaryStatus,
        SigningMethod,
        ResourceKind,
        StepOwner,
        DocumentKind,
    )
    for enum in shown:
        for member in enum:
            assert labels.ENUM_LABELS[enum].get(member), f"{enum.__name__}.{member.name}"
    for owner in StepOwner:
        assert labels.step_owner_for_beneficiary(owner.value) != "Autre"
    for code in ("no_signature", "modified", "invalid", "not_trusted", "not_whole_file"):
        assert labels.VERIFY_PROBLEM[code]
    assert labels.verify_problem("mystery").startswith("Un autre problème")
    assert labels.evidence_step("brand_new_step") == "brand_new_step"
    for done in ("summary_created", "summary_signed", "share_revoked", "document_uploaded"):
        assert labels.DONE[done]


async def test_the_adapter_forwards_the_client_and_reads_the_answers() -> None:
    seen: list[httpx.Request] = []
    document_id = uuid4()
    answer = summary(document_id=str(document_id)).model_dump(mode="json")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/shared/"):
            return httpx.Response(
                200,
                content=b"%PDF shared",
                headers={
                    "content-type": "application/pdf",
                    "content-disposition": "attachment; filename*=UTF-8''Mon%20CV.pdf",
                },
            )
        if request.url.path == "/verify":
            return httpx.Response(200, json=report().model_dump(mode="json"))
        if request.url.path.endswith("/sign"):
            return httpx.Response(
                422,
                json={
                    "detail": "invalid",
                    "errors": [
                        {
                            "location": "body",
                            "field": "code",
                            "type": "wrong_code",
                            "message": "wrong code: 2 attempt(s) left",
                        }
                    ],
                },
            )
        return httpx.Response(200, json=answer)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        api = HttpDocumentApi(ServiceClient(http, "http://docs.test/", "document_signature"))
        client = ClientInfo(address="192.0.2.4", agent="Navigateur\névil")
        await api.decline("tok", document_id, "Non", client)
        with pytest.raises(ApiError) as refused:
            await api.sign("tok", document_id, "000000", client)
        stream = await api.shared("abc", client)
        body = b"".join([chunk async for chunk in stream.chunks])
        checked = await api.verify(b"%PDF")
        await api.attach_paper(
            "tok", document_id, Upload("s.pdf", b"%PDF", "application/pdf"), client
        )
    decline, sign, shared, verify, paper = seen
    assert decline.url.path == f"/summaries/{document_id}/decline"
    assert decline.content == b'{"reason":"Non"}'
    assert sign.content == b'{"code":"000000"}'
    assert decline.headers["authorization"] == "Bearer tok"
    assert decline.headers["x-jalon-client-address"] == "192.0.2.4"
    assert decline.headers["x-jalon-client-agent"] == "Navigateur??vil"
    assert refused.value.errors[0].message == "wrong code: 2 attempt(s) left"
    assert "authorization" not in shared.headers
    assert shared.headers["x-jalon-client-agent"]
    assert (body, stream.filename, stream.media_type) == (
        b"%PDF shared",
        "Mon%20CV.pdf",
        "application/pdf",
    )
    assert "authorization" not in verify.headers
    assert verify.headers["content-type"] == "application/pdf"
    assert verify.content == b"%PDF"
    assert checked.authentic
    assert paper.headers["content-type"].startswith("multipart/form-data")
    assert b'name="scan"; filename="s.pdf"' in paper.content
    assert client_headers(ClientInfo(None, None)) == {}
