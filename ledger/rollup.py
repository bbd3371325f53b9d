"""Regional and national roll-up: many trusts in one ledger, one row each, totals that add up.

Each trust's row is exactly its `savings summary --trust` figures (the same `summary()` over the
same engine, so the two can never disagree). The roll-up then turns the rows into one frame of
int64 pence and sums the columns: a region's total is the sum of its trusts' rows, the national
total the sum of the regions'. Ratios (coverage, recognition rate) are recomputed from the
totals, never summed. A region matches whatever its case or surrounding spaces. Where any trust
has no value (no contribution recorded, L not configured) the total is None and `missing` names
the trusts, so a total is never silently short.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import repeat

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ledger import models
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.money import money_text
from ledger.policy import DEFAULT, Policy
from ledger.towers import ratio

MONEY: tuple[tuple[str, str], ...] = (
    *(
        ("cip", k)
        for k in (
            "plan",
            "delivered",
            "at_risk",
            "forecast",
            "risk_adjusted_forecast",
            "recurrent_delivered",
            "non_recurrent_delivered",
            "fye_delivered",
            "carry_forward",
        )
    ),
    ("non_cip", "cost_avoidance"),
    ("non_cip", "capital"),
    ("implementation_costs", ""),
    ("leakage", ""),
    *(("towers", k) for k in ("contribution", "local_foregone", "target", "recognised", "claimed", "gap", "net")),
)
COUNTS: tuple[tuple[str, str], ...] = (
    ("non_cip", "non_financial_count"),
    ("exceptions", "errors"),
    ("exceptions", "warnings"),
)


def _name(block: str, key: str) -> str:
    return f"{block}.{key}" if key else block


def _get(data: dict, block: str, key: str) -> object:
    return data[block][key] if key else data[block]


@dataclass(frozen=True)
class TrustRow:
    """One trust in the roll-up: who it is and its `summary()` for the year."""

    org_code: str
    name: str
    region: str
    trust_type: str
    figures: dict


@dataclass(frozen=True)
class Rollup:
    """The trusts of a region (or all of them) for one year, and their totals."""

    fy: str
    region: str | None
    rows: tuple[TrustRow, ...]

    def frame(self) -> pd.DataFrame:
        """One row per trust: org_code, region, then every money field in pence and every count.

        Money columns are nullable int64 (`Int64`): None stays missing, never becomes 0 or a float.
        """
        data: dict[str, list] = {"org_code": [r.org_code for r in self.rows], "region": [r.region for r in self.rows]}
        for block, key in MONEY:
            texts = [_get(r.figures, block, key) for r in self.rows]
            data[_name(block, key)] = pd.array(
                [None if t is None else int(Decimal(t) * 100) for t in texts], dtype="Int64"
            )
        for block, key in COUNTS:
            data[_name(block, key)] = pd.array([_get(r.figures, block, key) for r in self.rows], dtype="Int64")
        return pd.DataFrame(data)

    def regions(self) -> list[str]:
        """Region names, one per region whatever its case or spaces (spelt as its first trust has it)."""
        names: dict[str, str] = {}
        for r in self.rows:
            names.setdefault(r.region.casefold(), r.region)
        return sorted(names.values(), key=str.casefold)

    def total(self, region: str | None = None) -> dict:
        """The summary-shaped totals of all rows (or one region's), money as text."""
        frame = self.frame()
        if region is not None:
            frame = frame[frame["region"].str.casefold() == region.strip().casefold()]
        out: dict = {"trusts": len(frame), "cip": {}, "non_cip": {}, "towers": {}, "exceptions": {}, "missing": {}}
        for block, key in MONEY:
            column = frame[_name(block, key)]
            missing = frame.loc[column.isna(), "org_code"].tolist()
            value = None if missing else int(column.sum())
            if missing:
                out["missing"][_name(block, key)] = missing
            if key:
                out[block][key] = money_text(value)
            else:
                out[block] = money_text(value)
        for block, key in COUNTS:
            out[block][key] = int(frame[_name(block, key)].sum())
        towers = out["towers"]
        recognised = int(frame["towers.recognised"].sum())
        contribution = None if "towers.contribution" in out["missing"] else int(frame["towers.contribution"].sum())
        towers["coverage"] = ratio(recognised, contribution)
        towers["recognition_rate"] = ratio(recognised, int(frame["towers.claimed"].sum()))
        return out

    def to_json(self) -> dict:
        """`savings summary --region/--all --json`: per-trust rows, per-region totals, the total."""
        return {
            "fy": self.fy,
            "region": self.region,
            "trusts": [
                {
                    "trust": r.org_code,
                    "name": r.name,
                    "region": r.region,
                    "trust_type": r.trust_type,
                    **{k: v for k, v in r.figures.items() if k not in {"trust", "fy"}},
                }
                for r in self.rows
            ],
            "regions": [{"region": name, **self.total(name)} for name in self.regions()],
            "total": self.total(),
        }


def trusts_in(engine: Engine, region: str | None = None) -> list[dict]:
    """The ledger's trusts (org_code, name, region, trust_type), of one region when named (any case)."""
    t = models.Trust.__table__
    query = select(t.c.org_code, t.c.name, t.c.region, t.c.trust_type).order_by(t.c.org_code)
    if region is not None:
        query = query.where(func.lower(func.trim(t.c.region)) == region.strip().lower())
    with engine.connect() as conn:
        found = [dict(r) for r in conn.execute(query).mappings()]
        if region is not None and not found:
            name = func.trim(t.c.region)
            known = conn.execute(select(name, func.count()).group_by(name).order_by(name)).all()
            listed = ", ".join(f"{name or '(none)'} ({n})" for name, n in known) or "none: import a register first"
            raise LedgerError(f"no trust in region {region!r}; regions in the ledger: {listed}")
    if not found:
        raise LedgerError("the ledger holds no trusts; import a register first")
    return found


def rollup(engine: Engine, fy: str, as_at: date, region: str | None = None, base: Policy = DEFAULT,
           jobs: int | None = None, progress: Callable[[int, int], None] | None = None) -> Rollup:
    """Every trust of `region` (or of the ledger) for `fy` as known at `as_at`, each exactly as
    `savings summary --trust` gives it.

    `jobs` worker processes share the trusts (default: one per CPU from `PARALLEL_FROM` trusts
    up, on a database other processes can open). Each trust is still computed alone, by the same
    code, so the result does not depend on how many there are; nationally it halves the time on
    two cores (docs/performance.md). `progress(done, total)` is called once the trusts are known
    and as each trust's row is ready, in trust order (the command line draws a bar with it).
    """
    trusts = trusts_in(engine, region)
    codes = [t["org_code"] for t in trusts]
    shared = engine.url.get_backend_name() != "sqlite" or engine.url.database not in (None, "", ":memory:")
    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(codes) >= PARALLEL_FROM and shared else 1
    report = progress or (lambda _done, _total: None)
    report(0, len(codes))
    figures: list[dict] = []
    with ExitStack() as stack:
        if jobs > 1 and shared:
            url = engine.url.render_as_string(hide_password=False)
            context = multiprocessing.get_context("spawn")  # no connection inherited from this process
            pool = stack.enter_context(ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                                                           initargs=(url,)))
            results = pool.map(_trust_summary, codes, repeat(fy), repeat(as_at), repeat(base), chunksize=2)
        else:
            results = (summary(load_trust(engine, code, as_at, base), fy) for code in codes)
        for figure in results:
            figures.append(figure)
            report(len(figures), len(codes))
    rows = [TrustRow(t["org_code"], t["name"], (t["region"] or "").strip(), t["trust_type"], f)
            for t, f in zip(trusts, figures, strict=True)]
    return Rollup(fy, rows[0].region if region is not None else None, tuple(rows))


PARALLEL_FROM = 20  # trusts; below this, starting worker processes costs more than they save
_WORKER: dict[str, Engine] = {}


def _worker_init(url: str) -> None:
    from ledger.db import make_engine

    _WORKER["engine"] = make_engine(url)


def _trust_summary(code: str, fy: str, as_at: date, base: Policy) -> dict:
    return summary(load_trust(_WORKER["engine"], code, as_at, base), fy)
