"""Fault injection for the simulator: what can go wrong, and the queue that hands faults out.

A fault is queued (from Python, ``POST /_sim/fault`` or ``--fault`` on the CLI) and consumed by the next
request that would stream tokens or pull progress (``/api/chat``, ``/api/generate``, ``/api/pull``), in
FIFO order; a fault with a ``path`` (``/api/show``, ``/api/tags``) is taken by a request to that endpoint
instead (``http500`` answers as Ollama does, ``stall`` holds the answer back until ``Simulator.release``).
Keeping the queue separate from the HTTP code lets tests reason about faults without sockets.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

from .catalogue import name_key
from .wire import ClientGone, Responder

FaultKind = Literal["drop", "stall", "http500", "error"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
DEFAULT_FAULT_MESSAGE = "simulated server error"
FAULT_PATHS = ("/api/show", "/api/tags")  # the non-streaming endpoints that take faults


@dataclass(frozen=True)
class Fault:
    """One injected failure.

    - ``drop``: close the TCP connection abruptly after ``after_tokens`` streamed lines (no final chunk and
      no terminating zero-length chunk), like a server that was killed.
    - ``stall``: after ``after_tokens`` lines, send nothing for ``seconds``, then carry on if the client is
      still connected.
    - ``http500``: answer ``500 {"error": message}`` before streaming anything.
    - ``error``: after ``after_tokens`` lines, send the in-band line ``{"error": message}`` and end the
      stream cleanly (this is how Ollama reports a runner failure mid-stream).
    """

    kind: FaultKind
    after_tokens: int = 0
    seconds: float = 30.0
    message: str = DEFAULT_FAULT_MESSAGE
    model: str | None = None  # only a request for this model takes it (two panes streaming at once)
    path: str | None = None  # only a request to this endpoint takes it (None: the streaming ones)

    def __post_init__(self) -> None:
        # Validate eagerly: a typo in a test or on the CLI should fail where it is written, not as a
        # puzzling non-event in the middle of a stream.
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (expected one of {', '.join(FAULT_KINDS)})")
        if self.after_tokens < 0:
            raise ValueError("after_tokens must be >= 0")
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")
        if self.path is not None and self.path not in FAULT_PATHS:
            raise ValueError(f"faults on {self.path!r} are not simulated (expected one of {FAULT_PATHS})")
        if self.path is not None and self.kind not in ("http500", "stall"):
            raise ValueError(f"{self.path} takes http500 or stall faults")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from the JSON body of ``POST /_sim/fault``; raises ValueError when malformed."""
        if not isinstance(data, dict):
            raise TypeError("fault must be a JSON object")
        unknown = set(data) - {"kind", "after_tokens", "seconds", "message", "model", "path"}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        try:
            return cls(
                kind=data["kind"],
                after_tokens=int(data.get("after_tokens", 0)),
                seconds=float(data.get("seconds", 30.0)),
                message=str(data.get("message", DEFAULT_FAULT_MESSAGE)),
                model=str(data["model"]) if data.get("model") is not None else None,
                path=str(data["path"]) if data.get("path") is not None else None,
            )
        except KeyError:
            raise ValueError("fault needs a 'kind'") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from None


def parse_fault_spec(spec: str) -> Fault:
    """Parse the CLI form: ``drop:N``, ``stall:N:SECS``, ``http500[:MESSAGE]``, ``error:N[:MESSAGE]``."""
    kind, _, rest = spec.partition(":")
    parts = rest.split(":", 1) if rest else []
    try:
        if kind == "drop" and len(parts) <= 1:
            return Fault("drop", after_tokens=int(parts[0]) if parts else 0)
        if kind == "stall" and parts:
            count, _, secs = rest.partition(":")
            return Fault("stall", after_tokens=int(count), seconds=float(secs) if secs else 30.0)
        if kind == "http500":
            return Fault("http500", message=rest or DEFAULT_FAULT_MESSAGE)
        if kind == "error" and parts:
            return Fault(
                "error",
                after_tokens=int(parts[0]),
                message=parts[1] if len(parts) > 1 else DEFAULT_FAULT_MESSAGE,
            )
    except ValueError as exc:
        raise ValueError(f"bad fault spec {spec!r}: {exc}") from None
    raise ValueError(f"bad fault spec {spec!r} (use drop:N, stall:N:SECS, http500[:MSG] or error:N[:MSG])")


class FaultQueue:
    """Thread-safe FIFO of pending faults; request handlers pop one each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[Fault] = deque()

    def push(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(fault)

    def pop(self, model: str | None = None, path: str | None = None) -> Fault | None:
        """The oldest fault for any model, or for `model` (names compared as Ollama does), on `path`
        (None: the streaming endpoints)."""
        key = name_key(model) if model else None
        with self._lock:
            for fault in self._pending:
                if fault.path != path:
                    continue
                if fault.model is None or (key is not None and name_key(fault.model) == key):
                    self._pending.remove(fault)
                    return fault
            return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)


class StreamEnded(Exception):
    """The response was completed early (an ``error`` fault); unwind without writing anything else."""


class LineStream(Protocol):
    """A started streaming body: NDJSON lines (Ollama) or SSE events (the OpenAI-compatible engines)."""

    def send(self, obj: Any) -> None: ...

    def end(self) -> None: ...


class Output:
    """Where a streaming endpoint sends its lines, with the request's fault applied on the way.

    Every line counts towards ``after_tokens`` (token chunks, pull progress and the final line alike), so
    ``drop`` after as many lines as there are tokens loses exactly the final ``done`` chunk. In
    non-streaming mode lines are only counted: the fault still fires at the same point in time.

    The wire format is Ollama's unless told otherwise: ``opener`` starts the stream, ``in_band`` makes
    the error line of an ``error`` fault, ``refuse`` answers it with a status before the first byte.
    """

    def __init__(
        self,
        responder: Responder,
        streaming: bool,
        fault: Fault | None,
        *,
        opener: Callable[[], LineStream] | None = None,
        in_band: Callable[[str], Any] | None = None,
        refuse: Callable[[int, str], None] | None = None,
    ) -> None:
        self.responder = responder
        self.streaming = streaming
        self.fault = fault if fault is not None and fault.kind != "http500" else None
        self.lines = 0
        self.resumed = False  # set after a stall, so token pacing restarts its schedule
        self._stream: LineStream | None = None
        self._opener: Callable[[], LineStream] = opener or responder.stream
        self._in_band: Callable[[str], Any] = in_band or (lambda message: {"error": message})
        self._refuse: Callable[[int, str], None] = refuse or responder.error

    def line(self, obj: Any) -> None:
        fault = self.fault
        if fault is not None and self.lines == fault.after_tokens:
            self.fault = None  # a fault fires once
            self._fire(fault)
        self.lines += 1
        if self.streaming:
            if self._stream is None:
                # Headers go out with the first line, as with Go's lazy WriteHeader: a request that dies
                # before producing anything never shows the client a 200.
                self._stream = self._opener()
            self._stream.send(obj)

    def end(self) -> None:
        """Terminate the chunked stream (streaming mode only)."""
        if self._stream is None:
            self._stream = self._opener()
        self._stream.end()

    def _fire(self, fault: Fault) -> None:
        if fault.kind == "drop":
            self.responder.abort()
            raise ClientGone("drop fault")
        if fault.kind == "stall":
            self.responder.wait(fault.seconds)
            self.resumed = True
            return
        # "error": once a stream has started Ollama sends {"error": ...} in-band; before the first byte
        # it still can, and does, answer with a real 500 status.
        if self.streaming and self._stream is not None:
            self.line(self._in_band(fault.message))
            self.end()
        else:
            self._refuse(500, fault.message)
        raise StreamEnded()
