"""Config precedence and bad files: problems are reported per key, defaults fill in."""

from pathlib import Path

from glmtui.config import build_config, load_config


def test_missing_file_is_fine(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml") == ({}, [])


def test_precedence_flags_env_file_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('host = "filehost:1"\nmodel = "gpt-oss:20b"\nthink = "high"\n')
    values, problems = load_config(path)
    assert problems == []
    config = build_config(values, env={}, flags={})
    assert (config.host, config.model, config.think) == ("http://filehost:1", "gpt-oss:20b", "high")
    config = build_config(values, env={"OLLAMA_HOST": "envhost"}, flags={})
    assert config.host == "http://envhost:11434"
    config = build_config(values, env={"OLLAMA_HOST": "envhost"}, flags={"host": "flaghost", "model": "x"})
    assert (config.host, config.model) == ("http://flaghost:11434", "x")


def test_bad_values_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('think = "maybe"\nstall_timeout = true\ncolour = "red"\nmodel = "ok"\n')
    values, problems = load_config(path)
    assert values == {"model": "ok"}
    keys = sorted(p.key for p in problems)
    assert keys == ["colour", "stall_timeout", "think"]
    assert all(p.file == path for p in problems)


def test_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("host = \n")
    values, problems = load_config(path)
    assert values == {} and len(problems) == 1
    assert str(path) in str(problems[0]) and "TOML" in str(problems[0])


def test_monitor_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[monitor]\nenabled = false\ngpu_s = 2\nollama_s = 0.5\n")
    values, problems = load_config(path)
    assert problems == []
    config = build_config(values, env={})
    assert config.monitor is False
    assert (config.monitor_intervals.gpu_s, config.monitor_intervals.ollama_s) == (2.0, 0.5)
    assert config.monitor_intervals.system_s == 1.0  # untouched keys keep their defaults


def test_bad_monitor_keys_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[monitor]\nenabled = "yes"\ngpu_s = -1\nsystem_s = 3\nfrobnicate = 1\n')
    values, problems = load_config(path)
    assert sorted(p.key for p in problems) == ["monitor.enabled", "monitor.frobnicate", "monitor.gpu_s"]
    config = build_config(values, env={})
    assert config.monitor is True and config.monitor_intervals.system_s == 3.0
    assert config.monitor_intervals.gpu_s == 1.0


def test_no_monitor_flag_wins(tmp_path: Path) -> None:
    config = build_config({"monitor": True}, env={}, flags={"monitor": False})
    assert config.monitor is False
