"""Normalise contact details so duplicates are found whatever the spelling."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"[^\d+]")


def normalise_email(email: str) -> str:
    """Return the email in the form duplicates are compared on."""
    return email.strip().lower()


def normalise_phone(phone: str | None) -> str | None:
    """Return the phone in E.164-like form for French numbers, or digits only."""
    if not phone:
        return None
    digits = _NON_DIGITS.sub("", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return digits or None
