"""Shared test setup: the PostgreSQL URL for tests marked `pg`.

In CI (`CI=true`) a missing PostgreSQL server is a failure, never a silent skip.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("SAVINGS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL URL for `pg` tests; skips locally without a server, fails under CI."""
    try:
        with create_engine(PG_URL).connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    return PG_URL


@pytest.fixture
def pg_ledger_url(pg_url: str):
    """A URL on a fresh PostgreSQL schema of its own (dropped afterwards), so tests never collide."""
    import uuid

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{pg_url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
