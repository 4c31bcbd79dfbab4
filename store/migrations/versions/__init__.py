"""The revisions, oldest first: v0001_baseline ... (Alembic ignores this file)."""
