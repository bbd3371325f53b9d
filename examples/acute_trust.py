"""Northshire Hospitals NHS Foundation Trust (RX1): a realistic acute-trust register for 2025/26.

Why it exists: `savings demo`, the board pack, the audit workbook and the end-to-end tests need
one register that looks like a real trust's year (about 300 saving lines over 120 schemes and 80
contracts, NHS Supply Chain towers beside trust-managed categories, monthly invoice actuals,
budget journals, sign-offs, evidence, tower statements, benchmarks and activity) and whose
problems are known in advance. Every line is clean (validated by two people who did not create
it, budget removed to cover what it delivers, QIA where the policy needs one, one line per
product and cost centre) except the planted ones that `acute-trust/PLANTED.md` lists with the
rule the ledger should raise. Leakage (paying more than the contract price) is normal on some
lines and PLANTED.md lists those as expected warnings. Worked examples E1/E2, E5 and E6 are
lines `E1`, `E5` and `E6` with the numbers of their worked registers.

`build(seed)` is deterministic: it draws only from its own `random.Random(seed)`.
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import cycle
from math import floor
from pathlib import Path
from random import Random

from .catalogue import (
    BUDGET_HOLDERS,
    BUDGETED,
    CATEGORIES,
    CLINICAL_LEADS,
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
    Item,
)
from .registers import (
    Tables,
    add_months,
    micros_of,
    money,
    month_label,
    pence_of,
    price,
    round_price,
    sheet,
    window_months,
    write_csv_folder,
)
from .worked import e1, e5, e6

TRUST = {"org_code": "RX1", "name": "Northshire Hospitals NHS Foundation Trust", "trust_type": "acute",
         "region": "North"}
SEED = 2025
FY = "2025/26"
FY_FIRST, FY_LAST = date(2025, 4, 1), date(2026, 3, 31)
FAR_FUTURE = date(2100, 1, 1)

CONTRACTS_PER_CATEGORY = {"T1": 6, "T2": 5, "T3": 4, "T4": 5, "T5": 3, "T6": 4, "T7": 2, "T8": 4, "T9": 2,
                          "T10": 3, "T11": 3, "ICT": 7, "EST": 5, "STAFF": 4, "PHC": 3, "TRANS": 3, "FM": 5,
                          "WASTE": 3, "ENERGY": 3, "CORP": 5}
SCHEME_PLAN: tuple[tuple[str, str, int], ...] = (  # category, benefit type, number of schemes
    ("T1", "PRICE_REDUCTION", 6), ("T1", "PRODUCT_SWITCH", 4), ("T1", "AGGREGATION", 2),
    ("T1", "DEMAND_MANAGEMENT", 2), ("T1", "REBATE", 1),
    ("T2", "PRICE_REDUCTION", 3), ("T2", "PRODUCT_SWITCH", 3), ("T2", "AGGREGATION", 1),
    ("T2", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("T3", "PRICE_REDUCTION", 2), ("T3", "PRODUCT_SWITCH", 2), ("T3", "WASTE", 2), ("T3", "AGGREGATION", 1),
    ("T4", "PRICE_REDUCTION", 3), ("T4", "PRODUCT_SWITCH", 2), ("T4", "REBATE", 1),
    ("T4", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("T5", "PRICE_REDUCTION", 2), ("T5", "PRODUCT_SWITCH", 1), ("T5", "AGGREGATION", 1),
    ("T6", "PRICE_REDUCTION", 3), ("T6", "AGGREGATION", 1), ("T6", "COST_AVOIDANCE_TENDER", 1),
    ("T6", "REBATE", 1),
    ("T7", "CAPITAL", 3),
    ("T8", "PRICE_REDUCTION", 2), ("T8", "PRODUCT_SWITCH", 2), ("T8", "DEMAND_MANAGEMENT", 1),
    ("T8", "REBATE", 1),
    ("T9", "AGGREGATION", 1), ("T9", "DEMAND_MANAGEMENT", 1),
    ("T10", "PRICE_REDUCTION", 2), ("T10", "WASTE", 1), ("T10", "AGGREGATION", 1),
    ("T11", "AGGREGATION", 2), ("T11", "PRICE_REDUCTION", 1),
    ("ICT", "AGGREGATION", 2), ("ICT", "PRICE_REDUCTION", 3), ("ICT", "SPEC_CHANGE", 1),
    ("ICT", "COST_AVOIDANCE_TENDER", 2), ("ICT", "PAYMENT_TERMS", 1),
    ("EST", "AGGREGATION", 2), ("EST", "SPEC_CHANGE", 1), ("EST", "COST_AVOIDANCE_TENDER", 1),
    ("EST", "NON_EFFICIENCY", 1),
    ("STAFF", "PRICE_REDUCTION", 3), ("STAFF", "DEMAND_MANAGEMENT", 1),
    ("STAFF", "COST_AVOIDANCE_PRICE_INCREASE", 1), ("STAFF", "PAYMENT_TERMS", 1),
    ("PHC", "PRICE_REDUCTION", 2), ("PHC", "AGGREGATION", 1), ("PHC", "COST_AVOIDANCE_TENDER", 1),
    ("TRANS", "AGGREGATION", 1), ("TRANS", "DEMAND_MANAGEMENT", 1), ("TRANS", "NON_EFFICIENCY", 1),
    ("FM", "AGGREGATION", 2), ("FM", "SPEC_CHANGE", 1), ("FM", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("WASTE", "PRICE_REDUCTION", 2), ("WASTE", "AGGREGATION", 1), ("WASTE", "INCOME", 1),
    ("ENERGY", "PRICE_REDUCTION", 2), ("ENERGY", "COST_AVOIDANCE_PRICE_INCREASE", 2),
    ("CORP", "PRICE_REDUCTION", 2), ("CORP", "PAYMENT_TERMS", 2), ("CORP", "REBATE", 1),
    ("CORP", "INCOME", 1),
)

PHRASES = {
    "PRICE_REDUCTION": "price reduction", "PRODUCT_SWITCH": "product standardisation",
    "AGGREGATION": "collaborative re-tender", "DEMAND_MANAGEMENT": "demand management",
    "SPEC_CHANGE": "specification review", "REBATE": "volume rebate",
    "PAYMENT_TERMS": "early payment discount", "COST_AVOIDANCE_PRICE_INCREASE": "uplift resisted",
    "COST_AVOIDANCE_TENDER": "new requirement tender", "WASTE": "waste and expiry reduction",
    "CAPITAL": "capital purchase", "NON_EFFICIENCY": "service reduction", "INCOME": "income generation",
}


@dataclass(frozen=True)
class Contract:
    """A contract the schemes hang off: its category decides route, tower and items."""

    contract_id: str
    category: Category
    supplier: str
    start: date
    end: date


@dataclass(frozen=True)
class Line:
    """One saving line as the builder sees it: prices in millionths of a pound, money in pence."""

    line_id: str
    scheme_id: str
    contract: Contract
    item: Item
    product_code: str
    division: str
    cost_centre: str
    benefit_type: str
    p0: int
    p1: int
    volume: int
    go_live: date
    creator: str
    baseline_volume: int | None = None
    one_off_pence: int = 0

    @property
    def fye_pence(self) -> int:
        """What the budget adjustment removes: price effect, plus the volume effect when Q0 is given (E3)."""
        volume_effect = (self.baseline_volume - self.volume) * self.p0 if self.baseline_volume else 0
        return pence_of((self.p0 - self.p1) * self.volume + volume_effect)

    @property
    def attribution(self) -> tuple[str, str]:
        """(attribution, tower_enabled) by R-DUP-4: catalogue price moves are the tower's, trust actions
        are local (tower-enabled when made on an NHSSC contract)."""
        if self.contract.category.route != "nhssc":
            return "local", "false"
        return ("tower", "false") if self.benefit_type in TOWER_TYPES else ("local", "true")


class _Register:
    """The records of the register being built, sheet by sheet, and id counters."""

    def __init__(self) -> None:
        self.records: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.lines: list[Line] = []
        self._counts: Counter[str] = Counter()

    def next_id(self, prefix: str, width: int) -> str:
        self._counts[prefix] += 1
        return f"{prefix}{self._counts[prefix]:0{width}d}"

    def add(self, name: str, **values: str) -> None:
        self.records[name].append(values)

    def of_line(self, name: str, line_id: str) -> list[dict[str, str]]:
        return [r for r in self.records[name] if r["line_id"] == line_id]

    def drop(self, name: str, keep: Callable[[dict[str, str]], bool]) -> None:
        self.records[name] = [r for r in self.records[name] if keep(r)]


def _between(rng: Random, first: date, last: date) -> date:
    """The first day of a month between `first` and `last` (both firsts of months), uniformly."""
    span = (last.year - first.year) * 12 + last.month - first.month
    return add_months(first, rng.randint(0, span))


def _contracts(rng: Random, reg: _Register) -> dict[str, list[Contract]]:
    """About 80 contracts; most started before 2025/26, some are new tenders during the year."""
    out: dict[str, list[Contract]] = {}
    ends = (date(2027, 3, 31), date(2027, 9, 30), date(2028, 3, 31), date(2028, 9, 30), date(2029, 3, 31))
    for category in CATEGORIES:
        suppliers = cycle(category.suppliers)
        out[category.code] = []
        for _ in range(CONTRACTS_PER_CATEGORY[category.code]):
            new = rng.random() < 0.2
            start = _between(rng, *((date(2025, 4, 1), date(2025, 12, 1)) if new else
                                    (date(2022, 4, 1), date(2024, 6, 1))))
            contract = Contract(reg.next_id("C", 3), category, next(suppliers), start, rng.choice(ends))
            reg.add("Contracts", contract_id=contract.contract_id, supplier=contract.supplier,
                    route=category.route, tower_code=category.tower, category=category.name,
                    start_date=start.isoformat(), end_date=contract.end.isoformat())
            out[category.code].append(contract)
    return out


def _go_live(rng: Random, contract: Contract, item: Item, benefit_type: str) -> date:
    """Mostly during 2025/26; about one in ten recurring lines went live in 2024/25 (carry-forward)."""
    recurring = benefit_type not in ONE_OFF | {"CAPITAL"}
    if recurring and contract.start <= date(2024, 7, 1) and rng.random() < 0.1:
        month = _between(rng, date(2024, 7, 1), date(2025, 3, 1))
    else:
        first = max(contract.start, FY_FIRST)
        month = _between(rng, date(first.year, first.month, 1), date(2026, 3, 1))
    mid_month = recurring and not item.monthly_service and benefit_type != "INCOME" and rng.random() < 0.15
    return month.replace(day=15) if mid_month else month


def _prices(rng: Random, item: Item, benefit_type: str) -> tuple[int, int]:
    """(P0, P1): the baseline and the new price, in millionths of a pound."""
    base = round_price(item.micros * rng.randint(850, 1200) // 1000)
    if benefit_type in CREDIT_ITEMS:
        return base, 0
    if benefit_type == "COST_AVOIDANCE_PRICE_INCREASE":  # P1 agreed uplift 0-3%, P0 the supplier's ask
        agreed = round_price(base * rng.randint(1000, 1030) // 1000)
        return round_price(agreed * rng.randint(1030, 1080) // 1000), agreed
    low, high = PRICE_CUT[benefit_type]
    new = round_price(base * (1000 - rng.randint(low, high)) // 1000)
    return base, min(new, base - (10_000 if base >= 1_000_000 else 1))


def _volume(rng: Random, item: Item, benefit_type: str) -> int:
    if item.monthly_service or benefit_type in ONE_OFF:
        return item.volume
    if benefit_type == "CAPITAL":
        return max(1, item.volume * rng.randint(50, 150) // 100)
    return max(12, item.volume * rng.randint(300, 1500) // 1000)


def _new_line(reg: _Register, rng: Random, contract: Contract, benefit_type: str, *, scheme_id: str,
              division: str, go_live: date | None = None) -> Line:
    category = contract.category
    item = CREDIT_ITEMS.get(benefit_type) or rng.choice(category.items)
    p0, p1 = _prices(rng, item, benefit_type)
    volume = _volume(rng, item, benefit_type)
    line = Line(reg.next_id("L", 4), scheme_id, contract, item, reg.next_id(f"{category.code}-", 4), division,
                rng.choice(DIVISIONS[division]), benefit_type, p0, p1, volume,
                go_live or _go_live(rng, contract, item, benefit_type), rng.choice(PROCUREMENT))
    if benefit_type == "DEMAND_MANAGEMENT":
        line = replace(line, baseline_volume=volume * 1000 // (1000 - rng.randint(50, 150)))
    early = FY_FIRST <= line.go_live < date(2025, 10, 1)
    if benefit_type in {"PRODUCT_SWITCH", "SPEC_CHANGE"} and early and rng.random() < 0.4:
        # implementation costs (training, stock write-off) in the go-live year, netted off (R-ELG-4)
        line = replace(line, one_off_pence=line.fye_pence * rng.randint(5, 15) // 100 // 1000 * 1000)
    return line


def _removal_pence(line: Line) -> Fraction:
    """What a recurrent budget adjustment of the FYE from go-live removes in 2025/26 (daily proration)."""
    months = window_months(line.go_live, FAR_FUTURE, FY_FIRST, FY_LAST)
    return Fraction(line.fye_pence) * sum(share for _, _, share in months) / 12


def _pence(units: Fraction) -> int:
    """Millionths of a pound (a Fraction) to pence, half-up, as the ledger rounds a line-month."""
    return floor(units / 10_000 + Fraction(1, 2))


def _delivered_pence(line: Line, volumes: list[tuple[str, Fraction, int]]) -> int:
    """What the ledger counts as delivered if every unit is bought at the new price: per month the
    price effect, plus the volume effect at the baseline price when Q0 is given (E3), times the
    month's share of days, rounded once."""
    total = 0
    for _, share, volume in volumes:
        saved = Fraction((line.p0 - line.p1) * volume)
        if line.baseline_volume:
            saved += Fraction(line.p0 * (line.baseline_volume - 12 * volume), 12)
        total += _pence(saved * share)
    return total


def _monthly_volumes(rng: Random, line: Line) -> list[tuple[str, Fraction, int]]:
    """(month, share of the month in the window, invoice volume) for the window's months in 2025/26.

    Volumes are whole-month purchases (the ledger prorates a partial month itself), around plan,
    and never deliver more than the budget adjustment removes in the year: ordinary lines are
    trimmed; demand-management lines buy a little more (fewer units saved) until they fit.
    """
    months = window_months(line.go_live, add_months(line.go_live, 12), FY_FIRST, FY_LAST)
    monthly = Fraction(line.volume, 12)
    demand = line.benefit_type == "DEMAND_MANAGEMENT"
    low = 1000 if demand else 900
    volumes = [(month_label(year, month), share,
                1 if line.item.monthly_service else round(monthly * rng.randint(low, 1040) / 1000))
               for year, month, share in months]
    if line.benefit_type in BUDGETED:
        removal = _removal_pence(line)
        while (delivered := _delivered_pence(line, volumes)) != removal and delivered > removal - 12:
            volumes = [(m, s, v + v // 50 + 1 if demand else v * 49 // 50) for m, s, v in volumes]
    return [(m, s, v) for m, s, v in volumes if v > 0]


def _split(rng: Random, total: int, parts: int) -> list[int]:
    """`total` as up to `parts` positive whole numbers (invoice lines of one month)."""
    parts = min(parts, total)
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _actuals(rng: Random, line: Line, leakage: str) -> list[tuple[str, int, int]]:
    """(month, volume, price paid) invoice rows. `leakage`: "" none, "some" a few months, "heavy" planted."""
    if line.benefit_type == "WASTE":  # a shelf-life claim has no invoice trail of its own
        return []
    if line.benefit_type in ONE_OFF or line.benefit_type == "CAPITAL":
        return [(month_label(line.go_live.year, line.go_live.month), line.volume, line.p1)]
    volumes = _monthly_volumes(rng, line)
    whole_months = [m for m, share, _ in volumes if share == 1]  # leakage kept out of prorated months
    leaky: set[str] = set()
    if leakage == "heavy":
        leaky = set(whole_months)
    elif leakage == "some":
        leaky = set(rng.sample(whole_months, min(len(whole_months), rng.randint(1, 3))))
    rows = []
    for month, _, volume in volumes:
        off_volume, off_price = 0, 0
        if month in leaky:
            if leakage == "heavy":
                off_volume, off_price = volume * 35 // 100, round_price(line.p0 * 103 // 100)
            else:
                off_volume = volume if volume == 1 else max(1, volume * rng.randint(50, 150) // 1000)
                off_price = round_price(line.p1 + (line.p0 - line.p1) * rng.randint(300, 1100) // 1000)
        on_contract = volume - off_volume
        rows += [(month, v, line.p1) for v in (_split(rng, on_contract, rng.choice((1, 1, 1, 2, 2, 3)))
                                              if on_contract else [])]
        if off_volume:
            rows.append((month, off_volume, max(off_price, line.p1 + 1)))
    return rows


def _signoffs(rng: Random, line: Line) -> list[tuple[str, str, date]]:
    """(role, person, date): budget holder and finance, plus clinical for QIA types, sometimes procurement.

    Never the creator, and always two different people for budget holder and finance (R-GOV-3).
    """
    day = min(line.go_live + timedelta(days=rng.randint(5, 35)), FY_LAST)
    later = min(day + timedelta(days=rng.randint(0, 7)), FY_LAST)
    out = [("budget_holder", rng.choice(BUDGET_HOLDERS[line.division]), day),
           ("finance", rng.choice(FINANCE), later)]
    if line.benefit_type in QIA_TYPES:
        out.append(("clinical", rng.choice(CLINICAL_LEADS), day))
    if rng.random() < 0.3:
        out.append(("procurement", rng.choice([p for p in PROCUREMENT if p != line.creator]), day))
    return out


def _emit(reg: _Register, rng: Random, line: Line, leakage: str = "") -> None:
    """Write a line and everything that hangs off it: actuals, budget journal, sign-offs, evidence."""
    attribution, tower_enabled = line.attribution
    subjective = "income" if line.benefit_type == "INCOME" else line.contract.category.subjective
    reg.lines.append(line)
    reg.add("SavingLines", line_id=line.line_id, scheme_id=line.scheme_id,
            contract_id=line.contract.contract_id, product_code=line.product_code,
            cost_centre=line.cost_centre, subjective=subjective, benefit_type=line.benefit_type,
            attribution=attribution, tower_enabled=tower_enabled,
            baseline_price=price(line.p0), new_price=price(line.p1), unit=line.item.unit,
            annual_volume=str(line.volume), go_live=line.go_live.isoformat(), end_date="",
            one_off_costs=money(line.one_off_pence) if line.one_off_pence else "", created_by=line.creator,
            notes=line.item.name, baseline_volume=str(line.baseline_volume or ""))
    actuals = _actuals(rng, line, leakage)
    for month, volume, paid in actuals:
        reg.add("Actuals", line_id=line.line_id, month=month, volume=str(volume), price_paid=price(paid))
    evidence = ["contract"] + (["invoice_extract"] if actuals else [])
    if line.benefit_type in BUDGETED:
        start_year = line.go_live.year if line.go_live.month >= 4 else line.go_live.year - 1
        reg.add("BudgetAdjustments", adjustment_id=reg.next_id("BA-", 4), line_id=line.line_id,
                ledger_ref=reg.next_id(f"JNL-{start_year % 100:02d}-", 4), cost_centre=line.cost_centre,
                subjective=subjective, amount=money(line.fye_pence),
                recurrent="false" if line.benefit_type in ONE_OFF else "true",
                effective_from=line.go_live.isoformat())
        evidence.append("journal")
    if line.benefit_type in QIA_TYPES:
        evidence.append("QIA")
    for role, person, day in _signoffs(rng, line):
        reg.add("SignOffs", line_id=line.line_id, role=role, person=person, decision="approve",
                date=day.isoformat())
    for kind in evidence:
        reg.add("Evidence", evidence_id=reg.next_id("EV-", 4), line_id=line.line_id, type=kind, file="",
                sha256="")


def _add_scheme(reg: _Register, rng: Random, contract: Contract, benefit_type: str, *,
                n_lines: int | None = None, go_live: date | None = None, leakage: str | None = None,
                shape: Callable[[Line], Line] = lambda line: line) -> list[Line]:
    """A scheme on one contract with its lines (all of one benefit type, going live together).

    `leakage` None lets about one line in eight leak a little; `shape` edits each line before it
    is written (used to plant a duplicate).
    """
    category = contract.category
    scheme_id = reg.next_id("S", 3)
    division = rng.choice(category.divisions)
    n_lines = n_lines or (1 if benefit_type in SINGLE_LINE else rng.choice((1, 2, 2, 3, 3, 4, 4, 5)))

    def new(day: date | None) -> Line:
        return _new_line(reg, rng, contract, benefit_type, scheme_id=scheme_id, division=division,
                         go_live=day)

    first = shape(new(go_live))
    lines = [first] + [shape(new(first.go_live)) for _ in range(n_lines - 1)]
    for line in lines:
        some = benefit_type in BUDGETED - ONE_OFF and rng.random() < 0.13
        _emit(reg, rng, line, ("some" if some else "") if leakage is None else leakage)
    title = f"{first.item.name}: {PHRASES[benefit_type]}" + (" and related items" if n_lines > 1 else "")
    late = first.go_live >= date(2025, 10, 1)
    reg.add("Schemes", scheme_id=scheme_id, title=title, division=division, category=category.name,
            owner=BUDGET_HOLDERS[division][0],
            maturity=rng.choice(("fully_developed", "in_progress")) if late else "fully_developed",
            stage="IN_DELIVERY", qia_required="true" if benefit_type in QIA_TYPES else "false",
            qia_ref=reg.next_id("QIA-25-", 3) if benefit_type in QIA_TYPES else "")
    return lines


Planted = tuple[str, str, str]  # line id, what is wrong, rule id


def _plant(reg: _Register, rng: Random, contracts: dict[str, list[Contract]]) -> list[Planted]:
    """Lines that are clean except for one deliberate problem each, and the rule that should catch it."""
    def one(code: str, benefit_type: str, go_live: date, **kw: object) -> Line:
        contract = next(c for c in contracts[code] if c.start <= go_live)
        kw.setdefault("leakage", "")  # no incidental leakage: one problem per planted line
        return _add_scheme(reg, rng, contract, benefit_type, n_lines=1, go_live=go_live, **kw)[0]

    def signer(line: Line, role: str, person: str) -> None:
        for record in reg.of_line("SignOffs", line.line_id):
            if record["role"] == role:
                record["person"] = person

    planted: list[Planted] = []
    line = one("T1", "PRICE_REDUCTION", date(2025, 5, 1))
    signer(line, "budget_holder", line.creator)
    planted.append((line.line_id, f"budget-holder sign-off by {line.creator}, who created the line",
                    "R-GOV-3"))

    line = one("FM", "AGGREGATION", date(2025, 6, 1))
    holder = reg.of_line("SignOffs", line.line_id)[0]["person"]
    signer(line, "finance", holder)
    planted.append((line.line_id, f"budget-holder and finance sign-offs both by {holder}", "R-GOV-3"))

    line = one("PHC", "PRICE_REDUCTION", date(2025, 7, 1))
    reg.drop("BudgetAdjustments", lambda r, gone=line.line_id: r["line_id"] != gone)
    reg.drop("Evidence", lambda r, gone=line.line_id: not (r["line_id"] == gone and r["type"] == "journal"))
    planted.append((line.line_id, "cash-releasing, validated, but no budget adjustment", "R-ELG-1a"))

    line = one("STAFF", "PRICE_REDUCTION", date(2025, 4, 1))
    adjustment = reg.of_line("BudgetAdjustments", line.line_id)[0]
    adjustment["amount"] = money(line.fye_pence * 60 // 100)
    planted.append((line.line_id, f"budget adjustment {adjustment['amount']} is 60% of the FYE "
                    f"{money(line.fye_pence)}, short of what the line delivers", "R-ELG-1a"))

    line = one("T3", "PRODUCT_SWITCH", date(2025, 8, 1))
    scheme = next(s for s in reg.records["Schemes"] if s["scheme_id"] == line.scheme_id)
    scheme["qia_ref"] = ""
    reg.drop("Evidence", lambda r, gone=line.line_id: not (r["line_id"] == gone and r["type"] == "QIA"))
    planted.append((line.line_id, f"PRODUCT_SWITCH whose scheme {line.scheme_id} has no qia_ref", "R-GOV-2"))

    first = one("T2", "PRICE_REDUCTION", date(2025, 6, 1))
    second = one("T2", "AGGREGATION", date(2025, 9, 1), shape=lambda line: replace(
        line, product_code=first.product_code, cost_centre=first.cost_centre, division=first.division))
    planted.append((second.line_id, f"claims product {first.product_code} at cost centre {first.cost_centre} "
                    f"again: line {first.line_id} (go-live {first.go_live}) already does, windows overlap",
                    "R-DUP-1"))

    line = one("T4", "PRICE_REDUCTION", date(2025, 4, 1), leakage="heavy")
    planted.append((line.line_id, "35% of every month bought off contract, above the baseline price",
                    "R-LEA-1"))
    return planted


def _add_worked(reg: _Register) -> None:
    """Worked examples E1/E2, E5 and E6, row for row as in their own registers (minus the Trust sheet)."""
    for tables in (e1(), e5(), e6()):
        for name, (header, *rows) in tables.items():
            if name != "Trust":
                reg.records[name] += [dict(zip(header, row, strict=True)) for row in rows]


def _tower_sheets(rng: Random, reg: _Register) -> Tables:
    """Contribution (notified), spend through each tower and NHSSC's claimed savings per tower.

    The lines' products are a quarter to two-fifths of a tower's spend; NHSSC claims the tower
    lines' savings with some margin plus 1–3% of the tower's spend that the trust cannot evidence.
    """
    line_spend: Counter[str] = Counter()
    tower_savings: Counter[str] = Counter()
    for line in reg.lines:
        tower = line.contract.category.tower
        if tower:
            line_spend[tower] += pence_of(line.p1 * line.volume)
            tower_savings[tower] += line.fye_pence if line.attribution[0] == "tower" else 0
    towers = [c.code for c in CATEGORIES if c.tower]
    spend = {t: line_spend[t] * rng.randint(250, 400) // 100 // 100_000 * 100_000 for t in towers}
    claimed = {t: (tower_savings[t] * rng.randint(110, 140) // 100
                   + spend[t] * rng.randint(100, 300) // 10_000) // 10_000 * 10_000 for t in towers}
    method = "NHSSC account savings statement: catalogue price movement x trust volume, incl. capital"
    return {
        "TowerContribution": sheet("TowerContribution", [{
            "fy": FY, "amount": "2480000.00", "basis": "notified",
            "source_ref": "NHSE 2025/26 SCCL funding adjustment notification (illustrative)"}]),
        "TowerSpend": sheet("TowerSpend", [{"fy": FY, "tower_code": t, "spend": money(spend[t])}
                                           for t in towers]),
        "TowerStatement": sheet("TowerStatement", [
            {"fy": FY, "tower_code": t, "claimed": money(claimed[t]), "method": method} for t in towers]),
    }


def _benchmarks(rng: Random, reg: _Register) -> list[list[str]]:
    """PPIB-style peer prices for about 60 NHSSC consumables the trust buys (period 2025-12)."""
    candidates = list({line.product_code: line for line in reg.lines if line.contract.category.tower
                       and line.benefit_type not in {*CREDIT_ITEMS, "CAPITAL"}}.values())
    records = []
    for line in sorted(rng.sample(candidates, min(60, len(candidates))), key=lambda x: x.product_code):
        lower_quartile = round_price(line.p1 * rng.randint(820, 1100) // 1000)
        records.append({"product_code": line.product_code, "period": "2025-12", "price_paid": price(line.p1),
                        "volume": str(max(1, line.volume // 12)), "p_lower_quartile": price(lower_quartile),
                        "p_best": price(round_price(lower_quartile * rng.randint(800, 970) // 1000)),
                        "n_peers": str(rng.randint(3, 45))})
    return sheet("Benchmarks", records)


def _build(seed: int) -> tuple[Tables, list[Planted]]:
    rng = Random(seed)
    reg = _Register()
    contracts = _contracts(rng, reg)
    for code, benefit_type, n_schemes in SCHEME_PLAN:
        pool = cycle(contracts[code])
        for _ in range(n_schemes):
            _add_scheme(reg, rng, next(pool), benefit_type)
    planted = _plant(reg, rng, contracts)
    _add_worked(reg)
    tables = {
        "Trust": sheet("Trust", [TRUST]),
        **{name: sheet(name, reg.records[name]) for name in ("Contracts", "Schemes")},
        "SavingLines": sheet("SavingLines", reg.records["SavingLines"], extra=("baseline_volume",)),
        **{name: sheet(name, reg.records[name])
           for name in ("Actuals", "BudgetAdjustments", "SignOffs", "Evidence")},
        **_tower_sheets(rng, reg),
        "Benchmarks": _benchmarks(rng, reg),
        "Activity": sheet("Activity", [
            {"fy": "2024/25", "non_pay_spend": "168400000.00", "expected_cost_sum": "309196800.00"},
            {"fy": "2025/26", "non_pay_spend": "171900000.00", "wau": "90400"}]),
        "Policy": sheet("Policy", [{"key": "local_savings_rate_source", "value": "fixed"},
                                   {"key": "local_savings_rate", "value": "0.018"}]),
    }
    return tables, planted


def build(seed: int = SEED) -> Tables:
    """The register of RX1 as tables (sheet name -> rows, header first, all values text)."""
    return _build(seed)[0]


def planted_problems(seed: int = SEED) -> list[Planted]:
    """(line id, what is wrong, rule id) for each deliberately broken line of `build(seed)`."""
    return _build(seed)[1]


def leakage_by_line(tables: Tables) -> dict[str, int]:
    """Leakage in pence per line (R-LEA-1): Σ (price paid − new price) × volume where paid > new price."""
    header, *rows = tables["SavingLines"]
    new_price = {row[0]: micros_of(row[header.index("new_price")]) for row in rows}
    by_month: Counter[tuple[str, str]] = Counter()
    for line_id, month, volume, paid in tables["Actuals"][1:]:
        over = micros_of(paid) - new_price[line_id]
        if over > 0:
            by_month[line_id, month] += over * int(volume)
    out: Counter[str] = Counter()
    for (line_id, _), micros in by_month.items():  # rounded per line-month, as the ledger does
        out[line_id] += pence_of(micros)
    return dict(sorted(out.items()))


def planted_markdown(planted: list[Planted], leakage: dict[str, int]) -> str:
    """PLANTED.md: the problems the ledger should find in this register, and the expected warnings."""
    lines = [
        "# Planted problems in the RX1 register",
        "",
        f"Generated by `python -m savings_ledger_examples.acute_trust` (seed {SEED}); do not edit by hand.",
        "Every other line is clean: validated by a budget holder and a finance lead who are two different",
        "people and not the creator, budget removed to cover what it delivers, QIA on the scheme where the",
        "benefit type needs one, and no other active line on the same product code and cost centre.",
        "Info findings (cost avoidance, capital, income, non-efficiency, tower attribution) explain why an",
        "amount is not local CIP; they are not problems.",
        "",
        "| line id | what is wrong | rule |",
        "|---|---|---|",
        *(f"| {line_id} | {what} | {rule} |" for line_id, what, rule in planted),
        "",
        "## Leakage (expected warnings, R-LEA-1)",
        "",
        "Paying above the contract price in some months is normal; these lines have leakage in 2025/26",
        f"(line {next(p[0] for p in planted if p[2] == 'R-LEA-1')} is the planted, heavy one):",
        "",
        "| line id | leakage 2025/26 (£) |",
        "|---|---|",
        *(f"| {line_id} | {money(pence)} |" for line_id, pence in leakage.items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Write the register to FOLDER (default: `acute-trust/` beside this module) with PLANTED.md."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).parent / "acute-trust"
    tables, planted = _build(SEED)
    write_csv_folder(folder, tables)
    (folder / "PLANTED.md").write_text(planted_markdown(planted, leakage_by_line(tables)), encoding="utf-8")
    counts = ", ".join(f"{name} {len(rows) - 1}" for name, rows in tables.items())
    print(f"{folder}: {counts}")


if __name__ == "__main__":
    main()
