"""What the Ollama server will do with a model: its settings, and the context it will load it at.

The default `num_ctx` depends on the server version and its GPUs (github.com/ollama/ollama):

- since v0.15.5 (commit 0334ffa62, "use tiered VRAM-based default context length"; server/routes.go
  `Serve`): the sum over GPUs of `total − OLLAMA_GPU_OVERHEAD` ≥ 47 GiB gives 262,144; ≥ 23 GiB gives
  32,768; less gives 4,096. The documented tiers (docs/context-length.mdx) are 24 and 48 GiB: the code
  uses "slightly lower thresholds" to absorb rounding, and so do we;
- v0.6.7 to v0.15.4: 4,096 (envconfig `OLLAMA_CONTEXT_LENGTH` default), raised to 8,192 for gpt-oss
  from v0.11.4 unless the GPUs have under 20 GiB ("low VRAM mode");
- before v0.6.7: 2,048.

`OLLAMA_CONTEXT_LENGTH` replaces the default; a Modelfile `num_ctx` parameter overrides that, and the
request's options override both (`modelOptions`). The result is capped at the model's trained context
(server/sched.go).

The settings themselves are the server's `OLLAMA_*` environment variables, parsed here the way
envconfig/config.go parses them (`settings_from_env`): numbers that do not parse fall back to the
default (with a warning in the server's log), a flash-attention value that does not parse counts as on
(`BoolWithDefault`), and a cache type other than f16/q8_0/q4_0 runs as f16 (fs/ggml/ggml.go
`SupportsKVCacheType`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from glmtui.core.kv import CACHE_TYPES, LLAMA_SERVER_VERSION, OLLAMA_CACHE_TYPES, CacheType
from glmtui.core.modelfile import go_value, parameter_lines, whole_number
from glmtui.core.units import GIB

TIERED_SINCE = (0, 15, 5)
FLOOR_CONTEXT = 4096  # the smallest default of today's servers
DEFAULT_4K_SINCE = (0, 6, 7)
GPTOSS_8K_SINCE = (0, 11, 4)
Source = Literal["server environment", "config", "unknown"]
# The only environment variables glmtui ever reads from the server's process (others may hold secrets).
ENV_NAMES = (
    "OLLAMA_KV_CACHE_TYPE",
    "OLLAMA_CONTEXT_LENGTH",
    "OLLAMA_GPU_OVERHEAD",
    "OLLAMA_FLASH_ATTENTION",
    "OLLAMA_NUM_PARALLEL",
)
_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # Go's strconv.ParseBool
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
}


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """'0.15.5' or '0.15.5-rc1' → (0, 15, 5); anything else → None."""
    if not text:
        return None
    match = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not match:
        return None
    version = tuple(int(part or 0) for part in match.groups())
    # A server built from source says "0.0.0" (ollama version/version.go): not an old server, an unknown one.
    return None if version == (0, 0, 0) else version


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """The server's memory-relevant settings and where each came from.

    Read from the local Ollama process's environment when the OS lets us (it often does not: Ollama
    usually runs as its own system user), else from glmtui's config, else unknown (f16 assumed).
    """

    version: str | None = None
    cache_type: CacheType | None = None  # OLLAMA_KV_CACHE_TYPE; None: unknown, f16 assumed
    cache_type_source: Source = "unknown"
    context_length: int | None = None  # OLLAMA_CONTEXT_LENGTH
    gpu_overhead: int = 0  # OLLAMA_GPU_OVERHEAD, bytes reserved per GPU
    flash_attention: bool | None = None  # OLLAMA_FLASH_ATTENTION; None: the server's default
    num_parallel: int = 1  # OLLAMA_NUM_PARALLEL
    origin: str = ""  # where these came from, in words, for the details pane ("" : nowhere yet)

    @property
    def parsed_version(self) -> tuple[int, ...] | None:
        return parse_version(self.version)

    def cache_label(self) -> str:
        """'f16', 'q8_0', or 'f16 assumed' when the server's setting could not be read."""
        return self.cache_type if self.cache_type else "f16 assumed"


@dataclass(frozen=True, slots=True)
class ContextChoice:
    """The context Ollama will load a model at, and why."""

    tokens: int
    why: str  # e.g. "default for 24–48 GiB"

    def sentence(self) -> str:
        return f"Ollama will load this at {self.tokens:,} tokens ({self.why})"


def default_context(
    settings: ServerSettings, vram_totals: tuple[int, ...] | None, arch: str = ""
) -> ContextChoice:
    """The server's default num_ctx for this machine, before the model's cap."""
    if settings.context_length:
        return ContextChoice(settings.context_length, "OLLAMA_CONTEXT_LENGTH")
    version = settings.parsed_version
    total = sum(max(0, t - settings.gpu_overhead) for t in vram_totals) if vram_totals else None
    if version is not None and version < DEFAULT_4K_SINCE:
        return ContextChoice(2048, f"default before Ollama {_v(DEFAULT_4K_SINCE)}")
    if version is not None and version < TIERED_SINCE:
        if arch in ("gptoss", "gpt-oss") and version >= GPTOSS_8K_SINCE and (total or 0) >= 20 * GIB:
            return ContextChoice(8192, f"gpt-oss default before Ollama {_v(TIERED_SINCE)}")
        return ContextChoice(4096, f"default before Ollama {_v(TIERED_SINCE)}")
    assumed = "" if version is not None else f", assuming Ollama ≥ {_v(TIERED_SINCE)}"
    if total is None:
        return ContextChoice(4096, f"default without GPU information{assumed}")
    if total >= 47 * GIB:
        return ContextChoice(262144, f"default for 48 GiB and over{assumed}")
    if total >= 23 * GIB:
        return ContextChoice(32768, f"default for 24–48 GiB{assumed}")
    return ContextChoice(4096, f"default under 24 GiB{assumed}")


def modelfile_num_ctx(parameters: str) -> int | None:
    """`num_ctx` from `/api/show`'s parameters text (one 'name value' per line, the value as Go prints
    a float64: `16384`, or `1.048576e+06` once large: core/modelfile.py)."""
    for name, raw in parameter_lines(parameters):
        if name == "num_ctx" and (number := whole_number(go_value(raw))) is not None and number > 0:
            return number
    return None


def context_ollama_uses(
    settings: ServerSettings,
    vram_totals: tuple[int, ...] | None,
    *,
    max_context: int | None,
    arch: str = "",
    modelfile: int | None = None,
    option: int | None = None,
) -> ContextChoice:
    """The context a load will really get: options > Modelfile > server default, capped."""
    if option:
        choice = ContextChoice(option, "num_ctx set in glmtui")
    elif modelfile:
        choice = ContextChoice(modelfile, "the model's num_ctx parameter")
    else:
        choice = default_context(settings, vram_totals, arch)
    if max_context and choice.tokens > max_context:
        return ContextChoice(max_context, f"{choice.why}, capped at the model's maximum")
    return choice


def _v(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def parse_size(text: str) -> int | None:
    """'512MiB', '1.5 GiB', '800MB' or plain bytes → bytes; None when it is not such a size."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*", text, re.IGNORECASE)
    if not match:
        return None
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])


def cache_type_for(name: str, version: tuple[int, ...] | None) -> CacheType:
    """The cache type a server runs with for an `OLLAMA_KV_CACHE_TYPE` value: before 0.30 Ollama took
    f16, q8_0 and q4_0 (`SupportsKVCacheType`) and fell back to f16; since, it passes the value to
    llama-server (llm/server.go `--cache-type-k/-v`), which also takes f32, bf16, q5_0, q5_1, iq4_nl.
    An unknown version is taken as today's."""
    allowed = OLLAMA_CACHE_TYPES if version is not None and version < LLAMA_SERVER_VERSION else CACHE_TYPES
    return next((known for known in allowed if known == name.strip().lower()), "f16")


def settings_from_env(env: Mapping[str, str], version: str | None = None) -> tuple[ServerSettings, list[str]]:
    """The settings a server started with this environment runs with, and what in it is invalid
    (each invalid value falls back the way the server's own parsing does; see the module docstring)."""
    problems: list[str] = []

    def value(name: str) -> str:
        return env.get(name, "").strip().strip("\"'")  # envconfig.Var

    def number(name: str, default: int, low: int) -> int:
        text = value(name)
        if not text:
            return default
        if not (text.isascii() and text.isdigit()) or int(text) < low:  # Go: ASCII digits only
            problems.append(f"{name}={text!r} is not a whole number ≥ {low}: the server uses {default}")
            return default
        return int(text)

    cache = value("OLLAMA_KV_CACHE_TYPE").lower()
    cache_type = cache_type_for(cache, parse_version(version))
    if cache and cache != cache_type:
        problems.append(
            f"OLLAMA_KV_CACHE_TYPE={cache!r} is not one this server version takes: the server uses f16"
        )
    flash_text = value("OLLAMA_FLASH_ATTENTION")
    flash: bool | None = None
    if flash_text:
        flash = flash_text not in _FALSE
        if flash_text not in _TRUE + _FALSE:
            problems.append(
                f"OLLAMA_FLASH_ATTENTION={flash_text!r} is not true or false: the server takes it as on"
            )
    settings = ServerSettings(
        version=version,
        cache_type=cache_type,
        cache_type_source="server environment",
        context_length=number("OLLAMA_CONTEXT_LENGTH", 0, 0) or None,
        gpu_overhead=number("OLLAMA_GPU_OVERHEAD", 0, 0),
        flash_attention=flash,
        num_parallel=number("OLLAMA_NUM_PARALLEL", 1, 1),
        origin="the server's environment",
    )
    return settings, problems
