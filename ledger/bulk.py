"""Set-based inserts: COPY on PostgreSQL, executemany elsewhere; never one ORM object per row."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert `rows` (dicts keyed by column name) into `table` inside the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        conn.execute(insert(table), list(rows))


def _copy(conn: Connection, table: Table, rows: Iterable[dict]) -> None:
    rows = list(rows)
    columns = [c for c in rows[0] if c in table.c]
    raw = conn.connection.driver_connection
    sql = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(tuple(row[c] for c in columns))
