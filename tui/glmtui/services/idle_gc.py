"""IdleCollector: collect garbage between replies, then freeze what survives.

A long chat holds many objects (the rendered lines of every mounted reply), and Python's full
collections walk all of them: by turn 40 a collection paused the UI for ~340 ms, often mid-stream.
Collecting once after each reply, while nothing streams, and freezing the survivors keeps the
automatic collections during the next reply small. A full collection (unfreezing first) walks the
whole heap, so it runs every `full_every` replies: often enough that widgets unmounted since, which
hold reference cycles, are reclaimed rather than leak.
"""

from __future__ import annotations

import gc

FULL_GC_EVERY = 10


class IdleCollector:
    """Counts replies and collects after each: a young-generation pass, or a full one now and then."""

    def __init__(self, full_every: int = FULL_GC_EVERY) -> None:
        self.full_every = full_every
        self._since_full = 0

    def collect(self) -> None:
        """Call while nothing streams (the caller checks): collect, then freeze the survivors."""
        self._since_full += 1
        if self._since_full >= self.full_every:
            self._since_full = 0
            gc.unfreeze()
            gc.collect()
        else:
            gc.collect(1)  # this reply's short-lived garbage, so it is not frozen
        gc.freeze()
