"""Shared fixtures: a real simulator on loopback, and helpers for driving the app with Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from glmtui.simulator import Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fast simulator (high token rate, short loads and pulls) on a free port."""
    simulator = Simulator(port=0, rate=2000.0, load_seconds=0.05, pull_seconds=0.3).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the developer's real config, data or OLLAMA_HOST."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)


async def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a condition on the event loop (tests wait on conditions, never fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
