"""Idle benchmark: what the app costs while nobody types, with the monitor on, scripted GPUs, and off.

The real app runs in a 120×40 PTY against the simulator. After one short reply (so a model is
loaded and the Ollama panel's keep-alive countdown runs) and a settling time longer than the
sparklines' one-minute history (while it fills, every new point redraws a sparkline), it measures
CPU time (from /proc, as % of one core) and bytes written to the terminal over a window. The
scenarios run side by side, each its own app and simulator: idle apps barely load the machine.

    python benchmarks/idle.py              # about 100 s
    python benchmarks/idle.py --settle 5 --seconds 10   # a smoke run
    python benchmarks/idle.py --endpoints    # one endpoint against two (desk: Ollama, node1: vLLM)

`--endpoints` compares the app with one endpoint (the Ollama simulator, `--host`) and with two (plus
a vLLM-flavoured OpenAI simulator as `--endpoint node1=URL`, which the app probes and then polls every
5 s through the `openai` client), the chat on the Ollama one; and the chat on the vLLM one (its engine
panel scraping `/metrics`), monitor on. The issue's bound: two idle endpoints ≤ 1.5× one.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from glmtui.simulator import OpenAISimulator, Simulator
from ptyapp import PtyApp

SCENARIOS: list[tuple[str, list[str], dict[str, str]]] = [
    ("monitor on, no GPU (this machine)", [], {}),
    ("monitor on, 1 scripted GPU", [], {"GLMTUI_SCRIPTED_GPU": "1"}),
    ("monitor on, 2 scripted GPUs", [], {"GLMTUI_SCRIPTED_GPU": "2"}),
    ("monitor hidden (--no-monitor)", ["--no-monitor"], {"GLMTUI_SCRIPTED_GPU": "1"}),
]


ENDPOINT_SCENARIOS: list[tuple[str, list[str], dict[str, str]]] = [
    ("one endpoint (Ollama)", ["one"], {}),
    ("two endpoints, the chat on Ollama", ["two"], {}),
    ("two endpoints, the chat on vLLM", ["two-on-vllm"], {}),
]


def measure(args: list[str], env: dict[str, str], seconds: float, settle: float) -> tuple[float, float]:
    """(% of one core, bytes/s) while idle. `args` ["one"], ["two"] or ["two-on-vllm"]: the endpoint
    scenarios (each with a vLLM simulator beside the Ollama one); otherwise the app's arguments."""
    with (
        Simulator(port=0, rate=2000, reply_tokens=200, load_seconds=0.05) as sim,
        OpenAISimulator("vllm", rate=2000, reply_tokens=200, spec_decode=True) as node,
    ):
        chat = ["--host", sim.url, "--model", "qwen3-coder:30b"]
        if args == ["one"]:
            args = []
        elif args == ["two"]:
            args = ["--endpoint", f"node1={node.url}"]
        elif args == ["two-on-vllm"]:
            chat = ["--host", node.url, "--model", "glm-4.7-flash", "--endpoint", f"desk={sim.url}"]
            args = []
        app = PtyApp([*chat, *args], env=env)
        try:
            app.wait_event("ready", 1, timeout=20)
            app.type("hello\r")
            app.wait_event("reply_rendered", 1, timeout=30)
            time.sleep(settle)  # the reply's idle garbage collection, the first /api/ps after it
            cpu0, bytes0, t0 = app.cpu_seconds(), app.total_bytes, time.monotonic()
            time.sleep(seconds)
            elapsed = time.monotonic() - t0
            return (app.cpu_seconds() - cpu0) / elapsed * 100, (app.total_bytes - bytes0) / elapsed
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each idle window")
    parser.add_argument("--settle", type=float, default=65.0, help="seconds to wait after the reply")
    parser.add_argument("--endpoints", action="store_true", help="one endpoint against two (Ollama + vLLM)")
    args = parser.parse_args()
    scenarios = ENDPOINT_SCENARIOS if args.endpoints else SCENARIOS
    with ThreadPoolExecutor(len(scenarios)) as pool:
        futures = [
            pool.submit(measure, app_args, env, args.seconds, args.settle) for _, app_args, env in scenarios
        ]
        results = [f.result() for f in futures]
    print("| idle, 120×40 | CPU (% of one core) | bytes/s to terminal |")
    print("|---|---|---|")
    for (name, _, _), (cpu, rate) in zip(scenarios, results, strict=False):
        print(f"| {name} | {cpu:.2f} | {rate:.0f} |")


if __name__ == "__main__":
    main()
