"""The monthly board pack: one trust's figures for a period, assembled from the ledger API.

A period `2026-03` is seen as known at the last day of that month (or at `--as-at`, a day
inside the month, for an interim pack). Year-to-date CIP is the JSON summary at that date;
in-month is YTD less YTD at the previous month end, both computed by the same engine on the
same loaded data, so the pack and `savings summary --json` agree to the penny. `render.py`
turns a `TrustPack` into HTML and PDF.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from ledger import calendar, periods
from ledger.carter import Compliance
from ledger.carter import compliance as carter_compliance
from ledger.engine import bridge
from ledger.engine.figures import compute
from ledger.engine.findings import Finding
from ledger.engine.summary import TrustYear, known_by, load_trust, summary
from ledger.errors import LedgerError, OptionError
from ledger.fingerprint import fingerprint
from ledger.frames import cut
from ledger.money import from_pence
from ledger.policy import DEFAULT, Policy
from ledger.reference.towers import Reference, load_reference
from ledger.towers import TowerRecon
from reports import charts
from reports import pack_sections as sections
from reports.commentary import commentary
from reports.filters import naturally
from reports.pack_carter import Carter, carter

UNLOCKED = "period not locked"
APPENDIX_CAP = 150  # exceptions listed in the PDF; the audit workbook lists every one
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Period:
    """The month a pack reports on and the date its data is cut at."""

    month: int
    fy: str
    as_at: date

    @property
    def label(self) -> str:
        return calendar.month_label(self.month)


def period_of(text: str, as_at: date | None = None) -> Period:
    """`2026-03` -> March 2026 as known at 31 March 2026, or at `as_at` (a day in that month).

    An as-at date outside the month is refused: after it, later months' actuals and sign-offs
    would leak into the period's year to date; before it, the month has not started.
    """
    try:
        month = calendar.parse_month(text)
    except ValueError as exc:
        raise OptionError(f"--period: {exc}") from None
    first, last = calendar.month_start(month), calendar.last_day(month)
    if as_at is not None and not first <= as_at <= last:
        raise OptionError(f"--as-at {as_at.isoformat()} is outside period {calendar.month_label(month)}: "
                          f"give a date from {first.isoformat()} to {last.isoformat()}")
    return Period(month, calendar.fy_of_month(month), as_at or last)


def period_as_known(text: str, as_at: date | None, today: date) -> Period:
    """`period_of` for a pack made on `today`: figures are as known on a day that has come, so a
    month not yet begun is refused and the month in progress is reported as known today."""
    chosen = period_of(text, known_by(as_at, today))
    if chosen.as_at <= today:
        return chosen
    if calendar.month_start(chosen.month) > today:
        raise LedgerError(f"period {text} has not begun (today is {today}); the latest pack is for "
                          f"{calendar.month_label(calendar.month_index(today))}")
    return period_of(text, today)


@dataclass(frozen=True)
class Footer:
    """What every page names, so the pack can be traced and made again (DOMAIN.md 9 item 11)."""

    policy: str
    lock: str
    cut_off: date
    fingerprint: str
    preparer: str
    approver: str


def people(preparer: str | None, approver: str | None) -> tuple[str, str]:
    """Preparer and approver: given, else `$SAVINGS_PREPARER`/`$SAVINGS_APPROVER`, else "not recorded"."""
    return (preparer or os.environ.get("SAVINGS_PREPARER") or NOT_RECORDED,
            approver or os.environ.get("SAVINGS_APPROVER") or NOT_RECORDED)


@dataclass(frozen=True)
class TrustPack:
    """Everything one trust's pack shows, as data (amounts in pence; `summary` is the JSON)."""

    trust: dict
    period: Period
    policy: Policy
    summary: dict
    month_plan: int
    month_counted: int
    recurrent_forecast: int
    monthly: sections.Monthly
    variance: sections.Variance
    bridge: tuple[int, tuple[bridge.Step, ...], int]
    pipeline: sections.Pipeline
    categories: tuple[sections.CategoryRow, ...]
    towers: TowerRecon
    carter: Carter
    assurance: sections.Assurance
    exceptions: tuple[tuple[Finding, int], ...]
    exceptions_total: int
    commentary: tuple[str, ...]
    charts: tuple[charts.Chart, ...]
    footer: Footer
    tower_notes: tuple[str, ...] = ()  # towers not in force in the year, or unknown (6.1: towers are versioned)

    def money(self, *keys: str) -> Decimal | None:
        """A summary amount by its JSON path, e.g. `money("cip", "delivered")`, as Decimal pounds."""
        node = self.summary
        for key in keys:
            node = node[key]
        return None if node is None else Decimal(node)


def _counted_at(ty: TrustYear, fy: str, when: date) -> int:
    """CIP counted for `fy` as known at `when` (same data, same policy, earlier cut)."""
    return sections.counted(compute(cut(ty.frames, when), ty.policy), fy)


def counted_by_month_end(ty: TrustYear, period: Period) -> list[int]:
    """Cumulative CIP counted at each month end of the year up to the period (the period at as-at)."""
    months = [m for m in sections.fy_months(period.fy) if m <= period.month]
    return [_counted_at(ty, period.fy, calendar.last_day(m)) for m in months[:-1]] + [
        sections.counted(ty.figures, period.fy)]


def exceptions(ty: TrustYear, fy: str) -> list[tuple[Finding, int]]:
    """Errors and warnings with the amount at stake, largest first: the sum a finding names (a
    leakage, a short budget removal, a cost pressure in the year it names, or a saving claimed
    again a year), else the line's forecast for `fy`.

    The PDF lists the first `APPENDIX_CAP`, so a board sees the exceptions that matter most; the
    audit workbook lists every one.
    """
    y = ty.figures.years
    forecast = y[y["fy"] == fy].set_index("line_id")["forecast"].abs()
    shown = [(f, abs(f.amount) if f.amount is not None else int(forecast.get(f.line_id, 0)))
             for f in ty.findings if f.severity != "info"]
    return sorted(shown, key=lambda p: (p[0].severity != "error", -p[1], p[0].rule_id, p[0].line_id, p[0].message))


def build_trust_pack(ty: TrustYear, period: Period, *, preparer: str | None = None, approver: str | None = None,
                     lock: str = UNLOCKED, compliance: Compliance | None = None, reference: Reference | None = None,
                     with_charts: bool = True) -> TrustPack:
    """Assemble one trust's pack from a trust loaded at `period.as_at` (pure: no database).

    Args:
        ty: the trust as known at `period.as_at` (`load_trust(engine, trust, period.as_at)`).
        period: from `period_of`.
        preparer, approver: names for the footer (see `people`).
        lock: the period lock id, or the words "period not locked" (see `period_lock`).
        compliance: Carter process compliance (`ledger.carter.compliance`), None when not recorded.
        reference: the tower reference (`load_reference`), to say which of the year's towers are not in
            force in it; None says nothing.
        with_charts: the regional pack's per-trust pages leave the charts out.
    """
    fy = period.fy
    cumulative = counted_by_month_end(ty, period) if with_charts else []
    now = sections.counted(ty.figures, fy)
    before = cumulative[-2] if len(cumulative) > 1 else _counted_at(ty, fy, calendar.last_day(period.month - 1))
    monthly = sections.monthly(ty, fy, cumulative)
    claimed, steps, cip = bridge.bridge(ty.figures, fy)
    variance = sections.variance(ty, fy, period.month)
    recon = ty.recon(fy)
    listed = exceptions(ty, fy)
    preparer, approver = people(preparer, approver)
    pack = TrustPack(
        trust=ty.frames.trust, period=period, policy=ty.policy, summary=summary(ty, fy),
        month_plan=monthly.plan[monthly.months.index(period.month)], month_counted=now - before,
        recurrent_forecast=sections.recurrent_forecast(ty, fy),
        monthly=monthly, variance=variance, bridge=(claimed, tuple(steps), cip),
        pipeline=sections.pipeline(ty, fy), categories=sections.categories(ty, fy), towers=recon,
        carter=carter(ty, fy, compliance),
        assurance=sections.assurance(ty, fy), exceptions=tuple(listed[:APPENDIX_CAP]),
        exceptions_total=len(listed), commentary=(), charts=(),
        footer=Footer(ty.policy.label(), lock, period.as_at, fingerprint(ty.frames), preparer, approver),
        tower_notes=tuple(reference.notes([r.tower_code for r in recon.rows], fy)) if reference else ())
    pack = replace(pack, commentary=tuple(commentary(pack)))
    return replace(pack, charts=tuple(charts_for(pack))) if with_charts else pack


def charts_for(pack: TrustPack) -> list[charts.Chart]:
    """The pack's charts, each only when it has something to show: cumulative CIP, the bridge,
    towers and non-pay per WAU (a chart of zeros says nothing the tables do not)."""
    m = pack.monthly
    out = []
    if any(m.plan) or any(m.forecast) or any(m.counted):
        out.append(charts.cip_trend(m.months, m.cumulative("plan"), m.cumulative("forecast"),
                                    m.cumulative("counted"), int(pack.money("cip", "risk_adjusted_forecast") * 100)))
    claimed, steps, cip = pack.bridge
    if claimed or cip:
        out.append(charts.bridge(claimed, [(s.reason, s.amount) for s in steps], cip))
    rows = naturally(pack.towers.rows, "tower_code")
    if rows and pack.towers.has_data:
        out.append(charts.towers([r.tower_code for r in rows], [r.contribution for r in rows],
                                 [r.recognised for r in rows], [r.claimed for r in rows]))
    years = pack.carter.wau_years
    if years:
        out.append(charts.per_wau([y.fy for y in years], [y.per_wau for y in years],
                                  [y.target_per_wau for y in years]))
    return out


def period_lock(engine: Engine, trust: str, period: Period) -> str:
    """The id of the close that locks the period (its own or a later month's), else "period not locked"."""
    lock = periods.lock_for(engine, trust, period.label)
    return UNLOCKED if lock is None else lock.lock_id


def load_pack(engine: Engine, trust: str, period: Period, base: Policy = DEFAULT, *, preparer: str | None = None,
              approver: str | None = None, with_charts: bool = True) -> TrustPack:
    """Load `trust` as known at the period's as-at date and build its pack (lock and compliance included)."""
    ty = load_trust(engine, trust, period.as_at, base)
    return build_trust_pack(ty, period, preparer=preparer, approver=approver,
                            lock=period_lock(engine, trust, period),
                            compliance=carter_compliance(engine, trust, period.fy),
                            reference=load_reference(engine), with_charts=with_charts)


def pounds(pence: int | None) -> Decimal | None:
    """Pence as Decimal pounds for the templates' `gbp` filter; None (not configured) stays None."""
    return None if pence is None else from_pence(pence)
