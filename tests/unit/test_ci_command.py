"""The README's test command and `.ci/run` must not drift apart: CI runs what the README tells people."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_STEP = "python3 -m venv .venv && . .venv/bin/activate && "


def readme_test_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("\n## ", 1)[0]
    (command,) = re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)
    return command.strip()


def test_the_readme_command_starts_with_a_new_virtualenv() -> None:
    command = readme_test_command()
    assert "\n" not in command  # one command to paste
    assert command.startswith(VENV_STEP)
    assert command.endswith("&& pytest -n auto")  # on every core (pytest-xdist): the 5-minute budget
    for gate in ("ruff check .", "ruff format --check .", "mypy", "lint-imports"):
        assert f"&& {gate} &&" in command


def test_ci_runs_the_readme_chain_after_its_own_virtualenv() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line for line in script.splitlines() if line.strip() and not line.startswith("#")]
    assert "set -euo pipefail" in lines
    assert lines[-1] == readme_test_command().removeprefix(VENV_STEP)  # last: its status is the script's
    activate = lines.index('. "$venv/bin/activate"')
    assert activate == len(lines) - 2  # nothing installed between the new virtualenv and the chain
