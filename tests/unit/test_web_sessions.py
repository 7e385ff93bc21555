"""The pages of the work between sessions over fakes: threads, files, tasks, calls, waiting."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from jalon_shared.events.vocabulary import CallOutcome
from tests.unit.web_document_fakes import Streamed
from tests.unit.web_fakes import build_front, case_details, sign_in, sign_in_beneficiary
from tests.unit.web_session_fakes import (
    DOCX,
    SessionFront,
    attachment,
    build_session_front,
    call,
    invalid,
    message,
    task,
)
from web.application.document_views import Upload
from web.application.errors import ApiError
from web.application.session_views import (
    MAX_FILE_BYTES,
    AuthorRole,
    TaskKind,
    TaskStatus,
    Unanswered,
)
from web.application.views import OwnData
from web.entrypoints import labels
from web.entrypoints.security import MAX_BODY_BYTES
from web.entrypoints.session_pages import MESSAGES, SCRIPT_PATH, duration, file_type

COUNSELLOR = "c-camille-bernard"
EMAIL = "ines.moreau@example.org"
PDF_TYPE = "application/pdf"


def _at(day: int, hour: int) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00Z"


@pytest.fixture
async def world() -> SessionFront:
    return build_session_front()


def texts_of(html: str) -> str:
    """Return what a reader sees, the tags taken out."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


async def beneficiary_with_case(world: SessionFront, *, closed: bool = False) -> UUID:
    """Sign Inès in, give her a case at intake (Camille's) and open it at the service."""
    account = await sign_in_beneficiary(world.front, EMAIL)
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    world.front.intake.own = OwnData.model_validate(
        {
            "cases": [
                {
                    "case_id": str(case.case_id),
                    "opened_at": "2026-11-20T08:30:00Z",
                    "status": "closed" if closed else "in_progress",
                    "service_level": "accueil_individualise",
                }
            ]
        }
    )
    world.sessions.open_case(case.case_id, str(account.beneficiary_id), COUNSELLOR)
    return case.case_id


async def counsellor_with_case(world: SessionFront) -> UUID:
    """Sign Camille in, with a case of hers at intake and at the service."""
    await sign_in(world.front, "counsellor", COUNSELLOR)
    case = case_details()
    world.front.intake.cases[case.case_id] = case
    world.sessions.open_case(case.case_id, COUNSELLOR)
    return case.case_id


async def post_form(
    world: SessionFront,
    path: str,
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    """Post a form of a signed-in page (multipart when files are given), token included."""
    form = {**data, "form_token": world.front.form_token()}
    if files is None:
        return await world.front.client.post(path, data=form)
    return await world.front.client.post(path, data=form, files=files)


# French labels --------------------------------------------------------------------------------


def test_every_code_of_the_work_pages_has_a_french_label() -> None:
    for enum in (TaskKind, TaskStatus, CallOutcome):
        for member in enum:
            assert labels.ENUM_LABELS[enum].get(member), f"{enum.__name__}.{member.name}"
    assert labels.label("reached", CallOutcome) == "Joint"
    assert labels.label("no_answer", CallOutcome) == "Pas de réponse"
    assert labels.label("voicemail", CallOutcome) == "Messagerie"
    assert labels.label("enquiry", TaskKind) == "Enquête métier"
    assert labels.label("brand_new_kind", TaskKind) == "Autre"
    for done in ("message_sent", "task_assigned", "task_completed", "call_logged"):
        assert labels.DONE[done]
    assert [role.value for role in AuthorRole] == ["beneficiary", "counsellor"]


def test_every_field_the_service_names_has_a_french_message() -> None:
    for name in (
        "text",
        "files",
        "note",
        "title",
        "instructions",
        "kind",
        "due_on",
        "date",
        "started_at",
        "ended_at",
        "outcome",
    ):
        assert MESSAGES.get(name), name
    for reason in ("too_large", "too_many", "empty", "unsupported_type"):
        assert MESSAGES[("files", reason)], reason


def test_durations_and_file_types_read_in_french() -> None:
    assert [duration(s) for s in (45, 720.4, 3900, "x")] == ["45 s", "12 min", "1 h 05", "—"]
    assert file_type(DOCX) == "document DOCX"
    assert file_type("application/pdf; charset=binary") == "PDF"
    assert file_type("text/html") == "fichier"


# The beneficiary's messages -----------------------------------------------------------------


async def test_the_beneficiary_reads_the_thread_with_receipts_files_and_tasks(
    world: SessionFront,
) -> None:
    case_id = await beneficiary_with_case(world)
    cv = attachment(filename="cv.pdf", size=1_258_291)
    world.sessions.threads[case_id] = [
        message(text="Bonjour, voici mon CV.", attachments=[cv], read_at="2026-11-22T14:10:00Z"),
        message(text="Et ma lettre.", posted_at="2026-11-22T15:00:00Z"),
        message(author_role="counsellor", text="Merci, je regarde.", posted_at=_at(23, 9)),
    ]
    world.sessions.unread[case_id] = 1
    todo = task(case_id, title="Lire la fiche métier", kind="reading", due_on="2026-11-22")
    done = task(
        case_id,
        title="Questionnaire d'intérêts",
        kind="questionnaire",
        status="done",
        completed_at="2026-11-21T18:00:00Z",
        note="Fait en 20 minutes.",
        attachments=[attachment(filename="reponses.docx", media_type=DOCX, size=800)],
    )
    world.sessions.tasks_of[case_id] = [done, todo]
    page = await world.front.client.get("/beneficiary/messages")
    assert page.status_code == 200
    text = texts_of(page.text)
    assert "Échanges avec Camille Bernard, votre conseiller" in text
    assert "Lu le 22 novembre 2026 à 15 h 10" in text  # Paris time, one hour ahead in November
    assert "Pas encore lu" in text
    assert "1 nouveau message de votre conseiller." in text
    assert page.text.count('class="badge new"') == 1
    assert f'href="/beneficiary/messages/attachments/{cv["attachment_id"]}"' in page.text
    assert "Télécharger cv.pdf (PDF, 1,2 Mo)" in text
    assert '<label for="message-text">Votre message</label>' in page.text
    assert 'type="file" id="message-files" name="files" multiple' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "3 fichiers au plus, de 10 Mo chacun" in text
    assert "Travaux entre les séances" in text
    # What is to do comes first; an overdue task says so.
    assert text.index("Lire la fiche métier") < text.index("Questionnaire d'intérêts")
    assert "Lecture À faire pour le dimanche 22 novembre 2026 En retard" in text
    assert "Questionnaire Fait le 21 novembre 2026" in text  # the badge, then its day
    assert "Fait en 20 minutes." in text
    assert "Télécharger reponses.docx (document DOCX, 800 octets)" in text
    assert f'action="/beneficiary/tasks/{todo.task_id}/complete"' in page.text
    assert f'action="/beneficiary/tasks/{done.task_id}/complete"' not in page.text
    assert f'<label for="task-{todo.task_id}-note">' in page.text
    # Read with her own token only, on her own case.
    token = world.front.client.cookies["jalon_session"]
    assert world.sessions.history[0] == ("thread", token, (case_id,))
    assert world.sessions.called("tasks") == [(case_id,)]
    # The page runs the upload script of this origin, and no other.
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert f'<script src="{SCRIPT_PATH}" defer></script>' in page.text


async def test_the_home_page_links_to_the_messages(world: SessionFront) -> None:
    await beneficiary_with_case(world)
    home = await world.front.client.get("/beneficiary")
    assert 'href="/beneficiary/messages" id="messages-link"' in home.text


async def test_the_messages_page_says_why_it_has_no_thread(world: SessionFront) -> None:
    await sign_in_beneficiary(world.front, EMAIL)
    none = await world.front.client.get("/beneficiary/messages")
    assert none.status_code == 200
    assert 'id="no-case"' in none.text
    assert 'id="message-form"' not in none.text
    case_id = await beneficiary_with_case(world)
    world.sessions.owners.pop(case_id)  # the service has not heard of the new case yet
    new = await world.front.client.get("/beneficiary/messages")
    assert 'id="not-ready"' in new.text
    world.sessions.fail["thread"] = ApiError(503, "down")
    down = await world.front.client.get("/beneficiary/messages")
    assert 'id="messages-unavailable"' in down.text
    front = build_front()  # no remote-session service wired at all
    await sign_in_beneficiary(front, EMAIL)
    unwired = await front.client.get("/beneficiary/messages")
    assert unwired.status_code == 200
    assert 'id="messages-unavailable"' in unwired.text


async def test_a_beneficiary_posts_to_their_own_case_only(world: SessionFront) -> None:
    own = await beneficiary_with_case(world)
    other = uuid4()
    world.sessions.open_case(other, str(uuid4()), COUNSELLOR)
    answer = await post_form(
        world,
        "/beneficiary/messages",
        # A case named in the form is never read: the case is the one intake gives her.
        {"text": "Voici ma lettre.", "case_id": str(other)},
        [("files", ("lettre.pdf", b"%PDF-1.7 lettre", "application/pdf"))],
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/beneficiary/messages?done=message_sent#thread-end",
    )
    ((case_id, text, files),) = world.sessions.called("post_message")
    assert (case_id, text) == (own, "Voici ma lettre.")
    assert files == (Upload("lettre.pdf", b"%PDF-1.7 lettre", "application/pdf"),)
    assert world.sessions.tokens("post_message") == [world.front.client.cookies["jalon_session"]]
    assert world.sessions.threads[other] == []
    page = await world.front.client.get(answer.headers["location"])
    assert "Votre message est envoyé." in page.text
    assert "Voici ma lettre." in page.text


async def test_another_persons_attachment_is_not_found(world: SessionFront) -> None:
    await beneficiary_with_case(world)
    other, secret = uuid4(), uuid4()
    world.sessions.open_case(other, str(uuid4()), COUNSELLOR)
    world.sessions.files[secret] = (other, Streamed(b"%PDF theirs"))
    answer = await world.front.client.get(f"/beneficiary/messages/attachments/{secret}")
    assert answer.status_code == 404
    assert "%PDF theirs" not in answer.text
    assert "Page introuvable" in answer.text


async def test_an_attachment_is_streamed_with_its_type_as_a_download(world: SessionFront) -> None:
    case_id = await beneficiary_with_case(world)
    docx, odd = uuid4(), uuid4()
    content = b"PK\x03\x04" + bytes(range(256)) * 64
    world.sessions.files[docx] = (case_id, Streamed(content, DOCX, "Lettre de motivation.docx"))
    world.sessions.files[odd] = (case_id, Streamed(b"<script>", "text/html", "../x.html"))
    answer = await world.front.client.get(f"/beneficiary/messages/attachments/{docx}")
    assert answer.status_code == 200
    assert answer.content == content
    assert answer.headers["content-type"] == DOCX
    assert answer.headers["content-disposition"] == (
        'attachment; filename="Lettre de motivation.docx"; '
        "filename*=UTF-8''Lettre%20de%20motivation.docx"
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    odd_answer = await world.front.client.get(f"/beneficiary/messages/attachments/{odd}")
    assert odd_answer.headers["content-type"] == "application/octet-stream"
    assert odd_answer.headers["content-disposition"].startswith('attachment; filename="x.html"')


@pytest.mark.parametrize(
    ("refusal", "field", "said"),
    [
        (invalid("text", "empty"), "message-text", "Écrivez votre message, ou joignez un fichier"),
        (invalid("text", "string_too_long"), "message-text", "trop long (5 000 caractères"),
        (invalid("files", "unsupported_type"), "message-files", "pas d'un type accepté"),
        (invalid("files", "too_many"), "message-files", "Trois fichiers au plus par envoi"),
        (invalid("files", "empty"), "message-files", "est vide"),
        (ApiError(413, "too large"), "message-files", "dépasse 10 Mo"),
    ],
)
async def test_a_refused_message_keeps_its_text_and_names_the_field(
    world: SessionFront, refusal: ApiError, field: str, said: str
) -> None:
    await beneficiary_with_case(world)
    world.sessions.fail["post_message"] = refusal
    typed = "Bonjour <b>Camille</b>,\nvoici mes documents."
    answer = await post_form(
        world,
        "/beneficiary/messages",
        {"text": typed},
        [("files", ("cv.exe", b"MZ", "application/octet-stream"))],
    )
    assert answer.status_code == 422
    assert f'id="{field}-error">' in answer.text
    assert said in unescape(answer.text)
    assert "Votre message n'est pas envoyé." in unescape(answer.text)
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in answer.text or (
        f'{field}-error" aria-invalid="true"' in answer.text
    )
    assert "Bonjour &lt;b&gt;Camille&lt;/b&gt;,\nvoici mes documents.</textarea>" in answer.text
    assert "Les fichiers choisis n'ont pas été gardés" in answer.text


async def test_files_past_the_limits_go_to_the_service_to_be_refused(
    world: SessionFront,
) -> None:
    await beneficiary_with_case(world)
    big = b"%PDF" + b"x" * (MAX_FILE_BYTES + 500)
    files = [("files", (f"f{i}.pdf", b"%PDF small", "application/pdf")) for i in range(5)]
    answer = await post_form(
        world, "/beneficiary/messages", {"text": ""}, [("files", ("gros.pdf", big, PDF_TYPE))]
    )
    assert answer.status_code == 303  # the fake takes it: only the service judges sizes
    ((_, _, sent),) = world.sessions.called("post_message")
    # Read one byte past the limit, no more: enough for the service to refuse it.
    assert len(sent[0].content) == MAX_FILE_BYTES + 1
    answer = await post_form(world, "/beneficiary/messages", {"text": "Cinq."}, files)
    assert answer.status_code == 303
    # One file past the count is passed on, so that the service names the rule.
    assert len(world.sessions.called("post_message")[-1][2]) == 4
    # Empty file inputs send nameless parts, which are no files at all.
    answer = await post_form(
        world, "/beneficiary/messages", {"text": "Sans fichier."}, [("files", ("", b"", PDF_TYPE))]
    )
    assert world.sessions.called("post_message")[-1][2] == ()


async def test_a_body_past_three_files_is_refused_before_it_is_read(
    world: SessionFront,
) -> None:
    case_id = await counsellor_with_case(world)
    big = b"x" * (3 * MAX_FILE_BYTES + 200 * 1024)
    for path, back in (
        ("/beneficiary/messages", "/beneficiary/messages"),
        (f"/counsellor/cases/{case_id}/messages", f"/counsellor/cases/{case_id}"),
        (f"/beneficiary/tasks/{uuid4()}/complete", "/beneficiary/messages"),
    ):
        answer = await world.front.client.post(
            path, files={"files": ("gros.pdf", big, PDF_TYPE)}, data={"text": "x"}
        )
        assert answer.status_code == 413, path
        assert "3 fichiers au plus, de 10 Mo chacun" in unescape(answer.text)
        assert f'href="{back}"' in answer.text
    assert not world.sessions.called("post_message")
    # Past the forms' own limit but within the files': the post reaches the page.
    answer = await post_form(
        world,
        f"/counsellor/cases/{case_id}/messages",
        {"text": "Voici la fiche."},
        [("files", ("fiche.pdf", b"%PDF" + b"x" * (2 * MAX_BODY_BYTES), PDF_TYPE))],
    )
    assert answer.status_code == 303


async def test_the_beneficiary_completes_a_task_with_a_note_and_files(
    world: SessionFront,
) -> None:
    case_id = await beneficiary_with_case(world)
    todo = task(case_id)
    world.sessions.tasks_of[case_id] = [todo]
    path = f"/beneficiary/tasks/{todo.task_id}/complete"
    answer = await post_form(
        world,
        path,
        {"note": "J'ai rencontré M. Durand."},
        [("files", ("compte-rendu.pdf", b"%PDF cr", PDF_TYPE))],
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        f"/beneficiary/messages?done=task_completed#task-{todo.task_id}",
    )
    ((task_id, note, files),) = world.sessions.called("complete_task")
    assert (task_id, note) == (todo.task_id, "J'ai rencontré M. Durand.")
    assert files == (Upload("compte-rendu.pdf", b"%PDF cr", PDF_TYPE),)
    page = await world.front.client.get(answer.headers["location"])
    assert "votre conseiller voit que ce travail est fait" in unescape(page.text)
    again = await post_form(world, path, {"note": "Encore."})
    assert again.status_code == 409
    assert "Ce travail est déjà marqué comme fait." in unescape(again.text)


async def test_a_refused_completion_keeps_the_note_and_opens_its_form(
    world: SessionFront,
) -> None:
    case_id = await beneficiary_with_case(world)
    todo = task(case_id)
    world.sessions.tasks_of[case_id] = [todo]
    world.sessions.fail["complete_task"] = invalid("note", "string_too_long")
    answer = await post_form(
        world, f"/beneficiary/tasks/{todo.task_id}/complete", {"note": "Très long."}
    )
    assert answer.status_code == 422
    p = f"task-{todo.task_id}"
    assert f'id="{p}-note-error">Cette note est trop longue' in answer.text
    assert "Très long.</textarea>" in answer.text
    assert '<details class="action" open>' in answer.text


async def test_a_beneficiary_cannot_complete_another_persons_task(world: SessionFront) -> None:
    await beneficiary_with_case(world)
    other = uuid4()
    world.sessions.open_case(other, str(uuid4()))
    theirs = task(other)
    world.sessions.tasks_of[other] = [theirs]
    answer = await post_form(world, f"/beneficiary/tasks/{theirs.task_id}/complete", {"note": ""})
    assert answer.status_code == 404
    assert not world.sessions.tasks_of[other][0].done


async def test_a_beneficiary_never_reaches_the_counsellors_routes(world: SessionFront) -> None:
    case_id = await beneficiary_with_case(world)
    answer = await post_form(world, f"/counsellor/cases/{case_id}/messages", {"text": "x"})
    assert answer.status_code in (302, 303, 403)
    assert not world.sessions.called("post_message")


# The counsellor's case page -------------------------------------------------------------------


async def test_the_case_page_shows_messages_tasks_and_calls(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    sent = attachment(filename="cv.pdf")
    world.sessions.threads[case_id] = [
        message(text="Voici mon CV.", attachments=[sent]),
        message(author_role="counsellor", text="Bien reçu.", read_at="2026-11-23T08:00:00Z"),
    ]
    done = task(
        case_id,
        status="done",
        completed_at="2026-11-22T17:00:00Z",
        note="Rencontre faite.",
        attachments=[
            attachment(filename="notes.odt", media_type="application/vnd.oasis.opendocument.text")
        ],
    )
    world.sessions.tasks_of[case_id] = [done, task(case_id, title="Lire", due_on="2026-11-20")]
    world.sessions.calls_of[case_id] = [call(case_id), call(case_id, outcome="voicemail")]
    page = await world.front.client.get(f"/counsellor/cases/{case_id}")
    assert page.status_code == 200
    text = texts_of(page.text)
    assert 'id="messages"' in page.text
    assert "Inès Moreau le 22 novembre 2026 à 10 h 00" in text
    assert "Lu le 23 novembre 2026 à 9 h 00" in text
    assert f'href="/counsellor/attachments/{sent["attachment_id"]}"' in page.text
    assert f'action="/counsellor/cases/{case_id}/messages"' in page.text
    assert '<label for="reply-text">Votre message</label>' in page.text
    assert 'id="reply-files" name="files" multiple' in page.text
    assert "Travaux entre les séances" in text
    assert "Fait le 22 novembre 2026" in text
    assert "Rencontre faite." in text
    assert "Télécharger notes.odt (document ODT" in text
    assert "En retard" in text
    for name in ("title", "instructions", "kind", "due_on"):
        assert f'<label for="task-{name}">' in page.text
    assert 'min="2026-11-23"' in page.text
    for value, label in (("reading", "Lecture"), ("exercise", "Exercice")):
        assert f'<option value="{value}">{label}</option>' in page.text
    assert "Consigner un appel" in text
    for name in ("date", "started_at", "ended_at"):
        assert f'<label for="call-{name}">' in page.text
    assert 'type="date" id="call-date" name="date" max="2026-11-23" value="2026-11-23"' in page.text
    for value, label in (("reached", "Joint"), ("no_answer", "Pas de réponse")):
        assert f'value="{value}" id="call-outcome-{value}"> {label}</label>' in page.text
    assert "21 novembre 2026 à 10 h 30 12 min Joint" in text
    assert "Messagerie" in text
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_case_page_survives_the_service_being_down(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    for method in ("thread", "tasks", "calls"):
        world.sessions.fail[method] = ApiError(503, "down")
    page = await world.front.client.get(f"/counsellor/cases/{case_id}")
    assert page.status_code == 200
    for part in ("messages", "tasks", "calls"):
        assert f'id="{part}-unavailable"' in page.text
    assert 'id="reply-form"' not in page.text
    assert 'id="call-form"' in page.text  # logging needs no reading


async def test_the_counsellor_replies_and_a_refusal_keeps_the_text(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    path = f"/counsellor/cases/{case_id}/messages"
    answer = await post_form(
        world, path, {"text": "Voici la fiche."}, [("files", ("fiche.pdf", b"%PDF f", PDF_TYPE))]
    )
    assert answer.headers["location"] == f"/counsellor/cases/{case_id}?done=message_sent#thread-end"
    ((sent_case, text, files),) = world.sessions.called("post_message")
    assert (sent_case, text, len(files)) == (case_id, "Voici la fiche.", 1)
    world.sessions.fail["post_message"] = invalid("text", "empty")
    refused = await post_form(world, path, {"text": "   \n"})
    assert refused.status_code == 422
    assert 'id="reply-text-error">Écrivez votre message' in unescape(refused.text)
    assert "Le message n'est pas envoyé." in unescape(refused.text)
    # The case page is whole around the refusal.
    assert "Sa demande" in refused.text


async def test_the_counsellor_assigns_a_task_as_typed(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    form = {
        "title": "Enquête métier",
        "instructions": "Rencontrez un contrôleur qualité.",
        "kind": "enquiry",
        "due_on": "2026-12-04",
    }
    answer = await post_form(world, f"/counsellor/cases/{case_id}/tasks", form)
    assert answer.headers["location"] == f"/counsellor/cases/{case_id}?done=task_assigned#tasks"
    assert world.sessions.called("assign_task") == [(case_id, form)]
    world.sessions.fail["assign_task"] = invalid("due_on", "in_the_past")
    refused = await post_form(
        world, f"/counsellor/cases/{case_id}/tasks", {**form, "due_on": "2026-11-01"}
    )
    assert refused.status_code == 422
    text = unescape(refused.text)
    assert 'id="task-due_on-error">Cette échéance est passée' in text
    assert 'value="Enquête métier"' in text
    assert 'value="2026-11-01"' in refused.text
    assert '<option value="enquiry" selected>' in refused.text
    assert '<option value="">— Choisissez —</option>' in refused.text
    assert "Rencontrez un contrôleur qualité.</textarea>" in text


async def test_the_counsellor_logs_a_call_in_paris_time(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    path = f"/counsellor/cases/{case_id}/calls"
    form = {"date": "2026-11-23", "started_at": "14:05", "ended_at": "14:17", "outcome": "reached"}
    answer = await post_form(world, path, form)
    assert answer.headers["location"] == f"/counsellor/cases/{case_id}?done=call_logged#calls"
    ((logged_case, body),) = world.sessions.called("log_call")
    assert logged_case == case_id
    assert body == {
        "started_at": "2026-11-23T13:05:00+00:00",
        "ended_at": "2026-11-23T13:17:00+00:00",
        "outcome": "reached",
    }
    summer = {**form, "date": "2026-07-01"}
    await post_form(world, path, summer)
    assert world.sessions.called("log_call")[-1][1]["started_at"] == "2026-07-01T12:05:00+00:00"


async def test_a_call_the_page_cannot_read_or_the_service_refuses_keeps_the_form(
    world: SessionFront,
) -> None:
    case_id = await counsellor_with_case(world)
    path = f"/counsellor/cases/{case_id}/calls"
    unreadable = await post_form(
        world, path, {"date": "", "started_at": "25:00", "ended_at": "", "outcome": "voicemail"}
    )
    assert unreadable.status_code == 422
    assert not world.sessions.called("log_call")
    text = unescape(unreadable.text)
    assert 'id="call-date-error">Indiquez le jour de l\'appel.' in text
    assert "id=\"call-started_at-error\">Indiquez l'heure de début de l'appel (heures" in text
    assert "id=\"call-ended_at-error\">Indiquez l'heure de fin de l'appel." in text
    assert 'value="25:00"' in text
    assert 'value="voicemail" id="call-outcome-voicemail" checked>' in text
    world.sessions.fail["log_call"] = invalid("ended_at", "before_start")
    refused = await post_form(
        world,
        path,
        {"date": "2026-11-23", "started_at": "14:05", "ended_at": "13:00", "outcome": "reached"},
    )
    assert refused.status_code == 422
    assert 'id="call-ended_at-error">La fin de l\'appel doit suivre son début' in unescape(
        refused.text
    )
    world.sessions.fail["log_call"] = invalid("outcome", "enum")
    no_outcome = await post_form(
        world, path, {"date": "2026-11-23", "started_at": "14:05", "ended_at": "14:10"}
    )
    assert "id=\"call-outcome-error\">Choisissez comment l'appel s'est passé" in unescape(
        no_outcome.text
    )


async def test_the_counsellor_downloads_a_file_of_their_case(world: SessionFront) -> None:
    case_id = await counsellor_with_case(world)
    mine, theirs = uuid4(), uuid4()
    world.sessions.files[mine] = (case_id, Streamed(b"%PDF-1.7 cv", PDF_TYPE, "cv.pdf"))
    world.sessions.files[theirs] = (uuid4(), Streamed(b"%PDF other"))
    answer = await world.front.client.get(f"/counsellor/attachments/{mine}")
    assert (answer.status_code, answer.content) == (200, b"%PDF-1.7 cv")
    assert answer.headers["content-type"] == PDF_TYPE
    assert answer.headers["content-disposition"].startswith('attachment; filename="cv.pdf"')
    assert (await world.front.client.get(f"/counsellor/attachments/{theirs}")).status_code == 404


# The counsellor's home page -------------------------------------------------------------------


async def test_the_home_page_lists_threads_waiting_oldest_first(world: SessionFront) -> None:
    await sign_in(world.front, "counsellor", COUNSELLOR)
    older, newer = case_details(), case_details(beneficiary={**_person("Yanis", "Ferrand")})
    for case in (older, newer):
        world.front.intake.cases[case.case_id] = case
    lost = uuid4()  # intake cannot name this one
    world.sessions.waiting = [
        Unanswered.model_validate(
            {"case_id": str(newer.case_id), "waiting_since": "2026-11-22T16:00:00Z"}
        ),
        Unanswered.model_validate({"case_id": str(lost), "waiting_since": None}),
        Unanswered.model_validate(
            {"case_id": str(older.case_id), "waiting_since": "2026-11-20T08:00:00Z"}
        ),
    ]
    page = await world.front.client.get("/counsellor")
    assert page.status_code == 200
    text = texts_of(page.text)
    assert "Messages sans réponse" in text
    assert "3 personnes attendent votre réponse" in text
    assert text.index("Inès Moreau — en attente depuis le 20 novembre 2026 à 9 h 00") < text.index(
        "Yanis Ferrand — en attente depuis le 22 novembre 2026 à 17 h 00"
    )
    assert text.index("Yanis Ferrand") < text.index("Bénéficiaire sans nom")
    assert f'href="/counsellor/cases/{older.case_id}#messages"' in page.text
    world.sessions.waiting = []
    empty = await world.front.client.get("/counsellor")
    assert 'id="no-unanswered"' in empty.text
    world.sessions.fail["unanswered"] = ApiError(503, "down")
    down = await world.front.client.get("/counsellor")
    assert down.status_code == 200
    assert 'id="unanswered-unavailable"' in down.text


def _person(first: str, last: str) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}@example.org",
        "phone": None,
        "preferred_channel": "email",
        "languages": ["fr"],
    }


async def test_the_upload_script_is_served(world: SessionFront) -> None:
    answer = await world.front.client.get(SCRIPT_PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert b"XMLHttpRequest" in answer.content
    assert b"Envoi en cours" in answer.content
