"""Web app: register upload gives the CLI's row-level errors, imports all or nothing, and refuses
hostile files (not a workbook, a zip bomb, 100 MB, formula text) with a clear message."""
from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile

from sqlalchemy import func, select
from typer.testing import CliRunner

from ledger import models
from ledger.cli import app as cli_app
from ledger.db import open_ledger
from ledger.register.load import count_rows
from tests.helpers_web import Web, fy_start, ledger, register, workbook
from tests.ledgers import line

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _problems(page: str) -> list[str]:
    block = re.search(r"<pre>(.*?)</pre>", page, re.S)
    return [html.unescape(x) for x in block.group(1).splitlines() if x.strip()] if block else []


def _bad_register() -> dict:
    tables = register("RT1", [line("L1", "2.00", "3,4O", "1200", fy_start().isoformat()),
                              line("L2", "2.00", "1.00", "-5", "2025-13-01")])
    return tables


def _unchanged(engine, before: dict) -> None:
    assert count_rows(engine, "RT1") == before, "a refused upload writes nothing"


def test_upload_errors_are_the_clis_word_for_word(tmp_path) -> None:
    engine = ledger(tmp_path)
    book = workbook(tmp_path / "register.xlsx", _bad_register())
    cli = CliRunner().invoke(cli_app, ["import", str(book), "--db", f"sqlite:///{tmp_path}/cli.db"])
    assert cli.exit_code == 1
    *cli_lines, verdict = [x for x in cli.output.splitlines() if x.strip()]
    assert cli_lines[0].startswith("register.xlsx:SavingLines:3:new_price: ")
    assert verdict == f"{book}: refused; nothing imported from it"  # the web page says it in its own words
    before = count_rows(engine, "RT1")
    web = Web(engine).as_user("pat")
    response = web.post("/t/RT1/upload", files={"register": ("register.xlsx", book.read_bytes(), XLSX)})
    assert response.status_code == 400
    assert "The register was refused and nothing was written. 3 problems:" in response.text
    assert _problems(response.text) == cli_lines
    _unchanged(engine, before)


def test_csv_files_upload_and_reimport_changes_nothing(tmp_path) -> None:
    engine = ledger(tmp_path)
    web = Web(engine).as_user("pat")
    tables = register("RT1", [line("L1", "2.00", "1.00", "1200", fy_start().isoformat())])
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
             for name, rows in tables.items()]
    first = web.post("/t/RT1/upload", files=files)
    assert first.status_code == 200, first.text
    assert "RT1: imported 1 Contracts, 1 Schemes, 2 SavingLines" in first.text
    assert count_rows(engine, "RT1")["SavingLines"] == 2
    again = web.post("/t/RT1/upload", files=files)
    assert "RT1: this register is already imported; nothing changed." in again.text


def test_a_register_for_another_trust_is_refused(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    book = workbook(tmp_path / "rt2.xlsx", register("RT2"))
    response = Web(engine).as_user("pat").post("/t/RT1/upload", files={"register": ("rt2.xlsx", book.read_bytes(),
                                                                                   XLSX)})
    assert response.status_code == 400
    assert "this register is for trust RT2, not RT1" in response.text
    _unchanged(engine, before)


def test_a_register_naming_the_trust_in_another_case_is_refused(tmp_path) -> None:
    """Org codes are capitals: "rt1" would be a second trust, out of reach of the web (its addresses are
    upper case) and counted twice in its region's roll-up."""
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    tables = register("RT1")
    tables["Trust"][1][0] = "rt1"
    book = workbook(tmp_path / "rt1.xlsx", tables)
    response = Web(engine).as_user("pat").post("/t/RT1/upload", files={"register": ("rt1.xlsx", book.read_bytes(),
                                                                                   XLSX)})
    assert response.status_code == 400
    assert "org_code: ODS org codes are written in capitals: write it RT1" in response.text
    _unchanged(engine, before)
    with engine.connect() as conn:
        assert sorted(conn.execute(select(models.Trust.org_code)).scalars()) == ["RT1", "RT2"]


def test_two_csv_files_for_one_sheet_are_refused(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    tables = register("RT1", [line("L1", "2.00", "1.00", "1200", fy_start().isoformat())])
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
             for name, rows in tables.items()]
    files.append(("register", ("savinglines.CSV", b"line_id\n", "text/csv")))
    response = Web(engine).as_user("pat").post("/t/RT1/upload", files=files)
    assert response.status_code == 400
    assert "SavingLines.csv, savinglines.CSV: 2 files for the SavingLines sheet; upload one file per sheet" \
        in response.text
    _unchanged(engine, before)


def test_a_register_naming_a_server_file_as_evidence_is_refused(tmp_path) -> None:
    """The Evidence sheet names files relative to the register; an upload's folder holds only the
    register, so an absolute path or `..` would have stored, and served back, any file the server
    can read (/proc/self/environ holds the session key)."""
    engine = ledger(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("SAVINGS_SECRET_KEY=do-not-serve\n")
    web = Web(engine).as_user("pat")
    for named in (str(secret), "../" * 12 + str(secret).lstrip("/")):
        tables = register("RT1")
        tables["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256"],
                              ["EV-S", "L0", "contract", named, ""]]
        files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
                 for name, rows in tables.items()]
        response = web.post("/t/RT1/upload", files=files)
        assert response.status_code == 400
        assert f"Evidence.csv:2:file: {named} is outside the register&#39;s folder" in response.text
        assert web.get("/t/RT1/evidence/EV-S").status_code == 400
    assert not any(p.read_bytes() == secret.read_bytes() for p in (tmp_path / "evidence").rglob("*") if p.is_file())


def test_a_register_naming_another_trusts_evidence_by_its_hash_cannot_fetch_it(tmp_path) -> None:
    """RT2's evidence is served to RT2's users by its sha256; RT1's register naming that hash (seen in an
    audit workbook or a listing) is refused at its cell, so RT1's evidence address cannot serve the file.
    RT1's own attached file named by hash alone still imports."""
    engine = ledger(tmp_path)
    secret = b"RT2 contract: prices for RT2 only\n"
    ola = Web(engine).as_user("ola")
    assert ola.post("/t/RT2/lines/L0/evidence", {"type": "contract"},
                    files={"file": ("contract.txt", secret, "text/plain")}).status_code == 303
    sha = hashlib.sha256(secret).hexdigest()
    pat = Web(engine).as_user("pat")
    assert pat.get(f"/t/RT2/evidence/EV-L0-{sha[:8]}").status_code in (403, 404)
    before = count_rows(engine, "RT1")
    tables = register("RT1")
    tables["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256"], ["EV-X", "L0", "contract", "", sha]]
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
             for name, rows in tables.items()]
    response = pat.post("/t/RT1/upload", files=files)
    assert response.status_code == 400
    assert [p.removeprefix("register/") for p in _problems(response.text)] == [
        f"Evidence.csv:2:sha256: the row names no file, and RT1 holds no evidence file with sha256 {sha}: a "
        "register names a file by its hash alone only once its trust holds it (stored by an earlier import, or "
        "attached to a line); put the file next to the register, or attach it first"]
    _unchanged(engine, before)
    served = pat.get("/t/RT1/evidence/EV-X")
    assert served.status_code == 400 and secret not in served.content
    own = b"RT1 invoice extract\n"
    assert pat.post("/t/RT1/lines/L0/evidence", {"type": "invoice_extract"},
                    files={"file": ("inv.csv", own, "text/csv")}).status_code == 303
    tables["Evidence"][1][4] = hashlib.sha256(own).hexdigest()
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
             for name, rows in tables.items()]
    assert pat.post("/t/RT1/upload", files=files).status_code == 200
    assert pat.get("/t/RT1/evidence/EV-X").content == own


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    web = Web(engine).as_user("pat")
    fake = web.post("/t/RT1/upload", files={"register": ("register.xlsx", b"MZ\x90\x00 not a workbook", XLSX)})
    assert fake.status_code == 400
    assert "register.xlsx: not an .xlsx workbook" in html.unescape(fake.text)
    other = web.post("/t/RT1/upload", files={"register": ("payload.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert "payload.exe: upload one .xlsx register, or CSV files named after its sheets" in html.unescape(other.text)
    _unchanged(engine, before)


def test_a_csv_register_that_is_not_utf8_is_named_as_uploaded(tmp_path) -> None:
    """A Trust.csv saved as Latin-1 is refused naming register/Trust.csv, as every other problem is,
    never the server's temporary folder."""
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    web = Web(engine).as_user("pat")
    tables = register("RT1")
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode("latin-1"), "text/csv"))
             for name, rows in tables.items() if name != "Trust"]
    files.append(("register", ("Trust.csv", "org_code,name,trust_type,region\nRT1,Tëst,acute,South\n"
                               .encode("latin-1"), "text/csv")))
    response = web.post("/t/RT1/upload", files=files)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "register/Trust.csv:2: not UTF-8 text (byte 0xEB at character 6 of the line): save the file as CSV " \
           "UTF-8" in text
    assert "savings-upload-" not in text
    _unchanged(engine, before)


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(64):
                part.write(b"\0" * (1 << 20))  # 64 MB of zeros, about 64 KB compressed
    assert len(bomb.getvalue()) < 200_000
    response = Web(engine).as_user("pat").post("/t/RT1/upload", files={"register": ("register.xlsx",
                                                                                    bomb.getvalue(), XLSX)})
    assert response.status_code == 400
    assert "part xl/worksheets/sheet1.xml is compressed" in response.text
    assert "(a zip bomb?); refused, nothing was written" in response.text
    _unchanged(engine, before)


def test_a_100_mb_upload_is_refused_unread(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    web = Web(engine).as_user("pat")
    response = web.post("/t/RT1/upload", files={"register": ("register.xlsx", b"\0" * (100 * 1024 * 1024), XLSX)})
    assert response.status_code == 413
    assert response.text == "The upload was refused: it is larger than 20 MB. Nothing was written to the ledger."
    _unchanged(engine, before)


def test_formulas_are_refused_in_workbooks_and_csv_files(tmp_path) -> None:
    engine = ledger(tmp_path)
    before = count_rows(engine, "RT1")
    web = Web(engine).as_user("pat")
    tables = register("RT1", [line("L1", "2.00", "1.00", "1200", fy_start().isoformat())])
    tables["SavingLines"][-1][-1] = '=HYPERLINK("http://x.example","click")'
    book = workbook(tmp_path / "register.xlsx", tables)
    refused = web.post("/t/RT1/upload", files={"register": ("register.xlsx", book.read_bytes(), XLSX)})
    assert refused.status_code == 400
    assert _problems(refused.text) == ['register.xlsx:SavingLines:3:notes: holds a formula '
                                       '(=HYPERLINK("http://x.example","click")); paste values instead']
    tables["SavingLines"][-1][-1] = "=cmd|' /C calc'!A0"
    files = [("register", (f"{name}.csv", "\n".join(",".join(r) for r in rows).encode(), "text/csv"))
             for name, rows in tables.items()]
    csv_refused = web.post("/t/RT1/upload", files=files)
    assert _problems(csv_refused.text) == ["register/SavingLines.csv:3:notes: holds a formula (=cmd|' /C calc'!A0); "
                                           "paste values instead"]
    _unchanged(engine, before)


def test_a_refused_upload_leaves_no_files_behind(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    engine = ledger(tmp_path)
    web = Web(engine).as_user("pat")
    web.post("/t/RT1/upload", files={"register": ("register.xlsx", b"junk", XLSX)})
    assert list((tmp_path / "tmp").iterdir()) == []
    with open_ledger(f"sqlite:///{tmp_path}/web.db").connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.RegisterImport.__table__)).scalar() == 2
