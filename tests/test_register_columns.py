"""The import's fast path types clean rows as the per-row path does, and hands back any row with a problem."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.register.columns import ABSENT, _overspends, parse_chunk, table_columns
from ledger.register.load import Problems, check_row
from ledger.register.parse import parse_volume, parser_for, spend_problem
from ledger.register.read import FormulaCell
from ledger.register.spec import SHEET_BY_NAME

LINES = SHEET_BY_NAME["savinglines"]
HEADER = ["line_id", "scheme_id", "cost_centre", "benefit_type", "baseline_price", "new_price", "annual_volume",
          "go_live", "end_date", "tower_enabled", "colour"]


def chunk(*rows: list[object], ids: dict | None = None, seen: dict | None = None):
    columns = {h: next((c for c in LINES.columns if c.name == h), None) for h in HEADER}
    parsers = {h: parser_for(c) for h, c in columns.items() if c is not None}
    known = {"Schemes": {"S1"}, "Contracts": set(), "SavingLines": set()} if ids is None else ids
    return parse_chunk(LINES, HEADER, columns, parsers, list(enumerate(rows, start=2)), known,
                       {} if seen is None else seen)


def row(**changes: object) -> list[object]:
    cells = {"line_id": "L1", "scheme_id": "S1", "cost_centre": "CC", "benefit_type": "price_reduction",
             "baseline_price": "£1,234.50", "new_price": " 0.123456 ", "annual_volume": "12", "go_live": "2025-04-01",
             "end_date": "", "tower_enabled": "yes", "colour": " red "}
    return [changes.get(h, cells[h]) for h in HEADER]


def test_clean_rows_are_typed_as_the_per_row_parsers_type_them() -> None:
    got = chunk(row(), row(line_id="L2", end_date=date(2026, 3, 31), tower_enabled=""), [None] * len(HEADER),
                row(line_id="L3")[:5])  # (ok) a short row: the missing cells are empty, and required
    assert got is None  # (finding) L3's new_price is missing
    got = chunk(row(), [None, " "] + [None] * (len(HEADER) - 2), row(line_id="L2", end_date=date(2026, 3, 31)))
    assert got.row_nos == [2, 4]  # (ok) the blank row 3 is skipped
    assert got.typed["benefit_type"] == ["PRICE_REDUCTION"] * 2
    assert got.typed["baseline_price"] == [1_234_500_000] * 2
    assert got.typed["new_price"] == [123_456] * 2
    assert got.typed["annual_volume"] == [12_000] * 2
    assert got.typed["end_date"] == [ABSENT, date(2026, 3, 31)]
    assert got.extra["colour"] == ["red", "red"]


@pytest.mark.parametrize("bad", [
    {"new_price": "1.1234567"},  # (finding) too many decimal places
    {"cost_centre": "  "},  # (finding) required value is empty
    {"scheme_id": "S9"},  # (finding) names a scheme not in Schemes
    {"benefit_type": "DEFERRAL"},  # (finding) R-ELG-6
    {"go_live": "2025-13-01"},  # (finding) not a real date
    {"end_date": "2025-01-01"},  # (finding) ends before go_live
    {"notes": None, "baseline_price": FormulaCell("=A1")},  # (finding) a formula
    {"colour": "re\x00d"},  # (finding) a NUL character, in a column the format does not know
    {"cost_centre": "CC\x00"},  # (finding) a NUL character in a text column
    {"line_id": "L\n2"},  # (finding) a line break in an id
    {"line_id": "L2\u202e"},  # (finding) a direction mark in an id
    {"line_id": ".."},  # (finding) an id no web address can name
    {"line_id": "L" * 101},  # (finding) longer than an id may be
])
def test_any_problem_hands_the_chunk_back(bad: dict) -> None:
    assert chunk(row(), row(**{"line_id": "L2", **bad})) is None


def test_ids_are_kept_as_written_but_for_the_spaces_around_them() -> None:
    got = chunk(row(line_id=" CIP/25/001 "), row(line_id="a/../b?#%"), row(line_id="..."))
    assert got.typed["line_id"] == ["CIP/25/001", "a/../b?#%", "..."]  # (ok)


_CELL = st.one_of(st.sampled_from([".", "..", "", " ", "12", "1.50"]), st.text(st.sampled_from([
    *"0123456789.,£-() /?#%aZ", "\n", "\t", "\r", "\x85", "\u2028", "\u200b", "\u00a0", "\ufeff", "\u202e",
    "\u0661", "\u0663", "\uff11", "\uff12", "\U0001d7cf", "\u00e9", "\u0301"]), max_size=8))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["line_id", "cost_centre", "baseline_price", "new_price", "annual_volume"]), _CELL)
def test_a_cell_is_typed_or_refused_by_the_fast_path_as_by_the_per_row_path(name: str, cell: str) -> None:
    """Whatever one cell holds, the fast path takes the row only if the per-row path does, and types it alike."""
    fast = chunk(row(**{name: cell}))
    cells = dict(zip(HEADER, row(**{name: cell}), strict=True))
    known = {"Schemes": {"S1"}, "Contracts": set(), "SavingLines": set()}
    slow = check_row(LINES, cells, known, Problems(), where="SavingLines.csv", row_no=2)
    assert (fast is None) == (slow is None)
    if fast is not None:
        assert fast.typed[name] == [slow[name]]


def test_a_nul_character_hands_the_chunk_back_among_a_workbooks_numbers_and_empty_cells() -> None:
    assert chunk(row(colour=None), row(line_id="L2", colour=7.0), row(line_id="L3", colour="re\x00d")) is None
    assert chunk(row(colour=None), row(line_id="L2", colour=7.0)) is not None  # (ok)


def test_a_duplicate_key_hands_the_chunk_back_and_clean_keys_are_recorded() -> None:
    assert chunk(row(), row()) is None  # (finding) within the chunk
    ids = {"Schemes": {"S1"}, "Contracts": set(), "SavingLines": set()}
    seen: dict = {}
    assert chunk(row(), ids=ids, seen=seen) is not None
    assert seen == {("L1",): 2} and ids["SavingLines"] == {"L1"}
    assert chunk(row(), ids=ids, seen=seen) is None  # (finding) L1 again, in a later chunk


def test_table_columns_fill_defaults_and_keep_unknown_columns_as_json() -> None:
    got = chunk(row(), row(line_id="L2", colour=""))
    columns = table_columns(got, {"line_id": "", "end_date": None, "extra": "", "trust": "", "source_row": 0},
                            {"line_id": "line_id", "end_date": "end_date"}, {"trust": "RT1"}, "extra")
    assert columns == {"line_id": ["L1", "L2"], "end_date": [None, None], "extra": ['{"colour": "red"}', ""],
                       "trust": ["RT1", "RT1"], "source_row": [2, 3]}


def test_cells_as_a_workbook_gives_them() -> None:
    got = chunk([*row(cost_centre=4100.0, annual_volume=12, go_live=date(2025, 4, 1)), None, ""])
    assert got.typed["cost_centre"] == ["4100"]  # (ok) a number in a text column, as parse_text writes it
    assert got.typed["annual_volume"] == [12_000]
    assert got.typed["go_live"] == [date(2025, 4, 1)]


def test_a_value_beyond_the_header_hands_the_chunk_back() -> None:
    """Blank cells past the header are nothing; a value there has no column, and the per-row path says so."""
    assert chunk([*row(), "beyond the header"]) is None


@pytest.mark.parametrize(("cell", "quoted"), [(-5.0, "(-5)"), ("-5", "('-5')"), (-0.25, "(-0.25)")])
def test_a_problem_quotes_a_number_as_the_workbook_shows_it(cell: object, quoted: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"a volume must be more than zero {quoted}")):
        parse_volume(cell)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(*(st.integers(1, 10**18) for _ in range(3)), st.one_of(st.none(), st.integers(0, 10**15)),
                          st.one_of(st.none(), st.integers(1, 3_000_000))), min_size=1, max_size=4),
       st.integers(1, 10**15), st.integers(1, 10**15))
def test_the_spend_check_on_columns_is_the_per_row_check(lines: list[tuple], paid: int, volume: int) -> None:
    """A row the per-row path refuses for spending past £1bn is never let through by the fast path."""
    names = ("baseline_price", "new_price", "annual_volume", "baseline_volume", "activity_factor")
    typed = {name: [ABSENT if r[i] is None else r[i] for r in lines] for i, name in enumerate(names)}
    rows = [{k: v[i] for k, v in typed.items() if v[i] is not ABSENT} for i in range(len(lines))]
    assert _overspends("SavingLines", typed) == any(spend_problem("SavingLines", r) for r in rows)
    invoice = {"price_paid": paid, "volume": volume}
    assert _overspends("Actuals", {k: [v] for k, v in invoice.items()}) == bool(spend_problem("Actuals", invoice))
