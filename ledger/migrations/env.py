"""Alembic environment: runs migrations on the engine handed in by `ledger.db.upgrade`."""
from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import ledger.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from ledger.db import make_engine

target_metadata = SQLModel.metadata
engine = context.config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()
