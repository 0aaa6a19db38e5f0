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


def no_models(host: str) -> GlmTuiError:
    """The server lists no model at all."""
    return GlmTuiError(
        f"No models are installed on {host}", "pull one, e.g. `ollama pull glm-4.7-flash`, then press ctrl+n"
    )


def not_installed(model: str, host: str, installed: list[str]) -> GlmTuiError:
    """The chat's model is not among those the server lists."""
    return GlmTuiError(
        f"Model '{model}' is not installed on {host}",
        f"pull it with `ollama pull {model}`; installed: {', '.join(installed) or 'none'}",
        kind="not-found",
    )


# Something answered at the host, but not Ollama (another HTTP server, or not HTTP at all).
NOT_OLLAMA_KINDS = frozenset({"not-ollama", "not-http", "neither"})
OFFLINE = "offline"
NOT_OLLAMA = "not Ollama"  # a connection state: the server answers, so it is not offline


def connection_state(error: GlmTuiError) -> str:
    """The app's connection state after a failed check: offline, or reached but not Ollama."""
    return NOT_OLLAMA if error.kind in NOT_OLLAMA_KINDS else OFFLINE
