"""The dependency rule is enforced: breaking it makes lint-imports fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.slow
def test_contracts_hold_on_the_real_tree(tree_copy: Path) -> None:
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("b2core/shared/money.py", "import sqlalchemy", "core imports no infrastructure"),
        ("b2core/shared/money.py", "import redis", "core imports no infrastructure"),
        ("b2core/shared/money.py", "import b2adapters.system", "app -> adapters -> core"),
        ("b2adapters/system.py", "import b2app.settings", "app -> adapters -> core"),
    ],
)
def test_breaking_the_rule_fails(tree_copy: Path, module: str, line: str, contract: str) -> None:
    target = tree_copy / "src" / module
    target.write_text(target.read_text() + f"\n{line}  # deliberate violation\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert contract in result.stdout
