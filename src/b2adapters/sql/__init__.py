"""SQL adapters: SQLAlchemy Core over SQLite (aiosqlite) or PostgreSQL (asyncpg), with Alembic."""
