"""`glmtui bench` in a subprocess against the simulator: exports, exit codes, Ctrl+C, bad input."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from pathlib import Path

from glmtui.__main__ import parse_args
from glmtui.simulator import Simulator

BENCH = [sys.executable, "-m", "glmtui", "bench"]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BENCH, *args], capture_output=True, text=True, timeout=90)


def test_bench_writes_exports_that_parse(sim: Simulator, tmp_path: Path) -> None:
    out = bench(
        "glm-4.7-flash", "--host", sim.url, "--ctx", "128", "--gen", "8", "--reps", "3",
        "--json", str(tmp_path / "b.json"), "--csv", str(tmp_path / "b.csv"),
        "--markdown", str(tmp_path / "b.md"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "glm-4.7-flash" in out.stdout and "exact" in out.stdout  # the table, figures labelled
    (cell,) = json.loads((tmp_path / "b.json").read_text())["cells"]
    assert cell["model"] == "glm-4.7-flash" and cell["label"] == "exact" and cell["error"] is None
    assert cell["decode_tps"]["runs"] == 3 and cell["decode_tps"]["median"] > 0
    (row,) = csv.DictReader((tmp_path / "b.csv").open())
    assert float(row["decode_tps_median"]) == cell["decode_tps"]["median"]
    assert "| glm-4.7-flash |" in (tmp_path / "b.md").read_text()
    # A second run is compared with the first, which the store kept.
    again = bench("glm-4.7-flash", "--host", sim.url, "--ctx", "128", "--gen", "8", "--reps", "3")
    assert again.returncode == 0 and "was " in again.stdout


def test_unknown_model_is_one_clear_line(sim: Simulator) -> None:
    out = bench("glm-4.7-flsh", "--host", sim.url, "--ctx", "128", "--gen", "8")
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "'glm-4.7-flsh' is not installed" in out.stderr and "glm-4.7-flash" in out.stderr


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    out = bench("m", "--host", "http://127.0.0.1:9", "--ctx", "128")
    assert out.returncode == 1 and "Traceback" not in out.stderr and "Cannot reach" in out.stderr


def test_bad_values_are_argparse_errors() -> None:
    for args, said in (
        (["m", "--ctx", "512,abc"], "not a token count"),
        (["m", "--ctx", "0"], "positive"),
        (["m", "--gen", "0"], "at least 1"),
        (["m", "--reps", "2"], "at least 3"),
        (["m", "--endpoint", "=http://x"], "NAME=URL"),
    ):
        out = bench(*args)
        assert out.returncode == 2 and said in out.stderr and "usage: glmtui bench" in out.stderr


def test_ctrl_c_keeps_finished_cells_and_writes_the_export(sim: Simulator, tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    proc = subprocess.Popen(
        [*BENCH, "glm-4.7-flash", "--host", sim.url, "--ctx", "128,256,512", "--gen", "8", "--reps", "5",
         "--json", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("  decode"):  # the first cell finished
            sim.rate = 20.0  # the rest runs slowly: the signal lands mid-bench
            proc.send_signal(signal.SIGINT)
            break
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "stopped" in err
    cells = json.loads(target.read_text())["cells"]
    assert cells and cells[0]["error"] is None and cells[0]["decode_tps"]["runs"] >= 3


def test_plain_glmtui_flags_still_parse_and_help_names_bench() -> None:
    assert parse_args(["--model", "x"]).model == "x"
    out = subprocess.run(
        [sys.executable, "-m", "glmtui", "--help"], capture_output=True, text=True, check=True
    )
    assert "glmtui bench --help" in " ".join(out.stdout.split())
