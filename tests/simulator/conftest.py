"""Fixtures for the simulator's own tests: a faster simulator than the shared one, and a client on it."""

from __future__ import annotations

from collections.abc import Iterator

import ollama
import pytest

from glmtui.simulator import Simulator
from tests.helpers import SIM_RATE


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fast simulator for these tests (shadows the shared fixture: higher rate, shorter pulls)."""
    with Simulator(rate=SIM_RATE, load_seconds=0.05, pull_seconds=0.2) as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> Iterator[ollama.Client]:
    with ollama.Client(host=sim.url) as c:
        yield c
