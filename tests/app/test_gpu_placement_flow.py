"""Pilot flow: a loaded model is named under the GPU whose runner process holds it, and the Ollama panel
says which GPU holds it (by pid: the runner's command line names the blob `/api/show` names)."""

from __future__ import annotations

import subprocess
import sys

from glmtui.core.state import MonitorIntervals
from glmtui.core.units import GIB
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.simulator import Simulator
from glmtui.widgets.monitor.gpu_panel import GpuPanel
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from tests.fakes import scripted_sampler
from tests.helpers import exec_done, finished, make_app, panel_text, ready, send, wait_until

FAST = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5)
MODEL = "glm-4.7-flash:latest"


async def test_the_gpu_and_ollama_panels_name_the_gpu_that_holds_the_loaded_model(sim: Simulator) -> None:
    service = OllamaService(sim.url)
    try:
        blob = (await service.show(MODEL)).weights_blob
    finally:
        await service.close()
    # A stand-in runner, a real process with the command line Ollama gives its runners, and the scripted
    # GPU lists its pid: the sampler reads the blob off it with psutil, as it would a real runner's.
    runner = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "--model", f"/tmp/m/blobs/sha256-{blob}"]
    )
    try:
        exec_done(runner.pid, "--model")  # the sampler reads a pid's blob once: read the runner's own
        nvml = ScriptedNvml([ScriptedGpu(memory_used=19 * GIB, processes=[(runner.pid, int(17.2 * GIB))])])
        app = make_app(sim.url, model=MODEL, sampler=scripted_sampler(nvml=nvml), monitor_intervals=FAST)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app)
            gpu = app.screen.query_one(GpuPanel)
            ollama = app.screen.query_one(OllamaPanel)
            assert MODEL not in panel_text(gpu)  # nothing loaded yet: the runner's line is a process line
            await finished(await send(pilot, "hello"))
            await wait_until(lambda: "on GPU 0 RTX 4090" in panel_text(ollama), what="the model's GPU")
            shown = panel_text(gpu)
            assert MODEL in shown and "17.2 GiB" in shown and "≈" not in shown  # sure: by pid
            assert "17.2 GiB" in panel_text(ollama)
    finally:
        runner.kill()
        runner.wait()
