"""Rooms, participants, the call log and message threads: not modelled yet."""
