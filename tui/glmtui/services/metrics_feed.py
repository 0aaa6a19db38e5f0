"""MetricsFeed: scrapes an OpenAI-compatible engine's Prometheus `/metrics` and publishes readings.

Every `engine_s` seconds (the config's `[monitor]` table; 3 s by default), while the sidebar is visible
and the chat's engine says it has metrics (`capabilities.metrics`), `GET <url>/metrics` with httpx (short
timeout; a Bearer key when the endpoint has one: vLLM leaves /metrics open, a proxy in front may not),
parses the text with prometheus_client's own parser, and hands two successive scrapes to
`core.engine_metrics.read`. A reading is published through a callable (the app's signal: Textual-free
here) only when it differs from the last. Parsing runs on the event loop: a few milliseconds of pure
Python that a thread would not spare the loop anyway (the GIL), measured by benchmarks/engine_panel.py.

It follows whatever engine `engine()` returns, so when the app switches the chat to another endpoint the
panel follows on the next tick; `watch()` names a target outright (an endpoint the app knows by name).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

from glmtui.core.engine_metrics import FAMILIES, EngineMetrics, Scrape, read
from glmtui.core.errors import GlmTuiError
from glmtui.services.engines.base import Engine
from glmtui.services.engines.tls import tls_context

SNIFF_BYTES = 16_384  # of a /metrics page with none of the engines' families: enough to tell its format
MAX_BYTES = 4 << 20  # a larger /metrics is not read (a real vLLM's is ~100 kB)
TIMEOUT_S = 1.5  # below the default interval: a slow engine is "unreachable", not a pile of scrapes
RESET_NOTE_S = 30.0  # how long the panel keeps saying "counters reset" after a restart was seen
FLAVOUR_NAMES = {"vllm": "vLLM", "sglang": "SGLang"}


@dataclass(frozen=True, slots=True)
class MetricsTarget:
    """Where to scrape, and what to call it in the panel's title."""

    url: str  # the server's root (a trailing `/v1` is dropped: /metrics sits beside it)
    api_key: str | None = field(default=None, repr=False)  # never in a repr: tracebacks print locals
    flavour: str = ""  # "vllm" / "sglang" when known; else told by the metric names
    version: str = ""
    name: str = ""  # the endpoint's name; its host when empty

    @property
    def metrics_url(self) -> str:
        root = self.url.rstrip("/")
        root = root.removesuffix("/v1")
        return f"{root}/metrics"

    @property
    def where(self) -> str:
        return self.name or urlsplit(self.url).netloc or self.url


def wanted(text: str) -> str:
    """Only the lines of the families the panel reads (and their `# HELP`/`# TYPE` lines): a real
    engine's /metrics is mostly histograms and process metrics the panel never shows, and parsing costs
    per line. A filter on whole lines by name, not a parser: what is kept goes to prometheus_client's."""
    keep = [
        line
        for line in text.splitlines()
        if line.startswith(FAMILIES)
        or (line.startswith(("# HELP ", "# TYPE ")) and line[7:].startswith(FAMILIES))
    ]
    if text.strip() and not keep:
        # Nothing of vLLM's or SGLang's: the parser says whether it is Prometheus text at all, from a
        # bounded prefix (whole lines) — a gateway's exporter can be megabytes, parsed on the event loop.
        return text[:SNIFF_BYTES].rsplit("\n", 1)[0] + "\n" if len(text) > SNIFF_BYTES else text
    return "\n".join(keep) + "\n"


def parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Prometheus text → sample name → [(labels, value)], by prometheus_client's parser (ValueError when
    it is not Prometheus text)."""
    return _parse(wanted(text))


def _parse(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def target_of(engine: Engine) -> MetricsTarget | None:
    """The engine's /metrics, or None when it has none (Ollama). The key and flavour are read where the
    engine has them (the openai engine's attributes; the protocol does not promise them)."""
    if not engine.capabilities.metrics:
        return None
    api_key = getattr(engine, "api_key", None)
    flavour = getattr(engine, "flavour", "")
    name = getattr(engine, "endpoint_name", "")
    return MetricsTarget(
        engine.host,
        api_key if isinstance(api_key, str) else None,
        flavour if isinstance(flavour, str) else "",
        name=name if isinstance(name, str) else "",
    )


class MetricsFeed:
    """Owns the scrape loop and its HTTP client; publishes `EngineMetrics` through a callable."""

    def __init__(
        self,
        interval_s: float,
        *,
        publish: Callable[[EngineMetrics], None],
        engine: Callable[[], Engine] | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.interval_s = interval_s
        self._publish = publish
        self._engine = engine
        self._timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._wake = asyncio.Event()
        self._chosen: MetricsTarget | None = None  # watch()'s target; wins over the engine's
        self._source: MetricsTarget | None = None  # the target as named (before its version was asked)
        self.target: MetricsTarget | None = None
        self.reading: EngineMetrics | None = None
        self._before: Scrape | None = None
        self._text = ""  # the last scrape's wanted lines
        self._reset_until = 0.0
        self._version_asked = False

    def watch(self, target: MetricsTarget | None) -> None:
        """Scrape this target from now on (None: follow the engine again)."""
        self._chosen = target
        self._wake.set()

    def refresh(self) -> None:
        """Scrape now (the sidebar just appeared), not at the next interval."""
        self._wake.set()

    def _current(self) -> MetricsTarget | None:
        if self._chosen is not None:
            return self._chosen
        return target_of(self._engine()) if self._engine is not None else None

    async def run(self, visible: Callable[[], bool]) -> None:
        """Scrape for ever, while `visible()` says someone can see the panel."""
        while True:
            self._wake.clear()
            if visible():
                await self.tick()
            try:
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def tick(self) -> EngineMetrics | None:
        """One scrape of the current target (publishing the reading if it changed); None: no target."""
        source = self._current()
        if source != self._source:
            self._switch(source)
        if source is None or self.target is None:
            return None
        if not self.target.version and not self._version_asked and self._chosen is None:
            await self._ask_version()
        reading = await self.scrape(self.target)
        self._set(reading)
        return reading

    def _switch(self, source: MetricsTarget | None) -> None:
        self._source = self.target = source
        self._before, self._version_asked, self._reset_until = None, False, 0.0
        self.reading = None
        # An engine without metrics still publishes once, so the panel hides instead of showing stale figures.
        self._set(EngineMetrics("absent") if source is None else EngineMetrics("waiting"))

    async def _ask_version(self) -> None:
        """The engine's version for the title, asked once per target."""
        self._version_asked = True
        try:
            version = await self._engine().version() if self._engine is not None else ""
        except GlmTuiError:
            return
        if self.target is not None:
            self.target = replace(self.target, version=version)

    def _set(self, reading: EngineMetrics) -> None:
        if reading != self.reading:
            self.reading = reading
            self._publish(reading)

    async def scrape(self, target: MetricsTarget) -> EngineMetrics:
        """`GET /metrics` once and read it against the previous scrape of the same target."""
        reading = await self._scrape(target)
        return replace(
            reading,
            flavour=reading.flavour or target.flavour,
            version=target.version,
            where=target.where,
        )

    async def _scrape(self, target: MetricsTarget) -> EngineMetrics:
        headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, verify=tls_context())
        try:
            response = await self._client.get(target.metrics_url, headers=headers)
        except httpx.HTTPError as exc:
            self._before = None
            return EngineMetrics("unreachable", message=self._why(exc))
        at = time.monotonic()
        if response.status_code != 200:
            self._before = None
            return _refused(response.status_code, target)
        if len(response.content) > MAX_BYTES:
            self._before = None
            return EngineMetrics("invalid", message=f"/metrics is over {MAX_BYTES >> 20} MB: not read")
        text = wanted(response.text)
        try:
            # An idle engine's figures do not move (the process metrics that do are filtered out):
            # the same text is the same samples, and parsing is most of a scrape's cost.
            same = self._before is not None and text == self._text
            samples = self._before.samples if same and self._before else _parse(text)
            self._text = text
        except ValueError as exc:
            self._before = None
            return EngineMetrics("invalid", message=f"/metrics is not Prometheus text ({str(exc)[:80]})")
        now = Scrape(at, samples)
        last = self.reading if self.reading and self.reading.state == "ok" else None
        try:
            reading = read(now, self._before, last, flavour=target.flavour)
        except (ValueError, TypeError, ArithmeticError) as exc:  # samples the parser took but make no sense
            self._before = None
            return EngineMetrics(
                "invalid", message=f"/metrics has figures that cannot be read ({str(exc)[:60]})"
            )
        self._before = now
        if reading.reset:
            self._reset_until = at + RESET_NOTE_S
        return replace(reading, reset=reading.state == "ok" and at < self._reset_until)

    def _why(self, exc: httpx.HTTPError) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"/metrics did not answer within {self._timeout_s:g} s"
        if isinstance(exc, httpx.ConnectError):
            return "cannot connect to /metrics"
        return f"/metrics: {type(exc).__name__}"

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _refused(status: int, target: MetricsTarget) -> EngineMetrics:
    if status == 404:
        hint = (
            "start SGLang with --enable-metrics"
            if target.flavour == "sglang"
            else "this server has no /metrics (SGLang needs --enable-metrics)"
        )
        return EngineMetrics("off", message=f"metrics are off — {hint}")
    if status in (401, 403):
        message = f"/metrics refused ({status}): " + (
            "the endpoint's API key was not accepted" if target.api_key else "it needs an API key"
        )
        return EngineMetrics("denied", message=message)
    return EngineMetrics("unreachable", message=f"/metrics answered HTTP {status}")
