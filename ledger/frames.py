"""Loading one trust's ledger into pandas frames (int64 pence / micro-pounds / thousandths).

This is the only place the engine's inputs touch the database: the engine itself is pure,
frames and policy in, figures and findings out. `as_at` cuts what was known then: actuals for
later months, sign-offs dated later, and governance events and plan versions recorded after the
end of that day are left out.
"""
from __future__ import annotations

from collections.abc import Mapping
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


def _rows(conn: Connection, columns: list, where, order: list) -> list[tuple]:
    """The selected rows as the driver's plain tuples, each value as SQLAlchemy would give it.

    SQLAlchemy's Row objects cost five times the fetch, and pandas probes each for attributes:
    the statement runs on the connection's own DBAPI cursor (same transaction), and the few
    columns whose type converts values (UTC timestamps; dates and booleans on SQLite) are
    converted here by the same processors SQLAlchemy would use.
    """
    dialect = conn.dialect
    compiled = select(*columns).where(where).order_by(*order).compile(dialect=dialect)
    params = compiled.construct_params()
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), tuple(params[k] for k in compiled.positiontup) if compiled.positional else params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    convert = [(i, p) for i, c in enumerate(columns)
               if (p := c.type.dialect_impl(dialect).result_processor(dialect, None)) is not None]
    if not convert:
        return rows
    return [_converted(row, convert) for row in rows]


def _converted(row: tuple, convert: list) -> tuple:
    values = list(row)
    for i, process in convert:
        values[i] = process(values[i])
    return tuple(values)


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


def require_trust(conn: Connection, trust: str) -> Mapping:
    """The trust's row; a LedgerError naming the trusts the ledger holds when it is none of them."""
    found = conn.execute(select(models.Trust.__table__).where(models.Trust.org_code == trust)).mappings().first()
    if found is None:
        known = conn.execute(select(models.Trust.org_code)).scalars().all()
        alike = [code for code in known if code.casefold() == trust.strip().casefold()]
        hint = f"; codes are exact: did you mean {alike[0]!r}?" if alike else "; import its register first"
        raise LedgerError(f"trust {trust!r} is not in the ledger (it holds: {', '.join(known) or 'none'}){hint}")
    return found


def _load(conn: Connection, trust: str, as_at: date | None, skip: tuple[str, ...]) -> Frames:
    found = require_trust(conn, trust)
    tables = {}
    for name, model in FRAME_MODELS:
        table = model.__table__
        rows = [] if name in skip else _rows(conn, list(table.c), table.c.trust == trust,
                                             list(table.primary_key.columns))
        tables[name] = pd.DataFrame(rows, columns=[c.name for c in table.c])
    ev = models.AuditEvent.__table__
    rows = _rows(conn, [ev.c[c] for c in EVENT_COLUMNS], ev.c.trust == trust, [ev.c.seq])
    tables["events"] = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frames = Frames(trust=dict(found), **tables)
    return frames if as_at is None else cut(frames, as_at)


def cut(frames: Frames, as_at: date) -> Frames:
    """What was known at `as_at`: actuals of later months, sign-offs and evidence dated later, and
    events and plan versions recorded after that day are left out. Evidence with no capture date
    (a register may leave it blank) is kept.

    The board pack uses it to see the same trust at earlier month ends without re-reading the
    database (in-month = YTD now minus YTD at the previous month end).
    """
    actuals = frames.actuals[frames.actuals["month"] <= calendar.month_index(as_at)]
    signoffs = frames.signoffs[frames.signoffs["date"] <= as_at]
    captured = pd.to_datetime(frames.evidence["captured_at"])  # compared as time stamps: a column of no dates
    evidence = frames.evidence[captured.isna() | (captured <= pd.Timestamp(as_at))]
    until = datetime.combine(as_at + timedelta(days=1), time(), tzinfo=UTC)  # end of that day, UTC
    recorded = {name: frame[frame["recorded_at"] < until] if "recorded_at" in frame else frame
                for name, frame in (("events", frames.events), ("plan_versions", frames.plan_versions))}
    return replace(frames, actuals=actuals, signoffs=signoffs, evidence=evidence, **recorded)


def trust_policy(frames: Frames, base: Policy = DEFAULT) -> Policy:
    """The policy in force for the trust: `base` with the register's Policy sheet applied."""
    rows = frames.policy_rows
    if rows.empty:
        return base
    return with_overrides(base, dict(zip(rows["key"], rows["value"], strict=True)))


def trust_policies(engine: Engine, trusts: list[str], base: Policy = DEFAULT) -> dict[str, Policy]:
    """`trust_policy` of many trusts at once, read from their register Policy sheets in one query
    (a roll-up names a `--policy` value a trust overrules without loading the trust again)."""
    table = models.PolicyValue.__table__
    sheets: dict[str, dict[str, str]] = {code: {} for code in trusts}
    with engine.connect() as conn:
        for trust, key, value in conn.execute(select(table.c.trust, table.c.key, table.c.value)
                                              .where(table.c.trust.in_(trusts))):
            sheets[trust][key] = value
    return {code: with_overrides(base, sheet) if sheet else base for code, sheet in sheets.items()}


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
