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
    source_row: int = 0


class TowerContribution(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    amount_pence: int = Field(sa_column=_big(nullable=False))
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
    source_row: int = 0


class Activity(SQLModel, table=True):
    trust: str = Field(primary_key=True)
    fy: str = Field(primary_key=True)
    non_pay_pence: int = Field(sa_column=_big(nullable=False))
    wau_milli: int | None = Field(default=None, sa_column=_big(nullable=True))
    expected_cost_sum_pence: int | None = Field(default=None, sa_column=_big(nullable=True))
    source_row: int = 0


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
