"""Reading the Ollama server's settings from its process environment (psutil), else the config."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from glmtui.core.server_settings import ServerSettings
from glmtui.services.server_env import ServerEnv, read_server_env, resolve_settings
from tests.helpers import exec_done

SECRET = "sk-do-not-read-me"


@pytest.fixture
def server() -> Iterator[subprocess.Popen[bytes]]:
    """A process started with Ollama's variables and a secret beside them (as a server would be)."""
    env = {
        "OLLAMA_KV_CACHE_TYPE": "q4_0",
        "OLLAMA_CONTEXT_LENGTH": "nope",
        "OLLAMA_NUM_PARALLEL": "3",
        "OLLAMA_ORIGINS": "*",  # an OLLAMA_ name glmtui has no use for
        "OPENAI_API_KEY": SECRET,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], env=env, stdin=subprocess.PIPE
    )
    exec_done(proc.pid, "sys.stdin.read()")  # before the exec, /proc shows pytest's own environment
    yield proc
    proc.communicate(b"")


def test_the_servers_environment_is_read_and_only_ollamas_five_names_are_kept(
    server: subprocess.Popen[bytes],
) -> None:
    env = read_server_env(local=True, pid=server.pid)
    assert env.pid == server.pid and env.why_not == ""
    assert env.values == {
        "OLLAMA_KV_CACHE_TYPE": "q4_0",
        "OLLAMA_CONTEXT_LENGTH": "nope",
        "OLLAMA_NUM_PARALLEL": "3",
    }
    assert SECRET not in repr(env)
    settings, problems = resolve_settings(env, ServerSettings(cache_type="q8_0"), "0.15.5")
    # The environment wins over the config; its invalid value is reported, not fatal.
    assert (settings.cache_type, settings.cache_type_source, settings.num_parallel) == (
        "q4_0",
        "server environment",
        3,
    )
    assert settings.context_length is None and settings.version == "0.15.5"
    assert f"pid {server.pid}" in settings.origin
    assert len(problems) == 1 and "OLLAMA_CONTEXT_LENGTH='nope'" in problems[0]


def test_another_users_server_falls_back_to_the_config(
    server: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: psutil.Process) -> dict[str, str]:
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "environ", denied)  # what /proc says for another user's process
    env = read_server_env(local=True, pid=server.pid)
    assert env.values is None and "another user" in env.why_not
    configured = ServerSettings(cache_type="q8_0", cache_type_source="config")
    settings, problems = resolve_settings(env, configured, "0.14.3")
    assert (settings.cache_type, settings.cache_type_source, settings.version) == ("q8_0", "config", "0.14.3")
    assert problems == [] and "another user" in settings.origin and "[ollama]" in settings.origin
    # Nothing in the config either: unknown, and the fit says f16 is assumed.
    unknown, _ = resolve_settings(env, ServerSettings(), None)
    assert unknown.cache_type is None and unknown.cache_label() == "f16 assumed"
    assert "nothing set in [ollama]" in unknown.origin


def test_a_remote_or_vanished_server_is_not_read() -> None:
    assert read_server_env(local=False) == ServerEnv(why_not="the server is on another host")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    env = read_server_env(local=True, pid=gone.pid)
    assert env.values is None and "NoSuchProcess" in env.why_not
