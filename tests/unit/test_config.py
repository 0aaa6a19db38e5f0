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


def test_every_problem_names_the_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'model = "ok"\nthink = 3\n\n[options]\ntemperature = "warm"\nseed = 42\n'
        '[monitor]\ngpu_s = "fast"\n[keymap]\nstop-reply = ""\n'
    )
    values, problems = load_config(path)
    where = {p.key: p.line for p in problems}
    assert where == {"think": 2, "options.temperature": 5, "monitor.gpu_s": 8, "keymap.stop-reply": 10}
    assert str(problems[0]).startswith(f"{path}:2: think:")
    assert values["options"] == {"seed": 42} and values["model"] == "ok"  # the rest still applies


def test_a_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "ok"\n\nhost = = "x"\n')
    _, (problem,) = load_config(path)
    assert problem.line == 3 and f"{path}:3" in str(problem)


def test_keymap_and_options_pass_through(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[keymap]\nstop-reply = "ctrl+c, f9"\n[options]\nmirostat = 2\nnum_ctx = 8192\nkeep_alive = "1h"\n'
    )
    values, problems = load_config(path)
    assert problems == []
    config = build_config(values, env={})
    assert config.keymap == {"stop-reply": "ctrl+c,f9"} and config.options == {"mirostat": 2, "num_ctx": 8192}
    assert config.keep_alive == "1h"  # written among the options, sent where Ollama reads it


def test_low_bandwidth_is_automatic_over_ssh_and_can_be_forced(tmp_path: Path) -> None:
    ssh = {"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}
    assert build_config({}, env={}).low_bandwidth is False
    over_ssh = build_config({}, env=ssh)
    assert over_ssh.low_bandwidth is True and over_ssh.monitor_intervals.gpu_s == 2.0  # panels slower
    assert build_config({}, env=ssh, flags={"low_bandwidth": False}).low_bandwidth is False
    path = tmp_path / "config.toml"
    path.write_text("low_bandwidth = true\n")
    values, _ = load_config(path)
    assert build_config(values, env={}).low_bandwidth is True
    assert build_config(values, env={}, flags={"low_bandwidth": False}).low_bandwidth is False
    path.write_text('low_bandwidth = "auto"\n')
    values, problems = load_config(path)
    assert problems == [] and build_config(values, env=ssh).low_bandwidth is True
    path.write_text('low_bandwidth = "sometimes"\n')
    _, problems = load_config(path)
    assert problems[0].key == "low_bandwidth" and problems[0].line == 1


def test_a_bad_host_is_reported_and_the_default_used(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "m"\nhost = "ftp://x"\n')
    values, problems = load_config(path)
    assert [(p.key, p.line) for p in problems] == [("host", 2)] and "host" not in values
    assert build_config(values, env={}).host == "http://127.0.0.1:11434"


def test_intervals_below_nvmls_limits_are_raised_and_said(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[monitor]\ngpu_s = 0.1\n")
    values, problems = load_config(path)
    assert problems[0].key == "monitor.gpu_s" and "minimum" in problems[0].reason and problems[0].line == 2
    assert values["monitor_intervals"].gpu_s == 0.5


def test_options_out_of_their_range_are_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[options]\nnum_ctx = -5\ntop_p = 1.5\ntemperature = -0.1\nnum_predict = -3\nseed = 1.5\n"
        "repeat_last_n = -2\nmirostat = 3\nmin_p = 2\ntop_k = true\nrepeat_penalty = 1.1\nstop = ['x']\n"
    )
    values, problems = load_config(path)
    assert [(p.key, p.line) for p in problems] == [
        ("options.num_ctx", 2),
        ("options.top_p", 3),
        ("options.temperature", 4),
        ("options.num_predict", 5),
        ("options.seed", 6),
        ("options.repeat_last_n", 7),
        ("options.mirostat", 8),
        ("options.min_p", 9),
        ("options.top_k", 10),
    ]
    assert str(problems[0]).startswith(
        f"{path}:2: options.num_ctx: expected a whole number from 1 to 2147483647, got -5"
    )
    assert values["options"] == {"repeat_penalty": 1.1, "stop": ["x"]}  # the rest is sent


def test_options_too_big_for_ollama_are_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[options]\nnum_ctx = 100000000000000000000000\nnum_predict = 1e20\ntop_k = 2147483648\n"
        "seed = 9223372036854775808\ntemperature = 1e39\nnum_thread = 4\nrepeat_penalty = 1e30\n"
    )
    values, problems = load_config(path)
    assert [(p.key, p.line) for p in problems] == [
        ("options.num_ctx", 2),
        ("options.num_predict", 3),
        ("options.top_k", 4),
        ("options.seed", 5),
        ("options.temperature", 6),
    ]
    assert "from 1 to 2147483647" in problems[0].reason and "not sent" in problems[0].reason
    assert values["options"] == {"num_thread": 4, "repeat_penalty": 1e30}


def test_an_unknown_option_name_is_reported_and_not_sent(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[options]\ntemperature = 0.2\ntempreature = 0.1\nstop = ["x"]\nkeep_alive = "1h"\n')
    values, problems = load_config(path)
    assert [(p.key, p.line) for p in problems] == [("options.tempreature", 3)]
    assert str(problems[0]).startswith(f"{path}:3: options.tempreature: not an option glmtui knows (not sent")
    assert values["options"] == {"temperature": 0.2, "stop": ["x"]} and values["keep_alive"] == "1h"


def test_edge_values_ollama_gives_a_meaning_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[options]\nnum_predict = -2\nrepeat_last_n = -1\ntop_k = 0\ntop_p = 1\nseed = -1\n")
    values, problems = load_config(path)
    assert problems == [] and values["options"]["num_predict"] == -2


def test_a_syntax_error_keeps_the_keys_around_it_and_says_which_lines_went(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'model = "ok"\nthink = "off"\n[options]\ntemperature = 0.2\nnum_ctx = = 3\ntop_k = 5\n'
        "[monitor]\ngpu_s = 2\n"
    )
    values, (problem,) = load_config(path)
    assert values["model"] == "ok" and values["think"] == "off"
    assert values["options"] == {"temperature": 0.2} and values["monitor_intervals"].gpu_s == 2.0
    assert problem.line == 5 and str(problem).startswith(f"{path}:5: not valid TOML")
    assert "lines 5–6 ignored, the rest of the file applies" in str(problem)


def test_a_value_cut_by_a_syntax_error_is_never_half_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "ok"\nsystem = """one\ntwo\n[keymap]\nstop-reply = "f9"\n')
    values, problems = load_config(path)
    assert values == {"model": "ok"} and len(problems) == 1  # the unclosed string swallows the rest
    assert "lines 2–5 ignored" in str(problems[0])
    path.write_text("host = \n")
    assert "the whole file is ignored" in str(load_config(path)[1][0])


def test_a_config_file_named_on_the_command_line_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "typo.toml"
    assert load_config(missing) == ({}, [])  # the default path: silent
    values, (problem,) = load_config(missing, named=True)
    assert values == {} and str(problem).startswith(f"{missing}: no such file")


def test_ollama_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[ollama]\nkv_cache_type = "q8_0"\ncontext_length = 65536\ngpu_overhead = "512MiB"\n'
        "flash_attention = true\nnum_parallel = 2\n"
    )
    values, problems = load_config(path)
    assert problems == []
    settings = build_config(values, env={}).ollama
    assert (settings.cache_type, settings.cache_type_source) == ("q8_0", "config")
    assert (settings.context_length, settings.gpu_overhead, settings.num_parallel) == (65536, 512 << 20, 2)
    assert settings.flash_attention is True
    assert build_config({}, env={}).ollama.cache_type is None  # not set: unknown, not f16


def test_bad_ollama_keys_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[ollama]\nkv_cache_type = "q7"\ncontext_length = 0\ngpu_overhead = "lots"\n'
        'flash_attention = "yes"\nnum_parallel = 4\nhost = "x"\n'
    )
    values, problems = load_config(path)
    assert sorted(p.key for p in problems) == [
        "ollama.context_length",
        "ollama.flash_attention",
        "ollama.gpu_overhead",
        "ollama.host",
        "ollama.kv_cache_type",
    ]
    assert all(p.line is not None for p in problems)  # each names its line
    settings = build_config(values, env={}).ollama
    assert settings.cache_type is None and settings.context_length is None and settings.num_parallel == 4
    assert settings.gpu_overhead == 0 and settings.flash_attention is None
