"""What every benchmark script shares: timing, peak memory, the machine, and the printed table.

Each script measures the ledger against a baseline run on the same rows in the same process, so
a loaded machine slows both sides and the ratio stays meaningful; the absolute seconds do not.
"""
from __future__ import annotations

import os
import platform
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger import models
from ledger.register.load import TABLES

PROBE_STEPS = 2_000_000


def python_speed() -> float:
    """CPU seconds for a fixed pure-Python loop of PROBE_STEPS additions: how fast this machine is
    right now, so that absolute times taken on different days can be compared (the ratios, each
    against a baseline of the same run, need no such help)."""
    start = time.process_time()
    total = 0
    for step in range(PROBE_STEPS):
        total += step
    return time.process_time() - start


def machine() -> str:
    """CPU model, cores, memory, load, Python and its speed today: the line every table is printed under."""
    model = "unknown CPU"
    with Path("/proc/cpuinfo").open() as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GB RAM, load average {load}, "
            f"Python {platform.python_version()}, {PROBE_STEPS:,}-step Python loop in {python_speed():.2f} s CPU")


STORED = (models.Trust, *TABLES.values(), models.AuditEvent, models.LockedLine, models.PlanVersion,
          models.RegisterImport)  # every table a register import inserts rows into
REGISTER_TABLES = frozenset(model.__table__.name for model in TABLES.values())

Rows = dict[str, tuple[list[str], list[tuple]]]  # table name: (columns, rows)


def stored_rows(engine: Engine, trust: str | None = None) -> Rows:
    """The rows an import stored, of one trust or of all: the register's rows and the governance
    step's (the trust, audit events, line locks, plan versions, the import's record). Surrogate
    `id` columns are left out, for the database to number as it did for the import."""
    out = {}
    with engine.connect() as conn:
        for model in STORED:
            table = model.__table__
            columns = [c.name for c in table.c if c.name != "id"]
            query = select(*(table.c[c] for c in columns))
            if trust is not None:
                query = query.where((table.c.org_code if model is models.Trust else table.c.trust) == trust)
            rows = [tuple(r) for r in conn.execute(query)]
            if rows:
                out[table.name] = (columns, rows)
    return out


def register_only(rows: Rows) -> Rows:
    """Of `rows`, the register's sheets alone: what the raw baselines held until 28 November 2026."""
    return {name: value for name, value in rows.items() if name in REGISTER_TABLES}


def row_count(rows: Rows) -> int:
    return sum(len(data) for _columns, data in rows.values())


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    with Path("/proc/self/statm").open() as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


@dataclass
class Sampler:
    """Peak resident memory over a stretch of code (samples every 20 ms in a thread)."""

    peak: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    @contextmanager
    def running(self) -> Iterator[Sampler]:
        self.peak = rss_mb()
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, rss_mb())


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """The best wall time of `repeat` runs of `fn` and the last result."""
    wall, _cpu, result = timed_cpu(fn, repeat)
    return wall, result


def timed_cpu(fn: Callable[[], object], repeat: int = 1) -> tuple[float, float, object]:
    """The best wall time and the best CPU time of this process over `repeat` runs, and the last result.

    On a machine shared with other work the wall time grows with the load; the CPU time of a
    pure-Python step (the engine) hardly does, so both are printed.
    """
    wall = cpu = float("inf")
    result = None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, result


@dataclass
class Table:
    """Rows of (what, measured, baseline, ratio, target) printed as an aligned text table."""

    title: str
    header: tuple[str, ...] = ("measure", "ledger", "baseline", "ratio", "cpu ratio", "target", "")
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, what: str, ledger: float | str, baseline: float | str | None = None, unit: str = "s",
            target: float | None = None, note: str = "", cpu: tuple[float, float] | None = None) -> None:
        """Add a row; the ratio is ledger/baseline and is marked ok or MISSED against `target`.

        With `cpu` (the ledger's and the baseline's CPU seconds) the CPU ratio is printed too and
        is the one judged against the target, being the one a loaded machine does not skew.
        """
        ratio = cpu_ratio = verdict = ""
        judged: float | None = None
        if isinstance(ledger, float) and isinstance(baseline, float) and baseline > 0:
            ratio = f"{ledger / baseline:.2f}x"
            judged = ledger / baseline
        if cpu is not None and cpu[1] > 0:
            cpu_ratio = f"{cpu[0] / cpu[1]:.2f}x"
            judged = cpu[0] / cpu[1]
        if target is not None and judged is not None:
            verdict = "ok" if judged <= target else "MISSED"
        elif isinstance(ledger, float) and target is not None and baseline is None:
            verdict = "ok" if ledger <= target else "MISSED"
        target_text = "" if target is None else (f"<= {target:g}x" if baseline is not None else f"<= {target:g} {unit}")
        self.rows.append((what, _fmt(ledger, unit), _fmt(baseline, unit), ratio, cpu_ratio, target_text,
                          " ".join(x for x in (verdict, note) if x)))

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]
        print(f"\n{self.title}")
        print(f"machine: {machine()}")
        for row in [self.header, tuple("-" * w for w in widths), *self.rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _fmt(value: float | str | None, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.0f} {unit}"
