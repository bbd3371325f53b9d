"""Set-based inserts: COPY on PostgreSQL, the driver's executemany elsewhere; never one ORM object per row.

On SQLite the rows reach sqlite3 as tuples, each value passed through its column's bind
processor (so dates and booleans are stored exactly as SQLAlchemy stores them), without
SQLAlchemy building a parameter dict per row, which cost more than SQLite's own insert.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert `rows` (dicts keyed by column name) into `table` inside the caller's transaction."""
    if not rows:
        return
    insert_columns(conn, table, {c: [r[c] for r in rows] for c in rows[0] if c in table.c})


def insert_columns(conn: Connection, table: Table, columns: Mapping[str, list[object]]) -> None:
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


def _executemany(conn: Connection, table: Table, columns: Mapping[str, list[object]]) -> None:
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    order = compiled.positiontup or ()
    values = []
    for name in order:
        process = table.c[name].type._cached_bind_processor(conn.dialect)
        column = columns[name]
        if process is None:
            values.append(column)
        elif all(v is column[0] for v in column):  # one object on every row (the import's time stamp): once
            values.append([process(column[0])] * len(column))
        else:
            values.append([process(v) for v in column])
    conn.exec_driver_sql(str(compiled), list(zip(*values, strict=True)))


def _copy(conn: Connection, table: Table, columns: Mapping[str, list[object]]) -> None:
    raw = conn.connection.driver_connection
    sql = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in zip(*columns.values(), strict=True):
            copy.write_row(row)


class Background:
    """`insert_columns` run in order while the caller goes on working, inside its transaction.

    On PostgreSQL the server stores rows while this process parses the next batch or works out
    the import's governance step: one worker thread sends each COPY (waiting on the server holds
    no lock on Python), with at most `QUEUED` batches handed over and not yet stored, so memory
    stays bounded. SQLite stores rows inside this process, so there each insert runs at once.
    Leaving the block waits for every insert and raises the first one's error; until then the
    caller must not use the connection.
    """

    QUEUED = 2

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pool = ThreadPoolExecutor(1, "ledger-copy") if conn.dialect.name == "postgresql" else None
        self._pending: deque[Future] = deque()

    def insert(self, table: Table, columns: Mapping[str, list[object]]) -> None:
        if self._pool is None:
            insert_columns(self.conn, table, columns)
            return
        while len(self._pending) >= self.QUEUED:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(insert_columns, self.conn, table, columns))

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
