"""The command line: --help, --version, and --demo's simulator process."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from glmtui import __version__
from glmtui.__main__ import parse_args, start_simulator


def test_version_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"glmtui {__version__}"
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--help"], capture_output=True, text=True, check=True
    )
    for flag in (
        "--host",
        "--model",
        "--think",
        "--config",
        "--demo",
        "--no-monitor",
        "Ctrl+J",
        "F2 monitor",
    ):
        assert flag in out.stdout


def test_help_shows_compare_as_two_models_and_a_prompt_not_a_repetition() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--help"], capture_output=True, text=True, check=True
    )
    assert "--compare MODEL_A MODEL_B [PROMPT]" in out.stdout and "..." not in out.stdout


def test_bad_think_value_is_rejected() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--think", "sometimes"])


def test_demo_simulator_starts_on_a_free_loopback_port() -> None:
    proc, url = start_simulator()
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/api/version", timeout=5) as response:
            assert b"version" in response.read()
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


def test_no_monitor_flag() -> None:
    assert parse_args(["--no-monitor"]).no_monitor is True
    assert parse_args([]).no_monitor is False
