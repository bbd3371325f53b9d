"""The data fingerprint printed on every board pack page: stable for the same data, changed by any value."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ledger.db import open_ledger
from ledger.fingerprint import _cell, _column_text, fingerprint
from ledger.frames import load_frames
from ledger.models import ADDED_LINE_COLUMNS
from ledger.register.load import import_register

E1 = Path(__file__).resolve().parents[1] / "examples" / "worked" / "E1"


def _frames(tmp_path, as_at=None):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, E1)
    return load_frames(engine, "RE1", as_at)


def test_same_data_same_fingerprint_whatever_the_row_order(tmp_path):
    frames = _frames(tmp_path)
    shuffled = replace(frames, actuals=frames.actuals.iloc[::-1].assign(id=np.arange(len(frames.actuals))))
    assert fingerprint(frames).startswith("sha256:")
    assert fingerprint(shuffled) == fingerprint(frames)


def test_a_changed_value_or_an_earlier_cut_changes_it(tmp_path):
    frames = _frames(tmp_path)
    actuals = frames.actuals.copy()
    actuals.loc[actuals.index[0], "volume_milli"] += 1000  # one more box in November
    assert fingerprint(replace(frames, actuals=actuals)) != fingerprint(frames)
    earlier = load_frames(open_ledger(f"sqlite:///{tmp_path}/l.db"), "RE1", date(2026, 2, 28))
    assert fingerprint(earlier) != fingerprint(frames)


def test_text_with_a_tab_or_newline_cannot_pass_for_two_cells():
    """A note holding a tab would otherwise read as two cells; escaped, it stays one."""
    assert _column_text(["a\tb", "c"]) == ["a\\tb", "c"]
    assert _column_text(["line\none", "back\\slash"]) == ["line\\none", "back\\\\slash"]


cells = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                  st.text(alphabet="ab\t\n\\ ", max_size=4), st.dates(), st.decimals(allow_nan=False, places=2))


@given(st.lists(cells, max_size=8) | st.lists(st.text(alphabet="ab\t\n\\", max_size=4), max_size=8)
       | st.lists(st.integers(), max_size=8))
def test_a_column_at_once_writes_each_value_as_one_cell_would(values):
    """The column-at-a-time text (all text, all ints, or mixed) is `_cell` of each value, exactly."""
    assert _column_text(values) == [_cell(v) for v in values]


def test_columns_added_later_leave_the_fingerprint_of_data_without_them_as_it_was(tmp_path):
    """Closed periods and import events hold fingerprints taken before migration 0005 added the
    counterfactual columns: data that has none of them fingerprints as if the columns did not exist."""
    frames = _frames(tmp_path)
    before = replace(frames, lines=frames.lines.drop(columns=list(ADDED_LINE_COLUMNS)))
    assert fingerprint(frames) == fingerprint(before)
    indexed = frames.lines.copy()
    indexed.loc[indexed.index[0], "counterfactual_index"] = "CPI"
    assert fingerprint(replace(frames, lines=indexed)) != fingerprint(frames)
