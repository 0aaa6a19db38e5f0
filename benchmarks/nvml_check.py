"""Compare the monitor's GPU readings with nvidia-smi's, side by side (run on a machine with a GPU).

    python benchmarks/nvml_check.py --seconds 10

Every second it takes one reading through glmtui's sampler (the real NVML adapter) and one from
`nvidia-smi --query-gpu`, and prints both: memory used/total in MiB, utilisation, temperature, power.
"""

from __future__ import annotations

import argparse
import subprocess
import time

from glmtui.services.gpu_sampler import GpuSampler
from glmtui.services.nvml import PynvmlAdapter
from glmtui.services.system_sampler import process_name

QUERY = (
    "index,memory.used,memory.total,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit"
)
MIB = 1024**2


def smi() -> list[list[str]]:
    out = subprocess.run(
        ["nvidia-smi", f"--query-gpu={QUERY}", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [[field.strip() for field in line.split(",")] for line in out.strip().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    sampler = GpuSampler(PynvmlAdapter(), slow_s=1.0, process_name=process_name)
    print("| t | source | gpu | MiB used | MiB total | util % | mem bw % | °C | W | W limit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    start = time.monotonic()
    for second in range(args.seconds):
        gpus, status = sampler.read(time.monotonic() - start)
        if status:
            raise SystemExit(status)
        for g in gpus:
            used = "n/a" if g.memory_used is None else g.memory_used // MIB
            total = "n/a" if g.memory_total is None else g.memory_total // MIB
            print(
                f"| {second} | glmtui | {g.index} | {used} | {total} | {g.util_gpu} | {g.util_memory} "
                f"| {g.temperature_c} | {g.power_w} | {g.power_limit_w} |"
            )
        for row in smi():
            print(f"| {second} | nvidia-smi | " + " | ".join(row) + " |")
        for g in gpus:
            for p in g.processes or ():
                print(
                    f"|   | process | {g.index} | {p.name} (pid {p.pid}) | "
                    f"{'n/a' if p.used_bytes is None else p.used_bytes // MIB} MiB | ollama={p.is_ollama} |"
                )
        time.sleep(1)
    sampler.close()


if __name__ == "__main__":
    main()
