"""Plain text for people at a terminal: aligned tables, and a bar for long steps (the JSON views are for programs)."""
from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

import typer


def counted(n: int, noun: str) -> str:
    """`1 error`, `2 errors`: a count with its noun, in the plural unless it is one."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def pounds(text: str | None) -> str:
    """`"6000.00"` -> `£6,000.00`; None -> `n/a`."""
    if text is None:
        return "n/a"
    value = Decimal(text)
    return f"-£{-value:,.2f}" if value < 0 else f"£{value:,.2f}"


def digits(value: Decimal, places: int = 0) -> str:
    """|value| with thousands separators and at least `places` decimals, more only where it has them:
    `19.86`, `0.8443`, `12,010`, `90,400.5` (nothing rounded). The one rule for unit prices and volumes
    in the command line's tables and the reports' (`reports.filters`)."""
    whole, _, fraction = f"{abs(value):,f}".partition(".")
    fraction = fraction.rstrip("0").ljust(places, "0")
    return f"{whole}.{fraction}" if fraction else whole


def price(text: str | None) -> str:
    """A unit price as the register writes it: `"19.860000"` -> `£19.86`, `"0.844300"` -> `£0.8443`;
    None or "" -> ""."""
    if not text:
        return ""
    value = Decimal(text)
    return ("-" if value < 0 else "") + "£" + digits(value, 2)


def quantity(text: str) -> str:
    """A volume or a WAU count: `"12010.000"` -> `12,010`, `"90400.500"` -> `90,400.5`."""
    value = Decimal(text)
    return ("-" if value < 0 else "") + digits(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | None = None) -> str:
    """Columns padded to their widest cell; `right` lists the columns to right-align (numbers)."""
    right = right or set()
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)] if rows else \
        [len(h) for h in headers]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def print_summary(data: dict, options: Sequence[str] = ()) -> None:
    """The summary as tables. Its footer names the `savings check` command that lists the exceptions it
    counted: the same trust and as-at date, and `options` (the summary's own --policy and --db)."""
    cip, non, towers = data["cip"], data["non_cip"], data["towers"]
    typer.echo(f"{data['trust']}  {data['fy']}  as at {data['as_at']}  policy {data['policy_set']}\n")
    rows = [["CIP plan (cash-releasing)", pounds(cip["plan"])], ["CIP delivered (counted)", pounds(cip["delivered"])],
            ["  recurrent", pounds(cip["recurrent_delivered"])],
            ["  non-recurrent", pounds(cip["non_recurrent_delivered"])],
            ["At risk (delivered, not counted)", pounds(cip["at_risk"])], ["Forecast outturn", pounds(cip["forecast"])],
            ["Risk-adjusted forecast", pounds(cip["risk_adjusted_forecast"])],
            ["FYE of schemes delivered", pounds(cip["fye_delivered"])],
            ["Carry-forward to next year", pounds(cip["carry_forward"])],
            ["Leakage", pounds(data["leakage"])], ["Implementation costs", pounds(data["implementation_costs"])]]
    typer.echo(table(["CIP", "amount"], rows, {1}))
    typer.echo("")
    typer.echo(table(["Not CIP (never added to CIP)", "amount"],
                     [["Cost avoidance", pounds(non["cost_avoidance"])], ["Capital", pounds(non["capital"])],
                      ["Non-financial benefits (count)", str(non["non_financial_count"])]], {1}))
    typer.echo("")
    local = "L not configured" if towers["local_foregone"] is None else pounds(towers["local_foregone"])
    typer.echo(table(["NHS Supply Chain towers", "amount"],
                     [["Contribution", pounds(towers["contribution"])], ["Local savings foregone", local],
                      ["Target", pounds(towers["target"])], ["Recognised", pounds(towers["recognised"])],
                      ["Claimed by NHSSC", pounds(towers["claimed"])], ["Gap to target", pounds(towers["gap"])],
                      ["Net benefit", pounds(towers["net"])]], {1}))
    exc = data["exceptions"]
    check = shlex.join(["savings", "check", "--trust", data["trust"], "--as-at", data["as_at"], *options])
    typer.echo(f"\nExceptions: {counted(exc['errors'], 'error')}, {counted(exc['warnings'], 'warning')} ({check})")


def print_lines(data: list[dict], fy: str | None) -> None:
    """The line table for `fy`; without one, for the latest year anything was delivered in (the
    earliest planned year if nothing was), the year a reader of the ledger is most likely after."""
    delivered = sorted({y for d in data for y in d["delivered"]})
    planned = sorted({y for d in data for y in d["plan"]})
    fy = fy or (delivered[-1] if delivered else planned[0] if planned else "")
    rows = [[d["line_id"], d["grade"], "yes" if d["cash_releasing"] else "no", "yes" if d["recurrent"] else "no",
             pounds(d["fye"]), pounds(d["plan"].get(fy, "0.00")), pounds(d["delivered"].get(fy, "0.00")),
             pounds(d["implementation_costs"].get(fy, "0.00")), pounds(d["cip"].get(fy, "0.00")),
             pounds(d["at_risk"].get(fy, "0.00")), " ".join(d["findings"])]
            for d in data]
    typer.echo(f"Figures for {fy} (--fy YYYY/YY for another year)")
    typer.echo(table(["line", "grade", "cash", "recurrent", "FYE", "plan", "delivered", "costs", "CIP", "at risk",
                      "rules"], rows, {4, 5, 6, 7, 8, 9}))
    typer.echo("costs: one-off implementation costs, taken off the saving before it counts as CIP (R-ELG-4, F4)")


@contextmanager
def progress_bar(label: str, show: bool | None = None) -> Iterator[Callable[[int, int], None]]:
    """`update(done, total)` for a long step, drawn as a bar on stderr and gone when the step ends.

    By default it is drawn only when stderr is a terminal, so piped or logged output stays clean;
    `show=True` draws it anyway (as a terminal would see it).
    """
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield lambda _done, _total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True, force_terminal=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
