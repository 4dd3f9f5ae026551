"""The explorer in a real browser: a Streamlit server on localhost driven by headless chromium (issue 8).

One server for the module (``python -m streamlit run app/main.py`` on a free port, as ``caseplan app`` starts
it); each test opens a fresh browser page. Every page opens from the sidebar without a traceback; the
Scenario page explains a bad YAML upload; the Allocation tester runs the shipped example; the Demand page
runs the default scenario and draws a chart and a table — the time from Run to the first chart is printed and
recorded as ``app-first-chart.json`` — and the Contingency dashboard then shows that run.

Tests write only to a temporary folder: the screenshots and the timing go there, unless
``CASEPLAN_SCREENSHOTS`` names a folder (``CASEPLAN_SCREENSHOTS=docs/screenshots pytest
tests/app/test_browser.py`` refreshes the README's screenshots).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("CASEPLAN_SCREENSHOTS") or tempfile.mkdtemp(prefix="caseplan-screenshots-"))
BENCHMARK = ROOT / "benchmarks" / "app_benchmark.py"
PAGES = [  # (screenshot name, url path, sidebar title) in the order of app/main.py
    ("glance", "", "Your team at a glance"),
    ("scenario", "scenario", "Scenario"),
    ("allocation", "allocation", "Allocation tester"),
    ("demand", "demand", "Demand scenarios"),
    ("contingency", "contingency", "Contingency dashboard"),
    ("batch", "batch", "Batch results"),
]
MAX_SCREENSHOT_HEIGHT = 2400


def _load_benchmark():
    """benchmarks/ is not a package: load the helpers shared with the benchmark script by path."""
    spec = importlib.util.spec_from_file_location("caseplan_app_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not (bench.shutil.which("chromium") or bench.shutil.which("chromium-browser")):
        pytest.fail("chromium is not installed (.ci/run installs it with apt)")
    with playwright.sync_playwright() as p:
        launched = bench.launch(p)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    pytest.importorskip("streamlit")
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with bench.explorer_server(log=log) as base_url:  # terminated in the context's finally
        first = browser.new_page()
        bench.open_page(first, base_url)  # the root first: see test_a_deep_link_on_a_fresh_server_...
        first.close()
        yield base_url
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=bench.VIEWPORT)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    assert not errors, errors


def assert_no_traceback(page) -> None:
    assert page.locator(bench.EXCEPTION).count() == 0, page.locator(bench.EXCEPTION).first.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()


def screenshot(page, name: str) -> Path:
    """A full-page PNG of the app; the viewport grows to the content (Streamlit scrolls inside a div).
    Taken once no element is still a placeholder (Streamlit draws a skeleton until a widget arrives)."""
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=30_000
    )
    height = page.evaluate(
        "Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer'].map(id => {"
        '  const e = document.querySelector(`[data-testid="${id}"]`); return e ? e.scrollHeight : 0; }))'
    )
    size = {
        "width": bench.VIEWPORT["width"],
        "height": max(bench.VIEWPORT["height"], min(height, MAX_SCREENSHOT_HEIGHT)),
    }
    page.set_viewport_size(size)
    page.wait_for_timeout(500)  # charts and tables redraw at the new size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(bench.VIEWPORT)
    return path


def test_every_page_opens_from_the_sidebar_without_a_traceback(server, page):
    bench.open_page(page, server)
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_role("link").count() == len(PAGES)
    for name, path, title in PAGES:
        bench.go_to(page, title, path)
        assert page.url.rstrip("/") == f"{server}/{path}".rstrip("/")
        heading = page.locator("h1").first
        heading.wait_for(state="visible", timeout=30_000)
        assert heading.inner_text().strip()  # the page's title renders (placeholders have one too)
        assert_no_traceback(page)
        assert page.locator('[data-testid="stAppDeployButton"]').count() == 0  # a local tool: no Deploy
        assert screenshot(page, name).stat().st_size > 5_000
    assert page.title()  # the browser tab's title


def test_the_scenario_page_explains_a_bad_yaml_upload(server, page):
    bench.open_page(page, server, "scenario")
    good = (ROOT / "scenarios" / "baseline.yaml").read_text()
    bad = re.sub(r"referrals_per_week: [0-9.]+", "referrals_per_week: -5", good, count=1)
    page.locator('[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]').set_input_files(
        files=[{"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": bad.encode()}]
    )
    use = page.get_by_role("button", name="Use the uploaded file")
    use.wait_for(state="visible", timeout=30_000)
    use.click()
    error = page.locator('[data-testid="stAlert"]', has_text="demand.referrals_per_week")
    error.first.wait_for(state="visible", timeout=30_000)
    text = error.first.inner_text()
    assert text.startswith("bad.yaml: demand.referrals_per_week") and "allowed" in text
    assert_no_traceback(page)
    assert page.get_by_text("Editing: baseline").count() == 1  # the previous scenario stays


def test_an_upload_over_the_size_cap_is_refused_with_a_message(server, page):
    bench.open_page(page, server, "scenario")
    huge = b"# padding\n" * (
        600 * 1024
    )  # ≈6 MB, over the 5 MB cap of caseplan app and .streamlit/config.toml
    page.locator('[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]').set_input_files(
        files=[{"name": "huge.yaml", "mimeType": "application/x-yaml", "buffer": huge}]
    )
    page.get_by_text(re.compile(r"File must be 5(\.0)?\s?MB or smaller")).first.wait_for(
        state="visible", timeout=30_000
    )
    assert_no_traceback(page)
    assert page.get_by_role("button", name="Use the uploaded file").count() == 0  # nothing was accepted


def test_the_allocation_tester_runs_the_shipped_example(server, page):
    bench.open_page(page, server, "allocation")
    bench.run_button(page).click()
    page.get_by_text("14 waiting case(s), 11 workers").wait_for(state="visible", timeout=60_000)
    bench.wait_idle(page)
    # the summary, the side-by-side comparison and each policy's decisions (one per tab)
    bench.wait_for_count(page, bench.TABLE, 4, timeout=60)
    page.locator(bench.TABLE).nth(2).wait_for(state="visible")
    page.locator(bench.DRAWN_CHART).first.wait_for(state="visible", timeout=30_000)
    assert page.get_by_role("tab").count() == 2  # least_loaded and milp
    assert page.get_by_role("button", name=re.compile("Download allocations")).count() >= 1
    assert_no_traceback(page)
    screenshot(page, "allocation")


def test_the_demand_page_runs_the_default_scenario_and_draws_a_chart_and_a_table(server, page):
    bench.open_page(page, server)
    bench.go_to(page, bench.DEMAND_TITLE, bench.DEMAND_PATH)
    assert_no_traceback(page)
    if not bench.run_button(page).count():
        pytest.fail("app/views/demand.py has no Run button")
    replications = bench.replications_shown(page)
    seconds = bench.time_first_chart(page)
    bench.write_result(
        seconds, replications, SCREENSHOTS / "app-first-chart.json", how="tests/app/test_browser.py"
    )
    print(f"\nDemand page, baseline ({replications or '?'} replications): Run → first chart {seconds:.2f} s")
    bench.wait_idle(page)
    assert page.locator(bench.DRAWN_CHART).first.is_visible()
    bench.wait_for_count(page, bench.TABLE, 1, timeout=30)
    if not page.locator(bench.TABLE).first.is_visible():  # a table kept in a collapsed expander
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
    page.locator(bench.TABLE).first.wait_for(state="visible", timeout=30_000)
    assert_no_traceback(page)
    screenshot(page, "demand")

    # the Contingency dashboard shows the same run (the pages share the session's results) without a rerun
    bench.go_to(page, "Contingency dashboard", "contingency")
    assert_no_traceback(page)
    screenshot(page, "contingency")

    # the landing page shows the same run against the standards, with what matters most
    bench.go_to(page, "Your team at a glance", "")
    page.get_by_text("Against the standards").wait_for(state="visible", timeout=60_000)
    assert_no_traceback(page)
    screenshot(page, "glance")


def test_a_deep_link_on_a_fresh_server_shows_the_apps_navigation(browser):
    with bench.explorer_server() as base_url:
        page = browser.new_page(viewport=bench.VIEWPORT)
        bench.open_page(page, base_url, "allocation")
        links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        page.close()
    assert [link.strip() for link in links] == [title for _, _, title in PAGES]
