"""Run the web front: python -m web."""

from web.entrypoints.main import main

main()
