"""Small-cell suppression, primary and complementary.

A count of 1 to 4 people is hidden (primary). A hidden cell must not be recoverable by
subtracting the visible parts from a shown total, so wherever a total is shown with its parts,
a group with exactly one hidden part hides one more: the smallest visible non-zero part, else the
smallest visible part, else the total itself (complementary).
"""

from __future__ import annotations

from collections.abc import Sequence

#: Counts under this many people are hidden.
THRESHOLD = 5


def primary(count: int) -> bool:
    """Return whether a count must be hidden on its own."""
    return 0 < count < THRESHOLD


def protect(total: int, parts: Sequence[int]) -> tuple[bool, list[bool]]:
    """Return (total hidden, parts hidden) for a total shown with parts that sum to it."""
    total_hidden = primary(total)
    hidden = [primary(p) for p in parts]
    if total_hidden:
        # Every part is at most the total, so none can be shown safely either.
        return True, [p > 0 or h for p, h in zip(parts, hidden, strict=True)]
    if sum(hidden) != 1:
        return False, hidden
    visible = [i for i, h in enumerate(hidden) if not h]
    candidates = [i for i in visible if parts[i] > 0] or visible
    if not candidates:
        return True, hidden
    hidden[min(candidates, key=lambda i: (parts[i], i))] = True
    return False, hidden
