"""One simulated model variant (``ModelSpec``) and Ollama's name grammar.

The figures (sizes, layer counts, attention shapes, context lengths) follow the real GGUF files, so a
client's memory estimate computed from ``/api/show`` is meaningful. Digests are derived from stable
strings, so they never change between runs and variants share the small layers (template, license,
params) exactly as they do on ollama.com.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property

# Ollama's default registry prefix; a name written with it is the same model as the short name.
_DEFAULT_PREFIXES = ("registry.ollama.ai/library/", "library/")
# Loose version of Ollama's name grammar: [host/][namespace/]model[:tag], no spaces or odd characters.
_NAME_RE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*){0,2}(:[A-Za-z0-9_][A-Za-z0-9._-]{0,79})?$"
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalize_name(name: str) -> str | None:
    """Canonical display form (``model:tag``, tag defaults to ``latest``) or None if the name is invalid.

    Case is preserved for display; lookups use ``name_key``, because Ollama matches names
    case-insensitively.
    """
    name = name.strip()
    for prefix in _DEFAULT_PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    if not name or not _NAME_RE.match(name):
        return None
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


def name_key(name: str) -> str | None:
    """Case-insensitive lookup key for a model name, or None if invalid."""
    display = normalize_name(name)
    return display.lower() if display is not None else None


@dataclass(frozen=True)
class Layer:
    """One blob of a model manifest; pulls download these one after another."""

    media_type: str
    digest: str  # "sha256:<64 hex>"
    size: int


@dataclass(frozen=True)
class ModelSpec:
    """Everything the simulator reports about one model variant (a weights file plus its metadata)."""

    family: str  # base name on the registry, e.g. "glm-4.7-flash"
    variant: str  # canonical tag of this weights file, e.g. "q4_K_M"
    arch: str  # GGUF general.architecture
    parameter_size: str
    parameter_count: int
    quantization: str
    file_type: int
    weights_bytes: int
    capabilities: tuple[str, ...]
    context_length: int
    block_count: int
    embedding_length: int
    head_count: int
    head_count_kv: int
    key_length: int
    value_length: int
    vocab_size: int
    license: str
    template: str
    parameters: tuple[tuple[str, str], ...]
    thinking_levels: bool = False  # gpt-oss style: think is a level, the trace cannot be turned off
    # Decode speed relative to the simulator's base rate: bigger weights per token stream slower, as
    # they do on a real GPU (memory-bandwidth bound), so an A/B of q4_K_M against q8_0 differs.
    speed: float = 1.0
    # GGUF keys beyond the common ones (MLA ranks, per-layer arrays, ssm.*, sliding windows); they win
    # over the common keys, so a hybrid's per-layer head_count_kv array replaces the scalar.
    extra_info: tuple[tuple[str, object], ...] = field(default=())
    min_ollama: str = "0.6.0"  # the first Ollama release that runs this architecture
    # The built-in renderer Ollama formats the prompt with instead of the template ("" none), as
    # `/api/show` reports it: GLM-4.7's renders earlier turns' thinking (model/renderers/glm47.go).
    renderer: str = ""

    @cached_property
    def layers(self) -> tuple[Layer, ...]:
        # The weights are unique per variant; the small layers are shared by the family, so pulling a
        # second quantisation only downloads the weights, as on the real registry.
        small = [
            ("application/vnd.ollama.image.template", self.template),
            ("application/vnd.ollama.image.license", self.license),
            ("application/vnd.ollama.image.params", self.params_json),
        ]
        layers = [
            Layer(
                "application/vnd.ollama.image.model",
                "sha256:" + _sha(f"weights/{self.family}/{self.variant}"),
                self.weights_bytes,
            )
        ]
        layers += [
            Layer(media, "sha256:" + _sha(f"{media}/{self.family}/{body}"), len(body.encode()))
            for media, body in small
        ]
        config = f'{{"model_format":"gguf","model_family":"{self.arch}","file_type":"{self.quantization}"}}'
        layers.append(
            Layer(
                "application/vnd.docker.container.image.v1+json",
                "sha256:" + _sha(f"config/{self.family}/{self.variant}"),
                len(config) + 180,
            )
        )
        return tuple(layers)

    @cached_property
    def size(self) -> int:
        """Bytes on disk (what ``/api/tags`` reports): the sum of all layers."""
        return sum(layer.size for layer in self.layers)

    @cached_property
    def digest(self) -> str:
        """Manifest digest, hex without the ``sha256:`` prefix (as ``/api/tags`` shows it)."""
        return _sha(f"manifest/{self.family}/{self.variant}")

    @property
    def params_json(self) -> str:
        return "{" + ",".join(f'"{k}":{v}' for k, v in self.parameters) + "}"

    def model_info(self, verbose: bool = False) -> dict[str, object]:
        """``/api/show`` model_info: the GGUF keys, as Ollama reports them.

        Without ``verbose`` Ollama decodes the GGUF with a maximum array size of 0, so every non-empty
        array (the tokenizer's, and per-layer ones such as a hybrid's ``attention.head_count_kv``) is
        sent as ``null`` (server/routes.go getModelData; fs/ggml/gguf.go newArray). ``verbose`` sends
        them whole; the simulator's own memory model reads that form.
        """
        a = self.arch
        info: dict[str, object] = {
            "general.architecture": a,
            "general.file_type": self.file_type,
            "general.parameter_count": self.parameter_count,
            "general.quantization_version": 2,
            f"{a}.attention.head_count": self.head_count,
            f"{a}.attention.head_count_kv": self.head_count_kv,
            f"{a}.attention.key_length": self.key_length,
            f"{a}.attention.value_length": self.value_length,
            f"{a}.block_count": self.block_count,
            f"{a}.context_length": self.context_length,
            f"{a}.embedding_length": self.embedding_length,
            f"{a}.vocab_size": self.vocab_size,
            "tokenizer.ggml.model": "gpt2",
            "tokenizer.ggml.tokens": None,  # null unless verbose; the simulator never sends the vocabulary
        }
        info.update(dict(self.extra_info))
        if not verbose:
            info = {k: (None if isinstance(v, list) and v else v) for k, v in info.items()}
        return dict(sorted(info.items()))
