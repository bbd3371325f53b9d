"""Is the web app quick enough for a trust of 2,000 lines with several people on it at once?

Builds a trust of `--lines` saving lines (the national generator's register) in a fresh
PostgreSQL schema, starts the real server (`savings serve`, uvicorn) on loopback in its own
process, logs in `--users` people of different roles, and has each of them click through the
dashboard, the charts, the lines list, a search, a line's page and their queue for `--seconds`
(and at most `--max-requests` requests in all). It prints requests per second, p50/p95 latency per
page and the error count. The first dashboard (figures computed, then cached until the data
changes) is timed on its own as the cold start. Target: zero errors and p95 under 300 ms for the
dashboard pages on a 2-core machine. Only 127.0.0.1 is ever contacted.

    .venv/bin/python -m benchmarks.web_load [--lines 2000] [--users 8] [--seconds 30] [--workers 1] [--db URL]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict

import httpx
from savings_ledger_examples.generate import generate
from sqlalchemy import create_engine, text

from benchmarks.common import machine
from ledger.db import open_ledger
from ledger.register.load import import_register
from reports.web import auth

PG = os.environ.get("SAVINGS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "benchmark password 1"
ROLES = ("procurement", "budget_holder", "finance", "board", "auditor", "clinical")
DASHBOARD_PAGES = ("dashboard", "charts")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, lines: int, users: int) -> tuple[str, str]:
    """Import one generated trust and add the users; return (trust code, a line id)."""
    engine = open_ledger(url)
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(tmp, 1, lines, seed=7)[0]
        started = time.perf_counter()
        result = import_register(engine, folder)
        print(f"imported {result.trust}: {result.rows.get('SavingLines', 0):,} lines, "
              f"{result.rows.get('Actuals', 0):,} actual rows in {time.perf_counter() - started:.1f} s")
    for i in range(users):
        role = ROLES[i % len(ROLES)]
        auth.add_user(engine, f"user{i}", f"Bench User {i}", role, PASSWORD, (result.trust,))
    with engine.connect() as conn:
        line_id = conn.execute(text("select line_id from savingline order by line_id limit 1 offset 17")).scalar()
    engine.dispose()
    return result.trust, line_id


def serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "SAVINGS_SECRET_KEY": uuid.uuid4().hex}
    proc = subprocess.Popen([sys.executable, "-c", "from reports.cli import main; main()", "serve", "--db", url,
                             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 60 s")


async def login(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if done.status_code != 303:
        raise SystemExit(f"login of {username} failed: {done.status_code}")
    return client


async def run(base: str, trust: str, line_id: str, users: int, seconds: float, max_requests: int,
              period: str) -> tuple[dict, float]:
    pages = {"dashboard": f"/t/{trust}?period={period}", "charts": f"/t/{trust}/charts?period={period}",
             "lines": f"/t/{trust}/lines", "search": f"/t/{trust}/lines?q=glove&grade=A",
             "line": f"/t/{trust}/lines/{line_id}", "queue": f"/t/{trust}/queue"}
    clients = [await login(base, f"user{i}") for i in range(users)]
    for name, path in pages.items():  # warm: the first view of each computes and caches the figures
        started = time.perf_counter()
        for client in clients:  # with several workers, each has its own cache to fill
            warm = await client.get(path)
        print(f"first {name:<9} {warm.status_code}: {time.perf_counter() - started:6.2f} s for all users (cold: "
              "computed, then cached until the data changes)")
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    sent = 0
    deadline = time.monotonic() + seconds

    async def person(i: int) -> None:
        nonlocal sent
        order = list(pages)[i % len(pages):] + list(pages)[:i % len(pages)]
        while time.monotonic() < deadline and sent < max_requests:
            for name in order:
                if time.monotonic() >= deadline or sent >= max_requests:
                    return
                sent += 1
                started = time.perf_counter()
                try:
                    response = await clients[i].get(pages[name])
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                times[name].append(time.perf_counter() - started)
                errors[name] += not ok

    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(users)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.aclose()
    return {"times": times, "errors": errors}, elapsed


def report(result: dict, elapsed: float, users: int) -> bool:
    times, errors = result["times"], result["errors"]
    total = sum(len(v) for v in times.values())
    print(f"\n{users} users for {elapsed:.1f} s: {total:,} requests, {total / elapsed:.1f} req/s, "
          f"{sum(errors.values())} errors")
    print(f"{'page':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for name, values in times.items():
        print(f"{name:<10} {len(values):>8} {len(values) / elapsed:>7.1f} {_percentile(values, 0.5) * 1000:>8.0f} "
              f"{_percentile(values, 0.95) * 1000:>8.0f} {errors[name]:>6}")
    dashboard = [t for name in DASHBOARD_PAGES for t in times.get(name, [])]
    p95 = _percentile(dashboard, 0.95) * 1000
    ok = sum(errors.values()) == 0 and p95 < 300
    print(f"\ndashboard pages p95 {p95:.0f} ms (target < 300 ms), errors {sum(errors.values())} (target 0): "
          f"{'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1, help="server processes (savings serve --workers)")
    parser.add_argument("--db", default=PG, help="PostgreSQL URL; a fresh schema is made and dropped inside it")
    args = parser.parse_args(argv)
    print(machine())
    schema = f"bench_web_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.db)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.db}?options=-csearch_path%3D{schema}"
    proc = None
    try:
        trust, line_id = build(url, args.lines, args.users)
        port = _free_port()
        proc = serve(url, port, args.workers)
        period = time.strftime("%Y-%m")
        result, elapsed = asyncio.run(run(f"http://127.0.0.1:{port}", trust, line_id, args.users, args.seconds,
                                          args.max_requests, period))
        met = report(result, elapsed, args.users)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    raise SystemExit(0 if met else 1)


if __name__ == "__main__":
    main()
