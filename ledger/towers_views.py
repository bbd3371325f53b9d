"""JSON and plain-text views of towers, Carter, benchmarking and the regional roll-up.

The JSON views are what `--json` prints (money as text, ratios as text); the text views print
those same dicts as aligned tables, so the two can never show different figures.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import typer

from ledger import benchmark, carter
from ledger import tower_claims as tc
from ledger.engine.summary import TrustYear
from ledger.money import from_micro, money_text
from ledger.reference.towers import Reference
from ledger.textout import pounds, price, quantity, table
from ledger.towers import TowerRecon, ratio

SHORT = {"capital": "capital", "cost_avoidance": "cost avoidance", "outside_year": "outside year",
         "actuals_below_plan": "actuals vs plan", "duplicate_local": "duplicate", "not_validated": "not counted yet",
         "no_trust_baseline": "no baseline", "not_in_claim": "not in claim"}


def pct(text: str | None) -> str:
    """`"0.8500"` -> `85.0%` (for people; the JSON keeps the exact text)."""
    if text is None:
        return "n/a"
    return f"{(Decimal(text) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def towers_json(ty: TrustYear, recon: TowerRecon, ref: Reference) -> dict:
    """`savings towers --json`: per-tower rows, the DESIGN.md `towers` block, the itemised difference."""
    rows = [{"tower_code": r.tower_code, "name": ref.name(r.tower_code, recon.fy), "spend": money_text(r.spend),
             "contribution": money_text(r.contribution), "local_foregone": money_text(r.local_foregone),
             "target": money_text(r.target), "recognised": money_text(r.recognised), "claimed": money_text(r.claimed),
             "gap": money_text(r.gap), "net": money_text(r.net), "coverage": ratio(r.recognised, r.contribution),
             "difference": {k: money_text(v) for k, v in tc.by_reason(recon.items, r.tower_code).items()}}
            for r in recon.rows]
    items = [{"tower_code": i.tower_code, "line_id": i.line_id, "reason": i.reason, "label": tc.LABELS[i.reason],
              "rule_id": tc.RULE_IDS[i.reason], "amount": money_text(i.amount)} for i in recon.items]
    return {
        "trust": ty.trust, "fy": recon.fy, "as_at": ty.as_at.isoformat() if ty.as_at else None,
        "policy_set": ty.policy.label(),
        "contribution": {"amount": money_text(recon.contribution), "basis": recon.contribution_basis,
                         "estimated": recon.estimated},
        "allocation": recon.allocation, "local_rate": None if recon.local_rate is None else str(recon.local_rate),
        "local_rate_basis": recon.local_rate_basis, "reference": ref.source, "towers": rows, "total": recon.block(),
        "difference": {"claimed_less_recognised": money_text(recon.total("claimed") - recon.total("recognised")),
                       "by_reason": {k: money_text(v) for k, v in tc.by_reason(recon.items).items()},
                       "items": items},
        "notes": [*recon.notes, *ref.notes([r.tower_code for r in recon.rows], recon.fy)],
    }


def _tower_cells(label: str, name: str, spend: str, d: dict) -> list[str]:
    local = pounds(d["local_foregone"]) if d["local_foregone"] is not None else "not configured"
    return [label, name, pounds(spend), pounds(d["contribution"]), local, pounds(d["target"]),
            pounds(d["recognised"]), pounds(d["claimed"]), pounds(d["gap"]), pounds(d["net"]), pct(d["coverage"])]


def print_towers(data: dict, show_items: bool) -> None:
    """The reconciliation for people: C and L with their basis, the E8 table, the difference by reason."""
    typer.echo(f"{data['trust']}  {data['fy']}  as at {data['as_at']}  policy {data['policy_set']}\n")
    c = data["contribution"]
    typer.echo(f"Contribution C: {pounds(c['amount'])}{'  (ESTIMATE)' if c['estimated'] else ''}  {c['basis']}")
    typer.echo(f"Allocated to towers by: {data['allocation']}")
    typer.echo(f"Local savings foregone L: {data['local_rate_basis']}\n")
    towers, total = data["towers"], data["total"]
    rows = [_tower_cells(t["tower_code"], t["name"][:34], t["spend"], t) for t in towers]
    rows.append(_tower_cells("Total", "", str(sum(Decimal(t["spend"]) for t in towers)), total))
    typer.echo(table(["tower", "name", "spend", "C", "L", "target", "recognised", "claimed", "gap", "net",
                      "coverage"], rows, set(range(2, 11))))
    typer.echo(f"\nRecognition rate: {pct(total['recognition_rate'])} of NHSSC's claim")
    diff = data["difference"]
    typer.echo(f"Claimed less recognised: {pounds(diff['claimed_less_recognised'])}, by reason:")
    keys = [k for k, v in diff["by_reason"].items() if v != "0.00"]
    rows = [[t["tower_code"], *(pounds(t["difference"][k]) for k in keys),
             pounds(str(Decimal(t["claimed"]) - Decimal(t["recognised"])))] for t in towers]
    rows.append(["Total", *(pounds(diff["by_reason"][k]) for k in keys), pounds(diff["claimed_less_recognised"])])
    typer.echo(table(["tower", *(SHORT[k] for k in keys), "claimed - recognised"], rows,
                     set(range(1, len(keys) + 2))))
    for k in keys:
        typer.echo(f"  {SHORT[k]:>16}: {tc.LABELS[k]} ({tc.RULE_IDS[k]})")
    if show_items:
        typer.echo("\n" + table(["tower", "line", "reason", "amount"],
                                [[i["tower_code"], i["line_id"] or "(no line)", i["label"], pounds(i["amount"])]
                                 for i in diff["items"]], {3}))
    for note in data["notes"]:
        typer.echo(f"note: {note}")


def _exact(value: Decimal | int, places: str) -> str:
    return str(Decimal(value).quantize(Decimal(places), ROUND_HALF_UP))


def carter_json(years: tuple[carter.WauYear, ...], compliance: list[carter.Compliance]) -> dict:
    """`savings carter --json`: non-pay per WAU by year and Carter compliance by year."""
    return {
        "non_pay_per_wau": [{
            "fy": y.fy, "non_pay": money_text(y.non_pay),
            "wau": _exact(Decimal(y.wau.numerator) / Decimal(y.wau.denominator), "0.001"),
            "wau_basis": y.wau_basis, "per_wau": money_text(y.per_wau), "change": str(y.change),
            "target_per_wau": money_text(y.target_per_wau), "allowed": money_text(y.allowed),
            "gap": money_text(y.gap), "expected_at_base_rate": money_text(y.expected),
            "validated_non_pay_fye": money_text(y.validated_fye), "residual_inflation_mix": money_text(y.residual),
        } for y in years],
        "compliance": [{
            "fy": c.fy, "transactions": c.transactions, "on_catalogue": c.on_catalogue, "with_po": c.with_po,
            "value": money_text(c.value), "under_contract": money_text(c.under_contract),
            "shares": {k: None if v is None else str(v) for k, v in c.shares().items()},
            "targets": {k: str(v) for k, v in carter.TARGETS.items()},
        } for c in compliance],
    }


def print_carter(data: dict, fy: str | None) -> None:
    if not data["non_pay_per_wau"]:
        typer.echo("Non-pay per WAU: no Activity sheet rows")
    else:
        typer.echo(table(
            ["year", "non-pay", "WAU", "per WAU", "change", "target/WAU", "allowed", "gap", "validated FYE",
             "residual"],
            [[y["fy"], pounds(y["non_pay"]), quantity(y["wau"]), pounds(y["per_wau"]), pct(y["change"]),
              pounds(y["target_per_wau"]), pounds(y["allowed"]), pounds(y["gap"]), pounds(y["validated_non_pay_fye"]),
              pounds(y["residual_inflation_mix"])] for y in data["non_pay_per_wau"]], set(range(1, 10))))
        typer.echo("residual: the fall in non-pay against the base year's cost per WAU that validated CIP does not "
                   "explain; inflation and mix took off that much more where it is positive, and added it where "
                   "it is negative (E9)")
    typer.echo("")
    if not data["compliance"]:
        typer.echo("Carter compliance: no SpendExtract rows" + (f" in {fy}" if fy else ""))
    labels = (("catalogue", "on catalogue (by count)"), ("purchase_order", "with a PO (by count)"),
              ("contract", "under contract (by value)"))
    for c in data["compliance"]:
        typer.echo(table([f"{c['fy']} ({c['transactions']} transactions)", "share", "target"],
                         [[label, pct(c["shares"][k]), pct(c["targets"][k])] for k, label in labels], {1, 2}))


def benchmarks_json(opp: benchmark.Opportunity, top: int) -> dict:
    """`savings benchmarks --json`: the opportunity (pipeline, not a saving), conversion, top items."""

    def item(i: benchmark.Item) -> dict:
        return {"product_code": i.product_code, "description": i.description, "period": i.period,
                "tower_code": i.tower_code, "price_paid": str(from_micro(i.price_paid)),
                "benchmark": None if i.benchmark is None else str(from_micro(i.benchmark)),
                "volume": _exact(Decimal(i.volume) / 1000, "0.001"), "n_peers": i.n_peers,
                "opportunity": money_text(i.opportunity), "status": i.status}

    return {"fy": opp.fy, "benchmark": opp.benchmark, "min_peers": opp.min_peers,
            "opportunity": money_text(opp.total), "validated_fye": money_text(opp.validated_fye),
            "conversion": ratio(opp.validated_fye, opp.total), "converting_lines": list(opp.converting_lines),
            "items": len(opp.items), "not_comparable": sum(i.status == "not_comparable" for i in opp.items),
            "top": [item(i) for i in opp.top(top)]}


def print_benchmarks(trust: str, data: dict) -> None:
    typer.echo(f"{trust}  {data['fy']}  benchmark {data['benchmark']} (at least {data['min_peers']} peers)")
    typer.echo(f"Opportunity (pipeline, not a saving): {pounds(data['opportunity'])} over {data['items']} "
               f"item-months ({data['not_comparable']} not comparable)")
    typer.echo(f"Converted to validated FYE: {pounds(data['validated_fye'])} ({pct(data['conversion'])} of the "
               "opportunity, E10; over 100% when more has been saved on these items than is left to save)\n")
    typer.echo(table(["product", "description", "month", "paid", "benchmark", "volume", "opportunity"],
                     [[i["product_code"], i["description"][:30], i["period"], price(i["price_paid"]),
                       price(i["benchmark"]), quantity(i["volume"]), pounds(i["opportunity"])] for i in data["top"]],
                     {3, 4, 5, 6}))


def reference_json(ref: Reference) -> dict:
    return {"source": ref.source, "towers": [
        {"code": t.code, "name": t.name, "valid_from": t.valid_from.isoformat(),
         "valid_to": t.valid_to.isoformat() if t.valid_to else None, "model": t.model, "successor": t.successor,
         "note": t.note} for t in ref.towers]}


def print_reference(ref: Reference) -> None:
    typer.echo(f"Tower reference ({ref.source}):")
    typer.echo(table(["code", "name", "from", "to", "model", "successor"],
                     [[t.code, t.name, str(t.valid_from), str(t.valid_to or ""), t.model, t.successor]
                      for t in ref.towers]))


def print_rollup(data: dict) -> None:
    """A row per trust, a subtotal per region (all regions only), the total; what a total lacks."""
    region = data["region"]

    def row(label: str, region_name: str, d: dict) -> list[str]:
        return [label, region_name, pounds(d["cip"]["plan"]), pounds(d["cip"]["delivered"]),
                pounds(d["cip"]["at_risk"]), pounds(d["cip"]["forecast"]), pounds(d["non_cip"]["cost_avoidance"]),
                pounds(d["towers"]["recognised"]), pounds(d["towers"]["net"]), str(d["exceptions"]["errors"]),
                str(d["exceptions"]["warnings"])]

    rows = [row(t["trust"], t["region"], t) for t in data["trusts"]]
    if region is None:
        rows += [row(f"{r['trusts']} trust{'' if r['trusts'] == 1 else 's'}", r["region"], r) for r in data["regions"]]
    rows.append(row(f"TOTAL ({data['total']['trusts']})", region or "all", data["total"]))
    typer.echo(f"{data['fy']}  {'region ' + region if region else 'all regions'}\n")
    typer.echo(table(["trust", "region", "CIP plan", "CIP delivered", "at risk", "forecast", "cost avoidance",
                      "tower recognised", "tower net", "errors", "warnings"], rows, set(range(2, 11))))
    by_trusts: dict[str, list[str]] = {}
    for field, codes in data["total"]["missing"].items():
        by_trusts.setdefault(", ".join(codes), []).append(field)
    for codes, fields in by_trusts.items():
        typer.echo(f"note: total {', '.join(fields)} n/a: not available for {codes}")
