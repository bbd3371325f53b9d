"""How fast does a register go into the ledger, next to the raw database doing the same inserts?

Synthetic trusts are generated (examples/generate.py) and imported once to learn the rows exactly
as the ledger stores them: the registers' rows and the governance step's (the trust, audit events,
line locks, plan versions, the import's record). Then, in the same run, on fresh databases with the
ledger's schema:

- baseline: all those rows, already typed, inserted by raw `sqlite3` executemany (SQLite) or a raw
  psycopg `COPY ... FROM STDIN` (PostgreSQL), one transaction: the database's own limit;
- the ledger's insert path (`ledger.bulk.insert_rows`, what the import calls) on the same rows;
- the whole import (`savings import DIR --all`): read the CSV, parse and check every cell, insert,
  then the governance step (validation events, line locks, plan versions, audit chain);
- for scale, the raw baseline of the registers' rows alone (the baseline until 28 November 2026,
  which left the governance rows out), and the standard library's csv.reader over the same
  files and nothing else: what any importer of these registers pays before it types a cell.

Target (issue 9): the ledger's inserts, and the whole import, within 2x of the raw baseline on
each backend. SQLite rows also print the CPU ratio (SQLite runs inside this process, so that is
its whole cost, and a loaded machine hardly moves it); PostgreSQL does its share in the server,
so there only wall time compares.

    .venv/bin/python -m benchmarks.import_speed [--trusts 5] [--lines 2000] [--pg URL | --no-pg] [--repeat 1]

With `--repeat N` each measure is taken N times, all of them in turn in each round, and the best
wall and CPU time of each is printed: on a shared machine the best is the least disturbed.
"""
from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.common import (
    STORED,
    Rows,
    Table,
    peak_rss_mb,
    register_only,
    row_count,
    stored_rows,
    timed,
    timed_cpu,
)
from examples.generate import generate
from ledger.bulk import insert_rows
from ledger.db import open_ledger
from ledger.import_many import import_many

PG_URL = os.environ.get("SAVINGS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def raw_sqlite(path: Path, rows: Rows) -> None:
    """The baseline on SQLite: the standard library's executemany, one transaction."""
    conn = sqlite3.connect(path)
    with conn:
        for name, (columns, data) in rows.items():
            marks = ", ".join("?" for _ in columns)
            conn.executemany(f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({marks})',
                             [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r) for r in data])
    conn.close()


def raw_copy(url: str, rows: Rows) -> None:
    """The baseline on PostgreSQL: psycopg COPY FROM STDIN of the same tuples, one transaction."""
    engine = create_engine(url)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            for name, (columns, data) in rows.items():
                with cur.copy(f'COPY "{name}" ({", ".join(columns)}) FROM STDIN') as copy:
                    for row in data:
                        copy.write_row(row)
    engine.dispose()


def read_csv_only(folders: list[Path]) -> int:
    """What any importer pays before it types a cell: the standard library's csv.reader over every
    register file, each row made a list of strings. Returns the rows read."""
    n = 0
    for folder in folders:
        for path in sorted(folder.glob("*.csv")):
            with path.open(newline="", encoding="utf-8-sig") as fh:
                n += sum(1 for _ in csv.reader(fh))
    return n


def ledger_inserts(url: str, rows: Rows) -> None:
    """The ledger's insert path, `ledger.bulk.insert_rows`, fed dicts as the importer feeds it."""
    engine = create_engine(url)
    tables = {m.__table__.name: m.__table__ for m in STORED}
    with engine.begin() as conn:
        for name, (columns, data) in rows.items():
            dicts = [dict(zip(columns, r, strict=True)) for r in data]
            for start in range(0, len(dicts), 20_000):
                insert_rows(conn, tables[name], dicts[start:start + 20_000])
    engine.dispose()


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """A fresh schema with the ledger's tables on the PostgreSQL server (dropped afterwards)."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    open_ledger(url).dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fresh_sqlite(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    open_ledger(url).dispose()
    return url


def alternate(repeat: int, runs: dict[str, tuple[Callable[[int], str] | None, Callable[[str], object]]],
              schema: str | None = None) -> dict[str, tuple[float, float]]:
    """The best wall and CPU time of each run over `repeat` rounds, the runs taken in turn in each
    round, so a slow spell of a shared machine falls on all of them. Each run gets a fresh ledger:
    `prepare(round)` gives its URL, or, with `schema` (a PostgreSQL URL), a fresh schema there."""
    best = {name: (float("inf"), float("inf")) for name in runs}
    for i in range(repeat):
        for name, (prepare, measure) in runs.items():
            with pg_schema(schema) if schema else nullcontext(prepare(i)) as url:
                wall, cpu, _ = timed_cpu(partial(measure, url))
            if not schema:
                done = Path(url.removeprefix("sqlite:///"))
                for path in done.parent.glob(f"{done.name}*"):  # with its -wal and -shm files
                    path.unlink()
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--trusts", type=int, default=5)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL URL (default $SAVINGS_TEST_PG)")
    parser.add_argument("--no-pg", action="store_true", help="measure SQLite only")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds, the measures taken in turn in each; the best of each is printed")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: take each measure once or more")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gen_s, folders = timed(lambda: generate(work / "registers", args.trusts, args.lines, seed=1))
        first = fresh_sqlite(work, "first.db")
        import_many(first, folders, show_progress=False)
        first_engine = create_engine(first)
        rows = stored_rows(first_engine)
        first_engine.dispose()
        sheets = register_only(rows)
        n_rows = row_count(rows)
        table = Table(f"Register import: {args.trusts} trusts x {args.lines} lines = {n_rows:,} stored rows, "
                      f"{row_count(sheets):,} of them the registers' (generated in {gen_s:.1f} s)"
                      + (f"; best of {args.repeat} rounds" if args.repeat > 1 else ""))

        def rate(seconds: float) -> str:
            return f"{n_rows / seconds:,.0f} rows/s"

        def sqlite_file(name: str) -> Callable[[int], str]:
            return lambda i: fresh_sqlite(work, f"{name}{i}.db")  # SQLite works inside this process: CPU is all

        best = alternate(args.repeat, {
            "raw": (sqlite_file("raw"), lambda url: raw_sqlite(Path(url.removeprefix("sqlite:///")), rows)),
            "sheets": (sqlite_file("sheets"), lambda url: raw_sqlite(Path(url.removeprefix("sqlite:///")), sheets)),
            "ins": (sqlite_file("ins"), lambda url: ledger_inserts(url, rows)),
            "full": (sqlite_file("full"), lambda url: import_many(url, folders, show_progress=False)),
        })
        (base_s, base_cpu), (sheets_s, sheets_cpu), (ins_s, ins_cpu), (full_s, full_cpu) = best.values()
        table.add("SQLite: raw sqlite3 executemany (baseline)", base_s, base_s, note=rate(base_s),
                  cpu=(base_cpu, base_cpu))
        table.add("SQLite: ledger insert path (executemany)", ins_s, base_s, target=2.0, note=rate(ins_s),
                  cpu=(ins_cpu, base_cpu))
        table.add("SQLite: whole import (parse, check, insert, governance)", full_s, base_s, target=2.0,
                  note=f"{rate(full_s)}; {full_cpu / sheets_cpu:.2f}x (CPU) the registers' rows alone",
                  cpu=(full_cpu, base_cpu))
        table.add("  raw executemany of the registers' rows alone", sheets_s, base_s,
                  note=f"{row_count(sheets):,} rows", cpu=(sheets_cpu, base_cpu))
        read_s, read_cpu, n_read = timed_cpu(lambda: read_csv_only(folders))
        table.add("  for scale: csv.reader over the same files, nothing typed", read_s, base_s,
                  note=f"{n_read:,} CSV rows, {n_read / read_s:,.0f} rows/s", cpu=(read_cpu, base_cpu))
        if not args.no_pg:
            best = alternate(args.repeat, {
                "raw": (None, lambda pg: raw_copy(pg, rows)),
                "sheets": (None, lambda pg: raw_copy(pg, sheets)),
                "ins": (None, lambda pg: ledger_inserts(pg, rows)),
                "full": (None, lambda pg: import_many(pg, folders, show_progress=False)),
                "jobs": (None, lambda pg: import_many(pg, folders, jobs=2, show_progress=False)),
            }, schema=args.pg)
            base_pg, sheets_pg, ins_pg, full_pg, jobs_pg = (wall for wall, _cpu in best.values())
            table.add("PostgreSQL: raw COPY (baseline)", base_pg, base_pg, note=rate(base_pg))
            table.add("PostgreSQL: ledger insert path (COPY)", ins_pg, base_pg, target=2.0, note=rate(ins_pg))
            table.add("PostgreSQL: whole import", full_pg, base_pg, target=2.0,
                      note=f"{rate(full_pg)}; {full_pg / sheets_pg:.2f}x the registers' rows alone")
            table.add("PostgreSQL: whole import, --jobs 2", jobs_pg, base_pg, note=rate(jobs_pg))
            table.add("  raw COPY of the registers' rows alone", sheets_pg, base_pg, note=f"{row_count(sheets):,} rows")
        table.add("memory: peak of this process", peak_rss_mb(), unit="MB", target=2048.0)
        table.print()


if __name__ == "__main__":
    main()
