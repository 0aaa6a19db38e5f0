"""How fast a simulated engine works: prefill, decode, decode's slowdown as the context grows, jitter.

Both simulators pace their streams with a ``Pace`` and then *measure* what happened: the durations they
report are wall-clock intervals around the paced sleeps, never the planned figures. What a ``Pace`` sets
is the schedule (the rates a benchmark should find); the measurement is what it does find.

- **Prefill** runs at ``prompt_rate`` tokens/s (times the model's speed factor, as decode is), over the
  tokens the prompt cache does not already hold, capped at ``prompt_cap_s`` seconds (None: no cap). The
  defaults (5,000 tokens/s, 0.5 s) are what the simulator always did, so long chats stay snappy in the
  app's tests; a benchmark sets the cap to None so that prefill time grows with the prompt, as it does.
- **Decode slowdown** (off unless ``decode_half_ctx`` is set): every generated token reads the weights
  once and the whole KV cache once (attention looks at every earlier token), so the time per token is
  ``t0 + k·context``: a constant for the weights plus a term that grows with the context. Written as a
  rate, ``rate / (1 + context / half)``, where ``half = t0 / k`` is the context at which reading the cache
  costs as much as reading the weights, and decode runs at half its short-context rate. This is why
  llama.cpp's ``llama-bench`` has ``-d/--n-depth`` (decode measured with a pre-filled cache) and why the
  issue's bench sweeps ``--ctx``. One number keeps the model explainable and easy to check, where a
  per-model figure would pretend to a precision the simulator does not have. ``context`` is the prompt
  plus the tokens generated so far.
- **Jitter** (off unless ``jitter`` > 0): each request draws one factor, uniform in ``1 ± jitter``, from a
  ``random.Random(jitter_seed)``, and runs its prefill and decode at the rates times that factor. The
  draws are kept in ``draws`` (in request order), so a test knows how much repetitions vary and can check
  a stopping rule against the server-reported durations; setting ``jitter_seed`` restarts the sequence.
"""

from __future__ import annotations

import random
import threading
from typing import Any

DEFAULT_PROMPT_RATE = 5000.0  # tokens/s of prefill at speed 1.0
DEFAULT_PROMPT_CAP_S = 0.5  # seconds; None = no cap


class Pace:
    """The pacing knobs of one simulated server, and its seeded jitter sequence (thread-safe draws)."""

    def __init__(
        self,
        prompt_rate: float = DEFAULT_PROMPT_RATE,
        prompt_cap_s: float | None = DEFAULT_PROMPT_CAP_S,
        decode_half_ctx: int | None = None,
        jitter: float = 0.0,
        jitter_seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self.draws: list[float] = []
        self.prompt_rate = prompt_rate
        self.prompt_cap_s = prompt_cap_s
        self.decode_half_ctx = decode_half_ctx
        self.jitter = jitter
        self.jitter_seed = jitter_seed

    # ----- validated knobs (the control endpoint and the CLI set them too) ---------------------------
    @property
    def prompt_rate(self) -> float:
        """Prefill tokens/s at speed 1.0; 0 or less: prefill takes no time."""
        return self._prompt_rate

    @prompt_rate.setter
    def prompt_rate(self, value: float) -> None:
        self._prompt_rate = float(value)

    @property
    def prompt_cap_s(self) -> float | None:
        return self._prompt_cap_s

    @prompt_cap_s.setter
    def prompt_cap_s(self, value: float | None) -> None:
        if value is not None and value < 0:
            raise ValueError("prompt_cap_s must be >= 0 (or null for no cap)")
        self._prompt_cap_s = None if value is None else float(value)

    @property
    def decode_half_ctx(self) -> int | None:
        return self._decode_half_ctx

    @decode_half_ctx.setter
    def decode_half_ctx(self, value: int | None) -> None:
        if value is not None and value <= 0:
            raise ValueError("decode_half_ctx must be > 0 (or null for no slowdown)")
        self._decode_half_ctx = None if value is None else int(value)

    @property
    def jitter(self) -> float:
        return self._jitter

    @jitter.setter
    def jitter(self, value: float) -> None:
        if not 0.0 <= value < 1.0:
            raise ValueError("jitter must be in [0, 1): a relative spread of the per-request rate")
        self._jitter = float(value)

    @property
    def jitter_seed(self) -> int:
        return self._seed

    @jitter_seed.setter
    def jitter_seed(self, value: int) -> None:
        with self._lock:
            self._seed = int(value)
            self._rng = random.Random(self._seed)
            self.draws.clear()

    def knobs(self) -> dict[str, Any]:
        """The constructor's arguments that reproduce this pace (the jitter sequence starts afresh)."""
        return {
            "prompt_rate": self._prompt_rate,
            "prompt_cap_s": self._prompt_cap_s,
            "decode_half_ctx": self._decode_half_ctx,
            "jitter": self._jitter,
            "jitter_seed": self._seed,
        }

    # ----- per request -------------------------------------------------------------------------------
    def draw(self) -> float:
        """This request's rate factor: 1.0 without jitter, else the next of the seeded sequence."""
        if self._jitter <= 0:
            return 1.0
        with self._lock:
            factor = 1.0 + self._jitter * (2.0 * self._rng.random() - 1.0)
            self.draws.append(factor)
        return factor

    def prefill_seconds(self, tokens: int, speed: float = 1.0, factor: float = 1.0) -> float:
        """How long evaluating ``tokens`` prompt tokens takes (the cap applies to the jittered time)."""
        rate = self._prompt_rate * speed * factor
        if tokens <= 0 or rate <= 0:
            return 0.0
        seconds = tokens / rate
        return seconds if self._prompt_cap_s is None else min(self._prompt_cap_s, seconds)

    def decode_rate(self, rate: float, context: int) -> float:
        """The decode rate with ``context`` tokens in the KV cache (``rate`` already scaled and jittered)."""
        half = self._decode_half_ctx
        return rate if half is None else rate / (1.0 + context / half)
