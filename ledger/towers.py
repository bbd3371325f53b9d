"""NHS Supply Chain tower reconciliation per trust, year and tower (DOMAIN.md 6.2, E8).

Contribution C is an input with its source; when only the income is given it is estimated as
the trust type's rate x income and labelled as an estimate. C is allocated to towers (policy
`tower_contribution_allocation`: spend share, equal, or by claimed savings) so the parts add up
to C exactly. Local savings foregone L comes from the trust's evidenced prior-year rate, a fixed
rate, or a share of the benchmark opportunity on the tower's items; with nothing to base it on
it is None ("L not configured"), never silently zero, and so are the target and the gap.
Recognised savings are the tower-attributed lines that pass the same rules as CIP (R-DUP-4),
so nothing is in both totals; claimed minus recognised is itemised in `ledger.tower_claims`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ledger import calendar
from ledger import tower_claims as tc
from ledger.allocate import allocate
from ledger.benchmark import opportunity_by_tower
from ledger.engine import attribution
from ledger.engine.figures import Figures
from ledger.engine.findings import Finding
from ledger.errors import LedgerError
from ledger.frames import Frames
from ledger.money import from_pence, money_text
from ledger.reference.towers import code_order

ALLOCATIONS = ("spend_share", "equal", "claimed")
RATE_SOURCES = ("prior_year", "fixed", "ppib_share")


@dataclass(frozen=True)
class TowerRow:
    """One tower's reconciliation in pence; `local_foregone` is None when L is not configured."""

    tower_code: str
    spend: int
    contribution: int
    local_foregone: int | None
    recognised: int
    claimed: int

    @property
    def target(self) -> int | None:
        """Target_k = C_k + L_k (None without L)."""
        return None if self.local_foregone is None else self.contribution + self.local_foregone

    @property
    def gap(self) -> int | None:
        """Gap_k = S_recog - Target_k."""
        return None if self.target is None else self.recognised - self.target

    @property
    def net(self) -> int:
        """Net_k = S_recog - C_k."""
        return self.recognised - self.contribution


@dataclass(frozen=True)
class TowerRecon:
    """The trust's reconciliation for one year: rows per tower, how C and L were found, and why
    NHSSC's claim differs from what the ledger recognises (`items`, adding up to claimed - recognised)."""

    fy: str
    contribution: int | None
    contribution_basis: str
    estimated: bool
    allocation: str
    local_rate: Decimal | None
    local_rate_basis: str
    rows: tuple[TowerRow, ...]
    items: tuple[tc.Item, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def has_data(self) -> bool:
        """Anything to reconcile: a contribution, tower spend, or a saving recognised or claimed."""
        return self.contribution is not None or any(r.spend or r.recognised or r.claimed for r in self.rows)

    @property
    def local_configured(self) -> bool:
        return all(r.local_foregone is not None for r in self.rows) and bool(self.rows)

    def total(self, field: str) -> int | None:
        """Σ of a row field; None for L (and target, gap) when L is not configured."""
        if field in {"local_foregone", "target", "gap"} and not self.local_configured:
            return None
        return sum(getattr(r, field) or 0 for r in self.rows)

    def block(self) -> dict:
        """The `towers` block of `savings summary --json` (DESIGN.md), money as text."""
        recognised, claimed, c = self.total("recognised"), self.total("claimed"), self.contribution
        local = self.total("local_foregone")
        target = None if c is None or local is None else c + local
        return {
            "contribution": money_text(c),
            "local_foregone": money_text(local),
            "target": money_text(target),
            "recognised": money_text(recognised),
            "claimed": money_text(claimed),
            "gap": money_text(None if target is None else recognised - target),
            "net": money_text(None if c is None else recognised - c),
            "coverage": ratio(recognised, c),
            "recognition_rate": ratio(recognised, claimed),
        }


def ratio(numerator: int | None, denominator: int | None) -> str | None:
    """A ratio as text with four decimals (`0.8500`), None when undefined."""
    if numerator is None or not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _pence(value: object) -> int | None:
    """A nullable integer column's value as int (pandas may hold it as a float or NaN)."""
    return None if value is None or pd.isna(value) else int(value)


def contribution(frames: Frames, fy: str, rates: dict[str, Decimal]) -> tuple[int | None, str, bool]:
    """C for `fy` (6.1): the register's amount, else rate(trust type) x income, labelled an estimate."""
    rows = frames.contribution[frames.contribution["fy"] == fy]
    if rows.empty:
        return None, f"no contribution recorded for {fy} (TowerContribution sheet)", False
    row = rows.iloc[0]
    source = f" ({row['source_ref']})" if row["source_ref"] else ""
    amount = _pence(row["amount_pence"])
    if amount is not None:
        basis = row["basis"] or "notified"
        return amount, f"{basis}{source}", basis == "estimated"
    income = _pence(row.get("income_pence"))
    trust_type = frames.trust["trust_type"]
    if income is None or trust_type not in rates:
        return (
            None,
            f"no contribution for {fy}: no amount, and no income or rate for {trust_type} trusts",
            False,
        )
    rate = rates[trust_type]
    amount = int((Decimal(income) * rate).quantize(Decimal(1), ROUND_HALF_UP))
    return (
        amount,
        (
            f"estimated: {(rate * 100).normalize():f}% ({trust_type} rate) x income £{from_pence(income):,}"
            f"{source}"
        ),
        True,
    )


def local_rate(frames: Frames, fig: Figures, fy: str) -> tuple[Decimal | None, str]:
    """r_local (6.2) under `local_savings_rate_source` (`prior_year` or `fixed`), and where it came from.

    prior_year: Σ FYE of the local lines that went live in the prior year and count in full
    (grade A) ÷ that year's local addressable spend (Activity non-pay minus TowerSpend).
    """
    policy = fig.policy
    if policy.local_savings_rate_source == "fixed":
        if policy.local_savings_rate is None:
            return None, "L not configured: policy says fixed but gives no local_savings_rate"
        return policy.local_savings_rate, f"fixed rate {policy.local_savings_rate} (policy)"
    if calendar.parse_fy(fy) == calendar.FIRST_YEAR:
        return None, f"L not configured: the ledger holds no year before {fy}"
    prior = calendar.fy_label(calendar.parse_fy(fy) - 1)
    act = frames.activity[frames.activity["fy"] == prior]
    spend = int(frames.tower_spend.loc[frames.tower_spend["fy"] == prior, "spend_pence"].sum())
    lines = fig.lines
    go_fy = pd.to_datetime(lines["go_live"]).dt.year - (pd.to_datetime(lines["go_live"]).dt.month < 4)
    local = lines[(go_fy == calendar.parse_fy(prior)) & ~lines["tower"] & lines["cash_releasing"]]
    if act.empty:
        return None, f"L not configured: no Activity (non-pay spend) for {prior}"
    if local.empty:
        return (
            None,
            f"L not configured: the ledger holds no local cash-releasing lines that went live in {prior}",
        )
    addressable = int(act["non_pay_pence"].iloc[0]) - spend
    if addressable <= 0:
        return None, f"L not configured: no local addressable spend in {prior} (non-pay less tower spend)"
    fye = int(local.loc[local["grade"] == "A", "fye"].sum())
    rate = (Decimal(fye) / Decimal(addressable)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    return rate, (
        f"evidenced {prior} rate: £{from_pence(fye):,} validated local FYE / "
        f"£{from_pence(addressable):,} local addressable non-pay spend"
    )


def _local_foregone(
    frames: Frames, fig: Figures, fy: str, codes: list[str], spends: list[int]
) -> tuple[list[int | None], Decimal | None, str]:
    """L_k for each tower: Spend_k x r_local, or (ppib_share) share x benchmark opportunity on its items."""
    policy = fig.policy
    source = policy.local_savings_rate_source
    if source not in RATE_SOURCES:
        raise LedgerError(
            f"policy local_savings_rate_source: {source!r} is not one of {', '.join(RATE_SOURCES)}"
        )
    if source == "ppib_share":
        share = policy.local_savings_rate
        if share is None:
            return (
                [None] * len(codes),
                None,
                "L not configured: ppib_share needs local_savings_rate (the share)",
            )
        opp = opportunity_by_tower(frames.benchmarks, policy, fy)
        if not opp:
            return (
                [None] * len(codes),
                None,
                f"L not configured: no benchmark opportunity with a tower code in {fy}",
            )
        parts = [int((Decimal(opp.get(k, 0)) * share).quantize(Decimal(1), ROUND_HALF_UP)) for k in codes]
        return (
            parts,
            share,
            f"{share} x benchmark opportunity on each tower's items ({policy.ppib_benchmark})",
        )
    rate, basis = local_rate(frames, fig, fy)
    if rate is None:
        return [None] * len(codes), None, basis
    return [int((Decimal(s) * rate).quantize(Decimal(1), ROUND_HALF_UP)) for s in spends], rate, basis


def _allocate(total: int, allocation: str, spends: list[int], claims: list[int]) -> list[int]:
    """C_k: C split by `tower_contribution_allocation`, parts adding up to C exactly."""
    if allocation not in ALLOCATIONS:
        raise LedgerError(
            f"policy tower_contribution_allocation: {allocation!r} is not one of {', '.join(ALLOCATIONS)}"
        )
    weights = {"spend_share": spends, "equal": [1] * len(spends), "claimed": [max(c, 0) for c in claims]}
    return allocate(total, weights[allocation])


def reconcile(frames: Frames, fig: Figures, fy: str) -> TowerRecon:
    """E8: C, its allocation, L, recognised and claimed per tower for `fy`, and the itemised difference."""
    policy = fig.policy
    c_total, c_basis, estimated = contribution(frames, fy, dict(policy.contribution_rates))
    spend = frames.tower_spend[frames.tower_spend["fy"] == fy].groupby("tower_code")["spend_pence"].sum()
    statements = frames.tower_statements[frames.tower_statements["fy"] == fy]
    claimed = {k: int(v) for k, v in statements.groupby("tower_code")["claimed_pence"].sum().items()}
    views = tc.line_views(fig, fy)
    recognised = views.groupby("tower_code")["recognised"].sum()
    codes = sorted(set(spend.index) | set(claimed) | set(views["tower_code"]), key=code_order)
    spends = [int(spend.get(k, 0)) for k in codes]
    claims = [claimed.get(k, 0) for k in codes]
    shares = _allocate(c_total or 0, policy.tower_contribution_allocation, spends, claims)
    notes = []
    if c_total and codes and sum(shares) != c_total:
        notes.append(
            f"C is not allocated to towers: no {policy.tower_contribution_allocation} weights in {fy}"
        )
    local, rate, rate_basis = _local_foregone(frames, fig, fy, codes, spends)
    rows = tuple(
        TowerRow(k, s, c, lf, int(recognised.get(k, 0)), cl)
        for k, s, c, lf, cl in zip(codes, spends, shares, local, claims, strict=True)
    )
    items = tc.itemise(views, claimed, codes)
    return TowerRecon(
        fy,
        c_total,
        c_basis,
        estimated,
        policy.tower_contribution_allocation,
        rate,
        rate_basis,
        rows,
        items,
        tuple(notes),
    )


def check_attribution(fig: Figures) -> list[Finding]:
    """R-DUP-4: a line whose tower/local attribution contradicts the default rule (warning)."""
    if fig.policy.tower_attribution != "catalogue_price_change_to_tower":
        return []
    why = attribution.suspect(fig.lines)
    return [
        Finding("R-DUP-4", "warning", line_id, message)
        for line_id, message in zip(fig.lines["line_id"], why, strict=True)
        if message
    ]


TOWER_RULES = (check_attribution,)
