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


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--snapshot-update` rewrites the snapshots in tests/snapshots/ instead of comparing with them."""
    parser.addoption("--snapshot-update", action="store_true", default=False,
                     help="rewrite tests/snapshots/* from the current output")


@pytest.fixture
def snapshot(request: pytest.FixtureRequest):
    """`snapshot(name, text)`: text must equal tests/snapshots/<name> (written with --snapshot-update)."""
    from pathlib import Path

    update = request.config.getoption("--snapshot-update")

    def check(name: str, text: str) -> None:
        path = Path(__file__).parent / "snapshots" / name
        if update:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no snapshot {path.name}: run pytest --snapshot-update and review it"
        assert text == path.read_text(encoding="utf-8"), (
            f"{path.name} differs from the rendered output: review the change, then run pytest --snapshot-update")

    return check
