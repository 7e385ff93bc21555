"""The manager's activity page over fakes: filters, figures in French, charts, CSV and reports."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import uuid4

import pytest

from jalon_dev.history import generate
from jalon_shared.periods import PeriodKind
from reporting.domain.dashboard import Filters
from reporting.domain.indicators import dashboard
from reporting.domain.memory import MemoryReadModel
from reporting.domain.periods import period, trailing
from tests.unit.web_dashboard_samples import sample_board
from tests.unit.web_fakes import NOW, Front, build_front, sign_in
from web.application.errors import ApiError, FieldError
from web.application.reporting_views import Dashboard, ReportCell, ReportSummary
from web.domain.report_periods import (
    latest_within,
    parse_any_period,
    parse_period,
    period_of,
    recent,
)
from web.entrypoints.figures import (
    MINUS,
    NNBSP,
    change_html,
    figure,
    file_size,
    french_number,
    ignored_note,
)

HOME = "/manager"


@pytest.fixture
async def front() -> Front:
    built = build_front()
    built.reporting.board = sample_board()
    await sign_in(built, "manager", "m-anne-durand")
    return built


def page_text(answer: Any) -> str:
    """Return the page with entities decoded and names' isolates dropped."""
    return html.unescape(str(answer.text)).replace("\u2068", "").replace("\u2069", "")


def element(text: str, tag: str, element_id: str) -> str:
    """Return one element's whole source by id (the first closing tag of its kind ends it)."""
    found = re.search(rf'<{tag} [^>]*id="{element_id}"[^>]*>.*?</{tag}>', text, re.DOTALL)
    assert found, f"no {tag}#{element_id}"
    return found.group(0)


def selected(text: str, select_id: str) -> str:
    """Return the value of a select's chosen option."""
    found = re.search(r'<option value="([^"]*)" selected>', element(text, "select", select_id))
    return found.group(1) if found else ""


def dashboard_queries(front: Front) -> list[dict[str, str]]:
    """Return the queries the page asked reporting's dashboard for."""
    return [args[1].params() for args in front.reporting.called("dashboard")]


# Filters -----------------------------------------------------------------------------------


async def test_the_page_has_a_get_filter_form_with_french_choices_and_every_control_labelled(
    front: Front,
) -> None:
    answer = await front.client.get(HOME)
    assert answer.status_code == 200
    text = page_text(answer)
    form = element(text, "form", "filters")
    assert 'method="get"' in form
    assert 'action="/manager"' in form
    for control in ("period", "at", "site", "level", "modality", "csp"):
        assert f'<label for="{control}">' in form, control
        assert f'<select id="{control}" name="{control}"' in form, control
    for shown in (
        "Semaine",
        "Mois",
        "Trimestre",
        "novembre 2026 (en cours)",
        "décembre 2025",
        "Tous les lieux d'accueil",
        "Rennes",
        "Brest",
        "Tous les niveaux",
        "Accompagnement personnalisé",
        "Toutes les modalités",
        "Visio",
        "Toutes les catégories",
        "Technicien, agent de maîtrise",
        "Appliquer",
    ):
        assert shown in form, shown
    assert '<a href="/manager" id="reset">Réinitialiser</a>' in form
    assert selected(text, "period") == "month"
    assert selected(text, "at") == "2026-11"
    assert selected(text, "site") == ""
    # Twelve months in the list, and the other kinds' lists ready for the script.
    assert element(text, "select", "at").count("<option") == 12
    assert '<template data-periods="week">' in form
    assert '<template data-periods="quarter">' in form
    assert "4e trimestre 2026 (en cours)" in form
    assert "semaine du 23 au 29 nov. 2026 (en cours)" in form
    assert dashboard_queries(front) == [{"period": "month", "at": "2026-11"}]


async def test_the_chosen_filters_are_applied_kept_and_passed_on(front: Front) -> None:
    query = (
        "period=quarter&at=2026-Q3&site=brest&level=accueil_individualise&modality=video&csp=cadre"
    )
    answer = await front.client.get(f"{HOME}?{query}")
    assert answer.status_code == 200
    text = page_text(answer)
    assert selected(text, "period") == "quarter"
    assert selected(text, "at") == "2026-Q3"
    assert "3e trimestre 2026" in element(text, "select", "at")
    for control, value in (
        ("site", "brest"),
        ("level", "accueil_individualise"),
        ("modality", "video"),
        ("csp", "cadre"),
    ):
        assert selected(text, control) == value, control
    assert dashboard_queries(front) == [
        {
            "period": "quarter",
            "at": "2026-Q3",
            "site": "brest",
            "level": "accueil_individualise",
            "modality": "video",
            "csp": "cadre",
        }
    ]


@pytest.mark.parametrize(
    ("query", "field", "named"),
    [
        ("modality=teleport", "modality", "Modalité"),
        ("at=2026-13", "at", "Période"),
        ("period=decade", "period", "Type de période"),
        ("site=le-havre", "site", "Lieu d'accueil"),
        ("csp=astronaute", "csp", "Catégorie socio-professionnelle"),
        ("level=3", "level", "Niveau de service"),
        ("at=2027-01", "at", "Période"),
    ],
)
async def test_an_invalid_filter_is_named_and_the_other_choices_are_kept(
    front: Front, query: str, field: str, named: str
) -> None:
    answer = await front.client.get(f"{HOME}?site=rennes&csp=ouvrier&level=&{query}")
    assert answer.status_code == 422
    text = page_text(answer)
    assert f"Le filtre « {named} » n'est pas valide" in element(text, "p", "error")
    select = element(text, "select", field)
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in select
    assert element(text, "p", f"{field}-error").startswith(f'<p class="field-error" id="{field}-')
    assert named in element(text, "p", f"{field}-error")
    sent = dashboard_queries(front)[0]
    if field != "site":
        assert selected(text, "site") == "rennes"
        assert sent["site"] == "rennes"
    if field != "csp":
        assert selected(text, "csp") == "ouvrier"
        assert sent["csp"] == "ouvrier"
    assert field not in sent or field in ("period", "at")
    # The page still shows the figures of what was valid.
    assert "Demandes reçues" in text


async def test_a_filter_reporting_refuses_is_named_too(front: Front) -> None:
    front.reporting.fail["dashboard"] = ApiError(
        422, "invalid period", (FieldError("at", "period_mismatch", "query"),)
    )
    answer = await front.client.get(f"{HOME}?at=2026-10")
    assert answer.status_code == 422
    text = page_text(answer)
    assert "Le filtre « Période » n'est pas valide" in text
    assert 'aria-describedby="at-error"' in element(text, "select", "at")


async def test_a_period_of_another_kind_becomes_the_latest_of_the_chosen_kind(
    front: Front,
) -> None:
    # The list still held months when the manager switched to weeks without the script.
    answer = await front.client.get(f"{HOME}?period=week&at=2026-11")
    assert answer.status_code == 200
    assert dashboard_queries(front) == [{"period": "week", "at": "2026-W48"}]
    october = await front.client.get(f"{HOME}?period=week&at=2026-10")
    assert october.status_code == 200
    assert dashboard_queries(front)[-1] == {"period": "week", "at": "2026-W44"}


async def test_the_region_is_the_sessions_never_the_querys(front: Front) -> None:
    await front.client.get(f"{HOME}?region=normandie")
    await front.client.get(f"{HOME}/export.csv?region=normandie")
    await front.client.get(f"{HOME}/charts/sites.svg?region=normandie")
    await front.post(f"{HOME}/reports?region=normandie", {"month": "2026-10", "region": "x"})
    regions = {region for _, region, _ in front.reporting.calls}
    assert regions == {"bretagne"}
    assert {name for name, _, _ in front.reporting.calls} >= {
        "dashboard",
        "export_csv",
        "chart",
        "reports",
        "generate_report",
    }


async def test_other_personas_reach_none_of_the_managers_files() -> None:
    front = build_front()
    front.reporting.board = sample_board()
    await sign_in(front, "counsellor", "c-camille-bernard")
    for path in (
        HOME,
        f"{HOME}/export.csv",
        f"{HOME}/charts/activity.svg",
        f"{HOME}/reports/{uuid4()}.pdf",
    ):
        assert (await front.client.get(path)).status_code == 403, path
    assert (await front.post(f"{HOME}/reports", {"month": "2026-10"})).status_code == 403
    assert front.reporting.calls == []


# Indicators --------------------------------------------------------------------------------


async def test_indicators_are_grouped_and_read_in_french_with_their_change(front: Front) -> None:
    text = page_text(await front.client.get(HOME))
    section = element(text, "section", "activity")
    for group in (
        "<caption>Demandes et bénéficiaires</caption>",
        "<caption>Rendez-vous</caption>",
        "<caption>Satisfaction</caption>",
    ):
        assert group in section, group
    assert '<th scope="col">novembre 2026</th><th scope="col">octobre 2026</th>' in section
    requests = element(section, "tr", "indicator-requests")
    assert f"1{NNBSP}234" in requests
    assert f"1{NNBSP}100" in requests
    assert "↑" in requests
    assert f'<span class="sr-only">en hausse de </span>+12{NNBSP}%' in requests
    held = element(section, "tr", "indicator-appointments_held")
    assert "↓" in held
    assert f"en baisse de </span>{MINUS}20{NNBSP}%" in held
    assert f"12,5{NNBSP}%" in element(section, "tr", "indicator-no_show_rate")
    assert f"42,5{NNBSP}min" in element(section, "tr", "indicator-session_mean_minutes")
    delay = element(section, "tr", "indicator-first_appointment_median_days")
    assert f"12{NNBSP}jours" in delay
    assert "stable" in delay
    assert f"26,5{NNBSP}h" in element(section, "tr", "indicator-signature_median_hours")
    assert "4,2 sur 5" in element(section, "tr", "indicator-satisfaction_mean")


async def test_hidden_figures_read_masque_and_the_page_says_why(front: Front) -> None:
    text = page_text(await front.client.get(HOME))
    opened = element(text, "tr", "indicator-cases_opened")
    assert '<span class="masked">masqué</span>' in opened
    assert "évolution non calculable" in opened
    assert (
        "Pour protéger les personnes, les effectifs de moins de 5 sont masqués, ainsi que les "
        "cases qui permettraient de les retrouver par différence."
    ) in element(text, "p", "suppression-note")
    signature = element(text, "tr", "indicator-signature_rate")
    assert '<span aria-hidden="true">—</span><span class="sr-only">non calculable</span>' in (
        signature
    )
    assert "masqué" not in signature
    assert "None" not in text


async def test_a_figure_that_ignores_an_active_filter_says_so(front: Front) -> None:
    plain = page_text(await front.client.get(HOME))
    assert "non ventilé" not in plain
    front.reporting.board = sample_board(filters={"modality": "video"})
    text = page_text(await front.client.get(f"{HOME}?modality=video"))
    assert "(non ventilé par modalité)" in element(text, "tr", "indicator-requests")
    assert "non ventilé" not in element(text, "tr", "indicator-appointments_held")
    assert "(non ventilé par modalité)" in element(text, "caption", "by_level-caption")


# Charts and tables -------------------------------------------------------------------------


async def test_charts_are_images_of_the_same_query_each_followed_by_its_table(
    front: Front,
) -> None:
    front.reporting.board = sample_board(filters={"site": "rennes"})
    text = page_text(await front.client.get(f"{HOME}?site=rennes&at=2026-10"))
    query = "period=month&at=2026-10&site=rennes"
    for chart in ("activity", "modalities", "sites", "satisfaction"):
        section = element(text, "section", f"chart-{chart}")
        image = re.search(r"<img [^>]*>", section)
        assert image, chart
        assert f'src="/manager/charts/{chart}.svg?{query}"' in image.group(0)
        alt = re.search(r'alt="([^"]+)"', image.group(0))
        assert alt, chart
        assert alt.group(1).startswith("Graphique"), chart
        assert "lieu d'accueil : Rennes" in alt.group(1)
        assert "<table" in section
        assert "<caption" in section
        assert 'scope="col"' in section
        assert 'scope="row"' in section
    series = element(text, "table", "series")
    assert series.count('<th scope="row">') == 12
    assert f"1{NNBSP}011" in series
    modalities = element(text, "table", "breakdown-by_modality")
    for row_label in ("Sur place", "Visio", "Téléphone", "À distance, en différé", "Total"):
        assert f"<bdi>{row_label}</bdi>" in modalities or row_label == "Total", row_label
    assert '<tfoot><tr><th scope="row">Total</th>' in modalities
    scores = element(text, "table", "breakdown-satisfaction_scores")
    assert "<bdi>4 sur 5</bdi>" in scores


async def test_every_breakdown_has_a_table_with_french_row_labels(front: Front) -> None:
    text = page_text(await front.client.get(HOME))
    for code in (
        "by_site",
        "by_modality",
        "by_level",
        "by_csp",
        "closures_by_reason",
        "satisfaction_scores",
        "follow_up_situation",
    ):
        assert f'id="breakdown-{code}"' in text, code
    for label in (
        "Accompagnement personnalisé",
        "Technicien, agent de maîtrise",
        "Parcours terminé",
        "Dans un nouvel emploi",
        "Lorient",
    ):
        assert f"<bdi>{label}" in text, label
    for code in ("accompagnement_personnalise", "technicien_agent_maitrise", "new_job"):
        assert f">{code}<" not in text


async def test_the_chart_route_passes_the_svg_on_as_an_image_that_runs_nothing(
    front: Front,
) -> None:
    answer = await front.client.get(
        f"{HOME}/charts/modalities.svg?period=month&at=2026-11&site=brest"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert (
        answer.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    )
    assert answer.content == front.reporting.svg
    (region, chart, query) = front.reporting.called("chart")[0]
    assert (region, chart) == ("bretagne", "modalities")
    assert query.params() == {"period": "month", "at": "2026-11", "site": "brest"}
    unknown = await front.client.get(f"{HOME}/charts/secrets.svg")
    assert unknown.status_code == 404
    invalid = await front.client.get(f"{HOME}/charts/sites.svg?modality=teleport")
    assert invalid.status_code == 422
    front.reporting.fail["chart"] = ApiError(503, "down")
    down = await front.client.get(f"{HOME}/charts/sites.svg")
    assert down.status_code == 503
    assert len(front.reporting.called("chart")) == 2


# CSV ---------------------------------------------------------------------------------------


async def test_the_csv_link_downloads_the_figures_of_the_same_query(front: Front) -> None:
    text = page_text(await front.client.get(f"{HOME}?period=week&at=2026-W47&csp=cadre"))
    link = element(text, "a", "csv-link")
    assert 'href="/manager/export.csv?period=week&at=2026-W47&csp=cadre"' in link
    assert "Télécharger les données (CSV)" in link
    answer = await front.client.get(f"{HOME}/export.csv?period=week&at=2026-W47&csp=cadre")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        answer.headers["content-disposition"]
        == 'attachment; filename="jalon-activite-bretagne-2026-W47.csv"'
    )
    assert answer.content == front.reporting.csv
    (region, query) = front.reporting.called("export_csv")[0]
    assert region == "bretagne"
    assert query.params() == {"period": "week", "at": "2026-W47", "csp": "cadre"}


async def test_a_csv_of_invalid_filters_leads_to_the_page_naming_them(front: Front) -> None:
    answer = await front.client.get(f"{HOME}/export.csv?modality=teleport&site=rennes")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/manager?site=rennes&modality=teleport"
    assert front.reporting.called("export_csv") == []


# Monthly reports ---------------------------------------------------------------------------


def report(month: str, generated_at: datetime, **extra: Any) -> ReportSummary:
    """Return a report as reporting lists it."""
    return ReportSummary(
        report_id=extra.pop("report_id", uuid4()),
        region="bretagne",
        month=month,
        generated_at=generated_at,
        pages=extra.pop("pages", 6),
        size_bytes=extra.pop("size_bytes", 245_300),
    )


async def test_reports_are_listed_with_french_months_and_paris_times(front: Front) -> None:
    october = report("2026-10", datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    september = report("2026-09", datetime(2026, 10, 1, 7, 5, tzinfo=UTC), size_bytes=1_260_000)
    front.reporting.report_list = [october, september]
    text = page_text(await front.client.get(HOME))
    listed = element(text, "table", "reports-list")
    row = element(listed, "tr", f"report-{october.report_id}")
    assert "octobre 2026" in row
    assert "3 novembre 2026 à 0 h 30" in row
    assert f"245{NNBSP}ko" in row
    assert ">6<" in row
    assert f'href="/manager/reports/{october.report_id}.pdf"' in row
    assert "le rapport de octobre 2026" in row
    assert f"1,3{NNBSP}Mo" in element(listed, "tr", f"report-{september.report_id}")
    form = element(text, "form", "report-form")
    assert 'method="post"' in form
    assert 'name="form_token"' in form
    assert '<label for="report-month">Mois</label>' in form
    assert selected(text, "report-month") == "2026-10"
    months = element(text, "select", "report-month")
    assert "novembre 2026 (en cours)" in months
    assert months.count("<option") == 13
    assert 'role="status" aria-live="polite"' in form


async def test_no_report_yet_and_reports_unavailable_are_said(front: Front) -> None:
    text = page_text(await front.client.get(HOME))
    assert "Aucun rapport généré pour l'instant." in text
    front.reporting.fail["reports"] = ApiError(503, "down")
    down = await front.client.get(HOME)
    assert down.status_code == 200
    assert "La liste des rapports est momentanément indisponible." in page_text(down)


async def test_generating_a_report_goes_back_to_the_list_with_a_notice_and_the_filters(
    front: Front,
) -> None:
    back = "period=week&at=2026-W47&site=rennes"
    answer = await front.post(f"{HOME}/reports", {"month": "2026-09", "back": back})
    assert answer.status_code == 303
    made = front.reporting.report_list[0]
    assert front.reporting.called("generate_report") == [("bretagne", "2026-09")]
    assert answer.headers["location"] == f"/manager?{back}&generated={made.report_id}#reports"
    page = await front.client.get(answer.headers["location"])
    text = page_text(page)
    assert "Le rapport de septembre 2026 est prêt : 4 pages" in element(text, "p", "report-done")
    assert 'class="new"' in element(text, "tr", f"report-{made.report_id}")
    assert selected(text, "site") == "rennes"


async def test_a_refused_generation_says_why_and_keeps_the_chosen_month(front: Front) -> None:
    front.reporting.fail["generate_report"] = ApiError(503, "down")
    answer = await front.post(f"{HOME}/reports", {"month": "2026-08", "back": "site=brest"})
    assert answer.status_code == 503
    text = page_text(answer)
    assert selected(text, "report-month") == "2026-08"
    assert 'aria-invalid="true"' in element(text, "select", "report-month")
    assert "momentanément indisponible" in element(text, "p", "report-month-error")
    assert "Le rapport n'a pas été généré" in element(text, "p", "error")
    assert selected(text, "site") == "brest"


async def test_a_month_not_begun_is_refused_before_reporting_and_kept(front: Front) -> None:
    answer = await front.post(f"{HOME}/reports", {"month": "2027-02"})
    assert answer.status_code == 422
    text = page_text(answer)
    assert selected(text, "report-month") == "2027-02"
    assert "Choisissez un mois de la liste." in element(text, "p", "report-month-error")
    assert front.reporting.called("generate_report") == []


async def test_generating_needs_the_forms_token(front: Front) -> None:
    answer = await front.client.post(
        f"{HOME}/reports", data={"month": "2026-10", "form_token": "forged"}
    )
    assert answer.status_code == 403
    assert "Ce formulaire a expiré" in answer.text
    assert front.reporting.called("generate_report") == []


async def test_a_report_downloads_as_a_pdf_attachment(front: Front) -> None:
    made = report("2026-10", NOW)
    front.reporting.report_list = [made]
    answer = await front.client.get(f"{HOME}/reports/{made.report_id}.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert (
        answer.headers["content-disposition"]
        == 'attachment; filename="jalon-rapport-bretagne-2026-10.pdf"'
    )
    assert answer.content == front.reporting.pdf
    missing = await front.client.get(f"{HOME}/reports/{uuid4()}.pdf")
    assert missing.status_code == 404
    assert "n'existe pas" in page_text(missing)


async def test_the_page_runs_only_its_own_script_which_says_a_report_is_under_way(
    front: Front,
) -> None:
    answer = await front.client.get(HOME)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "script-src 'none'" not in policy
    assert '<script src="/scripts/manager-activity.js" defer></script>' in answer.text
    script = await front.client.get("/scripts/manager-activity.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "Génération en cours…" in script.text
    # Other pages keep refusing every script.
    other = await front.client.get("/manager/site-closures")
    assert "script-src 'none'" in other.headers["content-security-policy"]


async def test_without_reporting_the_rest_of_the_page_still_shows(front: Front) -> None:
    front.reporting.board = None
    answer = await front.client.get(f"{HOME}?site=rennes")
    assert answer.status_code == 503
    text = page_text(answer)
    assert "Les indicateurs sont momentanément indisponibles" in text
    assert selected(text, "site") == "rennes"
    assert 'id="report-form"' in text
    assert 'href="/manager/site-closures"' in text
    assert "Conseillers de la région" in text


# Reporting's own dashboard, as the service builds it ----------------------------------------


@cache
def service_dashboard() -> dict[str, Any]:
    """Return the dashboard reporting's own code computes from a generated month of activity."""
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    history = generate(
        regions={"bretagne": ["rennes", "brest"]},
        start=now - timedelta(days=60),
        days=60,
        cases_per_day=4,
        seed=5,
        until=now,
    )
    model = MemoryReadModel()
    model.apply_all(history.ordered())
    periods = trailing(period(PeriodKind.MONTH, "2026-11"), 12)
    docs = model.documents("bretagne", "m", [p.key for p in periods])
    documents = {p.key: [docs[p.key]] if p.key in docs else [] for p in periods}
    board = dashboard(
        "bretagne", periods, documents, Filters(), {"rennes": "Rennes", "brest": "Brest"}
    )
    return board.model_dump(mode="json")


async def test_the_services_own_dashboard_is_read_and_shown_whole(front: Front) -> None:
    data = service_dashboard()
    front.reporting.board = Dashboard.model_validate(data)
    answer = await front.client.get(HOME)
    assert answer.status_code == 200
    text = page_text(answer)
    for indicator in data["indicators"]:
        assert f'id="indicator-{indicator["code"]}"' in text, indicator["code"]
    for breakdown in data["breakdowns"]:
        assert f'id="breakdown-{breakdown["code"]}"' in text, breakdown["code"]
    assert element(text, "table", "series").count('<th scope="row">') == 12
    assert "None" not in text
    assert "nan" not in text


async def test_reportings_own_samples_are_read_and_shown(front: Front) -> None:
    samples = pytest.importorskip("tests.unit.reporting_samples")
    for board in (samples.sample_dashboard(), samples.empty_dashboard()):
        data = board.model_dump(mode="json")
        front.reporting.board = Dashboard.model_validate(data)
        answer = await front.client.get(HOME)
        assert answer.status_code == 200
        text = page_text(answer)
        for indicator in data["indicators"]:
            assert f'id="indicator-{indicator["code"]}"' in text, indicator["code"]
        assert "None" not in text


# Figures, periods --------------------------------------------------------------------------


def test_figures_read_in_french() -> None:
    assert french_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert french_number(-3.25, 1) == f"{MINUS}3,2"
    assert figure(ReportCell(value=0.125), "rate") == f"12,5{NNBSP}%"
    assert figure(ReportCell(value=0.5), "rate") == f"50{NNBSP}%"
    assert figure(ReportCell(value=1.0), "days") == f"1{NNBSP}jour"
    assert figure(ReportCell(value=None, suppressed=True), "rate") == "masqué"
    assert figure(ReportCell(value=None), "count") == "—"
    assert figure(ReportCell(value=3.0), "count") == "3"
    assert "→" in change_html(0.0001)
    assert f"+4,5{NNBSP}%" in change_html(0.045)
    assert file_size(512) == f"512{NNBSP}octets"
    assert ignored_note(("modality", "csp"), ("csp", "modality", "site")) == (
        "(non ventilé par modalité ni par catégorie socio-professionnelle)"
    )
    assert ignored_note(("modality",), ("site",)) == ""


def test_periods_are_named_and_listed_in_french() -> None:
    today = date(2026, 11, 23)
    assert [p.key for p in recent(PeriodKind.QUARTER, today, 3)] == [
        "2026-Q4",
        "2026-Q3",
        "2026-Q2",
    ]
    assert [p.label for p in recent(PeriodKind.QUARTER, today, 5)][-1] == "4e trimestre 2025"
    assert parse_period(PeriodKind.QUARTER, "2026-Q1") is not None
    assert recent(PeriodKind.QUARTER, date(2026, 2, 1), 1)[0].label == "1er trimestre 2026"
    week = parse_period(PeriodKind.WEEK, "2026-W47")
    assert week is not None
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.label == "semaine du 16 nov. 2026"
    assert week.long_label == "semaine du 16 au 22 nov. 2026"
    turn = period_of(PeriodKind.WEEK, date(2026, 12, 31))
    assert turn.key == "2026-W53"
    assert turn.long_label == "semaine du 28 déc. 2026 au 3 janv. 2027"
    assert parse_period(PeriodKind.WEEK, "2025-W53") is None
    assert parse_period(PeriodKind.MONTH, "2026-13") is None
    month = parse_any_period("2026-11")
    assert month is not None
    assert month.label == "novembre 2026"
    assert latest_within(month, PeriodKind.WEEK, today).key == "2026-W48"
    assert latest_within(month, PeriodKind.WEEK, date(2027, 1, 5)).key == "2026-W49"
