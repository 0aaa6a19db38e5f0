"""Presets: the built-ins from the model cards, the config's [[presets]] checked key by key with
file:line, which models each applies to, the Modelfile baseline, the layering of options, the export."""

from __future__ import annotations

import tomllib
from pathlib import Path

from glmtui.config import build_config, load_config
from glmtui.core.presets import (
    OLLAMA_DEFAULTS,
    Preset,
    baseline,
    layered_options,
    modelfile_parameters,
    not_applying,
    preset_from_table,
    presets_from_tables,
)
from glmtui.core.state import Conversation, Turn, TurnStatus
from glmtui.services.conversation_export import conversation_markdown
from glmtui.services.presets import BUILTIN_PATH, all_presets, load_builtin_presets


def test_builtins_load_clean_and_each_cites_its_card() -> None:
    presets, problems = load_builtin_presets()
    assert problems == []
    by_name = {p.name: p for p in presets}
    # GLM-4.7-Flash's card: 1.0 / 0.95 for most tasks, 0.7 / 1.0 for Terminal Bench and SWE-bench.
    assert dict(by_name["GLM-4.7-Flash general"].options) == {"temperature": 1.0, "top_p": 0.95}
    assert dict(by_name["GLM-4.7-Flash coding"].options) == {"temperature": 0.7, "top_p": 1.0}
    assert dict(by_name["Qwen3-Coder"].options) == {
        "temperature": 0.7,
        "top_p": 0.8,
        "top_k": 20,
        "repeat_penalty": 1.05,
    }
    for preset in presets:
        assert preset.source == "built-in" and preset.url.startswith("https://") and preset.citation
        assert preset.models, f"{preset.name} applies to every model"
    assert not any("gemma" in p.name.lower() for p in presets)  # its card gives no values


def test_builtin_file_keys_are_all_known() -> None:
    """Every key of the data file is one the checker takes: a typo there would be dropped silently."""
    tables = tomllib.loads(BUILTIN_PATH.read_text(encoding="utf-8"))["presets"]
    for table in tables:
        _, problems = preset_from_table(table, builtin=True)
        assert problems == []


def test_which_models_a_preset_applies_to() -> None:
    glm = Preset("GLM", models=("glm-4.7-flash", "glm-4.7-flash:*", "glm-4.7-flash-*"))
    for name in (
        "glm-4.7-flash:q8_0",
        "glm-4.7-flash",
        "zai-org/GLM-4.7-Flash",
        "hf.co/x/GLM-4.7-Flash-GGUF:Q4",
    ):
        assert not_applying(glm, name) is None, name
    reason = not_applying(glm, "gemma3:27b")
    assert reason is not None and "gemma3:27b" in reason
    coder = {p.name: p for p in load_builtin_presets()[0]}["Qwen3-Coder"]
    assert coder.applies_to("qwen3-coder:30b") and coder.applies_to("Qwen/Qwen3-Coder-30B-A3B-Instruct")
    assert not coder.applies_to("qwen3-coder-next:latest")  # another card, other values
    assert Preset("any").applies_to("whatever")  # no models: every model
    assert Preset("fam", models=("glm4moelite",)).applies_to("my-finetune:latest", family="glm4moelite")


def test_unknown_keys_and_out_of_range_values_are_dropped_alone() -> None:
    table = {
        "name": "mine",
        "system": "Be brief.",
        "temperature": 0.3,
        "top_p": 7,
        "colour": "red",
        "think": "sometimes",
        "models": ["glm*"],
        "tools": [
            {"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}},
            {"type": "function", "function": {"parameters": {}}},
            {"type": "tool", "function": {"name": "x"}},
            {"type": "function", "function": {"name": "y", "parameters": []}},
        ],
    }
    preset, problems = preset_from_table(table)
    assert preset is not None
    assert dict(preset.options) == {"temperature": 0.3} and preset.system == "Be brief."
    assert preset.models == ("glm*",) and preset.think is None
    assert [tool["function"]["name"] for tool in preset.tools] == ["ls"]
    assert [key for key, _ in problems] == ["top_p", "colour", "think", "tools[2]", "tools[3]", "tools[4]"]
    assert "from 0 to 1" in dict(problems)["top_p"]


def test_names_missing_or_used_twice() -> None:
    presets, problems = presets_from_tables(
        [{"name": "a"}, {"temperature": 1.0}, {"name": "A"}, "nonsense", {"name": ""}], taken=()
    )
    assert [p.name for p in presets] == ["a"]
    assert [(index, key) for index, key, _ in problems] == [
        (2, "name"),
        (3, "name"),
        (4, "(table)"),
        (5, "name"),
    ]


def test_config_presets_report_file_and_line_and_keep_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'model = "glm-4.7-flash:q8_0"\n'  # 1
        "\n"  # 2
        "[[presets]]\n"  # 3
        'name = "terse"\n'  # 4
        'system = "Answer in one line."\n'  # 5
        "temperature = 9e99\n"  # 6
        "top_k = 5\n"  # 7
        'flavour = "mint"\n'  # 8
        "\n"  # 9
        "[[presets]]\n"  # 10
        "top_p = 0.5\n"  # 11
        "\n"  # 12
        "[[presets]]\n"  # 13
        'name = "terse"\n'  # 14
    )
    values, problems = load_config(path)
    where = {p.key: (p.line, p.file) for p in problems}
    assert where == {
        "presets[1].temperature": (6, path),
        "presets[1].flavour": (8, path),
        "presets[2].name": (10, path),
        "presets[3].name": (14, path),
    }
    assert all(str(p).startswith(f"{path}:{p.line}: ") for p in problems)
    config = build_config(values, env={})
    (terse,) = config.presets
    assert (terse.name, terse.system, dict(terse.options)) == ("terse", "Answer in one line.", {"top_k": 5})
    assert config.model == "glm-4.7-flash:q8_0"  # the rest of the file applies


def test_a_corrupt_config_keeps_the_presets_after_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = \n[[presets]]\nname = "kept"\ntemperature = 0.2\n')
    values, problems = load_config(path)
    assert len(problems) == 1 and "TOML" in str(problems[0])
    assert [p.name for p in values["presets"]] == ["kept"]


def test_user_presets_replace_a_builtin_of_the_same_name() -> None:
    builtin = [Preset("GLM-4.7-Flash coding", source="built-in"), Preset("gpt-oss", source="built-in")]
    mine = [Preset("glm-4.7-flash CODING", options={"temperature": 0.1})]
    assert [p.name for p in all_presets(builtin, mine)] == ["glm-4.7-flash CODING", "gpt-oss"]


def test_modelfile_parameters_are_the_baseline() -> None:
    text = 'temperature 0.7\ntop_k 20\nstop "<|user|>"\nstop "<|observation|>"\nnum_ctx 4096\nweird'
    parameters = modelfile_parameters(text)
    assert parameters == {
        "temperature": 0.7,
        "top_k": 20,
        "stop": ["<|user|>", "<|observation|>"],
        "num_ctx": 4096,
    }
    assert isinstance(parameters["top_k"], int)
    merged = baseline(parameters)
    assert merged["temperature"] == 0.7 and merged["top_p"] == OLLAMA_DEFAULTS["top_p"] == 0.9


def test_options_layer_config_then_preset_then_edits() -> None:
    preset = Preset("p", options={"temperature": 0.7, "top_p": 1.0})
    config = {"temperature": 0.2, "num_ctx": 8192}
    assert layered_options(config, preset, {"top_p": 0.5}) == {
        "temperature": 0.7,
        "num_ctx": 8192,
        "top_p": 0.5,
    }
    assert layered_options(config, None, {}) == config


def test_export_names_each_turns_preset_and_options() -> None:
    turns = [
        Turn("hi", "glm-4.7-flash:q8_0", reply="hello", status=TurnStatus.DONE),
        Turn(
            "again",
            "glm-4.7-flash:q8_0",
            reply="yes",
            status=TurnStatus.DONE,
            options={"temperature": 0.7, "top_p": 1.0},
            preset="GLM-4.7-Flash coding",
        ),
    ]
    text = conversation_markdown(Conversation(turns=turns, title="t"), now=0)
    assert text.count("_Sent with") == 1
    assert "_Sent with preset GLM-4.7-Flash coding · options temperature 0.7 · top_p 1_" in text
