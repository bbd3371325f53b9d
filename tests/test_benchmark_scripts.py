"""The benchmark scripts still run, at a tiny scale, and measure the rows they say they measure.

No time is asserted (speed is reported by the scripts, docs/performance.md); what is checked is
that each table is printed whole, against its baseline, over the right rows.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks import engine_speed, import_speed
from examples.generate import generate
from ledger.import_many import import_many


def _governance_rows(tmp_path: Path, folders: list[Path]) -> int:
    """Rows the import adds beyond the register's: the trust, audit events, locks, plan versions, its record."""
    url = f"sqlite:///{tmp_path / 'count.db'}"
    import_many(url, folders, show_progress=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = ("trust", "auditevent", "lockedline", "planversion", "registerimport")
        total = sum(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in tables)
    engine.dispose()
    return total


def _register_rows(folders: list[Path]) -> int:
    """Data rows of every sheet but Trust (that one becomes the trust itself, not a register row)."""
    total = 0
    for folder in folders:
        for path in (p for p in folder.glob("*.csv") if p.stem != "Trust"):
            with path.open(newline="", encoding="utf-8-sig") as fh:
                total += sum(1 for row in csv.reader(fh) if any(row)) - 1  # less the header
    return total


@pytest.mark.pg
def test_import_speed_times_every_register_row_on_both_backends(pg_url, tmp_path, capsys):
    import_speed.main(["--trusts", "2", "--lines", "40", "--pg", pg_url])
    out = capsys.readouterr().out
    found = re.search(r"= ([\d,]+) stored rows, ([\d,]+) of them the registers'", out)
    stored, sheets = (int(n.replace(",", "")) for n in found.groups())
    folders = generate(tmp_path, 2, 40, seed=1)
    assert sheets == _register_rows(folders)  # the same registers, every row
    governance = _governance_rows(tmp_path, folders)
    assert governance > 0 and stored == sheets + governance  # and every row the governance step stored
    rows = {line.strip().split("  ")[0]: line for line in out.splitlines()}
    for measure in ("SQLite: raw sqlite3 executemany (baseline)", "SQLite: ledger insert path (executemany)",
                    "SQLite: whole import (parse, check, insert, governance)",
                    "PostgreSQL: raw COPY (baseline)", "PostgreSQL: ledger insert path (COPY)",
                    "PostgreSQL: whole import", "PostgreSQL: whole import, --jobs 2",
                    "raw executemany of the registers' rows alone", "raw COPY of the registers' rows alone"):
        assert re.search(r"\d\.\d\dx", rows[measure]), rows.get(measure)
    judged = [line for line in out.splitlines() if "<= 2x" in line]
    assert len(judged) == 4 and all(re.search(r"\b(ok|MISSED)\b", line) for line in judged)


def test_import_speed_on_sqlite_alone_also_reads_the_files_for_scale(tmp_path, capsys):
    import_speed.main(["--trusts", "1", "--lines", "30", "--no-pg"])
    out = capsys.readouterr().out
    assert "PostgreSQL" not in out
    folders = generate(tmp_path, 1, 30, seed=1)
    every_line = sum(len(path.read_text(encoding="utf-8-sig").splitlines()) for path in folders[0].glob("*.csv"))
    scale = next(line for line in out.splitlines() if "for scale: csv.reader" in line)
    assert f"{every_line:,} CSV rows" in scale  # headers and the Trust sheet included: every row read
    judged = [line for line in out.splitlines() if "<= 2x" in line]
    assert len(judged) == 2 and all(line.startswith("SQLite") for line in judged)


def test_engine_speed_runs_the_whole_engine_against_its_baseline(capsys):
    engine_speed.main(["--lines", "300", "--actuals", "3000"])
    out = capsys.readouterr().out
    assert "Counting engine: 300 lines, 3,000 actual rows" in out
    assert "300 lines out" in out
    assert re.search(r"CIP delivered £\d+\.\d\d", out)
    engine_row = next(line for line in out.splitlines() if line.startswith("engine: figures"))
    assert re.search(r"\d\.\d\dx", engine_row) and re.search(r"\b(ok|MISSED)\b", engine_row)
    assert "memory: peak while the engine ran" in out
