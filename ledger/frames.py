"""Loading one trust's ledger into pandas frames (int64 pence / micro-pounds / thousandths).

This is the only place the engine's inputs touch the database: the engine itself is pure,
frames and policy in, figures and findings out. `as_at` cuts what was known then: actuals for
later months, sign-offs dated later, and governance events and plan versions recorded after the
end of that day are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

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
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # R-GOV-1 status events (ledger.audit)
    plan_versions: pd.DataFrame = field(default_factory=pd.DataFrame)  # plan as approved, re-plans


def _frame(conn, model, trust: str, empty: bool = False) -> pd.DataFrame:
    table = model.__table__
    # Plain tuples: pandas probes each Row object for attributes, which costs 8x the fetch.
    rows = [] if empty else [tuple(r) for r in conn.execute(select(table).where(table.c.trust == trust)).all()]
    return pd.DataFrame(rows, columns=[c.name for c in table.c])


FRAME_MODELS = (
    ("lines", models.SavingLine), ("actuals", models.Actual), ("budgets", models.BudgetAdjustment),
    ("signoffs", models.SignOff), ("evidence", models.Evidence), ("schemes", models.Scheme),
    ("contracts", models.Contract), ("contribution", models.TowerContribution),
    ("tower_spend", models.TowerSpend), ("tower_statements", models.TowerStatement),
    ("benchmarks", models.Benchmark), ("activity", models.Activity),
    ("policy_rows", models.PolicyValue), ("plan_versions", models.PlanVersion))
EVENT_COLUMNS = ("seq", "entity", "entity_id", "action", "from_status", "to_status", "actor", "role", "reason",
                 "evidence_ids", "effective_month", "recorded_at")


def load_frames(engine: Engine | Connection, trust: str, as_at: date | None = None,
                skip: tuple[str, ...] = ()) -> Frames:
    """Read everything the engine needs for `trust`; raise LedgerError if it is not in the ledger.

    Given a Connection (the register import's governance step), it reads inside that transaction;
    frames named in `skip` (e.g. "actuals") are left empty when the caller does not need them.
    """
    if isinstance(engine, Connection):
        return _load(engine, trust, as_at, skip)
    with engine.connect() as conn:
        return _load(conn, trust, as_at, skip)


def _load(conn: Connection, trust: str, as_at: date | None, skip: tuple[str, ...]) -> Frames:
    found = conn.execute(select(models.Trust.__table__).where(models.Trust.org_code == trust)).mappings().first()
    if found is None:
        known = conn.execute(select(models.Trust.org_code)).scalars().all()
        raise LedgerError(f"trust {trust!r} is not in the ledger (it holds: {', '.join(known) or 'none'}); "
                          "import its register first")
    tables = {name: _frame(conn, model, trust, name in skip) for name, model in FRAME_MODELS}
    ev = models.AuditEvent.__table__
    rows = [tuple(r) for r in conn.execute(select(*(ev.c[c] for c in EVENT_COLUMNS)).where(ev.c.trust == trust)
                                           .order_by(ev.c.seq)).all()]
    tables["events"] = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frames = Frames(trust=dict(found), **tables)
    return frames if as_at is None else cut(frames, as_at)


def cut(frames: Frames, as_at: date) -> Frames:
    """What was known at `as_at`: actuals of later months, sign-offs dated later, and events and
    plan versions recorded after that day are left out.

    The board pack uses it to see the same trust at earlier month ends without re-reading the
    database (in-month = YTD now minus YTD at the previous month end).
    """
    actuals = frames.actuals[frames.actuals["month"] <= calendar.month_index(as_at)]
    signoffs = frames.signoffs[frames.signoffs["date"] <= as_at]
    until = datetime.combine(as_at + timedelta(days=1), time(), tzinfo=UTC)  # end of that day, UTC
    recorded = {name: frame[frame["recorded_at"] < until] if "recorded_at" in frame else frame
                for name, frame in (("events", frames.events), ("plan_versions", frames.plan_versions))}
    return replace(frames, actuals=actuals, signoffs=signoffs, **recorded)


def trust_policy(frames: Frames, base: Policy = DEFAULT) -> Policy:
    """The policy in force for the trust: `base` with the register's Policy sheet applied."""
    rows = frames.policy_rows
    if rows.empty:
        return base
    return with_overrides(base, dict(zip(rows["key"], rows["value"], strict=True)))


def frames_from_records(trust: dict, **tables: list[dict]) -> Frames:
    """Frames built from plain row dicts, every table's columns present (missing values None).

    For the engine without a database: property tests and the engine benchmark.
    """
    frames: dict[str, pd.DataFrame] = {}
    for name, model in FRAME_MODELS:
        columns = [c.name for c in model.__table__.c]
        rows = tables.get(name, [])
        frames[name] = pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, *(rows[0] if rows else [])])))
    frames["events"] = pd.DataFrame(tables.get("events", []), columns=list(EVENT_COLUMNS))
    return Frames(trust=trust, **frames)
