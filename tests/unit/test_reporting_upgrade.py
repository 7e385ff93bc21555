"""A read model built by older code is rebuilt at startup, retried until a rebuild succeeds."""

from __future__ import annotations

from reporting.application.rebuild_read_model import RebuildReport
from reporting.application.upgrade_read_model import upgrade_read_model


class Model:
    """An outdated read model whose rebuilds fail, are refused, then succeed, in a given order."""

    def __init__(self, outcomes: list[str], *, outdated: bool = True) -> None:
        self.outcomes = outcomes
        self.is_outdated = outdated
        self.attempts = 0

    async def outdated(self) -> bool:
        return self.is_outdated

    async def rebuild(self) -> RebuildReport | None:
        self.attempts += 1
        outcome = self.outcomes.pop(0)
        if outcome == "down":
            raise ConnectionError
        if outcome == "busy":
            return None
        if outcome == "elsewhere":
            # Another instance's rebuild finished meanwhile.
            self.is_outdated = False
            return None
        self.is_outdated = False
        return RebuildReport(read=3, applied=3, seconds=0.1)


async def test_a_current_read_model_is_left_alone() -> None:
    model = Model([], outdated=False)
    await upgrade_read_model(model.outdated, model.rebuild, retry_seconds=0)
    assert model.attempts == 0


async def test_an_outdated_read_model_is_retried_past_failures_until_rebuilt() -> None:
    model = Model(["down", "busy", "done"])
    await upgrade_read_model(model.outdated, model.rebuild, retry_seconds=0)
    assert (model.attempts, model.is_outdated, model.outcomes) == (3, False, [])


async def test_another_instances_rebuild_ends_the_wait() -> None:
    model = Model(["busy", "elsewhere", "never reached"])
    await upgrade_read_model(model.outdated, model.rebuild, retry_seconds=0)
    assert (model.attempts, model.outcomes) == (2, ["never reached"])
