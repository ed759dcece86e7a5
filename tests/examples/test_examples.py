"""Every script in examples/ runs to the end with the project's Python and says it is OK."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_there_are_examples_to_run() -> None:
    assert any(script.name == "custom_channel.py" for script in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_the_example_runs_and_ends_ok(script: Path, tmp_path: Path) -> None:
    # The interpreter running pytest is the virtualenv's; a scratch cwd shows that the
    # script depends on nothing but the installed packages.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(  # our own scripts, with our own interpreter
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines, "the example printed nothing"
    assert "OK" in lines[-1], lines[-1]
