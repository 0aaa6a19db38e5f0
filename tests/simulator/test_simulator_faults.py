"""The Ollama simulator's faults and lifecycle: drops, stalls, errors, stopping, its command line.

Raw httpx / http.client is used only for what the client cannot express (HEAD, status codes, headers,
malformed bodies, the ``/_sim`` control endpoints). Tests wait on conditions, never on fixed sleeps; the
only timing assertions are lower bounds that the simulator's own sleeps guarantee.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import ollama
import pytest

from glmtui.simulator import Fault, Simulator
from tests.helpers import SIM_RATE, ask

TUI_ROOT = Path(__file__).resolve().parents[2] / "tui"


# ----- faults -----------------------------------------------------------------------------------------
def test_drop_cuts_the_connection_mid_stream(sim: Simulator, client: ollama.Client) -> None:
    sim.inject(Fault(kind="drop", after_tokens=5))
    received = []
    with pytest.raises(httpx.HTTPError):
        for part in client.chat("qwen3-coder:30b", ask("hi"), stream=True):
            received.append(part)
    assert len(received) == 5 and not any(p.done for p in received)
    assert client.chat("qwen3-coder:30b", ask("hi")).done  # the next request is healthy


def test_stall_pauses_then_resumes(sim: Simulator, client: ollama.Client) -> None:
    sim.inject(Fault(kind="stall", after_tokens=3, seconds=0.3))
    start = time.monotonic()
    stamps = [(time.monotonic(), part) for part in client.chat("qwen3-coder:30b", ask("hi"), stream=True)]
    assert stamps[-1][1].done and stamps[-1][1].eval_count == len(stamps) - 1
    assert stamps[3][0] - start >= 0.3  # the fourth chunk only comes after the stall


def test_http500_and_in_band_error(sim: Simulator, client: ollama.Client) -> None:
    sim.inject(Fault(kind="http500", message="llama runner crashed"))
    with pytest.raises(ollama.ResponseError) as err:
        list(client.chat("qwen3-coder:30b", ask("hi"), stream=True))
    assert err.value.status_code == 500 and err.value.error == "llama runner crashed"
    sim.inject(Fault(kind="error", after_tokens=4, message="CUDA out of memory"))
    received = []
    with pytest.raises(ollama.ResponseError) as err:
        for part in client.chat("qwen3-coder:30b", ask("hi"), stream=True):
            received.append(part)
    assert len(received) == 4 and err.value.error == "CUDA out of memory"
    sim.inject(Fault(kind="error", after_tokens=4, message="boom"))
    with pytest.raises(ollama.ResponseError) as err:
        client.chat("qwen3-coder:30b", ask("hi"))  # not streaming: Ollama answers 500
    assert err.value.status_code == 500 and err.value.error == "boom"


def test_control_endpoints_queue_faults_in_order(sim: Simulator, client: ollama.Client) -> None:
    with httpx.Client(base_url=sim.url) as raw:
        assert raw.post("/_sim/config", json={"rate": 4000, "reply_tokens": 20}).json() == {}
        assert raw.post("/_sim/fault", json={"kind": "http500", "message": "first"}).json() == {}
        assert raw.post("/_sim/fault", json={"kind": "http500", "message": "second"}).status_code == 200
        assert raw.post("/_sim/fault", json={"kind": "meteor"}).status_code == 400
    assert (sim.rate, sim.reply_tokens) == (4000.0, 20)
    for expected in ("first", "second"):
        with pytest.raises(ollama.ResponseError, match=expected):
            client.chat("qwen3-coder:30b", ask("hi"))
    assert client.chat("qwen3-coder:30b", ask("hi")).eval_count == 20


def test_a_fault_for_one_model_waits_for_that_model(sim: Simulator, client: ollama.Client) -> None:
    with httpx.Client(base_url=sim.url) as raw:
        assert (
            raw.post(
                "/_sim/fault", json={"kind": "http500", "message": "gpt only", "model": "gpt-oss:20b"}
            ).status_code
            == 200
        )
    assert client.chat("qwen3-coder:30b", ask("hi")).done  # another model's request passes it by
    with pytest.raises(ollama.ResponseError, match="gpt only"):
        client.chat("GPT-OSS:20b", ask("hi"))  # names match as Ollama matches them
    assert client.chat("gpt-oss:20b", ask("hi")).done


# ----- lifecycle --------------------------------------------------------------------------------------
def test_stop_cuts_streams_and_port_can_be_reused() -> None:
    sim = Simulator(rate=200.0, load_seconds=0.0).start()
    port = sim.port
    client = ollama.Client(host=sim.url)
    stream = client.chat("qwen3-coder:30b", ask("hi"), stream=True)
    next(stream)
    sim.stop()
    with pytest.raises(httpx.HTTPError):
        list(stream)
    with pytest.raises(ConnectionError):
        client.list()
    with Simulator(port=port, rate=SIM_RATE) as revived:
        assert revived.url == f"http://127.0.0.1:{port}"
        assert client.chat("qwen3-coder:30b", ask("hi")).done
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    with pytest.raises(OSError):
        conn.request("GET", "/")


def test_cli_prints_its_address_and_exits_cleanly_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TUI_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glmtui.simulator",
            "--port",
            "0",
            "--rate",
            "5000",
            "--fault",
            "http500:cli",
            "--fault",
            "error:2:boom",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"glmtui-simulator listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match, line
        with ollama.Client(host=match.group(1)) as client:
            with pytest.raises(ollama.ResponseError, match="cli"):
                client.chat("qwen3-coder:30b", ask("hi"))
            with pytest.raises(ollama.ResponseError, match="boom"):
                list(client.chat("qwen3-coder:30b", ask("hi"), stream=True))
            assert client.chat("qwen3-coder:30b", ask("hi")).done
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and out == "" and "Traceback" not in err
