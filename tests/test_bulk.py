"""Set-based inserts store exactly what SQLAlchemy's own insert stores."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import create_engine, func, insert, select

from ledger import models
from ledger.bulk import Background, insert_columns, insert_rows
from ledger.db import open_ledger


def test_rows_match_sqlalchemys_insert(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    table = models.Scheme.__table__
    row = {"trust": "RT1", "scheme_id": "S1", "title": "T", "division": "", "category": "", "owner": "",
           "maturity": "in_progress", "stage": "", "qia_required": True, "qia_ref": "", "source_row": 2}
    with engine.begin() as conn:
        insert_rows(conn, table, [row, {**row, "scheme_id": "S2", "qia_required": False}])
        conn.execute(insert(table), [{**row, "scheme_id": "S3"}])
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT scheme_id, qia_required FROM scheme ORDER BY scheme_id").all()
    assert raw == [("S1", 1), ("S2", 0), ("S3", 1)]


def test_dates_and_instants_are_stored_as_sqlalchemy_stores_them(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    open_ledger(url).dispose()
    engine = create_engine(url)
    events, signoffs = models.AuditEvent.__table__, models.SignOff.__table__
    when = datetime(2026, 1, 15, 12, 0, 0, 5, tzinfo=UTC)
    event = {"seq": 1, "trust": "RT1", "entity": "line", "entity_id": "L1", "action": "status", "from_status": "",
             "to_status": "", "actor": "a", "role": "", "reason": "", "evidence_ids": "", "effective_month": None,
             "details": "", "recorded_at": when, "prev_hash": "0", "hash": "1"}
    with engine.begin() as conn:
        insert_columns(conn, events, {k: [v, v if k != "seq" else 2] for k, v in event.items()})
        conn.execute(insert(events), [{**event, "seq": 3}])
        later = {**event, "recorded_at": when + timedelta(days=1, microseconds=1)}
        insert_columns(conn, events, {k: [later[k] if k != "seq" else 4, event[k] if k != "seq" else 5]
                                      for k in event})  # instants that differ from row to row
        conn.execute(insert(events), [{**later, "seq": 6}])
        elsewhere = when.astimezone(timezone(timedelta(hours=1)))  # the same instant, equal, another offset
        insert_columns(conn, events, {k: [event[k] if k != "seq" else 7, elsewhere if k == "recorded_at" else
                                          event[k] if k != "seq" else 8] for k in event})
        conn.execute(insert(events), [{**event, "seq": 9}, {**event, "recorded_at": elsewhere, "seq": 10}])
        insert_rows(conn, signoffs, [{"trust": "RT1", "line_id": "L1", "role": "finance", "person": "P",
                                      "decision": "approve", "date": date(2025, 4, 1), "comment": "",
                                      "source": "register", "source_row": 2}])
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT recorded_at FROM auditevent ORDER BY seq").scalars().all()
        assert stored[0] == stored[1] == stored[2] == stored[4] != stored[3] == stored[5]
        assert stored[6:8] == stored[8:10]  # as SQLAlchemy stores each
        assert conn.exec_driver_sql("SELECT date FROM signoff").scalar() == "2025-04-01"
        assert conn.execute(select(events.c.recorded_at).where(events.c.seq == 1)).scalar() == when


def _schemes(ids: list[str]) -> dict[str, list]:
    n = len(ids)
    return {"trust": ["RT1"] * n, "scheme_id": ids, "title": ["T"] * n, "division": [""] * n,
            "category": [""] * n, "owner": [""] * n, "maturity": ["in_progress"] * n, "stage": [""] * n,
            "qia_required": [False] * n, "qia_ref": [""] * n, "source_row": list(range(2, n + 2))}


@pytest.mark.pg
def test_background_copies_every_batch_in_order_with_a_bounded_queue(pg_ledger_url) -> None:
    engine = open_ledger(pg_ledger_url)
    table = models.SignOff.__table__  # surrogate ids: the order rows reached the database
    people = [f"P{batch}-{i}" for batch in range(6) for i in range(500)]
    with engine.begin() as conn:
        with Background(conn) as background:
            for start in range(0, len(people), 500):
                batch = people[start:start + 500]
                background.insert(table, {"trust": ["RT1"] * 500, "line_id": ["L1"] * 500, "role": ["finance"] * 500,
                                          "person": batch, "decision": ["approve"] * 500,
                                          "date": [date(2025, 4, 1)] * 500, "comment": [""] * 500,
                                          "source": ["register"] * 500, "source_row": [0] * 500})
                assert len(background._pending) <= Background.QUEUED
        assert conn.execute(select(table.c.person).order_by(table.c.id)).scalars().all() == people
    engine.dispose()


@pytest.mark.pg
def test_background_raises_the_databases_error_and_the_transaction_rolls_back(pg_ledger_url) -> None:
    engine = open_ledger(pg_ledger_url)
    table = models.Scheme.__table__
    with pytest.raises(psycopg.errors.UniqueViolation), engine.begin() as conn, Background(conn) as background:
        background.insert(table, _schemes(["S1", "S2"]))
        background.insert(table, _schemes(["S3", "S1"]))  # S1 again: the primary key refuses it
        background.insert(table, _schemes(["S4"]))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    engine.dispose()


def test_background_inserts_at_once_on_sqlite(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    table = models.Scheme.__table__
    with engine.begin() as conn, Background(conn) as background:
        background.insert(table, _schemes(["S1", "S2"]))
        assert conn.execute(select(func.count()).select_from(table)).scalar() == 2
