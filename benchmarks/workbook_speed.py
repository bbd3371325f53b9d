"""Audit workbook speed and memory at national scale: one trust, 100,000 lines, 1,000,000 actual rows.

Measures `reports.workbook.write_workbook` (rows per second, peak memory) against a baseline in
the same run: bare openpyxl write-only mode writing the same number of rows and columns to each
sheet, with plain values (no formulas, styles, tables or cached-value pass). Each side runs in a
process of its own, so each peak resident set size is its own. The register comes from the
synthetic generator (`savings_ledger_examples.generate`), cut to `--actuals` rows, and is imported
once into a SQLite ledger under `--work`, which later runs reuse.

    python benchmarks/workbook_speed.py [--lines 100000] [--actuals 1000000] [--work bench-workbook]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

FY = "2025/26"
AS_AT = date(2026, 3, 31)


def peak_mb() -> int:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def prepare(work: Path, lines: int, actuals: int) -> str:
    """Generate the register and import it, unless an earlier run did; return the database URL."""
    from savings_ledger_examples.generate import generate

    from ledger.db import open_ledger
    from ledger.register.load import import_register

    folder = work / f"register-{lines}-{actuals}"
    db = work / f"ledger-{lines}-{actuals}.db"
    if not db.exists():
        started = time.perf_counter()
        (trust,) = generate(folder, 1, lines)
        rows = (trust / "Actuals.csv").read_text().splitlines(keepends=True)
        (trust / "Actuals.csv").write_text("".join(rows[:actuals + 1]))
        import_register(open_ledger(f"sqlite:///{db}"), trust)
        print(f"prepared {lines:,} lines, {min(actuals, len(rows) - 1):,} actual rows in "
              f"{time.perf_counter() - started:.0f} s (not measured)", file=sys.stderr)
    return f"sqlite:///{db}"


def run_workbook(url: str, out: Path) -> dict:
    """Child process: load the trust, then write its workbook; times and peak memory of each."""
    from ledger.db import open_ledger
    from ledger.engine.summary import load_trust
    from reports.workbook import write_workbook

    started = time.perf_counter()
    ty = load_trust(open_ledger(url), "T0001", AS_AT)
    _ = ty.findings
    loaded, load_peak = time.perf_counter() - started, peak_mb()
    started = time.perf_counter()
    result = write_workbook(ty, FY, out)
    return {"load_s": loaded, "load_peak_mb": load_peak, "write_s": time.perf_counter() - started,
            "peak_mb": peak_mb(), "rows": result.rows, "columns": result.columns, "formulas": result.formulas,
            "bytes": out.stat().st_size}


def run_baseline(shape: dict[str, list[int]], out: Path) -> dict:
    """Child process: bare openpyxl write-only, the same rows and columns per sheet, plain values."""
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    for name, (rows, columns) in shape.items():
        ws = book.create_sheet(name)
        for i in range(rows):
            ws.append([f"L{i:07d}", *(i * 0.25 + c for c in range(columns - 1))])
    book.save(out)
    return {"write_s": time.perf_counter() - started, "peak_mb": peak_mb(), "bytes": out.stat().st_size}


def child(kind: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, *args], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--actuals", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("bench-workbook"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        result = run_workbook(rest[0], Path(rest[1])) if kind == "workbook" else \
            run_baseline(json.loads(Path(rest[0]).read_text()), Path(rest[1]))
        print(json.dumps(result))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    url = prepare(args.work, args.lines, args.actuals)
    ours = child("workbook", url, str(args.work / "audit.xlsx"))
    shape = {name: [rows, ours["columns"][name]] for name, rows in ours["rows"].items()}
    (args.work / "shape.json").write_text(json.dumps(shape))
    base = child("baseline", str(args.work / "shape.json"), str(args.work / "baseline.xlsx"))
    rows = sum(ours["rows"].values())
    cells = sum(r * c for r, c in shape.values())
    print(f"audit workbook, one trust: {args.lines:,} lines, {args.actuals:,} actual rows, {len(shape)} sheets, "
          f"{rows:,} rows, {cells:,} cells, {ours['formulas']:,} formulas")
    print(f"{'':28}{'seconds':>9}{'rows/s':>10}{'cells/s':>11}{'peak MB':>9}{'file MB':>9}")
    for label, r in (("write_workbook", ours), ("bare openpyxl write-only", base)):
        print(f"{label:28}{r['write_s']:9.1f}{rows / r['write_s']:10,.0f}{cells / r['write_s']:11,.0f}"
              f"{r['peak_mb']:9,}{r['bytes'] / 1e6:9.1f}")
    print(f"write_workbook takes {ours['write_s'] / base['write_s']:.1f}x the baseline's time; loading and "
          f"computing the trust first took {ours['load_s']:.1f} s and peaked at {ours['load_peak_mb']:,} MB")


if __name__ == "__main__":
    main()
