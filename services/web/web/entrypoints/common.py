"""Pages for everyone: the home page, signing out, and the front's own API documentation."""
# FastAPI resolves route annotations at runtime, and these name local dependencies.

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from web.application.sign_out import sign_out
from web.entrypoints.deps import Deps
from web.entrypoints.pages import render
from web.entrypoints.session import COOKIE, check_form_token, current_session

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    """Show the three personas' entrances."""
    return await render(request, "landing.html", "Bienvenue sur Jalon")


@router.post("/sign-out")
async def sign_out_page(request: Request, deps: Deps) -> RedirectResponse:
    """End the session: the token is refused from now on, and the cookie is dropped."""
    session = await current_session(request)
    if session is not None:
        await check_form_token(request, session)
        await sign_out(session.principal, revocations=deps.revocations, clock=deps.clock)
    response = RedirectResponse("/?done=signed_out", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=deps.secure_cookies)
    return response


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    """List the front's routes from its OpenAPI document (a page without script)."""
    spec: dict[str, Any] = request.app.openapi()
    routes = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "tag": (operation.get("tags") or [""])[0],
        }
        for path, operations in spec.get("paths", {}).items()
        for method, operation in operations.items()
    ]
    return await render(request, "docs.html", "Documentation de l'API du site", routes=routes)
