"""Where glmtui keeps things on disk (platformdirs), and where its built-in themes live."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "glmtui"


def config_dir() -> Path:
    return Path(user_config_dir(APP_NAME))


def config_path() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME))


def db_path() -> Path:
    return data_dir() / "glmtui.db"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def builtin_themes_dir() -> Path:
    """The themes shipped with glmtui: inside the wheel, or `themes/` at the root of a source checkout."""
    packaged = Path(__file__).parent / "_themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes"
