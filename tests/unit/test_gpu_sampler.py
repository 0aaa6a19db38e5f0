"""The GPU sampler over scripted NVML: no GPU, one, two, a GPU lost mid-run, an old driver."""

from __future__ import annotations

from types import SimpleNamespace

import pynvml
import pytest

from glmtui.core.units import GIB
from glmtui.services import nvml as codes
from glmtui.services.fake_nvml import ScriptedGpu, ScriptedNvml
from glmtui.services.gpu_sampler import GpuSampler
from glmtui.services.nvml import NvmlError, PynvmlAdapter


def run(sampler: GpuSampler, seconds: float, step: float = 0.5) -> None:
    """Call read() every `step` seconds of simulated time, as the monitor loop would."""
    t = 0.0
    while t < seconds:
        sampler.read(t)
        t += step


def test_no_nvml_library_says_so_once_and_does_not_retry() -> None:
    nvml = ScriptedNvml(init_error=codes.LIBRARY_NOT_FOUND)
    sampler = GpuSampler(nvml)
    gpus, status = sampler.read(0.0)
    assert gpus == ()
    assert status == "No NVIDIA GPU: NVML library not found (no NVIDIA driver installed)"
    run(sampler, 120)
    assert nvml.calls["init"] == 1  # a library does not appear mid-run


def test_driver_not_loaded_is_retried_slowly() -> None:
    nvml = ScriptedNvml([ScriptedGpu()], init_error=codes.DRIVER_NOT_LOADED)
    sampler = GpuSampler(nvml, retry_s=10)
    assert sampler.read(0.0)[1] == "No NVIDIA GPU: NVIDIA driver not loaded"
    sampler.read(5.0)
    assert nvml.calls["init"] == 1
    nvml.init_error = None  # the driver got loaded
    gpus, status = sampler.read(10.0)
    assert status is None and len(gpus) == 1


def test_zero_devices() -> None:
    gpus, status = GpuSampler(ScriptedNvml([])).read(0.0)
    assert gpus == () and status == "No NVIDIA GPU: NVML found no devices"


def test_one_gpu_readings_in_display_units() -> None:
    gpu = ScriptedGpu(
        memory_used=18 * GIB,
        util_gpu=93,
        util_memory=40,
        temperature=71,
        power_mw=312_500,
        power_limit_mw=450_000,
        processes=[(4242, 18 * GIB)],
    )
    sampler = GpuSampler(ScriptedNvml([gpu]), process_name=lambda pid: "ollama" if pid == 4242 else "")
    (reading,), status = sampler.read(0.0)
    assert status is None
    assert reading.name == "NVIDIA GeForce RTX 4090"
    assert (reading.memory_used, reading.memory_total) == (18 * GIB, 24 * GIB)
    assert reading.memory_percent == pytest.approx(75.0)
    assert (reading.util_gpu, reading.util_memory, reading.temperature_c) == (93, 40, 71)
    assert reading.power_w == pytest.approx(312.5) and reading.power_limit_w == pytest.approx(450.0)
    assert reading.processes is not None and reading.processes[0].is_ollama
    assert reading.memory_history == (75.0,) and reading.util_history == (93.0,)


def test_two_gpus_stack_in_index_order() -> None:
    nvml = ScriptedNvml([ScriptedGpu(name="NVIDIA A100-SXM4-80GB", memory_total=80 * GIB), ScriptedGpu()])
    gpus, _ = GpuSampler(nvml).read(0.0)
    assert [(g.index, g.name) for g in gpus] == [(0, "NVIDIA A100-SXM4-80GB"), (1, "NVIDIA GeForce RTX 4090")]


def test_cadence_memory_each_second_temperature_and_processes_every_five() -> None:
    nvml = ScriptedNvml([ScriptedGpu()])
    sampler = GpuSampler(nvml)  # defaults: 1 s, 5 s, 5 s
    run(sampler, 20.0, step=0.5)  # the loop may wake more often than the intervals
    assert nvml.calls["memory"] == 20
    assert nvml.calls["utilization"] == 20
    assert nvml.calls["temperature"] == 4
    assert nvml.calls["processes"] == 4
    assert nvml.calls["init"] == 1 and nvml.calls["name"] == 1  # handles and names once


def test_never_faster_than_two_hertz() -> None:
    nvml = ScriptedNvml([ScriptedGpu()])
    sampler = GpuSampler(nvml, memory_s=0.05, processes_s=0.1)
    run(sampler, 10.0, step=0.125)
    assert nvml.calls["memory"] == 20
    assert nvml.calls["processes"] == 2  # listing processes: at most every 5 s


def test_an_early_wakeup_does_not_skip_a_reading() -> None:
    nvml = ScriptedNvml([ScriptedGpu()])
    sampler = GpuSampler(nvml)
    for t in (0.0, 0.99, 1.98, 2.97):  # the loop's 1 s timer fires a little early each time
        sampler.read(t)
    assert nvml.calls["memory"] == 4


def test_history_covers_the_last_minute() -> None:
    gpu = ScriptedGpu()
    sampler = GpuSampler(ScriptedNvml([gpu]))
    for t in range(90):
        gpu.util_gpu = t
        (reading,), _ = sampler.read(float(t))
    assert len(reading.util_history) == 60
    assert reading.util_history[0] == 30 and reading.util_history[-1] == 89


def test_gpu_lost_mid_run_keeps_last_readings_says_so_and_recovers() -> None:
    gpu = ScriptedGpu(memory_used=10 * GIB)
    nvml = ScriptedNvml([gpu])
    sampler = GpuSampler(nvml, retry_s=10)
    sampler.read(0.0)
    gpu.lost = True
    (reading,), status = sampler.read(1.0)
    assert status is None
    assert reading.error == "GPU is lost (fell off the bus or crashed); retrying"
    assert reading.memory_used == 10 * GIB  # the last good reading stays
    calls = nvml.calls["memory"]
    sampler.read(2.0)
    sampler.read(5.0)
    assert nvml.calls["memory"] == calls  # no hammering a lost device
    gpu.lost = False
    gpu.memory_used = 12 * GIB
    (reading,), _ = sampler.read(11.0)
    assert reading.error is None and reading.memory_used == 12 * GIB


def test_a_lost_gpus_readings_carry_their_age_until_it_answers_again() -> None:
    gpu = ScriptedGpu(memory_used=23 * GIB, util_gpu=100, temperature=95)
    sampler = GpuSampler(ScriptedNvml([gpu]), retry_s=10)
    (reading,), _ = sampler.read(0.0)
    assert reading.stale_s is None  # live
    gpu.lost = True
    (reading,), _ = sampler.read(1.0)
    assert reading.error is not None and reading.stale_s == 1
    (reading,), _ = sampler.read(7.5)  # between retries: the age still grows
    assert reading.stale_s == 7 and reading.util_gpu == 100
    gpu.lost = False
    (reading,), _ = sampler.read(11.0)
    assert reading.error is None and reading.stale_s is None


def test_function_missing_on_an_old_driver_is_na_and_not_asked_again() -> None:
    gpu = ScriptedGpu(missing={"power_usage_mw", "processes"})
    nvml = ScriptedNvml([gpu])
    sampler = GpuSampler(nvml)
    run(sampler, 30.0)
    (reading,), _ = sampler.read(30.0)
    assert reading.error is None
    assert reading.power_w is None and reading.processes is None
    assert reading.temperature_c == 41 and reading.power_limit_w == 450.0
    assert nvml.calls["power_usage_mw"] == 1 and nvml.calls["processes"] == 1


def test_other_nvml_error_marks_the_device() -> None:
    class Flaky(ScriptedNvml):
        def utilization(self, handle: int) -> tuple[int, int]:
            raise NvmlError(codes.UNKNOWN, "Unknown Error")

    (reading,), _ = GpuSampler(Flaky([ScriptedGpu()])).read(0.0)
    assert reading.error == "NVML error: Unknown Error"


def test_real_adapter_turns_pynvml_errors_into_codes() -> None:
    def lost() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)

    adapter = PynvmlAdapter(
        SimpleNamespace(NVMLError=pynvml.NVMLError, nvmlInit=lambda: None, nvmlDeviceGetCount=lost)
    )
    adapter.init()
    with pytest.raises(NvmlError) as caught:
        adapter.device_count()
    assert caught.value.code == codes.GPU_IS_LOST
    with pytest.raises(NvmlError) as caught:
        adapter.power_limit_mw(object())  # not in this (fake) binding: an old pynvml
    assert caught.value.code == codes.FUNCTION_NOT_FOUND and caught.value.reading_unavailable


def test_real_adapter_before_init_is_uninitialised() -> None:
    with pytest.raises(NvmlError) as caught:
        PynvmlAdapter().device_count()
    assert caught.value.code == codes.UNINITIALIZED


def test_real_adapter_prefers_memory_v2_and_falls_back_to_v1() -> None:
    calls: list[object] = []

    def memory_info(handle: object, version: object = None) -> SimpleNamespace:
        calls.append(version)
        if version is not None:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_FUNCTION_NOT_FOUND)  # a driver older than v2
        return SimpleNamespace(used=5, total=10)

    adapter = PynvmlAdapter(
        SimpleNamespace(
            NVMLError=pynvml.NVMLError,
            nvmlInit=lambda: None,
            nvmlMemory_v2=pynvml.nvmlMemory_v2,
            nvmlDeviceGetMemoryInfo=memory_info,
        )
    )
    adapter.init()
    assert adapter.memory(object()) == (5, 10)
    assert adapter.memory(object()) == (5, 10)
    assert calls == [pynvml.nvmlMemory_v2, None, None]  # v2 asked once, then v1 only


def test_a_runners_blob_is_read_once_per_pid_and_marks_it_ollamas() -> None:
    blob = "ab" * 32
    gpu = ScriptedGpu(processes=[(4242, 18 * GIB), (77, 300 * 1024**2), (999, GIB)])
    asked: list[int] = []

    def blob_of(pid: int) -> str:
        asked.append(pid)
        return blob if pid == 4242 else ""

    names = {4242: "llama-server", 77: "python3"}  # 999: a pid we cannot name
    sampler = GpuSampler(
        ScriptedNvml([gpu]), process_name=lambda pid: names.get(pid, ""), process_blob=blob_of
    )
    (reading,), _ = sampler.read(0.0)
    procs = {p.pid: p for p in reading.processes or ()}
    # llama-server is Ollama's runner when it runs on a blob of Ollama's store (Ollama since mid-2026).
    assert procs[4242].is_ollama and procs[4242].model_blob == blob
    assert not procs[77].is_ollama and procs[77].model_blob == ""
    assert procs[999].anonymous and asked == [4242, 77]  # an unnamed pid's command line is not ours either
    sampler.read(5.0)
    assert asked == [4242, 77]  # a command line does not change: read once
    gpu.processes = [(77, 300 * 1024**2)]
    sampler.read(10.0)
    gpu.processes = [(4242, 18 * GIB), (77, 300 * 1024**2)]  # the pid came back: maybe another process
    sampler.read(15.0)
    assert asked == [4242, 77, 4242]
