"""Pausing Python's cyclic garbage collector around bulk object building (DESIGN.md "Scale").

A register's import and the per-line JSON each make some 100,000 lists, tuples and dicts and no
reference cycles; the collector's passes over them (and over everything else alive) cost about
as much as building them. Nothing is lost: anything cyclic is collected once it is resumed.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (and back on after, if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
