"""`savings towers`, `carter`, `benchmarks`, `tower-ref` and the region/all roll-up of `summary`.

Each command calls one library function (`ledger.towers`, `ledger.carter`, `ledger.benchmark`,
`ledger.reference.towers`, `ledger.rollup`) and prints a view from `ledger.towers_views`: aligned
tables, or with `--json` the same figures with money as text. A LedgerError becomes a message
and exit code 1 (2 for a bad option value).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger import audit, benchmark, carter, db, rollup
from ledger import towers_views as views
from ledger.cli import (
    AsAtOption,
    DbOption,
    FyOption,
    JsonOption,
    PolicyOption,
    TrustOption,
    app,
    check_fy,
    check_output,
    emit_json,
    fail,
    note_overruled,
    open_trust,
    parse_as_at,
    refuse,
)
from ledger.engine.summary import default_as_at
from ledger.errors import LedgerError
from ledger.frames import trust_policies
from ledger.policy import DEFAULT, load_toml
from ledger.reference import towers as reference
from ledger.textout import progress_bar

ItemsOption = Annotated[bool, typer.Option("--items", help="List the difference line by line.")]
TopOption = Annotated[int, typer.Option("--top", help="How many price-variance items to list.")]


@app.command("towers")
def towers_cmd(trust: TrustOption, fy: FyOption, db_url: DbOption = None, as_at: AsAtOption = None,
               as_json: JsonOption = False, policy: PolicyOption = None, items: ItemsOption = False) -> None:
    """NHS Supply Chain tower reconciliation (DOMAIN 6.2): C, L, target, recognised, claimed, gap, why.

    Example: savings towers --trust RX1 --fy 2025/26 --json
    """
    fy = check_fy(fy)
    ty = open_trust(db_url, trust, as_at, policy, fy)
    try:
        data = views.towers_json(ty, ty.recon(fy), reference.load_reference(db.open_ledger(db_url)))
    except LedgerError as exc:
        raise refuse(exc) from None
    if as_json:
        emit_json(data)
    else:
        views.print_towers(data, items)


@app.command("carter")
def carter_cmd(trust: TrustOption, db_url: DbOption = None, as_json: JsonOption = False, policy: PolicyOption = None,
               fy: Annotated[str | None, typer.Option("--fy", help="Compliance for this year only.")] = None,
               base: Annotated[str | None, typer.Option("--base", help="Base year (default: the earliest).")] = None
               ) -> None:
    """Non-pay cost per WAU against the Carter -10% target (E9) and catalogue/PO/contract compliance.

    Example: savings carter --trust RX1 --base 2024/25
    """
    ty = open_trust(db_url, trust, None, policy)
    engine = db.open_ledger(db_url)
    try:
        activity = ty.frames.activity
        base_fy = check_fy(base, "--base") if base else None
        years = () if activity.empty else carter.non_pay_per_wau(activity, ty.figures, base_fy)
        found = [c for f in ([check_fy(fy)] if fy else carter.spend_years(engine, ty.trust))
                 if (c := carter.compliance(engine, ty.trust, f)) is not None]
    except LedgerError as exc:
        raise refuse(exc) from None
    data = views.carter_json(years, found)
    if as_json:
        emit_json(data)
    else:
        views.print_carter(data, fy)


@app.command("benchmarks")
def benchmarks_cmd(trust: TrustOption, fy: FyOption, db_url: DbOption = None, as_at: AsAtOption = None,
                   as_json: JsonOption = False, policy: PolicyOption = None, top: TopOption = 10) -> None:
    """Price benchmarking opportunity (DOMAIN 7.2, E10): pipeline, never a saving; conversion; top items.

    Example: savings benchmarks --trust RX1 --fy 2025/26 --top 10
    """
    fy = check_fy(fy)
    if top < 1:
        raise fail(f"--top {top}: list 1 or more items", 2)
    ty = open_trust(db_url, trust, as_at, policy, fy)
    try:
        data = views.benchmarks_json(benchmark.opportunity(ty.frames.benchmarks, ty.figures, fy), top)
    except LedgerError as exc:
        raise refuse(exc) from None
    if as_json:
        emit_json(data)
    else:
        views.print_benchmarks(ty.trust, data)


@app.command("tower-ref")
def tower_ref_cmd(db_url: DbOption = None, as_json: JsonOption = False,
                  import_file: Annotated[Path | None, typer.Option("--import", help="Replace the table with a CSV.")]
                  = None,
                  export: Annotated[Path | None, typer.Option("--export", help="Write the table as CSV.")] = None,
                  reset: Annotated[bool, typer.Option("--reset", help="Go back to the shipped table.")] = False
                  ) -> None:
    """The NHS Supply Chain tower reference (2018 towers, 2023 regrouping) with valid_from/valid_to.

    Example: savings tower-ref --export towers.csv; edit it; savings tower-ref --import towers.csv
    """
    if import_file and reset:
        raise fail("give --import or --reset, not both", 2)
    if export:
        check_output(export, "--export")
    engine = db.open_ledger(db_url)
    try:
        if import_file:
            ref = reference.import_reference(engine, import_file)
        else:
            ref = reference.reset_reference(engine) if reset else reference.load_reference(engine)
    except LedgerError as exc:
        raise refuse(exc) from None
    if export:
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_text(reference.to_csv(ref), encoding="utf-8")
        typer.echo(f"wrote {export} ({len(ref.towers)} towers, {ref.source})")
    elif as_json:
        emit_json(views.reference_json(ref))
    else:
        views.print_reference(ref)


def rollup_summary(db_url: str | None, region: str | None, fy: str, as_at: str | None, as_json: bool,
                   policy: Path | None) -> None:
    """`savings summary --region NAME | --all`: a row per trust, totals per region and overall."""
    when = parse_as_at(as_at) or default_as_at(fy, audit.utc_today())
    try:
        base = load_toml(policy) if policy else DEFAULT
        engine = db.open_ledger(db_url)
        with progress_bar("rolling up trusts") as progress:
            result = rollup.rollup(engine, fy, when, region, base, progress=progress)
        codes = [row.org_code for row in result.rows]
        applied = trust_policies(engine, codes, base) if policy else {}
    except LedgerError as exc:
        raise refuse(exc) from None
    for code, trust_policy in applied.items():
        note_overruled(policy, base, trust_policy, code)
    data = result.to_json()
    if as_json:
        emit_json(data)
    else:
        views.print_rollup(data)
