"""Single-row writes from the web forms: a new or edited draft line, an actual, a budget removal.

A form row is checked by the register importer's own row checker (the same parsers, required
columns, references, R-ELG-6 deferral refusal and date checks), so a form and a register
upload give the same message for the same mistake. Each write is one transaction holding the
trust's write lock, refuses a date in a closed month (C4) and appends an audit event naming
the person. Figures are never computed here: the pages load them through `load_trust`.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from ledger import audit, models, periods
from ledger.engine.figures import compute
from ledger.errors import LedgerError
from ledger.frames import load_frames, trust_policy
from ledger.locks import LOCKED_LINES
from ledger.register import load
from ledger.register.spec import SHEET_BY_NAME

LINES = models.SavingLine.__table__
DRAFT = ("IDEA", "PROPOSED")  # the statuses in which a line's fields may still be edited on the web
LINE_FORM = ("line_id", "scheme_id", "contract_id", "product_code", "cost_centre", "subjective", "benefit_type",
             "attribution", "tower_enabled", "baseline_price", "new_price", "unit", "annual_volume", "go_live",
             "end_date", "one_off_costs", "notes", "baseline_volume", "activity_factor", "growth_funded",
             "counterfactual_index", "counterfactual_approval")  # every SavingLines column but created_by


class FormErrors(LedgerError):
    """A form's problems, by field: `errors = {"new_price": "not a number ('3,4O')"}`."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class _Collected(load.Problems):
    """The importer's problem list, kept by column for inline form errors."""

    def __init__(self) -> None:
        super().__init__()
        self.by_column: dict[str, str] = {}

    def add(self, where: str, row: int | str, column: str, message: str) -> None:
        super().add(where, row, column, message)
        self.by_column.setdefault(column, message)


def _ids(conn: Connection, model, column: str, trust: str) -> set[str]:
    table = model.__table__
    return set(conn.execute(select(table.c[column]).where(table.c.trust == trust)).scalars())


def check_row(conn: Connection, trust: str, sheet_name: str, cells: Mapping[str, str]) -> dict:
    """Parse and check one form row as the importer checks a register row; FormErrors if wrong."""
    sheet = SHEET_BY_NAME[sheet_name.lower()]
    problems = _Collected()
    ids: dict[str, set[str] | None] = {"Schemes": _ids(conn, models.Scheme, "scheme_id", trust),
                                       "Contracts": _ids(conn, models.Contract, "contract_id", trust),
                                       "SavingLines": _ids(conn, models.SavingLine, "line_id", trust)}
    values = {c.name: (cells.get(c.name) or "").strip() for c in sheet.columns if c.name in cells}
    record = load.check_row(sheet, values, ids, problems)
    if record is None:
        raise FormErrors(problems.by_column)
    return record


def _trust_exists(conn: Connection, trust: str) -> None:
    known = conn.execute(select(models.Trust.org_code).where(models.Trust.org_code == trust)).first()
    if known is None:
        raise LedgerError(f"trust {trust} has no register yet: upload its register first (trust, contracts, "
                          "schemes)")


def _open(conn: Connection, trust: str, day: date, field: str, what: str) -> None:
    try:
        periods.refuse_if_closed(conn, trust, day, what)
    except LedgerError as exc:
        raise FormErrors({field: str(exc)}) from None


def _event(trust: str, entity_id: str, action: str, person: str, role: str, reason: str, details: dict,
           entity: str = "line") -> dict:
    return {"trust": trust, "entity": entity, "entity_id": entity_id, "action": action, "actor": person,
            "role": role, "reason": reason, "details": details}


def create_line(engine: Engine, trust: str, cells: Mapping[str, str], person: str, role: str) -> str:
    """A new saving line entered on the web, created by `person` (R-GOV-3 remembers who)."""
    with engine.connect() as conn, conn.begin():
        audit.begin_write(conn, trust)
        _trust_exists(conn, trust)
        record = check_row(conn, trust, "SavingLines", {k: cells.get(k, "") for k in LINE_FORM})
        line_id = record["line_id"]
        if line_id in _ids(conn, models.SavingLine, "line_id", trust):
            raise FormErrors({"line_id": f"line {line_id} already exists in {trust}; choose another id"})
        if _has_history(conn, trust, line_id):
            raise FormErrors({"line_id": f"line {line_id} was in {trust} before (a register dropped it) and its "
                                         "sign-offs and status moves are kept: a new line with its id would inherit "
                                         "them; choose another id"})
        _open(conn, trust, record["go_live"], "go_live", "a new line")
        row = load.stored_row(LINES, {**record, "created_by": person}, trust)
        conn.execute(LINES.insert(), [row])
        audit.append_events(conn, [_event(trust, line_id, "create", person, role, "entered on the web",
                                          {"scheme_id": row["scheme_id"], "benefit_type": row["benefit_type"]})])
    return line_id


def _has_history(conn: Connection, trust: str, line_id: str) -> bool:
    """Whether sign-offs or line events kept from an earlier line with this id remain (the engine
    reads them by line id, so they would count for a new line)."""
    signoffs, events = models.SignOff.__table__, models.AuditEvent.__table__
    signed = select(signoffs.c.id).where(signoffs.c.trust == trust, signoffs.c.line_id == line_id).limit(1)
    moved = select(events.c.seq).where(events.c.trust == trust, events.c.entity == "line",
                                       events.c.entity_id == line_id).limit(1)
    return conn.execute(signed).first() is not None or conn.execute(moved).first() is not None


def line_status(conn: Connection, trust: str, line_id: str) -> str:
    """The line's status now (R-GOV-1), as the engine derives it."""
    frames = load_frames(conn, trust, skip=("actuals",))
    facts = compute(frames, trust_policy(frames)).lines.set_index("line_id")
    if line_id not in facts.index:
        raise LedgerError(f"line {line_id} is not in trust {trust}")
    return str(facts.at[line_id, "status"])


def edit_line(engine: Engine, trust: str, line_id: str, cells: Mapping[str, str], person: str, role: str) -> None:
    """Change a draft line's fields (IDEA or PROPOSED). Later changes are re-plans or reversals."""
    with engine.connect() as conn, conn.begin():
        audit.begin_write(conn, trust)
        current = conn.execute(select(LINES).where(LINES.c.trust == trust, LINES.c.line_id == line_id)).mappings()
        old = current.first()
        if old is None:
            raise LedgerError(f"line {line_id} is not in trust {trust}")
        status = line_status(conn, trust, line_id)
        locked = conn.execute(select(LOCKED_LINES.c.line_id).where(LOCKED_LINES.c.trust == trust,
                                                                   LOCKED_LINES.c.line_id == line_id)).first()
        if status not in DRAFT or locked:
            raise LedgerError(f"line {line_id} is {status}: only a draft line (IDEA or PROPOSED) can be edited. "
                              "After plan approval a change is a re-plan in the register, and a validated line "
                              "is corrected by a reversal and a new line (R-GOV-4)")
        record = check_row(conn, trust, "SavingLines", {**{k: cells.get(k, "") for k in LINE_FORM},
                                                        "line_id": line_id})
        _open(conn, trust, old["go_live"], "go_live", "a change to this line")
        _open(conn, trust, record["go_live"], "go_live", "a change to this line")
        row = load.stored_row(LINES, {**record, "created_by": old["created_by"]}, trust)
        changed = {k: str(v) for k, v in row.items() if k not in ("source_row", "extra") and old[k] != v}
        if not changed:
            return
        conn.execute(update(LINES).where(LINES.c.trust == trust, LINES.c.line_id == line_id).values(
            {k: row[k] for k in changed}))
        audit.append_events(conn, [_event(trust, line_id, "edit", person, role, "edited on the web",
                                          {"changed": sorted(changed)})])


def add_actual(engine: Engine, trust: str, line_id: str, cells: Mapping[str, str], person: str, role: str) -> None:
    """One Actuals row (month, volume, price paid) for a line, as an invoice extract would give it."""
    from ledger import calendar

    table = models.Actual.__table__
    with engine.connect() as conn, conn.begin():
        audit.begin_write(conn, trust)
        record = check_row(conn, trust, "Actuals", {"line_id": line_id, "month": cells.get("month", ""),
                                                    "volume": cells.get("volume", ""),
                                                    "price_paid": cells.get("price_paid", "")})
        _open(conn, trust, calendar.month_start(record["month"]), "month", "an actual")
        conn.execute(table.insert(), [load.stored_row(table, record, trust)])
        audit.append_events(conn, [_event(trust, line_id, "actual", person, role,
                                          f"actual for {calendar.month_label(record['month'])}",
                                          {"volume": cells.get("volume", ""),
                                           "price_paid": cells.get("price_paid", "")})])


def _next_adjustment_id(conn: Connection, trust: str, line_id: str) -> str:
    """`BA-LINE-n`, n one more than the trust's adjustments, or the next number free (a register may
    hold such an id already, and the form has no field to give another)."""
    table = models.BudgetAdjustment.__table__
    taken = set(conn.execute(select(table.c.adjustment_id).where(table.c.trust == trust)).scalars())
    n = len(taken) + 1
    while f"BA-{line_id}-{n}" in taken:
        n += 1
    return f"BA-{line_id}-{n}"


def add_budget(engine: Engine, trust: str, line_id: str, cells: Mapping[str, str], person: str, role: str) -> str:
    """A budget removal (R-ELG-1a) linked to the line, with its ledger journal reference."""
    table = models.BudgetAdjustment.__table__
    with engine.connect() as conn, conn.begin():
        audit.begin_write(conn, trust)
        adjustment_id = (cells.get("adjustment_id") or "").strip() or _next_adjustment_id(conn, trust, line_id)
        fields = ("ledger_ref", "cost_centre", "subjective", "amount", "recurrent", "effective_from")
        record = check_row(conn, trust, "BudgetAdjustments", {"adjustment_id": adjustment_id, "line_id": line_id,
                                                              **{k: cells.get(k, "") for k in fields}})
        taken = conn.execute(select(table.c.line_id).where(table.c.trust == trust,
                                                           table.c.adjustment_id == adjustment_id)).scalar()
        if taken is not None:
            raise FormErrors({"adjustment_id": f"adjustment {adjustment_id} already exists (line {taken})"})
        _open(conn, trust, record["effective_from"], "effective_from", "a budget removal")
        conn.execute(table.insert(), [load.stored_row(table, record, trust)])
        audit.append_events(conn, [_event(trust, line_id, "budget", person, role, f"budget removal {adjustment_id}",
                                          {"adjustment_id": adjustment_id, "amount": cells.get("amount", ""),
                                           "ledger_ref": record["ledger_ref"]})])
    return adjustment_id
