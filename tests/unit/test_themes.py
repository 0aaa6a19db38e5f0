"""Theme files: the default ships and loads; a bad file is reported and skipped."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from glmtui.paths import builtin_themes_dir
from glmtui.themes import DEFAULT_THEME, choose_theme, load_themes


def test_default_theme_is_a_real_file() -> None:
    path = builtin_themes_dir() / f"{DEFAULT_THEME}.toml"
    assert path.is_file()
    loaded = load_themes(builtin_themes_dir())
    assert loaded.problems == []
    theme = loaded.themes[DEFAULT_THEME]
    assert theme.primary == "#7aa2f7"  # from the file, not the built-in fallback
    assert theme.variables["thinking-color"] == "#8c93b8"


def test_bad_theme_file_reported_once(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("name = \n")
    (tmp_path / "nocolour.toml").write_text('name = "x"\n')
    (tmp_path / "good.toml").write_text('name = "mine"\nprimary = "#ff0000"\ndark = false\n')
    loaded = load_themes(tmp_path)
    assert "mine" in loaded.themes and DEFAULT_THEME in loaded.themes
    assert len(loaded.problems) == 2
    assert any("broken.toml" in p for p in loaded.problems)


def test_four_builtin_themes_dark_light_high_contrast_ansi() -> None:
    loaded = load_themes(builtin_themes_dir())
    assert loaded.problems == []
    themes = loaded.themes
    assert {"glmtui-dark", "glmtui-light", "glmtui-high-contrast", "glmtui-ansi"} <= set(themes)
    assert themes["glmtui-light"].dark is False
    assert themes["glmtui-high-contrast"].background == "#000000"
    ansi = themes["glmtui-ansi"]
    # Only the terminal's 16 colours, and the variables Textual's own CSS needs in ANSI mode.
    assert ansi.ansi and all(v.startswith("ansi_") for v in (ansi.primary, ansi.background, ansi.error))
    assert "ansi-background" in ansi.variables and ansi.variables["thinking-color"] == "ansi_bright_black"


def test_a_bad_colour_skips_the_file_instead_of_breaking_the_stylesheet(tmp_path: Path) -> None:
    (tmp_path / "badvar.toml").write_text(
        'name = "v"\nprimary = "#ff0000"\n[variables]\nthinking-color = "plaid"\n'
    )
    (tmp_path / "badkey.toml").write_text('name = "k"\nprimary = "notacolour"\n')
    loaded = load_themes(tmp_path)
    assert "v" not in loaded.themes and "k" not in loaded.themes
    assert any("variables.thinking-color" in p and "plaid" in p for p in loaded.problems)
    assert any("'primary'" in p for p in loaded.problems)


def test_choose_theme_precedence() -> None:
    themes = load_themes(builtin_themes_dir()).themes
    assert choose_theme(themes, flag="glmtui-ansi", remembered="glmtui-light", configured="glmtui-dark") == (
        "glmtui-ansi",
        [],
    )
    assert (
        choose_theme(themes, flag=None, remembered="glmtui-light", configured="glmtui-dark")[0]
        == "glmtui-light"
    )
    assert choose_theme(themes, flag=None, remembered="gone", configured="glmtui-high-contrast")[0] == (
        "glmtui-high-contrast"
    )
    name, problems = choose_theme(themes, flag="nope", remembered=None, configured="also-nope")
    assert name == DEFAULT_THEME and len(problems) == 2


def test_themes_ship_in_the_built_wheel(tmp_path: Path) -> None:
    """Built and unpacked like pip would: the themes must load from the wheel, not the source tree."""
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("glmtui-*.whl")
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    probe = (
        "import glmtui, json; from glmtui.paths import builtin_themes_dir;"
        "from glmtui.themes import load_themes;"
        "from glmtui.services.presets import BUILTIN_PATH, load_builtin_presets;"
        "r = load_themes(builtin_themes_dir()); p, pp = load_builtin_presets();"
        "print(json.dumps([glmtui.__file__, str(builtin_themes_dir()), sorted(r.themes), r.problems,"
        " str(BUILTIN_PATH), [x.name for x in p], pp]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(unpacked)},
        timeout=60,
    )
    module, folder, names, problems, presets_file, presets, preset_problems = json.loads(out.stdout)
    assert module.startswith(str(unpacked)) and folder.startswith(str(unpacked))
    # The built-in presets (data/presets.toml) ship in the package too.
    assert presets_file.startswith(str(unpacked)) and "GLM-4.7-Flash coding" in presets
    assert preset_problems == []
    assert {"glmtui-dark", "glmtui-light", "glmtui-high-contrast", "glmtui-ansi"} <= set(
        names
    ) and problems == []
