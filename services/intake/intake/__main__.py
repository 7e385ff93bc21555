"""Run the intake service: python -m intake."""

from intake.entrypoints.main import main

main()
