"""Appointment's composition root: the one place its dependencies are built."""

from __future__ import annotations

from fastapi import FastAPI

from jalon_shared.directory import directory_router, register_directory
from jalon_shared.events import topics
from jalon_shared.events.appointment import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentRescheduled,
)
from jalon_shared.runtime import Infrastructure, create_service_app, serve, verifier_from
from jalon_shared.settings import DEV_PORTS, ServiceSettings


class AppointmentSettings(ServiceSettings):
    """Settings with this service's defaults."""

    service_name: str = "appointment"
    http_port: int = DEV_PORTS["appointment"]


def build_app(settings: ServiceSettings) -> FastAPI:
    """Wire the staff-directory copy, its case-access route and the declared contracts."""
    infra = Infrastructure.build(settings)
    directory = register_directory(infra)
    infra.document_publications(
        {
            topics.APPOINTMENT: [
                AppointmentBooked,
                AppointmentRescheduled,
                AppointmentCancelled,
                AppointmentHeld,
            ]
        }
    )
    return create_service_app(
        infra,
        title="Jalon appointment",
        description=(
            "Bookings, modality and consent, reminders and no-shows are to come (their event "
            "contracts are declared); today it keeps a copy of intake's staff directory and case "
            "ownership and answers case-access checks."
        ),
        routers=[directory_router(directory)],
        verifier=verifier_from(settings),
        on_startup=[directory.ensure_indexes],
    )


def main() -> None:
    """Run the service."""
    serve(build_app, AppointmentSettings())
