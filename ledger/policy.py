"""Policy sets: the counting choices that public material leaves open (DOMAIN.md section 12).

`nhs-default@1` holds the defaults. A trust overrides values from a TOML file or the register's
Policy sheet; every output names the set and prints each value that differs from the default.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path

from ledger.errors import LedgerError
from ledger.money import other_digits
from ledger.register.spec import BENEFIT_TYPES, MATURITIES, ROLES, TRUST_TYPES

CLAIM_WINDOWS = ("12_months_from_go_live", "financial_year_only", "contract_term")
CLINICAL_TYPES = ("PRODUCT_SWITCH", "SPEC_CHANGE", "DEMAND_MANAGEMENT")


@dataclass(frozen=True)
class Policy:
    """One policy set. Values are plain, immutable data; `name` is `set@version`."""

    name: str = "nhs-default@1"
    recurrent_claim_window: str = "12_months_from_go_live"
    cip_requires_budget_removal: bool = True
    signoff_roles_required: tuple[str, ...] = ("budget_holder", "finance")
    qia_required_for: tuple[str, ...] = CLINICAL_TYPES
    baseline_price_method: str = "12m_volume_weighted_average"
    inflation_avoidance_treatment: str = "cash_if_budget_uplift_removed"
    net_of_implementation_costs: bool = True
    rebate_recurrence: str = "non_recurrent_unless_contractual"
    tower_attribution: str = "catalogue_price_change_to_tower"
    tower_contribution_allocation: str = "spend_share"
    local_savings_rate_source: str = "prior_year"
    local_savings_rate: Decimal | None = None
    ppib_benchmark: str = "lower_quartile"
    ppib_min_peers: int = 5
    maturity_weights: tuple[tuple[str, Decimal], ...] = (
        ("validated", Decimal("1.00")),
        ("fully_developed", Decimal("0.90")),
        ("in_progress", Decimal("0.50")),
        ("opportunity", Decimal("0.25")),
        ("unidentified", Decimal("0")),
    )
    rag_thresholds: tuple[Decimal, Decimal] = (Decimal("0.95"), Decimal("0.75"))
    proration: str = "daily"
    vat_treatment: str = "ie_cost"
    fy_start_month: int = 4
    contribution_rates: tuple[tuple[str, Decimal], ...] = (
        ("acute", Decimal("0.004")),
        ("community", Decimal("0.002")),
        ("mental_health", Decimal("0.001")),
        ("ambulance", Decimal("0.001")),
    )
    extra: tuple[tuple[str, str], ...] = field(default=())

    def weight(self, maturity: str) -> Decimal:
        """E7 weight of a maturity (unknown maturities weigh 0)."""
        return dict(self.maturity_weights).get(maturity, Decimal("0"))

    def differences(self) -> dict[str, str]:
        """Every value that differs from `nhs-default@1`, as text (printed on every output)."""
        default = DEFAULT
        out: dict[str, str] = {}
        for f in fields(self):
            if f.name == "name":
                continue
            mine, theirs = getattr(self, f.name), getattr(default, f.name)
            if mine != theirs:
                out[f.name] = _text(mine)
        return out

    def label(self) -> str:
        """`nhs-default@1` or `nhs-default@1 (+local_savings_rate=0.02)`."""
        diffs = self.differences()
        if not diffs:
            return self.name
        return f"{self.name} (" + ", ".join(f"{k}={v}" for k, v in sorted(diffs.items())) + ")"


DEFAULT = Policy()
_LOCKED = {"cip_requires_budget_removal": "CIP always needs budget removal (R-ELG-1)",
           "fy_start_month": "the NHS financial year starts in April (C1)",
           "net_of_implementation_costs": "CIP is always net of implementation costs (R-ELG-4)",
           "name": "the policy set name is given by the set, not overridden"}
# The values the ledger can honour, for keys whose text it compares. DOMAIN.md section 12 names more
# for some (whole-month proration, last-price baselines, VAT always net, contractual rebates as
# recurrent), but the ledger does not compute them, so they are refused rather than printed on a
# pack whose figures ignore them.
CHOICES = {
    "recurrent_claim_window": CLAIM_WINDOWS,
    "inflation_avoidance_treatment": ("cash_if_budget_uplift_removed", "always_cost_avoidance"),
    "proration": ("daily",),
    "baseline_price_method": ("12m_volume_weighted_average",),
    "vat_treatment": ("ie_cost",),
    "rebate_recurrence": ("non_recurrent_unless_contractual",),
    "tower_attribution": ("catalogue_price_change_to_tower", "all_nhssc_route_to_tower"),
    "tower_contribution_allocation": ("spend_share", "equal", "claimed"),
    "local_savings_rate_source": ("prior_year", "fixed", "ppib_share"),
    "ppib_benchmark": ("lower_quartile", "best", "median", "best_decile"),
}
NAMED = {  # the names each list or table of names may hold: a misspelt one would be ignored without a word
    "qia_required_for": BENEFIT_TYPES,
    "maturity_weights": ("validated", *MATURITIES),
    "contribution_rates": TRUST_TYPES,
}


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return "+".join(_text(v) for v in value)
    return str(value)


def _coerce(key: str, raw: object) -> object:
    """Turn a text or TOML value into the type of the default for `key`."""
    default = getattr(DEFAULT, key)
    text = str(raw).strip()
    if other_digits(text):  # int() and Decimal() would read them
        raise LedgerError(f"policy {key}: {text!r} is not valid: use the digits 0-9")
    if key in CHOICES and text not in CHOICES[key]:
        raise LedgerError(f"policy {key}: {text!r} is not one of {', '.join(CHOICES[key])}"
                          + ("" if len(CHOICES[key]) > 1 else " (the only value the ledger computes)"))
    if isinstance(default, bool):
        if text.lower() not in {"true", "false", "yes", "no", "1", "0"}:
            raise LedgerError(f"policy {key}: {text!r} is not true/false")
        return text.lower() in {"true", "yes", "1"}
    if isinstance(default, int):
        if int(text) < 1:
            raise LedgerError(f"policy {key}: {text!r} must be a whole number of 1 or more")
        return int(text)
    if key == "local_savings_rate":
        return _share(key, Decimal(text), text)
    if key in {"signoff_roles_required", "qia_required_for"}:
        items = raw if isinstance(raw, list) else text.replace(",", "+").split("+")
        chosen = tuple(str(i).strip() for i in items if str(i).strip())
        if key == "signoff_roles_required" and not {"budget_holder", "finance"} <= set(chosen) <= set(ROLES):
            raise LedgerError(f"policy {key}: {raw!r} must name budget_holder and finance (R-ELG-1), and may add "
                              f"other roles of {', '.join(ROLES)}")
        return _named(key, chosen) if key in NAMED else chosen
    if key in {"maturity_weights", "contribution_rates"}:
        pairs = raw.items() if isinstance(raw, dict) else (p.split("=") for p in text.split(","))
        table = tuple((str(k).strip(), Decimal(str(v).strip())) for k, v in pairs)
        _named(key, tuple(name for name, _ in table))
        for name, value in table:  # E7 weights are likelihoods; contribution rates shares of spend
            _share(key, value, f"{name}={value}")
        return table
    if key == "rag_thresholds":
        parts = raw if isinstance(raw, list | tuple) else text.split(",")  # a TOML array, or "0.95,0.8"
        hi, lo = (Decimal(str(p).strip()) for p in parts)
        if not Decimal(0) <= lo <= hi:
            raise LedgerError(f"policy {key}: {raw!r} must be green then amber, amber no more than green and "
                              "neither below 0 (like 0.95,0.75)")
        return (hi, lo)
    return text


def _share(key: str, value: Decimal, shown: str) -> Decimal:
    """A rate or weight between 0 and 1 (a share or a likelihood), else refused."""
    if not Decimal(0) <= value <= Decimal(1):
        raise LedgerError(f"policy {key}: {shown} must be between 0 and 1")
    return value


def _named(key: str, names: tuple[str, ...]) -> tuple[str, ...]:
    if unknown := [n for n in names if n not in NAMED[key]]:
        raise LedgerError(f"policy {key}: {', '.join(map(repr, unknown))} is not one of {', '.join(NAMED[key])}")
    return names


def _expected(key: str) -> str:
    """What a value of `key` looks like, for a message about a bad one."""
    if key in {"maturity_weights", "contribution_rates"}:
        return "name=number pairs, like validated=1,fully_developed=0.8"
    if key == "rag_thresholds":
        return "two numbers, like 0.95,0.8"
    return "a whole number" if isinstance(getattr(DEFAULT, key), int) else "a number, like 0.018"


POLICY_KEYS = frozenset(f.name for f in fields(Policy)) - {"extra"}  # the keys a Policy sheet or file may set


def with_overrides(base: Policy, overrides: dict[str, object]) -> Policy:
    """A new policy set with `overrides` applied; unknown or locked keys are refused."""
    names = POLICY_KEYS
    changes: dict[str, object] = {}
    for given, raw in overrides.items():
        key = given.strip()
        if key not in names:
            raise LedgerError(f"unknown policy key {key!r}; known keys: {', '.join(sorted(names))}")
        try:
            value = _coerce(key, raw)
        except (ValueError, ArithmeticError):
            raise LedgerError(f"policy {key}: {raw!r} is not valid (expected {_expected(key)})") from None
        if key in _LOCKED:
            if value != getattr(base, key):
                raise LedgerError(f"policy {key} cannot be changed: {_LOCKED[key]}")
            continue
        changes[key] = value
    return replace(base, **changes)


def overruled(given: Policy, applied: Policy) -> dict[str, tuple[str, str]]:
    """Values `given` (a `--policy` file) sets that the trust's register then set otherwise:
    `{key: (given, applied)}`. The register's Policy sheet is the trust's own decision and applies
    over the file (docs/counting-rules.md); the command line says where that happened."""
    mine, theirs = given.differences(), applied.differences()
    return {key: (value, theirs.get(key, _text(getattr(DEFAULT, key)))) for key, value in mine.items()
            if theirs.get(key) != value}


def load_toml(path: Path, base: Policy = DEFAULT) -> Policy:
    """Overrides from a TOML file: `[policy]` table or top-level keys."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LedgerError(f"{path}: cannot read policy file ({exc})") from None
    except UnicodeDecodeError:
        raise LedgerError(f"{path}: not a TOML policy file in UTF-8 text") from None
    return with_overrides(base, data.get("policy", data))
