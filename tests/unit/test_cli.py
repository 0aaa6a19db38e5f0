"""The command line: --help, --version, and --demo's simulator process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from glmtui import __version__
from glmtui.__main__ import DESK_ARGS, NODE_ARGS, parse_args, start_demo, start_simulator, stop
from glmtui.simulator.__main__ import build_parser, build_server


def test_version_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"glmtui {__version__}"
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--help"], capture_output=True, text=True, check=True
    )
    for flag in (
        "--host",
        "--model",
        "--think",
        "--config",
        "--demo",
        "--no-monitor",
        "Ctrl+J",
        "F2 monitor",
    ):
        assert flag in out.stdout


def test_help_shows_compare_as_two_models_and_a_prompt_not_a_repetition() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--help"], capture_output=True, text=True, check=True
    )
    assert "--compare MODEL_A MODEL_B [PROMPT]" in out.stdout and "..." not in out.stdout


def test_bad_think_value_is_rejected() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--think", "sometimes"])


def test_demo_simulator_starts_on_a_free_loopback_port() -> None:
    proc, url = start_simulator()
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/api/version", timeout=5) as response:
            assert b"version" in response.read()
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


def test_demo_starts_an_ollama_and_a_vllm_simulator() -> None:
    procs, desk, node1 = start_demo()
    try:
        with urllib.request.urlopen(desk + "/api/version", timeout=5) as response:
            assert b"version" in response.read()
        # node1 is not waited for at start (the first frame does not wait on it): it comes up meanwhile.
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(node1 + "/v1/models", timeout=5) as response:
                    models = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert [m["id"] for m in models["data"]] == ["glm-4.7-flash"] and models["data"][0][
            "owned_by"
        ] == "vllm"
        with urllib.request.urlopen(node1 + "/metrics", timeout=5) as response:
            assert b"vllm:spec_decode_num_draft_tokens" in response.read()  # MTP on: acceptance shows
    finally:
        for proc in procs:
            stop(proc)
        assert [proc.returncode for proc in procs] == [0, 0]


def test_no_monitor_flag() -> None:
    assert parse_args(["--no-monitor"]).no_monitor is True
    assert parse_args([]).no_monitor is False


def test_demo_simulators_slow_decode_as_the_context_grows() -> None:
    for args in (DESK_ARGS, NODE_ARGS):
        server = build_server(build_parser().parse_args(list(args)))
        assert server.pace.decode_half_ctx == 32768  # the tests' own simulators leave it off


def test_prompt_set_needs_two_compare_models_and_a_readable_file(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from glmtui.__main__ import prompt_set_arg

    for argv in (["--prompt-set", "x.txt"], ["--compare", "a", "b", "hi", "--prompt-set", "x.txt"]):
        with pytest.raises(SystemExit):
            parse_args(argv)
        assert "--prompt-set runs with two models and no prompt" in capsys.readouterr().err
    good = tmp_path / "set.txt"
    good.write_text("one\n---\ntwo\n", encoding="utf-8")
    args = parse_args(["--compare", "a", "b", "--prompt-set", str(good)])
    loaded = prompt_set_arg(args.prompt_set)
    assert loaded is not None and loaded.prompts == ("one", "two")
    assert prompt_set_arg(None) is None
    (tmp_path / "empty.txt").write_text("---\n", encoding="utf-8")
    for bad, says in ((tmp_path / "nope.txt", "no such file"), (tmp_path / "empty.txt", "no prompts")):
        with pytest.raises(SystemExit, match=f"glmtui: --prompt-set .*{says}"):
            prompt_set_arg(bad)
