"""How one saving line of the example acute trust is built, and everything that hangs off it.

Why it exists: a saving line of `acute_trust` is more than its row. It sits on a contract, has a
baseline and a new price, a go-live, monthly invoice actuals that never deliver more than the
budget adjustment removes, a budget journal, sign-offs by people who did not create it and the
evidence for each. Building all of that the same way for every line (clean unless the trust's
story breaks it on purpose) keeps the trust's story in `acute_trust` short: it says which
schemes the trust has and which lines carry a known problem; `add_scheme` makes them.

Every builder draws only from the `random.Random` it is given, so the trust stays deterministic.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import cycle
from math import floor
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
from .registers import add_months, money, month_label, pence_of, price, round_price, window_months

FY_FIRST, FY_LAST = date(2025, 4, 1), date(2026, 3, 31)
FAR_FUTURE = date(2100, 1, 1)

CONTRACTS_PER_CATEGORY = {"T1": 6, "T2": 5, "T3": 4, "T4": 5, "T5": 3, "T6": 4, "T7": 2, "T8": 4, "T9": 2,
                          "T10": 3, "T11": 3, "ICT": 7, "EST": 5, "STAFF": 4, "PHC": 3, "TRANS": 3, "FM": 5,
                          "WASTE": 3, "ENERGY": 3, "CORP": 5}

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


class Register:
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


def contracts(rng: Random, reg: Register) -> dict[str, list[Contract]]:
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


def _new_line(reg: Register, rng: Random, contract: Contract, benefit_type: str, *, scheme_id: str,
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


def _emit(reg: Register, rng: Random, line: Line, leakage: str = "") -> None:
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


def add_scheme(reg: Register, rng: Random, contract: Contract, benefit_type: str, *,
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
