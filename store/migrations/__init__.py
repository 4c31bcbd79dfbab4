"""Alembic migrations of the read model: ``env.py`` and one script per revision under ``versions/``.

Run them with ``python -m store.migrate`` or ``store.db.create_schema``; see :mod:`store.migrate`.
"""
