"""SQLModel tables for the data model of DOMAIN.md section 11.

Money is integer pence (`*_pence`); unit prices are integer micro-pounds (`*_micro`, the exact
range and precision of Numeric(18, 6)); volumes are integer thousandths of a unit (`*_milli`).
SQLite has no exact decimal type, so integers are the one representation that is exact on both
backends. Every register row keeps `source_row` (the row of its sheet) so findings can say where
a figure came from. Tables are keyed by trust so many trusts share one database.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


def _big(**kw: object) -> Column:
    return Column(BigInteger, **kw)


class Trust(SQLModel, table=True):
    org_code: str = Field(primary_key=True)
    name: str
    trust_type: str
    region: str = ""
    peer_group: str = ""


class Contract(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    contract_id: str = Field(primary_key=True)
    supplier: str
    route: str
    tower_code: str = ""
    category: str = ""
    start_date: date
    end_date: date | None = None
    source_row: int = 0


class Scheme(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    scheme_id: str = Field(primary_key=True)
    title: str
    division: str = ""
    category: str = ""
    owner: str = ""
    maturity: str = "in_progress"
    stage: str = ""
    qia_required: bool = False
    qia_ref: str = ""
    source_row: int = 0


ADDED_LINE_COLUMNS = ("counterfactual_index", "counterfactual_approval")  # migration 0005, empty on older lines


class SavingLine(SQLModel, table=True):
    __table_args__ = (Index("ix_savingline_trust_product", "trust", "product_code", "cost_centre"),)
    trust: str = Field(primary_key=True)
    line_id: str = Field(primary_key=True)
    scheme_id: str
    contract_id: str = ""
    product_code: str = ""
    cost_centre: str
    subjective: str = ""
    benefit_type: str
    attribution: str = "local"
    tower_enabled: bool = False
    baseline_micro: int = Field(sa_column=_big(nullable=False))
    new_micro: int = Field(sa_column=_big(nullable=False))
    unit: str = ""
    annual_volume_milli: int = Field(sa_column=_big(nullable=False))
    baseline_volume_milli: int | None = Field(default=None, sa_column=_big(nullable=True))
    activity_factor_ppm: int | None = Field(default=None, sa_column=_big(nullable=True))
    growth_funded: bool | None = None
    go_live: date
    end_date: date | None = None
    one_off_costs_pence: int = Field(default=0, sa_column=_big(nullable=False, default=0))
    created_by: str = ""
    notes: str = ""
    extra: str = ""
    source_row: int = 0
    counterfactual_index: str = ""  # R-INF-3; ADDED_LINE_COLUMNS
    counterfactual_approval: str = ""


class Actual(SQLModel, table=True):
    __table_args__ = (Index("ix_actual_trust_line", "trust", "line_id"),)
    id: int | None = Field(default=None, primary_key=True)
    trust: str
    line_id: str
    month: int = Field(description="month index: year * 12 + month - 1")
    volume_milli: int = Field(sa_column=_big(nullable=False))
    price_micro: int = Field(sa_column=_big(nullable=False))
    source_row: int = 0


class BudgetAdjustment(SQLModel, table=True):
    __table_args__ = (Index("ix_budget_trust_line", "trust", "line_id"),)
    trust: str = Field(primary_key=True)
    adjustment_id: str = Field(primary_key=True)
    line_id: str
    ledger_ref: str
    cost_centre: str = ""
    subjective: str = ""
    amount_pence: int = Field(sa_column=_big(nullable=False))
    recurrent: bool
    effective_from: date
    source_row: int = 0


class SignOff(SQLModel, table=True):
    __table_args__ = (Index("ix_signoff_trust_line", "trust", "line_id"),)
    id: int | None = Field(default=None, primary_key=True)
    trust: str
    line_id: str
    role: str
    person: str
    decision: str
    date: date
    comment: str = ""
    source: str = "register"
    source_row: int = 0


class Evidence(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    evidence_id: str = Field(primary_key=True)
    line_id: str
    type: str
    file: str = ""
    sha256: str = ""
    captured_at: date | None = None
    source: str = "register"  # "cli" rows (savings evidence add) survive a re-import
    source_row: int = 0


class TowerContribution(SQLModel, table=True):
    """C for a year: the notified amount, or (amount empty) an estimate from `income_pence` (6.1)."""

    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    amount_pence: int | None = Field(default=None, sa_column=_big(nullable=True))
    income_pence: int | None = Field(default=None, sa_column=_big(nullable=True))
    basis: str = "notified"
    source_ref: str = ""
    source_row: int = 0


class TowerSpend(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    tower_code: str = Field(primary_key=True)
    spend_pence: int = Field(sa_column=_big(nullable=False))
    source_row: int = 0


class TowerStatement(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    tower_code: str = Field(primary_key=True)
    claimed_pence: int = Field(sa_column=_big(nullable=False))
    method: str = ""
    source_row: int = 0


class Benchmark(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    product_code: str = Field(primary_key=True)
    period: str = Field(primary_key=True)
    price_micro: int = Field(sa_column=_big(nullable=False))
    volume_milli: int = Field(sa_column=_big(nullable=False))
    p_lower_quartile_micro: int | None = Field(default=None, sa_column=_big(nullable=True))
    p_best_micro: int | None = Field(default=None, sa_column=_big(nullable=True))
    n_peers: int | None = None
    p_median_micro: int | None = Field(default=None, sa_column=_big(nullable=True))
    p_best_decile_micro: int | None = Field(default=None, sa_column=_big(nullable=True))
    tower_code: str = ""
    description: str = ""
    source_row: int = 0


class Activity(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    non_pay_pence: int = Field(sa_column=_big(nullable=False))
    wau_milli: int | None = Field(default=None, sa_column=_big(nullable=True))
    expected_cost_sum_pence: int | None = Field(default=None, sa_column=_big(nullable=True))
    wau_constant_pence: int | None = Field(default=None, sa_column=_big(nullable=True))
    source_row: int = 0


class SpendExtract(SQLModel, table=True):
    """One addressable-spend transaction (PO or invoice line) for Carter compliance (7.1)."""

    __table_args__ = (Index("ix_spendextract_trust_date", "trust", "date"),)
    id: int | None = Field(default=None, primary_key=True)
    trust: str
    transaction_id: str
    date: date
    supplier: str
    amount_pence: int = Field(sa_column=_big(nullable=False))
    addressable: bool = True
    on_catalogue: bool = False
    po_number: str = ""
    contract_ref: str = ""
    tower_code: str = ""
    category: str = ""
    source_row: int = 0


class TowerRef(SQLModel, table=True):
    """The tower reference in force when a user has imported one (else the shipped CSV, 6.1)."""

    code: str = Field(primary_key=True)
    valid_from: date = Field(primary_key=True)
    valid_to: date | None = None
    name: str
    model: str = ""
    successor: str = ""
    note: str = ""


class PolicyValue(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    value: str
    source_row: int = 0


class RegisterImport(SQLModel, table=True):
    """One row per import that changed the ledger: which register, its fingerprint, when."""

    id: int | None = Field(default=None, primary_key=True)
    trust: str = Field(index=True)
    source: str
    fingerprint: str
    rows: int
    imported_at: datetime


# Governance (DOMAIN.md 4.6, 4.7; DESIGN.md "Storage"): written by ledger.governance, ledger.audit
# and ledger.periods, never by the register import. On PostgreSQL, triggers from migration 0002
# refuse UPDATE and DELETE of these rows.


class AuditEvent(SQLModel, table=True):
    """One event of the append-only audit trail; `hash` chains it to the event before (`prev_hash`)."""

    seq: int = Field(primary_key=True, description="position in the chain, 1, 2, 3 ...")
    trust: str = Field(index=True)
    entity: str  # line, period, register, evidence
    entity_id: str
    action: str  # status, signoff, import, close_period, evidence, replan
    from_status: str = ""
    to_status: str = ""
    actor: str
    role: str = ""
    reason: str = ""
    evidence_ids: str = ""
    effective_month: int | None = Field(default=None, description="month index a reversal counts from")
    details: str = ""  # canonical JSON
    recorded_at: datetime
    prev_hash: str
    hash: str


class AuditHead(SQLModel, table=True):
    """The last event of the chain: appending locks this row, so appends are serialised."""

    chain: str = Field(primary_key=True)
    seq: int
    hash: str


class LockedLine(SQLModel, table=True):
    """R-GOV-4: a line that became VALIDATED, with a hash of its fields at that moment."""

    trust: str = Field(primary_key=True)
    line_id: str = Field(primary_key=True)
    row_hash: str
    event_seq: int
    locked_at: datetime


class PeriodLock(SQLModel, table=True):
    """C4: a closed month (everything dated on or before it is locked) and the data it closed on."""

    trust: str = Field(primary_key=True)
    month: int = Field(primary_key=True, description="month index: year * 12 + month - 1")
    lock_id: str = Field(unique=True)
    fingerprint: str
    rows: int
    chain_seq: int
    chain_hash: str
    closed_by: str
    role: str = ""
    closed_at: datetime


class PlanVersion(SQLModel, table=True):
    """Section 8: a line's plan as approved (version 1) and each re-plan after it, never overwritten."""

    trust: str = Field(primary_key=True)
    line_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    reason: str
    actor: str
    event_seq: int
    recorded_at: datetime
    params: str  # canonical JSON of the fields the plan was computed from
    months: str  # canonical JSON {"2025-11": pence, ...}
    total_pence: int = Field(sa_column=_big(nullable=False))


# Web users (reports.web): who may log in, in which role, and which trusts each one sees.


class WebUser(SQLModel, table=True):
    """A person who logs in to the web app; `display_name` is what sign-offs and the audit trail record."""

    username: str = Field(primary_key=True)
    display_name: str = Field(unique=True)
    password_hash: str
    role: str  # procurement, budget_holder, finance, clinical, board, auditor, admin
    region: str = ""  # set: the user also sees every trust of this region
    disabled: bool = False
    created_at: datetime


class WebMembership(SQLModel, table=True):
    """A trust a web user belongs to (sees, and acts on within their role)."""

    username: str = Field(primary_key=True)
    trust: str = Field(primary_key=True)


class WebLogout(SQLModel, table=True):
    """A web session ended by logging out: its cookie, or a copy of it, is refused from then on."""

    session_id: str = Field(primary_key=True)
    username: str
    logged_out_at: datetime
