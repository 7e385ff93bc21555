"""The loop that offers due follow-up surveys: it sleeps until the next is due or polls."""

from __future__ import annotations

from intake.application.follow_up_ports import FollowUpQueue
from intake.application.send_follow_up import FollowUpSending, send_next_follow_up
from jalon_shared.due_loop import DueWorkLoop


class FollowUpSender(DueWorkLoop):
    """Runs send_next_follow_up until nothing is due, then sleeps until due or polled."""

    def __init__(
        self, sending: FollowUpSending, queue: FollowUpQueue, *, poll_interval: float
    ) -> None:
        super().__init__(
            "follow-ups",
            lambda: send_next_follow_up(sending),
            queue.next_due,
            sending.clock,
            poll_interval=poll_interval,
        )
