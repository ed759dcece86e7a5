"""Alembic migrations of the b2 schema, shipped inside the package (no alembic.ini needed)."""
