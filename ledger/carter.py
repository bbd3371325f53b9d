"""Carter metrics: non-pay cost per WAU against the -10% target, and procurement compliance (7.1, E9).

WAUs are the Activity sheet's `wau`, or Σ expected cost ÷ the WAU constant (Model Hospital
method [S21]). Every ratio is kept exact (fractions) and rounded once where it is shown: cost per
WAU to the penny, the allowed spend and the gap to the penny, changes to six decimals. The
ledger link compares the activity-adjusted fall in non-pay with the validated non-pay CIP FYE
and shows the rest as inflation and mix. Compliance comes from the SpendExtract sheet (one row
per addressable transaction) and is summed in SQL, because an extract can be large.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from ledger import calendar, models
from ledger.engine.figures import Figures
from ledger.errors import LedgerError

WAU_CONSTANTS = {
    "2014/15": 351745,
    "2015/16": 351258,
    "2016/17": 351455,
    "2017/18": 351601,
    "2018/19": 351360,
}
LATEST_CONSTANT = "2018/19"
CARTER_CUT = Fraction(1, 10)  # non-pay costs down at least 10% [S23]
TARGETS = {"catalogue": Decimal("0.80"), "purchase_order": Decimal("0.90"), "contract": Decimal("0.90")}
NON_PAY_SUBJECTIVES = ("non_pay", "")


def pence(value: Fraction) -> int:
    """An exact amount in pence rounded once, half away from zero."""
    sign = -1 if value < 0 else 1
    return sign * int((abs(value) + Fraction(1, 2)) // 1)


def six(value: Fraction) -> Decimal:
    """An exact ratio as a Decimal with six places, half-up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.000001"), ROUND_HALF_UP
    )


@dataclass(frozen=True)
class WauYear:
    """One year of non-pay per WAU against the base year; amounts in pence, WAU exact."""

    fy: str
    non_pay: int
    wau: Fraction
    wau_basis: str
    per_wau: int
    change: Decimal
    target_per_wau: int
    allowed: int
    gap: int
    expected: int
    validated_fye: int

    @property
    def residual(self) -> int:
        """The fall in activity-adjusted non-pay that validated CIP does not explain (inflation, mix)."""
        return (self.expected - self.non_pay) - self.validated_fye


@dataclass(frozen=True)
class Compliance:
    """Carter procurement process metrics for one year of addressable spend [S24, S25]."""

    fy: str
    transactions: int
    on_catalogue: int
    with_po: int
    value: int
    under_contract: int

    def shares(self) -> dict[str, Decimal | None]:
        def share(part: int, whole: int) -> Decimal | None:
            return six(Fraction(part, whole)) if whole else None

        return {
            "catalogue": share(self.on_catalogue, self.transactions),
            "purchase_order": share(self.with_po, self.transactions),
            "contract": share(self.under_contract, self.value) if self.value > 0 else None,
        }


def wau_of(row: pd.Series) -> tuple[Fraction, str] | None:
    """WAUs for an Activity row and how they were found (None when neither input is given)."""
    if pd.notna(row["wau_milli"]):
        return Fraction(int(row["wau_milli"]), 1000), "WAU as given"
    if pd.isna(row["expected_cost_sum_pence"]):
        return None
    given = row.get("wau_constant_pence")
    if given is not None and pd.notna(given):
        constant, source = int(given), "constant from the Activity sheet"
    elif row["fy"] in WAU_CONSTANTS:
        constant, source = WAU_CONSTANTS[row["fy"]], f"{row['fy']} constant"
    else:
        constant, source = WAU_CONSTANTS[LATEST_CONSTANT], f"{LATEST_CONSTANT} constant, the latest published"
    return (
        Fraction(int(row["expected_cost_sum_pence"]), constant),
        f"Σ expected cost £{Decimal(int(row['expected_cost_sum_pence'])) / 100:,.2f} ÷ "
        f"£{Decimal(constant) / 100:,.2f} ({source})",
    )


def validated_non_pay_fye(fig: Figures, after: str, upto: str) -> int:
    """Σ FYE of counted-in-full non-pay lines (local or tower) that went live after `after`, up to `upto`."""
    lines = fig.lines
    go = pd.to_datetime(lines["go_live"]).dt.date
    keep = (
        (lines["grade"] == "A")
        & lines["subjective"].fillna("").isin(NON_PAY_SUBJECTIVES)
        & (go > calendar.fy_bounds(after)[1])
        & (go <= calendar.fy_bounds(upto)[1])
    )
    return int(lines.loc[keep, "fye"].sum())


def non_pay_per_wau(
    activity: pd.DataFrame, fig: Figures | None, base: str | None = None
) -> tuple[WauYear, ...]:
    """E9: each Activity year's non-pay per WAU against the base year's less 10%.

    The base is `base`, else the earliest year with WAUs. Raise LedgerError when no year has them.
    """
    years = {}
    for _, row in activity.sort_values("fy").iterrows():
        found = wau_of(row)
        if found is not None and found[0] > 0:
            years[row["fy"]] = (int(row["non_pay_pence"]), *found)
    if not years:
        raise LedgerError("no Activity year gives wau or expected_cost_sum, so there is no cost per WAU")
    base = base or min(years)
    if base not in years:
        raise LedgerError(
            f"base year {base} has no WAUs in the Activity sheet (years with WAUs: {', '.join(years)})"
        )
    base_rate = Fraction(years[base][0]) / years[base][1]
    target = base_rate * (1 - CARTER_CUT)
    out = []
    for fy, (non_pay, wau, basis) in years.items():
        rate = Fraction(non_pay) / wau
        fye = validated_non_pay_fye(fig, base, fy) if fig is not None and fy > base else 0
        out.append(
            WauYear(
                fy,
                non_pay,
                wau,
                basis,
                pence(rate),
                six(rate / base_rate - 1),
                pence(target),
                pence(target * wau),
                non_pay - pence(target * wau),
                pence(base_rate * wau),
                fye,
            )
        )
    return tuple(out)


def compliance(engine: Engine, trust: str, fy: str) -> Compliance | None:
    """Carter compliance for `fy` from the SpendExtract rows of `trust` (None when it has none)."""
    t = models.SpendExtract.__table__
    first, last = calendar.fy_bounds(fy)
    where = and_(t.c.trust == trust, t.c.date >= first, t.c.date <= last, t.c.addressable.is_(True))
    stmt = select(
        func.count(),
        func.sum(case((t.c.on_catalogue.is_(True), 1), else_=0)),
        func.sum(case((t.c.po_number != "", 1), else_=0)),
        func.sum(t.c.amount_pence),
        func.sum(case((t.c.contract_ref != "", t.c.amount_pence), else_=0)),
    ).where(where)
    with engine.connect() as conn:
        n, catalogue, po, value, contract = conn.execute(stmt).one()
    if not n:
        return None
    return Compliance(fy, int(n), int(catalogue), int(po), int(value), int(contract))


def spend_years(engine: Engine, trust: str) -> list[str]:
    """The financial years that the trust's SpendExtract covers."""
    t = models.SpendExtract.__table__
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(t.c.date), func.max(t.c.date)).where(t.c.trust == trust)
        ).one()
    if first is None:
        return []
    first, last = (d if isinstance(d, date) else date.fromisoformat(str(d)) for d in (first, last))
    return [
        calendar.fy_label(y) for y in range(calendar.fy_start_year(first), calendar.fy_start_year(last) + 1)
    ]
