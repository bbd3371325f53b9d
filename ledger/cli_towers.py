"""`savings towers`, `carter`, `benchmarks`, `tower-ref` and the region/all roll-up of `summary`.

Each command calls one library function (`ledger.towers`, `ledger.carter`, `ledger.benchmark`,
`ledger.reference.towers`, `ledger.rollup`) and prints either aligned tables or, with `--json`,
the same figures with money as text. A LedgerError becomes a message and exit code 1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from ledger import benchmark, carter, db, rollup
from ledger import tower_claims as tc
from ledger.cli import (
    AsAtOption,
    DbOption,
    FyOption,
    JsonOption,
    PolicyOption,
    TrustOption,
    app,
    check_fy,
    emit_json,
    fail,
    open_trust,
    parse_as_at,
)
from ledger.engine.summary import TrustYear, default_as_at
from ledger.errors import LedgerError
from ledger.money import from_micro, money_text
from ledger.policy import DEFAULT, load_toml
from ledger.reference import towers as reference
from ledger.textout import pounds, table
from ledger.towers import TowerRecon, ratio


def _pct(text: str | None) -> str:
    return "n/a" if text is None else f"{float(text) * 100:.1f}%"  # display only; the JSON keeps exact text


def towers_json(ty: TrustYear, recon: TowerRecon, ref: reference.Reference) -> dict:
    """`savings towers --json`: per-tower rows, the DESIGN.md `towers` block, the itemised difference."""
    rows = []
    for r in recon.rows:
        rows.append(
            {
                "tower_code": r.tower_code,
                "name": ref.name(r.tower_code, recon.fy),
                "spend": money_text(r.spend),
                "contribution": money_text(r.contribution),
                "local_foregone": money_text(r.local_foregone),
                "target": money_text(r.target),
                "recognised": money_text(r.recognised),
                "claimed": money_text(r.claimed),
                "gap": money_text(r.gap),
                "net": money_text(r.net),
                "coverage": ratio(r.recognised, r.contribution),
                "difference": {k: money_text(v) for k, v in tc.by_reason(recon.items, r.tower_code).items()},
            }
        )
    return {
        "trust": ty.trust,
        "fy": recon.fy,
        "as_at": ty.as_at.isoformat() if ty.as_at else None,
        "policy_set": ty.policy.label(),
        "contribution": {
            "amount": money_text(recon.contribution),
            "basis": recon.contribution_basis,
            "estimated": recon.estimated,
        },
        "allocation": recon.allocation,
        "local_rate": None if recon.local_rate is None else str(recon.local_rate),
        "local_rate_basis": recon.local_rate_basis,
        "reference": ref.source,
        "towers": rows,
        "total": recon.block(),
        "difference": {
            "claimed_less_recognised": money_text(recon.total("claimed") - recon.total("recognised")),
            "by_reason": {k: money_text(v) for k, v in tc.by_reason(recon.items).items()},
            "items": [
                {
                    "tower_code": i.tower_code,
                    "line_id": i.line_id,
                    "reason": i.reason,
                    "label": tc.LABELS[i.reason],
                    "rule_id": tc.RULE_IDS[i.reason],
                    "amount": money_text(i.amount),
                }
                for i in recon.items
            ],
        },
        "notes": [*recon.notes, *ref.notes([r.tower_code for r in recon.rows], recon.fy)],
    }


def print_towers(data: dict, show_items: bool) -> None:
    """The reconciliation for people: C and L with their basis, the E8 table, the difference by reason."""
    typer.echo(f"{data['trust']}  {data['fy']}  as at {data['as_at']}  policy {data['policy_set']}\n")
    c = data["contribution"]
    estimate = "  (ESTIMATE)" if c["estimated"] else ""
    typer.echo(f"Contribution C: {pounds(c['amount'])}{estimate}  {c['basis']}")
    typer.echo(f"Allocated to towers by: {data['allocation']}")
    typer.echo(f"Local savings foregone L: {data['local_rate_basis']}\n")
    total = data["total"]
    rows = [
        [
            t["tower_code"],
            t["name"][:34],
            pounds(t["spend"]),
            pounds(t["contribution"]),
            pounds(t["local_foregone"]) if t["local_foregone"] else "not configured",
            pounds(t["target"]),
            pounds(t["recognised"]),
            pounds(t["claimed"]),
            pounds(t["gap"]),
            pounds(t["net"]),
            _pct(t["coverage"]),
        ]
        for t in data["towers"]
    ]
    spend = sum(Decimal(t["spend"]) for t in data["towers"])
    rows.append(
        [
            "Total",
            "",
            pounds(str(spend)),
            pounds(total["contribution"]),
            pounds(total["local_foregone"]) if total["local_foregone"] else "not configured",
            pounds(total["target"]),
            pounds(total["recognised"]),
            pounds(total["claimed"]),
            pounds(total["gap"]),
            pounds(total["net"]),
            _pct(total["coverage"]),
        ]
    )
    typer.echo(
        table(
            ["tower", "name", "spend", "C", "L", "target", "recognised", "claimed", "gap", "net", "coverage"],
            rows,
            set(range(2, 11)),
        )
    )
    typer.echo(f"\nRecognition rate: {_pct(total['recognition_rate'])} of NHSSC's claim")
    diff = data["difference"]
    typer.echo(f"Claimed less recognised: {pounds(diff['claimed_less_recognised'])}, by reason:")
    codes = [t["tower_code"] for t in data["towers"]]
    reasons = [
        [tc.LABELS[k], tc.RULE_IDS[k], *(pounds(t["difference"][k]) for t in data["towers"]), pounds(v)]
        for k, v in diff["by_reason"].items()
        if v != "0.00"
    ]
    typer.echo(table(["reason", "rule", *codes, "total"], reasons, set(range(2, len(codes) + 3))))
    if show_items:
        typer.echo("")
        typer.echo(
            table(
                ["tower", "line", "reason", "amount"],
                [
                    [i["tower_code"], i["line_id"] or "(no line)", i["label"], pounds(i["amount"])]
                    for i in diff["items"]
                ],
                {3},
            )
        )
    for note in data["notes"]:
        typer.echo(f"note: {note}")


@app.command("towers")
def towers_cmd(
    trust: TrustOption,
    fy: FyOption,
    db_url: DbOption = None,
    as_at: AsAtOption = None,
    as_json: JsonOption = False,
    policy: PolicyOption = None,
    items: Annotated[bool, typer.Option("--items", help="List the difference line by line.")] = False,
) -> None:
    """NHS Supply Chain tower reconciliation (DOMAIN 6.2): C, L, target, recognised, claimed, gap, why.

    Example: savings towers --trust RX1 --fy 2025/26 --json
    """
    fy = check_fy(fy)
    ty = open_trust(db_url, trust, as_at, policy, fy)
    try:
        data = towers_json(ty, ty.recon(fy), reference.load_reference(db.open_ledger(db_url)))
    except LedgerError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(data)
    else:
        print_towers(data, items)


def carter_json(years: tuple[carter.WauYear, ...], compliance: list[carter.Compliance]) -> dict:
    """`savings carter --json`: non-pay per WAU by year and Carter compliance by year."""
    return {
        "non_pay_per_wau": [
            {
                "fy": y.fy,
                "non_pay": money_text(y.non_pay),
                "wau": f"{float(y.wau):.3f}",
                "wau_basis": y.wau_basis,
                "per_wau": money_text(y.per_wau),
                "change": str(y.change),
                "target_per_wau": money_text(y.target_per_wau),
                "allowed": money_text(y.allowed),
                "gap": money_text(y.gap),
                "expected_at_base_rate": money_text(y.expected),
                "validated_non_pay_fye": money_text(y.validated_fye),
                "residual_inflation_mix": money_text(y.residual),
            }
            for y in years
        ],
        "compliance": [
            {
                "fy": c.fy,
                "transactions": c.transactions,
                "on_catalogue": c.on_catalogue,
                "with_po": c.with_po,
                "value": money_text(c.value),
                "under_contract": money_text(c.under_contract),
                "shares": {k: None if v is None else str(v) for k, v in c.shares().items()},
                "targets": {k: str(v) for k, v in carter.TARGETS.items()},
            }
            for c in compliance
        ],
    }


@app.command("carter")
def carter_cmd(
    trust: TrustOption,
    db_url: DbOption = None,
    as_json: JsonOption = False,
    policy: PolicyOption = None,
    fy: Annotated[str | None, typer.Option("--fy", help="Compliance for this year only.")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base year (default: the earliest).")] = None,
) -> None:
    """Non-pay cost per WAU against the Carter -10% target (E9) and catalogue/PO/contract compliance.

    Example: savings carter --trust RX1 --base 2024/25
    """
    ty = open_trust(db_url, trust, None, policy)
    engine = db.open_ledger(db_url)
    try:
        years = (
            carter.non_pay_per_wau(ty.frames.activity, ty.figures, check_fy(base) if base else None)
            if not ty.frames.activity.empty
            else ()
        )
        fys = [check_fy(fy)] if fy else carter.spend_years(engine, ty.trust)
        found = [c for c in (carter.compliance(engine, ty.trust, f) for f in fys) if c is not None]
    except LedgerError as exc:
        raise fail(str(exc)) from None
    data = carter_json(years, found)
    if as_json:
        emit_json(data)
        return
    if not years:
        typer.echo("Non-pay per WAU: no Activity sheet rows")
    else:
        typer.echo(
            table(
                [
                    "year",
                    "non-pay",
                    "WAU",
                    "per WAU",
                    "change",
                    "target/WAU",
                    "allowed",
                    "gap",
                    "validated FYE",
                    "inflation/mix",
                ],
                [
                    [
                        y["fy"],
                        pounds(y["non_pay"]),
                        y["wau"],
                        pounds(y["per_wau"]),
                        _pct(y["change"]),
                        pounds(y["target_per_wau"]),
                        pounds(y["allowed"]),
                        pounds(y["gap"]),
                        pounds(y["validated_non_pay_fye"]),
                        pounds(y["residual_inflation_mix"]),
                    ]
                    for y in data["non_pay_per_wau"]
                ],
                set(range(1, 10)),
            )
        )
    typer.echo("")
    if not found:
        typer.echo("Carter compliance: no SpendExtract rows" + (f" in {fy}" if fy else ""))
    for c in data["compliance"]:
        typer.echo(
            table(
                [f"{c['fy']} ({c['transactions']} transactions)", "share", "target"],
                [
                    ["on catalogue (by count)", _pct(c["shares"]["catalogue"]), _pct(c["targets"]["catalogue"])],
                    ["with a PO (by count)", _pct(c["shares"]["purchase_order"]), _pct(c["targets"]["purchase_order"])],
                    ["under contract (by value)", _pct(c["shares"]["contract"]), _pct(c["targets"]["contract"])],
                ],
                {1, 2},
            )
        )


def benchmarks_json(opp: benchmark.Opportunity, top: int) -> dict:
    """`savings benchmarks --json`: the opportunity (pipeline, not a saving), conversion, top items."""

    def item(i: benchmark.Item) -> dict:
        return {
            "product_code": i.product_code,
            "description": i.description,
            "period": i.period,
            "tower_code": i.tower_code,
            "price_paid": str(from_micro(i.price_paid)),
            "benchmark": None if i.benchmark is None else str(from_micro(i.benchmark)),
            "volume": str(i.volume / 1000),
            "n_peers": i.n_peers,
            "opportunity": money_text(i.opportunity),
            "status": i.status,
        }

    return {
        "fy": opp.fy,
        "benchmark": opp.benchmark,
        "min_peers": opp.min_peers,
        "opportunity": money_text(opp.total),
        "validated_fye": money_text(opp.validated_fye),
        "conversion": ratio(opp.validated_fye, opp.total),
        "converting_lines": list(opp.converting_lines),
        "items": len(opp.items),
        "not_comparable": sum(i.status == "not_comparable" for i in opp.items),
        "top": [item(i) for i in opp.top(top)],
    }


@app.command("benchmarks")
def benchmarks_cmd(
    trust: TrustOption,
    fy: FyOption,
    db_url: DbOption = None,
    as_at: AsAtOption = None,
    as_json: JsonOption = False,
    policy: PolicyOption = None,
    top: Annotated[int, typer.Option("--top", help="How many price-variance items to list.")] = 10,
) -> None:
    """Price benchmarking opportunity (DOMAIN 7.2, E10): pipeline, never a saving; conversion; top items.

    Example: savings benchmarks --trust RX1 --fy 2025/26 --top 10
    """
    fy = check_fy(fy)
    ty = open_trust(db_url, trust, as_at, policy, fy)
    try:
        data = benchmarks_json(benchmark.opportunity(ty.frames.benchmarks, ty.figures, fy), top)
    except LedgerError as exc:
        raise fail(str(exc)) from None
    if as_json:
        emit_json(data)
        return
    typer.echo(f"{ty.trust}  {fy}  benchmark {data['benchmark']} (at least {data['min_peers']} peers)")
    typer.echo(
        f"Opportunity (pipeline, not a saving): {pounds(data['opportunity'])} over {data['items']} item-months "
        f"({data['not_comparable']} not comparable)"
    )
    typer.echo(f"Converted to validated FYE: {pounds(data['validated_fye'])} ({_pct(data['conversion'])})\n")
    typer.echo(
        table(
            ["product", "description", "month", "paid", "benchmark", "volume", "opportunity"],
            [
                [
                    i["product_code"],
                    i["description"][:30],
                    i["period"],
                    i["price_paid"],
                    i["benchmark"] or "",
                    i["volume"],
                    pounds(i["opportunity"]),
                ]
                for i in data["top"]
            ],
            {3, 4, 5, 6},
        )
    )


@app.command("tower-ref")
def tower_ref_cmd(
    db_url: DbOption = None,
    as_json: JsonOption = False,
    import_file: Annotated[Path | None, typer.Option("--import", help="Replace the table with this CSV.")] = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write the table in force as CSV.")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Go back to the shipped table.")] = False,
) -> None:
    """The NHS Supply Chain tower reference (2018 towers, 2023 regrouping), valid_from/valid_to.

    Example: savings tower-ref --export towers.csv; edit it; savings tower-ref --import towers.csv
    """
    engine = db.open_ledger(db_url)
    try:
        if import_file and reset:
            raise LedgerError("give --import or --reset, not both")
        ref = (
            reference.import_reference(engine, import_file)
            if import_file
            else reference.reset_reference(engine)
            if reset
            else reference.load_reference(engine)
        )
    except LedgerError as exc:
        raise fail(str(exc)) from None
    if export:
        export.write_text(reference.to_csv(ref), encoding="utf-8")
        typer.echo(f"wrote {export} ({len(ref.towers)} towers, {ref.source})")
        return
    if as_json:
        emit_json(
            {
                "source": ref.source,
                "towers": [
                    {
                        "code": t.code,
                        "name": t.name,
                        "valid_from": t.valid_from.isoformat(),
                        "valid_to": t.valid_to.isoformat() if t.valid_to else None,
                        "model": t.model,
                        "successor": t.successor,
                        "note": t.note,
                    }
                    for t in ref.towers
                ],
            }
        )
        return
    typer.echo(f"Tower reference ({ref.source}):")
    typer.echo(
        table(
            ["code", "name", "from", "to", "model", "successor"],
            [[t.code, t.name, str(t.valid_from), str(t.valid_to or ""), t.model, t.successor] for t in ref.towers],
        )
    )


def rollup_summary(
    db_url: str | None, region: str | None, fy: str, as_at: str | None, as_json: bool, policy: Path | None
) -> None:
    """`savings summary --region NAME | --all`: a row per trust, totals per region and overall."""
    when = parse_as_at(as_at) or default_as_at(fy, date.today())  # noqa: DTZ011  (as `summary --trust`)
    try:
        base = load_toml(policy) if policy else DEFAULT
        result = rollup.rollup(db.open_ledger(db_url), fy, when, region, base)
    except LedgerError as exc:
        raise fail(str(exc)) from None
    data = result.to_json()
    if as_json:
        emit_json(data)
        return
    heads = [
        "trust",
        "region",
        "CIP plan",
        "CIP delivered",
        "at risk",
        "forecast",
        "cost avoidance",
        "tower recognised",
        "tower net",
        "errors",
        "warnings",
    ]

    def row(label: str, region_name: str, d: dict) -> list[str]:
        return [
            label,
            region_name,
            pounds(d["cip"]["plan"]),
            pounds(d["cip"]["delivered"]),
            pounds(d["cip"]["at_risk"]),
            pounds(d["cip"]["forecast"]),
            pounds(d["non_cip"]["cost_avoidance"]),
            pounds(d["towers"]["recognised"]),
            pounds(d["towers"]["net"]),
            str(d["exceptions"]["errors"]),
            str(d["exceptions"]["warnings"]),
        ]

    rows = [row(t["trust"], t["region"], t) for t in data["trusts"]]
    if region is None:
        rows += [row(f"{r['trusts']} trusts", r["region"], r) for r in data["regions"]]
    rows.append(row(f"TOTAL ({data['total']['trusts']})", region or "all", data["total"]))
    typer.echo(f"{fy}  {'region ' + region if region else 'all regions'}\n")
    typer.echo(table(heads, rows, set(range(2, 11))))
    for field, codes in data["total"]["missing"].items():
        typer.echo(f"note: total {field} is n/a: not available for {', '.join(codes)}")
