"""Hostile checks of issue 16's presets (config [[presets]], model patterns, the Modelfile baseline,
a preset's think): each test fails today for the reason in its xfail, marked strict so a fix shows up."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from glmtui.config import load_config
from glmtui.core.presets import Preset, baseline, differs, modelfile_parameters, not_applying
from glmtui.core.state import GenerationRequest
from glmtui.core.think import LEVELS
from glmtui.screens.chat_presets import ChatPresets, PresetHost

# /api/show's `parameters` as Ollama writes them: `fmt.Sprintf("%-*s %#v", 30, key, value)` per value
# (server/routes.go, GetModelInfo), the values read back from the config layer's JSON, so numbers are
# float64 (Go prints 1048576.0 as 1.048576e+06) and strings are Go-quoted (a newline is `\n`).
GO_LINE = "{:<30} {}"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_config(path)
    return [str(problem) for problem in problems]


def test_a_bad_key_after_a_multiline_system_prompt_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = '[[presets]]\nname = "brief"\nsystem = """\n[Rules] Be brief.\n"""\ntemperature = 9e99\n'
    found = [p for p in problems_of(tmp_path, text) if "presets[1].temperature" in p]
    assert len(found) == 1 and ":6:" in found[0], found


def test_a_preset_with_an_empty_name_says_it_is_left_out(tmp_path: Path) -> None:
    text = '[[presets]]\nname = ""\ntemperature = 0.5\n'
    problems = problems_of(tmp_path, text)
    assert any("presets[1].name" in p and "left out" in p for p in problems), problems


def test_a_bare_model_name_applies_to_its_latest_tag() -> None:
    preset = Preset("mine", models=("llama3.2",))
    assert not_applying(preset, "llama3.2:latest") is None
    assert not_applying(preset, "LLAMA3.2:latest") is None


def test_modelfile_num_ctx_in_go_exponent_form_is_read() -> None:
    text = "\n".join([GO_LINE.format("num_ctx", "1.048576e+06"), GO_LINE.format("temperature", "0.6")])
    assert modelfile_parameters(text) == {"num_ctx": 1048576, "temperature": 0.6}


def test_modelfile_go_quoted_stop_escapes_are_decoded() -> None:
    text = "\n".join([GO_LINE.format("stop", '"\\n\\n"'), GO_LINE.format("stop", '"<|im_end|>"')])
    assert modelfile_parameters(text) == {"stop": ["\n\n", "<|im_end|>"]}


def test_the_seed_baseline_is_ollamas_random_default() -> None:
    model_default = baseline({})["seed"]
    assert not differs(-1, model_default)
    assert differs(0, model_default)


@pytest.mark.parametrize("think", ["off", "on"])
def test_a_presets_think_to_gpt_oss_is_a_level(think: str) -> None:
    presets = ChatPresets(cast(PresetHost, object()))  # apply() reads only the request and the preset
    presets.preset = Preset("mine", think=think)  # type: ignore[arg-type]
    request = GenerationRequest(model="gpt-oss:20b", think="low")  # what the app sends gpt-oss
    assert presets.apply(request).think in LEVELS


def test_a_models_pattern_with_a_control_character_is_refused_at_its_line(tmp_path: Path) -> None:
    text = '[[presets]]\nname = "brief"\nmodels = ["glm*", "x\\u001b[31m"]\ntemperature = 0.5\n'
    found = [p for p in problems_of(tmp_path, text) if "presets[1].models" in p]
    assert len(found) == 1 and ":3:" in found[0] and "control characters" in found[0], found


async def test_the_pickers_refusal_shows_the_models_patterns_inert() -> None:
    from textual.widgets import OptionList, Static

    from glmtui.screens.dialogs.presets import PresetScreen
    from tests.helpers import HostApp

    hostile = Preset("odd", models=("x\x1b]52;c;aGk=\x07*",))  # built directly: past the config's check
    app = HostApp([])
    async with app.run_test() as pilot:
        screen = PresetScreen([hostile], model="glm-4.7-flash:latest")
        await app.push_screen(screen)
        screen.query_one(OptionList).highlighted = 1  # the preset (0 is None)
        await pilot.press("enter")
        shown = str(screen.query_one("#preset-refused", Static).render())
        assert "not glm-4.7-flash" in shown and "\x1b" not in shown and "\x07" not in shown
