"""Mutable model state: what is installed, which blobs are on disk, what is loaded in (simulated) VRAM.

This mirrors the parts of Ollama's store and scheduler that a client can observe: ``/api/tags`` lists the
installed manifests, pulls resume from partially downloaded blobs, and ``/api/ps`` shows loaded models
with a keep-alive expiry and a GPU/CPU split when VRAM runs out. Everything is guarded by one lock; the
condition variable lets a load wait for busy models to finish before it evicts them, as the real
scheduler does.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .catalogue import PREINSTALLED, REGISTRY, SPECS, ModelSpec, name_key, normalize_name
from .memory import GPU_MINIMUM_MEMORY, KV_CACHE_TYPES, Allocation, allocation, resolve_num_ctx
from .prompt_cache import CachedPrompt

DEFAULT_KEEP_ALIVE = 300.0  # Ollama's default "5m"
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)")


def parse_keep_alive(value: object) -> float:
    """Seconds to keep a model loaded, from a JSON keep_alive (Go duration string or number of seconds).

    Negative means forever (``math.inf``), like Ollama. Raises ValueError/TypeError with Go's message.
    """
    if value is None:
        return DEFAULT_KEEP_ALIVE
    if isinstance(value, bool):
        raise TypeError("Unsupported type: 'bool'")
    if isinstance(value, (int, float)):
        return math.inf if value < 0 else float(value)
    if not isinstance(value, str):
        raise TypeError(f"Unsupported type: '{type(value).__name__}'")
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    total, pos = 0.0, 0
    for match in _GO_DURATION.finditer(body):
        if match.start() != pos or match.group(1) in ("", "."):
            break
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(body) or not body:
        raise ValueError(f'time: invalid duration "{value}"')
    return math.inf if sign < 0 else total


@dataclass
class Installed:
    """A manifest on disk: a display name pointing at a model spec."""

    name: str
    spec: ModelSpec
    modified_at: datetime


@dataclass
class Loaded:
    """A model resident in memory, as ``/api/ps`` reports it."""

    name: str
    spec: ModelSpec
    size: int
    size_vram: int
    context_length: int
    expires_at: float  # wall-clock epoch seconds; math.inf = never
    last_used: float
    refs: int = 0
    unload_when_idle: bool = False
    # The runner's cache slot (Ollama's default OLLAMA_NUM_PARALLEL is 1): the last prompt and its reply.
    # It lives and dies with the loaded runner, so an unload or a reload forgets it.
    prompt_cache: CachedPrompt | None = None


class ModelStore:
    """Installed models, blobs (complete and partial) and the loaded-model scheduler."""

    def __init__(
        self,
        vram_bytes: int,
        kv_cache_type: str = "f16",
        context_length: int | None = None,
        gpu_overhead: int = 0,
    ) -> None:
        if kv_cache_type not in KV_CACHE_TYPES:
            raise ValueError(f"kv_cache_type must be one of {', '.join(KV_CACHE_TYPES)}")
        self.vram_bytes = vram_bytes
        self.kv_cache_type = kv_cache_type  # OLLAMA_KV_CACHE_TYPE
        self.context_length = context_length  # OLLAMA_CONTEXT_LENGTH; None: the VRAM-tiered default
        self.gpu_overhead = gpu_overhead  # OLLAMA_GPU_OVERHEAD, bytes kept free per GPU
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._installed: dict[str, Installed] = {}
        self._blobs: set[str] = set()
        self._partial: dict[str, int] = {}
        self._loaded: dict[str, Loaded] = {}
        self._loading: set[str] = set()
        # Plausible "downloaded a while ago" times; the first preinstalled model is the newest, so it
        # heads /api/tags (sorted newest first, like `ollama list`) and is the app's natural default.
        base = datetime.now(UTC).astimezone() - timedelta(days=1)
        for i, name in enumerate(PREINSTALLED):
            self.install(name, SPECS[REGISTRY[name]], base - timedelta(hours=29 * i, seconds=17.25 * i))

    # ----- installed models -------------------------------------------------------------------------
    def install(self, name: str, spec: ModelSpec, when: datetime | None = None) -> None:
        with self._lock:
            display = normalize_name(name) or name
            self._installed[display.lower()] = Installed(display, spec, when or datetime.now().astimezone())
            for layer in spec.layers:
                self._blobs.add(layer.digest)
                self._partial.pop(layer.digest, None)

    def find(self, name: str) -> Installed | None:
        key = name_key(name)
        with self._lock:
            return self._installed.get(key) if key else None

    def installed(self) -> list[Installed]:
        with self._lock:
            # Newest first, like `ollama list`.
            return sorted(self._installed.values(), key=lambda m: m.modified_at, reverse=True)

    def copy(self, source: str, destination: str) -> bool:
        with self._lock:
            src = self.find(source)
            if src is None:
                return False
            self.install(destination, src.spec)
            return True

    def delete(self, name: str) -> bool:
        """Remove a manifest and any blobs no other manifest uses (Ollama prunes unused layers)."""
        key = name_key(name)
        with self._lock:
            if key is None or self._installed.pop(key, None) is None:
                return False
            in_use = {layer.digest for m in self._installed.values() for layer in m.spec.layers}
            self._blobs &= in_use
            return True

    # ----- blobs (pull progress) -------------------------------------------------------------------
    def blob_progress(self, digest: str) -> tuple[bool, int]:
        """(complete, bytes downloaded so far) for one blob."""
        with self._lock:
            return digest in self._blobs, self._partial.get(digest, 0)

    def add_blob_bytes(self, digest: str, size: int, count: int) -> int:
        """Record ``count`` more downloaded bytes of a blob; returns the new completed total."""
        with self._lock:
            if digest in self._blobs:
                return size
            done = min(size, self._partial.get(digest, 0) + count)
            if done >= size:
                self._partial.pop(digest, None)
                self._blobs.add(digest)
            else:
                self._partial[digest] = done
            return done

    # ----- loaded models (scheduler) ---------------------------------------------------------------
    def _prune(self, now: float) -> None:
        for key, entry in list(self._loaded.items()):
            if entry.refs == 0 and (entry.unload_when_idle or entry.expires_at <= now):
                del self._loaded[key]

    def loaded(self) -> list[Loaded]:
        with self._lock:
            self._prune(time.time())
            # Longest remaining keep-alive first, as Ollama sorts /api/ps.
            return sorted(self._loaded.values(), key=lambda e: e.expires_at, reverse=True)

    def is_loaded(self, name: str) -> bool:
        key = name_key(name)
        with self._lock:
            self._prune(time.time())
            return key in self._loaded

    def acquire(
        self,
        model: Installed,
        keep_alive: float,
        num_ctx: int | None,
        load_seconds: float,
        stopping: threading.Event,
    ) -> Loaded | None:
        """Make sure ``model`` is loaded and take a reference on it for one request.

        Sleeps ``load_seconds`` when the model has to be loaded (the caller measures that as
        load_duration). Returns None if the simulator is stopping meanwhile.
        """
        key = model.name.lower()
        ctx = self.num_ctx_for(model.spec, num_ctx)
        with self._lock:
            while True:
                if stopping.is_set():
                    return None
                self._prune(time.time())
                entry = self._loaded.get(key)
                if entry is not None and (entry.context_length == ctx or entry.refs > 0):
                    return self._take(entry, keep_alive)
                if key not in self._loading:
                    if entry is not None:  # different num_ctx and idle: Ollama reloads the runner
                        del self._loaded[key]
                    if self._make_room(self.allocation(model.spec, ctx).total):
                        self._loading.add(key)
                        break
                # Another request is loading this model, or busy models must finish before eviction.
                self._changed.wait(0.05)
        try:
            if load_seconds > 0 and stopping.wait(load_seconds):
                return None
            with self._lock:
                memory = self.allocation(model.spec, ctx)
                entry = Loaded(
                    model.name,
                    model.spec,
                    memory.total,
                    memory.on_gpu(self._free()),
                    ctx,
                    expires_at=0.0,
                    last_used=time.monotonic(),
                )
                self._loaded[key] = entry
                return self._take(entry, keep_alive)
        finally:
            with self._lock:
                self._loading.discard(key)
                self._changed.notify_all()

    def _take(self, entry: Loaded, keep_alive: float) -> Loaded:
        entry.refs += 1
        entry.last_used = time.monotonic()
        entry.unload_when_idle = keep_alive == 0
        entry.expires_at = time.time() + keep_alive if keep_alive != math.inf else math.inf
        return entry

    def num_ctx_for(self, spec: ModelSpec, requested: int | None) -> int:
        """The context a load of ``spec`` uses (request, Modelfile, OLLAMA_CONTEXT_LENGTH, VRAM tier)."""
        modelfile = dict(spec.parameters).get("num_ctx")
        return resolve_num_ctx(
            request=requested,
            modelfile=int(modelfile) if modelfile is not None else None,
            env_context_length=self.context_length,
            total_vram=self.vram_bytes,
            gpu_overhead=self.gpu_overhead,
            trained=spec.context_length,
        )

    def allocation(self, spec: ModelSpec, num_ctx: int) -> Allocation:
        """What the simulated server allocates for ``spec`` at ``num_ctx`` with the current cache type."""
        return allocation(spec.model_info(verbose=True), spec.weights_bytes, num_ctx, self.kv_cache_type)

    def _free(self) -> int:
        """VRAM a new model may use: total less Ollama's per-GPU reserve and what loaded models hold."""
        reserve = GPU_MINIMUM_MEMORY + self.gpu_overhead
        return max(0, self.vram_bytes - reserve - sum(e.size_vram for e in self._loaded.values()))

    def _make_room(self, needed: int) -> bool:
        """Evict idle models, oldest first, until ``needed`` bytes fit in VRAM.

        Returns False when only busy models stand in the way (the caller waits and retries). A model that
        is bigger than all of VRAM loads anyway once it is alone, split between GPU and CPU.
        """
        for key, entry in sorted(self._loaded.items(), key=lambda kv: kv[1].last_used):
            if needed <= self._free():
                break
            if entry.refs == 0:
                del self._loaded[key]
        return needed <= self._free() or not any(e.refs > 0 for e in self._loaded.values())

    def release(self, entry: Loaded, keep_alive: float) -> None:
        """Drop a request's reference; the keep-alive countdown starts now (0 unloads at once)."""
        with self._lock:
            entry.refs = max(0, entry.refs - 1)
            entry.last_used = time.monotonic()
            entry.unload_when_idle = entry.unload_when_idle or keep_alive == 0
            entry.expires_at = time.time() + keep_alive if keep_alive != math.inf else math.inf
            self._prune(time.time())
            self._changed.notify_all()

    def unload(self, name: str) -> None:
        """Expire a model now (after its in-flight requests finish, if any)."""
        key = name_key(name)
        with self._lock:
            entry = self._loaded.get(key) if key else None
            if entry is not None:
                entry.unload_when_idle = True
                self._prune(time.time())
                self._changed.notify_all()


def expires_at_datetime(epoch: float) -> datetime:
    """Local-time expiry; "forever" becomes Go's now + MaxInt64 nanoseconds (about 292 years)."""
    if epoch == math.inf:
        return datetime.now().astimezone() + timedelta(seconds=(2**63 - 1) / 1e9)
    return datetime.fromtimestamp(epoch).astimezone()
