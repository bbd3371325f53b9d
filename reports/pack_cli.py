"""`savings pack`: the monthly board pack for a trust, or for every trust of a region.

Registered on the ledger's typer app when `reports.cli` is imported (the `savings` entry
point), because reports import the ledger and never the reverse. The command only parses
options and calls `reports.pack`/`reports.render`; a LedgerError becomes a message and exit 1
(2 for a bad option value).
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger import audit, db
from ledger.cli import AsAtOption, DbOption, PolicyOption, app, check_output, fail, note_overruled, parse_as_at, refuse
from ledger.errors import LedgerError
from ledger.policy import DEFAULT, load_toml


@app.command("pack")
def pack_cmd(
    period: Annotated[str, typer.Option("--period", help="The month reported on, e.g. 2026-03 (M12 of 2025/26).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the PDF.")],
    trust: Annotated[str | None, typer.Option("--trust", help="The trust's ODS org code, e.g. RX1.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Every trust of this region, a page each.")] = None,
    as_at: AsAtOption = None,
    preparer: Annotated[str | None, typer.Option("--preparer", help="Named in the footer "
                                                 "(default $SAVINGS_PREPARER).")] = None,
    approver: Annotated[str | None, typer.Option("--approver", help="Named in the footer "
                                                 "(default $SAVINGS_APPROVER).")] = None,
    db_url: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Render the monthly board pack (PDF/UA) for a trust, or for a region with a page per trust.

    Figures as known at the end of the period, or at --as-at (a day in that month) to make a past pack again.

    Example: savings pack --trust RX1 --period 2026-03 -o pack.pdf
    """
    from reports.pack import load_pack, period_as_known  # weasyprint and matplotlib load only for this command
    from reports.pack_region import build_region
    from reports.render import render_region, render_trust

    if (trust is None) == (region is None):
        raise fail("give one of --trust CODE or --region NAME", 2)
    if output.suffix.lower() != ".pdf":
        raise fail(f"-o {output}: the board pack is a PDF; name the file *.pdf", 2)
    check_output(output)
    try:
        when = period_as_known(period, parse_as_at(as_at), audit.utc_today())
        base = load_toml(policy) if policy else DEFAULT
        engine = db.open_ledger(db_url)
        if trust is not None:
            pack = load_pack(engine, trust, when, base, preparer=preparer, approver=approver)
            note_overruled(policy, base, pack.policy, trust)
            timing = render_trust(pack, output)
        else:
            region_pack = build_region(engine, region, when, base, preparer=preparer, approver=approver)
            for trust_pack in region_pack.trusts:
                note_overruled(policy, base, trust_pack.policy, trust_pack.trust["org_code"])
            timing = render_region(region_pack, output)
    except LedgerError as exc:
        raise refuse(exc) from None
    except OSError as exc:
        raise fail(f"board pack {output} not written: {exc.filename or output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {output} ({timing.pages} pages, figures as at {when.as_at.isoformat()})")
