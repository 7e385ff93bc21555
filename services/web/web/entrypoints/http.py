"""The web front's pages: sign-in and each persona's space, calling the services' APIs."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import RequestResponseEndpoint

from jalon_shared.access import Principal, Role
from jalon_shared.auth import AuthError, TokenIssuer, TokenVerifier
from jalon_shared.events.vocabulary import CONSENT_TEXT_VERSION
from web.adapters.services import ServiceClient, ServiceError
from web.application.ports import AccountStore, Clock, Hasher, Mailer
from web.application.request_sign_in_code import request_sign_in_code
from web.application.sign_in_staff import sign_in_staff
from web.application.verify_sign_in_code import verify_sign_in_code

COOKIE = "jalon_session"
SESSION_TTL = timedelta(minutes=15)
PAGE_SIZE = 25
TOPICS = [
    ("reconversion", "Reconversion"),
    ("training_cpf", "Formation / CPF"),
    ("vae", "VAE"),
    ("transition_project", "Projet de transition professionnelle"),
    ("job_search", "Recherche d'emploi"),
]
MODALITIES = [
    ("face_to_face", "En face-à-face"),
    ("phone", "Par téléphone"),
    ("video", "En visio"),
    ("asynchronous", "Par échanges écrits"),
]
ACCESSIBILITY = [
    ("disability", "Situation de handicap"),
    ("low_digital_skills", "Peu à l'aise avec le numérique"),
    ("no_equipment", "Pas d'ordinateur ni de smartphone"),
    ("reading_difficulties", "Difficultés de lecture"),
]
LANGUAGES = [
    ("fr", "français"),
    ("en", "anglais"),
    ("ar", "arabe"),
    ("es", "espagnol"),
    ("pt", "portugais"),
    ("de", "allemand"),
]
SERVICE_LEVELS = [
    ("accueil_individualise", "Accueil individualisé"),
    ("accompagnement_personnalise", "Accompagnement personnalisé"),
]
CASE_STATUSES = [("opened", "ouvert"), ("in_progress", "en cours"), ("closed", "clos")]
CASE_SORTS = [
    ("opened_at", "date d'ouverture"),
    ("last_contact_at", "dernier contact"),
    ("next_appointment_at", "prochain rendez-vous"),
]
CLOSE_REASONS = [
    ("path_completed", "parcours terminé"),
    ("beneficiary_withdrew", "abandon du bénéficiaire"),
    ("no_response", "sans réponse"),
    ("redirected", "réorienté"),
    ("other", "autre"),
]
#: The caseload filters the page passes through to intake, which validates them.
CASELOAD_FILTERS = ("status", "service_level", "site", "sort", "order")
PERSONAS = {
    Role.BENEFICIARY: "beneficiary",
    Role.COUNSELLOR: "counsellor",
    Role.MANAGER: "manager",
}
PERSONA_TITLES = {
    Role.BENEFICIARY: "Espace bénéficiaire",
    Role.COUNSELLOR: "Espace conseiller",
    Role.MANAGER: "Espace responsable régional",
}


@dataclass(frozen=True, slots=True)
class WebDeps:
    """What the pages need, built by the composition root."""

    accounts: AccountStore
    hasher: Hasher
    mailer: Mailer
    clock: Clock
    issuer: TokenIssuer
    verifier: TokenVerifier
    intake: ServiceClient
    reporting: ServiceClient
    dev_show_codes: bool
    secure_cookies: bool


def cell(value: dict[str, Any]) -> str:
    """Render a reporting cell, suppressed ones as '< 5'."""
    return "< 5" if value.get("suppressed") else str(value.get("value"))


def build_router(deps: WebDeps) -> APIRouter:
    """Return the pages bound to their dependencies."""
    router = APIRouter()
    templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
    templates.env.globals["cell"] = cell
    templates.env.globals.update(
        service_levels=SERVICE_LEVELS,
        case_statuses=CASE_STATUSES,
        case_sorts=CASE_SORTS,
        close_reasons=CLOSE_REASONS,
    )

    def page(
        request: Request, name: str, title: str, code: int = 200, **context: Any
    ) -> HTMLResponse:
        principal = current(request)
        who = f"{principal.sub} ({principal.role.value})" if principal else None
        return templates.TemplateResponse(
            request, name, {"title": title, "who": who, **context}, status_code=code
        )

    def current(request: Request) -> Principal | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            return deps.verifier.verify(token)
        except AuthError:
            return None

    def token_of(request: Request) -> str:
        return request.cookies.get(COOKIE, "")

    def signed_in(target: str, principal: Principal) -> RedirectResponse:
        token = deps.issuer.mint(
            principal.sub,
            principal.role,
            region=principal.region,
            site=principal.site,
            ttl=SESSION_TTL,
        )
        response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(SESSION_TTL.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=deps.secure_cookies,
        )
        return response

    def wrong_persona(request: Request, role: Role) -> Response:
        if current(request) is None:
            # No (or an expired) session: back to this persona's sign-in page.
            return RedirectResponse(f"/{PERSONAS[role]}", status_code=status.HTTP_303_SEE_OTHER)
        return page(
            request,
            "message.html",
            PERSONA_TITLES[role],
            code=403,
            error="Cet espace n'est pas accessible avec votre compte.",
        )

    @router.get("/", response_class=HTMLResponse)
    async def landing(request: Request) -> HTMLResponse:
        """Show the three personas' entrances."""
        return page(request, "landing.html", "Bienvenue sur Jalon")

    @router.post("/logout")
    async def logout() -> RedirectResponse:
        """Forget the session."""
        response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
        response.delete_cookie(COOKIE)
        return response

    # Beneficiary ---------------------------------------------------------------------------

    async def beneficiary_home(
        request: Request, principal: Principal, **context: Any
    ) -> HTMLResponse:
        account = await deps.accounts.beneficiary_by_id(UUID(principal.sub))
        cases: list[dict[str, Any]] = []
        cases_error: str | None = None
        try:
            held = await deps.intake.call("GET", "/me/export", token_of(request))
            cases = held.get("cases", []) if isinstance(held, dict) else []
        except ServiceError as exc:
            # Intake knows nobody before a first request: that is not an error to show.
            if exc.status != status.HTTP_404_NOT_FOUND:
                cases_error = explain(exc)
        return page(
            request,
            "beneficiary_home.html",
            PERSONA_TITLES[Role.BENEFICIARY],
            email=context.pop("email", account.email if account else ""),
            topics=TOPICS,
            modalities=MODALITIES,
            accessibility=ACCESSIBILITY,
            languages=LANGUAGES,
            consent_version=CONSENT_TEXT_VERSION,
            my_cases=cases,
            cases_error=cases_error,
            **context,
        )

    @router.get("/beneficiary", response_model=None)
    async def beneficiary(request: Request) -> Response:
        """Show the sign-in form, or the beneficiary's space."""
        principal = current(request)
        if principal is None:
            return page(request, "beneficiary_email.html", PERSONA_TITLES[Role.BENEFICIARY])
        if principal.role is not Role.BENEFICIARY:
            return wrong_persona(request, Role.BENEFICIARY)
        return await beneficiary_home(request, principal)

    @router.post("/beneficiary/code", response_class=HTMLResponse)
    async def beneficiary_code(
        request: Request, email: Annotated[str, Form(max_length=254)]
    ) -> HTMLResponse:
        """Send a one-time code to the email."""
        if "@" not in email:
            return page(
                request,
                "beneficiary_email.html",
                PERSONA_TITLES[Role.BENEFICIARY],
                code=422,
                error="Adresse électronique invalide.",
            )
        code = await request_sign_in_code(
            email,
            accounts=deps.accounts,
            hasher=deps.hasher,
            mailer=deps.mailer,
            clock=deps.clock,
        )
        return page(
            request,
            "beneficiary_code.html",
            PERSONA_TITLES[Role.BENEFICIARY],
            email=email,
            dev_code=code if deps.dev_show_codes else None,
            notice="Un code vous a été envoyé.",
        )

    @router.post("/beneficiary/verify", response_model=None)
    async def beneficiary_verify(
        request: Request,
        email: Annotated[str, Form(max_length=254)],
        code: Annotated[str, Form(max_length=12)],
    ) -> Response:
        """Sign the beneficiary in with their code."""
        account = await verify_sign_in_code(
            email, code, accounts=deps.accounts, hasher=deps.hasher, clock=deps.clock
        )
        if account is None:
            return page(
                request,
                "beneficiary_code.html",
                PERSONA_TITLES[Role.BENEFICIARY],
                code=401,
                email=email,
                error="Code incorrect ou expiré.",
            )
        principal = Principal(sub=str(account.beneficiary_id), role=Role.BENEFICIARY)
        return signed_in("/beneficiary", principal)

    @router.post("/beneficiary/request", response_model=None)
    async def beneficiary_request(request: Request) -> Response:
        """Submit the CEP request form to intake."""
        principal = current(request)
        if principal is None or principal.role is not Role.BENEFICIARY:
            return wrong_persona(request, Role.BENEFICIARY)
        form = await request.form()
        body = {
            "first_name": form.get("first_name", ""),
            "last_name": form.get("last_name", ""),
            "email": form.get("email", ""),
            "phone": form.get("phone") or None,
            "preferred_channel": form.get("preferred_channel", "email"),
            "employment_situation": form.get("employment_situation", ""),
            "csp": form.get("csp", ""),
            "region": form.get("region", ""),
            "site": form.get("site", ""),
            "need": form.get("need", ""),
            "topics": form.getlist("topics"),
            "modalities": form.getlist("modalities"),
            "availability": form.get("availability", ""),
            "accessibility": form.getlist("accessibility"),
            "languages": form.getlist("languages"),
            "service_level": form.get("service_level", "accueil_individualise"),
            "consent": {
                "accepted": form.get("consent") == "yes",
                "text_version": CONSENT_TEXT_VERSION,
            },
        }
        try:
            outcome = await deps.intake.call("POST", "/requests", token_of(request), json=body)
        except ServiceError as exc:
            return await beneficiary_home(
                request, principal, error=explain(exc), email=body["email"]
            )
        return await beneficiary_home(request, principal, outcome=outcome)

    @router.get("/beneficiary/export", response_model=None)
    async def beneficiary_export(request: Request) -> Response:
        """Download everything intake holds about the beneficiary."""
        principal = current(request)
        if principal is None or principal.role is not Role.BENEFICIARY:
            return wrong_persona(request, Role.BENEFICIARY)
        try:
            data = await deps.intake.call("GET", "/me/export", token_of(request))
        except ServiceError as exc:
            return await beneficiary_home(request, principal, error=explain(exc))
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="mes-donnees-jalon.json"'},
        )

    @router.post("/beneficiary/erase", response_model=None)
    async def beneficiary_erase(request: Request) -> Response:
        """Erase the beneficiary's data and sign them out."""
        principal = current(request)
        if principal is None or principal.role is not Role.BENEFICIARY:
            return wrong_persona(request, Role.BENEFICIARY)
        form = await request.form()
        if form.get("confirm") != "yes":
            # The confirmation is a form field, so it holds without JavaScript.
            return await beneficiary_home(
                request, principal, error="Cochez la case de confirmation pour effacer vos données."
            )
        try:
            await deps.intake.call("DELETE", "/me", token_of(request))
        except ServiceError as exc:
            return await beneficiary_home(request, principal, error=explain(exc))
        # The sign-in account holds the email too: erasure forgets it here as well.
        account = await deps.accounts.beneficiary_by_id(UUID(principal.sub))
        if account is not None:
            await deps.accounts.delete_beneficiary(account.email)
        response = page(
            request, "message.html", "Données effacées", notice="Vos données ont été effacées."
        )
        response.delete_cookie(COOKIE)
        return response

    # Staff ---------------------------------------------------------------------------------

    async def staff_login(request: Request, role: Role, persona: str) -> Response:
        form = await request.form()
        account = await sign_in_staff(
            str(form.get("account_id", "")),
            str(form.get("password", "")),
            accounts=deps.accounts,
            hasher=deps.hasher,
        )
        if account is None or account.role is not role:
            return page(
                request,
                "staff_signin.html",
                PERSONA_TITLES[role],
                code=401,
                persona=persona,
                error="Identifiant ou mot de passe incorrect.",
            )
        principal = Principal(
            sub=account.account_id, role=account.role, region=account.region, site=account.site
        )
        return signed_in(f"/{persona}", principal)

    @router.post("/counsellor/login", response_model=None)
    async def counsellor_login(request: Request) -> Response:
        """Sign a counsellor in."""
        return await staff_login(request, Role.COUNSELLOR, "counsellor")

    @router.post("/manager/login", response_model=None)
    async def manager_login(request: Request) -> Response:
        """Sign a manager in."""
        return await staff_login(request, Role.MANAGER, "manager")

    @router.get("/counsellor", response_model=None)
    async def counsellor(
        request: Request, offset: Annotated[int, Query(ge=0, le=100_000)] = 0
    ) -> Response:
        """Show the counsellor's caseload, filtered, sorted and paged, and their alerts."""
        principal = current(request)
        if principal is None:
            return page(
                request, "staff_signin.html", PERSONA_TITLES[Role.COUNSELLOR], persona="counsellor"
            )
        if principal.role is not Role.COUNSELLOR:
            return wrong_persona(request, Role.COUNSELLOR)
        filters = {
            name: request.query_params[name]
            for name in CASELOAD_FILTERS
            if request.query_params.get(name)
        }
        params = {**filters, "limit": PAGE_SIZE + 1, "offset": offset}
        errors: list[str] = []
        # Each call fails on its own, so a missing alerts route still leaves the caseload.
        try:
            cases = await deps.intake.call("GET", "/caseload", token_of(request), params=params)
        except ServiceError as exc:
            cases = []
            errors.append(f"Portefeuille indisponible ({exc.status}) : {explain(exc)}")
        try:
            alerts = await deps.intake.call("GET", "/caseload/alerts", token_of(request))
        except ServiceError as exc:
            alerts = None
            errors.append(f"Alertes indisponibles ({exc.status}) : {explain(exc)}")
        # One extra row was asked for only to know whether a next page exists.
        more = len(cases) > PAGE_SIZE
        return page(
            request,
            "counsellor_home.html",
            PERSONA_TITLES[Role.COUNSELLOR],
            cases=cases[:PAGE_SIZE],
            alerts=alerts,
            filters=filters,
            previous_url=page_url("/counsellor", filters, offset - PAGE_SIZE) if offset else None,
            next_url=page_url("/counsellor", filters, offset + PAGE_SIZE) if more else None,
            error=" ; ".join(errors) or None,
        )

    @router.get("/counsellor/cases/{case_id}", response_model=None)
    async def counsellor_case(request: Request, case_id: UUID) -> Response:
        """Show one case with its history and actions."""
        principal = current(request)
        if principal is None or principal.role is not Role.COUNSELLOR:
            return wrong_persona(request, Role.COUNSELLOR)
        try:
            case = await deps.intake.call("GET", f"/cases/{case_id}", token_of(request))
        except ServiceError as exc:
            return page(request, "message.html", "Dossier", code=exc.status, error=explain(exc))
        return page(request, "counsellor_case.html", "Dossier", case=case)

    @router.post("/counsellor/cases/{case_id}/{action}", response_model=None)
    async def counsellor_action(request: Request, case_id: UUID, action: str) -> Response:
        """Close, requalify or hand over a case."""
        principal = current(request)
        if principal is None or principal.role is not Role.COUNSELLOR:
            return wrong_persona(request, Role.COUNSELLOR)
        fields = {
            "close": "reason",
            "service-level": "service_level",
            "reassign": "to_counsellor_id",
        }
        if action not in fields:
            return page(request, "message.html", "Dossier", code=404, error="Action inconnue.")
        form = await request.form()
        body = {fields[action]: form.get(fields[action], "")}
        try:
            await deps.intake.call(
                "POST", f"/cases/{case_id}/{action}", token_of(request), json=body
            )
        except ServiceError as exc:
            return page(request, "message.html", "Dossier", code=exc.status, error=explain(exc))
        target = "/counsellor" if action == "reassign" else f"/counsellor/cases/{case_id}"
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)

    @router.get("/manager", response_model=None)
    async def manager(request: Request) -> Response:
        """Show the region's activity and counsellors."""
        principal = current(request)
        if principal is None:
            return page(
                request, "staff_signin.html", PERSONA_TITLES[Role.MANAGER], persona="manager"
            )
        if principal.role is not Role.MANAGER:
            return wrong_persona(request, Role.MANAGER)
        token = token_of(request)
        try:
            activity = await deps.reporting.call(
                "GET", f"/regions/{principal.region}/activity", token
            )
        except ServiceError as exc:
            return page(request, "message.html", "Activité", code=exc.status, error=explain(exc))
        counsellors_error: str | None = None
        try:
            counsellors = await deps.intake.call("GET", "/counsellors", token)
        except ServiceError as exc:
            # The activity stands on its own; the directory is extra.
            counsellors = []
            counsellors_error = (
                f"Liste des conseillers indisponible ({exc.status}) : {explain(exc)}"
            )
        return page(
            request,
            "manager_home.html",
            f"Activité · {principal.region}",
            activity=activity,
            counsellors=counsellors,
            counsellors_error=counsellors_error,
        )

    return router


PAGE_HEADERS = {
    # No script at all, forms only to this origin, never framed (the erase button is a target).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Pages carry personal data: no shared or back-button cache.
    "Cache-Control": "no-store",
}


async def page_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    """Add the browser protections every page carries."""
    response = await call_next(request)
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def page_url(path: str, filters: dict[str, str], offset: int) -> str:
    """Return the URL of another page of a filtered list."""
    return f"{path}?{urlencode({**filters, 'offset': max(offset, 0)})}"


def explain(error: ServiceError) -> str:
    """Turn a service's refusal into a sentence for the page."""
    if isinstance(error.detail, list):
        reasons = [
            f"{'.'.join(str(p) for p in item.get('loc', [])[1:])} : {item.get('msg')}"
            for item in error.detail
            if isinstance(item, dict)
        ]
        return "Merci de corriger : " + " ; ".join(reasons)
    if error.status == 503:
        return "Le service est momentanément indisponible ; réessayez dans un instant."
    return str(error.detail)
