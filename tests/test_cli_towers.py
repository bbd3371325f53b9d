"""The `towers`, `carter`, `benchmarks`, `tower-ref` commands and `summary --region/--all`: JSON keys
and money as text, tables for people, and bad input as a message with exit code 1 (never a traceback)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app
from tests.ledgers import write_register
from tests.test_towers import reasons_register

WORKED = Path(__file__).parent.parent / "examples" / "worked"
FY = "2025/26"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    for name in ("E8", "E9", "E10"):
        assert runner.invoke(app, ["import", str(WORKED / name), "--db", url]).exit_code == 0
    return url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_towers_json_has_the_design_block_and_the_itemised_difference(db: str) -> None:
    code, out = run("towers", "--trust", "RE8", "--fy", FY, "--json", "--db", db)
    data = json.loads(out)
    assert code == 0
    assert data["total"] == {
        "contribution": "2000000.00",
        "local_foregone": "200000.00",
        "target": "2200000.00",
        "recognised": "1700000.00",
        "claimed": "2400000.00",
        "gap": "-500000.00",
        "net": "-300000.00",
        "coverage": "0.8500",
        "recognition_rate": "0.7083",
    }
    assert [t["tower_code"] for t in data["towers"]] == ["T1", "T2", "T4", "T6"]
    assert data["towers"][0]["name"] == "Ward-based consumables"
    diff = data["difference"]
    assert diff["claimed_less_recognised"] == "700000.00"
    assert sum(Decimal(v) for v in diff["by_reason"].values()) == Decimal("700000.00")
    assert data["contribution"]["estimated"] is True
    assert any(n.startswith("T1, T2, T4, T6 (2018 towers, ended 2023-04-30)") for n in data["notes"])


def test_towers_table_says_when_l_is_not_configured(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    assert run("import", str(write_register(tmp_path / "reg", reasons_register())), "--db", url)[0] == 0
    code, out = run("towers", "--trust", "RT1", "--fy", FY, "--db", url, "--items")
    assert code == 0
    assert "Local savings foregone L: L not configured" in out
    assert "(ESTIMATE)" in out and "no trust baseline" in out and "(no line)" in out


def test_carter_and_benchmarks_json(db: str) -> None:
    code, out = run("carter", "--trust", "RE9", "--json", "--db", db)
    year = json.loads(out)["non_pay_per_wau"][1]
    assert code == 0 and (year["per_wau"], year["gap"], year["change"]) == ("1873.02", "4600000.00", "-0.063492")
    code, out = run("carter", "--trust", "RE9", "--db", db)
    assert code == 0 and "residual" in out.splitlines()[0]  # (ok) the column the note under the table explains
    assert ("residual: the fall in non-pay against the base year's cost per WAU that validated CIP does not "
            "explain; inflation and mix took off that much more where it is positive, and added it where it is "
            "negative (E9)") in " ".join(out.split())
    code, out = run("benchmarks", "--trust", "RE10", "--fy", FY, "--json", "--db", db)
    data = json.loads(out)
    assert code == 0 and data["opportunity"] == "7500.00" and data["top"][0]["product_code"] == "A"
    code, out = run("benchmarks", "--trust", "RE10", "--fy", FY, "--db", db)
    row = next(line.split() for line in out.splitlines() if line.startswith("A "))
    assert code == 0 and row[-4:] == ["£12.00", "£10.50", "5,000", "£7,500.00"]  # E10, as the register writes it


def test_summary_all_and_region(db: str) -> None:
    code, out = run("summary", "--all", "--fy", FY, "--as-at", "2026-03-31", "--json", "--db", db)
    data = json.loads(out)
    assert code == 0 and [t["trust"] for t in data["trusts"]] == ["RE10", "RE8", "RE9"]
    assert data["total"]["towers"]["recognised"] == "1700000.00"
    code, out = run("summary", "--region", "south", "--fy", FY, "--as-at", "2026-03-31", "--db", db)
    assert code == 0 and "TOTAL (3)" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("summary", "--fy", FY), 2, "give one of --trust CODE, --region NAME or --all"),
        (("summary", "--fy", FY, "--region", "Mars"), 1, "no trust in region 'Mars'"),
        (("towers", "--trust", "NOPE", "--fy", FY), 1, "trust 'NOPE' is not in the ledger"),
        (("carter", "--trust", "RE9", "--base", "2020/21"), 1, "base year 2020/21 has no WAUs"),
        (("carter", "--trust", "RE9", "--base", "2025/27"), 2, "--base: not a financial year like 2025/26"),
        (("benchmarks", "--trust", "RE9", "--fy", FY, "--top", "-5"), 2, "--top -5: list 1 or more items"),
    ],
)
def test_bad_input_is_a_message(db: str, args: tuple[str, ...], code: int, message: str) -> None:
    got, out = run(*args, "--db", db)
    assert got == code and message in out and "Traceback" not in out


def test_policy_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    """Refused at import, at the Policy row (it used to import, and every towers and summary then failed)."""
    t = reasons_register()
    t["Policy"] = [["key", "value"], ["tower_contribution_allocation", "by_headcount"]]
    url = f"sqlite:///{tmp_path}/l.db"
    code, out = run("import", str(write_register(tmp_path / "reg", t)), "--db", url)
    assert code == 1 and "Traceback" not in out
    assert "reg/Policy.csv:2:value: policy tower_contribution_allocation: 'by_headcount' is not one of" in out


def test_tower_reference_export_edit_import_reset(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    path = tmp_path / "towers.csv"
    assert run("tower-ref", "--export", str(path), "--db", url)[0] == 0
    path.write_text(path.read_text() + "NEW,A new category,2026-04-01,,2026 categories,,local\n")
    assert run("tower-ref", "--import", str(path), "--db", url)[0] == 0
    code, out = run("tower-ref", "--json", "--db", url)
    data = json.loads(out)
    assert data["source"] == "imported" and data["towers"][-1]["code"] == "NEW"
    assert [t["code"] for t in data["towers"][:11]] == [f"T{n}" for n in range(1, 12)]  # T2 before T10
    path.write_text(path.read_text() + "T1,Again,2020-01-01,,,,\n")
    code, out = run("tower-ref", "--import", str(path), "--db", url)
    assert code == 1 and "T1 overlaps its version on row 2" in out
    assert json.loads(run("tower-ref", "--reset", "--json", "--db", url)[1])["source"] == "shipped"


def test_tower_reference_text_a_spreadsheet_would_run_is_refused(tmp_path: Path) -> None:
    """Names and notes go back out through --export into a CSV that a spreadsheet opens."""
    url = f"sqlite:///{tmp_path}/l.db"
    path = tmp_path / "towers.csv"
    path.write_text("code,name,valid_from,valid_to,model,successor,note\n"
                    "SC,Surgical consumables,2023-05-01,,2023 categories,,\n"  # (ok)
                    'NEW,"=HYPERLINK(""http://x.example"",""Click"")",2026-04-01,,,,\n'  # (finding) name
                    "RC,+Rehabilitation,2023-05-01,,2023 categories,,@note\n"  # (finding) name and note
                    "MT,Medical technologies,2023-05-01,,-2023,,\n")  # (finding) model
    code, out = run("tower-ref", "--import", str(path), "--db", url)
    assert code == 1
    assert out.splitlines() == [
        "towers.csv:3:name: '=HYPERLINK(\"http://x.example\",\"Click\")' starts with =, which a spreadsheet would "
        "run as a formula; start the text otherwise",
        "towers.csv:4:name: '+Rehabilitation' starts with +, which a spreadsheet would run as a formula; start the "
        "text otherwise",
        "towers.csv:4:note: '@note' starts with @, which a spreadsheet would run as a formula; start the text "
        "otherwise",
        "towers.csv:5:model: '-2023' starts with -, which a spreadsheet would run as a formula; start the text "
        "otherwise",
    ]
    assert json.loads(run("tower-ref", "--json", "--db", url)[1])["source"] == "shipped"  # nothing was stored
    path.write_text("code,name,valid_from,valid_to,model,successor,note\n")
    assert run("tower-ref", "--import", str(path), "--db", url) == (
        1, "towers.csv: holds no towers; use --reset to go back to the shipped table\n")
