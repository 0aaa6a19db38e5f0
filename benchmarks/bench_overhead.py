"""What does `glmtui bench` itself cost? Its own CPU time as a share of the bench's wall time.

A bench of 3 models × 3 prompt lengths × 3 repetitions against the Ollama simulator, which runs in its
own process (so its token pacing is not glmtui's CPU). `glmtui bench` runs as a child process; its CPU
(user + system, from wait4's rusage) over its wall time is the figure. The issue's budget: ≤ 5 %.
Start-up (imports, the endpoint probe, the store) is measured apart, by a run that stops after the
pre-flight check (an unknown model), and the steady share is shown beside the total.

The defaults are the CLI's own (256 tokens generated) at three of its prompt lengths (512, 4k, 16k),
with the simulator's prefill uncapped (`--prompt-cap-s none`: a 16k prompt takes its time, as on an
engine) and decode at 100 tok/s. glmtui runs as installed: its modules compiled once by a warm-up run
(PYTHONDONTWRITEBYTECODE, if set here, would make every start recompile them: ~0.25 CPU-s that an
installed glmtui never spends).

    python benchmarks/bench_overhead.py [--rate 100] [--gen 256] [--ctx 512,4096,16384]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

MODELS = ("glm-4.7-flash", "gpt-oss:20b", "qwen3-coder:30b")
CONTEXTS = "512,4096,16384"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall s, CPU s, exit code) of one child."""
    began = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="tokens/s of every model (default 100)")
    parser.add_argument("--gen", type=int, default=256, help="tokens generated per run (default 256)")
    parser.add_argument("--ctx", default=CONTEXTS, help=f"prompt lengths (default {CONTEXTS})")
    args = parser.parse_args()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glmtui.simulator",
            "--rate",
            str(args.rate),
            "--uniform-rate",
            "--prompt-cap-s",
            "none",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        url = sim.stdout.readline().strip().rsplit(" ", 1)[-1]
        with tempfile.TemporaryDirectory() as home:
            env = os.environ | {"XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home, "GLMTUI_SCRIPTED_GPU": "1"}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            base = [sys.executable, "-m", "glmtui", "bench", "--host", url]
            timed([*base, "no-such-model"], env)  # the warm-up: compiles glmtui's modules, as installed
            start_wall, start_cpu, _ = timed([*base, "no-such-model"], env)
            run = [*base, *MODELS, "--ctx", args.ctx, "--gen", str(args.gen), "--reps", "3"]
            wall, cpu, code = timed(run, env)
    finally:
        sim.terminate()
        sim.wait(timeout=5)
    if code != 0:
        raise SystemExit(f"the bench failed (exit {code})")
    steady = (cpu - start_cpu) / max(1e-9, wall - start_wall)
    print(f"glmtui bench: 3 models × contexts {args.ctx} × 3 reps, {args.gen} tokens at {args.rate:g} tok/s")
    print(f"{'':24}{'wall s':>10}{'CPU s':>10}{'CPU % of wall':>16}")
    print(f"{'whole bench':24}{wall:10.2f}{cpu:10.2f}{100 * cpu / wall:15.1f}%")
    share = 100 * start_cpu / start_wall
    print(f"{'start-up (pre-flight)':24}{start_wall:10.2f}{start_cpu:10.2f}{share:15.1f}%")
    print(f"{'steady (the rest)':24}{wall - start_wall:10.2f}{cpu - start_cpu:10.2f}{100 * steady:15.1f}%")
    print("budget: ≤ 5 % of the wall time")


if __name__ == "__main__":
    main()
