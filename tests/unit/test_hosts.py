"""Host normalisation follows Ollama's own rules, plus 0.0.0.0 → loopback."""

import pytest

from glmtui.core.hosts import DEFAULT_HOST, is_local, normalize_host, resolve_host


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, DEFAULT_HOST),
        ("", DEFAULT_HOST),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080"),
        ("http://0.0.0.0:11434", "http://127.0.0.1:11434"),
        (":56789", "http://127.0.0.1:56789"),
        ("1.2.3.4", "http://1.2.3.4:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("gpu-box:9000", "http://gpu-box:9000"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://gpu-box", "https://gpu-box:443"),
        ("https://gpu-box:8443/ollama/", "https://gpu-box:8443/ollama"),
        ("[::1]", "http://[::1]:11434"),
        ("[::]:1234", "http://[::1]:1234"),
        ("  localhost:11434  ", "http://localhost:11434"),
    ],
)
def test_normalize_host(raw: str | None, expected: str) -> None:
    assert normalize_host(raw) == expected


def test_bad_scheme_and_port_are_rejected() -> None:
    with pytest.raises(ValueError, match="scheme"):
        normalize_host("ftp://x")
    with pytest.raises(ValueError, match="port"):
        normalize_host("x:notaport")


def test_precedence_flag_env_file() -> None:
    assert resolve_host("a:1", "b:2", "c:3") == "http://a:1"
    assert resolve_host(None, "b:2", "c:3") == "http://b:2"
    assert resolve_host(None, "", "c:3") == "http://c:3"
    assert resolve_host(None, None, None) == DEFAULT_HOST


def test_is_local() -> None:
    assert is_local("http://127.0.0.1:11434")
    assert is_local("http://localhost:1")
    assert is_local("http://[::1]:1")
    assert not is_local("http://gpu-box:11434")
