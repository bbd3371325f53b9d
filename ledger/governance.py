"""Governance commands: move a line through R-GOV-1, sign it off under R-GOV-3, reverse it (R-REV-1).

Each command is one transaction holding the trust's write lock: it reads the line as it is now,
refuses an illegal step with a message that says why and what to do instead, and records what it
did as audit events (plus a sign-off row, a line lock or a plan version). Sign-offs remain the one
rule for "validated" (ledger.engine.eligibility); the command records the VALIDATED event when the
last required approval arrives. `read_for_import`, `plan_import` and `record_import` record the same
things for a register import.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ledger import audit, calendar, evidence, models, periods
from ledger.bulk import insert_rows
from ledger.engine import eligibility as elig
from ledger.engine import status as st
from ledger.engine.figures import Figures, compute, planned
from ledger.errors import LedgerError, OptionError
from ledger.fingerprint import fingerprint
from ledger.frames import Frames, load_frames, trust_policy
from ledger.locks import LINE_FIELDS, LOCKED_LINES, fields_hash, row_hash
from ledger.money import from_pence
from ledger.register.parse import as_register_text
from ledger.register.read import Register
from ledger.register.spec import ROLES

LINES = models.SavingLine.__table__
VERSIONS = models.PlanVersion.__table__
SIGNOFFS = models.SignOff.__table__
APPROVERS = {"QIA_APPROVED": ("clinical",), "PLAN_APPROVED": ("budget_holder", "finance"), "CLOSED": ("finance",)}
NEEDS_REASON = ("REJECTED", "WITHDRAWN", "REVERSED")
IMPORTER = "register import"


@dataclass(frozen=True)
class Outcome:
    """What a command did: the line, its status now, and a sentence for the user."""

    trust: str
    line_id: str
    status: str
    message: str


@dataclass(frozen=True)
class _Line:
    trust: str
    frames: Frames
    figures: Figures
    fact: pd.Series


def resolve_trust(conn: Connection, line_id: str, trust: str | None) -> str:
    """The trust holding `line_id` (given, or found when the id is unique across trusts)."""
    query = select(LINES.c.trust).where(LINES.c.line_id == line_id)
    found = sorted(set(conn.execute(query).scalars()))
    if trust:
        if trust not in found:
            raise LedgerError(f"line {line_id} is not in trust {trust}")
        return trust
    if not found:
        raise LedgerError(f"line {line_id} is not in the ledger; import the register that holds it")
    if len(found) > 1:
        raise LedgerError(f"line {line_id} is in trusts {', '.join(found)}: give --trust")
    return found[0]


def _load_line(conn: Connection, trust: str, line_id: str) -> _Line:
    frames = load_frames(conn, trust, skip=("actuals",))
    figures = compute(frames, trust_policy(frames))
    return _Line(trust, frames, figures, figures.lines.set_index("line_id").loc[line_id])


def _check_person(person: str, role: str) -> str:
    if not person.strip():
        raise OptionError("--person is required: who is doing this")
    if role not in ROLES:
        raise OptionError(f"--role {role!r} is not one of {', '.join(ROLES)}")
    return person.strip()


def _same(a: str, b: str) -> bool:
    return elig.person_key(a) == elig.person_key(b) != ""


def _check_evidence(line: _Line, ids: Sequence[str]) -> str:
    ev = line.frames.evidence
    known = set(ev.loc[ev["line_id"] == line.fact.name, "evidence_id"])
    for evidence_id in ids:
        if evidence_id not in known:
            raise LedgerError(f"evidence {evidence_id} is not attached to line {line.fact.name} "
                              f"(attach it with: savings evidence add {line.fact.name} FILE --type TYPE)")
    return ",".join(ids)


def _status_event(line: _Line, to: str, actor: str, role: str, reason: str, **extra: object) -> dict:
    return _line_event(line.trust, line.fact.name, line.fact["status"], to, actor, role, reason, **extra)


def _line_event(trust: str, line_id: str, from_status: str, to: str, actor: str, role: str, reason: str,
                **extra: object) -> dict:
    """A line's status event; the import builds thousands without a Series per line."""
    return {"trust": trust, "entity": "line", "entity_id": line_id, "action": "status",
            "from_status": from_status, "to_status": to, "actor": actor, "role": role, "reason": reason, **extra}


def _lock(conn: Connection, trust: str, line_id: str, seq: int, now: datetime) -> None:
    row = conn.execute(select(LINES).where(LINES.c.trust == trust, LINES.c.line_id == line_id)).mappings().one()
    conn.execute(LOCKED_LINES.insert(), [{"trust": trust, "line_id": line_id, "row_hash": row_hash(row),
                                          "event_seq": seq, "locked_at": now}])


def _is_locked(conn: Connection, trust: str, line_id: str) -> bool:
    query = select(LOCKED_LINES.c.line_id).where(LOCKED_LINES.c.trust == trust, LOCKED_LINES.c.line_id == line_id)
    return conn.execute(query).first() is not None


def _approvals(signoffs: pd.DataFrame, line_id: str) -> pd.DataFrame:
    """The latest decision per role on a line (what R-GOV-3 is checked against)."""
    mine = signoffs[signoffs["line_id"] == line_id].reset_index(drop=True)
    mine = mine.assign(order=range(len(mine))).sort_values(["date", "order"])
    return mine.groupby("role", as_index=False).last()


def _why_not_in_delivery(line_id: str, status: str) -> str:
    if status == "VALIDATED":
        return f"line {line_id} is already VALIDATED"
    if status in (*st.STOPPED, "CLOSED"):
        return f"line {line_id} is {status}: it can no longer be signed off"
    return (f"line {line_id} is {status}: sign-off comes once it is IN_DELIVERY "
            f"(next step: savings advance {line_id} --to {st.TRANSITIONS[status][0]})")


def signoff(engine: Engine, line_id: str, role: str, person: str, approve: bool, comment: str = "",
            trust: str | None = None, on: date | None = None, now: datetime | None = None) -> Outcome:
    """R-ELG-1/R-GOV-3: record one sign-off; the last required approval validates the line."""
    person = _check_person(person, role)
    now = now or audit.utc_now()
    on = on or now.date()
    periods.refuse_if_future(on, now.date(), "a sign-off")
    with engine.connect() as conn, conn.begin():
        trust = resolve_trust(conn, line_id, trust)
        audit.begin_write(conn, trust)
        periods.refuse_if_closed(conn, trust, on, "a sign-off")
        line = _load_line(conn, trust, line_id)
        fact = line.fact
        if fact["status"] != "IN_DELIVERY":
            raise LedgerError(_why_not_in_delivery(line_id, fact["status"]))
        if _same(person, fact["created_by"]):
            raise LedgerError(f"R-GOV-3: {fact['created_by']} created line {line_id} and cannot sign it off; "
                              "ask the budget holder and finance")
        policy = line.figures.policy
        latest = _approvals(line.frames.signoffs, line_id)
        approved = latest[(latest["decision"] == "approve") & latest["role"].isin(policy.signoff_roles_required)]
        for other in approved.itertuples():
            if approve and _same(other.person, person) and other.role != role and role in policy.signoff_roles_required:
                raise LedgerError(f"R-GOV-3: {other.person} already approved line {line_id} as {other.role}; "
                                  f"the {role} sign-off must be by a different person")
            if approve and _same(other.person, person) and other.role == role:
                raise LedgerError(f"{person} has already approved line {line_id} as {role}")
        decision = "approve" if approve else "reject"
        row = {"trust": trust, "line_id": line_id, "role": role, "person": person, "decision": decision,
               "date": on, "comment": as_register_text(comment), "source": "cli", "source_row": 0}
        conn.execute(models.SignOff.__table__.insert(), [row])
        events = [{"trust": trust, "entity": "line", "entity_id": line_id, "action": "signoff", "actor": person,
                   "role": role, "reason": comment, "details": {"decision": decision, "date": on.isoformat()}}]
        signoffs = pd.concat([line.frames.signoffs, pd.DataFrame([row])], ignore_index=True)
        lines = line.frames.lines[line.frames.lines["line_id"] == line_id]
        validated = bool(elig.signoff_status(lines, signoffs, policy)["validated"].iloc[0])
        if validated:
            events.append(_status_event(line, "VALIDATED", person, role,
                                        f"validated by sign-offs of {' and '.join(policy.signoff_roles_required)}"))
        stored = audit.append_events(conn, events, now)
        if validated and not _is_locked(conn, trust, line_id):
            _lock(conn, trust, line_id, stored[-1]["seq"], now)
    status = "VALIDATED" if validated else "IN_DELIVERY"
    what = "approved" if approve else "rejected"
    done = set(approved["role"]) - {role} | ({role} if approve else set())
    missing = [r for r in policy.signoff_roles_required if r not in done]
    waiting = "" if validated else f"; still needs approval by {' and '.join(missing) or 'different people'}"
    return Outcome(trust, line_id, status, f"{person} {what} line {line_id} as {role}: line is {status}{waiting}")


def advance(engine: Engine, line_id: str, to: str, person: str, role: str, reason: str = "",
            evidence_ids: Sequence[str] = (), trust: str | None = None, on: date | None = None,
            now: datetime | None = None) -> Outcome:
    """R-GOV-1: move a line one legal step (QIA before plan approval for clinical changes, R-GOV-2)."""
    to = to.strip().upper()
    person = _check_person(person, role)
    if to not in st.STATUSES:
        raise OptionError(f"--to {to!r} is not a status; statuses: {', '.join(st.STATUSES)}")
    if to == "VALIDATED":
        raise OptionError("--to VALIDATED: a line becomes VALIDATED only through sign-offs (R-ELG-1): "
                          f"savings signoff {line_id} --role budget_holder|finance --person NAME --approve")
    if to == "REVERSED":
        raise OptionError(f"--to REVERSED: a line is reversed with: savings reverse {line_id} --reason TEXT "
                          "--person NAME")
    if to in NEEDS_REASON and not reason.strip():
        raise OptionError(f"moving a line to {to} needs --reason")
    now = now or audit.utc_now()
    on = on or now.date()
    periods.refuse_if_future(on, now.date(), f"moving a line to {to}")
    with engine.connect() as conn, conn.begin():
        trust = resolve_trust(conn, line_id, trust)
        audit.begin_write(conn, trust)
        periods.refuse_if_closed(conn, trust, on, f"moving a line to {to}")
        line = _load_line(conn, trust, line_id)
        fact, status = line.fact, line.fact["status"]
        if to not in st.TRANSITIONS[status]:
            allowed = ", ".join(st.TRANSITIONS[status]) or "nothing (it is final)"
            raise LedgerError(f"line {line_id} is {status}: it can move to {allowed}; not to {to} (R-GOV-1)")
        if to in APPROVERS and role not in APPROVERS[to]:
            raise LedgerError(f"{to} is approved by {' or '.join(APPROVERS[to])}, not {role}")
        if to in APPROVERS and _same(person, fact["created_by"]):
            raise LedgerError(f"R-GOV-3: {fact['created_by']} created line {line_id} and cannot approve it ({to})")
        if to == "PLAN_APPROVED" and fact["qia_needed"] and not fact["qia_passed"]:
            raise LedgerError(f"R-GOV-2: line {line_id} is a {fact['benefit_type']}: its quality impact assessment "
                              f"must be approved first (savings advance {line_id} --to QIA_APPROVED --role clinical)")
        if to == "CLOSED":
            last_day = (pd.Timestamp(fact["cip_end"]) - pd.Timedelta(days=1)).date()
            if last_day >= on:
                raise LedgerError(f"line {line_id} is still in its claim window until {last_day}; it can be "
                                  "CLOSED (moved into the baseline, R-BAS-6) after that")
        stop = {"effective_month": calendar.month_index(on)} if to in st.STOPPED else {}
        event = _status_event(line, to, person, role, reason.strip(), evidence_ids=_check_evidence(line, evidence_ids),
                              details={"date": on.isoformat()}, **stop)
        events = [event]
        if to == "PLAN_APPROVED":
            events.append(_plan_event(line.trust, line_id, 1, "plan as approved", person))
        stored = audit.append_events(conn, events, now)
        if to == "PLAN_APPROVED":
            months = plan_months(line.figures.months[line.figures.months["line_id"] == line_id])
            _insert_versions(conn, _version_rows(line.figures.lines, [(line_id, 1, "plan as approved", person)],
                                                 months), [stored[1]])
    return Outcome(trust, line_id, to, f"line {line_id}: {status} -> {to}")


def reverse(engine: Engine, line_id: str, reason: str, person: str, role: str = "finance",
            month: str | None = None, evidence_ids: Sequence[str] = (), trust: str | None = None,
            now: datetime | None = None) -> Outcome:
    """R-GOV-4/R-REV-1: the line stops counting from `month` (an open month; default this month).

    Its budget already removed for the months from then on becomes a cost pressure.
    """
    person = _check_person(person, role)
    if not reason.strip():
        raise OptionError("a reversal needs --reason (why the saving no longer holds)")
    now = now or audit.utc_now()
    try:
        start = calendar.parse_month(month) if month else calendar.month_index(now.date())
    except ValueError as exc:
        raise OptionError(f"--from: {exc}") from None
    with engine.connect() as conn, conn.begin():
        trust = resolve_trust(conn, line_id, trust)
        audit.begin_write(conn, trust)
        periods.refuse_if_closed(conn, trust, calendar.month_start(start), "a reversal")
        line = _load_line(conn, trust, line_id)
        status = line.fact["status"]
        if "REVERSED" not in st.TRANSITIONS[status]:
            hint = f"; withdraw it instead (savings advance {line_id} --to WITHDRAWN)" if status in st.PRE_VALIDATION \
                else ""
            raise LedgerError(f"line {line_id} is {status}: only a line in delivery, validated or closed can be "
                              f"reversed{hint}")
        event = _status_event(line, "REVERSED", person, role, reason.strip(), effective_month=start,
                              evidence_ids=_check_evidence(line, evidence_ids))
        stored = audit.append_events(conn, [event], now)
        if not _is_locked(conn, trust, line_id):
            _lock(conn, trust, line_id, stored[0]["seq"], now)
        frames = replace(line.frames, events=pd.concat([line.frames.events, pd.DataFrame(stored)], ignore_index=True))
        years = compute(frames, line.figures.policy).years
    pressure = years[(years["line_id"] == line_id) & (years["cost_pressure"] > 0)]
    owed = ", ".join(f"{r.fy} £{from_pence(r.cost_pressure):,}" for r in pressure.itertuples()) or "none"
    return Outcome(trust, line_id, "REVERSED", f"line {line_id} reversed from {calendar.month_label(start)}: it stops "
                                                f"counting from that month; budget already removed becomes a cost "
                                                f"pressure (R-REV-1): {owed}")


# --- plan versions -------------------------------------------------------------------------------


def plan_months(months: pd.DataFrame) -> dict[str, tuple[str, int]]:
    """Each line's CIP plan by month as a plan version stores it: `audit.canonical` of
    `{"2025-11": pence, ...}` and its total, from `line_id`, `month` and `cip_plan` columns
    (`Figures.months`).

    The text is written directly (labels are fixed-width `YYYY-MM`, values whole pence): an
    import stores some 2,000 of these a register, and `tests/test_governance.py` holds each to
    `audit.canonical` of the same dict.
    """
    numbers = months["month"].tolist()
    labels = {m: calendar.month_label(int(m)) for m in set(numbers)}
    items: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    for line_id, month, pence in zip(months["line_id"].tolist(), numbers, months["cip_plan"].tolist(), strict=True):
        items.setdefault(line_id, []).append(f'"{labels[month]}":{int(pence)}')
        totals[line_id] = totals.get(line_id, 0) + int(pence)
    return {line_id: ("{" + ",".join(sorted(texts)) + "}", totals[line_id]) for line_id, texts in items.items()}


NO_PLAN = ("{}", 0)  # `plan_months` of a line with no CIP months


def _plan_event(trust: str, line_id: str, version: int, reason: str, actor: str) -> dict:
    return {"trust": trust, "entity": "line", "entity_id": line_id, "action": "plan", "actor": actor,
            "reason": reason, "details": {"version": version}}


PLAN_PARAMS = ("baseline_micro", "new_micro", "annual_volume_milli", "go_live")  # what a plan version records


def _version_rows(lines: pd.DataFrame, made: list[tuple], months: dict[str, tuple[str, int]]) -> list[dict]:
    """Plan-version rows for `made` (line, version, reason, actor) of `lines` (line facts), each
    with its plan by month (`plan_months`); `_insert_versions` adds the event that records each."""
    chosen = lines[lines["line_id"].isin([m[0] for m in made])]
    fields = {values[0]: dict(zip(PLAN_PARAMS, map(str, values[1:]), strict=True))
              for values in zip(*(chosen[c].tolist() for c in ("line_id", *PLAN_PARAMS)), strict=True)}
    rows = []
    for line_id, version, reason, actor in made:
        plan, total = months.get(line_id, NO_PLAN)
        rows.append({"line_id": line_id, "version": version, "reason": reason, "actor": actor,
                     "params": audit.canonical(fields[line_id]), "months": plan, "total_pence": total})
    return rows


def _insert_versions(conn: Connection, rows: list[dict], events: list[dict]) -> None:
    """Store plan versions (`_version_rows`), each with the stored event that records it."""
    insert_rows(conn, VERSIONS, [{"trust": event["trust"], **row, "event_seq": event["seq"],
                                  "recorded_at": event["recorded_at"]}
                                 for row, event in zip(rows, events, strict=True)])


def plan_versions(frames: Frames, fy: str) -> pd.DataFrame:
    """Section 8: per line, the plan in `fy` as approved (version 1) and as last re-planned (pence)."""
    versions = frames.plan_versions
    if versions.empty:
        return pd.DataFrame(columns=["line_id", "approved", "latest", "versions"])
    first, last = calendar.fy_bounds(fy)
    inside = {calendar.month_label(m) for m in range(calendar.month_index(first), calendar.month_index(last) + 1)}
    in_fy = [sum(v for k, v in json.loads(m).items() if k in inside) for m in versions["months"]]
    sums = versions.assign(in_fy=in_fy).sort_values(["line_id", "version"])
    grouped = sums.groupby("line_id")
    return pd.DataFrame({"approved": grouped["in_fy"].first(), "latest": grouped["in_fy"].last(),
                         "versions": grouped["version"].max()}).reset_index()



# --- after a register import ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRead:
    """The trust read back inside the import's transaction, before its actuals go in."""

    frames: Frames
    locked: set[str]
    line_fields: list[tuple]  # (line_id, *LINE_FIELDS) as the database holds them, for the locks


@dataclass(frozen=True)
class ImportRecord:
    """What a register import records, worked out from the trust as read back without its actuals.

    The import reads the trust (`read_for_import`), works this out (`plan_import`) while its
    actuals are still going into the database, then stores it (`record_import`).
    """

    trust: str
    frames: Frames
    events: list[dict]  # lines validated, then plan versions, then the import itself
    locks: list[tuple[str, str]]  # (line, row hash) of each line validated, in event order
    versions: list[dict]  # `_version_rows`, in event order


def read_for_import(conn: Connection, trust: str) -> ImportRead:
    """Everything the governance step of an import reads (the trust without its actuals)."""
    frames = load_frames(conn, trust, skip=("actuals",))
    locked = set(conn.execute(select(LOCKED_LINES.c.line_id).where(LOCKED_LINES.c.trust == trust)).scalars())
    line_fields = conn.execute(select(LINES.c.line_id, *(LINES.c[f] for f in LINE_FIELDS))
                               .where(LINES.c.trust == trust)).all()
    return ImportRead(frames, locked, line_fields)


def plan_import(read: ImportRead, label: str, digest: str) -> ImportRecord:
    """R-ELG-1, R-GOV-1: lines the register's sign-offs validated (events and locks), plans approved
    or re-planned (versions), and the import event with the data's fingerprint; no database."""
    frames, trust = read.frames, read.frames.trust["org_code"]
    lines, cip_months = planned(frames, trust_policy(frames))
    facts = lines.set_index("line_id")
    before = st.line_status(frames.lines, frames.schemes, frames.events, pd.Series(dtype=bool))["status"].to_dict()
    newly = facts[facts["validated"] & (facts["status"] == "VALIDATED") & ~facts.index.isin(read.locked)].index
    events = [_line_event(trust, line_id, before[line_id], "VALIDATED", IMPORTER, "",
                          f"validated by sign-offs in {label}") for line_id in newly]
    latest = {}
    if not frames.plan_versions.empty:
        last = frames.plan_versions.sort_values("version").groupby("line_id").last()
        latest = {i: (int(r.version), r.months) for i, r in last.iterrows()}
    months = plan_months(cip_months)
    approved = facts[[st.reached(s, "PLAN_APPROVED") for s in facts["status"]]]
    made = []
    for line_id in approved.index:
        version, stored = latest.get(line_id, (0, None))
        if stored is not None and stored == months.get(line_id, NO_PLAN)[0]:
            continue
        reason = "plan as approved (recorded at import)" if version == 0 else f"re-planned in {label}"
        made.append((line_id, version + 1, reason, IMPORTER))
        events.append(_plan_event(trust, line_id, version + 1, reason, IMPORTER))
    data = fingerprint(replace(frames, events=pd.DataFrame(), plan_versions=pd.DataFrame()))
    events.append({"trust": trust, "entity": "register", "entity_id": label, "action": "import", "actor": IMPORTER,
                   "details": {"register_sha256": digest, "data": data, "validated": len(newly), "plans": len(made)}})
    fields = {r[0]: r[1:] for r in read.line_fields}
    return ImportRecord(trust, frames, events, [(line_id, fields_hash(fields[line_id])) for line_id in newly],
                        _version_rows(lines, made, months))


def record_import(conn: Connection, record: ImportRecord, register: Register, held: frozenset[str],
                  now: datetime | None = None) -> None:
    """Store what `plan_import` worked out: the register's evidence files, the events (hash-chained),
    the locks of the lines validated and the plan versions. `held` is the sha256 of each evidence
    file the trust held before the import (`evidence.held_files`), the only ones its register may
    name by hash alone."""
    now = now or audit.utc_now()
    evidence.store_register_files(conn, record.trust, record.frames.evidence, register.path,
                                  register.where("Evidence"), held)
    stored = audit.append_events(conn, record.events, now)
    insert_rows(conn, LOCKED_LINES, [{"trust": record.trust, "line_id": line_id, "row_hash": digest,
                                      "event_seq": event["seq"], "locked_at": now}
                                     for (line_id, digest), event in zip(record.locks, stored, strict=False)])
    first = len(record.locks)
    _insert_versions(conn, record.versions, stored[first:first + len(record.versions)])


def verify_lines(conn: Connection, trust: str | None = None) -> tuple[int, list[audit.Problem]]:
    """Each validated line's fields still hash to what they were when it was locked."""
    query = select(LOCKED_LINES.c.trust, LOCKED_LINES.c.line_id, LOCKED_LINES.c.row_hash, LOCKED_LINES.c.event_seq)
    if trust:
        query = query.where(LOCKED_LINES.c.trust == trust)
    locked = conn.execute(query).all()
    lines = select(LINES) if not trust else select(LINES).where(LINES.c.trust == trust)
    rows = {(r["trust"], r["line_id"]): r for r in conn.execute(lines).mappings()} if locked else {}
    problems = []
    for lock in locked:
        subject = f"line {lock.line_id}"
        row = rows.get((lock.trust, lock.line_id))
        if row is None:
            problems.append(audit.Problem(subject, f"validated (locked at event #{lock.event_seq}) but missing: "
                                                   "removed outside the ledger", lock.trust))
        elif row_hash(row) != lock.row_hash:
            problems.append(audit.Problem(subject, f"validated (locked at event #{lock.event_seq}) but its fields "
                                                   "no longer hash to what they were then: it was edited outside "
                                                   "the ledger", lock.trust))
    return len(locked), problems


def history(engine: Engine, line_id: str, trust: str | None = None) -> list[dict]:
    """The line's events, oldest first (status moves, sign-offs, plan versions, and the evidence
    attached to it outside the register, an event of the evidence it names)."""
    ev = audit.EVENTS
    with engine.connect() as conn:
        trust = _trail_trust(conn, line_id, trust)
        mine = (ev.c.entity == "line") & (ev.c.entity_id == line_id)
        attached = (ev.c.entity == "evidence") & ev.c.entity_id.in_(
            select(evidence.EVIDENCE.c.evidence_id).where(evidence.EVIDENCE.c.trust == trust,
                                                          evidence.EVIDENCE.c.line_id == line_id))
        query = select(ev).where(ev.c.trust == trust, mine | attached)
        return [dict(r) for r in conn.execute(query.order_by(ev.c.seq)).mappings()]


def register_trail(engine: Engine, line_id: str, trust: str | None = None) -> tuple[list[dict], list[dict]]:
    """The sign-offs (by date) and evidence (by id) the trust's register records for the line: rows
    with no event of their own, as the import's event holds the register's sha256 (R-GOV-3, R-ELG-1)."""
    signoffs, files = SIGNOFFS, evidence.EVIDENCE
    with engine.connect() as conn:
        trust = _trail_trust(conn, line_id, trust)
        decisions = conn.execute(
            select(signoffs.c.date, signoffs.c.role, signoffs.c.person, signoffs.c.decision, signoffs.c.comment,
                   signoffs.c.source_row)
            .where(signoffs.c.trust == trust, signoffs.c.line_id == line_id, signoffs.c.source == "register")
            .order_by(signoffs.c.date, signoffs.c.source_row)).mappings()
        held = conn.execute(
            select(files.c.evidence_id, files.c.type, files.c.file, files.c.sha256, files.c.captured_at,
                   files.c.source_row)
            .where(files.c.trust == trust, files.c.line_id == line_id, files.c.source == "register")
            .order_by(files.c.evidence_id)).mappings()
        return [dict(r) for r in decisions], [dict(r) for r in held]


def _trail_trust(conn: Connection, line_id: str, trust: str | None) -> str:
    """The trust whose trail of `line_id` is read: given, or found. A line removed from the register by a
    re-import keeps its events, so a trust they name is read even when it no longer holds the line."""
    ev = audit.EVENTS
    mine = (ev.c.entity == "line") & (ev.c.entity_id == line_id)
    named = set(conn.execute(select(ev.c.trust).where(mine).distinct()).scalars())
    held = conn.execute(select(LINES.c.trust).where(LINES.c.line_id == line_id)).first()
    if trust is None and len(named) == 1 and not held:
        return named.pop()
    if trust not in named:
        return resolve_trust(conn, line_id, trust)
    return trust
