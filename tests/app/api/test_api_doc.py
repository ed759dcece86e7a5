"""docs/api.md shows the RBAC table exactly as ``permissions.PERMISSIONS`` defines it."""

from __future__ import annotations

from pathlib import Path

from b2core.iam import model, permissions

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
START, END = "<!-- rbac-table:start -->", "<!-- rbac-table:end -->"
COLUMNS = (model.Role.STAFF, model.Role.TENANT_ADMIN, model.Role.SUPER_ADMIN)


def render_rbac_table() -> list[str]:
    """The Markdown table the doc must contain, one row per action, from the code."""

    def mark(flag: bool) -> str:
        return "yes" if flag else "-"

    header = " | ".join(role.value for role in COLUMNS)
    lines = [f"| action | {header} | needs a tenant |", "| --- | --- | --- | --- | --- |"]
    for action in permissions.Action:
        cells = " | ".join(mark(permissions.allowed(role, action)) for role in COLUMNS)
        tenant = mark(action in permissions.TENANT_ACTIONS)
        lines.append(f"| `{action.value}` | {cells} | {tenant} |")
    return lines


def documented_rbac_table() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(START) == 1
    assert text.count(END) == 1
    block = text.split(START, 1)[1].split(END, 1)[0]
    return [line.strip() for line in block.strip().splitlines()]


def test_the_documented_rbac_table_matches_the_code() -> None:
    assert documented_rbac_table() == render_rbac_table()


def test_the_rendering_covers_every_role_and_action() -> None:
    assert set(COLUMNS) == set(model.Role)
    assert len(render_rbac_table()) == 2 + len(permissions.Action)
