"""``python -m glmtui.simulator``: run the simulator as a process until SIGINT/SIGTERM.

Prints exactly one line, ``glmtui-simulator listening on http://HOST:PORT``, and flushes it, because the
app (``--demo``) and the benchmarks start this process and read the port from that line.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime, timedelta
from types import FrameType

from .catalogue import registry_lookup
from .faults import parse_fault_spec
from .memory import KV_CACHE_TYPES
from .oai_server import OpenAISimulator
from .pacing import DEFAULT_PROMPT_CAP_S, DEFAULT_PROMPT_RATE
from .server import OLLAMA_VERSION, Simulator


def _cap(text: str) -> float | None:
    """``--prompt-cap-s``: seconds, or ``none`` for no cap."""
    if text.strip().lower() == "none":
        return None
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0 (or none)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m glmtui.simulator", description="Ollama-compatible HTTP simulator for glmtui."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument(
        "--rate",
        type=float,
        default=50.0,
        help="tokens per second of glm-4.7-flash:q4_K_M; other models scale by their size (default: 50)",
    )
    parser.add_argument("--uniform-rate", action="store_true", help="every model streams at exactly --rate")
    parser.add_argument("--reply-tokens", type=int, default=None, help="reply length in tokens")
    parser.add_argument(
        "--prompt-rate",
        type=float,
        default=DEFAULT_PROMPT_RATE,
        help="prefill tokens per second at speed 1.0; models scale like --rate (default: %(default)s)",
    )
    parser.add_argument(
        "--prompt-cap-s",
        type=_cap,
        default=DEFAULT_PROMPT_CAP_S,
        metavar="SECS|none",
        help="longest prefill in seconds; none: prefill grows with the prompt (default: %(default)s)",
    )
    parser.add_argument(
        "--decode-half-ctx",
        type=int,
        default=None,
        metavar="TOKENS",
        help="decode slows as the context grows, to half its rate at this many tokens (default: off; "
        "e.g. 32768 for a demo)",
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, help="rates vary per request by up to ± this (default: 0)"
    )
    parser.add_argument("--jitter-seed", type=int, default=0, help="seed of the jitter sequence (default: 0)")
    parser.add_argument("--load-seconds", type=float, default=0.2, help="simulated model load time")
    parser.add_argument("--pull-seconds", type=float, default=2.0, help="duration of a full pull")
    parser.add_argument("--vram-gib", type=float, default=24.0, help="simulated GPU memory in GiB")
    parser.add_argument(
        "--kv-cache-type", choices=sorted(KV_CACHE_TYPES), default="f16", help="as OLLAMA_KV_CACHE_TYPE"
    )
    parser.add_argument(
        "--context-length",
        type=int,
        default=None,
        help="as OLLAMA_CONTEXT_LENGTH (default: by VRAM, 4k; 32k from 24 GiB; 256k from 48 GiB)",
    )
    parser.add_argument(
        "--server-version",
        default=OLLAMA_VERSION,
        help=f"what /api/version reports (default: {OLLAMA_VERSION})",
    )
    parser.add_argument(
        "--install",
        action="append",
        default=[],
        metavar="NAME",
        help="also have this registry model installed at start (repeatable; the first named is the newest)",
    )
    parser.add_argument(
        "--openai",
        choices=("vllm", "sglang"),
        default=None,
        help="serve an OpenAI-compatible engine of this flavour instead of Ollama",
    )
    parser.add_argument("--api-key", default=None, help="--openai: require this Bearer key")
    parser.add_argument(
        "--spec-decode", action="store_true", help="--openai: simulate MTP speculative decoding"
    )
    parser.add_argument(
        "--no-metrics", action="store_true", help="--openai sglang: serve without --enable-metrics"
    )
    parser.add_argument("--loading-seconds", type=float, default=0.0, help="--openai: start-up delay")
    parser.add_argument(
        "--cache-report",
        action="store_true",
        help="--openai: report prefix-cache hits in usage.prompt_tokens_details.cached_tokens "
        "(vLLM --enable-prompt-tokens-details, SGLang --enable-cache-report)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="queue a fault: drop:N | stall:N:SECS | http500[:MSG] | error:N[:MSG] "
        "(repeatable, consumed in order)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sim = build_server(args)
    return _serve(sim, args.host, args.port)


def build_server(args: argparse.Namespace) -> Simulator | OpenAISimulator:
    """The server the parsed flags describe, not started (exits with a usage error on a bad flag)."""
    try:
        faults = [parse_fault_spec(spec) for spec in args.fault]
    except ValueError as exc:
        build_parser().error(str(exc))
    if not 0 <= args.jitter < 1:
        build_parser().error("--jitter must be in [0, 1)")
    if args.decode_half_ctx is not None and args.decode_half_ctx <= 0:
        build_parser().error("--decode-half-ctx must be > 0")
    pace = {
        "prompt_rate": args.prompt_rate,
        "prompt_cap_s": args.prompt_cap_s,
        "decode_half_ctx": args.decode_half_ctx,
        "jitter": args.jitter,
        "jitter_seed": args.jitter_seed,
    }
    sim: Simulator | OpenAISimulator
    if args.openai is not None:
        sim = OpenAISimulator(
            args.openai,
            host=args.host,
            port=args.port,
            rate=args.rate,
            api_key=args.api_key,
            version=args.server_version if args.server_version != OLLAMA_VERSION else None,
            metrics=not args.no_metrics,
            spec_decode=args.spec_decode,
            loading_seconds=args.loading_seconds,
            reply_tokens=args.reply_tokens,
            cache_report=args.cache_report,
            **pace,
        )
    else:
        sim = Simulator(
            host=args.host,
            port=args.port,
            rate=args.rate,
            reply_tokens=args.reply_tokens,
            load_seconds=args.load_seconds,
            pull_seconds=args.pull_seconds,
            vram_bytes=int(args.vram_gib * 1024**3),
            kv_cache_type=args.kv_cache_type,
            context_length=args.context_length,
            version=args.server_version,
            **pace,
        )
        sim.model_speeds = not args.uniform_rate
        # The first named is the newest: it heads /api/tags (newest first, as Ollama sorts), so the order
        # on the command line is the order the app lists them in, and its default model is the first.
        now = datetime.now().astimezone()
        for i, name in enumerate(args.install):
            found = registry_lookup(name)
            if found is None:
                build_parser().error(f"--install: {name!r} is not in the simulated registry")
            sim.store.install(found[0], found[1], now - timedelta(seconds=i))
    for fault in faults:
        sim.inject(fault)
    return sim


def _serve(sim: Simulator | OpenAISimulator, host: str, port: int) -> int:
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    # Install handlers before announcing the port: a parent that signals right after reading the line
    # must get a clean exit, not a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        sim.start()
    except OSError as exc:
        print(f"glmtui-simulator: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    print(f"glmtui-simulator listening on {sim.url}", flush=True)
    while not done.wait(0.5):  # a timed wait keeps the main thread responsive to signals
        pass
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
