"""Price benchmarking opportunity, PPIB style (DOMAIN.md 7.2, E10): pipeline, never a saving.

Each Benchmarks row is one product's purchases in one month: the price the trust paid, the
volume, and peer statistics. `Opp_i = max(0, p_trust - p_bench) x q_trust`, rounded to the penny
per row, and the opportunity is their sum: items where the trust is already cheaper are 0, never
netted. `p_bench` follows the `ppib_benchmark` policy (lower quartile by default, or best, median,
best decile) and a row counts only with at least `ppib_min_peers` peers behind it. Conversion is
the validated FYE of lines on the items with an opportunity ÷ the opportunity. Nothing here is
ever added to CIP, cost avoidance or any savings total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger import calendar
from ledger.engine.figures import Figures
from ledger.engine.phasing import UNITS_PER_PENNY
from ledger.errors import LedgerError
from ledger.money import div_round, exact_product
from ledger.policy import Policy

BENCHMARKS = {
    "lower_quartile": "p_lower_quartile_micro",
    "best": "p_best_micro",
    "median": "p_median_micro",
    "best_decile": "p_best_decile_micro",
}


@dataclass(frozen=True)
class Item:
    """One product-month: prices in micro-pounds, volume in thousandths, opportunity in pence."""

    product_code: str
    description: str
    period: str
    tower_code: str
    price_paid: int
    benchmark: int | None
    volume: int
    n_peers: int | None
    opportunity: int
    status: str  # opportunity, at_or_below, not_comparable

    @property
    def variance(self) -> int | None:
        """p_trust - p_bench per unit (micro-pounds), None when not comparable."""
        return None if self.benchmark is None else self.price_paid - self.benchmark


@dataclass(frozen=True)
class Opportunity:
    """A trust's benchmarking opportunity for one year, and how much of it became validated savings."""

    fy: str
    benchmark: str
    min_peers: int
    items: tuple[Item, ...]
    validated_fye: int
    converting_lines: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(i.opportunity for i in self.items)

    def top(self, n: int = 10) -> tuple[Item, ...]:
        """The `n` items with the largest opportunity (the price-variance list of the board pack)."""
        ranked = sorted(
            (i for i in self.items if i.opportunity > 0),
            key=lambda i: (-i.opportunity, i.product_code, i.period),
        )
        return tuple(ranked[:n])


def _column(policy: Policy) -> str:
    if policy.ppib_benchmark not in BENCHMARKS:
        raise LedgerError(
            f"policy ppib_benchmark: {policy.ppib_benchmark!r} is not one of {', '.join(BENCHMARKS)}"
        )
    return BENCHMARKS[policy.ppib_benchmark]


def _nullable(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values with 0 for missing, mask of present) from a nullable integer column."""
    present = series.notna().to_numpy()
    return series.fillna(0).astype(np.int64).to_numpy(), present


def rows_in(benchmarks: pd.DataFrame, policy: Policy, fy: str) -> pd.DataFrame:
    """The year's rows with `bench`, `comparable` and `opportunity` (pence) columns added."""
    column = _column(policy)
    months = benchmarks["period"].astype(int)
    rows = benchmarks[months.map(calendar.fy_of_month) == fy].copy() if len(benchmarks) else benchmarks.copy()
    if rows.empty:
        return rows.assign(
            bench=pd.Series(dtype=np.int64),
            comparable=pd.Series(dtype=bool),
            opportunity=pd.Series(dtype=np.int64),
        )
    bench, has_bench = _nullable(rows[column])
    peers, has_peers = _nullable(rows["n_peers"])
    comparable = has_bench & has_peers & (peers >= policy.ppib_min_peers)
    paid = rows["price_micro"].to_numpy(np.int64)
    volume = rows["volume_milli"].to_numpy(np.int64)
    above = np.where(comparable, np.maximum(paid - bench, 0), 0)
    rows["bench"] = bench
    rows["comparable"] = comparable
    rows["opportunity"] = div_round(exact_product(above, volume), UNITS_PER_PENNY)
    return rows


def opportunity_by_tower(benchmarks: pd.DataFrame, policy: Policy, fy: str) -> dict[str, int]:
    """Σ opportunity per tower code for rows that name a tower (L from `ppib_share`, 6.2)."""
    rows = rows_in(benchmarks, policy, fy)
    rows = rows[rows["tower_code"].fillna("") != ""]
    return {k: int(v) for k, v in rows.groupby("tower_code")["opportunity"].sum().items()}


def _item(row: pd.Series) -> Item:
    comparable = bool(row["comparable"])
    status = (
        "not_comparable" if not comparable else ("opportunity" if row["opportunity"] > 0 else "at_or_below")
    )
    peers = None if pd.isna(row["n_peers"]) else int(row["n_peers"])
    return Item(
        row["product_code"],
        row["description"] or "",
        calendar.month_label(int(row["period"])),
        row["tower_code"] or "",
        int(row["price_micro"]),
        int(row["bench"]) if comparable else None,
        int(row["volume_milli"]),
        peers,
        int(row["opportunity"]),
        status,
    )


def opportunity(benchmarks: pd.DataFrame, fig: Figures, fy: str) -> Opportunity:
    """E10: the opportunity in `fy` under the policy, item by item, and its conversion.

    Conversion counts the FYE of validated, cash-releasing lines (R-ELG-1) on a product with an
    opportunity that went live on or after the first month that showed it.
    """
    policy = fig.policy
    rows = rows_in(benchmarks, policy, fy)
    items = tuple(_item(r) for _, r in rows.sort_values(["product_code", "period"]).iterrows())
    first_seen: dict[str, int] = {}
    for _, r in rows[rows["opportunity"] > 0].iterrows():
        month = int(r["period"])
        first_seen[r["product_code"]] = min(month, first_seen.get(r["product_code"], month))
    lines = fig.lines
    eligible = lines[lines["eligible"] & lines["product_code"].isin(list(first_seen))]
    since = [calendar.month_start(first_seen[p]) for p in eligible["product_code"]]
    converting = (
        eligible[pd.to_datetime(eligible["go_live"]).dt.date.to_numpy() >= np.array(since, dtype=object)]
        if len(eligible)
        else eligible
    )
    return Opportunity(
        fy,
        policy.ppib_benchmark,
        policy.ppib_min_peers,
        items,
        int(converting["fye"].sum()),
        tuple(sorted(converting["line_id"])),
    )
