"""Contract-term months are counted a chunk of lines at a time; the figures must not depend on the chunk."""
from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.engine_speed import synthetic
from ledger.engine import figures
from ledger.policy import DEFAULT


def test_claimed_is_the_same_in_one_pass_and_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = synthetic(1_200, 12_000, seed=3)
    whole = figures.compute(frames, DEFAULT)
    monkeypatch.setattr(figures, "TERM_CHUNK", 250)  # five chunks, the last one short
    chunked = figures.compute(frames, DEFAULT)
    pd.testing.assert_frame_equal(chunked.years, whole.years)
    assert whole.years["claimed"].sum() > whole.years["plan"].sum() > 0  # terms run past the 12-month window
