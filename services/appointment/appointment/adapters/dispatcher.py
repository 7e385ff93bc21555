"""The loop that sends due notices: woken by commits, polling otherwise, stopped by cancel."""

from __future__ import annotations

from appointment.application.dispatch_notifications import Dispatch, dispatch_next
from jalon_shared.due_loop import DueWorkLoop


class NotificationDispatcher(DueWorkLoop):
    """Runs dispatch_next until nothing is due, then sleeps until woken, due or polled."""

    def __init__(self, dispatch: Dispatch, *, poll_interval: float = 1.0) -> None:
        super().__init__(
            "notifications",
            lambda: dispatch_next(dispatch),
            dispatch.store.next_due,
            dispatch.clock,
            poll_interval=poll_interval,
        )
        self._dispatch = dispatch

    @property
    def owner(self) -> str:
        """Return the name this dispatcher takes leases under."""
        return self._dispatch.owner
