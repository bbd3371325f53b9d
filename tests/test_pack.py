"""The board pack: every headline figure in the PDF equals the JSON summary to the penny.

The PDF's text is extracted with pypdf and compared with `savings summary --json` for the same
trust and as-at date; the pack must also be reproducible byte for byte, say plainly when a
section has no data, and stay a bounded number of pages for a trust with thousands of lines.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from ledger import audit, calendar
from ledger.db import open_ledger
from ledger.engine.summary import load_trust
from ledger.errors import LedgerError
from ledger.register.load import import_register
from reports.cli import app
from reports.filters import counted, format_gbp
from reports.pack import APPENDIX_CAP, build_trust_pack, charts_for, load_pack, period_of
from reports.render import render_trust, trust_html
from tests import ledgers
from tests.helpers_pack import big_register

WORKED = Path(__file__).resolve().parents[1] / "examples" / "worked"
SAVINGS = Path(sys.executable).with_name("savings")

# label in the pack's headline table -> path in the JSON summary
HEADLINES = {
    "CIP plan (annual)": ("cip", "plan"), "CIP counted": ("cip", "delivered"),
    "Recurrent": ("cip", "recurrent_delivered"), "Non-recurrent": ("cip", "non_recurrent_delivered"),
    "At risk": ("cip", "at_risk"), "Forecast outturn": ("cip", "forecast"),
    "Risk-adjusted forecast": ("cip", "risk_adjusted_forecast"), "FYE of schemes counted": ("cip", "fye_delivered"),
    "Carry-forward": ("cip", "carry_forward"), "Implementation costs": ("implementation_costs",),
    "Leakage": ("leakage",), "Cost avoidance (year's plan)": ("non_cip", "cost_avoidance"),
    "Capital (year's plan)": ("non_cip", "capital"),
    "Tower savings recognised": ("towers", "recognised"), "Tower contribution": ("towers", "contribution"),
    "Tower net benefit": ("towers", "net"),
}


def _json_summary(db: str, trust: str, as_at: str) -> dict:
    result = CliRunner().invoke(app, ["summary", "--trust", trust, "--fy", "2025/26", "--as-at", as_at, "--json",
                                      "--db", db])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _value(summary: dict, path: tuple[str, ...]) -> str | None:
    node = summary
    for key in path:
        node = node[key]
    return node


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def _ledger(tmp_path: Path, *registers: Path) -> str:
    db = f"sqlite:///{tmp_path}/ledger.db"
    engine = open_ledger(db)
    for register in registers:
        import_register(engine, register)
    return db


@pytest.fixture(scope="module")
def e1_e8(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Path]]:
    """E1 (local CIP with leakage) and E8 (towers) in one ledger, each trust's March pack rendered."""
    tmp = tmp_path_factory.mktemp("packs")
    db = _ledger(tmp, WORKED / "E1", WORKED / "E8")
    engine = open_ledger(db)
    pdfs = {}
    for trust in ("RE1", "RE8"):
        pdfs[trust] = tmp / f"{trust}.pdf"
        render_trust(load_pack(engine, trust, period_of("2026-03"), preparer="Pat Preparer"), pdfs[trust])
    return db, pdfs


@pytest.mark.parametrize("trust", ["RE1", "RE8"])
def test_headline_figures_equal_the_json_summary_to_the_penny(e1_e8, trust):
    db, pdfs = e1_e8
    text = _text(pdfs[trust])
    summary = _json_summary(db, trust, "2026-03-31")
    for label, path in HEADLINES.items():
        shown = re.findall(rf"^{re.escape(label)} (\S+)$", text, flags=re.MULTILINE)
        assert shown, f"{label} is not in the pack"
        assert set(shown) == {format_gbp(_value(summary, path))}, label
    exceptions = summary["exceptions"]
    assert f"Exceptions {counted(exceptions['errors'], 'error')}, {counted(exceptions['warnings'], 'warning')}" in text
    for tile, path in (("CIP COUNTED, YEAR TO DATE", ("cip", "delivered")), ("FORECAST OUTTURN", ("cip", "forecast")),
                       ("RECURRENT CIP COUNTED", ("cip", "recurrent_delivered")),
                       ("AT RISK (NOT YET COUNTED)", ("cip", "at_risk")),
                       ("COST AVOIDANCE (NOT CIP)", ("non_cip", "cost_avoidance"))):
        assert f"{tile}\n{format_gbp(_value(summary, path))}\n" in text, tile


def test_e2_figures_and_in_month_in_words(e1_e8):
    """E2: £5,850.00 counted against £6,000.00 planned; March alone £1,140.00 against £1,200.00."""
    text = _text(e1_e8[1]["RE1"]).replace("\n", " ")
    assert "£5,850.00 of CIP has been counted against a year-to-date plan of £6,000.00 (97.5% of plan)" in text
    assert "In March 2026, £1,140.00 was counted against £1,200.00 planned." in text
    assert "leakage (paid above contract price) (£210.00, R-LEA-1)" in text


def test_e8_tower_reconciliation_totals(e1_e8):
    """E8: contribution £2.0m, target £2.2m, recognised £1.7m, gap −£0.5m, coverage 85%."""
    text = _text(e1_e8[1]["RE8"])
    assert ("Total £10,000,000.00 £2,000,000.00 £200,000.00 £2,200,000.00 £1,700,000.00 £2,400,000.00 "
            "\u2212£500,000.00 85.0%") in text
    assert "T4 £4,000,000.00 £800,000.00 £80,000.00 £880,000.00 £900,000.00 £1,100,000.00 +£20,000.00 112.5%" in text


def test_every_page_names_policy_lock_cut_off_fingerprint_and_people(e1_e8):
    reader = PdfReader(e1_e8[1]["RE8"])
    for page in reader.pages:
        text = page.extract_text()
        assert "Policy set: nhs-default@1 (local_savings_rate=0.02, local_savings_rate_source=fixed)" in text
        assert "Period lock: period not locked" in text
        assert "Data cut-off: 31 March 2026" in text
        assert re.search(r"Data fingerprint: sha256:[0-9a-f]{64}", text)
        assert "Prepared by: Pat Preparer · Approved by: not recorded" in text


def test_pdf_is_tagged_with_title_language_and_chart_alt_text(e1_e8):
    reader = PdfReader(e1_e8[1]["RE8"])
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "Example E8 NHS Trust (RE8): procurement savings board pack, March 2026"
    alts = []

    def walk(node: object) -> None:
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert len(alts) == 2  # the bridge and the towers (no CIP at all, so no cumulative CIP chart)
    assert any("T4: contribution £800,000.00, recognised £900,000.00, claimed £1,100,000.00" in a for a in alts)


def test_in_month_is_year_to_date_less_the_previous_month_end(tmp_path):
    """E2 in January: Nov £1,260 + Dec £1,080 + Jan (2,000 x 0.60 - 300 x 0.10 = £1,170) counted."""
    engine = open_ledger(_ledger(tmp_path, WORKED / "E1"))
    pack = load_pack(engine, "RE1", period_of("2026-01"), with_charts=False)
    assert pack.summary["cip"]["delivered"] == "3510.00"
    assert pack.month_counted == 117000
    assert pack.month_plan == 120000
    assert pack.variance.plan == 360000


def test_a_pack_made_twice_is_byte_identical(e1_e8, tmp_path):
    """Made again in a new process, with --as-at the period's last day, the bytes are the same."""
    db, pdfs = e1_e8
    again = tmp_path / "again.pdf"
    done = subprocess.run([str(SAVINGS), "pack", "--trust", "RE1", "--period", "2026-03", "--as-at", "2026-03-31",
                           "-o", str(again), "--db", db, "--preparer", "Pat Preparer"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == pdfs["RE1"].read_bytes()


def test_fonts_subset_without_harfbuzz_keep_the_bytes_stable(e1_e8, tmp_path, monkeypatch):
    """fontTools stamps subset fonts with the clock; the pack pins it to the data cut-off."""
    import fontTools.misc.timeTools as clock
    from weasyprint.pdf import fonts

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    engine = open_ledger(e1_e8[0])
    pack = load_pack(engine, "RE1", period_of("2026-03"), with_charts=False)
    made = []
    for now in (1_800_000_000.0, 1_900_000_000.0):
        monkeypatch.setattr(clock.time, "time", lambda now=now: now)
        render_trust(pack, tmp_path / f"{now}.pdf")
        made.append((tmp_path / f"{now}.pdf").read_bytes())
    assert made[0] == made[1]


def test_empty_states_say_what_is_missing(tmp_path):
    """A trust with no tower data, no actuals, no activity, no benchmarks and no spend extract."""
    tables = ledgers.base("RT1")
    tables["SavingLines"].append(ledgers.line("L1", "4.00", "3.40", "24000", "2025-11-01"))
    engine = open_ledger(_ledger(tmp_path, ledgers.write_register(tmp_path / "reg", tables)))
    pdf = tmp_path / "empty.pdf"
    render_trust(load_pack(engine, "RT1", period_of("2026-03")), pdf)
    text = " ".join(_text(pdf).split())
    assert "No tower data for 2025/26" in text
    assert "No non-pay per WAU" in text
    assert "No spend extract for 2025/26" in text
    assert "No comparable benchmark prices for 2025/26" in text
    assert "CIP counted £0.00" in text
    assert "Forecast outturn £6,000.00" in text  # no invoices yet: the forecast is the plan
    assert "volume and timing against plan R-ACT-1 £6,000.00" in text  # nothing delivered to date


def test_a_contribution_with_no_tower_rows_draws_no_tower_chart(tmp_path):
    """The table gives the contribution; a chart of no towers would be an empty frame."""
    tables = ledgers.base("RT1")
    tables["SavingLines"].append(ledgers.line("L1", "4.00", "3.40", "24000", "2025-11-01"))
    tables["TowerContribution"] = [["fy", "amount", "basis", "source_ref", "income"],
                                   ["2025/26", "100000.00", "notified", "NHSE letter", ""]]
    engine = open_ledger(_ledger(tmp_path, ledgers.write_register(tmp_path / "reg", tables)))
    pack = build_trust_pack(load_trust(engine, "RT1", date(2026, 3, 31)), period_of("2026-03"))
    assert pack.towers.has_data and not pack.towers.rows
    assert [c.key for c in charts_for(pack) if c.key == "towers"] == []


def test_thousands_of_lines_stay_a_bounded_pack(tmp_path):
    """2,000 lines and ~1,000 exceptions: the appendix lists the largest 150, the rest go to the workbook."""
    engine = open_ledger(_ledger(tmp_path, ledgers.write_register(tmp_path / "reg", big_register(2000))))
    pack = build_trust_pack(load_trust(engine, "RB1", date(2026, 3, 31)), period_of("2026-03"))
    assert pack.exceptions_total > APPENDIX_CAP
    stakes = [stake for finding, stake in pack.exceptions if finding.severity == "warning"]
    assert stakes == sorted(stakes, reverse=True)
    pdf = tmp_path / "big.pdf"
    timing = render_trust(pack, pdf)
    assert timing.pages <= 16
    text = _text(pdf).replace("\n", " ")
    assert f"The first {APPENDIX_CAP} of {pack.exceptions_total:,} are listed" in text
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    first = next(i for i, page in enumerate(pages) if "Appendix A. Exceptions" in page)
    last = next(i for i, page in enumerate(pages) if "Appendix B. About these figures" in page)
    assert last - first >= 2  # the appendix table runs over pages...
    for page in pages[first:last]:
        assert "Severity Rule Line At stake Finding" in page  # ...and repeats its header on each


def test_as_at_must_fall_inside_the_period():
    assert period_of("2026-03").as_at == date(2026, 3, 31)
    assert period_of("2026-03", date(2026, 3, 15)).as_at == date(2026, 3, 15)
    with pytest.raises(LedgerError, match="outside period 2026-03"):
        period_of("2026-03", date(2026, 4, 10))
    with pytest.raises(LedgerError, match="not a month"):
        period_of("March")


def test_cli_refuses_bad_input_with_a_message(e1_e8, tmp_path):
    runner = CliRunner()
    today = audit.utc_today()
    next_month = calendar.month_label(calendar.month_index(today) + 1)
    tomorrow = (today + timedelta(days=1)).isoformat()
    db = e1_e8[0]
    cases = [
        (["--trust", "RE1", "--region", "South"], 2, "give one of --trust CODE or --region NAME"),
        (["--trust", "RE1", "-o", str(tmp_path / "pack.xlsx")], 2, "the board pack is a PDF"),
        (["--trust", "NOPE"], 1, "trust 'NOPE' is not in the ledger"),
        (["--region", "Nowhere"], 1, "no trust in region 'Nowhere'"),
        (["--trust", "RE1", "--as-at", "2026-04-01"], 2, "--as-at 2026-04-01 is outside period 2026-03"),
        (["--trust", "RE1", "--period", next_month], 1, f"period {next_month} has not begun"),
        (["--trust", "RE1", "--as-at", tomorrow], 1, f"as-at date {tomorrow} is in the future"),
    ]
    for extra, code, message in cases:
        args = ["pack", "--period", "2026-03", "--db", db, *extra]
        if "-o" not in extra:
            args += ["-o", str(tmp_path / "pack.pdf")]
        result = runner.invoke(app, args)
        assert result.exit_code == code, (extra, result.output)
        assert message in result.output
        assert "Traceback" not in result.output


def test_regional_pack_rolls_trusts_up_with_a_page_each(e1_e8, tmp_path):
    db = e1_e8[0]
    pdf = tmp_path / "south.pdf"
    result = CliRunner().invoke(app, ["pack", "--region", "south", "--period", "2026-03", "-o", str(pdf), "--db", db])
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert "2 trusts" in pages[0]
    e1, e8 = (_json_summary(db, t, "2026-03-31") for t in ("RE1", "RE8"))
    total = format_gbp(sum(Decimal(s["cip"]["forecast"]) for s in (e1, e8)))
    assert re.search(rf"South region .*{re.escape(total)}", pages[0].replace("\n", " "))
    assert any("Example One NHS Trust (RE1)" in p and "CIP counted £5,850.00" in p for p in pages[1:])
    assert any("Example E8 NHS Trust (RE8)" in p and "local_savings_rate=0.02" in p for p in pages[1:])


def test_e1_pack_html_snapshot(e1_e8, snapshot):
    """The rendered HTML (charts left out, fingerprint masked) as reviewed; update with --snapshot-update."""
    pack = load_pack(open_ledger(e1_e8[0]), "RE1", period_of("2026-03"), with_charts=False)
    html = re.sub(r"sha256:[0-9a-f]{64}", "sha256:<fingerprint>", trust_html(pack))
    snapshot("pack_RE1_2026-03.html", html)


def test_evidence_known_only_by_its_hash_is_not_said_to_be_in_the_store(tmp_path):
    """A re-imported register may name by its sha256 alone a file its earlier import stored, which the
    store may since have lost (`savings audit verify` looks for it there and reports it missing): the
    pack says a file is identified by its hash, not that the store holds it."""
    t = ledgers.base()
    t["SavingLines"].append(ledgers.line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "inv-1.pdf", "", "2025-05-01"]]
    register = ledgers.write_register(tmp_path / "register", t)
    (register / "inv-1.pdf").write_bytes(b"%PDF-1.4 invoice INV-1")
    db = _ledger(tmp_path, register)
    sha = audit.file_sha256(register / "inv-1.pdf")
    (register / "inv-1.pdf").unlink()
    audit.stored_path(audit.evidence_root(open_ledger(db)), sha).unlink()
    t["Evidence"][1][4] = sha
    import_register(open_ledger(db), ledgers.write_register(register, t))
    html = trust_html(load_pack(open_ledger(db), "RT1", period_of("2026-03"), with_charts=False))
    assert "in the evidence store" not in html
    assert "for 1 of them a file is identified by its sha256 hash" in html


def test_leakage_with_nothing_delivered_yet_says_so(tmp_path):
    """No invoices yet: there is no saving at contract price to take a share of, and the pack says so in words."""
    t = ledgers.base()
    t["SavingLines"].append(ledgers.line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    db = _ledger(tmp_path, ledgers.write_register(tmp_path / "register", t))
    html = trust_html(load_pack(open_ledger(db), "RT1", period_of("2026-03"), with_charts=False))
    assert "n/a of the saving" not in html
    assert "nothing delivered or lost yet to take a share of" in html


@pytest.mark.parametrize(("period", "said"), [("2025-11", "an overspend unless delivery catches up"),
                                              ("2026-03", "overspent budget in the year just ended")])
def test_budget_ahead_of_delivery_is_worded_for_the_month_and_counts_one_line_as_one(tmp_path, period, said):
    """L1 has £1,200 removed for £1,000 of cash: one line ahead. Mid-year it may still catch up; in
    March, the year's last month, the budget has been overspent."""
    t = ledgers.base()
    t["SavingLines"].append(ledgers.line("L1", "2.00", "1.00", "1000", "2025-04-01"))
    t["BudgetAdjustments"].append(ledgers.budget("B1", "L1", "1200.00", "2025-04-01"))
    db = _ledger(tmp_path, ledgers.write_register(tmp_path / "register", t))
    html = trust_html(load_pack(open_ledger(db), "RT1", period_of(period), with_charts=False))
    assert f"beyond the cash 1 running line is forecast to release (net of costs; none for a line that is not " \
           f"cash-releasing): {said}" in html
