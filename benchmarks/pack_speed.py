"""How long does a board pack take: the example trust's, and a regional pack of many trusts?

Each stage is timed on its own: loading the trust (database to figures), assembling the pack's
figures (YTD, in month, the month-end series, sections), drawing the charts (matplotlib to SVG),
rendering the templates (jinja2 to HTML), and typesetting (weasyprint to PDF). The baseline is
weasyprint typesetting a plain HTML document of as many pages in the same run (one table of
text per page), so a loaded machine slows both sides and the ratio says what the pack adds.
Targets: a few seconds per trust pack (within 3x of typesetting plain pages of the same count);
a regional pack of 50 trusts within five minutes.

    .venv/bin/python -m benchmarks.pack_speed [--trusts 50] [--lines 2000] [--no-region]
"""
from __future__ import annotations

import argparse
import tempfile
from importlib import resources
from pathlib import Path

from savings_ledger_examples.generate import generate
from sqlalchemy import update
from weasyprint import HTML

from benchmarks.common import Sampler, Table, timed
from ledger import models
from ledger.db import open_ledger
from ledger.engine.summary import load_trust
from ledger.register.load import import_register
from reports import render
from reports.pack import build_trust_pack, charts_for, period_of
from reports.pack_region import build_region

PERIOD = "2026-03"
REGION = "Benchmark"


def plain_pages(pages: int, target: Path) -> int:
    """The baseline: weasyprint typesetting `pages` pages of a plain table of text."""
    rows = "".join(f"<tr><td>row {i}</td><td>£{i * 1234:,}.00</td><td>text for the row</td></tr>" for i in range(38))
    body = "".join(f"<section style='break-before: page'><h2>Page {n}</h2><table>{rows}</table></section>"
                   for n in range(pages))
    document = HTML(string=f"<html lang='en-GB'><head><title>baseline</title></head><body>{body}</body></html>")
    return render.write_document(document.render(), target, "2026-03-31")


def trust_pack(work: Path, table: Table) -> None:
    """The example acute trust's March pack, stage by stage."""
    engine = open_ledger(f"sqlite:///{work}/example.db")
    with resources.as_file(resources.files("savings_ledger_examples") / "acute-trust") as register:
        import_register(engine, register)
    period = period_of(PERIOD)
    load_s, ty = timed(lambda: load_trust(engine, "RX1", period.as_at))
    build_s, pack = timed(lambda: build_trust_pack(ty, period))
    charts_s, _ = timed(lambda: charts_for(pack))
    html_s, html = timed(lambda: render.trust_html(pack))
    target = work / "example-pack.pdf"
    with Sampler().running() as memory:
        pdf_s, pages = timed(lambda: render.write_pdf(html, target, period.as_at.isoformat()))
    base_s, _ = timed(lambda: plain_pages(pages, work / "baseline.pdf"))
    total = load_s + build_s + html_s + pdf_s
    table.add("example trust: load (database to figures)", load_s)
    table.add("example trust: assemble figures", build_s - charts_s, note="YTD, in month, month-end series")
    table.add("example trust: charts (matplotlib to SVG)", charts_s, note=f"{len(pack.charts)} charts")
    table.add("example trust: templates (jinja2 to HTML)", html_s)
    table.add(f"example trust: typeset {pages} pages (weasyprint)", pdf_s, base_s, target=3.0,
              note="baseline: plain pages")
    table.add("example trust: whole pack", total, base_s, target=3.0,
              note=f"{pages} pages; aim: a few seconds on an idle machine")
    table.add("example trust: peak memory while typesetting", memory.peak, unit="MB")


def region_pack(work: Path, table: Table, trusts: int, lines: int) -> None:
    """A regional pack of `trusts` synthetic trusts, one region, `lines` saving lines each."""
    engine = open_ledger(f"sqlite:///{work}/region.db")
    import_s, _ = timed(lambda: [import_register(engine, folder)
                                 for folder in generate(work / "registers", trusts, lines)])
    with engine.begin() as conn:
        conn.execute(update(models.Trust.__table__).values(region=REGION))
    period = period_of(PERIOD)
    build_s, region = timed(lambda: build_region(engine, REGION, period))
    html_s, html = timed(lambda: render.region_html(region))
    with Sampler().running() as memory:
        pdf_s, pages = timed(lambda: render.write_pdf(html, work / "region-pack.pdf", period.as_at.isoformat()))
    base_s, _ = timed(lambda: plain_pages(pages, work / "baseline-region.pdf"))
    table.add(f"region: import {trusts} trusts x {lines} lines (setup)", import_s)
    table.add(f"region: load and assemble {trusts} trusts", build_s)
    table.add("region: templates (jinja2 to HTML)", html_s)
    table.add(f"region: typeset {pages} pages (weasyprint)", pdf_s, base_s, target=3.0, note="baseline: plain pages")
    table.add("region: whole pack", build_s + html_s + pdf_s, unit="s", target=300.0,
              note=f"{pages} pages; aim: minutes")
    table.add("region: peak memory while typesetting", memory.peak, unit="MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=50, help="trusts in the regional pack (default 50)")
    parser.add_argument("--lines", type=int, default=2000, help="saving lines per synthetic trust (default 2000)")
    parser.add_argument("--no-region", action="store_true", help="time the example trust's pack only")
    args = parser.parse_args(argv)
    table = Table("Board pack speed (savings pack)")
    with tempfile.TemporaryDirectory(prefix="pack-speed-") as tmp:
        trust_pack(Path(tmp), table)
        if not args.no_region:
            region_pack(Path(tmp), table, args.trusts, args.lines)
    table.print()


if __name__ == "__main__":
    main()
