"""The one MetaData every table belongs to, with names for constraints Alembic can rely on."""

from __future__ import annotations

from sqlalchemy import MetaData

# Explicit constraint names keep migrations portable: SQLite batch mode and later ALTERs on
# PostgreSQL can only drop or change a constraint they can name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
