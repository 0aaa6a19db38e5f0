"""Unknown capabilities are not "cannot think"; a 404 names a missing model only when Ollama does."""

from __future__ import annotations

import ollama

from glmtui.core.state import ModelDetails
from glmtui.core.think import effective_think, next_think, think_label
from glmtui.services.engines.ollama import OllamaService

THINKS = ModelDetails("glm-4.7-flash", capabilities=("completion", "thinking"))
PLAIN = ModelDetails("qwen3-coder", capabilities=("completion",))


def test_unknown_capabilities_send_nothing_until_the_user_chooses() -> None:
    assert effective_think("glm-4.7-flash", None, "on") is None
    assert effective_think("glm-4.7-flash", None, "off", chosen=True) == "off"
    assert effective_think("gpt-oss:20b", None, "on", chosen=True) == "medium"
    assert next_think("glm-4.7-flash", None) == "off"  # nothing sent: a thinking model thinks
    assert think_label(None, known=False).startswith("unknown (capabilities not read)")
    assert think_label("on", known=False).startswith("on (capabilities not read)")


def test_known_capabilities_are_as_before() -> None:
    assert effective_think("qwen3-coder", PLAIN, "on", chosen=True) is None
    assert effective_think("glm-4.7-flash", THINKS, "off") == "off"
    assert think_label(None) == "n/a (model does not think)"
    assert next_think("glm-4.7-flash", "on") == "off" and next_think("glm-4.7-flash", "off") == "on"


def test_a_404_names_a_missing_model_only_when_ollama_does() -> None:
    service = OllamaService("http://127.0.0.1:9")
    page = service.map_error(ollama.ResponseError("<html><body>File not found</body></html>", 404))
    assert page.kind == "not-ollama" and "that model" not in f"{page.message} {page.hint}"
    assert "journalctl" not in page.hint
    missing = service.map_error(ollama.ResponseError('{"error": "model \'llama9:404b\' not found"}', 404))
    assert missing.kind == "not-found" and "llama9:404b" in missing.message


def test_only_a_chat_stream_drops_mid_reply() -> None:
    """ps, list, show and version have no reply in progress: a dropped connection is not "mid-reply"."""
    import httpx

    service = OllamaService("http://127.0.0.1:9")
    for exc in (httpx.RemoteProtocolError("Server disconnected"), httpx.ReadError("reset")):
        assert "mid-reply" not in service.map_error(exc).message
        assert "mid-reply" in service.map_error(exc, streaming=True).message
    assert service.map_error(httpx.RemoteProtocolError("x")).kind == "not-http"  # as version() says


def test_server_text_is_one_short_clean_fragment_never_html() -> None:
    service = OllamaService("http://127.0.0.1:9")
    page = '<!DOCTYPE HTML>\n<html lang="en">\n<head><meta charset="utf-8"><title>Error response</title>'
    for body in (page, "  " + page.lower()):
        error = service.map_error(ollama.ResponseError(body, 404))
        assert "<" not in error.message and "DOCTYPE" not in error.message.upper()
    openai = service.map_error(ollama.ResponseError('{"error": {"message": "Not found", "type": "x"}}', 404))
    assert "{" not in openai.message and "Not found" in openai.message
    long = service.map_error(ollama.ResponseError("boom \x1b[31m" + "x" * 500, 500))
    assert "\x1b" not in long.message and len(long.message) <= 220  # Ollama's own text, one line
