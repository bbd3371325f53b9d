"""Web app in a real browser: headless Chromium (Debian's, driven by Playwright with its executable
path set; no browser download) walks a saving from entry to CIP, checks keyboard use, and runs
axe-core (from the npm registry) on every page type. Screenshots go to $SAVINGS_SCREENSHOTS.

Skipped when Debian's chromium, Playwright or axe-core is not installed (`apt-get install
chromium`; axe-core is fetched once with `npm pack axe-core@4` into ~/.cache/savings-ledger).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from ledger import calendar
from tests.helpers_web import PASSWORD, fy_start, ledger, today

CHROMIUM = os.environ.get("SAVINGS_CHROMIUM", "/usr/bin/chromium")
AXE_CACHE = Path.home() / ".cache" / "savings-ledger" / "axe"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")]
playwright_api = pytest.importorskip("playwright.sync_api")


def _axe_script() -> str:
    target = AXE_CACHE / "package" / "axe.min.js"
    if not target.exists() and shutil.which("npm"):
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "pack", "axe-core@4", "--silent"], cwd=AXE_CACHE, capture_output=True,
                              text=True, timeout=120, check=False)
        tarballs = sorted(AXE_CACHE.glob("axe-core-*.tgz"))
        if done.returncode == 0 and tarballs:
            with tarfile.open(tarballs[-1]) as tar:
                tar.extract("package/axe.min.js", AXE_CACHE, filter="data")
    if not target.exists():
        pytest.skip("axe-core is not available (npm pack axe-core@4 failed)")
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by uvicorn on a free loopback port, on a fresh ledger."""
    import uvicorn

    from reports.web.app import create_app

    engine = ledger(tmp_path_factory.mktemp("browser"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = uvicorn.Server(uvicorn.Config(create_app(engine, key="browser-test"), host="127.0.0.1", port=port,
                                       log_level="warning"))
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not web.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SAVINGS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    return page


def _cip(page, base: str) -> Decimal:
    page.goto(f"{base}/t/RT1?period={calendar.month_label(calendar.month_index(today()))}")
    return Decimal(page.locator("#cip-delivered").get_attribute("data-pence")) / 100


def test_a_saving_walked_in_the_browser_moves_the_dashboard_by_exactly_its_cip(server, browser, shots) -> None:
    pat, bea, fin = (_login(browser, server, u) for u in ("pat", "bea", "fin"))
    before = _cip(bea, server)
    bea.screenshot(path=str(shots / "01-dashboard-before.png"), full_page=True)

    pat.goto(f"{server}/t/RT1/new-line")
    form = {"Line id": "B1", "Product code": "GLOVE-M", "Cost centre": "CC1", "Baseline price per unit, £": "10.00",
            "New price per unit, £": "8.00", "Annual volume (units)": "1200"}
    for label, value in form.items():
        pat.get_by_label(label).fill(value)
    pat.get_by_label("Scheme (required)").select_option("S1")
    pat.get_by_label("Benefit type (required)").select_option("PRICE_REDUCTION")
    pat.get_by_label("Go-live (required)").fill(fy_start().isoformat())
    pat.screenshot(path=str(shots / "02-new-line.png"), full_page=True)
    pat.get_by_role("button", name="Create line").click()
    pat.wait_for_url(re.compile(r"/t/RT1/lines/B1$"))
    assert "Line B1 created by Pat Procurement." in pat.content()
    pat.get_by_label("Next status").select_option("PROPOSED")
    pat.get_by_role("button", name="Move").click()
    pat.locator(".flash", has_text="IDEA -> PROPOSED").wait_for()
    assert pat.locator("#status").inner_text() == "PROPOSED"

    bea.goto(f"{server}/t/RT1/queue")
    bea.get_by_role("button", name="plan approved: line B1").click()
    bea.locator("text=PROPOSED -> PLAN_APPROVED").wait_for()

    pat.goto(f"{server}/t/RT1/queue")
    pat.get_by_role("button", name="in delivery: line B1").click()
    pat.locator("text=PLAN_APPROVED -> IN_DELIVERY").wait_for()
    pat.goto(f"{server}/t/RT1/lines/B1")
    pat.get_by_label("Month").fill(calendar.month_label(calendar.month_index(fy_start())))
    pat.get_by_label("Volume").fill("100")
    pat.get_by_label("Price paid per unit, £").fill("8.00")
    pat.get_by_role("button", name="Record actual").click()
    pat.locator("text=recorded on line B1").wait_for()

    fin.goto(f"{server}/t/RT1/lines/B1")
    fin.get_by_label("Ledger journal reference").fill("JNL-900")
    fin.get_by_label("Amount, £ (annual if recurrent)").fill("2400.00")
    fin.get_by_label("Effective from").fill(fy_start().isoformat())
    fin.get_by_role("button", name="Record budget removal").click()
    fin.locator("text=Budget removal").first.wait_for()

    for page, role in ((bea, "budget_holder"), (fin, "finance")):
        page.goto(f"{server}/t/RT1/queue")
        page.screenshot(path=str(shots / f"03-queue-{role}.png"), full_page=True)
        page.get_by_role("button", name="Approve line B1").click()
        page.locator(f"text=approved line B1 as {role}").wait_for()
    fin.goto(f"{server}/t/RT1/lines/B1")
    assert fin.locator("#grade").inner_text() == "A"
    fin.screenshot(path=str(shots / "04-line-validated.png"), full_page=True)

    after = _cip(bea, server)
    bea.locator("#charts figure").first.wait_for(timeout=60_000)
    bea.screenshot(path=str(shots / "05-dashboard-after.png"), full_page=True)
    assert after - before == Decimal("200.00")


def test_a_line_whose_id_reads_as_an_address_opens_and_edits_in_the_browser(server, browser) -> None:
    """The browser reads `..` in an address as a step up, `?` and `#` as query and fragment, and `/edit` as
    the last step: every link percent-encodes the id, so the line's page, its edit form and its forms work."""
    odd = "CIP/../25?x=1#%2F/edit"
    line_page = f"{server}/t/RT1/lines/{quote(odd, safe='')}"
    pat = _login(browser, server, "pat")
    pat.goto(f"{server}/t/RT1/new-line")
    form = {"Line id": odd, "Cost centre": "CC1", "Baseline price per unit, £": "10.00",
            "New price per unit, £": "8.00", "Annual volume (units)": "12"}
    for label, value in form.items():
        pat.get_by_label(label).fill(value)
    pat.get_by_label("Scheme (required)").select_option("S1")
    pat.get_by_label("Benefit type (required)").select_option("PRICE_REDUCTION")
    pat.get_by_label("Go-live (required)").fill(fy_start().isoformat())
    pat.get_by_role("button", name="Create line").click()
    pat.wait_for_url(line_page)
    assert pat.locator("h1").inner_text().startswith(f"Line {odd} ")
    pat.get_by_role("link", name="Edit this draft line").click()
    pat.wait_for_url(f"{server}/t/RT1/edit-line/{quote(odd, safe='')}")
    assert pat.locator("h1").inner_text().startswith(f"Edit draft line {odd} ")
    pat.get_by_label("New price per unit, £").fill("7.50")
    pat.get_by_role("button", name="Save changes").click()
    pat.wait_for_url(line_page)
    pat.get_by_label("Next status").select_option("PROPOSED")
    pat.get_by_role("button", name="Move").click()
    pat.locator(".flash", has_text="IDEA -> PROPOSED").wait_for()
    assert (pat.url, pat.locator("#status").inner_text()) == (line_page, "PROPOSED")
    pat.goto(f"{server}/t/RT1/lines")
    pat.get_by_role("link", name=odd, exact=True).click()
    pat.wait_for_url(re.compile(re.escape(line_page) + r"\?fy="))
    assert "£7.50" in pat.content()


def test_keyboard_alone_logs_in_and_skips_to_content(server, browser) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{server}/login")
    assert page.evaluate("document.activeElement.id") == "username"  # the form has the focus on arrival
    page.keyboard.type("aud")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/t/RT1$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.id]")
    assert focused == ["INPUT", "period"], "after skipping, Tab goes to the page's first control"


def test_lines_search_updates_in_place(server, browser) -> None:
    page = _login(browser, server, "bob")
    page.goto(f"{server}/t/RT1/lines")
    page.evaluate("window.marker = 'same page'")
    page.get_by_label("Search (id, scheme, product, type, creator)").type("no-such-line")
    page.locator("#line-rows", has_text="No line matches.").wait_for()
    assert page.evaluate("window.marker") == "same page", "the rows changed without a page load"
    assert "q=no-such-line" in page.url


@pytest.mark.parametrize("path", ["/login", "/t/RT1", "/t/RT1/lines", "/t/RT1/lines/L0", "/t/RT1/queue",
                                  "/t/RT1/new-line", "/t/RT1/upload", "/t/RT1/close", "/t/RT1/downloads",
                                  "/admin/users"])
def test_pages_pass_axe(server, browser, path, shots) -> None:
    axe = _axe_script()
    page = _login(browser, server, "adm" if path.startswith("/admin") else "pat")
    page.goto(f"{server}{path}")
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=axe)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}});
        return r.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ') '
                                + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', '));
    }""")
    page.screenshot(path=str(shots / f"axe{path.replace('/', '_')}.png"), full_page=True)
    assert result == [], result
