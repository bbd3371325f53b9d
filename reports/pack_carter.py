"""The pack's Carter and benchmarking page: non-pay per WAU, process compliance, PPIB opportunity.

DOMAIN.md section 9 items 8 and 9. The arithmetic lives in `ledger.carter` and
`ledger.benchmark`; this module only picks what the board page shows and says plainly what is
missing when a register has no Activity, SpendExtract or Benchmarks rows (an empty state is a
sentence, never a blank table). Benchmark opportunity is pipeline: it is never added to CIP.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledger.benchmark import Item, opportunity
from ledger.carter import TARGETS, Compliance, WauYear, non_pay_per_wau
from ledger.engine.summary import TrustYear
from ledger.errors import LedgerError
from ledger.towers import ratio

TOP_ITEMS = 10
COMPLIANCE_LABELS = {"catalogue": "Transactions on catalogue", "purchase_order": "Transactions with a PO",
                     "contract": "Spend under contract (by value)"}


@dataclass(frozen=True)
class ComplianceRow:
    """One Carter process metric: the share achieved against its target."""

    label: str
    share: Decimal | None
    target: Decimal

    @property
    def met(self) -> bool | None:
        return None if self.share is None else self.share >= self.target


@dataclass(frozen=True)
class Carter:
    """Non-pay per WAU by year (to the pack's year), compliance, and the benchmarking opportunity."""

    wau_years: tuple[WauYear, ...]
    wau_missing: str
    compliance: tuple[ComplianceRow, ...]
    compliance_transactions: int
    opportunity: int
    validated_fye: int
    comparable_items: int
    top_items: tuple[Item, ...]
    benchmark: str

    @property
    def conversion(self) -> str | None:
        """Validated FYE ÷ opportunity (E10), as ratio text."""
        return ratio(self.validated_fye, self.opportunity)


def carter(ty: TrustYear, fy: str, compliance: Compliance | None) -> Carter:
    """The Carter page for `fy`; `compliance` comes from `ledger.carter.compliance` (it reads SQL)."""
    try:
        years = tuple(y for y in non_pay_per_wau(ty.frames.activity, ty.figures) if y.fy <= fy)
        missing = "" if years else f"no Activity year up to {fy} gives WAUs"
    except LedgerError as exc:
        years, missing = (), str(exc)
    rows: tuple[ComplianceRow, ...] = ()
    if compliance is not None:
        shares = compliance.shares()
        rows = tuple(ComplianceRow(COMPLIANCE_LABELS[k], shares[k], TARGETS[k]) for k in TARGETS)
    opp = opportunity(ty.frames.benchmarks, ty.figures, fy)
    comparable = sum(1 for i in opp.items if i.status != "not_comparable")
    return Carter(years, missing, rows, compliance.transactions if compliance else 0, opp.total,
                  opp.validated_fye, comparable, opp.top(TOP_ITEMS), opp.benchmark.replace("_", " "))
