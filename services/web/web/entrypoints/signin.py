"""Sign-in pages: a one-time code by email for beneficiaries, passwords for staff."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Annotated

import structlog
from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jalon_shared.access import Principal, Role
from web.application.errors import MailNotSentError
from web.application.request_sign_in_code import request_sign_in_code
from web.application.sign_in_staff import sign_in_staff
from web.application.verify_sign_in_code import verify_sign_in_code
from web.domain.accounts import looks_like_email
from web.domain.rate_limits import TooManyAttemptsError
from web.entrypoints.deps import Deps
from web.entrypoints.pages import render
from web.entrypoints.session import SPACE_TITLES, SPACES, current_session, start_session

log = structlog.get_logger(__name__)
router = APIRouter(tags=["sign-in"])

MAX_EMAIL = 254
MAX_ID = 128
MAX_SECRET = 1024
Text = Annotated[str, Form()]


def client_address(request: Request) -> str:
    """Return the address the request came from (the proxy's, behind one)."""
    return request.client.host if request.client else "unknown"


def wait_message(exc: TooManyAttemptsError) -> str:
    """Say how long to wait, in minutes."""
    minutes = max(1, -(-exc.retry_after_seconds // 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Trop de tentatives. Réessayez dans {minutes} {unit}."


async def already_in(request: Request, role: Role) -> Response | None:
    """Send a person already signed in as this persona to their space."""
    session = await current_session(request)
    if session is not None and session.principal.role is role:
        return RedirectResponse(SPACES[role], status_code=status.HTTP_303_SEE_OTHER)
    return None


# Beneficiaries ------------------------------------------------------------------------------


@router.get("/beneficiary/sign-in", response_model=None)
async def beneficiary_sign_in(request: Request) -> Response:
    """Ask for the email a code is sent to."""
    return await already_in(request, Role.BENEFICIARY) or await render(
        request, "beneficiary_email.html", SPACE_TITLES[Role.BENEFICIARY], email=""
    )


@router.post("/beneficiary/code", response_class=HTMLResponse)
async def beneficiary_code(request: Request, deps: Deps, email: Text = "") -> HTMLResponse:
    """Send a one-time code to the email; say so only once it was really sent."""
    title = SPACE_TITLES[Role.BENEFICIARY]
    if len(email) > MAX_EMAIL or not looks_like_email(email.strip()):
        return await render(
            request,
            "beneficiary_email.html",
            title,
            status_code=422,
            email=email[:MAX_EMAIL],
            field_errors={
                "email": "Indiquez une adresse électronique valide, par exemple nom@exemple.fr."
            },
        )
    try:
        await request_sign_in_code(
            email,
            address=client_address(request),
            accounts=deps.accounts,
            hasher=deps.hasher,
            mailer=deps.mailer,
            limiter=deps.limiter,
            limits=deps.limits,
            clock=deps.clock,
        )
    except TooManyAttemptsError as exc:
        return await render(
            request,
            "beneficiary_email.html",
            title,
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_seconds)},
            email=email,
            error=wait_message(exc),
        )
    except MailNotSentError:
        return await render(
            request,
            "beneficiary_email.html",
            title,
            status_code=503,
            email=email,
            error=(
                "Le code n'a pas pu être envoyé : la messagerie est momentanément indisponible. "
                "Réessayez dans un instant."
            ),
        )
    return await render(
        request,
        "beneficiary_code.html",
        title,
        email=email.strip(),
        sent_to=email.strip(),
        dev_mailbox_url=deps.dev_mailbox_url,
    )


@router.post("/beneficiary/verify", response_model=None)
async def beneficiary_verify(
    request: Request, deps: Deps, email: Text = "", code: Text = ""
) -> Response:
    """Sign the beneficiary in with their code."""
    account = None
    if len(email) <= MAX_EMAIL and len(code) <= 12:
        account = await verify_sign_in_code(
            email, code, accounts=deps.accounts, hasher=deps.hasher, clock=deps.clock
        )
    if account is None:
        return await render(
            request,
            "beneficiary_code.html",
            SPACE_TITLES[Role.BENEFICIARY],
            status_code=401,
            email=email[:MAX_EMAIL],
            code=code[:12],
            field_errors={
                "code": "Code incorrect ou expiré. Vérifiez-le, ou demandez-en un nouveau."
            },
            dev_mailbox_url=deps.dev_mailbox_url,
        )
    principal = Principal(sub=str(account.beneficiary_id), role=Role.BENEFICIARY)
    return start_session(deps, principal, SPACES[Role.BENEFICIARY])


# Staff --------------------------------------------------------------------------------------


async def staff_sign_in_form(request: Request, role: Role) -> Response:
    """Show a staff persona's sign-in form."""
    return await already_in(request, role) or await render(
        request, "staff_signin.html", SPACE_TITLES[role], action=f"{SPACES[role]}/sign-in"
    )


async def staff_sign_in(
    request: Request, deps: Deps, role: Role, account_id: str, password: str
) -> Response:
    """Check a staff password, within the rate limits, and open the persona's space."""
    title = SPACE_TITLES[role]
    action = f"{SPACES[role]}/sign-in"
    account = None
    try:
        if len(account_id) <= MAX_ID and len(password) <= MAX_SECRET:
            account = await sign_in_staff(
                account_id,
                password,
                role,
                address=client_address(request),
                accounts=deps.accounts,
                hasher=deps.hasher,
                limiter=deps.limiter,
                limits=deps.limits,
                clock=deps.clock,
            )
    except TooManyAttemptsError as exc:
        log.warning("staff sign-in rate limited")
        return await render(
            request,
            "staff_signin.html",
            title,
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_seconds)},
            action=action,
            account_id=account_id[:MAX_ID],
            error=wait_message(exc),
        )
    if account is None:
        return await render(
            request,
            "staff_signin.html",
            title,
            status_code=401,
            action=action,
            account_id=account_id[:MAX_ID],
            error="Identifiant ou mot de passe incorrect.",
        )
    principal = Principal(
        sub=account.account_id, role=account.role, region=account.region, site=account.site
    )
    return start_session(deps, principal, SPACES[role])


@router.get("/counsellor/sign-in", response_model=None)
async def counsellor_sign_in_form(request: Request) -> Response:
    """Show the counsellors' sign-in form."""
    return await staff_sign_in_form(request, Role.COUNSELLOR)


@router.post("/counsellor/sign-in", response_model=None)
async def counsellor_sign_in(
    request: Request, deps: Deps, account_id: Text = "", password: Text = ""
) -> Response:
    """Sign a counsellor in."""
    return await staff_sign_in(request, deps, Role.COUNSELLOR, account_id, password)


@router.get("/manager/sign-in", response_model=None)
async def manager_sign_in_form(request: Request) -> Response:
    """Show the managers' sign-in form."""
    return await staff_sign_in_form(request, Role.MANAGER)


@router.post("/manager/sign-in", response_model=None)
async def manager_sign_in(
    request: Request, deps: Deps, account_id: Text = "", password: Text = ""
) -> Response:
    """Sign a manager in."""
    return await staff_sign_in(request, deps, Role.MANAGER, account_id, password)
