"""The values around presets read as their sources wrote them: /api/show's parameters as Go printed
them (core/modelfile.py, and the context the server will use from them), model names as Ollama reads
them, and a preset's name as one clean line (issue 16, items 1–2, the siblings of the hostile tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glmtui.config import load_config
from glmtui.core.modelfile import go_unquote, go_value
from glmtui.core.presets import Preset, not_applying, preset_from_table
from glmtui.core.sanitize import is_clean_line, sanitize_line
from glmtui.core.server_settings import modelfile_num_ctx
from glmtui.core.toml_lines import structure_lines


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        ('"\\n\\n"', "\n\n"),
        ('"a\\tb\\\\c\\"d"', 'a\tb\\c"d'),
        ('"\\x1b[0m"', "\x1b[0m"),  # strconv.Quote writes a control character as \x..
        ('"caf\\u00e9 \\U0001F600"', "café 😀"),
        ('"\\xc3\\xa9"', "é"),  # \x escapes are bytes: two of them are one UTF-8 letter
        ('"<|im_end|>"', "<|im_end|>"),
        ("<|im_end|>", None),  # not quoted
        ('"a"b"', None),  # an unescaped quote inside
        ('"\\q"', None),  # no such escape in Go
    ],
)
def test_go_string_literals_decode_as_go_reads_them(literal: str, text: str | None) -> None:
    assert go_unquote(literal) == text


def test_go_values_keep_their_types() -> None:
    assert go_value("1.048576e+06") == 1048576.0
    assert go_value("40") == 40 and isinstance(go_value("40"), int)
    assert go_value("true") is True
    assert go_value("<|user|>") == "<|user|>"  # an older server's unquoted word, as it is


def test_the_servers_context_reads_a_modelfile_num_ctx_in_go_exponent_form() -> None:
    # Before: only digits were read, so a model baking in 1M of context was thought to have none set.
    assert modelfile_num_ctx(f"{'num_ctx':<30} 1.048576e+06\n{'temperature':<30} 0.6") == 1048576
    assert modelfile_num_ctx("num_ctx 16384") == 16384
    assert modelfile_num_ctx("num_ctx 8192.5") is None
    assert modelfile_num_ctx("num_ctx -1") is None


def test_a_tagged_name_in_models_applies_to_the_same_model_named_without_its_tag() -> None:
    preset = Preset("mine", models=("llama3.2:latest",))
    assert not_applying(preset, "llama3.2") is None
    assert not_applying(preset, "registry.example/library/llama3.2") is None
    assert not_applying(preset, "llama3.2:1b") is not None  # another tag is another model
    assert not_applying(Preset("mine", models=("llama3.2",)), "llama3.2:1b") is not None


@pytest.mark.parametrize("name", ["two\nlines", "esc\x1b[31mred", "bidi\u202eevil", "tab\there", "nul\x00"])
def test_a_preset_name_with_a_control_character_is_refused_with_its_line(tmp_path: Path, name: str) -> None:
    preset, problems = preset_from_table({"name": name, "temperature": 0.5})
    assert preset is None
    assert [key for key, _ in problems] == ["name"] and "left out" in problems[0][1]
    path = tmp_path / "config.toml"
    quoted = "".join(char if char.isalnum() or char in " [" else f"\\u{ord(char):04x}" for char in name)
    path.write_text(f'[options]\ntemperature = 0.5\n\n[[presets]]\nname = "{quoted}"\n', encoding="utf-8")
    config, found = load_config(path)
    assert config["presets"] == ()
    assert [(p.key, p.line) for p in found] == [("presets[1].name", 5)], found


def test_names_shown_on_one_line_are_sanitised() -> None:
    assert sanitize_line("a\nb\tc\x1b[0m\u202e") == "a\u240ab\u2409c\u241b[0m⟨U+202E⟩"
    assert is_clean_line("GLM-4.7-Flash coding · café 😀") and not is_clean_line("a\nb")


def test_a_top_level_key_after_a_multiline_string_with_a_header_line_keeps_its_line(tmp_path: Path) -> None:
    # line_of, table_line's sibling: `[options]` inside the prompt is text, not the start of a table.
    path = tmp_path / "config.toml"
    path.write_text("system = '''\n[options]\n'''\nthink = 7\n", encoding="utf-8")
    _, found = load_config(path)
    assert [(p.key, p.line) for p in found] == [("think", 4)], found


@pytest.mark.parametrize(
    "text",
    [
        'system = """\n[x] a \\""" still text\nname = "no"\n"""\nkey = 1\n',
        "system = '''\n# not a comment\n[x]\n''''\nkey = 1\n",  # a closing quote run: text's ' then '''
        'a = "\\"""" # one-line strings and comments open nothing\nb = 2\nkey = 1\n',
    ],
)
def test_structure_lines_skip_only_the_inside_of_multiline_strings(text: str) -> None:
    lines = dict(structure_lines(text))
    assert lines[len(text.splitlines())] == "key = 1"
    assert not any(line.startswith(("[x]", "name", "#")) for line in lines.values()), lines


@pytest.mark.parametrize("raw", ["٣", "²", "1_000", "0x10"])
def test_only_numbers_as_go_prints_them_are_numbers(raw: str) -> None:
    # Python's int()/float() take other scripts' digits and underscores; Go's %v never writes them.
    assert go_value(raw) == raw
