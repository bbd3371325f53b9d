"""Loading a trust into frames: the same rows, in the same order, with the same Python values on
SQLite and on PostgreSQL, whatever the connection it is read through."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ledger.db import open_ledger
from ledger.frames import Frames, load_frames
from ledger.register.load import import_register

E2 = Path(__file__).resolve().parents[1] / "examples" / "worked" / "E2"
RECORDED = {"recorded_at"}  # when the import ran: differs between two ledgers by design


def _rows(frames: Frames) -> dict[str, list[tuple]]:
    out = {}
    for name in ("lines", "actuals", "budgets", "signoffs", "schemes", "contracts", "events", "plan_versions"):
        frame = getattr(frames, name)
        kept = [c for c in frame.columns if c not in RECORDED]
        out[name] = list(frame[kept].itertuples(index=False, name=None))
    return out


@pytest.mark.pg
def test_sqlite_and_postgresql_give_the_same_rows_in_the_same_order(tmp_path: Path, pg_ledger_url: str) -> None:
    on_sqlite = open_ledger(f"sqlite:///{tmp_path}/l.db")
    on_pg = open_ledger(pg_ledger_url)
    for engine in (on_sqlite, on_pg):
        import_register(engine, E2)
    lite, pg = load_frames(on_sqlite, "RE1"), load_frames(on_pg, "RE1")
    assert _rows(lite) == _rows(pg)
    assert len(lite.actuals) == 6 and len(lite.events) > 0
    assert lite.actuals["id"].tolist() == sorted(lite.actuals["id"])  # primary key order on both
    for frames in (lite, pg):
        assert isinstance(frames.signoffs["date"].iloc[0], date)  # SQLite's text converted as SQLAlchemy does
        recorded = frames.events["recorded_at"].iloc[0]
        assert isinstance(recorded, datetime) and recorded.utcoffset() == UTC.utcoffset(None)
    on_pg.dispose()


def test_a_connection_set_to_stream_rows_still_gives_every_row(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, E2)
    whole = load_frames(engine, "RE1")
    with engine.connect() as conn:
        conn.execution_options(yield_per=2)  # as the audit chain's verification leaves it
        streamed = load_frames(conn, "RE1")
    assert _rows(streamed) == _rows(whole)
    assert len(streamed.actuals) == 6
