"""Evidence attached to saving lines: invoices, contracts, QIAs, journals (DOMAIN.md 11, R-ELG-1).

A file is stored once under its sha256 in the evidence store (`ledger.audit.evidence_root`) and
listed with its type and capture date. Files attached with `savings evidence add` carry
source "cli" and survive a register re-import; files named in the register's Evidence sheet
(relative to the register) are stored at import, and a stated sha256 must match the file. A row
that gives only a sha256 must name a file the trust already holds: the web serves evidence by its
hash, so a hash copied from another trust's listing must not fetch that trust's file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from ledger import audit, models, periods
from ledger.errors import LedgerError, OptionError
from ledger.frames import require_trust
from ledger.register.parse import parse_id
from ledger.register.spec import EVIDENCE_TYPES

EVIDENCE = models.Evidence.__table__


def attach(engine: Engine, line_id: str, file: Path, kind: str, person: str, trust: str | None = None,
           evidence_id: str | None = None, on: date | None = None, now: datetime | None = None) -> dict:
    """Store `file` and attach it to the line as evidence of `kind`; return the evidence row."""
    from ledger.governance import resolve_trust

    if kind not in EVIDENCE_TYPES:
        raise OptionError(f"--type {kind!r} is not one of {', '.join(EVIDENCE_TYPES)}")
    if not person.strip():
        raise OptionError("--person is required: who attaches the evidence")
    if evidence_id:  # as the register's evidence_id column takes it
        try:
            evidence_id = parse_id(evidence_id)
        except ValueError as exc:
            raise OptionError(f"--id: {exc}") from None
    file = Path(file)
    if file.is_dir():
        raise LedgerError(f"{file}: is a folder; name the evidence file in it")
    if not file.is_file():
        raise LedgerError(f"{file}: no such file")
    if file.stat().st_size == 0:
        raise LedgerError(f"{file}: is empty; evidence is a file that holds something")
    now = now or audit.utc_now()
    on = on or now.date()
    periods.refuse_if_future(on, now.date(), "evidence")
    root = audit.evidence_root(engine)
    with engine.connect() as conn, conn.begin():
        trust = resolve_trust(conn, line_id, trust)
        audit.begin_write(conn, trust)
        periods.refuse_if_closed(conn, trust, on, "evidence")
        sha = audit.file_sha256(file)  # stored only once the attachment is sure: a refusal leaves no file
        chosen, evidence_id = evidence_id, evidence_id or f"EV-{line_id}-{sha[:8]}"
        taken = conn.execute(select(EVIDENCE.c.line_id).where(EVIDENCE.c.trust == trust,
                                                              EVIDENCE.c.evidence_id == evidence_id)).scalar()
        if taken is not None and not chosen:  # the id is made from the file's hash: these bytes are attached
            raise LedgerError(f"{file.name}: this file is already attached to line {line_id} as evidence "
                              f"{evidence_id} (the same sha256 {sha[:12]}…); nothing was attached")
        if taken is not None:
            raise LedgerError(f"evidence id {evidence_id} is already used (line {taken}); give another --id")
        try:
            if audit.store_file(root, file) != sha:
                raise OSError("the file changed while it was being attached")
        except OSError as exc:
            raise LedgerError(f"cannot store {file} in the evidence store {root}: {exc}") from None
        row = {"trust": trust, "evidence_id": evidence_id, "line_id": line_id, "type": kind, "file": file.name,
               "sha256": sha, "captured_at": on, "source": "cli", "source_row": 0}
        conn.execute(EVIDENCE.insert(), [row])
        audit.append_events(conn, [{"trust": trust, "entity": "evidence", "entity_id": evidence_id,
                                    "action": "evidence", "actor": person.strip(), "reason": f"{kind} for {line_id}",
                                    "evidence_ids": evidence_id,
                                    "details": {"line_id": line_id, "type": kind, "file": file.name, "sha256": sha}}],
                            now)
    return row


def listing(engine: Engine, trust: str, line_id: str | None = None) -> list[dict]:
    """The trust's evidence (or one line's): id, line, type, date, file, sha256, and whether it is stored.

    A trust the ledger does not hold is refused: an empty list would read as a trust with no evidence.
    So is a line the trust does not hold, unless evidence is still attached to it (kept from a line
    a later register dropped).
    """
    from ledger.governance import resolve_trust

    root = audit.evidence_root(engine)
    query = select(EVIDENCE).where(EVIDENCE.c.trust == trust)
    if line_id:
        query = query.where(EVIDENCE.c.line_id == line_id)
    with engine.connect() as conn:
        require_trust(conn, trust)
        rows = [dict(r) for r in conn.execute(query.order_by(EVIDENCE.c.line_id, EVIDENCE.c.evidence_id)).mappings()]
        if line_id and not rows:
            resolve_trust(conn, line_id, trust)
    for row in rows:
        row["stored"] = bool(row["sha256"]) and audit.stored_path(root, row["sha256"]).is_file()
    return rows


def held_files(conn: Connection, trust: str) -> frozenset[str]:
    """The sha256 of each file the trust's evidence rows name (register rows and attached files alike).

    An import reads them before it clears the trust's register rows, so they are the files the trust
    held before it: the only ones its register may name by hash alone.
    """
    hashes = conn.execute(select(EVIDENCE.c.sha256).where(EVIDENCE.c.trust == trust, EVIDENCE.c.sha256 != "")
                          .distinct()).scalars()
    return frozenset(sha.lower() for sha in hashes)


@dataclass(frozen=True)
class RegisterFiles:
    """The files a register's Evidence rows name, checked (`register_files`) and not yet stored."""

    problems: list[tuple[int, str, str]]  # (row, column, message), each refusing the register
    stored: list[tuple[Path, str]]  # (file next to the register, its sha256) to store
    hashes: list[tuple[str, str]]  # (evidence_id, sha256) of rows that left the hash to the ledger


def register_files(trust: str, evidence: pd.DataFrame, register: Path, held: frozenset[str]) -> RegisterFiles:
    """Check the files the register's Evidence rows name (relative to the register, in its folder).

    A stated sha256 (lower case: `parse_sha256`) must match the file; an empty one is filled in. A row
    whose file is not next to the register (or that names none) may give its sha256 alone only for a
    file the trust already holds: one in `held` (its evidence before this import, `held_files`) or one
    this import stores; `audit verify` then looks for it in the store. Any other hash is refused: the
    web serves evidence by its hash, so a hash seen in another trust's listing or workbook would fetch
    that trust's file.
    A file outside the register's folder (an absolute path, `..`, a link out of it) is refused too:
    an uploaded register must not store, and so serve back, any file the server can read.
    """
    named = evidence["file"].fillna("") != ""
    rows = evidence[(evidence["source"] == "register") & (named | (evidence["sha256"].fillna("") != ""))]
    files = RegisterFiles([], [], [])
    if rows.empty:
        return files
    base = (register if register.is_dir() else register.parent).resolve()
    by_hash = []
    for row in rows.itertuples():
        path = (base / row.file).resolve() if row.file else None
        if path is not None and not path.is_relative_to(base):  # /etc/passwd, ../../x or a link out
            files.problems.append((row.source_row, "file", f"{row.file} is outside the register's folder: name an "
                                                           "evidence file by its place in that folder"))
        elif path is not None and path.is_file():
            sha = audit.file_sha256(path)
            if row.sha256 and row.sha256.lower() != sha:
                files.problems.append((row.source_row, "sha256", f"{row.file} hashes to {sha}, not {row.sha256}"))
                continue
            files.stored.append((path, sha))
            if not row.sha256:
                files.hashes.append((row.evidence_id, sha))
        elif row.sha256:
            by_hash.append(row)
        else:
            files.problems.append((row.source_row, "file", f"{row.file} is not next to the register (and no sha256 "
                                                           "is given)"))
    known = held | {sha for _, sha in files.stored}
    for row in by_hash:  # the same words whether or not another trust holds the file: no hint of whose it is
        if row.sha256.lower() not in known:
            missing = f"{row.file} is not next to the register" if row.file else "the row names no file"
            files.problems.append((row.source_row, "sha256", f"{missing}, and {trust} holds no evidence file with "
                                   f"sha256 {row.sha256}: a register names a file by its hash alone only once its "
                                   "trust holds it (stored by an earlier import, or attached to a line); put the file "
                                   "next to the register, or attach it first"))
    files.problems.sort()
    return files


def store_register_files(conn: Connection, trust: str, evidence: pd.DataFrame, register: Path, where: str,
                         held: frozenset[str]) -> None:
    """Store the files the register's Evidence sheet names (`register_files`), or refuse the register,
    storing none of them, when one is wrong."""
    files = register_files(trust, evidence, register, held)
    if files.problems:
        raise LedgerError("\n".join(f"{where}:{row_no}:{column}: {text}" for row_no, column, text in files.problems))
    root = audit.evidence_root(conn.engine)
    for path, sha in files.stored:
        try:
            if audit.store_file(root, path) != sha:
                raise OSError("it changed while the register was being imported")
        except OSError as exc:
            raise LedgerError(f"{where}: cannot store {path.name} in the evidence store: "
                              f"{exc.strerror or exc}") from None
    for evidence_id, sha in files.hashes:
        conn.execute(update(EVIDENCE).where(EVIDENCE.c.trust == trust, EVIDENCE.c.evidence_id == evidence_id)
                     .values(sha256=sha))
