"""The regional board pack: the trusts of a region rolled up, then one summary page per trust.

A regional finance or procurement lead compares trusts on the same figures each trust's board
sees, so each trust's page is built by the same code as its own pack (`reports.pack`), and the
roll-up totals are sums of those trusts' JSON summaries. Trusts keep their own policy sets: the
roll-up says so when they differ, and each trust's page footer names its own.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger import models
from ledger.errors import LedgerError
from ledger.policy import DEFAULT, Policy
from ledger.textout import counted
from reports.pack import UNLOCKED, Footer, Period, TrustPack, load_pack, people

TOTALS = (("cip", "plan"), ("cip", "delivered"), ("cip", "at_risk"), ("cip", "forecast"),
          ("cip", "risk_adjusted_forecast"), ("cip", "recurrent_delivered"), ("non_cip", "cost_avoidance"),
          ("towers", "recognised"))


@dataclass(frozen=True)
class RegionPack:
    """Trust packs (without charts) for a region and their totals (Decimal pounds, pence for YTD plan)."""

    region: str
    period: Period
    trusts: tuple[TrustPack, ...]
    totals: dict[str, Decimal]
    ytd_plan: int
    month_counted: int
    errors: int
    warnings: int
    footer: Footer


def region_trusts(engine: Engine, region: str) -> tuple[str, list[str]]:
    """The region's name as the ledger spells it and its trusts' org codes, sorted (any letter case)."""
    table = models.Trust.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.org_code, table.c.region)).all()
    found = sorted((code, name.strip()) for code, name in rows
                   if (name or "").strip().lower() == region.strip().lower())
    if not found:
        known = sorted({(name or "").strip() for _, name in rows} - {""})
        raise LedgerError(f"no trust in region {region!r} (regions in the ledger: {', '.join(known) or 'none'})")
    return found[0][1], [code for code, _ in found]


def combined_fingerprint(packs: list[TrustPack]) -> str:
    """One sha256 over the trusts' data fingerprints, in org-code order."""
    text = "\n".join(f"{p.trust['org_code']}={p.footer.fingerprint}" for p in packs)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def build_region(engine: Engine, region: str, period: Period, base: Policy = DEFAULT, *,
                 preparer: str | None = None, approver: str | None = None) -> RegionPack:
    """Every trust of `region` as known at the period's as-at date, rolled up."""
    name, codes = region_trusts(engine, region)
    packs = [load_pack(engine, code, period, base, preparer=preparer, approver=approver, with_charts=False)
             for code in codes]
    totals = {f"{a}.{b}": sum((p.money(a, b) or Decimal(0) for p in packs), Decimal("0.00")) for a, b in TOTALS}
    policies = sorted({p.footer.policy for p in packs})
    locked = sum(p.footer.lock != UNLOCKED for p in packs)
    preparer, approver = people(preparer, approver)
    footer = Footer(policies[0] if len(policies) == 1 else f"{len(policies)} policy sets (see each trust's page)",
                    f"{locked} of {counted(len(packs), 'trust')} locked for the period", period.as_at,
                    combined_fingerprint(packs), preparer, approver)
    return RegionPack(name, period, tuple(packs), totals, sum(p.variance.plan for p in packs),
                      sum(p.month_counted for p in packs), sum(p.summary["exceptions"]["errors"] for p in packs),
                      sum(p.summary["exceptions"]["warnings"] for p in packs), footer)
