"""Run the service: python -m document_signature."""

from document_signature.entrypoints.main import main

main()
