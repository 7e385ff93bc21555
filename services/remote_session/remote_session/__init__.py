"""Jalon remote session service."""
