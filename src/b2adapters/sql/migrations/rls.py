"""PostgreSQL row-level security for migrations: the application role and tenant policies.

Why a role of its own: superusers, and roles with BYPASSRLS, skip every policy, and so does a
table's owner unless the table FORCEs row-level security. b2 often connects as the owner, and
the tests connect as ``postgres``, a superuser. So the migrations create ``b2_app``, a NOLOGIN
role without BYPASSRLS, grant it the rows it may touch and make the migrating user a member;
every SQL transaction then starts with ``SET LOCAL ROLE b2_app`` (``b2adapters.sql.uow``) and
the policies bind whatever user the application logs in as.

Roles belong to the whole cluster, not to one database, so several databases migrating at
once (one per test run, or one per customer on a shared server) race to create the same role:
the statements here absorb the "already exists" outcomes. The role is never dropped.

A table holding tenant rows gets :func:`tenant_isolation` in the migration that creates it::

    from b2adapters.sql.migrations import rls

    def upgrade() -> None:
        op.create_table("orders", ...)
        rls.execute_on_postgresql(rls.tenant_isolation("orders"))

Old revisions call these functions: change what they emit only by adding new functions.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op

APP_ROLE = "b2_app"
POLICY = "tenant_isolation"
TENANT_SETTING = "b2.tenant_id"
SCOPE_SETTING = "b2.scope"
PLATFORM_SCOPE = "platform"

_DML = "SELECT, INSERT, UPDATE, DELETE"


def create_app_role(role: str = APP_ROLE) -> list[str]:
    """Create ``role`` unless some database of the cluster did, and join the current user.

    A racing creator makes ``CREATE ROLE`` wait and then fail with ``unique_violation`` (or
    ``duplicate_object`` once committed); the same goes for a racing membership grant.
    """
    return [
        f"""
        DO $$
        BEGIN
            CREATE ROLE {_quoted(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$
        """,
        f"""
        DO $$
        BEGIN
            GRANT {_quoted(role)} TO CURRENT_USER;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$
        """,
    ]


def grant_app_role(tables: Iterable[str]) -> list[str]:
    """Let ``b2_app`` use the current schema and read and write ``tables``.

    Also makes that the default for tables and sequences the current user creates later in
    this schema, so a new table needs no grant of its own (its policy it does need).
    """
    statements = [
        f"""
        DO $$
        BEGIN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT {_DML} ON TABLES TO {APP_ROLE}',
                current_schema()
            );
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}',
                current_schema()
            );
        END
        $$
        """
    ]
    statements += [f"GRANT {_DML} ON {_quoted(table)} TO {APP_ROLE}" for table in tables]
    return statements


def tenant_isolation(table: str, column: str = "tenant_id") -> list[str]:
    """Row-level security for ``table``: a row is visible and writable only when ``column``
    equals the transaction's ``b2.tenant_id``, or in a platform-scoped transaction.

    Rows whose ``column`` is NULL (platform rows, such as super admins) are platform-only.
    A transaction that set neither setting sees no row at all.
    """
    condition = (
        f"{_quoted(column)} = current_setting('{TENANT_SETTING}', true) "
        f"OR current_setting('{SCOPE_SETTING}', true) = '{PLATFORM_SCOPE}'"
    )
    return [
        f"ALTER TABLE {_quoted(table)} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {_quoted(table)} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {_quoted(table)} USING ({condition}) WITH CHECK ({condition})",
    ]


def drop_tenant_isolation(table: str) -> list[str]:
    """Undo :func:`tenant_isolation` (for downgrades)."""
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {_quoted(table)}",
        f"ALTER TABLE {_quoted(table)} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {_quoted(table)} DISABLE ROW LEVEL SECURITY",
    ]


def execute_on_postgresql(statements: Iterable[str]) -> None:
    """Run ``statements`` in the current migration when the database is PostgreSQL.

    SQLite has no roles or policies: there the repositories' own filters are the isolation.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in statements:
        op.execute(statement)


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'
