"""Load TOML theme files into Textual `Theme` objects.

Built-in themes ship in the wheel; users add their own in the same schema. A bad file is reported
once (by name and reason) and skipped, and the default theme is always available.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

DEFAULT_THEME = "glmtui-dark"
COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
# Variables glmtui's CSS uses beyond Textual's own; every theme gets these defaults.
APP_VARIABLES = {
    "thinking-color": "#8c93b8",
    "user-color": "#7dcfff",
    "stats-color": "#737aa2",
    # Monitor readings below, near and past their thresholds (VRAM, temperature, power, CPU, RAM).
    "meter-ok": "#9ece6a",
    "meter-warn": "#e0af68",
    "meter-critical": "#f7768e",
}
_FALLBACK = Theme(name=DEFAULT_THEME, primary="#7aa2f7", dark=True, variables=dict(APP_VARIABLES))


@dataclass
class ThemeLoad:
    """Themes that loaded, and one message per file that did not."""

    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def theme_from_toml(path: Path) -> Theme:
    """Parse one theme file; raises ValueError with a reason a person can act on."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from None
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise ValueError("'name' must be a non-empty string")
    if not isinstance(data.get("primary"), str):
        raise ValueError("'primary' colour is required")
    unknown = (
        set(data) - set(COLOR_KEYS) - {"name", "dark", "ansi", "luminosity_spread", "text_alpha", "variables"}
    )
    if unknown:
        raise ValueError(f"unknown key(s): {', '.join(sorted(unknown))}")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError("[variables] must map names to colour strings")
    colours = {key: data[key] for key in COLOR_KEYS if key in data}
    for key, value in [*colours.items(), *((f"variables.{k}", v) for k, v in variables.items())]:
        # Checked here: Textual builds a Theme with any string and only fails when its stylesheet is
        # compiled, which would stop the app instead of skipping the file.
        if not isinstance(value, str):
            raise ValueError(f"'{key}' must be a colour string")
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"'{key}' = {value!r} is not a colour") from None
    try:
        spread, alpha = data.get("luminosity_spread"), data.get("text_alpha")
        ansi = bool(data.get("ansi", False))
        # Textual's own CSS needs a few variables in ANSI mode (cursor, selection, inline borders):
        # take them from its ANSI theme, so a user's ANSI theme never breaks the stylesheet.
        base = (
            dict(BUILTIN_THEMES["ansi-dark" if data.get("dark", True) else "ansi-light"].variables)
            if ansi
            else {}
        )
        return Theme(
            name=name,
            dark=bool(data.get("dark", True)),
            ansi=ansi,
            variables={**base, **APP_VARIABLES, **variables},
            **colours,
            # Textual's own defaults where the file gives no number.
            luminosity_spread=float(spread) if isinstance(spread, (int, float)) else Theme.luminosity_spread,
            text_alpha=float(alpha) if isinstance(alpha, (int, float)) else Theme.text_alpha,
        )
    except Exception as exc:  # Textual validates colours when the theme is built
        raise ValueError(f"bad colour ({exc})") from None


def load_themes(*folders: Path) -> ThemeLoad:
    """Load every `*.toml` in the folders, later folders overriding earlier ones by name."""
    result = ThemeLoad(themes={DEFAULT_THEME: _FALLBACK})
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_toml(path)
            except ValueError as exc:
                result.problems.append(f"Theme file {path} skipped: {exc}")
                continue
            result.themes[theme.name] = theme
    return result


def choose_theme(
    available: dict[str, Theme], *, flag: str | None, remembered: str | None, configured: str
) -> tuple[str, list[str]]:
    """`--theme` beats the palette's remembered choice, which beats the config file's `theme`.

    An unknown name is reported (not for a remembered one that has since been removed: that just
    falls through) and the next in line is used, ending at the default.
    """
    problems: list[str] = []
    if flag is not None:
        if flag in available:
            return flag, problems
        problems.append(f"Unknown theme '{flag}' (--theme): themes are {', '.join(sorted(available))}")
    if remembered is not None and remembered in available:
        return remembered, problems
    if configured in available:
        return configured, problems
    problems.append(f"Unknown theme '{configured}' in the config file: using {DEFAULT_THEME}")
    return DEFAULT_THEME, problems
