"""Bookings, modality changes with consent, reminders and no-shows: not modelled yet."""
