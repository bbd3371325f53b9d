"""Opening a ledger database and bringing its schema to the latest Alembic revision.

One code path for both backends: `sqlite:///savings.db` (the default) and
`postgresql+psycopg://...`. The URL comes from `--db`, else `SAVINGS_DB`.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from ledger.errors import LedgerError, OptionError

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///savings.db"
HEAD_REVISION = "0006"  # the newest migration; tests/test_db.py holds it to Alembic's own head


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


def alembic_config(engine: Engine) -> Config:
    """Alembic's configuration for the ledger's migrations, run on `engine`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("ledger") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def stored_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply every migration the database does not have yet.

    A database already at HEAD_REVISION (nearly every command) is recognised by reading its
    alembic_version table, without loading Alembic, which is a fifth of a command's start-up.
    """
    if stored_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def shown_url(url: str) -> str:
    """The URL as a message may print it: any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_folder(url: str) -> Path | None:
    """The folder a SQLite URL's file is in (None for another database, or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).parent


def open_ledger(url: str | None = None) -> Engine:
    """An engine on an up-to-date schema; a URL that names no usable database is a LedgerError
    that says which and why (not a driver's traceback)."""
    shown = shown_url(database_url(url))
    try:
        backend = make_url(database_url(url)).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise OptionError(f"--db {shown}: the ledger runs on SQLite and PostgreSQL, not {backend}; write "
                              "sqlite:///path/to/ledger.db or postgresql+psycopg://user@host/database")
        engine = make_engine(url)
    except ArgumentError:
        raise OptionError(f"--db {shown!r} is not a database URL; write sqlite:///path/to/ledger.db or "
                          "postgresql+psycopg://user@host/database") from None
    except ModuleNotFoundError as exc:  # the URL's driver: only creating the engine loads it
        raise LedgerError(f"--db {shown}: no driver for it here ({exc.name}); the ledger runs on SQLite and "
                          "PostgreSQL (postgresql+psycopg://...)") from None
    try:
        upgrade(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        folder = _sqlite_folder(database_url(url))
        if folder is not None and not folder.is_dir():  # SQLite says only "unable to open database file"
            reason = f"the folder {folder} does not exist: create it, or name a file in a folder that does"
        raise LedgerError(f"--db {shown}: cannot open the ledger there ({reason})") from None
    return engine
