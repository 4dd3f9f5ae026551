"""The health-check report opens in a real browser, offline, with every chart drawn (issue 6)."""

from __future__ import annotations

import shutil

import pytest

from caseplan import report
from tests.caseplan.test_report import make_run

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    run_dir = make_run(tmp_path_factory.mktemp("browser") / "run")
    out = run_dir.parent / "report.html"
    report.write_report(report.build_report(report.read_run(run_dir)), out)
    return out


def test_the_report_draws_every_chart_in_chromium_without_the_network(page_path):
    playwright = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed (.ci/run installs it with apt)")
    html = page_path.read_text(encoding="utf-8")
    charts = html.count('class="plotly-graph-div"')
    assert charts >= 5
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})  # a laptop screen
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.plotly-graph-div svg.main-svg').length >= {charts}", timeout=30_000
        )
        drawn = page.evaluate("document.querySelectorAll('.plotly-graph-div .plot-container').length")
        title = page.title()
        widest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))"
        )
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert widest <= 1300 and scroll_width <= 1300, (widest, scroll_width)  # nothing needs a sideways scroll
    assert drawn == charts
    assert not errors
    assert all(url.startswith("file://") for url in requests)  # self-contained: nothing fetched
    assert title
