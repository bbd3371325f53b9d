"""Loading one trust's ledger into pandas frames (int64 pence / micro-pounds / thousandths).

This is the only place the engine's inputs touch the database: the engine itself is pure,
frames and policy in, figures and findings out. `as_at` cuts what was known then: actuals for
later months and sign-offs dated later are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger import calendar, models
from ledger.errors import LedgerError
from ledger.policy import DEFAULT, Policy, with_overrides


@dataclass(frozen=True)
class Frames:
    """A trust's register as frames. Column names follow the tables in `ledger.models`."""

    trust: dict
    lines: pd.DataFrame
    actuals: pd.DataFrame
    budgets: pd.DataFrame
    signoffs: pd.DataFrame
    evidence: pd.DataFrame
    schemes: pd.DataFrame
    contracts: pd.DataFrame
    contribution: pd.DataFrame
    tower_spend: pd.DataFrame
    tower_statements: pd.DataFrame
    benchmarks: pd.DataFrame
    activity: pd.DataFrame
    policy_rows: pd.DataFrame


def _frame(conn, model, trust: str) -> pd.DataFrame:  # noqa: ANN001
    table = model.__table__
    rows = conn.execute(select(table).where(table.c.trust == trust)).all()
    return pd.DataFrame(rows, columns=[c.name for c in table.c])


def load_frames(engine: Engine, trust: str, as_at: date | None = None) -> Frames:
    """Read everything the engine needs for `trust`; raise LedgerError if it is not in the ledger."""
    with engine.connect() as conn:
        found = conn.execute(select(models.Trust.__table__).where(models.Trust.org_code == trust)).mappings().first()
        if found is None:
            known = conn.execute(select(models.Trust.org_code)).scalars().all()
            raise LedgerError(f"trust {trust!r} is not in the ledger (it holds: {', '.join(known) or 'none'}); "
                              "import its register first")
        tables = {name: _frame(conn, model, trust) for name, model in (
            ("lines", models.SavingLine), ("actuals", models.Actual), ("budgets", models.BudgetAdjustment),
            ("signoffs", models.SignOff), ("evidence", models.Evidence), ("schemes", models.Scheme),
            ("contracts", models.Contract), ("contribution", models.TowerContribution),
            ("tower_spend", models.TowerSpend), ("tower_statements", models.TowerStatement),
            ("benchmarks", models.Benchmark), ("activity", models.Activity),
            ("policy_rows", models.PolicyValue))}
    frames = Frames(trust=dict(found), **tables)
    return frames if as_at is None else cut(frames, as_at)


def cut(frames: Frames, as_at: date) -> Frames:
    """What was known at `as_at`: actuals of later months and sign-offs dated later are left out.

    The board pack uses it to see the same trust at earlier month ends without re-reading the
    database (in-month = YTD now minus YTD at the previous month end).
    """
    actuals = frames.actuals[frames.actuals["month"] <= calendar.month_index(as_at)]
    signoffs = frames.signoffs[frames.signoffs["date"] <= as_at]
    return replace(frames, actuals=actuals, signoffs=signoffs)


def trust_policy(frames: Frames, base: Policy = DEFAULT) -> Policy:
    """The policy in force for the trust: `base` with the register's Policy sheet applied."""
    rows = frames.policy_rows
    if rows.empty:
        return base
    return with_overrides(base, dict(zip(rows["key"], rows["value"], strict=True)))
