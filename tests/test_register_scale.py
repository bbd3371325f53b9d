"""A register with a million actual rows is streamed: bounded memory, every problem still found."""
from __future__ import annotations

import json
import subprocess
import sys

from ledger.db import open_ledger
from ledger.register.load import count_rows, import_register
from tests.test_register_import import good
from tests.xlsx_writer import write_xlsx

ROWS = 1_000_000


def test_million_row_sheet_streams_in_bounded_memory(tmp_path) -> None:
    tables = good()

    def actuals():
        yield ["line_id", "month", "volume", "price_paid"]
        for i in range(ROWS - 1):
            yield ["L1", f"2025-{4 + i % 9:02d}", 1 + i % 7, "1.00"]
        yield ["GHOST", "2025-04", 1, "1.00"]  # (finding) the very last row names an unknown line

    path = write_xlsx(tmp_path / "big.xlsx", {**{k: v for k, v in tables.items() if k != "Actuals"},
                                              "Actuals": actuals()})
    url = f"sqlite:///{tmp_path}/l.db"
    open_ledger(url)
    script = ("import json, resource, sys\n"
              "from pathlib import Path\n"
              "from ledger.db import open_ledger\n"
              "from ledger.register.load import import_register, RegisterInvalid\n"
              "try:\n"
              f"    import_register(open_ledger({url!r}), Path({str(path)!r}))\n"
              "    problems = []\n"
              "except RegisterInvalid as exc:\n"
              "    problems = str(exc).splitlines()\n"
              "print(json.dumps({'problems': problems,"
              " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    result = json.loads(run.stdout)
    assert result["problems"] == [
        f"big.xlsx:Actuals:{ROWS + 1}:line_id: names saving line 'GHOST', which is not in SavingLines"]
    assert result["peak_mb"] < 400, f"peak memory {result['peak_mb']} MB for a million-row sheet"
    assert count_rows(open_ledger(url), "RT1")["Actuals"] == 0


def test_large_valid_sheet_imports_completely(tmp_path) -> None:
    tables = good()
    tables["Actuals"] = [tables["Actuals"][0]] + [["L1", "2025-05", str(1 + i % 5), "1.00"] for i in range(50_000)]
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    result = import_register(engine, write_xlsx(tmp_path / "r.xlsx", tables))
    assert result.rows["Actuals"] == 50_000
    assert count_rows(engine, "RT1")["Actuals"] == 50_000
    assert json.dumps(result.rows)
