"""The audit trail and the evidence store: what an internal auditor checks with `savings audit verify`.

Every change to the ledger is an event in one append-only chain: each event carries the hash of
the one before it, so an event altered, removed or inserted by hand breaks the chain exactly
there, and `verify_chain` names it. Appending locks the chain head, so concurrent writers queue
instead of forking the chain. Evidence files are stored once, under their own sha256
(content-addressed), and re-hashed on verify. DESIGN.md "Storage"; DOMAIN.md R-GOV-1, section 10.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine

from ledger import models
from ledger.bulk import insert_rows
from ledger.textout import counted

GENESIS = "0" * 64
CHAIN = "main"
FIELDS = ("seq", "trust", "entity", "entity_id", "action", "from_status", "to_status", "actor", "role", "reason",
          "evidence_ids", "effective_month", "details")  # what an event's hash reads, in order, then recorded_at
DEFAULTS = {"from_status": "", "to_status": "", "role": "", "reason": "", "evidence_ids": "",
            "effective_month": None, "details": ""}
EVENTS = models.AuditEvent.__table__
HEAD = models.AuditHead.__table__


@dataclass(frozen=True)
class Problem:
    """One thing `audit verify` found: what (`subject`) and why, in words an auditor can act on."""

    subject: str
    message: str
    trust: str = ""

    def format(self) -> str:
        return f"{self.trust + ': ' if self.trust else ''}{self.subject}: {self.message}"


def utc_now() -> datetime:
    """Now, in UTC (events, locks and plan versions are stamped in UTC on both backends)."""
    return datetime.now(UTC)


def utc_today() -> date:
    """Today as the ledger dates things (UTC, like the audit trail): what "as known today" means."""
    return utc_now().date()


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(data: object) -> str:
    """One JSON text for a value: sorted keys, no spaces (what gets hashed and stored).

    One encoder serves every call (`json.dumps` with these options builds a new one each time).
    """
    return _CANONICAL.encode(data)


_FIELDS = itemgetter(*FIELDS)


def event_hash(prev_hash: str, event: Mapping, instant: str | None = None) -> str:
    """sha256 over the previous event's hash and this event's fields, in a fixed order.

    `instant` is `recorded_at` as `_instant` writes it, when the caller already has it (an
    import stamps thousands of events with one time).
    """
    values = [*_FIELDS(event), instant or _instant(event["recorded_at"])]
    return hashlib.sha256(f"{prev_hash}\n{canonical(values)}".encode()).hexdigest()


def _instant(when: datetime) -> str:
    """A timestamp as UTC text with microseconds (the same from SQLite and PostgreSQL)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def begin_write(conn: Connection, trust: str) -> None:
    """Serialise writers of one trust for the rest of the caller's transaction.

    PostgreSQL: a transaction-scoped advisory lock per trust (other trusts carry on). SQLite: take
    the database write lock now, before reading, so what was read cannot go stale.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"savings-ledger:{trust}"})
    else:
        conn.execute(update(HEAD).where(HEAD.c.chain == CHAIN).values(seq=HEAD.c.seq))


def append_events(conn: Connection, events: Sequence[Mapping], now: datetime | None = None) -> list[dict]:
    """Append `events` in order inside the caller's transaction; return them as stored.

    Each event needs trust, entity, entity_id, action and actor; `details` may be a dict (stored
    as canonical JSON). The chain head row is locked first, so appends never interleave.
    """
    if not events:
        return []
    conn.execute(update(HEAD).where(HEAD.c.chain == CHAIN).values(seq=HEAD.c.seq))
    seq, prev = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.chain == CHAIN)).one()
    when = now or utc_now()
    instant = _instant(when)
    rows = []
    for event in events:
        seq += 1
        row = {**DEFAULTS, **event, "seq": seq, "recorded_at": when}
        if not isinstance(row["details"], str):
            row["details"] = canonical(row["details"])
        row["prev_hash"] = prev
        row["hash"] = prev = event_hash(prev, row, instant)
        rows.append(row)
    insert_rows(conn, EVENTS, rows)
    conn.execute(update(HEAD).where(HEAD.c.chain == CHAIN).values(seq=seq, hash=prev))
    return rows


def verify_chain(conn: Connection) -> tuple[int, list[Problem]]:
    """Walk the whole chain; return the number of events and every break, first one first.

    A gap in the sequence is a removed event; a hash that does not match the event's content is
    an altered (or hand-inserted) event; an event whose recorded link does not match the event
    before it means that one was altered and re-hashed. After a break the walk re-synchronises,
    so independent tampering is reported too. Finally the head must name the last event.
    """
    problems: list[Problem] = []
    expected, prev, count, last_hash = 1, GENESIS, 0, GENESIS
    result = conn.execution_options(yield_per=5000).execute(select(EVENTS).order_by(EVENTS.c.seq))
    for row in result.mappings():
        count += 1
        seq = row["seq"]
        where = f"event #{seq} ({row['action']} {row['entity']} {row['entity_id']}, {row['recorded_at']:%Y-%m-%d})"
        if seq < expected:
            problems.append(Problem(where, "is out of sequence: inserted by hand", row["trust"]))
            continue
        if seq > expected:
            gone = f"#{expected}" if seq == expected + 1 else f"#{expected} to #{seq - 1}"
            problems.append(Problem(f"event {gone}", "missing from the chain: removed", row["trust"]))
        elif row["prev_hash"] != prev and event_hash(row["prev_hash"], row) == row["hash"]:
            problems.append(Problem(f"event #{seq - 1}", f"was altered and re-hashed: event #{seq} recorded "
                                    "a different hash for it", row["trust"]))
        if event_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(Problem(where, "does not match its hash: it was altered, or inserted by hand",
                                    row["trust"]))
        expected, prev, last_hash = seq + 1, row["hash"], row["hash"]
    head_seq, head_hash = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.chain == CHAIN)).one()
    if head_seq > expected - 1:
        problems.append(Problem(f"event #{expected}" + (f" to #{head_seq}" if head_seq > expected else ""),
                                "missing from the end of the chain: removed"))
    elif head_seq < expected - 1:
        problems.append(Problem(f"event #{head_seq + 1}" + (f" to #{expected - 1}" if expected - 1 > head_seq + 1
                                                              else ""),
                                f"after the recorded head (#{head_seq}): inserted by hand"))
    elif head_hash != last_hash:
        problems.append(Problem("chain head", f"records a hash that is not event #{head_seq}'s: altered"))
    return count, problems


# --- evidence store ------------------------------------------------------------------------------


def evidence_root(engine: Engine) -> Path:
    """`SAVINGS_EVIDENCE_DIR`, else `evidence/` next to a SQLite database, else `./evidence`."""
    configured = os.environ.get("SAVINGS_EVIDENCE_DIR")
    if configured:
        return Path(configured)
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent / "evidence"
    return Path.cwd() / "evidence"


def stored_path(root: Path, sha256: str) -> Path:
    """Where the file with this sha256 lives in the store."""
    return root / sha256[:2] / sha256


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def store_file(root: Path, source: Path) -> str:
    """Copy `source` into the store under its sha256 (once; read-only) and return the sha256."""
    sha = file_sha256(source)
    target = stored_path(root, sha)
    if target.exists() and file_sha256(target) == sha:
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    shutil.copyfile(source, tmp)
    if file_sha256(Path(tmp)) != sha:
        os.unlink(tmp)
        raise OSError(f"{source} changed while it was being stored")
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)
    return sha


def verify_evidence(conn: Connection, root: Path, trust: str | None = None) -> tuple[int, list[Problem]]:
    """Re-hash every stored evidence file; report each missing or changed one by line and evidence id."""
    ev = models.Evidence.__table__
    query = select(ev.c.trust, ev.c.evidence_id, ev.c.line_id, ev.c.sha256).where(ev.c.sha256 != "")
    if trust:
        query = query.where(ev.c.trust == trust)
    checked, problems = 0, []
    for row in conn.execute(query.order_by(ev.c.trust, ev.c.evidence_id)):
        checked += 1
        path = stored_path(root, row.sha256)
        subject = f"line {row.line_id} evidence {row.evidence_id}"
        if not path.is_file():
            problems.append(Problem(subject, f"file missing from the evidence store ({path})", row.trust))
        elif (now := file_sha256(path)) != row.sha256:
            problems.append(Problem(subject, f"file changed: it hashes to {now[:12]}…, recorded {row.sha256[:12]}…",
                                    row.trust))
    return checked, problems


@dataclass(frozen=True)
class Report:
    """What `savings audit verify` checked and every problem it found."""

    events: int
    periods: int
    lines: int
    files: int
    problems: tuple[Problem, ...]

    def summary(self) -> str:
        state = "OK" if not self.problems else counted(len(self.problems), "problem")
        return (f"audit verify: {state}: {self.events} events in the chain, {counted(self.periods, 'closed period')}, "
                f"{counted(self.lines, 'validated line')}, {counted(self.files, 'evidence file')} checked")


def verify(engine: Engine, trust: str | None = None) -> Report:
    """The whole check: the chain, each period lock's fingerprint, each locked line, each evidence file."""
    from ledger import governance, periods  # both build on this module
    from ledger.frames import require_trust

    with engine.connect() as conn:
        if trust is not None:
            require_trust(conn, trust)
        events, chain = verify_chain(conn)
        closed, locks = periods.verify_locks(conn, trust)
        lines, changed = governance.verify_lines(conn, trust)
        files, missing = verify_evidence(conn, evidence_root(engine), trust)
    return Report(events, closed, lines, files, (*chain, *locks, *changed, *missing))
