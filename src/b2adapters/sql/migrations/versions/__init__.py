"""Alembic revisions; each feature may add its own (parallel heads are upgraded together)."""
