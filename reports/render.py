"""From pack data to HTML (jinja2) to a tagged, reproducible PDF (weasyprint).

Templates and the stylesheet ship inside the wheel as the package `savings_ledger_templates`.
The PDF is PDF/UA-1 (tagged, with a title and language) so screen readers can use it, and it
is deterministic: its creation date is the data cut-off and nothing in it depends on the clock,
so the same data and as-at date give the same bytes.
"""
from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.document import Document

from ledger import calendar
from ledger.errors import LedgerError
from ledger.money import to_pence
from ledger.policy import Policy
from ledger.towers import ratio
from reports import filters
from reports import pack_sections as sections
from reports.pack import TrustPack, pounds
from reports.pack_region import RegionPack

TEMPLATES = "savings_ledger_templates"


def _template_source(name: str) -> str:
    try:
        return resources.files(TEMPLATES).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LedgerError(f"template {name!r} is missing from {TEMPLATES}") from None


@cache
def environment() -> Environment:
    """The Jinja environment: templates from the package, report filters registered by name."""
    env = Environment(loader=FunctionLoader(_template_source), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    filters.register(env)
    env.filters["pounds"] = lambda pence: filters.format_gbp(pounds(pence))
    env.filters["signed"] = lambda pence: filters.format_gbp(pounds(pence), sign=True)
    env.filters["svg_uri"] = lambda svg: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    env.filters["label"] = lambda code: str(code).replace("_", " ")
    env.globals.update(share=share, gap=gap, ratio=ratio, whole=whole, pence=_pence)
    return env


def _pence(value: int | str | None) -> int | None:
    return value if value is None or isinstance(value, int) else to_pence(Decimal(value))


def share(part: int | str | None, whole: int | str | None) -> str:
    """`part` as a percentage of `whole` (pence or JSON money text); n/a when `whole` is zero."""
    return filters.format_pct(ratio(_pence(part), _pence(whole)))


def whole(number: Fraction) -> str:
    """An exact count (e.g. WAUs) to the nearest whole, with separators."""
    return filters.format_count(int((Decimal(number.numerator) / number.denominator).to_integral_value(ROUND_HALF_UP)))


def gap(amount: str | None, against: str | None) -> str:
    """`amount - against` for two JSON money texts, signed (`+£1.00`, `−£2.00`)."""
    if amount is None or against is None:
        return filters.NOT_AVAILABLE
    return filters.format_gbp(Decimal(amount) - Decimal(against), sign=True)


@cache
def stylesheet() -> CSS:
    return CSS(string=_template_source("pack.css"))


@dataclass(frozen=True)
class Timing:
    """Seconds spent templating and typesetting, and the pages that came out (for the benchmark)."""

    template_s: float
    pdf_s: float
    pages: int


def html_for(template: str, **context: object) -> str:
    """Render a template of the package with `context`."""
    return environment().get_template(template).render(**context)


def policy_context(policy: Policy, fy: str) -> dict[str, object]:
    """The policy values the templates print beside the tables they explain."""
    high, low = policy.rag_thresholds
    return {"rags": sections.RAGS, "rag_high": filters.format_pct(high, 0), "rag_low": filters.format_pct(low, 0),
            "weights": ", ".join(f"{name.replace('_', ' ')} {w}" for name, w in policy.maturity_weights),
            "next_fy": calendar.fy_label(calendar.parse_fy(fy) + 1)}


def trust_html(pack: TrustPack) -> str:
    """The HTML of one trust's pack."""
    return html_for("pack.html", pack=pack, **policy_context(pack.policy, pack.period.fy))


def write_pdf(html: str, target: Path, created: str) -> int:
    """Typeset `html` with the pack's stylesheet to a PDF/UA-1 file at `target`; returns the page count.

    Args:
        created: the creation date written into the PDF (the data cut-off, `YYYY-MM-DD`).
    """
    document = HTML(string=html, base_url=str(resources.files(TEMPLATES))).render(stylesheets=[stylesheet()])
    return write_document(document, target, created)


def write_document(document: Document, target: Path, created: str) -> int:
    """Write a laid-out document as a reproducible PDF/UA-1 dated `created`; returns the page count."""
    document.metadata.created = created
    document.metadata.modified = created
    target.parent.mkdir(parents=True, exist_ok=True)
    with _source_date_epoch(date.fromisoformat(created)):
        document.write_pdf(target, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    return len(document.pages)


@contextmanager
def _source_date_epoch(day: date) -> Iterator[None]:
    """Pin the clock that font subsetting reads (reproducible-builds' SOURCE_DATE_EPOCH).

    Without HarfBuzz's subsetter weasyprint subsets fonts with fontTools, which stamps each font
    with the current time; pinning it to the cut-off keeps the PDF byte-identical.
    """
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime.combine(day, clock_time(), UTC).timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def region_html(region: RegionPack) -> str:
    """The HTML of a regional pack."""
    return html_for("region.html", region=region)


def render_region(region: RegionPack, target: Path) -> Timing:
    """Write a regional pack to `target` and say how long each stage took."""
    start = time.perf_counter()
    html = region_html(region)
    middle = time.perf_counter()
    pages = write_pdf(html, target, region.period.as_at.isoformat())
    return Timing(middle - start, time.perf_counter() - middle, pages)


def render_trust(pack: TrustPack, target: Path) -> Timing:
    """Write one trust's pack to `target` and say how long each stage took."""
    start = time.perf_counter()
    html = trust_html(pack)
    middle = time.perf_counter()
    pages = write_pdf(html, target, pack.period.as_at.isoformat())
    return Timing(middle - start, time.perf_counter() - middle, pages)
