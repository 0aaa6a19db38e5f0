"""The local Ollama server's settings, read from its process environment, else from glmtui's config.

The KV cache type, default context, per-GPU overhead, flash attention and parallel slots change what a
model needs (core/fit.py). Ollama takes them from its environment, so when the server runs on this
machine as a process we may read (`psutil.Process.environ()`, /proc/<pid>/environ on Linux), that is
the truth. Often we may not: Ollama installed as a service runs as its own `ollama` user
(AccessDenied), or it runs on another host. Then the `[ollama]` config table says what the user set
there, and anything it does not say is unknown (the fit assumes f16 and says so).

Only the five `OLLAMA_*` names of `ENV_NAMES` are ever picked out of the environment: the rest may
hold API keys and is neither kept nor logged. psutil can block (a /proc read): call `read_server_env`
from a thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import psutil

from glmtui.core.server_settings import ENV_NAMES, ServerSettings, settings_from_env
from glmtui.services.system_sampler import find_ollama_server


@dataclass(frozen=True, slots=True)
class ServerEnv:
    """The server's `OLLAMA_*` settings as found, or why they could not be read."""

    values: dict[str, str] | None = None  # None: not readable; {} readable with none of them set
    pid: int | None = None
    why_not: str = ""  # e.g. "Ollama runs as another user (pid 812): its environment is not readable"


def read_server_env(*, local: bool, pid: int | None = None) -> ServerEnv:
    """The environment of `pid`, or of the local `ollama serve` process found by name."""
    if not local:
        return ServerEnv(why_not="the server is on another host")
    try:
        process = psutil.Process(pid) if pid is not None else find_ollama_server()
    except (psutil.Error, OSError) as exc:
        return ServerEnv(why_not=f"the server process cannot be seen ({type(exc).__name__})")
    if process is None:
        return ServerEnv(why_not="no `ollama serve` process found on this machine")
    try:
        environ = process.environ()
    except psutil.AccessDenied:
        return ServerEnv(
            pid=process.pid,
            why_not=f"Ollama runs as another user (pid {process.pid}): its environment is not readable",
        )
    except psutil.NoSuchProcess:
        return ServerEnv(why_not="the server process exited while being read")
    except (psutil.Error, OSError) as exc:
        return ServerEnv(pid=process.pid, why_not=f"its environment cannot be read ({type(exc).__name__})")
    return ServerEnv({name: environ[name] for name in ENV_NAMES if name in environ}, process.pid)


def resolve_settings(
    env: ServerEnv, configured: ServerSettings, version: str | None
) -> tuple[ServerSettings, list[str]]:
    """The server's environment when it was readable (the config's `[ollama]` is then not needed),
    else the config; plus what was invalid in the environment, each as a sentence."""
    if env.values is not None:
        settings, problems = settings_from_env(env.values, version)
        where = f"the server's environment (pid {env.pid})" if env.pid is not None else settings.origin
        return replace(settings, origin=where), [f"Ollama's environment: {p}" for p in problems]
    origin = f"{env.why_not}; " if env.why_not else ""
    if configured != ServerSettings():
        origin += "using [ollama] from the config"
    else:
        origin += "nothing set in [ollama] of the config either"
    return replace(configured, version=version or None, origin=origin), []
