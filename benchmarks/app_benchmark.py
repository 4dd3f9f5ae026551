"""Explorer benchmark (a report, not a test): ``python benchmarks/app_benchmark.py``.

Starts the scenario explorer as ``caseplan app`` would (``python -m streamlit run app/main.py`` on a free
localhost port, headless), waits for ``/_stcore/health`` to answer ``ok``, opens the Demand scenarios page
in Debian's chromium (Playwright, headless, viewport 1280×900), presses Run with the page's defaults (the
baseline scenario) and measures the time from the click to the first chart being visible (an altair chart:
a ``canvas`` or ``svg`` inside a ``stVegaLiteChart`` element). Target: < 5 s. The server is started fresh, so
nothing is cached: this is the first run a user sees.

A missed target prints FAIL but never changes the exit status. The result goes to
``benchmarks/results/app-first-chart.json`` (``--out PATH`` to choose). ``tests/app/test_browser.py`` uses the
same helpers (and writes the same file).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the helpers that need it are not called without playwright
    PlaywrightError = RuntimeError  # noqa: N816

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
RESULT_FILE = RESULTS / "app-first-chart.json"
TARGET_SECONDS = 5.0
HEALTH_TIMEOUT = 60.0
RUN_TIMEOUT = 180.0
VIEWPORT = {"width": 1280, "height": 900}

CHART = '[data-testid="stVegaLiteChart"]'
DRAWN_CHART = f"{CHART} canvas, {CHART} svg"
TABLE = '[data-testid="stDataFrame"], [data-testid="stTable"]'
RUNNING = '[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]'
EXCEPTION = '[data-testid="stException"]'
DEMAND_PATH = "demand"  # st.navigation's url path: the page's file name (the default page is "/")
DEMAND_TITLE = "Demand scenarios"


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = HEALTH_TIMEOUT) -> float:
    """Seconds until ``/_stcore/health`` answers ``ok``.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer within ``timeout`` seconds.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return time.perf_counter() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base_url}/_stcore/health did not answer 'ok' within {timeout:.0f} s")


@contextlib.contextmanager
def explorer_server(port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """Run the explorer on localhost for the ``with`` block; yields its base URL.

    The server's output goes to ``log`` (or is discarded); it is terminated (then killed) on exit.
    """
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
               "--server.address", "localhost", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://localhost:{port}"
    try:
        wait_healthy(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if log is not None:
            out.close()


def chromium_path() -> str:
    """Debian's chromium (``apt-get install chromium``)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    return found


def launch(playwright: Any):
    """Headless chromium from the system, as the browser tests launch it."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])


def wait_idle(page: Any, timeout: float = RUN_TIMEOUT) -> None:
    """Wait until the script has finished running (Streamlit's running icon is gone)."""
    page.wait_for_timeout(300)  # the icon shows only after a short delay
    page.wait_for_function(f"!document.querySelector('{RUNNING}')", timeout=timeout * 1000)


def wait_for_count(page: Any, selector: str, count: int, timeout: float = RUN_TIMEOUT) -> None:
    """Wait until at least ``count`` elements match ``selector``."""
    page.wait_for_function(
        f"document.querySelectorAll('{selector}').length >= {count}", timeout=timeout * 1000
    )


def open_page(page: Any, base_url: str, path: str = "") -> None:
    """Open an explorer page by its url path and wait for its title."""
    page.goto(f"{base_url}/{path}")
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)


def go_to(page: Any, title: str, path: str) -> None:
    """Click a page's link in the sidebar navigation; wait for its url path, its title and the run's end."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(rf"/{re.escape(path)}(\?.*)?$"), timeout=30_000)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)


def run_button(page: Any):
    """The page's Run button (the first button whose text is exactly 'Run')."""
    return page.get_by_role("button", name="Run", exact=True).first


def time_first_chart(page: Any, timeout: float = RUN_TIMEOUT) -> float:
    """Press Run on the open page; seconds from the click to a drawn chart becoming visible.

    A chart already on the page before the click (from an earlier run) does not count: the wait is for
    more drawn charts than before, or, if the page redraws the same number, for the run to finish.
    """
    before = page.locator(DRAWN_CHART).count()
    button = run_button(page)
    start = time.perf_counter()
    button.click()
    if before == 0:
        page.locator(DRAWN_CHART).first.wait_for(state="visible", timeout=timeout * 1000)
    else:
        page.wait_for_function(
            f"document.querySelectorAll('{CHART} canvas, {CHART} svg').length > {before}"
            f" || !document.querySelector('{RUNNING}')",
            timeout=timeout * 1000,
        )
    return time.perf_counter() - start


def replications_shown(page: Any) -> int | None:
    """The replications the page will run: the value of the input labelled 'Replications' (a slider's
    range input or a number input), or None if the page has none."""
    field = page.locator('input[aria-label="Replications" i]')
    if not field.count():
        field = page.get_by_label("Replications", exact=True)
    try:
        return int(float(field.first.input_value(timeout=2_000))) if field.count() else None
    except (ValueError, PlaywrightError):  # not a number, or not an input after all
        return None


def write_result(seconds: float, replications: int | None, out: Path = RESULT_FILE, how: str = "") -> dict:
    """Record a measurement as JSON (creating ``benchmarks/results`` if needed)."""
    versions = {}
    for package in ("streamlit", "altair", "playwright"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    payload = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "versions": versions,
        "measure": "seconds from clicking Run on the Demand scenarios page to the first chart visible",
        "scenario": "baseline (the page's default)",
        "replications": replications,
        "viewport": VIEWPORT,
        "measured_by": how,
        "seconds": round(seconds, 3),
        "target": {"seconds": TARGET_SECONDS, "met": seconds < TARGET_SECONDS},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    return payload


def measure(base_url: str) -> tuple[float, int | None]:
    """Open the Demand page in a fresh browser, press Run, time the first chart."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            open_page(page, base_url)  # the root, as `caseplan app` opens it, then the sidebar link
            go_to(page, DEMAND_TITLE, DEMAND_PATH)
            if not run_button(page).count():
                raise RuntimeError("the Demand scenarios page has no Run button (is it still a placeholder?)")
            replications = replications_shown(page)
            seconds = time_first_chart(page)
        finally:
            browser.close()
    return seconds, replications


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULT_FILE, help="JSON file to write.")
    parser.add_argument("--port", type=int, default=None, help="Port on localhost (default: a free one).")
    args = parser.parse_args(argv)

    console = Console()
    with explorer_server(args.port) as base_url:
        seconds, replications = measure(base_url)
    write_result(seconds, replications, args.out, "benchmarks/app_benchmark.py")

    table = Table(title="Explorer: Demand page, Run → first chart")
    for column in ("replications", "seconds", "target", "met"):
        table.add_column(column, justify="right")
    met = seconds < TARGET_SECONDS
    table.add_row(
        "–" if replications is None else str(replications),
        f"{seconds:.2f}",
        f"< {TARGET_SECONDS:.0f} s",
        "[green]yes[/green]" if met else "[bold red]FAIL[/bold red]",
    )
    console.print(table)
    console.print(f"written: {args.out}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
