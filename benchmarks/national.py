"""England in one PostgreSQL ledger: import the national set, then time one trust and the roll-up.

Steps, all in one run so a loaded machine weighs on every number alike:

1. generate 200 synthetic trusts x 2,000 lines (about 400,000 lines, 4.5 million actual rows);
2. import them into a fresh schema with `savings import DIR --all` (the library call behind it),
   and COPY every row it stored (the registers' and the governance step's: audit events, line
   locks, plan versions), trust by trust, into another schema as the raw baseline: in one
   stream, and (with --jobs N) again in N streams at once, as the import runs N processes;
3. import one trust alone into a third schema, and time `summary`, `lines`, `check` and
   `towers` for that trust on both: the national figure should be about the alone figure;
4. the national roll-up (`savings summary --all`, ledger.rollup) over every trust;
5. the board pack and the audit workbook for that trust, through the command line.

    .venv/bin/python -m benchmarks.national [--trusts 200] [--lines 2000] [--jobs 2] [--keep] [--reuse]

Schemas `savings_national`, `savings_national_raw` and `savings_one_trust` are made on the server
named by --pg (default $SAVINGS_TEST_PG) and dropped at the end unless --keep; --reuse skips the
generation and the import when a kept national schema holds the trusts already.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from benchmarks.common import Table, peak_rss_mb, row_count, stored_rows, timed
from benchmarks.import_speed import PG_URL, raw_copy
from examples.generate import generate
from ledger import models
from ledger.db import open_ledger
from ledger.engine import summary as summ
from ledger.import_many import import_many, registers_in
from ledger.reference import towers as reference
from ledger.rollup import rollup
from ledger.towers_views import towers_json

SCHEMAS = ("savings_national", "savings_national_raw", "savings_one_trust")


def schema_url(base: str, schema: str) -> str:
    return f"{base}?options=-csearch_path%3D{schema}"


def recreate(base: str, schema: str) -> str:
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = schema_url(base, schema)
    open_ledger(url).dispose()
    return url


def trust_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(models.Trust.__table__)).scalar() or 0
    except Exception:
        return 0
    finally:
        engine.dispose()


def one_trust_queries(url: str, trust: str, fy: str, as_at: date) -> dict[str, float]:
    """Library time of what `summary`, `lines`, `check` and `towers` do for one trust (best of 5)."""
    engine = open_ledger(url)
    ref = reference.load_reference(engine)

    def towers() -> dict:
        ty = summ.load_trust(engine, trust, as_at)
        return towers_json(ty, ty.recon(fy), ref)

    runs = {
        "summary": lambda: summ.summary(summ.load_trust(engine, trust, as_at), fy),
        "lines": lambda: summ.lines(summ.load_trust(engine, trust)),
        "check": lambda: summ.load_trust(engine, trust).findings,
        "towers": towers,
    }
    out = {name: timed(fn, repeat=5)[0] for name, fn in runs.items()}
    engine.dispose()
    return out


def children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the roll-up's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_seconds(*args: str) -> float | str:
    """Wall time of one `savings` command (start-up included), or why it failed."""
    savings = str(Path(sys.executable).with_name("savings"))
    started = time.perf_counter()
    run = subprocess.run([savings, *args], capture_output=True, text=True, check=False)
    if run.returncode:
        last = (run.stderr.strip().splitlines() or ["no message"])[-1]
        return f"failed: {last[:60]}"
    return time.perf_counter() - started


def raw_baseline(national: str, raw: str, trusts: list[str]) -> tuple[float, int]:
    """COPY every row the import stored, trust by trust, into the raw schema; time only the COPYs."""
    total, rows_copied = 0.0, 0
    engine = create_engine(national)
    for trust in trusts:
        rows = stored_rows(engine, trust)
        rows_copied += row_count(rows)
        seconds, _ = timed(lambda rows=rows: raw_copy(raw, rows))
        total += seconds
    engine.dispose()
    return total, rows_copied


def raw_streams(national: str, raw: str, trusts: list[str], streams: int) -> float:
    """COPY every national row into the raw schema from `streams` processes at once, trusts dealt
    in turn, as `--jobs` deals registers. The rows are read first; only the COPYs are timed."""
    engine = create_engine(national)
    rows = [stored_rows(engine, trust) for trust in trusts]
    engine.dispose()
    fork = multiprocessing.get_context("fork")  # the children see the rows without pickling them
    children = [fork.Process(target=_copy_each, args=(raw, rows[i::streams])) for i in range(streams)]
    started = time.perf_counter()
    for child in children:
        child.start()
    for child in children:
        child.join()
    seconds = time.perf_counter() - started
    if any(child.exitcode for child in children):
        raise SystemExit("a raw COPY stream failed")
    return seconds


def _copy_each(raw: str, share: list[dict]) -> None:
    for rows in share:
        raw_copy(raw, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.national", description=__doc__.split("\n")[0])
    parser.add_argument("--trusts", type=int, default=200)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2, help="registers imported at once (default 2)")
    parser.add_argument("--pg", default=PG_URL)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "savings-national",
                        help="where the registers are written (kept for reruns)")
    parser.add_argument("--fy", default="2025/26")
    parser.add_argument("--keep", action="store_true", help="keep the schemas for another run (--reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept national schema and its registers")
    args = parser.parse_args(argv)
    as_at = summ.default_as_at(args.fy, datetime.now(UTC).date())
    national = schema_url(args.pg, SCHEMAS[0])
    table = Table(f"National ledger on PostgreSQL: {args.trusts} trusts x {args.lines} lines")

    reuse = args.reuse and trust_count(national) == args.trusts and (args.out / "T0001").is_dir()
    if not reuse:
        gen_s, _ = timed(lambda: generate(args.out, args.trusts, args.lines, seed=1))
        table.add(f"generate {args.trusts} registers (CSV)", gen_s)
        national = recreate(args.pg, SCHEMAS[0])
        paths = registers_in(args.out)[:args.trusts]
        imp_s, outcomes = timed(lambda: import_many(national, paths, jobs=args.jobs, show_progress=None))
        refused = [o for o in outcomes if o.result is None]
        if refused:
            raise SystemExit(f"{len(refused)} registers refused, first: {refused[0].error[:500]}")
        n_rows = sum(o.rows for o in outcomes)
        raw = recreate(args.pg, SCHEMAS[1])
        trusts = sorted(o.result.trust for o in outcomes)
        raw_s, copied = raw_baseline(national, raw, trusts)
        table.add(f"import {n_rows:,} register rows, {copied:,} stored (--jobs {args.jobs}) vs raw COPY of "
                  "the rows stored", imp_s, raw_s,
                  note=f"{copied / imp_s:,.0f} rows/s stored; raw {copied / raw_s:,.0f} rows/s")
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        table.add("import memory: peak of this process / of a worker", f"{peak_rss_mb():,.0f} / {children:,.0f} MB",
                  note="target < 2,048 MB")
        if args.jobs > 1:
            raw = recreate(args.pg, SCHEMAS[1])
            streams_s = raw_streams(national, raw, trusts, args.jobs)
            table.add(f"import (--jobs {args.jobs}) vs raw COPY in {args.jobs} streams at once", imp_s, streams_s,
                      note=f"raw {copied / streams_s:,.0f} rows/s")
    first = "T0001"
    one = recreate(args.pg, SCHEMAS[2])
    import_many(one, [args.out / first], show_progress=False)
    alone = one_trust_queries(one, first, args.fy, as_at)
    nation = one_trust_queries(national, first, args.fy, as_at)
    for name in alone:
        table.add(f"{name} {first}: national DB vs DB of that trust alone", nation[name], alone[name], target=1.5,
                  note="also < 1 s" if nation[name] < 1 else "MISSED < 1 s")
    cli_nat = cli_seconds("summary", "--trust", first, "--fy", args.fy, "--db", national, "--json")
    cli_one = cli_seconds("summary", "--trust", first, "--fy", args.fy, "--db", one, "--json")
    table.add("`savings summary --json` wall time, start-up included", cli_nat, cli_one, target=1.5,
              note=f"start-up alone {cli_seconds('--help'):.2f} s" if isinstance(cli_nat, float) else "")
    engine = open_ledger(national)
    workers_cpu = children_cpu()
    roll_s, roll = timed(lambda: rollup(engine, args.fy, as_at))
    total = roll.total()
    table.add(f"national roll-up of {total['trusts']} trusts (savings summary --all)", roll_s, unit="s",
              target=60.0, note=f"CIP delivered £{total['cip']['delivered']}; "
                                f"{children_cpu() - workers_cpu:.1f} s CPU in the workers")
    with tempfile.TemporaryDirectory() as tmp:
        table.add("board pack PDF for one trust (savings pack, wall)", cli_seconds(
            "pack", "--trust", first, "--period", "2026-03", "-o", f"{tmp}/p.pdf", "--db", national))
        table.add("audit workbook for one trust (savings workbook, wall)", cli_seconds(
            "workbook", "--trust", first, "--fy", args.fy, "-o", f"{tmp}/a.xlsx", "--db", national))
    engine.dispose()
    table.print()
    if not args.keep:
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            for schema in SCHEMAS:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    os.environ.setdefault("SAVINGS_PREPARER", "benchmark")
    main()
