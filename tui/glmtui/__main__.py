"""Command line: flags → config → services → GlmTuiApp(...).run()."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from glmtui import __version__
from glmtui.config import THINK_VALUES, build_config, load_config
from glmtui.core.endpoints import Endpoint, merge, parse_endpoint_flag
from glmtui.paths import config_path


class _HelpFormatter(argparse.HelpFormatter):
    """argparse spells `nargs="+"` as a repetition (`A [A ...]`); a flag whose metavar already
    says its shape (`MODEL_A MODEL_B [PROMPT]`) is shown as written."""

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        if action.nargs == "+" and isinstance(action.metavar, str) and " " in action.metavar:
            return action.metavar
        return super()._format_args(action, default_metavar)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="glmtui",
        formatter_class=_HelpFormatter,
        description=(
            "A terminal app for local LLMs on Ollama: streaming chat, thinking traces, exact tokens/sec."
        ),
        epilog=(
            "Keys: Enter sends · Ctrl+J newline · Esc stops a reply · Ctrl+T think · Ctrl+N new chat"
            " · F2 monitor · F3 loaded models · F4 models · F5 compare · Ctrl+O history · F1 all keys"
            " · Ctrl+Q quit"
        ),
    )
    parser.add_argument(
        "--host",
        help="the server's URL, alone (kind auto; default: the config's [[endpoints]], "
        "else $OLLAMA_HOST, the config's host, then 127.0.0.1:11434)",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        type=_endpoint_arg,
        default=[],
        metavar="NAME=URL",
        help="one more server (kind auto), repeatable: --endpoint node1=http://node1:8000",
    )
    parser.add_argument(
        "--model", "-m", help="model to chat with (default: config, then the first installed)"
    )
    parser.add_argument(
        "--think", choices=THINK_VALUES, help="thinking: on/off, or low/medium/high for gpt-oss"
    )
    parser.add_argument("--config", type=Path, help=f"config file (default: {config_path()})")
    parser.add_argument(
        "--no-monitor", action="store_true", help="start with the monitor sidebar hidden (F2 shows it)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="start the built-in Ollama simulator and chat with it"
    )
    parser.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="resume the most recent saved conversation",
    )
    parser.add_argument(
        "--theme",
        help="theme for this run (default: the one last picked in the palette, then the config file's)",
    )
    parser.add_argument(
        "--low-bandwidth",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fewer screen updates and no animation, for slow SSH links "
        "(default: on when $SSH_CONNECTION is set)",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="MODEL_A MODEL_B [PROMPT]",
        help="open the A/B compare screen with two models; with a prompt, send it at once",
    )
    parser.add_argument("--version", action="version", version=f"glmtui {__version__}")
    args = parser.parse_args(argv)
    if args.compare is not None and not 2 <= len(args.compare) <= 3:
        parser.error("--compare takes two models and an optional prompt: --compare MODEL_A MODEL_B [PROMPT]")
    return args


def _endpoint_arg(text: str) -> Endpoint:
    try:
        return parse_endpoint_flag(text)
    except ValueError as exc:  # argparse shows this text alone, not "invalid value"
        raise argparse.ArgumentTypeError(str(exc)) from None


DEMO_ENDPOINT = "desk"


def demo_endpoints(url: str, flagged: list[Endpoint]) -> tuple[Endpoint, ...]:
    """`--demo`: the built-in Ollama simulator as endpoint "desk" (plus any `--endpoint`).

    DEMO-VLLM: once the OpenAI engine is merged, start `start_simulator(openai="vllm")` here too and
    add it as `Endpoint("node1", its_url, "openai")`, so the cross-engine A/B runs at once."""
    return merge((Endpoint(DEMO_ENDPOINT, url, "ollama"),), flagged)


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """Run the simulator in its own process (so it never competes with the UI for the GIL)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glmtui.simulator",
            "--port",
            "0",
            "--rate",
            "60",
            "--pull-seconds",
            "20",  # a pull long enough to watch its progress and cancel it
            # The quantisations of the README's headline comparison, so `--demo --compare` runs at once.
            "--install",
            "glm-4.7-flash:q4_K_M",
            "--install",
            "glm-4.7-flash:q8_0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    url = line.rsplit(" ", 1)[-1]
    if not url.startswith("http://"):
        proc.kill()
        raise SystemExit(f"glmtui: the demo simulator did not start ({line or 'no output'})")
    return proc, url


def compare_args(values: list[str] | None) -> tuple[str, str, str | None] | None:
    if not values:
        return None
    return values[0], values[1], values[2] if len(values) > 2 else None


def terminal_problem(env: dict[str, str] | os._Environ[str], stdout_tty: bool) -> str | None:
    """Why the full-screen UI cannot run here, or None. `--help` and `--version` never ask."""
    term = env.get("TERM", "").strip().lower()
    if stdout_tty and term in ("dumb", "unknown"):
        # Such a terminal cannot move the cursor or draw colour; the UI would be a stream of escapes.
        return (
            f"glmtui: the terminal (TERM={term}) cannot show the full-screen UI; "
            "run it in a terminal such as xterm, or set TERM (e.g. TERM=xterm-256color)"
        )
    return None


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    problem = terminal_problem(os.environ, sys.stdout.isatty())
    if problem is not None:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    if os.environ.get("GLMTUI_TRACE"):
        from glmtui.services import trace

        trace.start(os.environ["GLMTUI_TRACE"])
    path = args.config or config_path()
    file_values, config_problems = load_config(path, named=args.config is not None)
    problems = [str(p) for p in config_problems]
    if file_values.get("keymap"):
        from glmtui.keys import check_keymap

        # Checked here, where the file's lines are known; the App applies what is left as it is.
        file_values["keymap"], keymap_problems = check_keymap(file_values["keymap"], path)
        problems += keymap_problems
    simulator = None
    flags = {
        "host": args.host,
        "endpoints": tuple(args.endpoint),
        "model": args.model,
        "think": args.think,
        "monitor": False if args.no_monitor else None,
        "low_bandwidth": args.low_bandwidth,
    }
    if args.demo:
        simulator, url = start_simulator()
        flags["host"] = url
        flags["demo"] = True
    try:
        config = build_config(file_values, env=os.environ, flags=flags)
    except ValueError as exc:
        raise SystemExit(f"glmtui: {exc}") from None
    if args.demo:
        endpoints = demo_endpoints(flags["host"], args.endpoint)
        config = replace(config, endpoints=endpoints, host=endpoints[0].url)
    from glmtui.app import GlmTuiApp

    nvml = None
    if os.environ.get("GLMTUI_SCRIPTED_GPU"):  # benchmarks and screenshots on machines without a GPU
        from glmtui.services.fake_nvml import scripted_from_env

        nvml = scripted_from_env(os.environ["GLMTUI_SCRIPTED_GPU"])
    app = GlmTuiApp(
        config,
        config_problems=problems,
        nvml=nvml,
        ollama_pid=simulator.pid if simulator is not None else None,
        compare=compare_args(args.compare),
        theme=args.theme,
        continue_last=args.continue_last,
    )
    try:
        app.run()
    finally:
        if simulator is not None:
            simulator.terminate()
            try:
                simulator.wait(timeout=3)
            except subprocess.TimeoutExpired:
                simulator.kill()


if __name__ == "__main__":
    main()
