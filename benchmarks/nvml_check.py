"""Compare the monitor's GPU readings with nvidia-smi's, side by side, then print the model-to-GPU map.

    python benchmarks/nvml_check.py --seconds 10 [--host http://127.0.0.1:11434]

Every second it takes one reading through glmtui's sampler (the real NVML adapter) and one from
`nvidia-smi --query-gpu`, and prints both: memory used/total in MiB, utilisation, temperature, power.
Then the map the GPU and Ollama panels show (`core.placement`): each process NVML lists per device with
its memory, nvidia-smi's figure for the same pid and device (`--query-compute-apps`), and the loaded
model it holds: by pid when Ollama runs here (the runner's `--model` blob against `/api/show`'s), by
size as a guess otherwise. Without a GPU, nvidia-smi or Ollama, each part says so and the rest still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from dataclasses import replace

from glmtui.core.errors import GlmTuiError
from glmtui.core.hosts import is_local, resolve_host
from glmtui.core.placement import place
from glmtui.core.state import GpuReading, LoadedModel
from glmtui.services.engines.ollama import OllamaService
from glmtui.services.gpu_sampler import GpuSampler
from glmtui.services.nvml import PynvmlAdapter
from glmtui.services.system_sampler import process_name, runner_blob

QUERY = (
    "index,memory.used,memory.total,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit"
)
MIB = 1024**2


def nvidia_smi(*query: str) -> list[list[str]] | None:
    """nvidia-smi's CSV rows for a query; None when it is not installed or fails (the caller says so)."""
    try:
        out = subprocess.run(
            ["nvidia-smi", *query, "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [[field.strip() for field in line.split(",")] for line in out.strip().splitlines() if line.strip()]


def smi_processes() -> dict[tuple[int, int], str] | None:
    """nvidia-smi's memory per (device index, pid), in MiB as it prints it; None without nvidia-smi."""
    gpus = nvidia_smi("--query-gpu=index,uuid")
    apps = nvidia_smi("--query-compute-apps=pid,used_memory,gpu_uuid")
    if gpus is None or apps is None:
        return None
    index = {row[1]: int(row[0]) for row in gpus if len(row) >= 2 and row[0].isdigit()}
    return {
        (index[row[2]], int(row[0])): row[1]
        for row in apps
        if len(row) >= 3 and row[0].isdigit() and row[2] in index
    }


async def loaded_models(host: str) -> tuple[list[LoadedModel], str]:
    """`/api/ps`, with each model's weights blob from `/api/show` when the server runs here; or why not."""
    service = OllamaService(host, connect_timeout=3.0)
    try:
        models = await service.ps()
        if is_local(host):
            models = [replace(m, blob=(await service.show(m.name)).weights_blob) for m in models]
        return models, ""
    except GlmTuiError as exc:
        return [], exc.message
    finally:
        await service.close()


def readings_table(sampler: GpuSampler, seconds: int) -> tuple[GpuReading, ...]:
    print("| t | source | gpu | MiB used | MiB total | util % | mem bw % | °C | W | W limit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    start = time.monotonic()
    gpus: tuple[GpuReading, ...] = ()
    smi_missing = False
    for second in range(max(1, seconds)):
        gpus, status = sampler.read(time.monotonic() - start)
        if status:
            print(f"\nno GPU readings: {status}")
            return ()
        for g in gpus:
            used = "n/a" if g.memory_used is None else g.memory_used // MIB
            total = "n/a" if g.memory_total is None else g.memory_total // MIB
            print(
                f"| {second} | glmtui | {g.index} | {used} | {total} | {g.util_gpu} | {g.util_memory} "
                f"| {g.temperature_c} | {g.power_w} | {g.power_limit_w} |"
            )
        rows = nvidia_smi(f"--query-gpu={QUERY}")
        if rows is None:
            smi_missing = True
        for row in rows or ():
            print(f"| {second} | nvidia-smi | " + " | ".join(row) + " |")
        if second + 1 < seconds:
            time.sleep(1)
    if smi_missing:
        print("\nnvidia-smi not found or failed: its rows are missing above")
    return gpus


def model_map(gpus: tuple[GpuReading, ...], host: str) -> None:
    models, error = asyncio.run(loaded_models(host))
    print_map(gpus, models, error, host, smi_processes())


def print_map(
    gpus: tuple[GpuReading, ...],
    models: list[LoadedModel],
    error: str,
    host: str,
    smi: dict[tuple[int, int], str] | None,
) -> None:
    """The map as a table: every NVML process per device, nvidia-smi's figure beside it, its model."""
    how_told = (
        "by pid (the runner's --model blob)" if is_local(host) else "by size only (the server is remote)"
    )
    print(f"\n## model-to-GPU map · Ollama at {host} · {how_told}")
    if error:
        print(f"Ollama: {error}")
    if smi is None:
        print("nvidia-smi not found or failed: its per-process column is n/a")
    if not gpus:
        print("no GPU readings: no process to map")
    placement = place(gpus, models)
    print("| gpu | pid | process | NVML MiB | nvidia-smi MiB | model | how |")
    print("|---|---|---|---|---|---|---|")
    for g in gpus:
        if g.processes is None:
            print(f"| {g.index} | | (process list not readable on this driver) | | | | |")
            continue
        for p in g.processes:
            holding = placement.for_process(g.index, p.pid)
            nvml = "n/a" if p.used_bytes is None else str(p.used_bytes // MIB)
            theirs = "n/a" if smi is None else smi.get((g.index, p.pid), "not listed")
            model, how = (
                ("", "unknown") if holding is None else (holding.model, "pid" if holding.sure else "≈ size")
            )
            print(f"| {g.index} | {p.pid} | {p.name} | {nvml} | {theirs} | {model} | {how} |")
    for m in models:
        if not placement.of_model(m.name):
            where = "on the CPU" if m.size_vram == 0 else "GPU unknown"
            print(f"| | | | | | {m.name} | {where} (size_vram {m.size_vram // MIB} MiB) |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--host", default=None, help="Ollama (default: OLLAMA_HOST, else 127.0.0.1:11434)")
    args = parser.parse_args()
    host = resolve_host(args.host, os.environ.get("OLLAMA_HOST"), None)
    sampler = GpuSampler(PynvmlAdapter(), slow_s=1.0, process_name=process_name, process_blob=runner_blob)
    try:
        gpus = readings_table(sampler, args.seconds)
        model_map(gpus, host)
    finally:
        sampler.close()


if __name__ == "__main__":
    main()
