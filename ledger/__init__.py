"""savings-ledger: a finance-grade ledger for NHS (England) procurement savings.

The library records claimed savings against contracts and answers, to the penny, what counts
as CIP and why the rest does not. `ledger` never imports `reports`.
"""
from __future__ import annotations

__version__ = "0.1.0"
