"""What talking to an engine costs before any reply (issue 15, speed): TLS contexts and imports.

A headless `glmtui bench` spent a third of its CPU starting: three TLS contexts for `http://` URLs
(httpx makes one per client) and httpx's own command-line tool, imported with `httpx`. One verifying
context now serves glmtui's clients, and `https://` is still verified with it.
"""

from __future__ import annotations

import http.server
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glmtui.core.errors import GlmTuiError
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.engines.probe import probe
from glmtui.services.engines.tls import tls_context
from glmtui.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


async def test_the_probe_and_the_engine_share_one_tls_context(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ollama  # noqa: F401  (its module-level client makes its own context on import: not ours)

    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    found = await probe(sim.url)
    engines = [OllamaService(sim.url), OllamaService(sim.url)]
    for engine in engines:
        await engine.version()
        await engine.close()
    assert found.kind == "ollama"
    assert len(made) <= 1  # before: one per client, three here


def test_the_shared_context_verifies_certificates_and_hostnames() -> None:
    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server with a certificate nobody vouches for, answering Ollama's /api/version."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            *ec,
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=x",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"version": "0.30.0"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_https_with_an_untrusted_certificate_is_refused(self_signed_server: str) -> None:
    found = await probe(self_signed_server)
    assert found.kind is None
    engine = OllamaService(self_signed_server)
    try:
        with pytest.raises(GlmTuiError):
            await engine.version()
    finally:
        await engine.close()


def test_glmtui_bench_imports_neither_textual_nor_httpxs_command_line_tool() -> None:
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'tui'}{os.pathsep}{ROOT}"}
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "glmtui", "bench", "--host", "http://127.0.0.1:9", "m"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "ollama" in imported  # it got as far as the engine
    unwanted = {name for name in imported if name.split(".")[0] in ("textual", "click", "pygments")}
    assert unwanted == set()
