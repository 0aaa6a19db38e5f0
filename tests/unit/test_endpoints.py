"""Endpoints: `[[endpoints]]` tables, `--endpoint NAME=URL`, `--host` as a one-endpoint shortcut."""

from __future__ import annotations

from pathlib import Path

import pytest

from glmtui.__main__ import demo_endpoints, parse_args
from glmtui.config import Config, build_config, load_config
from glmtui.core.endpoints import Endpoint, name_for, parse_endpoint_flag, resolve_endpoints

TWO = """
model = "m"

[[endpoints]]
name = "desk"
url = "http://desk:11434"
kind = "ollama"

[[endpoints]]
name = "node1"
url = "http://node1:8000"
kind = "openai"
api_key_env = "VLLM_API_KEY"
"""


def test_endpoints_tables_are_read_in_order_and_the_first_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(TWO)
    values, problems = load_config(path)
    assert problems == []
    config = build_config(values, env={"OLLAMA_HOST": "envhost"})
    assert config.endpoints == (
        Endpoint("desk", "http://desk:11434", "ollama"),
        Endpoint("node1", "http://node1:8000", "openai", "VLLM_API_KEY"),
    )
    assert config.host == "http://desk:11434"  # the chat's default; OLLAMA_HOST yields to the file


def test_each_bad_endpoint_key_is_reported_with_its_table_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[[endpoints]]\n"  # 1
        'name = "desk"\n'
        'url = "http://desk"\n'
        'kind = "triton"\n'  # 4: bad kind → auto
        'api_key_env = "sk-live-123"\n'  # 5: a key, not a variable's name → dropped
        "colour = 1\n"  # 6
        "[[endpoints]]\n"  # 7
        'name = "bad name"\n'  # 8: left out
        'url = "http://x"\n'
        "[[endpoints]]\n"  # 10
        'name = "desk"\n'  # 11: used twice → left out
        'url = "http://other"\n'
        "[[endpoints]]\n"  # 13
        'name = "ftp"\n'
        'url = "ftp://x"\n'  # 15: not http(s) → left out
        "[[endpoints]]\n"  # 16: no url
        'name = "nourl"\n'
    )
    values, problems = load_config(path)
    found = [(p.key, p.line) for p in problems]
    assert found == [
        ("endpoints[1].colour", 6),
        ("endpoints[1].kind", 4),
        ("endpoints[1].api_key_env", 5),
        ("endpoints[2].name", 8),
        ("endpoints[3].name", 11),
        ("endpoints[4].url", 15),
        ("endpoints[5].url", 16),
    ]
    # The key itself, written here by mistake, is never echoed back onto the screen.
    assert "never goes in the file" in str(problems[2]) and "sk-live-123" not in str(problems[2])
    assert values["endpoints"] == (Endpoint("desk", "http://desk:80", "auto", None),)


def test_endpoints_not_a_list_of_tables_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('endpoints = "desk"\n')
    values, problems = load_config(path)
    assert [p.key for p in problems] == ["endpoints"] and "endpoints" not in values
    assert build_config(values, env={}).endpoint_list == (
        Endpoint("localhost", "http://127.0.0.1:11434", "ollama"),
    )


def test_without_endpoints_it_is_todays_single_ollama_server() -> None:
    config = build_config({}, env={})
    assert config.endpoints == (Endpoint("localhost", "http://127.0.0.1:11434", "ollama"),)
    config = build_config({"host": "filehost:1"}, env={"OLLAMA_HOST": "gpu-box"})
    assert config.endpoints == (Endpoint("gpu-box", "http://gpu-box:11434", "ollama"),)
    assert config.host == "http://gpu-box:11434"
    # A Config built directly (tests, embedding) has its host as its one endpoint.
    assert Config(host="http://127.0.0.1:9").endpoint_list == (
        Endpoint("localhost", "http://127.0.0.1:9", "ollama"),
    )


def test_host_flag_is_a_one_endpoint_shortcut_of_kind_auto(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(TWO)
    values, _ = load_config(path)
    config = build_config(values, env={}, flags={"host": "node7:8000"})
    assert config.endpoints == (Endpoint("node7", "http://node7:8000", "auto"),)
    assert config.host == "http://node7:8000"


def test_endpoint_flags_add_to_the_file_and_replace_by_name(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(TWO)
    values, _ = load_config(path)
    args = parse_args(["--endpoint", "node2=http://node2:30000", "--endpoint", "node1=http://n1:9000"])
    config = build_config(values, env={}, flags={"endpoints": tuple(args.endpoint)})
    assert [(e.name, e.url, e.kind) for e in config.endpoints] == [
        ("desk", "http://desk:11434", "ollama"),
        ("node1", "http://n1:9000", "auto"),
        ("node2", "http://node2:30000", "auto"),
    ]
    # With --host: that server, then the flagged ones.
    assert [e.name for e in resolve_endpoints((), host_flag="a:1", flagged=config.endpoints[1:])] == [
        "a",
        "node1",
        "node2",
    ]


@pytest.mark.parametrize(
    "text, why",
    [
        ("node1", "NAME=URL"),
        ("=http://x", "NAME=URL"),
        ("node1=", "NAME=URL"),
        ("no de=http://x", "a name is"),
        ("n=ftp://x", "unsupported scheme"),
    ],
)
def test_bad_endpoint_flags_are_refused_with_the_reason(
    text: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match=why):
        parse_endpoint_flag(text)
    with pytest.raises(SystemExit):
        parse_args(["--endpoint", text])
    assert why in capsys.readouterr().err


def test_names_from_hosts() -> None:
    assert name_for("http://127.0.0.1:11434") == "localhost"
    assert name_for("http://[::1]:11434") == "localhost"
    assert name_for("http://gpu-box.lan:8000") == "gpu-box.lan"


def test_demo_is_desk_plus_the_flagged_ones() -> None:
    flagged = [parse_endpoint_flag("node1=http://n1:8000")]
    assert demo_endpoints("http://127.0.0.1:5", flagged) == (
        Endpoint("desk", "http://127.0.0.1:5", "ollama"),
        Endpoint("node1", "http://n1:8000", "auto"),
    )


def test_demo_is_desk_and_the_vllm_node_and_a_flag_replaces_by_name() -> None:
    assert demo_endpoints("http://127.0.0.1:5", [], "http://127.0.0.1:6") == (
        Endpoint("desk", "http://127.0.0.1:5", "ollama"),
        Endpoint("node1", "http://127.0.0.1:6", "openai"),  # a known kind: nothing to probe
    )
    flagged = [parse_endpoint_flag("node1=http://n1:8000"), parse_endpoint_flag("node2=http://n2:8000")]
    assert [e.name for e in demo_endpoints("http://127.0.0.1:5", flagged, "http://127.0.0.1:6")] == [
        "desk",
        "node1",
        "node2",
    ]
    assert demo_endpoints("http://127.0.0.1:5", flagged, "http://127.0.0.1:6")[1].url == "http://n1:8000"
