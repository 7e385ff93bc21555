"""How the web front's use cases fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as dataclass_field


@dataclass(frozen=True, slots=True)
class FieldError:
    """One refused field of a request, as a service names it."""

    field: str
    type: str
    location: str = "body"
    #: The service's own English sentence; only read for figures it carries (tries left).
    message: str = dataclass_field(default="", compare=False)

    @property
    def form_field(self) -> str:
        """Return the form field this error belongs to ("topics.0" -> "topics")."""
        return self.field.split(".", 1)[0]


@dataclass(eq=False)
class ApiError(Exception):
    """A service refused or failed a call."""

    status: int
    detail: str = ""
    errors: tuple[FieldError, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(f"{self.status}: {self.detail}")


class MailNotSentError(Exception):
    """The notification channel did not take the message."""


class NotConfirmedError(Exception):
    """A lasting action was asked for without its confirmation."""
