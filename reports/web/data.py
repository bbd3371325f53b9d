"""The figures the pages show, loaded through the same library calls as the CLI and cached.

`load_trust` (and the board pack's `load_pack` for the dashboard) compute a trust in about a
second at 2,000 lines, too slow for every page view. Results are cached per trust, as-at date
and *data version*: the trust's last audit event plus its last register import. Every write
(a register import, a sign-off, a status move, a form entry, evidence, a period close) appends
to the audit chain, so a write anywhere makes the next page view recompute; nothing is stale.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ledger import models
from ledger.engine.summary import TrustYear, load_trust
from reports.pack import Period, TrustPack, load_pack

T = TypeVar("T")
KEEP = 32  # cached results (each a trust at one as-at date)


def data_version(engine: Engine, trust: str) -> tuple[int, int]:
    """(the trust's last audit event, its last register import id): changes whenever its data can."""
    events = models.AuditEvent.__table__
    imports = models.RegisterImport.__table__
    with engine.connect() as conn:
        seq = conn.execute(select(func.max(events.c.seq)).where(events.c.trust == trust)).scalar() or 0
        last = conn.execute(select(func.max(imports.c.id)).where(imports.c.trust == trust)).scalar() or 0
    return int(seq), int(last)


class Cache:
    """A small LRU of computed results; one computation per key at a time."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._items:
                    return self._items[key]  # type: ignore[return-value]
            value = make()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.keep:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Figures:
    """Cached access to a trust's figures (`TrustYear`) and board-pack data (`TrustPack`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cache = Cache()

    def version(self, trust: str) -> tuple[int, int]:
        return data_version(self.engine, trust)

    def trust(self, trust: str, as_at: date | None) -> TrustYear:
        key = ("trust", trust, as_at, data_version(self.engine, trust))
        return self.cache.get(key, lambda: load_trust(self.engine, trust, as_at))

    def pack(self, trust: str, period: Period, charts: bool = True) -> TrustPack:
        """The board pack's data; without charts it skips the month-end recomputations (much faster)."""
        key = ("pack", trust, period, charts, data_version(self.engine, trust))
        return self.cache.get(key, lambda: load_pack(self.engine, trust, period, with_charts=charts))
