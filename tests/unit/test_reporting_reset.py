"""Reporting's read-model reset drops the facts before the consumer's markers."""

from __future__ import annotations

from reporting.application.reset_read_model import reset_read_model


class Journal:
    """Records the order the reset touched the stores in."""

    def __init__(self) -> None:
        self.calls: list[str] = []


class Facts:
    def __init__(self, journal: Journal, count: int) -> None:
        self._journal = journal
        self._count = count

    async def clear(self) -> int:
        self._journal.calls.append("facts")
        return self._count


class Markers:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    async def reset(self) -> int:
        self._journal.calls.append("markers")
        return 3


async def test_facts_go_first_so_an_event_applied_meanwhile_is_applied_again() -> None:
    journal = Journal()
    removed = await reset_read_model(Facts(journal, 12), Markers(journal))
    assert removed == 12
    assert journal.calls == ["facts", "markers"]
