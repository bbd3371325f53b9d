"""The command line as a newcomer meets it: help, tables, JSON, exit codes, clear errors."""
from __future__ import annotations

import json
import shlex

from typer.testing import CliRunner

from reports.cli import app
from tests.ledgers import line, signed, write_register
from tests.test_engine_rules import one_line

runner = CliRunner()


def ledger(tmp_path, tables=None) -> str:
    url = f"sqlite:///{tmp_path}/l.db"
    result = runner.invoke(app, ["import", str(write_register(tmp_path / "r", tables or one_line())), "--db", url])
    assert result.exit_code == 0, result.output
    return url


def test_summary_table_and_json_agree(tmp_path) -> None:
    url = ledger(tmp_path)
    table = runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025/26", "--db", url])
    data = json.loads(runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025/26", "--db", url,
                                          "--json"]).output)
    assert data["cip"]["delivered"] == "1200.00"
    assert "CIP delivered (counted)           £1,200.00" in table.output


def test_the_summary_footer_names_the_check_of_the_exceptions_it_counted(tmp_path) -> None:
    """Copied, the footer's command checks what the summary counted: trust, as-at date, policy and ledger."""
    url = ledger(tmp_path)
    policy = tmp_path / "three roles.toml"
    policy.write_text('[policy]\nsignoff_roles_required = ["budget_holder", "finance", "procurement"]\n')
    result = runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025/26", "--as-at", "2025-04-15",
                                 "--policy", str(policy), "--db", url])
    footer = result.output.splitlines()[-1]
    assert (result.exit_code, footer) == (0, "Exceptions: 0 errors, 1 warning (savings check --trust RT1 --as-at "
                                             f"2025-04-15 --policy '{policy}' --db {url})")
    copied = runner.invoke(app, shlex.split(footer.split("(", 1)[1].removesuffix(")"))[1:])
    assert copied.output.splitlines()[-1] == "1 warning"
    past = runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2024/25", "--db", url])  # as at the year's end,
    assert past.output.splitlines()[-1] == f"Exceptions: 0 errors, 1 warning (savings check --trust RT1 --as-at " \
                                            f"2025-03-31 --db {url})"  # before L1's sign-offs (a check today: none)


def test_lines_for_a_past_year_are_as_at_its_end_like_its_summary(tmp_path) -> None:
    """Signed off after 2025/26 ended, L1 counted nothing in that year's summary; its line list agrees."""
    t = one_line()
    t["SignOffs"][1:] = signed("L1", date="2026-05-01")
    url = ledger(tmp_path, t)
    summary = json.loads(runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025/26", "--db", url,
                                             "--json"]).output)
    listed = json.loads(runner.invoke(app, ["lines", "--trust", "RT1", "--fy", "2025/26", "--db", url,
                                            "--json"]).output)
    table = runner.invoke(app, ["lines", "--trust", "RT1", "--fy", "2025/26", "--db", url]).output
    assert summary["cip"]["delivered"] == listed[0]["cip"]["2025/26"] == "0.00"
    assert "£1,200.00  £0.00  £0.00  £1,200.00  R-ELG-1" in table  # delivered, costs, CIP, at risk


def test_clean_check_prints_nothing_and_exits_0(tmp_path) -> None:
    url = ledger(tmp_path)
    result = runner.invoke(app, ["check", "--trust", "RT1", "--db", url])
    assert (result.exit_code, result.output) == (0, "")


def test_check_exits_1_on_errors_and_lists_them(tmp_path) -> None:
    t = one_line()
    t["SignOffs"][1][2] = "Pat Procurement"  # (finding) the creator signs as budget holder
    url = ledger(tmp_path, t)
    result = runner.invoke(app, ["check", "--trust", "RT1", "--db", url, "--json"])
    assert result.exit_code == 1
    assert [(f["rule_id"], f["severity"], f["line_id"]) for f in json.loads(result.output)] == [
        ("R-GOV-3", "error", "L1")]


def test_check_lists_errors_before_warnings_and_counts_them(tmp_path) -> None:
    t = one_line(product="GLOVE")
    t["SavingLines"] += [line("L2", "2.00", "1.50", "1200", "2025-07-01", product="GLOVE"),  # (finding) R-DUP-1
                         line("L3", "3.00", "2.00", "1200", "2025-04-01")]  # (finding) no budget removed: R-ELG-1a
    t["SignOffs"] += signed("L2") + signed("L3")
    url = ledger(tmp_path, t)
    result = runner.invoke(app, ["check", "--trust", "RT1", "--db", url])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and lines[-1] == "1 error, 1 warning"
    assert lines[0].startswith("error: R-DUP-1: line L2:")  # the rules run budget removal first
    assert lines[1].startswith("warning: R-ELG-1a: line L3:")


def test_unknown_trust_and_bad_year_are_clear(tmp_path) -> None:
    url = ledger(tmp_path)
    missing = runner.invoke(app, ["summary", "--trust", "NOPE", "--fy", "2025/26", "--db", url])
    assert missing.exit_code == 1
    assert "trust 'NOPE' is not in the ledger (it holds: RT1); import its register first" in missing.output
    lower = runner.invoke(app, ["summary", "--trust", "rt1", "--fy", "2025/26", "--db", url])
    assert lower.exit_code == 1 and "codes are exact: did you mean 'RT1'?" in lower.output
    bad_year = runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025-26", "--db", url])
    assert bad_year.exit_code == 2
    assert "not a financial year like 2025/26" in bad_year.output


def test_template_writes_every_sheet_with_dropdowns(tmp_path) -> None:
    from openpyxl import load_workbook

    from ledger.register.spec import SHEETS

    path = tmp_path / "register.xlsx"
    assert runner.invoke(app, ["template", str(path)]).exit_code == 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["README", *(s.name for s in SHEETS)]
    lines = wb["SavingLines"]
    assert [c.value for c in lines[1]][:3] == ["line_id", "scheme_id", "contract_id"]
    assert any("PRICE_REDUCTION" in (dv.formula1 or "") for dv in lines.data_validations.dataValidation)
    again = runner.invoke(app, ["template", str(path)])  # a filled-in register is never overwritten
    assert again.exit_code == 2 and "already exists" in again.output
    assert load_workbook(path).sheetnames == wb.sheetnames
    csv_name = runner.invoke(app, ["template", str(tmp_path / "register.csv")])
    assert csv_name.exit_code == 2 and "name the file *.xlsx" in csv_name.output


def test_a_sign_off_takes_exactly_one_decision(tmp_path) -> None:
    db = f"sqlite:///{tmp_path}/l.db"
    for flags in ([], ["--approve", "--reject"]):
        out = runner.invoke(app, ["signoff", "L1", "--role", "finance", "--person", "Fin", *flags, "--db", db])
        assert out.exit_code == 2 and "give one decision: --approve or --reject" in out.output


def test_an_empty_template_imports_with_a_clear_error(tmp_path) -> None:
    path = tmp_path / "register.xlsx"
    runner.invoke(app, ["template", str(path)])
    result = runner.invoke(app, ["import", str(path), "--db", f"sqlite:///{tmp_path}/l.db"])
    assert result.exit_code == 1
    assert "register.xlsx:Trust:2:org_code: the Trust sheet must hold exactly one trust (found 0)" in result.output


def test_a_bad_option_value_exits_2_naming_the_option(tmp_path) -> None:
    """As click's own usage errors do; a refusal about the ledger's data still exits 1."""
    url = ledger(tmp_path)
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.7")
    cases = [
        (["pack", "--trust", "RT1", "--period", "2026-13", "-o", str(tmp_path / "p.pdf")],
         "--period: not a month like 2025-11 ('2026-13')"),
        (["signoff", "L1", "--role", "cfo", "--person", "Fin", "--approve"],
         "--role 'cfo' is not one of budget_holder, finance, procurement, clinical"),
        (["advance", "L1", "--to", "PLAN_APPROVED", "--role", "cfo", "--person", "Fin"],
         "--role 'cfo' is not one of budget_holder, finance, procurement, clinical"),
        (["advance", "L1", "--to", "DONE", "--role", "finance", "--person", "Fin"], "--to 'DONE' is not a status"),
        (["advance", "L1", "--to", "WITHDRAWN", "--role", "procurement", "--person", "Pat"],
         "moving a line to WITHDRAWN needs --reason"),
        (["reverse", "L1", "--reason", "price rose", "--person", "Fin", "--from", "2026-13"],
         "--from: not a month like 2025-11 ('2026-13')"),
        (["close-period", "2026-13", "--trust", "RT1", "--person", "Fin"],
         "MONTH: not a month like 2025-11 ('2026-13')"),
        (["evidence", "add", "L1", str(quote), "--type", "bogus", "--person", "Pat"],
         "--type 'bogus' is not one of invoice_extract"),
        (["signoff", "L1", "--role", "finance", "--person", "Fin", "--approve", "--date", "0001-01-01"],
         "--date: 0001-01-01 is before the years the ledger holds (from 1900-04-01)"),  # no Excel date: no workbook
        (["evidence", "add", "L1", str(quote), "--type", "QIA", "--person", "Pat", "--date", "1899-12-31"],
         "--date: 1899-12-31 is before the years the ledger holds (from 1900-04-01)"),
        (["evidence", "add", "L1", str(quote), "--type", "QIA", "--person", "Pat", "--id", "EV\n1"],
         "--id: holds a line break ('EV\\n1'): an id is one line of visible characters"),  # as a register's id
        (["import", str(tmp_path / "r"), "--jobs", "0"], "--jobs 0: must be 1 or more"),
        (["tower-ref", "--import", str(tmp_path / "towers.csv"), "--reset"], "give --import or --reset, not both"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, "--db", url])
        assert (result.exit_code, message in result.output) == (2, True), (args, result.output)
    unknown = runner.invoke(app, ["signoff", "L9", "--role", "finance", "--person", "Fin", "--approve", "--db", url])
    assert unknown.exit_code == 1 and "line L9 is not in the ledger" in unknown.output


def test_an_as_at_date_before_the_ledgers_years_is_refused_by_every_command(tmp_path) -> None:
    """As a register's dates are: the ledger, and the audit workbook an as-at date names, hold none before
    1900-04-01. Refused as a bad option value (exit 2), before any figure is worked out."""
    url = ledger(tmp_path)
    out = str(tmp_path / "out")
    commands = [["summary", "--trust", "RT1", "--fy", "2025/26"], ["summary", "--region", "South", "--fy", "2025/26"],
                ["lines", "--trust", "RT1"], ["check", "--trust", "RT1"],
                ["towers", "--trust", "RT1", "--fy", "2025/26"], ["benchmarks", "--trust", "RT1", "--fy", "2025/26"],
                ["workbook", "--trust", "RT1", "--fy", "2025/26", "-o", f"{out}.xlsx"],
                ["pack", "--trust", "RT1", "--period", "2025-04", "-o", f"{out}.pdf"]]
    for args in commands:
        for day in ("0001-01-01", "1900-03-31"):
            result = runner.invoke(app, [*args, "--as-at", day, "--db", url])
            assert (result.exit_code, result.output) == (
                2, f"as-at date {day} is before the years the ledger holds (from 1900-04-01)\n"), args
    first = runner.invoke(app, ["lines", "--trust", "RT1", "--as-at", "1900-04-01", "--db", url])
    assert first.exit_code == 0, first.output  # (ok) the first day the ledger holds


def test_a_policy_file_value_the_register_overrules_is_named(tmp_path) -> None:
    """The register's Policy sheet is the trust's own decision and applies over --policy; the command says so
    for each value the file set otherwise, and is silent where the two agree."""
    tables = one_line()
    tables["Policy"] = [["key", "value"], ["recurrent_claim_window", "financial_year_only"],
                        ["local_savings_rate", "0.02"]]
    url = ledger(tmp_path, tables)
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nrecurrent_claim_window = "contract_term"\nlocal_savings_rate = "0.02"\n')
    result = runner.invoke(app, ["summary", "--trust", "RT1", "--fy", "2025/26", "--json", "--db", url,
                                 "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"note: recurrent_claim_window=contract_term from --policy {policy} is overruled by "
                             "RT1's register Policy sheet (recurrent_claim_window=financial_year_only), "
                             "which applies\n")
    assert "recurrent_claim_window=financial_year_only" in json.loads(result.stdout)["policy_set"]


def test_the_pack_the_workbook_and_the_roll_up_name_an_overruled_policy_value_too(tmp_path) -> None:
    tables = one_line()
    tables["Policy"] = [["key", "value"], ["recurrent_claim_window", "financial_year_only"]]
    url = ledger(tmp_path, tables)
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nrecurrent_claim_window = "contract_term"\n')
    for command in (["pack", "--period", "2026-03", "-o", str(tmp_path / "p.pdf"), "--trust", "RT1"],
                    ["pack", "--period", "2026-03", "-o", str(tmp_path / "r.pdf"), "--region", "South"],
                    ["workbook", "--fy", "2025/26", "-o", str(tmp_path / "w.xlsx"), "--trust", "RT1"],
                    ["summary", "--fy", "2025/26", "--region", "South"]):
        result = runner.invoke(app, [*command, "--db", url, "--policy", str(policy)])
        assert result.exit_code == 0, result.output
        assert "note: recurrent_claim_window=contract_term from --policy" in result.stderr, command


def test_demo_where_savings_demo_is_a_file_says_so(tmp_path, monkeypatch) -> None:
    """It was a FileExistsError traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "savings-demo").write_text("not a folder")
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == \
        "savings-demo: is a file, not a folder; move it, or run savings demo in another folder"
