"""Period close (DOMAIN.md C4): lock a month so the board pack made from it can be made again.

A trust is closed *through* a month: closing 2026-03 locks everything dated on or before
31 March 2026 (a line by its go-live, an actual by its month, a sign-off by its date, a budget
adjustment by its effective date, evidence by its capture date). After that nothing so dated
can change; a correction is a reversal dated in an open month. Each close records a lock id, a
fingerprint of the locked data and the audit chain head, and `savings audit verify` recomputes
the fingerprint, so a raw edit of closed data is caught even where the database cannot refuse it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ledger import audit, calendar, models
from ledger.errors import LedgerError, OptionError
from ledger.fingerprint import fingerprint
from ledger.frames import Frames, load_frames
from ledger.locks import SPECS

LOCKS = models.PeriodLock.__table__


@dataclass(frozen=True)
class Lock:
    """A closed month: its lock id, the fingerprint of the data dated in it or before, the chain head."""

    trust: str
    month: str
    lock_id: str
    fingerprint: str
    rows: int
    chain_seq: int
    chain_hash: str
    closed_by: str
    closed_at: datetime


def _lock(row) -> Lock:
    return Lock(row.trust, calendar.month_label(row.month), row.lock_id, row.fingerprint, row.rows, row.chain_seq,
                row.chain_hash, row.closed_by, row.closed_at)


def closed_through(conn: Connection, trust: str) -> int | None:
    """The last closed month (a month index) of the trust, or None when no month is closed."""
    return conn.execute(select(func.max(LOCKS.c.month)).where(LOCKS.c.trust == trust)).scalar()


def closed_end(conn: Connection, trust: str) -> date | None:
    """The last day that is closed for the trust, or None."""
    month = closed_through(conn, trust)
    return None if month is None else calendar.last_day(month)


def refuse_if_future(day: date, today: date, what: str) -> None:
    """A decision is recorded when it is taken: `what` dated after `today` is refused, as figures
    are only ever as known on a day that has come; so is one dated before the years the ledger holds
    (as a register's date: the audit workbook could not hold it)."""
    if day > today:
        raise LedgerError(f"{what} dated {day} is in the future (today is {today}): record it when it happens")
    try:
        calendar.held(day)
    except ValueError as exc:
        raise LedgerError(f"{what} dated {exc}") from None


def refuse_if_closed(conn: Connection, trust: str, day: date, what: str) -> None:
    """Raise a LedgerError saying why, when `day` falls in a closed month of the trust."""
    month = closed_through(conn, trust)
    if month is not None and calendar.month_index(day) <= month:
        lock = conn.execute(select(LOCKS.c.lock_id).where(LOCKS.c.trust == trust, LOCKS.c.month == month)).scalar()
        raise LedgerError(f"{calendar.month_label(calendar.month_index(day))} is closed for {trust} (closed through "
                          f"{calendar.month_label(month)}, lock {lock}): {what} must be dated in an open month, "
                          f"{calendar.month_label(month + 1)} or later")


def scope(frames: Frames, month: int) -> Frames:
    """The part of a trust's data that a close through `month` locks, in the columns a lock freezes
    (so a note on a line may still change); every other frame is emptied."""
    end = calendar.last_day(month)

    def locked(frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
        spec = SPECS[sheet]
        columns = list(dict.fromkeys([*(spec.key or ()), *spec.fields]))
        if spec.dated == "month":
            return frame.loc[frame["month"] <= month, columns]
        days = pd.to_datetime(frame[spec.dated])  # compared as time stamps: a column of no dates has no .date
        return frame.loc[days.notna() & (days <= pd.Timestamp(end)), columns]

    return replace(
        frames,
        lines=locked(frames.lines, "SavingLines"),
        actuals=locked(frames.actuals, "Actuals"),
        signoffs=locked(frames.signoffs, "SignOffs"),
        budgets=locked(frames.budgets, "BudgetAdjustments"),
        evidence=locked(frames.evidence, "Evidence"),
        **{name: pd.DataFrame() for name in ("schemes", "contracts", "contribution", "tower_spend",
                                             "tower_statements", "benchmarks", "activity", "policy_rows",
                                             "events", "plan_versions")},
    )


def period_fingerprint(frames: Frames, month: int) -> tuple[str, int]:
    """The fingerprint of the data locked by a close through `month`, and how many rows it covers."""
    scoped = scope(frames, month)
    rows = sum(len(f) for f in (scoped.lines, scoped.actuals, scoped.signoffs, scoped.budgets, scoped.evidence))
    return fingerprint(scoped), rows


def close_period(engine: Engine, trust: str, month_text: str, person: str, now: datetime | None = None) -> Lock:
    """Close the trust through `month_text` (e.g. `2026-03`): record the lock and an audit event.

    Refused for a month that has not ended, a month already closed, or without a person.
    """
    try:
        month = calendar.parse_month(month_text)
    except ValueError as exc:
        raise OptionError(f"MONTH: {exc}") from None
    if not person.strip():
        raise OptionError("close-period needs --person: who closes the month")
    now = now or audit.utc_now()
    if calendar.last_day(month) >= now.date():
        raise LedgerError(f"{calendar.month_label(month)} has not ended yet (today is {now.date()}); "
                          "a month can be closed after its last day")
    with engine.connect() as conn, conn.begin():
        audit.begin_write(conn, trust)
        current = closed_through(conn, trust)
        if current is not None and month <= current:
            lock = conn.execute(select(LOCKS.c.lock_id).where(LOCKS.c.trust == trust, LOCKS.c.month == current))
            raise LedgerError(f"{calendar.month_label(month)} is already closed: {trust} is closed through "
                              f"{calendar.month_label(current)} (lock {lock.scalar()}); closed months do not reopen")
        frames = load_frames(conn, trust)
        digest, rows = period_fingerprint(frames, month)
        label = calendar.month_label(month)
        lock_id = f"{trust}-{label}-{digest.removeprefix('sha256:')[:8]}"
        event = audit.append_events(conn, [{
            "trust": trust, "entity": "period", "entity_id": label, "action": "close_period", "actor": person.strip(),
            "role": "finance", "reason": f"month end close of {label}",
            "details": {"lock_id": lock_id, "fingerprint": digest, "rows": rows}}], now)[0]
        row = {"trust": trust, "month": month, "lock_id": lock_id, "fingerprint": digest, "rows": rows,
               "chain_seq": event["seq"], "chain_hash": event["hash"], "closed_by": person.strip(),
               "role": "finance", "closed_at": event["recorded_at"]}
        conn.execute(LOCKS.insert(), [row])
    return Lock(trust, label, lock_id, digest, rows, event["seq"], event["hash"], person.strip(), event["recorded_at"])


def locks(engine: Engine | Connection, trust: str) -> list[Lock]:
    """Every close of the trust, oldest first."""
    query = select(LOCKS).where(LOCKS.c.trust == trust).order_by(LOCKS.c.month)
    if isinstance(engine, Connection):
        return [_lock(r) for r in engine.execute(query)]
    with engine.connect() as conn:
        return [_lock(r) for r in conn.execute(query)]


def lock_for(engine: Engine, trust: str, period: str) -> Lock | None:
    """The lock that covers `period` (the first close at or after it), for the board pack footer."""
    month = calendar.parse_month(period)
    return next((lock for lock in locks(engine, trust) if calendar.parse_month(lock.month) >= month), None)


def verify_locks(conn: Connection, trust: str | None = None) -> tuple[int, list[audit.Problem]]:
    """Recompute each lock's fingerprint and check its anchor in the audit chain."""
    query = select(LOCKS).order_by(LOCKS.c.trust, LOCKS.c.month)
    if trust:
        query = query.where(LOCKS.c.trust == trust)
    found = [_lock(r) for r in conn.execute(query)]
    problems: list[audit.Problem] = []
    frames: dict[str, Frames] = {}
    for lock in found:
        subject = f"period {lock.month} (lock {lock.lock_id})"
        anchor = conn.execute(select(audit.EVENTS.c.hash).where(audit.EVENTS.c.seq == lock.chain_seq)).scalar()
        if anchor != lock.chain_hash:
            problems.append(audit.Problem(subject, f"the audit chain at event #{lock.chain_seq} is not the one the "
                                                   "close recorded: the trail was rewritten", lock.trust))
        if lock.trust not in frames:
            frames[lock.trust] = load_frames(conn, lock.trust)
        now, _ = period_fingerprint(frames[lock.trust], calendar.parse_month(lock.month))
        if now != lock.fingerprint:
            problems.append(audit.Problem(subject, "data dated in the closed period has changed since the close "
                                                   f"(fingerprint now {now[7:19]}…, at close "
                                                   f"{lock.fingerprint[7:19]}…)", lock.trust))
    return len(found), problems
