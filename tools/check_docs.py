"""Fail when a relative Markdown link in README.md or docs/ points at a missing file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def broken_links() -> list[str]:
    """Every ``file: target`` pair whose target does not exist."""
    problems = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                problems.append(f"{doc.relative_to(ROOT)}: {target}")
    return problems


if __name__ == "__main__":
    found = broken_links()
    print("\n".join(found) or "docs: all relative links resolve")
    sys.exit(1 if found else 0)
