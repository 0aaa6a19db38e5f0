"""Theme files: the default ships and loads; a bad file is reported and skipped."""

from pathlib import Path

from glmtui.paths import builtin_themes_dir
from glmtui.themes import DEFAULT_THEME, load_themes


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
