"""Per-line, per-year figures: plan, delivered, leakage, CIP, at risk, cost avoidance, forecast.

DESIGN.md "Figures, defined" in code. Amounts are int64 pence, each line-month rounded once.
Units inside: prices in micro-pounds x volumes in thousandths = 1e-9 pounds ("units").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger.engine import attribution, phasing
from ledger.engine import eligibility as elig
from ledger.engine import status as st
from ledger.frames import Frames
from ledger.money import SAFE, div_round, exact_product
from ledger.policy import Policy

DEFAULT_WINDOW = "12_months_from_go_live"


@dataclass(frozen=True)
class Figures:
    """`lines`: one row per saving line (facts, FYE, grade). `years`: one row per line and FY.
    `months`: one row per line and month of the CIP claim window (plan, delivered, leakage,
    forecast, has_actuals), the phasing that the years are sums of."""

    lines: pd.DataFrame
    years: pd.DataFrame
    months: pd.DataFrame
    policy: Policy


def _annual_units(lines: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F1/F3: the annual saving in units, the part that is only cost avoidance (E3), and Q_cf cash.

    Without `baseline_volume` the saving is `(P0 - P1) x Q`. With it, the spend change is
    `P0 x Q_cf - P1 x Q1`; when activity grew and the budget was not growth-funded, only
    `Q0` can be removed from budget and `P0 x (Q_cf - Q0)` is cost avoidance.
    """
    p0 = lines["baseline_micro"].to_numpy(np.int64)
    p1 = lines["new_micro"].to_numpy(np.int64)
    q1 = lines["annual_volume_milli"].to_numpy(np.int64)
    q0 = lines["baseline_volume_milli"].fillna(0).to_numpy(np.int64)
    ppm = lines["activity_factor_ppm"].fillna(1_000_000).to_numpy(np.int64)
    growth = pd.Series(lines["growth_funded"], dtype="boolean").fillna(True).to_numpy(bool)
    has_q0 = lines["baseline_volume_milli"].notna().to_numpy()
    q_cf = div_round(exact_product(q0, ppm), 1_000_000)
    q_cash = np.where(growth, q_cf, np.minimum(q_cf, q0))
    price_only = exact_product(p0 - p1, q1)
    with_volume = exact_product(p0, q_cash) - exact_product(p1, q1)
    annual = np.where(has_q0, with_volume, price_only)
    avoided = np.where(has_q0, exact_product(p0, q_cf - q_cash), 0)
    return np.asarray(annual, dtype=np.int64), np.asarray(avoided, dtype=np.int64), np.where(has_q0, q_cash, 0)


def line_facts(frames: Frames, policy: Policy) -> pd.DataFrame:
    """Everything known about a line before counting any month."""
    lines = frames.lines.reset_index(drop=True)
    contracts = frames.contracts.set_index("contract_id")
    schemes = frames.schemes.set_index("scheme_id")
    has_budget = lines["line_id"].isin(frames.budgets["line_id"])
    recurrent_budget = lines["line_id"].isin(frames.budgets.loc[frames.budgets["recurrent"].astype(bool), "line_id"])
    go_live = phasing.as_days(lines["go_live"])
    contract_end = phasing.as_days(contracts["end_date"].reindex(lines["contract_id"]))
    line_end = phasing.as_days(lines["end_date"])
    cut = np.fmin(contract_end, line_end) + phasing.DAY
    one_off = lines["benefit_type"].isin(elig.ONE_OFF_TYPES).to_numpy()
    cip_rule = DEFAULT_WINDOW if policy.recurrent_claim_window == "contract_term" else policy.recurrent_claim_window
    full = phasing.windows(go_live, cut, one_off, line_end, DEFAULT_WINDOW)
    annual, avoided, q_cash = _annual_units(lines)
    facts = pd.DataFrame({
        "line_id": lines["line_id"], "scheme_id": lines["scheme_id"], "contract_id": lines["contract_id"],
        "product_code": lines["product_code"], "cost_centre": lines["cost_centre"],
        "subjective": lines["subjective"], "benefit_type": lines["benefit_type"],
        "attribution": lines["attribution"].replace("", "local"), "tower_enabled": lines["tower_enabled"],
        "created_by": lines["created_by"], "go_live": lines["go_live"],
        "baseline_micro": lines["baseline_micro"], "new_micro": lines["new_micro"],
        "annual_volume_milli": lines["annual_volume_milli"], "baseline_volume_milli": lines["baseline_volume_milli"],
        "q_cash_milli": q_cash,
        "one_off_costs": lines["one_off_costs_pence"].astype(np.int64),
        "annual_units": annual, "avoided_units": avoided, "one_off": one_off,
        "start": go_live, "cip_end": phasing.windows(go_live, cut, one_off, line_end, cip_rule),
        "plan_end": phasing.windows(go_live, cut, one_off, line_end, policy.recurrent_claim_window),
        "term_end": phasing.windows(go_live, cut, one_off, line_end, "contract_term"),
        "has_budget": has_budget.to_numpy(),
        "route": contracts["route"].reindex(lines["contract_id"]).fillna("").to_numpy(),
        "tower_code": contracts["tower_code"].reindex(lines["contract_id"]).fillna("").to_numpy(),
        "category": schemes["category"].reindex(lines["scheme_id"]).fillna("").to_numpy(),
        "maturity": schemes["maturity"].reindex(lines["scheme_id"]).fillna("").to_numpy(),
        "division": schemes["division"].reindex(lines["scheme_id"]).fillna("").to_numpy(),
    })
    cash = elig.cash_releasing(lines, has_budget, policy).to_numpy()
    facts["counterfactual_index"] = lines["counterfactual_index"].astype(object).fillna("").to_numpy()
    facts["index_unapproved"] = elig.unapproved_index(lines).to_numpy()  # R-INF-3
    facts["index_holds_back_cash"] = facts["index_unapproved"] & cash  # an approval alone would make it count
    facts["cash_releasing"] = cash & ~facts["index_unapproved"]
    # R-TIM-1: recurrent only if it can persist 12 months and its budget reduction (if any) is recurrent.
    persists = full >= phasing.add_months(go_live, 12)
    facts["recurrent"] = ~one_off & persists & (~has_budget.to_numpy() | recurrent_budget.to_numpy())
    facts["fye"] = np.where(facts["recurrent"], div_round(annual, phasing.UNITS_PER_PENNY), 0)
    # Each of these is one row per line in `lines` order: added by position, not joined on line_id.
    _add_columns(facts, elig.signoff_status(lines, frames.signoffs, policy))
    _add_columns(facts, elig.qia_status(lines, frames.schemes, policy))
    _add_columns(facts, st.line_status(lines, frames.schemes, frames.events,
                                       pd.Series(facts["validated"].to_numpy(), index=lines["line_id"])))
    facts["qia_ok"] = facts["qia_ok"] | facts["qia_passed"]  # R-GOV-2: a QIA_APPROVED event is a QIA
    active = st.active_until(full, facts["stop_month"].to_numpy(np.int64))
    facts["duplicate_of"] = elig.duplicates(lines, pd.Series(go_live), pd.Series(active)).to_numpy()
    # R-TIM-4: a price holds to its contract or line end; with neither, until it changes again (the next line)
    term = np.where(np.isnat(cut) & ~one_off, np.datetime64("9999-12-31"), facts["term_end"].to_numpy())
    holds = st.active_until(term, facts["stop_month"].to_numpy(np.int64))
    _add_columns(facts, elig.stacked(lines, pd.Series(go_live), pd.Series(holds), facts["duplicate_of"]))  # R-DUP-3
    facts["tower"] = attribution.tower_flags(facts, policy)  # R-DUP-4
    facts["eligible"] = (facts["cash_releasing"] & facts["validated"] & facts["qia_ok"]
                         & facts["duplicate_of"].isna())
    return facts


def _add_columns(facts: pd.DataFrame, per_line: pd.DataFrame) -> None:
    for column in per_line.columns:
        facts[column] = per_line[column].to_numpy()


def _months(facts: pd.DataFrame, end_column: str) -> pd.DataFrame:
    day = "datetime64[D]"
    return phasing.line_months(facts["line_id"].to_numpy(), facts["start"].to_numpy().astype(day),
                               facts[end_column].to_numpy().astype(day))


def _positions(line_ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """The row of each `wanted` id in `line_ids` (unique), -1 where absent: each distinct id looked up once."""
    codes, distinct = pd.factorize(wanted.to_numpy(dtype=object))
    found = pd.Index(line_ids.to_numpy(dtype=object), dtype=object).get_indexer(distinct)
    return np.r_[found, -1][codes]


def _actuals_by_month(frames: Frames, facts: pd.DataFrame, months: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Σ per line-month of `months` of (P0 - paid) x Q, Q and leakage (paid - P1) x Q where paid > P1,
    and whether the month has any actual row; invoices outside a line's months are not counted.

    Each invoice row is added straight into its line-month's row (a line's months are one run of
    consecutive rows from its first month), not grouped and merged: a million invoice rows,
    nationally (DESIGN.md "Scale").
    """
    count = np.zeros(len(months), dtype=np.int64)
    act = frames.actuals
    if act.empty or months.empty:
        return count > 0, count, count, count
    at = months["pos"].to_numpy(np.int64)
    first = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
    start = np.full(len(facts) + 1, -1, dtype=np.int64)  # row of each line's first month; -1: none
    start[at[first]] = first
    first_month = np.zeros(len(facts) + 1, dtype=np.int64)
    first_month[at[first]] = months["month"].to_numpy(np.int64)[first]
    n_months = np.bincount(at, minlength=len(facts) + 1)
    pos = _positions(facts["line_id"], act["line_id"])  # -1 (not a line): the spare slot
    step = act["month"].to_numpy(np.int64) - first_month[pos]
    inside = (start[pos] >= 0) & (step >= 0) & (step < n_months[pos])
    row = (start[pos] + step)[inside]
    pos = pos[inside]
    paid = act["price_micro"].to_numpy(np.int64)[inside]
    vol = act["volume_milli"].to_numpy(np.int64)[inside]
    p0 = facts["baseline_micro"].to_numpy(np.int64)[pos]
    p1 = facts["new_micro"].to_numpy(np.int64)[pos]
    sums = []
    for values in (exact_product(p0 - paid, vol), vol, exact_product(np.maximum(paid - p1, 0), vol)):
        # a month's sum is annualised (x 12) by `_delivered`: kept as Python ints where that could leave int64
        bound = np.bincount(row, weights=np.abs(values.astype(float)), minlength=len(months))
        exact = values.dtype == object or bool((12 * bound >= SAFE).any())
        total = np.zeros(len(months), dtype=object if exact else np.int64)
        np.add.at(total, row, values.astype(object) if exact else values)
        sums.append(total)
    np.add.at(count, row, 1)
    return count > 0, *sums


BASELINE_MONTHS = 12  # R-BAS-1 (policy baseline_price_method = 12m_volume_weighted_average)


def _prior_price(frames: Frames, facts: pd.DataFrame, go_month: np.ndarray) -> dict[str, np.ndarray]:
    """R-BAS-1: the volume-weighted average price paid in the 12 whole months before go-live, from
    the line's Actuals rows for those months (micro-pounds, -1 where there are none), and how many
    of those months have rows. Such rows are the baseline's evidence; they are never delivery.
    """
    n = len(facts)
    price, months = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    act = frames.actuals
    if act.empty or not n:
        return {"prior_price_micro": price, "prior_months": months}
    pos = _positions(facts["line_id"], act["line_id"])
    month = act["month"].to_numpy(np.int64)
    start = np.r_[go_month, 0][pos]
    before = (pos >= 0) & (month >= start - BASELINE_MONTHS) & (month < start)
    if not before.any():
        return {"prior_price_micro": price, "prior_months": months}
    spend = exact_product(act["price_micro"].to_numpy(np.int64)[before], act["volume_milli"].to_numpy(np.int64)[before])
    if np.abs(spend.astype(float)).sum() >= SAFE:  # a sum that could leave int64: added as Python ints
        spend = spend.astype(object)
    rows = pd.DataFrame({"pos": pos[before], "month": month[before],
                         "volume": act["volume_milli"].to_numpy(np.int64)[before], "spend": spend})
    sums = rows.groupby("pos").agg(volume=("volume", "sum"), spend=("spend", "sum"), months=("month", "nunique"))
    at = sums.index.to_numpy(np.int64)
    price[at] = div_round(sums["spend"].to_numpy(), sums["volume"].to_numpy(np.int64))
    months[at] = sums["months"].to_numpy(np.int64)
    return {"prior_price_micro": price, "prior_months": months}


def _delivered(months: pd.DataFrame, actual: tuple[np.ndarray, ...], facts: pd.DataFrame) -> pd.DataFrame:
    """R-ACT-1 / R-LEA-1 per line-month with actuals, prorated like the plan.

    Delivered = price effect at actual volume + (for E3 lines) volume effect at baseline price:
    `((12 x saved + P0 x (Q_cf - 12 x Q)) x days) / (12 x days in month)`.
    """
    m = months
    has, saved, volume, leak = actual
    pos = m["pos"].to_numpy(np.int64)
    q_cash = facts["q_cash_milli"].to_numpy(np.int64)[pos]
    p0 = facts["baseline_micro"].to_numpy(np.int64)[pos]
    one_off = facts["one_off"].to_numpy()[pos]
    days = np.where(one_off, 1, m["days"].to_numpy())
    dim = np.where(one_off, 1, m["dim"].to_numpy())
    volume_effect = np.where(q_cash > 0, exact_product(p0, q_cash - 12 * volume), 0)
    numer = exact_product(12 * saved + volume_effect, days)  # 12 x: inside int64, or Python ints (`_actuals_by_month`)
    den = 12 * dim * phasing.UNITS_PER_PENNY
    m["delivered"] = np.where(has, div_round(numer, den), 0)
    m["leakage"] = np.where(has, div_round(exact_product(12 * leak, days), den), 0)
    m["has_actuals"] = has
    return m


TERM_CHUNK = 20_000  # lines per pass over their contract-term months


def _claimed(facts: pd.DataFrame, annual: np.ndarray, one_off: np.ndarray, go_month: np.ndarray,
             rank: np.ndarray) -> pd.Series:
    """Σ claimed (the plan over the contract term) per line rank and FY, TERM_CHUNK lines at a time.

    A contract term runs for years: every line's term months at once are the largest frame the
    engine builds (millions of rows for 100,000 lines). Chunks bound the memory, not the result.
    """
    ranks, fys, sums = [], [], []
    for start in range(0, max(len(facts), 1), TERM_CHUNK):
        part = slice(start, start + TERM_CHUNK)
        months = _months(facts.iloc[part], "term_end")
        plan = phasing.plan_pence(months, annual[part], one_off[part], go_month[part])
        pos, fy = months["pos"].to_numpy(np.int64), months["fy_year"].to_numpy(np.int64)
        # A line's months are consecutive rows, so each (line, FY) is one run of rows.
        runs = np.flatnonzero(np.r_[True, (pos[1:] != pos[:-1]) | (fy[1:] != fy[:-1])]) if len(pos) else pos
        ranks.append(rank[part][pos[runs]])
        fys.append(fy[runs])
        sums.append(np.add.reduceat(plan, runs) if len(runs) else plan)
    r, f, claimed = np.concatenate(ranks), np.concatenate(fys), np.concatenate(sums)
    order = np.lexsort((f, r))
    return pd.Series(claimed[order], name="claimed",
                     index=pd.MultiIndex.from_arrays([r[order], f[order]], names=["rank", "fy_year"]))


def _whole_year(facts: pd.DataFrame, end_column: str) -> np.ndarray:
    day = "datetime64[D]"
    return phasing.whole_year(facts["start"].to_numpy().astype(day), facts[end_column].to_numpy().astype(day))


def _go_month(facts: pd.DataFrame) -> np.ndarray:
    return phasing.as_days(facts["go_live"]).astype("datetime64[M]").astype(np.int64) + 1970 * 12


def never_counts(facts: pd.DataFrame) -> pd.Series:
    """Lines no further step can make count: a duplicate, whose saving is another line's (R-DUP-1),
    and a line stopped before it was validated, which takes no further step (R-GOV-1, R-REV-1).
    They are neither at risk nor forecast (decision 18)."""
    return facts["duplicate_of"].notna() | ((facts["stop_month"] != st.NEVER) & ~facts["validated"].astype(bool))


def planned(frames: Frames, policy: Policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each line's facts and its CIP plan by month (F2): `compute`'s `lines` (without the grade) and
    the `line_id`, `month`, `cip_plan` of its `months`, without reading actuals or summing years.

    What an import records as locks and plan versions (R-GOV-1), at under half the cost of `compute`.
    """
    facts = line_facts(frames, policy)
    months = _months(facts, "cip_end")
    months["cip_plan"] = phasing.plan_pence(months, facts["annual_units"].to_numpy(np.int64),
                                            facts["one_off"].to_numpy(), _go_month(facts),
                                            _whole_year(facts, "cip_end"))
    return facts, months[["line_id", "month", "cip_plan"]]


def compute(frames: Frames, policy: Policy) -> Figures:
    """All figures for one trust under `policy` (pure: no database, no files)."""
    facts = line_facts(frames, policy)
    go_month = _go_month(facts)
    facts = facts.assign(**_prior_price(frames, facts, go_month), never_counts=never_counts(facts))
    one_off = facts["one_off"].to_numpy()
    annual = facts["annual_units"].to_numpy(np.int64)
    avoided = facts["avoided_units"].to_numpy(np.int64)

    cip_m = _months(facts, "cip_end")
    cip_m = _delivered(cip_m, _actuals_by_month(frames, facts, cip_m), facts)
    cip_year = _whole_year(facts, "cip_end")
    cip_m["cip_plan"] = phasing.plan_pence(cip_m, annual, one_off, go_month, cip_year)
    cip_m["avoided"] = phasing.plan_pence(cip_m, avoided, one_off, go_month, cip_year)
    cip_m["forecast"] = np.where(cip_m["has_actuals"], cip_m["delivered"], cip_m["cip_plan"])
    stop = facts["stop_month"].to_numpy(np.int64)[cip_m["pos"].to_numpy(np.int64)]
    gone = (stop != st.NEVER) & (cip_m["month"].to_numpy() >= stop)  # R-REV-1: stops from that month
    cip_m.loc[gone, ["delivered", "leakage", "forecast"]] = 0

    # Years are grouped by each line's place in line_id order (an integer), then named: the same
    # rows in the same order as grouping by line_id, without hashing strings a million times.
    ids = facts["line_id"].to_numpy(dtype=object)
    order = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    keys = ["rank", "fy_year"]
    cip_m["rank"] = rank[cip_m["pos"].to_numpy(np.int64)]
    cip_m["actual_months"] = cip_m["has_actuals"].astype(np.int64)
    sums = cip_m.groupby(keys)[["cip_plan", "delivered", "leakage", "forecast", "avoided", "actual_months"]].sum()
    has_actuals = (sums.pop("actual_months") > 0).rename("has_actuals")
    if np.array_equal(facts["cip_end"].to_numpy(), facts["plan_end"].to_numpy()):
        plan = sums["cip_plan"].rename("plan")  # the default policy: the plan is the CIP window's plan
    else:
        plan_m = _months(facts, "plan_end")
        plan_m["plan"] = phasing.plan_pence(plan_m, annual, one_off, go_month, _whole_year(facts, "plan_end"))
        plan_m["rank"] = rank[plan_m["pos"].to_numpy(np.int64)]
        plan = plan_m.groupby(keys)["plan"].sum()
    years = (sums.join(plan, how="outer")
             .join(_claimed(facts, annual, one_off, go_month, rank), how="outer")
             .join(has_actuals, how="left")
             .fillna(0).astype(np.int64).reset_index())
    impl = pd.DataFrame({"rank": rank, "fy_year": (go_month - 3) // 12,
                         "impl_costs": facts["one_off_costs"].to_numpy(np.int64)})
    years = years.merge(impl, on=keys, how="outer").fillna(0).astype(np.int64)
    years.insert(0, "line_id", facts["line_id"].array[order][years.pop("rank").to_numpy()])
    years["fy"] = phasing.fy_label_of(years["fy_year"])
    years["removed"] = phasing.budget_removed(years, frames.budgets).to_numpy()
    stops = facts.set_index("line_id")["stop_month"]
    years["cost_pressure"] = st.cost_pressure(years, frames.budgets, stops).to_numpy()
    f = facts.set_index("line_id").reindex(years["line_id"])
    eligible = f["eligible"].to_numpy()
    cash = f["cash_releasing"].to_numpy()
    tower = f["tower"].to_numpy()
    net = years["delivered"].to_numpy() - years["impl_costs"].to_numpy()
    # R-ELG-1a / R-ELG-4: count the net saving up to the budget removed; costs that exceed the
    # year's delivery are shown as implementation costs, never as negative CIP.
    counted = np.where(eligible, np.clip(net, 0, np.maximum(years["removed"].to_numpy(), 0)), 0)
    years["net"] = np.where(cash, net, 0)
    years["cip"] = np.where(tower, 0, counted)
    years["tower_recognised"] = np.where(tower, counted, 0)
    years["at_risk"] = np.where(cash & ~tower & ~f["never_counts"].to_numpy(), np.maximum(net - counted, 0), 0)
    # D7: avoidance is spend that did not happen; a price above the baseline (or a line with no
    # prior spend, R-BAS-3) avoided nothing, so a non-cash line's plan counts only when positive.
    years["cost_avoidance"] = np.where(cash, years["avoided"], np.where(
        f["benefit_type"].isin(elig.SEPARATE_TYPES | elig.CASH_PATH_TYPES).to_numpy(), 0,
        np.maximum(years["plan"], 0)))
    years["capital"] = np.where(f["benefit_type"].to_numpy() == "CAPITAL", years["plan"], 0)
    facts = _grade(facts, years)
    months = cip_m[["line_id", "month", "fy_year", "cip_plan", "delivered", "leakage", "forecast", "has_actuals"]]
    months = months.assign(fy=phasing.fy_label_of(months["fy_year"]))
    return Figures(lines=facts, years=years, months=months.reset_index(drop=True), policy=policy)


def _grade(facts: pd.DataFrame, years: pd.DataFrame) -> pd.DataFrame:
    """R-ELG-7: A counted in full, B cash-releasing not (yet) in full, C quantified non-cash, D no amount."""
    by_line = years.groupby("line_id")[["at_risk", "plan", "claimed", "delivered"]].sum().reindex(facts["line_id"])
    has_amount = (by_line[["plan", "claimed"]].abs().sum(axis=1) > 0).to_numpy() | (facts["annual_units"] != 0)
    in_full = (facts["eligible"] & facts["has_budget"]).to_numpy() & (by_line["at_risk"].to_numpy() == 0)
    grade = np.where(~has_amount, "D", np.where(~facts["cash_releasing"], "C", np.where(in_full, "A", "B")))
    return facts.assign(grade=grade)
