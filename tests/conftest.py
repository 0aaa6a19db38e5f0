"""Shared fixtures only: a real simulator on loopback, isolated dirs (helpers live in tests/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glmtui.simulator import Simulator


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A fast simulator (high token rate, short loads and pulls) on a free port. A module or test marked
    `@pytest.mark.sim(rate=..., reply_tokens=...)` gets those settings over these (e.g. short replies,
    for tests that read requests rather than replies)."""
    marker = request.node.get_closest_marker("sim")
    settings: dict[str, Any] = {"rate": 2000.0, "load_seconds": 0.05, "pull_seconds": 0.3}
    settings |= marker.kwargs if marker is not None else {}
    simulator = Simulator(port=0, **settings).start()
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
