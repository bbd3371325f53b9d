"""The register format of DESIGN.md: sheets, columns, which are required, and their kinds.

One table drives the importer, the template writer and the docs, so the three cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

TRUST_TYPES = ("acute", "community", "mental_health", "ambulance")
ROUTES = ("nhssc", "framework", "local")
MATURITIES = ("fully_developed", "in_progress", "opportunity", "unidentified")
ATTRIBUTIONS = ("local", "tower")
ROLES = ("budget_holder", "finance", "procurement", "clinical")
DECISIONS = ("approve", "reject")
BASES = ("notified", "estimated")
BENEFIT_TYPES = (
    "PRICE_REDUCTION", "PRODUCT_SWITCH", "DEMAND_MANAGEMENT", "SPEC_CHANGE", "AGGREGATION",
    "NEW_COMMERCIAL_ARRANGEMENT", "REBATE", "RETROSPECTIVE_DISCOUNT", "PAYMENT_TERMS",
    "COST_AVOIDANCE_PRICE_INCREASE", "COST_AVOIDANCE_TENDER", "WASTE", "EXPIRY", "OUTCOME",
    "INCOME", "CAPITAL", "NON_EFFICIENCY",
)
DEFERRAL_TYPES = ("DEFERRAL", "STOCK_RUNDOWN", "DELAYED_PURCHASE")
STAGES = ("IDEA", "PROPOSED", "QIA_APPROVED", "PLAN_APPROVED", "IN_DELIVERY", "VALIDATED", "CLOSED",
          "REJECTED", "WITHDRAWN", "REVERSED")
EVIDENCE_TYPES = ("invoice_extract", "PO_extract", "contract", "price_file", "supplier_MI", "QIA",
                  "email_approval", "journal", "other")


@dataclass(frozen=True)
class Column:
    """A register column. `kind` picks the parser; `codes` lists allowed values for coded columns."""

    name: str
    kind: str = "text"  # text, id, code, date, money, price, volume, bool, int, month, fy, ratio, sha256
    required: bool = False
    codes: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Sheet:
    """A register sheet; `key` names the columns that must be unique within the sheet."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str = "text", codes: tuple[str, ...] = (), help: str = "") -> Column:
    return Column(name, kind, False, codes, help)


def _r(name: str, kind: str = "text", codes: tuple[str, ...] = (), help: str = "") -> Column:
    return Column(name, kind, True, codes, help)


SHEETS: tuple[Sheet, ...] = (
    Sheet("Trust", (_r("org_code", "id", help="ODS code, e.g. RX1"), _r("name"),
                    _r("trust_type", "code", TRUST_TYPES), _c("region")), required=True, key=("org_code",)),
    Sheet("Contracts", (_r("contract_id", "id"), _r("supplier"), _r("route", "code", ROUTES), _c("tower_code"),
                        _c("category"), _r("start_date", "date"), _c("end_date", "date", help="last day")),
          required=True, key=("contract_id",)),
    Sheet("Schemes", (_r("scheme_id", "id"), _r("title"), _c("division"), _c("category"), _c("owner"),
                      _c("maturity", "code", MATURITIES), _c("stage", "code", STAGES),
                      _c("qia_required", "bool"), _c("qia_ref")), required=True, key=("scheme_id",)),
    Sheet("SavingLines", (
        _r("line_id", "id"), _r("scheme_id", "id"), _c("contract_id", "id"), _c("product_code"), _r("cost_centre"),
        _c("subjective", help="pay / non_pay / income"), _r("benefit_type", "code", BENEFIT_TYPES),
        _c("attribution", "code", ATTRIBUTIONS), _c("tower_enabled", "bool"),
        _r("baseline_price", "price", help="P0, pounds per unit"), _r("new_price", "price", help="P1"),
        _c("unit"), _r("annual_volume", "volume"), _r("go_live", "date"), _c("end_date", "date"),
        _c("one_off_costs", "money", help="not negative; taken off the saving (F4)"), _c("created_by"), _c("notes"),
        _c("baseline_volume", "volume", help="optional Q0 for price/volume decomposition (E3)"),
        _c("activity_factor", "ratio", help="optional activity growth, e.g. 1.05 (E3)"),
        _c("growth_funded", "bool", help="optional: was the budget growth-funded (E3)"),
        _c("counterfactual_index", help="optional: the index the baseline price was set from, e.g. CPI (R-INF-3)"),
        _c("counterfactual_approval", help="optional: the policy approval of that index (R-INF-3)")),
        required=True, key=("line_id",)),
    Sheet("Actuals", (_r("line_id", "id"), _r("month", "month"), _r("volume", "volume"), _r("price_paid", "price"))),
    Sheet("BudgetAdjustments", (_r("adjustment_id", "id"), _r("line_id", "id"), _r("ledger_ref"), _c("cost_centre"),
                                _c("subjective"), _r("amount", "money"), _r("recurrent", "bool"),
                                _r("effective_from", "date")), key=("adjustment_id",)),
    Sheet("SignOffs", (_r("line_id", "id"), _r("role", "code", ROLES), _r("person"),
                       _r("decision", "code", DECISIONS), _r("date", "date"), _c("comment"))),
    Sheet("Evidence", (_r("evidence_id", "id"), _r("line_id", "id"), _r("type"), _c("file"), _c("sha256", "sha256"),
                       _c("captured_at", "date")), key=("evidence_id",)),
    Sheet("TowerContribution", (_r("fy", "fy"),
                                _c("amount", "money", help="C as notified, not negative; empty to estimate"),
                                _c("basis", "code", BASES), _c("source_ref"),
                                _c("income", "money",
                                   help="income the trust-type rate applies to (estimate); not negative")),
          key=("fy",)),
    Sheet("TowerSpend", (_r("fy", "fy"), _r("tower_code"), _r("spend", "money", help="not negative")),
          key=("fy", "tower_code")),
    Sheet("TowerStatement", (_r("fy", "fy"), _r("tower_code"), _r("claimed", "money"), _c("method")),
          key=("fy", "tower_code")),
    Sheet("Benchmarks", (_r("product_code"), _r("period", "month"), _r("price_paid", "price"),
                         _r("volume", "volume"), _c("p_lower_quartile", "price"), _c("p_best", "price"),
                         _c("n_peers", "int", help="not negative"), _c("p_median", "price"),
                         _c("p_best_decile", "price"),
                         _c("tower_code"), _c("description")), key=("product_code", "period")),
    Sheet("Activity", (_r("fy", "fy"), _r("non_pay_spend", "money"), _c("wau", "volume"),
                       _c("expected_cost_sum", "money", help="more than zero"),
                       _c("wau_constant", "money",
                          help="WAU constant in pounds, more than zero; default per DOMAIN 7.1")),
          key=("fy",)),
    Sheet("SpendExtract", (_r("transaction_id", "id"), _r("date", "date"), _r("supplier"), _r("amount", "money"),
                           _c("addressable", "bool", help="default true"), _c("on_catalogue", "bool"),
                           _c("po_number", help="empty = no purchase order"),
                           _c("contract_ref", help="empty = not under contract"), _c("tower_code"),
                           _c("category")), key=("transaction_id",)),
    Sheet("Policy", (_r("key"), _r("value")), key=("key",)),
)
SHEET_BY_NAME = {s.name.lower(): s for s in SHEETS}


def markdown_table() -> str:
    """The register format as a Markdown table (docs/register.md holds it; a test keeps them equal)."""
    rows = ["| sheet | column | required | kind | allowed values / notes |", "|---|---|---|---|---|"]
    for sheet in SHEETS:
        for column in sheet.columns:
            notes = ", ".join(column.codes) if len(column.codes) <= 6 else f"{len(column.codes)} codes, see below"
            rows.append(f"| {sheet.name}{' (required)' if sheet.required else ''} | {column.name} | "
                        f"{'yes' if column.required else ''} | {column.kind} | {notes or column.help} |")
    return "\n".join(rows)
