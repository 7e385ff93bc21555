"""French labels, dates and field messages of the pages, and text isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import (
    AccessibilityNeed,
    CaseAction,
    CaseAlert,
    CaseStatus,
    CloseReason,
    ContactChannel,
    Csp,
    EmploymentSituation,
    MatchedOn,
    Modality,
    NeedTopic,
    RequestOutcome,
    ReviewStatus,
    ServiceLevel,
)
from tests.unit.web_fakes import build_front, case_details, sign_in
from web.application.errors import FieldError
from web.application.submit_request import RequestDraft
from web.application.views import (
    HistoryEntry,
)
from web.entrypoints import labels
from web.entrypoints.formatting import french_date, french_datetime, french_phone
from web.entrypoints.forms import BY_FIELD, GENERIC, message_for, messages_by_field
from web.entrypoints.pages import FILTERS, history_line

#: Every enum whose codes a page shows.
SHOWN = (
    Csp,
    EmploymentSituation,
    ServiceLevel,
    Modality,
    NeedTopic,
    AccessibilityNeed,
    ContactChannel,
    CaseStatus,
    CloseReason,
    Role,
    CaseAction,
    CaseAlert,
    ReviewStatus,
    MatchedOn,
)


def test_every_member_of_every_enum_shown_has_a_french_label() -> None:
    for enum in SHOWN:
        table = labels.ENUM_LABELS[enum]
        for member in enum:
            assert table.get(member), f"{enum.__name__}.{member.name} has no label"
            assert labels.label(member.value, enum) == table[member]
    assert set(FILTERS.values()) <= set(labels.ENUM_LABELS)


def test_unknown_and_missing_codes_are_never_shown_raw() -> None:
    assert labels.label("brand_new_status", CaseStatus) == "Autre"
    assert labels.label(None, Csp) == "Non renseigné"
    assert labels.language("fr") == "Français"
    assert labels.language("lsf") == "Langue des signes française"


def test_every_request_outcome_has_a_confirmation() -> None:
    for outcome in RequestOutcome:
        assert labels.DONE.get(f"request_{outcome.value}"), outcome
    assert labels.DONE["request_case_opened_assigned"]


def test_every_form_field_has_a_french_message() -> None:
    for name in RequestDraft.model_fields:
        assert BY_FIELD.get(name), name


def test_dates_are_in_paris_time_and_french() -> None:
    winter = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert french_datetime(winter) == "23 novembre 2026 à 14 h 05"
    assert french_datetime(summer) == "1er juillet 2026 à 8 h 00"
    assert french_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1er janvier 2027"
    assert french_date(None) == "—"


def test_field_errors_become_french_sentences_beside_their_field() -> None:
    assert "autre personne" in message_for(FieldError("email", "contact_in_use"))
    assert "région choisie" in message_for(FieldError("site", "site_outside_region"))
    assert "invisibles" in message_for(FieldError("first_name", "invisible_only"))
    assert "5 sujets" in message_for(FieldError("topics", "too_long"))
    assert message_for(FieldError("mystery", "whatever")) == GENERIC
    found = messages_by_field(
        [
            FieldError("topics.0", "enum"),
            FieldError("topics.1", "enum"),
            FieldError("consent.accepted", "x"),
        ]
    )
    assert set(found) == {"topics", "consent"}


def test_history_is_told_in_french_with_names_isolated() -> None:
    at = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    moved = HistoryEntry(
        at=at,
        action="reassigned",
        by="manager",
        by_name="Anne Durand",
        counsellor_id="c-louise-martin",
        counsellor_name="Louise Martin",
        detail="from c-camille-bernard",
    )
    assert str(history_line(moved)) == (
        "Dossier transféré à <bdi>Louise Martin</bdi> (par <bdi>Anne Durand</bdi>)"
    )
    level = HistoryEntry(
        at=at,
        action="level_changed",
        by="counsellor:c-camille-bernard",
        detail="accueil_individualise -> accompagnement_personnalise",
    )
    assert str(history_line(level)) == (
        "Niveau de service changé : Accueil individualisé → Accompagnement personnalisé "
        "(par un conseiller)"
    )
    closed = HistoryEntry(at=at, action="closed", by="counsellor", detail="path_completed")
    assert "Dossier clos : Parcours terminé" in str(history_line(closed))
    evil = HistoryEntry(at=at, action="reassigned", by="manager", counsellor_name="<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in str(history_line(evil))


async def test_a_right_to_left_override_in_a_name_cannot_reorder_the_page() -> None:
    front = build_front()
    override = "\u202eevil\u202c"
    case = case_details(
        beneficiary={
            "first_name": override,
            "last_name": "Moreau",
            "email": f"{override}@example.org",
            "phone": None,
            "preferred_channel": "email",
            "languages": [],
        }
    )
    front.intake.cases[case.case_id] = case
    await sign_in(front, "counsellor", "c-camille-bernard")
    page = (await front.client.get(f"/counsellor/cases/{case.case_id}")).text
    assert page.count(override) >= 3
    for found in re.finditer(override, page):
        before = page[: found.start()]
        tag = before[before.rfind("<") :]
        if ">" not in tag:
            # Inside a tag: a link's address is not shown; a field's value needs dir="auto".
            assert tag.startswith("<a href=") or 'dir="auto"' in tag, tag
            continue
        # Shown text sits inside an isolating element, or between Unicode isolates.
        assert before.rfind("<bdi>") > before.rfind("</bdi>") or before.endswith("\u2068"), before[
            -80:
        ]


def test_french_numbers_are_shown_in_pairs_and_others_as_stored() -> None:
    assert french_phone("+33612345678") == "06 12 34 56 78"
    assert french_phone("+442071234567") == "+442071234567"
    assert french_phone(None) == ""
