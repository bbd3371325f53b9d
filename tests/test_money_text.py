"""`money_text` writes pence with integer arithmetic; it must agree with the Decimal form exactly."""
from __future__ import annotations

import numpy as np
import pytest

from ledger.money import from_pence, money_text


@pytest.mark.parametrize("pence", [0, 1, -1, 5, -5, 99, -99, 100, -100, 600_000, -123_456, 10**15, -(10**15),
                                   np.int64(-7), np.int64(840_000)])
def test_money_text_matches_decimal_pounds(pence) -> None:
    assert money_text(pence) == f"{from_pence(pence):.2f}"


def test_money_text_examples() -> None:
    assert [money_text(p) for p in (600_000, -5, 0, None)] == ["6000.00", "-0.05", "0.00", None]
