"""Jalon appointment service."""
