"""Importing many trusts' registers with one command: the national set, a region, a folder of workbooks.

Each register is imported exactly as `savings import` imports one (all or nothing, in its own
transaction), so one bad register is reported and refused while the others go in. On a terminal
a progress bar shows registers done and rows read; anywhere else the output is the same lines
without the bar. On PostgreSQL several registers can be imported at once (`jobs`), one process
each; SQLite has one writer at a time, so there they go one after another.
"""
from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger import db
from ledger.errors import LedgerError, OptionError
from ledger.register.load import ImportResult, import_register


@dataclass(frozen=True)
class Outcome:
    """What happened to one register: its result, or the problems that refused it."""

    path: Path
    result: ImportResult | None
    error: str = ""

    @property
    def rows(self) -> int:
        return sum(self.result.rows.values()) if self.result else 0

    def message(self) -> str:
        """The line `savings import` prints for this register."""
        if self.result is None:  # each register is one transaction: a refused one leaves no trace
            return f"{self.error}\n{self.path}: refused; nothing imported from it"
        if not self.result.changed:
            return f"{self.result.trust}: {self.path.name} already imported; nothing changed"
        counts = ", ".join(f"{n} {sheet}" for sheet, n in self.result.rows.items())
        notes = "".join(f"\n{self.result.trust}: {note}" for note in self.result.notes)
        return f"{self.result.trust}: imported {counts} from {self.path.name}{notes}"


def is_register(path: Path) -> bool:
    """An .xlsx workbook, or a folder holding the register's Trust sheet as CSV."""
    if path.is_file():
        return path.suffix.lower() == ".xlsx"
    return path.is_dir() and any(p.stem.lower() == "trust" and p.suffix.lower() == ".csv" for p in path.iterdir())


def registers_in(folder: Path) -> list[Path]:
    """The registers directly inside `folder` (CSV folders and .xlsx files), in name order."""
    if not folder.is_dir():
        raise LedgerError(f"{folder}: not a folder (--all imports every register inside a folder)")
    found = sorted((p for p in folder.iterdir() if is_register(p) and not p.name.startswith((".", "~$"))),
                   key=lambda p: p.name)
    if not found:
        raise LedgerError(f"{folder}: holds no registers (CSV folders with a Trust.csv, or .xlsx workbooks)")
    return found


def import_many(url: str | None, paths: Sequence[Path], jobs: int = 1,
                report: Callable[[Outcome], None] | None = None, show_progress: bool | None = None) -> list[Outcome]:
    """Import each register in its own transaction; call `report` as each one finishes.

    Args:
        url: the ledger's database URL (each worker process opens its own connection).
        paths: registers, imported in this order (with `jobs` > 1, finished in any order).
        jobs: registers imported at once; more than one needs PostgreSQL.
        report: called with each register's outcome as soon as it is known.
        show_progress: draw a progress bar (default: only when stderr is a terminal).
    """
    url = db.database_url(url)
    report = report or (lambda _outcome: None)
    if jobs < 1:
        raise OptionError(f"--jobs {jobs}: must be 1 or more")
    if jobs > 1 and not url.startswith("postgresql"):
        raise OptionError("--jobs needs PostgreSQL: SQLite has one writer at a time, so registers go one by one")
    engine = db.open_ledger(url)
    outcomes: list[Outcome] = []
    with _progress(len(paths), show_progress) as (started, rows, finished):
        if jobs == 1:
            for path in paths:
                started(path)
                outcome = _import_one(engine, path, rows)
                finished(outcome)
                report(outcome)
                outcomes.append(outcome)
            return outcomes
        engine.dispose()
        context = multiprocessing.get_context("spawn")  # no inherited connections in the workers
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init, initargs=(url,)) as pool:
            futures = {pool.submit(_worker_import, path): path for path in paths}
            for path in paths[:jobs]:
                started(path)
            for future in as_completed(futures):
                outcome = future.result()
                rows(outcome.rows)
                finished(outcome)
                report(outcome)
                outcomes.append(outcome)
    return outcomes


def _import_one(engine: object, path: Path, rows: Callable[[int], None]) -> Outcome:
    try:
        return Outcome(path, import_register(engine, path, progress=rows))
    except LedgerError as exc:
        return Outcome(path, None, str(exc))


_WORKER: dict[str, object] = {}


def _worker_init(url: str) -> None:
    _WORKER["engine"] = db.make_engine(url)


def _worker_import(path: Path) -> Outcome:
    return _import_one(_WORKER["engine"], path, lambda _rows: None)


@contextmanager
def _progress(total: int, show: bool | None) -> Iterator[tuple[Callable, Callable, Callable]]:
    """Callbacks (started, rows, finished) drawing a bar on stderr, or doing nothing off a terminal."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield (lambda _p: None), (lambda _n: None), (lambda _o: None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing", total=total, rows=0)
        read = 0

        def started(path: Path) -> None:
            bar.update(task, description=f"importing {path.name}")

        def rows(n: int) -> None:
            nonlocal read
            read += n
            bar.update(task, rows=read)

        def finished(_outcome: Outcome) -> None:
            bar.advance(task)

        yield started, rows, finished
