"""One error hierarchy. Messages say what went wrong and what the user can do about it.

The CLI maps ``exit_code`` to the process exit status; the API maps ``http_status``.
"""

from __future__ import annotations


class ReachoutError(Exception):
    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class NotFoundError(ReachoutError):
    exit_code = 3
    http_status = 404


class ValidationError(ReachoutError):
    exit_code = 2
    http_status = 422


class ConflictError(ReachoutError):
    exit_code = 4
    http_status = 409


class LimitError(ReachoutError):
    """A platform or safety limit refuses an action; the message names the limit and by how much."""

    exit_code = 5
    http_status = 429
