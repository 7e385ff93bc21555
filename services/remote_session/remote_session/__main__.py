"""Run the service: python -m remote_session."""

from remote_session.entrypoints.main import main

main()
