"""Set-based inserts: COPY on PostgreSQL, the driver's executemany elsewhere; never one ORM object per row.

On SQLite the rows reach sqlite3 as tuples, each value passed through its column's bind
processor (so dates and booleans are stored exactly as SQLAlchemy stores them), without
SQLAlchemy building a parameter dict per row, which cost more than SQLite's own insert.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert `rows` (dicts keyed by column name) into `table` inside the caller's transaction."""
    if not rows:
        return
    insert_columns(conn, table, {c: [r[c] for r in rows] for c in rows[0] if c in table.c})


def insert_columns(conn: Connection, table: Table, columns: Mapping[str, Sequence[object]]) -> None:
    """Insert rows given a column at a time (`{name: values}`, all as long) inside the caller's transaction."""
    if not columns or not len(next(iter(columns.values()))):
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns)
    elif not conn.dialect.positional or any(c.default is not None for c in table.c if c.name not in columns):
        rows = zip(*columns.values(), strict=True)
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
    else:
        _executemany(conn, table, columns)


def _executemany(conn: Connection, table: Table, columns: Mapping[str, Sequence[object]]) -> None:
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    order = compiled.positiontup or ()
    values = []
    for name in order:
        process = table.c[name].type._cached_bind_processor(conn.dialect)
        values.append(columns[name] if process is None else [process(v) for v in columns[name]])
    conn.exec_driver_sql(str(compiled), list(zip(*values, strict=True)))


def _copy(conn: Connection, table: Table, columns: Mapping[str, Sequence[object]]) -> None:
    raw = conn.connection.driver_connection
    sql = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in zip(*columns.values(), strict=True):
            copy.write_row(row)
