"""Findings: what the counting rules say about each line, as values, never raised.

A rule is a pure function `(figures) -> list[Finding]` named `check_<what>`; `RULES` lists them
and `run_rules` runs every one, turning a crash inside a rule into a finding that names it.
Severity `error` fails `savings check`; `warning` is an exception to look at; `info` only
explains why an amount is not CIP (it appears in a line's `findings` but not in the counts).
"""
from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ledger import calendar
from ledger.engine import eligibility as elig
from ledger.engine.figures import Figures
from ledger.engine.phasing import UNITS_PER_PENNY
from ledger.engine.status import STOPPED
from ledger.money import div_round, exact_product, from_micro, from_pence, to_pence


@dataclass(frozen=True)
class Finding:
    """One thing a rule found. `line_id` is empty for trust-level findings; `amount` (pence) is
    the sum the message names, in the year `fy` it names, where it names one."""

    rule_id: str
    severity: str  # error, warning, info
    line_id: str
    message: str
    amount: int | None = None
    fy: str = ""

    def format(self) -> str:
        """The one printed form, used by the CLI, the workbook and the pack."""
        where = f"line {self.line_id}" if self.line_id else "trust"
        return f"{self.severity}: {self.rule_id}: {where}: {self.message}"


class _Row:
    """One row of a frame whose columns are turned into lists only when a message reads them.

    Nationally a rule meets 100,000 lines; converting every column of every row (dates included)
    cost more than the rules themselves.
    """

    __slots__ = ("_columns", "_i")

    def __init__(self, columns: dict[str, list], i: int) -> None:
        self._columns, self._i = columns, i

    def __getattr__(self, name: str) -> object:
        return self._columns[name][self._i]


class _Columns(dict):
    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__()
        self.frame = frame

    def __missing__(self, name: str) -> list:
        if name not in self.frame.columns:
            raise AttributeError(name)
        values = self[name] = self.frame[name].tolist()
        return values


def _each(frame: pd.DataFrame, mask: pd.Series | np.ndarray, rule: str, severity: str,
          message: Callable[[_Row], str]) -> list[Finding]:
    columns = _Columns(frame[np.asarray(mask)])
    return [Finding(rule, severity, line_id, message(_Row(columns, i))) for i, line_id in enumerate(columns["line_id"])]


def check_segregation(fig: Figures) -> list[Finding]:
    """R-GOV-3: the creator cannot sign off their own line; budget holder and finance differ."""
    f = fig.lines
    return (_each(f, f["self_signed"], "R-GOV-3", "error",
                  lambda r: f"signed off by its own creator ({r.created_by}); the sign-off does not count")
            + _each(f, f["same_person"], "R-GOV-3", "error",
                    lambda r: "one person signed off for two roles; budget holder and finance must be two people"))


def check_signed_off(fig: Figures) -> list[Finding]:
    """R-ELG-1: a cash-releasing line counts only once budget holder and finance have approved it."""
    f = fig.lines
    # A stopped line (withdrawn, rejected, reversed) can no longer be signed off: R-GOV-1 / R-REV-1 say why.
    mask = f["cash_releasing"] & ~f["validated"] & ~f["self_signed"] & ~f["same_person"] & ~f["status"].isin(STOPPED)
    roles = " and ".join(fig.policy.signoff_roles_required)
    return _each(f, mask & ~f["rejected"], "R-ELG-1", "warning",
                 lambda r: f"not validated: needs approval by {roles}; nothing counts as CIP until then") + \
        _each(f, mask & f["rejected"], "R-GOV-1", "warning",
              lambda r: "a required sign-off was rejected; the line does not count")


def check_qia(fig: Figures) -> list[Finding]:
    """R-GOV-2: clinical product, spec and demand changes need an approved QIA before they count."""
    f = fig.lines
    return _each(f, f["cash_releasing"] & ~f["qia_ok"], "R-GOV-2", "warning",
                 lambda r: f"{r.benefit_type} needs a quality impact assessment (no qia_ref on scheme {r.scheme_id})")


def check_budget_removal(fig: Figures) -> list[Finding]:
    """R-ELG-1a: counted CIP needs the same amount removed from budget, in the same year."""
    f = fig.lines
    out = _each(f, f["eligible"] & ~f["has_budget"] & ~f["tower"], "R-ELG-1a", "warning",
                lambda r: "no budget adjustment removes this saving from a budget; it is at risk, not CIP")
    y = fig.years
    covered = y["line_id"].isin(f.loc[f["has_budget"] & f["eligible"] & ~f["tower"], "line_id"])
    short = y[covered & (y["at_risk"] > 0)]
    out += [Finding("R-ELG-1a", "warning", r.line_id,
                    f"budget removed in {r.fy} ({_gbp(r.removed)}) is £{from_pence(r.at_risk):,} short "
                    f"of the £{from_pence(r.net):,} delivered; the shortfall is at risk", int(r.at_risk), r.fy)
            for r in short.itertuples()]
    return out


def check_duplicates(fig: Figures) -> list[Finding]:
    """R-DUP-1: one active line per product, cost centre and month."""
    f = fig.lines
    return _each(f, f["duplicate_of"].notna(), "R-DUP-1", "error",
                 lambda r: f"product {r.product_code} at cost centre {r.cost_centre} is already claimed by line "
                           f"{r.duplicate_of} for overlapping months; counted once, on {r.duplicate_of}")


def check_stacked(fig: Figures) -> list[Finding]:
    """R-DUP-3: a line stacked on an earlier one is measured from the price (or volume) after it.

    A baseline above the earlier line's new price (or a baseline volume above its new volume)
    claims part of that line's saving again: the overlap of the two changes, `(min(P0, P0
    before) - max(P1, P1 before)) x Q` a year, or the same of volumes times P0. Which baseline is
    right is finance's call (the price may have risen again since, R-TIM-4), so the rule warns,
    naming the earlier line and the amount claimed twice, and the register is counted as it stands.
    """
    f = fig.lines
    by_id = f.set_index("line_id")
    out = []
    for effect, stated_col, new_col, other_col, shown in (
            ("price", "baseline_micro", "new_micro", "annual_volume_milli", _price),
            ("volume", "baseline_volume_milli", "annual_volume_milli", "baseline_micro", _volume)):
        later = f[f[f"{effect}_after"].notna()]
        earlier = by_id.loc[later[f"{effect}_after"]]
        stated = later[stated_col].to_numpy(np.int64)
        after = earlier[new_col].to_numpy(np.int64)
        # the overlap of the two changes: no more than the line claims, nor than the earlier line changed
        claimed_from = np.minimum(stated, earlier[stated_col].to_numpy(np.int64))
        claimed_to = np.maximum(after, later[new_col].to_numpy(np.int64))
        twice = div_round(exact_product(claimed_from - claimed_to, later[other_col].to_numpy(np.int64)),
                          UNITS_PER_PENNY)
        for i in np.flatnonzero(twice > 0):
            row, first = later.iloc[i], earlier.iloc[i]
            out.append(Finding(
                "R-DUP-3", "warning", row.line_id,
                f"measured from a {effect} of {shown(stated[i])}, but line {first.name} (live {first.go_live}) "
                f"already took product {row.product_code} at cost centre {row.cost_centre} to {shown(after[i])}; "
                f"stacked schemes are measured one after the other, so this line starts from {shown(after[i])}: "
                f"£{from_pence(twice[i]):,}{'' if row.one_off else ' a year'} of line {first.name}'s saving is "
                "claimed again", int(twice[i])))
    return out


def _gbp(pence: int) -> str:
    """Pence as a message writes pounds: £1,234.56, or -£4,824.68 (a budget increase), never £-4,824.68."""
    return f"-£{from_pence(-pence):,}" if pence < 0 else f"£{from_pence(pence):,}"


def _price(micro: int) -> str:
    """A unit price as the register writes it: two decimals, or as many as it has (£0.0125)."""
    price = from_micro(micro)
    pence = price.quantize(Decimal("0.01"))
    return f"£{pence:,}" if price == pence else f"£{price.normalize():,f}"


def _volume(milli: int) -> str:
    """A volume from thousandths of a unit, with no trailing zeros (1,440 or 12.5)."""
    return f"{(Decimal(int(milli)) / 1000).normalize():,f}"


def check_baseline(fig: Figures) -> list[Finding]:
    """R-BAS-1: the baseline price is the volume-weighted average price paid in the 12 months before
    go-live. Where the register's Actuals cover any of those months and the line's baseline is above
    what they show was paid, the saving claimed on the difference has no spend behind it: the rule
    warns with that amount a year, and the register is counted as it stands (a one-off promotional
    price or a credit note in those months is finance's call, R-BAS-1's exclusions). A baseline that
    is a counterfactual by design (cost avoidance: the rise resisted, the quotes beaten; a price set
    from an index, R-INF-3) is not a price that was paid, and is not compared.
    """
    f = fig.lines
    paid_for = f["benefit_type"].isin(elig.CASH_TYPES).to_numpy() & (f["counterfactual_index"] == "").to_numpy()
    prior = np.where(paid_for, f["prior_price_micro"].to_numpy(np.int64), -1)
    stated = f["baseline_micro"].to_numpy(np.int64)
    above = div_round(exact_product(np.maximum(stated - prior, 0), f["annual_volume_milli"].to_numpy(np.int64)),
                      UNITS_PER_PENNY)
    at = np.flatnonzero((prior >= 0) & (above > 0))
    rows = zip(f["line_id"].to_numpy()[at].tolist(), stated[at].tolist(), prior[at].tolist(), above[at].tolist(),
               f["prior_months"].to_numpy()[at].tolist(), f["one_off"].to_numpy()[at].tolist(), strict=True)
    return [Finding("R-BAS-1", "warning", line_id,
                    f"baseline price {_price(p0)} is above the {_price(paid)} a unit paid on average (weighted by "
                    f"volume) in the 12 months before go-live, from Actuals in {months} of them: "
                    f"£{from_pence(amount):,}{'' if one_off else ' a year'} of the saving has no spend behind it; "
                    "set the baseline from what was paid, or keep the reason with the line's evidence", amount)
            for line_id, p0, paid, amount, months, one_off in rows]


def check_leakage(fig: Figures) -> list[Finding]:
    """R-LEA-1: buying above the contracted price leaks part of the saving."""
    y = fig.years[fig.years["leakage"] > 0]
    return [Finding("R-LEA-1", "warning", r.line_id,
                    f"£{from_pence(r.leakage):,} leakage in {r.fy}: invoices above the contract price",
                    int(r.leakage), r.fy)
            for r in y.itertuples()]


def check_not_cash(fig: Figures) -> list[Finding]:
    """R-ELG-2, R-ELG-3, R-ELG-5, R-INF-1, D1, R-BAS-3: amounts that are reported but are never CIP."""
    f = fig.lines
    kind = f["benefit_type"]
    non_cash = ~f["cash_releasing"]
    return (
        _each(f, kind == "CAPITAL", "R-ELG-5", "info", lambda r: "capital: never revenue CIP")
        + _each(f, kind == "INCOME", "D2", "info", lambda r: "income: reported as income CIP, not a procurement saving")
        + _each(f, kind == "NON_EFFICIENCY", "D1", "info", lambda r: "non-efficiency (a cut): kept out of efficiency")
        + _each(f, non_cash & kind.isin(elig.CASH_PATH_TYPES) & ~f["has_budget"], "R-ELG-3", "info",
                lambda r: "non-financial benefit: no budget removed for it, so no cash path")
        + _each(f, non_cash & kind.isin(elig.AVOIDANCE_TYPES), "R-INF-1", "info",
                lambda r: "cost avoidance: not cash-releasing")
        + _each(f, non_cash & kind.isin(elig.CASH_TYPES) & (f["baseline_micro"] == 0), "R-BAS-3", "warning",
                lambda r: "no prior spend (baseline price 0): a new requirement is cost avoidance, not a saving")
    )


def check_costs_more(fig: Figures) -> list[Finding]:
    """R-BAS-1: a cash-releasing line whose new price (or volume, E3) costs more than its baseline saves
    nothing: its negative plan would only lower the plan totals, without a word."""
    f = fig.lines

    def costs(r: _Row) -> str:
        more = f"£{from_pence(to_pence(Decimal(-int(r.annual_units)) / 10**9)):,}"  # nano-pounds, rounded once
        if pd.isna(r.baseline_volume_milli) and r.new_micro > r.baseline_micro:
            return (f"new price {_price(r.new_micro)} is above the baseline price {_price(r.baseline_micro)}: it costs "
                    f"{more} a year more, not less (are baseline_price and new_price the wrong way round?)")
        return f"it costs {more} a year more than its baseline, not less"

    return _each(f, f["cash_releasing"] & (f["annual_units"] < 0), "R-BAS-1", "warning", costs)


def check_counterfactual_index(fig: Figures) -> list[Finding]:
    """R-INF-3: a baseline set from a counterfactual index counts only with the index's approval."""
    f = fig.lines
    return _each(f, f["index_unapproved"], "R-INF-3", "warning",
                 lambda r: f"its baseline price was set from {r.counterfactual_index}, and no policy approval of "
                           "that index is recorded (counterfactual_approval)"
                           + (": not cash-releasing until there is one" if r.index_holds_back_cash else ""))


def check_recurrence(fig: Figures) -> list[Finding]:
    """R-TIM-1: a saving that cannot run 12 months is non-recurrent (FYE 0)."""
    f = fig.lines
    return _each(f, f["cash_releasing"] & ~f["recurrent"] & ~f["one_off"], "R-TIM-1", "info",
                 lambda r: "non-recurrent: it cannot persist 12 months or its budget reduction is one-off")


def check_tower(fig: Figures) -> list[Finding]:
    """R-DUP-4: a tower-attributed saving is counted in the tower reconciliation, never in local CIP."""
    f = fig.lines
    return _each(f, f["tower"], "R-DUP-4", "info", lambda r: "attributed to the NHS Supply Chain tower")


def check_status(fig: Figures) -> list[Finding]:
    """R-GOV-1, R-REV-1: a reversed, withdrawn or rejected line stops counting from its month, and
    budget already removed for the months after is a cost pressure; a register cannot declare a
    line validated."""
    f = fig.lines

    def stopped(r: pd.Series) -> str:
        since = f" from {calendar.month_label(r.stop_month)}" if r.stop_month > 0 else ""
        why = f" ({r.status_reason})" if r.status_reason else ""
        return f"{r.status}{why}: it no longer counts{since}"

    out = _each(f, f["declared_ignored"], "R-GOV-1", "warning",
                lambda r: "its scheme's stage says validated or later, but only sign-offs validate a line: "
                          "taken as IN_DELIVERY")
    out += _each(f, f["status"] == "REVERSED", "R-REV-1", "warning", stopped)
    out += _each(f, f["status"].isin(["WITHDRAWN", "REJECTED"]), "R-GOV-1", "info", stopped)
    y = fig.years[fig.years["cost_pressure"] > 0]
    out += [Finding("R-REV-1", "warning", r.line_id, f"£{from_pence(r.cost_pressure):,} of budget already removed "
                                                     f"in {r.fy} is a cost pressure: the saving no longer holds",
                    int(r.cost_pressure), r.fy)
            for r in y.itertuples()]
    return out


RULES: tuple[Callable[[Figures], list[Finding]], ...] = (
    check_segregation, check_signed_off, check_qia, check_budget_removal, check_duplicates, check_stacked,
    check_baseline, check_leakage,
    check_not_cash, check_costs_more, check_counterfactual_index, check_recurrence, check_tower, check_status,
)


def run_rules(fig: Figures, extra: tuple[Callable[[Figures], list[Finding]], ...] = ()) -> list[Finding]:
    """Every rule's findings; a rule that crashes becomes an error finding naming it."""
    findings: list[Finding] = []
    for rule in (*RULES, *extra):
        try:
            findings.extend(rule(fig))
        except Exception:  # a bug in one rule must not hide the others
            findings.append(Finding("internal", "error", "", f"{rule.__name__} failed: "
                                    f"{traceback.format_exc(limit=2).splitlines()[-1]}"))
    return findings
