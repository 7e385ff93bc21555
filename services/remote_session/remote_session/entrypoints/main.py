"""Remote session's composition root: the one place its dependencies are built."""

from __future__ import annotations

from fastapi import FastAPI

from jalon_shared.directory import directory_router, register_directory
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings


class RemoteSessionSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "remote_session"
    http_port: int = DEV_PORTS["remote_session"]


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire the staff-directory copy and its case-access route."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    return create_service_app(
        infra,
        title="Jalon remote session",
        description=(
            "WebRTC signalling, media relay, call log and threads are to come; today it keeps a "
            "copy of intake's staff directory and case ownership and answers case-access checks."
        ),
        routers=[directory_router(directory)],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes],
    )


def main() -> None:
    """Run the service."""
    serve(build_app, RemoteSessionSettings())
