"""Synthetic registers for many trusts: national-scale data for imports, PostgreSQL runs and benchmarks.

Why it exists: the ledger has to hold England (about 200 trusts x 2,000 saving lines, some 5
million actual rows a year), and that path can only be tested and measured on data of that
shape. No real trust's data is needed: each trust `T0001`, `T0002`, ... gets a register (a CSV
folder) drawn from the same catalogue as the example acute trust, with a realistic mix of
governance: most lines validated and budget-removed, some missing a sign-off or a journal, some
leaking. Everything follows from the seed (each trust has its own `Random`), and rows go
straight to csv writers, so memory stays flat however many lines are asked for.

    python -m savings_ledger_examples.generate OUT --trusts 10 --lines 2000 --seed 1
"""
from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Any

from .catalogue import (
    BUDGET_HOLDERS,
    BUDGETED,
    CATEGORIES,
    CREDIT_ITEMS,
    DIVISIONS,
    FINANCE,
    ONE_OFF,
    PRICE_CUT,
    PROCUREMENT,
    QIA_TYPES,
    SINGLE_LINE,
    TOWER_TYPES,
    Category,
)
from .registers import HEADERS, add_months, money, pence_of, price, round_price

REGIONS = ("North", "Midlands and East", "London", "South")
TRUST_TYPES = ("acute", "acute", "acute", "community", "mental_health", "ambulance")
CONTRIBUTION_RATE_PER_10K = {"acute": 40, "community": 20, "mental_health": 10, "ambulance": 10}  # DOMAIN 6.1
SHEETS = ("Trust", "Contracts", "Schemes", "SavingLines", "Actuals", "BudgetAdjustments", "SignOffs",
          "TowerContribution", "TowerSpend", "TowerStatement", "Activity")
BENEFIT_MIX = (  # benefit types and weights, for every category but large capital devices (always CAPITAL)
    ("PRICE_REDUCTION", "PRODUCT_SWITCH", "AGGREGATION", "DEMAND_MANAGEMENT", "SPEC_CHANGE", "REBATE",
     "PAYMENT_TERMS", "COST_AVOIDANCE_PRICE_INCREASE", "COST_AVOIDANCE_TENDER", "WASTE", "NON_EFFICIENCY",
     "INCOME"),
    (34, 16, 16, 6, 4, 3, 2, 8, 6, 3, 1, 1),
)
FY_MONTHS = [add_months(date(2025, 4, 1), i) for i in range(12)]


@dataclass(frozen=True)
class _Contract:
    contract_id: str
    category: Category
    start: date


@dataclass(frozen=True)
class _Scheme:
    """What the lines of one scheme share: contract, division, benefit type and go-live."""

    scheme_id: str
    contract: _Contract
    division: str
    benefit_type: str
    go_live: date


@contextmanager
def _writers(folder: Path) -> Iterator[dict[str, Any]]:
    """One csv writer per sheet, header written, files closed on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        out = {}
        for name in SHEETS:
            handle = stack.enter_context((folder / f"{name}.csv").open("w", newline="", encoding="utf-8"))
            out[name] = csv.writer(handle)
            out[name].writerow(HEADERS[name])
        yield out


def generate(folder: str | Path, n_trusts: int, lines_per_trust: int = 2000, seed: int = 1) -> list[Path]:
    """Write one register per trust to `folder/<ORG>/<Sheet>.csv` and return the folders.

    Args:
        folder: where the trust folders go (created if needed).
        n_trusts: how many trusts, `T0001` upwards, spread over the four regions.
        lines_per_trust: saving lines per trust (about 12 actual rows each for the year).
        seed: the same seed gives byte-identical registers.
    """
    out = []
    for i in range(n_trusts):
        org = f"T{i + 1:04d}"
        rng = Random(f"{seed}/{org}")
        path = Path(folder) / org
        with _writers(path) as w:
            _write_trust(w, rng, org, REGIONS[i % len(REGIONS)], lines_per_trust)
        out.append(path)
    return out


def _write_trust(w: dict[str, Any], rng: Random, org: str, region: str, n_lines: int) -> None:
    trust_type = rng.choice(TRUST_TYPES)
    w["Trust"].writerow([org, f"Synthetic {org} NHS Trust", trust_type, region])
    contracts = _write_contracts(w, rng, max(10, n_lines // 4))
    spend: Counter[str] = Counter()
    tower_savings: Counter[str] = Counter()
    line_no = scheme_no = 0
    while line_no < n_lines:
        scheme_no += 1
        contract = rng.choice(contracts)
        category = contract.category
        benefit_type = "CAPITAL" if category.subjective == "capital" else rng.choices(*BENEFIT_MIX)[0]
        size = 1 if benefit_type in SINGLE_LINE else rng.randint(1, 5)
        go_live = add_months(max(contract.start, date(2024, 10, 1)), rng.randint(0, 17))
        scheme = _Scheme(f"{org}-S{scheme_no:05d}", contract, rng.choice(category.divisions), benefit_type,
                         min(go_live, date(2026, 3, 1)))
        qia_ref = f"{org}-QIA-{scheme_no:05d}" if benefit_type in QIA_TYPES else ""
        maturity = rng.choice(("fully_developed", "fully_developed", "in_progress", "opportunity"))
        w["Schemes"].writerow([scheme.scheme_id, f"{category.name}: {benefit_type.lower().replace('_', ' ')}",
                               scheme.division, category.name, BUDGET_HOLDERS[scheme.division][0], maturity,
                               "IN_DELIVERY", "true" if qia_ref else "false", qia_ref])
        for _ in range(min(size, n_lines - line_no)):
            line_no += 1
            saved, bought = _write_line(w, rng, f"{org}-L{line_no:06d}", scheme)
            if category.tower:
                spend[category.tower] += bought
                tower_savings[category.tower] += saved if benefit_type in TOWER_TYPES else 0
    _write_trust_level(w, rng, trust_type, spend, tower_savings)


def _write_contracts(w: dict[str, Any], rng: Random, n: int) -> list[_Contract]:
    contracts = []
    for i in range(n):
        category = rng.choice(CATEGORIES)
        start = add_months(date(2022, 4, 1), rng.randint(0, 36))
        end = add_months(date(2027, 3, 31), 6 * rng.randint(0, 4))
        contract = _Contract(f"C{i + 1:05d}", category, start)
        supplier = rng.choice(category.suppliers)
        w["Contracts"].writerow([contract.contract_id, supplier, category.route, category.tower,
                                 category.name, start.isoformat(), end.isoformat()])
        contracts.append(contract)
    return contracts


def _write_line(w: dict[str, Any], rng: Random, line_id: str, scheme: _Scheme) -> tuple[int, int]:
    """One saving line with its actuals, journal and sign-offs; returns (FYE, annual spend) in pence."""
    category, benefit_type, go_live = scheme.contract.category, scheme.benefit_type, scheme.go_live
    item = CREDIT_ITEMS.get(benefit_type) or rng.choice(category.items)
    p0 = round_price(item.micros * rng.randint(850, 1200) // 1000)
    if benefit_type in CREDIT_ITEMS:
        p1 = 0
    elif benefit_type == "COST_AVOIDANCE_PRICE_INCREASE":
        p0, p1 = round_price(p0 * rng.randint(1030, 1080) // 1000), p0
    else:
        p1 = round_price(p0 * (1000 - rng.randint(*PRICE_CUT[benefit_type])) // 1000)
    p1 = min(p1, p0 - 1)
    volume = item.volume if item.monthly_service or benefit_type in ONE_OFF else max(
        1, item.volume * rng.randint(100, 500) // 1000)  # smaller lines than the example trust: 2,000 a trust
    fye = pence_of((p0 - p1) * volume)
    creator = rng.choice(PROCUREMENT)
    cost_centre = rng.choice(DIVISIONS[scheme.division])
    subjective = "income" if benefit_type == "INCOME" else category.subjective
    tower = category.route == "nhssc" and benefit_type in TOWER_TYPES
    tower_enabled = category.route == "nhssc" and not tower
    w["SavingLines"].writerow([
        line_id, scheme.scheme_id, scheme.contract.contract_id, f"{line_id}-P", cost_centre, subjective,
        benefit_type, "tower" if tower else "local", "true" if tower_enabled else "false", price(p0),
        price(p1), item.unit, str(volume), go_live.isoformat(), "", "", creator, item.name])
    _write_actuals(w, rng, line_id, scheme, (volume, p0, p1))
    if benefit_type in BUDGETED and rng.random() < 0.92:
        short = rng.random() < 0.04
        w["BudgetAdjustments"].writerow([
            f"{line_id}-BA", line_id, f"JNL-{line_id[-6:]}", cost_centre, subjective,
            money(fye * 7 // 10 if short else fye),
            "false" if benefit_type in ONE_OFF else "true", go_live.isoformat()])
    _write_signoffs(w, rng, line_id, scheme, creator)
    return fye, pence_of(p1 * volume)


def _write_actuals(w: dict[str, Any], rng: Random, line_id: str, scheme: _Scheme,
                   volume_and_prices: tuple[int, int, int]) -> None:
    """Invoice rows for the claim window's months in 2025/26: one to three a month, some off contract."""
    benefit_type, go_live = scheme.benefit_type, scheme.go_live
    volume, p0, p1 = volume_and_prices
    if benefit_type == "WASTE":
        return
    if benefit_type in ONE_OFF or benefit_type == "CAPITAL":
        if go_live >= FY_MONTHS[0]:
            w["Actuals"].writerow([line_id, go_live.isoformat()[:7], str(volume), price(p1)])
        return
    end = add_months(go_live, 12)
    leaky = rng.random() < 0.1
    monthly = max(1, volume // 12)
    for month in FY_MONTHS:
        if not go_live <= month < end:
            continue
        label = month.isoformat()[:7]
        remaining = max(1, monthly * rng.randint(900, 1040) // 1000)
        rows = min(remaining, rng.choice((1, 1, 2, 2, 2, 3)))
        for left in range(rows - 1, -1, -1):  # `left` more rows after this one, each at least 1
            part = remaining - left if left == 0 else rng.randint(1, remaining - left)
            off_contract = leaky and rng.random() < 0.2
            paid = round_price(p1 + (p0 - p1) * rng.randint(200, 1100) // 1000) if off_contract else p1
            w["Actuals"].writerow([line_id, label, str(part), price(max(paid, p1))])
            remaining -= part


def _write_signoffs(w: dict[str, Any], rng: Random, line_id: str, scheme: _Scheme, creator: str) -> None:
    """Budget holder and finance, mostly complete; a few missing, self-signed or by one person twice."""
    day = min(scheme.go_live + timedelta(days=rng.randint(5, 40)), date(2026, 3, 31)).isoformat()
    holder, accountant = rng.choice(BUDGET_HOLDERS[scheme.division]), rng.choice(FINANCE)
    roll = rng.random()
    if roll < 0.05:  # awaiting finance
        people = [("budget_holder", holder)]
    elif roll < 0.07:  # the creator signs as budget holder (R-GOV-3)
        people = [("budget_holder", creator), ("finance", accountant)]
    elif roll < 0.08:  # one person for both roles (R-GOV-3)
        people = [("budget_holder", holder), ("finance", holder)]
    else:
        people = [("budget_holder", holder), ("finance", accountant)]
    for role, person in people:
        w["SignOffs"].writerow([line_id, role, person, "approve", day])


def _write_trust_level(w: dict[str, Any], rng: Random, trust_type: str, spend: Counter[str],
                       tower_savings: Counter[str]) -> None:
    """Tower contribution (estimated from income), spend and NHSSC's claims per tower; activity."""
    income_m = rng.randint(250, 1200) if trust_type == "acute" else rng.randint(80, 350)
    rate = CONTRIBUTION_RATE_PER_10K[trust_type]
    w["TowerContribution"].writerow(["2025/26", money(income_m * 10_000 * rate), "estimated",
                                     f"income {income_m}m x {rate / 100:.1f}%"])
    for tower in sorted(spend, key=lambda t: int(t[1:])):
        tower_spend = spend[tower] * rng.randint(250, 400) // 100 // 100_000 * 100_000 + 100_000
        claimed = (tower_savings[tower] * rng.randint(110, 140) // 100
                   + tower_spend * rng.randint(100, 300) // 10_000) // 10_000 * 10_000
        w["TowerSpend"].writerow(["2025/26", tower, money(tower_spend)])
        w["TowerStatement"].writerow(["2025/26", tower, money(claimed), "NHSSC account savings statement"])
    if trust_type == "acute":
        wau = income_m * 140 * rng.randint(95, 105) // 100
        non_pay_m = income_m * rng.randint(24, 30) // 100
        expected_cost = wau * 98 // 100 * 351_360  # last year's WAU x the WAU constant £3,513.60
        w["Activity"].writerow(["2024/25", money(non_pay_m * 100_000_000), "", money(expected_cost)])
        w["Activity"].writerow(["2025/26", money(non_pay_m * 100_000_000 * 103 // 100), str(wau), ""])


def main(argv: list[str] | None = None) -> None:
    """Command line: write N synthetic trusts and report how long it took."""
    parser = argparse.ArgumentParser(prog="python -m savings_ledger_examples.generate",
                                     description="Write synthetic trust registers (CSV folders).")
    parser.add_argument("out", type=Path, help="folder for the trust registers")
    parser.add_argument("--trusts", type=int, default=10, help="number of trusts (default 10)")
    parser.add_argument("--lines", type=int, default=2000, help="saving lines per trust (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    folders = generate(args.out, args.trusts, args.lines, args.seed)
    seconds = time.perf_counter() - started
    rows = 0
    for folder in folders:
        with (folder / "Actuals.csv").open(encoding="utf-8") as fh:
            rows += sum(1 for _ in fh) - 1
    print(f"{len(folders)} trusts x {args.lines} lines, {rows} actual rows, written to {args.out} "
          f"in {seconds:.1f} s")


if __name__ == "__main__":
    main()
