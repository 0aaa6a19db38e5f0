"""Command line: flags → config → services → GlmTuiApp(...).run()."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType

from glmtui import __version__
from glmtui.config import THINK_VALUES, build_config, load_config
from glmtui.core.endpoints import Endpoint, merge, parse_endpoint_flag
from glmtui.paths import config_path
from glmtui.services.prompt_sets import PromptSet, PromptSetError, read_prompt_set


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
            " · F2 monitor · F3 loaded models · F4 models · F5 compare · F6 bench · F7 leaderboard"
            " · F8 usage · Ctrl+O history · F1 all keys · Ctrl+Q quit."
            " Measure models' speed and memory headless: glmtui bench --help"
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
        "--demo",
        action="store_true",
        help="start the built-in simulators (an Ollama box, desk, and a vLLM node, node1) and chat",
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
    parser.add_argument(
        "--prompt-set",
        type=Path,
        metavar="FILE",
        help="with --compare A B: run every prompt of FILE blind, a vote after each (plain text: prompts "
        "separated by a line '---'; .jsonl: one JSON string per line)",
    )
    parser.add_argument("--version", action="version", version=f"glmtui {__version__}")
    args = parser.parse_args(argv)
    if args.compare is not None and not 2 <= len(args.compare) <= 3:
        parser.error("--compare takes two models and an optional prompt: --compare MODEL_A MODEL_B [PROMPT]")
    if args.prompt_set is not None and (args.compare is None or len(args.compare) != 2):
        parser.error(
            "--prompt-set runs with two models and no prompt: --compare MODEL_A MODEL_B --prompt-set FILE"
        )
    return args


def prompt_set_arg(path: Path | None) -> PromptSet | None:
    """`--prompt-set FILE`, read before the UI starts: a bad file stops here with the reason."""
    if path is None:
        return None
    try:
        return read_prompt_set(path.expanduser())
    except PromptSetError as exc:
        raise SystemExit(f"glmtui: --prompt-set {exc}") from None


def _endpoint_arg(text: str) -> Endpoint:
    try:
        return parse_endpoint_flag(text)
    except ValueError as exc:  # argparse shows this text alone, not "invalid value"
        raise argparse.ArgumentTypeError(str(exc)) from None


DEMO_ENDPOINT = "desk"
DEMO_NODE = "node1"
# The Ollama simulator's arguments: a pull long enough to watch its progress and cancel it, and the
# quantisations of the README's headline comparison, so `--demo --compare` runs at once. Decode slows as
# a chat grows, to half its rate at 32k tokens of context, as a real engine's does (the tests' simulators
# leave this off).
DEMO_PACE = ("--decode-half-ctx", "32768")
DESK_ARGS = (
    *DEMO_PACE,
    "--rate",
    "60",
    "--pull-seconds",
    "20",
    "--install",
    "glm-4.7-flash:q4_K_M",
    "--install",
    "glm-4.7-flash:q8_0",
)
# The vLLM node as the model card launches it (`--served-model-name glm-4.7-flash`, MTP speculative
# decoding, so the engine panel shows its acceptance); faster than the desk box, as four GPUs would be.
NODE_ARGS = ("--openai", "vllm", "--spec-decode", "--rate", "120", *DEMO_PACE)


def demo_endpoints(url: str, flagged: list[Endpoint], node_url: str | None = None) -> tuple[Endpoint, ...]:
    """`--demo`: the built-in Ollama simulator as endpoint "desk" and, when it runs, the built-in vLLM
    simulator as "node1" (kind openai: nothing to probe), so a cross-engine A/B runs at once; plus any
    `--endpoint` (one named like these replaces it)."""
    base: tuple[Endpoint, ...] = (Endpoint(DEMO_ENDPOINT, url, "ollama"),)
    if node_url is not None:
        base += (Endpoint(DEMO_NODE, node_url, "openai"),)
    return merge(base, flagged)


def _spawn(args: tuple[str, ...], port: int = 0) -> subprocess.Popen[str]:
    """A simulator in its own process (so it never competes with the UI for the GIL); port 0: a free one."""
    return subprocess.Popen(
        [sys.executable, "-m", "glmtui.simulator", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _listening(proc: subprocess.Popen[str], what: str) -> str:
    """The URL a simulator announces on its one line; SystemExit (the process killed) when it fails."""
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    url = line.rsplit(" ", 1)[-1]
    if not url.startswith("http://"):
        proc.kill()
        raise SystemExit(f"glmtui: the demo {what} did not start ({line or 'no output'})")
    return url


def free_port() -> int:
    """A loopback port free now (the kernel's pick, released at once for the simulator to bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    """The Ollama simulator alone, ready."""
    proc = _spawn(DESK_ARGS)
    return proc, _listening(proc, "simulator")


def start_demo() -> tuple[list[subprocess.Popen[str]], str, str]:
    """Both simulators: the processes (desk's first), desk's URL, ready, and node1's URL.

    The chat starts on desk, so only desk is waited for. node1 gets a port picked here and is not
    waited for: it finishes starting (~0.2 s) on the other core while the app imports, and the
    registry's first look at it (after the first frame) finds it up; were it slow, the header would
    say "connecting", then "online". Waiting for it too cost the first frame ~80 ms on two cores."""
    port = free_port()
    node = _spawn(NODE_ARGS, port)
    desk = _spawn(DESK_ARGS)
    try:
        desk_url = _listening(desk, "Ollama simulator")
    except SystemExit:
        stop(node)
        raise
    return [desk, node], desk_url, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()


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


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl+C


def _quit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_INTERRUPTED)


@contextlib.contextmanager
def quiet_start() -> Iterator[None]:
    """Ctrl+C while glmtui is still starting (importing the app or the bench, ~0.5 s) exits 130 at
    once, without a KeyboardInterrupt traceback: nothing has run that needs stopping. Python's own
    handler is put back after, for the parts that handle Ctrl+C themselves (asyncio.run installs its
    handler only over Python's default one; the bench then stops cleanly, keeping its cells)."""
    signal.signal(signal.SIGINT, _quit_quietly)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # `glmtui bench …`: headless, no terminal UI (bench_cli.py)
        with quiet_start():
            from glmtui import bench_cli
        try:
            code = bench_cli.main(argv[1:])
        except KeyboardInterrupt:  # between the imports and the run (parsing flags, reading the config)
            code = EXIT_INTERRUPTED
        raise SystemExit(code)
    args = parse_args(argv)
    prompt_set = prompt_set_arg(args.prompt_set)
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
    simulators: list[subprocess.Popen[str]] = []
    node_url: str | None = None
    flags = {
        "host": args.host,
        "endpoints": tuple(args.endpoint),
        "model": args.model,
        "think": args.think,
        "monitor": False if args.no_monitor else None,
        "low_bandwidth": args.low_bandwidth,
    }
    if args.demo:
        simulators, url, node_url = start_demo()
        flags["host"] = url
        flags["demo"] = True
    try:
        config = build_config(file_values, env=os.environ, flags=flags)
    except ValueError as exc:
        raise SystemExit(f"glmtui: {exc}") from None
    if args.demo:
        endpoints = demo_endpoints(flags["host"], args.endpoint, node_url)
        config = replace(config, endpoints=endpoints, host=endpoints[0].url)
    with quiet_start():
        from glmtui.app import GlmTuiApp

    nvml = None
    if os.environ.get("GLMTUI_SCRIPTED_GPU"):  # benchmarks and screenshots on machines without a GPU
        from glmtui.services.fake_nvml import scripted_from_env

        nvml = scripted_from_env(os.environ["GLMTUI_SCRIPTED_GPU"])
    app = GlmTuiApp(
        config,
        config_problems=problems,
        nvml=nvml,
        ollama_pid=simulators[0].pid if simulators else None,  # desk's, the Ollama one
        compare=compare_args(args.compare),
        theme=args.theme,
        continue_last=args.continue_last,
        prompt_set=prompt_set,
    )
    try:
        app.run()
    finally:
        for simulator in simulators:
            stop(simulator)


if __name__ == "__main__":
    main()
