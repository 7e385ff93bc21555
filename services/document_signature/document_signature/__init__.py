"""Jalon document signature service."""
