"""The board pack on PostgreSQL: the same figures and the same data fingerprint as on SQLite."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from ledger.db import open_ledger
from ledger.fingerprint import fingerprint
from ledger.frames import load_frames
from ledger.register.load import import_register
from reports.filters import format_gbp
from reports.pack import load_pack, period_of
from reports.render import render_trust

pytestmark = pytest.mark.pg
E8 = Path(__file__).resolve().parents[1] / "examples" / "worked" / "E8"


def _without_import_times(frames):
    """The audit events and plan versions differ between two imports only by when they were recorded."""
    return replace(frames, events=frames.events.drop(columns="recorded_at"),
                   plan_versions=frames.plan_versions.drop(columns="recorded_at"))


def test_pack_on_postgresql_matches_sqlite(pg_ledger_url, tmp_path):
    engines = {"pg": open_ledger(pg_ledger_url), "sqlite": open_ledger(f"sqlite:///{tmp_path}/ledger.db")}
    for engine in engines.values():
        import_register(engine, E8)
    period = period_of("2026-03")
    packs = {name: load_pack(engine, "RE8", period, with_charts=False) for name, engine in engines.items()}
    assert packs["pg"].summary == packs["sqlite"].summary
    assert packs["pg"].towers == packs["sqlite"].towers
    prints = {name: fingerprint(_without_import_times(load_frames(engine, "RE8", period.as_at)))
              for name, engine in engines.items()}
    assert prints["pg"] == prints["sqlite"]
    render_trust(packs["pg"], tmp_path / "pg.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "pg.pdf").pages)
    assert f"Tower savings recognised {format_gbp(packs['pg'].summary['towers']['recognised'])}" in text
    assert "Tower savings recognised £1,700,000.00" in text
