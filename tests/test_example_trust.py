"""The example acute trust: `check` finds every planted problem and nothing else, on both backends."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.register.load import count_rows, import_register
from reports.pack import build_trust_pack, load_pack, period_of
from reports.render import trust_html

EXAMPLE = Path(__file__).parent.parent / "examples" / "acute-trust"
ROW = re.compile(r"^\| (\S+) \| (.+?) \|(?: (R-[A-Z0-9a-]+) \|)?$")


def planted() -> tuple[set[tuple[str, str]], dict[str, str]]:
    """(line, rule) pairs of the planted problems, and the expected leakage per line, from PLANTED.md."""
    problems, leakage = set(), {}
    section = "planted"
    for text in (EXAMPLE / "PLANTED.md").read_text().splitlines():
        if text.startswith("## Leakage"):
            section = "leakage"
        m = ROW.match(text)
        if not m or m.group(1) == "line":
            continue
        if section == "planted":
            problems.add((m.group(1), m.group(3)))
        else:
            leakage[m.group(1)] = m.group(2)
    return problems, leakage


@pytest.fixture(scope="module")
def rx1(tmp_path_factory):
    engine = open_ledger(f"sqlite:///{tmp_path_factory.mktemp('rx1')}/l.db")
    import_register(engine, EXAMPLE)
    return engine, load_trust(engine, "RX1")


def test_check_finds_the_planted_problems_and_nothing_else(rx1) -> None:
    _, ty = rx1
    problems, leakage = planted()
    found = {(f.line_id, f.rule_id) for f in ty.findings if f.severity in {"error", "warning"}}
    expected = problems | {(line_id, "R-LEA-1") for line_id in leakage}
    assert found == expected


def test_leakage_per_line_matches_the_register_notes(rx1) -> None:
    _, ty = rx1
    _, leakage = planted()
    y = ty.figures.years
    got = {r.line_id: f"{r.leakage / 100:.2f}" for r in y[(y["fy"] == "2025/26") & (y["leakage"] > 0)].itertuples()}
    assert got == leakage


@pytest.mark.pg
def test_same_rows_and_totals_on_postgresql(rx1, pg_ledger_url) -> None:
    sqlite_engine, ty = rx1
    pg = open_ledger(pg_ledger_url)
    import_register(pg, EXAMPLE)
    assert count_rows(pg, "RX1") == count_rows(sqlite_engine, "RX1")
    assert summary(load_trust(pg, "RX1"), "2025/26") == summary(ty, "2025/26")


def test_the_carter_note_says_which_way_inflation_and_mix_moved_non_pay(rx1) -> None:
    engine, _ = rx1
    pack = build_trust_pack(load_trust(engine, "RX1", date(2026, 3, 31)), period_of("2026-03"), with_charts=False)
    year = pack.carter.wau_years[-1]
    assert (year.expected - year.non_pay, year.validated_fye, year.residual) == (
        1_092_727_27, 5_671_080_46, -4_578_353_19)  # a fall of £1.09m, £5.67m of it CIP: costs rose £4.58m
    html = " ".join(trust_html(pack).split())
    assert "non-pay fell £1,092,727.27 against that." in html
    assert "Validated non-pay CIP (FYE) since the base year is £5,671,080.46, so inflation and mix added " \
           "£4,578,353.19." in html
    bases = [f"{y.fy}, {y.wau_basis}" for y in pack.carter.wau_years]
    assert len(set(y.wau_basis for y in pack.carter.wau_years)) > 1 and "WAUs: " + "; ".join(bases) + "." in html


def test_the_assurance_leakage_says_how_much_of_it_the_bridge_counts(rx1) -> None:
    engine, _ = rx1
    pack = build_trust_pack(load_trust(engine, "RX1", date(2026, 3, 31)), period_of("2026-03"), with_charts=False)
    bridged = sum(step.amount for step in pack.bridge[1] if step.rule_id == "R-LEA-1")
    assert (pack.assurance.leakage, bridged) == (39_545_62, 30_367_09)  # the rest: tower or not-cash lines
    html = " ".join(trust_html(pack).split())
    assert "£39,545.62" in html and "; £30,367.09 of it on the lines the CIP plan counts" in html


def test_the_tower_page_says_which_towers_are_not_in_force_in_the_year(rx1) -> None:
    """6.1: towers are versioned. The example trust's statements name the 2018 towers, ended in April
    2023; `savings towers` said so and the board pack's tower page did not."""
    engine, _ = rx1
    pack = load_pack(engine, "RX1", period_of("2026-03"), with_charts=False)
    note = ("T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11 (2018 towers, ended 2023-04-30) are not in force in "
            "2025/26 in the tower reference (shipped); successors: T9 -> FAC, T10 -> FOOD, T11 -> FAC")
    assert pack.tower_notes == (note,)
    assert f"Tower reference: {note.replace('->', '-&gt;')}." in " ".join(trust_html(pack).split())
