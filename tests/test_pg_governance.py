"""On PostgreSQL the database itself refuses edits of the audit trail, validated lines and closed
months; and concurrent sign-offs and imports from separate processes lose nothing."""
from __future__ import annotations

import multiprocessing
import os
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from ledger import audit, governance, periods
from ledger.db import make_engine, open_ledger
from ledger.errors import LedgerError
from ledger.register.load import RegisterInvalid, count_rows, import_register
from tests.helpers_governance import APPROVALS, BASE, edit, write_register

pytestmark = pytest.mark.pg
PG = os.environ.get("SAVINGS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
APRIL = datetime(2026, 4, 8, 17, 0, tzinfo=UTC)


@pytest.fixture
def pg_url():
    """A fresh schema for the test, dropped afterwards."""
    schema = f"gov_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError:
        pytest.skip(f"PostgreSQL not reachable at {PG}")
    yield f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def refused(engine, sql: str, **params) -> str:
    """Run raw SQL in its own transaction; return the database's refusal (the test fails if it is accepted)."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(sql), params)
    return str(caught.value.orig).splitlines()[0]


def test_the_database_refuses_raw_edits(pg_url, tmp_path):
    engine = open_ledger(pg_url)
    import_register(engine, write_register(tmp_path / "register", SignOffs=APPROVALS))
    periods.close_period(engine, "RG1", "2026-03", "Fin Accountant", now=APRIL)
    jan = 2026 * 12
    assert refused(engine, "UPDATE auditevent SET actor = 'x' WHERE seq = 1") == (
        "savings: UPDATE on auditevent refused: these rows are append-only (audit trail and locks)")
    assert "DELETE on auditevent refused" in refused(engine, "DELETE FROM auditevent")
    assert "TRUNCATE on auditevent refused" in refused(engine, "TRUNCATE auditevent")
    assert refused(engine, "UPDATE savingline SET new_micro = 3300000 WHERE line_id = 'L1'") == (
        "savings: line L1 of RG1 is validated: UPDATE refused (R-GOV-4); reverse it instead")
    assert refused(engine, "DELETE FROM savingline WHERE line_id = 'L2'") == (
        "savings: line L2 of RG1 is in a closed month (closed through 2026-03): DELETE refused")
    assert refused(engine, "UPDATE actual SET volume_milli = 1 WHERE month = :m", m=jan) == (
        "savings: UPDATE on actual refused: 2026-01 is closed for RG1 (closed through 2026-03)")
    assert "INSERT on actual refused: 2026-02 is closed" in refused(
        engine, "INSERT INTO actual (trust, line_id, month, volume_milli, price_micro, source_row) "
                "VALUES ('RG1', 'L1', :m, 1000, 3400000, 0)", m=jan + 1)
    assert "DELETE on signoff refused: 2025-11 is closed" in refused(engine, "DELETE FROM signoff")
    assert "UPDATE on periodlock refused" in refused(engine, "UPDATE periodlock SET fingerprint = 'x'")
    assert "DELETE on lockedline refused" in refused(engine, "DELETE FROM lockedline")
    with engine.begin() as conn:  # (ok) notes are not frozen; open months take rows
        conn.execute(text("UPDATE savingline SET notes = 'see journal JNL-0001' WHERE line_id = 'L1'"))
        conn.execute(text("INSERT INTO actual (trust, line_id, month, volume_milli, price_micro, source_row) "
                          "VALUES ('RG1', 'L1', :m, 1000, 3400000, 0)"), {"m": jan + 3})
    assert audit.verify(engine).problems == ()


def test_the_database_refuses_raw_edits_of_a_locked_lines_counterfactual_index(pg_url, tmp_path):
    """R-INF-3's columns (migration 0005) are frozen by the database like the rest of a locked line."""
    engine = open_ledger(pg_url)
    import_register(engine, write_register(tmp_path / "register", SignOffs=APPROVALS))
    periods.close_period(engine, "RG1", "2026-03", "Fin Accountant", now=APRIL)
    assert refused(engine, "UPDATE savingline SET counterfactual_approval = 'FIN-POL-1' WHERE line_id = 'L1'") == (
        "savings: line L1 of RG1 is validated: UPDATE refused (R-GOV-4); reverse it instead")
    assert refused(engine, "UPDATE savingline SET counterfactual_index = 'CPI' WHERE line_id = 'L2'") == (
        "savings: line L2 of RG1 is in a closed month (closed through 2026-03): UPDATE refused")
    assert audit.verify(engine).problems == ()


def test_the_library_works_inside_the_database_guards(pg_url, tmp_path):
    engine = open_ledger(pg_url)
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    periods.close_period(engine, "RG1", "2026-03", "Fin Accountant", now=APRIL)
    (folder / "Actuals.csv").write_text((folder / "Actuals.csv").read_text() + "L1,2026-04,1900,3.40\n")
    import_register(engine, folder)  # (ok) locked rows are kept, not deleted and re-inserted
    assert count_rows(engine, "RG1")["Actuals"] == 6
    edit(folder, "Actuals", "L1,2026-01,2000,3.40", "L1,2026-01,2100,3.40")
    with pytest.raises(RegisterInvalid, match="2026-01 is closed for RG1"):  # (finding) the library says why first
        import_register(engine, folder)
    governance.reverse(engine, "L1", "price rose back", "Fin Accountant", month="2026-05")
    assert audit.verify(engine).problems == ()


def _sign(url, role, person, lines, barrier, results) -> None:
    engine = make_engine(url)
    barrier.wait()
    out = []
    for line in lines:
        try:
            out.append(governance.signoff(engine, line, role, person, True, on=date(2025, 12, 1)).status)
        except LedgerError as exc:
            out.append(str(exc))
    results.put((role, person, out))
    engine.dispose()


def _import(url, folder, barrier, results) -> None:
    engine = make_engine(url)
    barrier.wait()
    outcome = []
    for _ in range(3):
        outcome.append(import_register(engine, folder).changed)
    results.put((str(folder), outcome))
    engine.dispose()


def _run(target, jobs) -> list:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(jobs)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*job, barrier, results)) for job in jobs]
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def many_lines(n: int) -> str:
    head, line = BASE["SavingLines"].splitlines()[:2]
    return "\n".join([head] + [line.replace("L1,S2", f"L{i},S2") for i in range(1, n + 1)]) + "\n"


def test_concurrent_sign_offs_lose_nothing(pg_url, tmp_path):
    engine = open_ledger(pg_url)
    ids = [f"L{i}" for i in range(1, 9)]
    import_register(engine, write_register(tmp_path / "register", SavingLines=many_lines(8), Actuals="",
                                           BudgetAdjustments=""))
    out = _run(_sign, [(pg_url, "budget_holder", "Bea Holder", ids), (pg_url, "finance", "Fin Accountant", ids)])
    assert sorted(role for role, _, _ in out) == ["budget_holder", "finance"]
    for _, _, statuses in out:
        assert set(statuses) <= {"IN_DELIVERY", "VALIDATED"}
    with engine.connect() as conn:
        signoffs = conn.execute(text("SELECT count(*) FROM signoff")).scalar()
        validated = conn.execute(text("SELECT entity_id, count(*) FROM auditevent WHERE to_status = 'VALIDATED' "
                                      "GROUP BY entity_id")).all()
        locked = conn.execute(text("SELECT count(*) FROM lockedline")).scalar()
    assert (signoffs, locked) == (16, 8)
    assert sorted(validated) == sorted((i, 1) for i in ids)  # (ok) one VALIDATED event per line, never two, never none
    assert audit.verify(engine).problems == ()


def test_one_person_racing_for_both_roles_is_stopped_once(pg_url, tmp_path):
    engine = open_ledger(pg_url)
    ids = [f"L{i}" for i in range(1, 9)]
    import_register(engine, write_register(tmp_path / "register", SavingLines=many_lines(8), Actuals="",
                                           BudgetAdjustments=""))
    out = dict(((role, tuple(s)) for role, _, s in
                _run(_sign, [(pg_url, "budget_holder", "Bea Holder", ids), (pg_url, "finance", "Bea Holder", ids)])))
    for i in range(8):  # (finding) for each line exactly one of the two sign-offs is refused under R-GOV-3
        pair = (out["budget_holder"][i], out["finance"][i])
        assert sorted(s.startswith("R-GOV-3: Bea Holder already approved") for s in pair) == [False, True]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM signoff")).scalar() == 8
        assert conn.execute(text("SELECT count(*) FROM auditevent WHERE to_status = 'VALIDATED'")).scalar() == 0


def test_concurrent_imports_never_leave_a_half_applied_register(pg_url, tmp_path):
    engine = open_ledger(pg_url)
    first = write_register(tmp_path / "v1")
    second = write_register(tmp_path / "v2", Actuals=BASE["Actuals"] + "L1,2026-04,1900,3.40\nL1,2026-05,1800,3.40\n")
    other = write_register(tmp_path / "other")
    edit(other, "Trust", "RG1,Governance", "RG2,Other")
    out = dict(_run(_import, [(pg_url, first), (pg_url, second), (pg_url, other)]))
    assert out[str(other)] == [True, False, False]
    assert count_rows(engine, "RG2")["Actuals"] == 5
    rows = count_rows(engine, "RG1")
    assert rows["Actuals"] in (5, 7) and rows["SavingLines"] == 2  # (ok) exactly one version, never a mix
    with engine.connect() as conn:
        imports = conn.execute(text("SELECT count(*) FROM auditevent WHERE action = 'import'")).scalar()
        recorded = conn.execute(text("SELECT count(*) FROM registerimport")).scalar()
    assert imports == recorded == sum(sum(v) for v in out.values())
    assert audit.verify(engine).problems == ()
