"""The context Ollama will load a model at, by server version, VRAM, environment and options."""

from __future__ import annotations

from glmtui.core.server_settings import (
    ServerSettings,
    context_ollama_uses,
    default_context,
    modelfile_num_ctx,
    parse_version,
)
from glmtui.core.units import GIB

NOW = ServerSettings(version="0.15.5")


def test_tiers_follow_total_vram_with_ollamas_slightly_lower_thresholds() -> None:
    assert default_context(NOW, (16 * GIB,)).tokens == 4096
    # An "24 GiB" card reports a little less: routes.go compares with 23 GiB.
    choice = default_context(NOW, (int(23.6 * GIB),))
    assert (choice.tokens, choice.why) == (32768, "default for 24–48 GiB")
    assert default_context(NOW, (24 * GIB, 24 * GIB)).tokens == 262144
    assert default_context(NOW, (80 * GIB,)).sentence() == (
        "Ollama will load this at 262,144 tokens (default for 48 GiB and over)"
    )


def test_gpu_overhead_is_taken_from_each_gpu() -> None:
    settings = ServerSettings(version="0.16.0", gpu_overhead=2 * GIB)
    assert default_context(settings, (24 * GIB,)).tokens == 4096  # 22 GiB left


def test_older_servers() -> None:
    assert default_context(ServerSettings(version="0.15.4"), (24 * GIB,)).tokens == 4096
    assert default_context(ServerSettings(version="0.12.0"), (24 * GIB,), "gptoss").tokens == 8192
    assert default_context(ServerSettings(version="0.12.0"), (16 * GIB,), "gptoss").tokens == 4096
    assert default_context(ServerSettings(version="0.6.2"), (24 * GIB,)).tokens == 2048


def test_unknown_version_or_gpus_say_what_was_assumed() -> None:
    choice = default_context(ServerSettings(), (24 * GIB,))
    assert choice.tokens == 32768 and "assuming Ollama ≥ 0.15.5" in choice.why
    assert default_context(NOW, None).why == "default without GPU information"


def test_environment_modelfile_and_options_in_ollamas_order() -> None:
    env = ServerSettings(version="0.15.5", context_length=65536)
    assert default_context(env, (24 * GIB,)).why == "OLLAMA_CONTEXT_LENGTH"
    assert context_ollama_uses(env, (24 * GIB,), max_context=None, modelfile=8192).tokens == 8192
    chosen = context_ollama_uses(env, (24 * GIB,), max_context=None, modelfile=8192, option=2048)
    assert (chosen.tokens, chosen.why) == (2048, "num_ctx set in glmtui")


def test_capped_at_the_models_maximum() -> None:
    choice = context_ollama_uses(NOW, (80 * GIB,), max_context=131072)
    assert choice.sentence() == (
        "Ollama will load this at 131,072 tokens (default for 48 GiB and over, capped at the model's maximum)"
    )


def test_parsing() -> None:
    assert parse_version("0.15.5-rc1") == (0, 15, 5)
    assert parse_version("v0.30") == (0, 30, 0)
    assert parse_version("dev") is None and parse_version(None) is None
    assert modelfile_num_ctx("temperature 1\nnum_ctx 16384\n") == 16384
    assert modelfile_num_ctx('stop "<|im_end|>"') is None


def test_the_environment_is_parsed_as_ollamas_envconfig_parses_it() -> None:
    from glmtui.core.server_settings import settings_from_env

    env = {
        "OLLAMA_KV_CACHE_TYPE": " Q8_0 ",  # envconfig.Var trims; llm/server.go lower-cases
        "OLLAMA_CONTEXT_LENGTH": "'65536'",  # and strips quotes
        "OLLAMA_GPU_OVERHEAD": "536870912",
        "OLLAMA_FLASH_ATTENTION": "1",
        "OLLAMA_NUM_PARALLEL": "2",
    }
    settings, problems = settings_from_env(env, "0.15.5")
    assert problems == []
    assert (settings.cache_type, settings.cache_type_source, settings.version) == (
        "q8_0",
        "server environment",
        "0.15.5",
    )
    assert (settings.context_length, settings.gpu_overhead, settings.num_parallel) == (65536, 512 << 20, 2)
    assert settings.flash_attention is True
    # Nothing set: the server's defaults, and the cache type is known (f16), not assumed.
    empty, _ = settings_from_env({})
    assert empty.cache_type == "f16" and empty.cache_label() == "f16"
    assert (empty.context_length, empty.flash_attention, empty.num_parallel) == (None, None, 1)


def test_invalid_environment_values_fall_back_as_the_server_does_and_are_reported() -> None:
    from glmtui.core.server_settings import settings_from_env

    env = {
        "OLLAMA_KV_CACHE_TYPE": "q7",  # neither Ollama nor llama-server takes it → f16
        "OLLAMA_CONTEXT_LENGTH": "32k",  # Uint: not a number → the default
        "OLLAMA_GPU_OVERHEAD": "1GiB",  # Uint64: bytes only
        "OLLAMA_FLASH_ATTENTION": "yes",  # BoolWithDefault: unparsable → true
        "OLLAMA_NUM_PARALLEL": "-1",
    }
    settings, problems = settings_from_env(env)
    assert settings.cache_type == "f16" and settings.context_length is None and settings.gpu_overhead == 0
    assert settings.flash_attention is True and settings.num_parallel == 1
    assert len(problems) == 5 and all(name in " ".join(problems) for name in env)


def test_cache_types_by_server_version() -> None:
    from glmtui.core.server_settings import settings_from_env

    # Before 0.30 Ollama took f16/q8_0/q4_0 only (SupportsKVCacheType); since, llama-server takes more.
    old, problems = settings_from_env({"OLLAMA_KV_CACHE_TYPE": "q5_1"}, "0.15.5")
    assert old.cache_type == "f16" and len(problems) == 1
    new, problems = settings_from_env({"OLLAMA_KV_CACHE_TYPE": "Q5_1"}, "0.30.0")
    assert new.cache_type == "q5_1" and problems == []


def test_sizes() -> None:
    from glmtui.core.server_settings import parse_size

    assert parse_size("512MiB") == 512 << 20 and parse_size("1.5 GiB") == 3 << 29
    assert parse_size("800MB") == 800_000_000 and parse_size("1024") == 1024
    assert parse_size("lots") is None and parse_size("-1") is None
