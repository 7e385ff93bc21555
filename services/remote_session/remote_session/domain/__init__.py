"""Rooms, participants, the call log and message threads."""
