"""Pull bookkeeping without any UI: progress over all layers, speed and ETA, and the queue of pulls.

Ollama reports each layer separately (`pulling <digest>` with that layer's total/completed); the user
wants one bar. `PullTracker` folds the lines into bytes done/total over all layers seen so far and a
rate measured only on bytes that arrived during this pull, so a resumed pull (whose first line already
says "60% done") does not claim an absurd speed. `PullQueue` runs one pull at a time, in order.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from glmtui.core.model_names import same_model
from glmtui.core.state import PullProgress, PullState, PullUpdate

RATE_WINDOW_S = 3.0  # speed is averaged over the last few seconds: steady, but follows real changes


class PullTracker:
    """Folds `/api/pull` lines into one progress figure for the whole model."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        self._layers: dict[str, tuple[int, int]] = {}  # digest → (total, completed)
        self._received = 0  # bytes downloaded during this pull (not those already on disk)
        self._samples: deque[tuple[float, int]] = deque()
        self.status = "pulling manifest"

    def feed(self, update: PullUpdate) -> None:
        self.status = _phase(update.status)
        if update.digest and update.total:
            completed = min(update.completed or 0, update.total)
            previous = self._layers.get(update.digest)
            if previous is not None:
                self._received += max(0, completed - previous[1])
            self._layers[update.digest] = (update.total, completed)
            now = self._clock()
            self._samples.append((now, self._received))
            while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW_S:
                self._samples.popleft()

    @property
    def completed(self) -> int:
        return sum(done for _, done in self._layers.values())

    @property
    def total(self) -> int:
        return sum(total for total, _ in self._layers.values())

    def rate(self) -> float | None:
        """Bytes per second over the last few seconds, or None before there is a span to measure."""
        if len(self._samples) < 2:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 - t0 >= 0.2 else None

    def progress(self) -> PullProgress:
        rate = self.rate()
        remaining = self.total - self.completed
        eta = remaining / rate if rate and remaining > 0 else (0.0 if self.total and not remaining else None)
        return PullProgress(self.name, "pulling", self.status, self.completed, self.total, rate, eta)


def _phase(status: str) -> str:
    # "pulling 1a2b3c4d5e6f" per layer reads as noise to a person: call it downloading.
    if status.startswith("pulling ") and status != "pulling manifest":
        return "downloading"
    return status or "pulling"


class PullQueue:
    """The pulls of this session, in the order asked: at most one `pulling`, the rest `queued`.

    Finished pulls stay listed (done, failed, cancelled) until cleared, so their outcome can be read.
    """

    def __init__(self) -> None:
        self._jobs: list[PullProgress] = []

    @property
    def jobs(self) -> tuple[PullProgress, ...]:
        return tuple(self._jobs)

    def find(self, name: str) -> PullProgress | None:
        return next((job for job in self._jobs if same_model(job.name, name)), None)

    def add(self, name: str) -> PullProgress | None:
        """Queue a pull; None when the same model is already queued or pulling."""
        existing = self.find(name)
        if existing is not None and existing.active:
            return None
        if existing is not None:
            self._jobs.remove(existing)  # a finished entry is replaced by the new attempt
        job = PullProgress(name)
        self._jobs.append(job)
        return job

    @property
    def current(self) -> PullProgress | None:
        return next((job for job in self._jobs if job.state == "pulling"), None)

    def start_next(self) -> PullProgress | None:
        """Mark the oldest queued pull as pulling (when none is) and return it."""
        if self.current is not None:
            return None
        job = next((job for job in self._jobs if job.state == "queued"), None)
        if job is not None:
            job = self._set(replace(job, state="pulling", status="pulling manifest"))
        return job

    def update(self, progress: PullProgress) -> None:
        job = self.find(progress.name)
        if job is not None and job.state == "pulling":
            self._set(progress)

    def finish(self, name: str, state: PullState, error: str | None = None, hint: str = "") -> None:
        job = self.find(name)
        if job is not None:
            status = {"done": "success", "failed": "failed", "cancelled": "cancelled"}.get(state, state)
            self._set(replace(job, state=state, status=status, error=error, hint=hint, rate=None, eta_s=None))

    def cancel_queued(self, name: str) -> bool:
        job = self.find(name)
        if job is None or job.state != "queued":
            return False
        self._set(replace(job, state="cancelled", status="cancelled"))
        return True

    def clear_finished(self) -> None:
        self._jobs = [job for job in self._jobs if job.active]

    def _set(self, job: PullProgress) -> PullProgress:
        for index, old in enumerate(self._jobs):
            if same_model(old.name, job.name):
                self._jobs[index] = job
        return job
