"""A pack for a trust whose local savings foregone (L) is not configured says so, never zero."""
from __future__ import annotations

import shutil
from pathlib import Path

from pypdf import PdfReader

from ledger.db import open_ledger
from ledger.register.load import import_register
from reports.pack import load_pack, period_of
from reports.render import render_trust

E8 = Path(__file__).parent.parent / "examples" / "worked" / "E8"


def test_towers_without_local_rate_render_as_not_configured(tmp_path) -> None:
    register = tmp_path / "E8"
    shutil.copytree(E8, register)
    (register / "Policy.csv").unlink()  # (finding) no fixed local rate, no prior-year evidence: L unknown
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, register)
    pdf = tmp_path / "pack.pdf"
    render_trust(load_pack(engine, "RE8", period_of("2026-03"), with_charts=False), pdf)
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "not configured" in text
    assert "£1,700,000.00" in text  # recognised still shown
