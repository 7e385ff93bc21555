"""Run the reporting service: python -m reporting."""

from reporting.entrypoints.main import main

main()
