"""nox sessions: tests, lint, typecheck, bench and docs, each in its own environment."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole pytest suite (real PostgreSQL and Redis when reachable)."""
    session.install("-e", ".[testing]")
    session.run("pytest", *session.posargs, success_codes=[0])


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check, and the import contracts."""
    session.install("-e", ".[dev]")
    paths = ["src", "tests", "examples", "benchmarks", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy: strict on b2core, the project's configuration elsewhere."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark under benchmarks/, printing figures and ratios to their baselines."""
    session.install("-e", ".[dev]")
    for script in sorted(__import__("pathlib").Path("benchmarks").glob("*.py")):
        session.run("python", str(script))


@nox.session
def docs(session: nox.Session) -> None:
    """Check that every relative link in docs/ and README.md points at a file that exists."""
    session.run("python", "tools/check_docs.py", external=True)
