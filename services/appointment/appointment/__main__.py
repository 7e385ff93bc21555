"""Run the service: python -m appointment."""

from appointment.entrypoints.main import main

main()
