"""The services' APIs over HTTP, called with the signed-in person's token."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import httpx
import structlog
from pydantic import BaseModel, TypeAdapter, ValidationError

from jalon_shared.events.vocabulary import CloseReason, ServiceLevel
from jalon_shared.http import CORRELATION_HEADER
from jalon_shared.logging import current_correlation_id
from web.application.dashboard_query import DashboardQuery
from web.application.errors import ApiError, FieldError
from web.application.reporting_views import Dashboard, FetchedFile, ReportSummary
from web.application.views import (
    CaseDetails,
    CaseloadAlerts,
    CaseloadFilters,
    CaseloadItem,
    Counsellor,
    OwnData,
    Region,
    SubmittedRequest,
)

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)
_REGIONS = TypeAdapter(list[Region])
_COUNSELLORS = TypeAdapter(list[Counsellor])
_CASELOAD = TypeAdapter(list[CaseloadItem])
_REPORTS = TypeAdapter(list[ReportSummary])
_FILENAME = re.compile(r"""filename="?([^";]+)"?""", re.IGNORECASE)
#: A monthly report takes seconds to draw; longer than the other calls may wait.
REPORT_TIMEOUT_SECONDS = 120.0


def field_errors(body: Any) -> tuple[FieldError, ...]:
    """Read the field errors of an error body (the shared format, or FastAPI's own)."""
    if not isinstance(body, dict):
        return ()
    found: list[FieldError] = []
    if isinstance(body.get("errors"), list):
        for item in body["errors"]:
            if isinstance(item, dict) and item.get("field"):
                found.append(
                    FieldError(
                        field=str(item["field"]),
                        type=str(item.get("type", "")),
                        location=str(item.get("location", "body")),
                        message=str(item.get("message", ""))[:200],
                    )
                )
    elif isinstance(body.get("detail"), list):
        for item in body["detail"]:
            loc = item.get("loc", []) if isinstance(item, dict) else []
            if len(loc) > 1:
                found.append(
                    FieldError(
                        field=".".join(str(p) for p in loc[1:]),
                        type=str(item.get("type", "")),
                        location=str(loc[0]),
                    )
                )
    return tuple(found)


class ServiceClient:
    """One service's API, reached with the caller's bearer token."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, name: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._name = name

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        json: Any = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        data: Any = None,
        content: bytes | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call the API and return its JSON, or raise ApiError with its reason.

        Without a token the call is anonymous (the services' few public routes); a timeout
        replaces the client's own for this call only.
        """
        request = self._http.build_request(
            method,
            f"{self._base}{path}",
            json=json,
            params=params,
            files=files,
            data=data,
            content=content,
            headers=self._headers(token, headers),
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
        )
        response = await self._send(request, stream=False)
        return response.json() if response.content else None

    async def open(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Start reading a file answer; the caller reads its body, then closes it."""
        request = self._http.build_request(
            method, f"{self._base}{path}", headers=self._headers(token, headers)
        )
        return await self._send(request, stream=True)

    def _headers(self, token: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {CORRELATION_HEADER: current_correlation_id(), **(extra or {})}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        try:
            response = await self._http.send(request, stream=stream)
        except httpx.HTTPError as exc:
            log.warning("service unreachable", service=self._name, error_type=type(exc).__name__)
            raise ApiError(503, "service unavailable") from exc
        if response.status_code < 400:
            return response
        if stream:
            try:
                await response.aread()
            except httpx.HTTPError:
                # A refusal whose body is cut short is still a refusal, only without its reason.
                log.warning("refusal unreadable", service=self._name)
            finally:
                await response.aclose()
        try:
            body = response.json()
        except (ValueError, httpx.ResponseNotRead):
            body = None
        detail = body.get("detail") if isinstance(body, dict) else None
        raise ApiError(
            response.status_code,
            detail if isinstance(detail, str) else "",
            field_errors(body),
        )

    def parse(self, model: type[M], data: Any) -> M:
        """Read an answer as a view, or fail as a bad answer (never as the caller's fault)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            log.error("unexpected answer", service=self._name, view=model.__name__)
            raise ApiError(502, "unexpected answer") from exc

    def parse_list(self, adapter: TypeAdapter[list[M]], data: Any) -> list[M]:
        """Read a list answer as views."""
        if isinstance(data, dict) and "items" in data:
            data = data["items"]
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            log.error("unexpected answer", service=self._name)
            raise ApiError(502, "unexpected answer") from exc


class HttpIntakeApi:
    """IntakeApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def regions(self, token: str) -> list[Region]:
        """Return the regions and their sites."""
        return self._api.parse_list(
            _REGIONS, await self._api.call("GET", "/reference/regions", token)
        )

    async def submit_request(self, token: str, body: Mapping[str, Any]) -> SubmittedRequest:
        """Submit a CEP request."""
        data = await self._api.call("POST", "/requests", token, json=dict(body))
        return self._api.parse(SubmittedRequest, data)

    async def own_data(self, token: str) -> OwnData | None:
        """Return the beneficiary's data, or None when intake knows nothing of them yet."""
        try:
            data = await self._api.call("GET", "/me/export", token)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return self._api.parse(OwnData, data)

    async def export_own_data(self, token: str) -> dict[str, Any]:
        """Return everything intake holds about the beneficiary, as intake writes it."""
        data = await self._api.call("GET", "/me/export", token)
        if not isinstance(data, dict):
            raise ApiError(502, "unexpected answer")
        return data

    async def erase_own_data(self, token: str) -> None:
        """Erase the beneficiary's data."""
        await self._api.call("DELETE", "/me", token)

    async def caseload(
        self, token: str, filters: CaseloadFilters, *, limit: int, offset: int
    ) -> list[CaseloadItem]:
        """Return one page of the counsellor's caseload."""
        params = {**filters.query(), "limit": limit, "offset": offset}
        data = await self._api.call("GET", "/caseload", token, params=params)
        return self._api.parse_list(_CASELOAD, data)

    async def caseload_alerts(self, token: str) -> CaseloadAlerts:
        """Return the counsellor's cases that need attention."""
        return self._api.parse(
            CaseloadAlerts, await self._api.call("GET", "/caseload/alerts", token)
        )

    async def case(self, token: str, case_id: UUID) -> CaseDetails:
        """Return one case."""
        return self._api.parse(CaseDetails, await self._api.call("GET", f"/cases/{case_id}", token))

    async def _act(self, token: str, case_id: UUID, action: str, body: Any = None) -> CaseDetails:
        data = await self._api.call("POST", f"/cases/{case_id}/{action}", token, json=body)
        return self._api.parse(CaseDetails, data)

    async def reassign(self, token: str, case_id: UUID, to_counsellor_id: str) -> CaseDetails:
        """Hand the case over."""
        return await self._act(token, case_id, "reassign", {"to_counsellor_id": to_counsellor_id})

    async def change_service_level(
        self, token: str, case_id: UUID, level: ServiceLevel
    ) -> CaseDetails:
        """Requalify the case."""
        return await self._act(token, case_id, "service-level", {"service_level": level.value})

    async def close(self, token: str, case_id: UUID, reason: CloseReason) -> CaseDetails:
        """Close the case."""
        return await self._act(token, case_id, "close", {"reason": reason.value})

    async def confirm_duplicate(self, token: str, case_id: UUID, request_id: UUID) -> CaseDetails:
        """Confirm that a flagged request is this case's person."""
        return await self._act(token, case_id, f"duplicates/{request_id}/confirm")

    async def reject_duplicate(self, token: str, case_id: UUID, request_id: UUID) -> CaseDetails:
        """Say that a flagged request is someone else."""
        return await self._act(token, case_id, f"duplicates/{request_id}/reject")

    async def counsellors(self, token: str) -> list[Counsellor]:
        """Return the counsellors of the caller's region."""
        return self._api.parse_list(
            _COUNSELLORS, await self._api.call("GET", "/counsellors", token)
        )


class HttpReportingApi:
    """ReportingApi over HTTP."""

    def __init__(self, client: ServiceClient) -> None:
        self._api = client

    async def dashboard(self, token: str, region: str, query: DashboardQuery) -> Dashboard:
        """Return the region's dashboard for the period and filters."""
        data = await self._api.call(
            "GET", f"/regions/{region}/dashboard", token, params=query.params()
        )
        return self._api.parse(Dashboard, data)

    async def export_csv(self, token: str, region: str, query: DashboardQuery) -> FetchedFile:
        """Return the funder's CSV of the period and filters."""
        return await self._file(f"/regions/{region}/export.csv", token, query.params())

    async def chart(
        self, token: str, region: str, chart: str, query: DashboardQuery
    ) -> FetchedFile:
        """Return one chart of the period and filters, as SVG."""
        return await self._file(f"/regions/{region}/charts/{chart}.svg", token, query.params())

    async def reports(self, token: str, region: str) -> list[ReportSummary]:
        """Return the region's monthly reports, newest first."""
        data = await self._api.call("GET", f"/regions/{region}/reports", token)
        return self._api.parse_list(_REPORTS, data)

    async def generate_report(self, token: str, region: str, month: str) -> ReportSummary:
        """Generate a month's report and return it."""
        data = await self._api.call(
            "POST",
            f"/regions/{region}/reports",
            token,
            json={"month": month},
            timeout=REPORT_TIMEOUT_SECONDS,
        )
        return self._api.parse(ReportSummary, data)

    async def report_pdf(self, token: str, region: str, report_id: UUID) -> FetchedFile:
        """Return a monthly report's PDF."""
        return await self._file(f"/regions/{region}/reports/{report_id}.pdf", token, None)

    async def _file(self, path: str, token: str, params: Mapping[str, str] | None) -> FetchedFile:
        if params:
            path = f"{path}?{urlencode(params)}"
        response = await self._api.open("GET", path, token)
        try:
            content = await response.aread()
        except httpx.HTTPError as exc:
            log.warning("file cut short", service="reporting", error_type=type(exc).__name__)
            raise ApiError(502, "file cut short") from exc
        finally:
            await response.aclose()
        return FetchedFile(
            content=content,
            media_type=response.headers.get("content-type", "application/octet-stream"),
            filename=_filename(response.headers.get("content-disposition")),
        )


def _filename(disposition: str | None) -> str | None:
    found = _FILENAME.search(disposition or "")
    return found.group(1) if found else None
