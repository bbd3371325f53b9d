"""Set-based inserts store exactly what SQLAlchemy's own insert stores."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, insert, select

from ledger import models
from ledger.bulk import insert_columns, insert_rows
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
        insert_rows(conn, signoffs, [{"trust": "RT1", "line_id": "L1", "role": "finance", "person": "P",
                                      "decision": "approve", "date": date(2025, 4, 1), "comment": "",
                                      "source": "register", "source_row": 2}])
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT recorded_at FROM auditevent ORDER BY seq").scalars().all()
        assert stored[0] == stored[1] == stored[2]
        assert conn.exec_driver_sql("SELECT date FROM signoff").scalar() == "2025-04-01"
        assert conn.execute(select(events.c.recorded_at).where(events.c.seq == 1)).scalar() == when
