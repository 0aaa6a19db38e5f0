"""The monitor's services against real sources: `/api/ps` and unload via the simulator, psutil here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

from glmtui.core.state import GpuProcess, GpuReading, GpuSnapshot, MonitorIntervals, OllamaSnapshot
from glmtui.core.stats import LiveStats
from glmtui.core.units import GIB
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.monitor import Sampler
from glmtui.services.monitor_feed import MonitorFeed
from glmtui.services.nvml import LIBRARY_NOT_FOUND
from glmtui.services.system_sampler import SystemSampler, runner_blob
from glmtui.simulator import Simulator
from tests.fakes import ScriptedSystem
from tests.helpers import exec_done


async def test_ps_lists_a_loaded_model_and_unload_removes_it(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    try:
        assert await service.ps() == []
        async for _ in service.chat(
            "glm-4.7-flash:latest",
            [{"role": "user", "content": "hi"}],
            think=None,
            live=LiveStats(),
            keep_alive="5m",
        ):
            pass
        (loaded,) = await service.ps()
        assert loaded.name == "glm-4.7-flash:latest"
        assert loaded.processor == "100% GPU" and loaded.size == loaded.size_vram > 0
        assert loaded.context_length == 32768  # the simulator's 24 GiB: Ollama's 24–48 GiB default tier
        assert loaded.expires_at is not None and 290 < loaded.expires_at - time.time() <= 300
        await service.unload("glm-4.7-flash:latest")
        assert await service.ps() == []
    finally:
        await service.close()


async def test_keep_alive_forever_shows_as_never(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    try:
        async for _ in service.chat(
            "qwen3-coder:30b",
            [{"role": "user", "content": "hi"}],
            think=None,
            live=LiveStats(),
            keep_alive=-1,
        ):
            pass
        (loaded,) = await service.ps()
        assert loaded.expires_at is None
    finally:
        await service.close()


async def test_ps_offline_raises_a_clear_error() -> None:
    service = OllamaService("http://127.0.0.1:9")
    try:
        await service.ps()
    except Exception as exc:
        assert "Cannot reach Ollama" in str(exc)
    else:
        raise AssertionError("expected an error")
    finally:
        await service.close()


def test_system_sampler_reads_this_machine_and_a_given_server_process() -> None:
    sampler = SystemSampler(ollama_local=True, ollama_pid=os.getpid())
    reading = sampler.read(0.0)
    assert reading.ram_total > reading.ram_used > 0
    assert reading.cpu_count >= 1 and 0.0 <= reading.cpu_percent <= 100.0
    assert reading.ollama is not None and reading.ollama.pid == os.getpid()
    assert reading.ollama.rss_bytes > 10 * 1024**2


def test_a_server_that_exited_is_no_longer_shown() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        sampler = SystemSampler(ollama_local=True, ollama_pid=child.pid, find_s=0.0)
        reading = sampler.read(0.0).ollama
        assert reading is not None and reading.pid == child.pid
        child.kill()
        time.sleep(0.2)  # killed but not yet reaped: a zombie, as glmtui --demo's simulator would be
        assert sampler.read(1.0).ollama is None
    finally:
        child.kill()
        child.wait()


def test_remote_ollama_is_not_looked_for_here() -> None:
    assert SystemSampler(ollama_local=False).read(0.0).ollama is None


def test_sampler_without_gpu_still_reads_the_system() -> None:
    sample = Sampler(ScriptedNvml(init_error=LIBRARY_NOT_FOUND), ollama_local=False).sample()
    assert sample.gpu.gpus == () and sample.gpu.status and sample.gpu.status.startswith("No NVIDIA GPU")
    assert sample.system is not None and sample.gpu.hostname


def test_runner_blob_reads_a_real_processs_model_path() -> None:
    blob = "cd" * 32
    # A stand-in runner: the same command-line shape as `ollama runner --model <store>/blobs/sha256-<hex>`.
    args = [
        sys.executable,
        "-c",
        "import time; time.sleep(30)",
        "--model",
        f"/tmp/models/blobs/sha256-{blob}",
    ]
    child = subprocess.Popen(args)
    try:
        exec_done(child.pid, "--model")  # before the exec, /proc shows pytest's own command line
        assert runner_blob(child.pid) == blob
        assert runner_blob(os.getpid()) == ""  # pytest names no blob
    finally:
        child.kill()
        child.wait()
    assert runner_blob(child.pid) == ""  # gone


async def test_show_names_the_weights_blob_and_ps_the_digest(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    try:
        shown = await service.show("glm-4.7-flash:latest")
        assert len(shown.weights_blob) == 64 and int(shown.weights_blob, 16) >= 0
        listed = {m.name: m for m in await service.list_models()}
        await service.client.generate(model="glm-4.7-flash:latest", prompt="", keep_alive="5m")
        (loaded,) = await service.ps()
        assert loaded.digest == listed["glm-4.7-flash:latest"].digest != ""
    finally:
        await service.close()


async def test_the_feed_asks_api_show_for_blobs_only_while_a_runner_names_one(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    nvml = ScriptedNvml([ScriptedGpu(processes=[(os.getpid(), GIB)])])  # pytest: a process naming no blob
    sampler = Sampler(nvml, system=ScriptedSystem(), hostname="testbox")
    published: list[OllamaSnapshot] = []
    feed = MonitorFeed(
        sampler,
        service,
        MonitorIntervals(),
        publish_sample=lambda s: None,
        publish_snapshot=published.append,
        resolve_blobs=True,
    )
    try:
        await service.client.generate(model="glm-4.7-flash:latest", prompt="", keep_alive="5m")
        await feed.sample_now()
        await feed.poll_ollama()
        # No runner names a blob: /api/show is not asked (it would take faults a test meant for the app).
        assert not [path for _, path, _ in sim.requests if path == "/api/show"]
        assert published[-1].models[0].blob == ""
        blob = (await service.show("glm-4.7-flash:latest")).weights_blob
        reading = feed.sample
        assert reading is not None
        runner = GpuProcess(4242, "ollama", GIB, is_ollama=True, model_blob=blob)
        feed.sample = replace(reading, gpu=GpuSnapshot((GpuReading(0, "RTX 4090", processes=(runner,)),)))
        await feed.poll_ollama()
        assert published[-1].models[0].blob == blob
    finally:
        feed.close()
        await service.close()
