"""The regional manager's space: the region's activity, its files and reports, its counsellors."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jalon_shared.access import Role
from jalon_shared.events.vocabulary import Csp, ServiceLevel
from jalon_shared.periods import PeriodKind
from web.application.dashboard_query import FIELDS, DashboardQuery, read_dashboard_query
from web.application.download_monthly_report import download_monthly_report
from web.application.draw_region_chart import UnknownChartError, draw_region_chart
from web.application.errors import ApiError
from web.application.export_region_csv import export_region_csv
from web.application.generate_monthly_report import (
    InvalidReportMonthError,
    generate_monthly_report,
)
from web.application.reporting_views import CHARTS, Dashboard, ReportSummary
from web.application.show_region_activity import RegionPage, show_region_activity
from web.domain.report_periods import ReportPeriod, parse_period, period_of, recent, span
from web.domain.sessions import Session
from web.entrypoints import labels
from web.entrypoints.deps import Deps, WebDeps
from web.entrypoints.errors import error_page
from web.entrypoints.figures import change_html, figure_html, file_size, ignored_note, pages
from web.entrypoints.formatting import PARIS
from web.entrypoints.pages import TEMPLATES, choices, render
from web.entrypoints.security import PAGE_HEADERS
from web.entrypoints.session import persona

router = APIRouter(tags=["manager"])
Manager = Annotated[Session, Depends(persona(Role.MANAGER))]
HOME = "/manager"
SCRIPT_PATH = "/scripts/manager-activity.js"
_SCRIPT = (Path(__file__).with_name("scripts") / "manager-activity.js").read_bytes()
#: The activity page runs its own script (period lists, report progress); nothing else changes.
ACTIVITY_PAGE_HEADERS: Mapping[str, str] = {
    "content-security-policy": PAGE_HEADERS["content-security-policy"].replace(
        "script-src 'none'", "script-src 'self'"
    )
}
#: A chart is an image: nothing it names is fetched or run, even when opened on its own.
SVG_HEADERS: Mapping[str, str] = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
}
#: A report's file name as reporting gives it, kept only when it is plain.
SAFE_PDF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.pdf")
#: How many full months the report form offers, besides the current one.
REPORT_MONTHS = 12

TEMPLATES.env.filters["figure"] = figure_html
TEMPLATES.env.filters["change"] = change_html
TEMPLATES.env.filters["report_size"] = file_size
TEMPLATES.env.filters["pages"] = pages
TEMPLATES.env.globals["ignored_note"] = ignored_note
TEMPLATES.env.globals["report_row"] = labels.report_row
TEMPLATES.env.globals["period_span"] = span
TEMPLATES.env.globals["dimensions"] = labels.DIMENSION


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of the page: where its image is, what it shows in words, and its data table."""

    code: str
    title: str
    alt: str
    src: str
    #: The breakdown its table shows, or None for the trend (the series).
    breakdown: str | None


@dataclass(frozen=True, slots=True)
class ReportForm:
    """The monthly report form as typed, and why it was refused."""

    month: str
    error: str | None = None


def paris_today(deps: WebDeps) -> date:
    """Return today's date in Paris, where the periods are counted."""
    return deps.clock().astimezone(PARIS).date()


def raw_query(params: Mapping[str, str]) -> dict[str, str]:
    """Return the dashboard's fields of a query string, as sent (bounded)."""
    return {name: str(params.get(name, ""))[:64] for name in FIELDS if params.get(name)}


def period_choices(kind: PeriodKind, today: date, chosen: ReportPeriod) -> list[tuple[str, str]]:
    """Return (key, French name) of the last 12 periods of a kind, the chosen one always among."""
    periods = recent(kind, today)
    if chosen.kind is kind and chosen not in periods:
        periods.append(chosen)
    current = period_of(kind, today)
    return [
        (p.key, f"{p.long_label} (en cours)" if p == current else p.long_label) for p in periods
    ]


def report_months(today: date) -> list[tuple[str, str]]:
    """Return the months a report may be generated for: this one (so far), then the last 12."""
    months = recent(PeriodKind.MONTH, today, REPORT_MONTHS + 1)
    return [(m.key, f"{m.label} (en cours)" if i == 0 else m.label) for i, m in enumerate(months)]


def month_label(key: str) -> str:
    """Return « octobre 2026 » for 2026-10 (the key itself if it is none)."""
    found = parse_period(PeriodKind.MONTH, key)
    return found.label if found else key


def filter_summary(query: DashboardQuery, sites: Mapping[str, str]) -> str:
    """Return the filters in words: « lieu d'accueil : Rennes ; modalité : Visio »."""
    parts = []
    if query.site:
        parts.append(f"lieu d'accueil : {sites.get(query.site, query.site)}")
    if query.level:
        parts.append(f"niveau de service : {labels.label(query.level, ServiceLevel)}")
    if query.modality:
        parts.append(f"modalité : {labels.appointment_modality(query.modality)}")
    if query.csp:
        parts.append(f"catégorie socio-professionnelle : {labels.label(query.csp, Csp)}")
    return " ; ".join(parts)


def charts(query: DashboardQuery, dashboard: Dashboard, sites: Mapping[str, str]) -> list[Chart]:
    """Return the four charts with their French descriptions, for the period and filters."""
    period = dashboard.period.label
    scope = filter_summary(query, sites)
    scope = f" ({scope})" if scope else ""
    trailing = labels.PERIOD_KIND_PLURAL[query.kind]
    table = "Les valeurs sont dans le tableau qui suit."
    described = {
        "activity": (
            f"Évolution sur les {trailing}",
            f"Graphique en courbes : demandes reçues, rendez-vous tenus, échanges synchrones et "
            f"échanges écrits sur les {trailing} jusqu'à {period}{scope}. {table}",
            None,
        ),
        "modalities": (
            "Rendez-vous par modalité",
            f"Graphique en barres : rendez-vous planifiés et tenus pour chaque modalité "
            f"(sur place, téléphone, visio, échanges écrits), {period}{scope}. {table}",
            "by_modality",
        ),
        "sites": (
            "Demandes par lieu d'accueil",
            f"Graphique en barres : demandes reçues dans chaque lieu d'accueil, "
            f"{period}{scope}. {table}",
            "by_site",
        ),
        "satisfaction": (
            "Satisfaction en fin de niveau",
            f"Graphique en barres : nombre de réponses pour chaque note de satisfaction, de 1 à 5, "
            f"{period}{scope}. {table}",
            "satisfaction_scores",
        ),
    }
    return [
        Chart(
            code=code,
            title=described[code][0],
            alt=described[code][1],
            src=f"{HOME}/charts/{code}.svg?{query.query_string()}",
            breakdown=described[code][2],
        )
        for code in CHARTS
    ]


def field_messages(invalid: Mapping[str, str]) -> dict[str, str]:
    """Return what to say beside each refused filter, naming it and what was applied instead."""
    found: dict[str, str] = {}
    for name, sent in invalid.items():
        field = labels.DASHBOARD_FIELD.get(name, name)
        shown = f"« {sent[:40]} »" if sent else "La valeur envoyée"
        if name == "period":
            instead = "Le mois est affiché."
        elif name == "at":
            instead = "La période en cours est affichée."
        else:
            instead = "Toutes les valeurs sont comptées."
        found[name] = f"{field} : {shown} n'est pas un choix proposé. {instead}"
    return found


def error_summary(invalid: Mapping[str, str]) -> str:
    """Return the page's alert naming every refused filter."""
    names = [labels.DASHBOARD_FIELD.get(n, n) for n in FIELDS if n in invalid]
    if len(names) == 1:
        return f"Le filtre « {names[0]} » n'est pas valide. Les autres choix sont conservés."
    listed = ", ".join(f"« {n} »" for n in names)
    return f"Les filtres {listed} ne sont pas valides. Les autres choix sont conservés."


def dashboard_unavailable(status_code: int | None) -> str:
    """Return why the figures are missing."""
    if status_code == status.HTTP_403_FORBIDDEN:
        return "Les indicateurs de cette région ne vous sont pas accessibles."
    if status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return "Les indicateurs n'ont pas pu être calculés pour ces filtres : corrigez-les."
    return "Les indicateurs sont momentanément indisponibles. Réessayez dans un instant."


def page_status(page: RegionPage) -> int:
    """Return the page's status: a refused filter, missing figures, or fine."""
    if page.invalid:
        return status.HTTP_422_UNPROCESSABLE_CONTENT
    if page.dashboard is None:
        code = page.dashboard_status or status.HTTP_503_SERVICE_UNAVAILABLE
        return code if code in (403, 422, 503) else status.HTTP_502_BAD_GATEWAY
    return status.HTTP_200_OK


async def activity_page(
    request: Request,
    session: Session,
    deps: WebDeps,
    raw: Mapping[str, str],
    *,
    report_form: ReportForm | None = None,
    status_code: int | None = None,
    generated: UUID | None = None,
) -> HTMLResponse:
    """Render the activity page for a query, with the report form as typed."""
    today = paris_today(deps)
    page = await show_region_activity(
        session, raw, today=today, intake=deps.intake, reporting=deps.reporting
    )
    region = page.region.label if page.region else "votre région"
    sites = {s.code: s.label for s in page.region.sites} if page.region else {}
    query = page.query
    months = report_months(today)
    # The last full month first: the one a funder's report is usually about.
    form = report_form or ReportForm(month=months[1][0])
    if form.month and form.month not in {key for key, _ in months}:
        # A month typed elsewhere is kept, so the refusal shows what was sent.
        months.insert(0, (form.month, month_label(form.month)))
    new_report: ReportSummary | None = None
    if generated is not None and page.reports:
        new_report = next((r for r in page.reports if r.report_id == generated), None)
    context: dict[str, Any] = {
        "page": page,
        "sites": sites,
        "region_label": region,
        "query": query,
        "dashboard": page.dashboard,
        "kinds": choices(PeriodKind),
        "periods": period_choices(query.kind, today, query.period),
        "other_periods": {
            kind.value: period_choices(kind, today, query.period)
            for kind in PeriodKind
            if kind is not query.kind
        },
        "site_choices": [(s.code, s.label) for s in page.region.sites] if page.region else [],
        "modality_choices": list(labels.APPOINTMENT_MODALITY.items()),
        "scope": filter_summary(query, sites),
        "charts": charts(query, page.dashboard, sites) if page.dashboard else [],
        "csv_href": f"{HOME}/export.csv?{query.query_string()}",
        "report_months": months,
        "report_form": form,
        "generated": generated,
        "new_report": new_report,
        "month_label": month_label,
        "trailing_label": labels.PERIOD_KIND_PLURAL[query.kind],
        "field_errors": field_messages(page.invalid),
        "dashboard_error": (
            None if page.dashboard is not None else dashboard_unavailable(page.dashboard_status)
        ),
    }
    if page.invalid:
        context["error"] = error_summary(page.invalid)
    elif form.error:
        context["error"] = form.error
    return await render(
        request,
        "manager_home.html",
        f"Activité · {region}",
        status_code=status_code or page_status(page),
        headers=ACTIVITY_PAGE_HEADERS,
        **context,
    )


@router.get(HOME, response_class=HTMLResponse)
async def region_activity(request: Request, session: Manager, deps: Deps) -> HTMLResponse:
    """Show the region's indicators, charts and tables for the chosen period and filters."""
    generated = request.query_params.get("generated", "")[:36]
    try:
        new_report = UUID(generated) if generated else None
    except ValueError:
        # A mangled link still shows the page, without the confirmation.
        new_report = None
    return await activity_page(
        request, session, deps, raw_query(request.query_params), generated=new_report
    )


@router.get(f"{HOME}/export.csv", response_model=None)
async def export_csv(request: Request, session: Manager, deps: Deps) -> Response:
    """Download the figures of the period and filters as the funder's CSV."""
    raw = raw_query(request.query_params)
    read = read_dashboard_query(raw, today=paris_today(deps), sites=None)
    if read.invalid:
        # The page names the refused filter and keeps the others.
        return RedirectResponse(f"{HOME}?{urlencode(raw)}", status_code=status.HTTP_303_SEE_OTHER)
    try:
        csv = await export_region_csv(session, read.query, reporting=deps.reporting)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 422, 503) else 502)
    region = session.principal.region or "region"
    name = f"jalon-activite-{region}-{read.query.period.key}.csv"
    return Response(
        csv.content,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get(f"{HOME}/charts/{{chart}}.svg", response_model=None)
async def chart_image(request: Request, session: Manager, deps: Deps, chart: str) -> Response:
    """Pass on one chart of the period and filters, as an image that runs nothing."""
    read = read_dashboard_query(
        raw_query(request.query_params), today=paris_today(deps), sites=None
    )
    if read.invalid:
        return Response("Filtres invalides", status_code=422, media_type="text/plain")
    try:
        svg = await draw_region_chart(session, chart, read.query, reporting=deps.reporting)
    except UnknownChartError:
        return Response("Graphique inconnu", status_code=404, media_type="text/plain")
    except ApiError as exc:
        # The page's img then shows its text alternative; the table below holds the figures.
        shown = exc.status if exc.status in (403, 404, 422, 503) else 502
        return Response("Graphique indisponible", status_code=shown, media_type="text/plain")
    return Response(svg.content, media_type="image/svg+xml", headers=dict(SVG_HEADERS))


@router.post(f"{HOME}/reports", response_model=None)
async def generate_report(request: Request, session: Manager, deps: Deps) -> Response:
    """Generate a month's report (seconds), then show the list with it."""
    form = await request.form()
    month = str(form.get("month", "")).strip()[:16]
    back = raw_query(dict(parse_qsl(str(form.get("back", ""))[:1000])))
    try:
        report = await generate_monthly_report(
            session, month, today=paris_today(deps), reporting=deps.reporting
        )
    except InvalidReportMonthError:
        return await activity_page(
            request,
            session,
            deps,
            back,
            report_form=ReportForm(month, "Choisissez un mois de la liste."),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    except ApiError as exc:
        return await activity_page(
            request,
            session,
            deps,
            back,
            report_form=ReportForm(month, report_refusal(exc)),
            status_code=exc.status if exc.status in (403, 409, 422, 503) else 502,
        )
    read = read_dashboard_query(back, today=paris_today(deps), sites=None)
    params = {**read.query.params(), "generated": str(report.report_id)}
    return RedirectResponse(
        f"{HOME}?{urlencode(params)}#reports", status_code=status.HTTP_303_SEE_OTHER
    )


def report_refusal(exc: ApiError) -> str:
    """Return why a report was not generated."""
    if exc.status == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return "Le rapport n'a pas été généré : ce mois n'est pas accepté. Choisissez-en un autre."
    if exc.status == status.HTTP_409_CONFLICT:
        return (
            "Un rapport de ce mois est déjà en cours de génération. "
            "Patientez un instant, puis actualisez la page."
        )
    if exc.status == status.HTTP_403_FORBIDDEN:
        return "Le rapport n'a pas été généré : cette région ne vous est pas accessible."
    return (
        "Le rapport n'a pas été généré : le service des statistiques est momentanément "
        "indisponible. Réessayez dans un instant."
    )


@router.get(f"{HOME}/reports/{{report_id}}.pdf", response_model=None)
async def report_pdf(request: Request, session: Manager, deps: Deps, report_id: UUID) -> Response:
    """Download one monthly report of the manager's region."""
    try:
        pdf = await download_monthly_report(session, report_id, reporting=deps.reporting)
    except ApiError as exc:
        return await error_page(request, exc.status if exc.status in (403, 404, 503) else 502)
    name = pdf.filename if pdf.filename and SAFE_PDF_NAME.fullmatch(pdf.filename) else None
    name = name or f"jalon-rapport-{session.principal.region or 'region'}-{report_id}.pdf"
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get(SCRIPT_PATH, include_in_schema=False)
async def activity_script() -> Response:
    """Serve the activity page's script (the page works without it)."""
    return Response(
        _SCRIPT,
        media_type="text/javascript",
        # Revalidated on each load, so that a new version never meets an old page.
        headers={"cache-control": "no-cache"},
    )
