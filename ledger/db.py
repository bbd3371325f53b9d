"""Opening a ledger database and bringing its schema to the latest Alembic revision.

One code path for both backends: `sqlite:///savings.db` (the default) and
`postgresql+psycopg://...`. The URL comes from `--db`, else `SAVINGS_DB`.
"""
from __future__ import annotations

import os
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

DEFAULT_URL = "sqlite:///savings.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit, else `SAVINGS_DB`, else `sqlite:///savings.db`."""
    return url or os.environ.get("SAVINGS_DB") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for the ledger; SQLite gets foreign keys and a busy timeout."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("ledger") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every migration the database does not have yet (no-op when current)."""
    cfg = _alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        command.upgrade(cfg, "head")


def open_ledger(url: str | None = None) -> Engine:
    """An engine on an up-to-date schema."""
    engine = make_engine(url)
    upgrade(engine)
    return engine
