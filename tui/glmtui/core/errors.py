"""The one error type the UI shows: a message plus a hint of what to do next."""

from __future__ import annotations


class GlmTuiError(Exception):
    """An error with a human message and a hint. `kind` lets the UI style or branch on it."""

    def __init__(self, message: str, hint: str = "", kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message
