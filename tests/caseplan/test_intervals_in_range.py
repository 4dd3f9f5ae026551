"""Issue 13: no interval written to summary.json, printed by `caseplan run`, shown in the report or in the
explorer lies outside its figure's possible range, and intervals from few replications are marked.

Four replications of a short horizon are the case the issue met: several counts are 0 in most
replications, so their t interval reaches below 0, and shares near 1 reach above it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from caseplan import report
from caseplan.cli import app
from caseplan.explorer.results import compare_results, few_replications_caption, over_time, summary_table
from caseplan.report.headline import headline_table
from simulator.figures import figure
from simulator.run import ScenarioResult, run_scenario, write_outputs
from simulator.statistics import FEW_REPLICATIONS, mean_ci
from tests.scenarios.test_library import short
from tests.support import ROOT

REPS = 4
SHORT_META = {"horizon_weeks": 30, "warmup_weeks": 4}


def shipped(name: str, **sections):
    """A shipped scenario on a short horizon (longer when a dated ASYE cohort needs it)."""
    return short(ROOT / "scenarios" / f"{name}.yaml", **sections)


@pytest.fixture(scope="module", params=["baseline", "vacancy_crisis"])
def result(request) -> ScenarioResult:
    return run_scenario(shipped(request.param), REPS)


@pytest.fixture(scope="module")
def run_dir(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    write_outputs(result, out)
    return out


def in_range(name: str, low: float | None, high: float | None) -> bool:
    lowest, highest = figure(name).bounds
    return low is None or high is None or lowest <= low <= high <= highest


def test_the_t_interval_alone_would_leave_the_range(result):
    """The case is one that needs the bounds: without them some intervals leave their range."""
    outside = []
    for name in result.summary():
        free = mean_ci([r.figures[name] for r in result.replications if name in r.figures])
        if not in_range(name, free["ci_low"], free["ci_high"]):
            outside.append(name)
    assert "supervision_missed" in outside or "cpd_hours_lost" in outside, outside


def test_every_interval_in_summary_json_lies_in_its_figures_range(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    figures = {k: v for k, v in summary.items() if k != "run"}
    assert len(figures) >= 30
    for name, entry in figures.items():
        assert in_range(name, entry["ci_low"], entry["ci_high"]), (name, entry)
        if entry["ci_low"] is not None:
            assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"], (name, entry)
        assert entry["few_replications"] is (entry["n"] < FEW_REPLICATIONS), name


def short_baseline_file(tmp_path: Path) -> Path:
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nmeta: {json.dumps(SHORT_META)}\n")
    return path


def printed_figures(output: str) -> dict[str, list[str]]:
    """The summary table's rows by label: ``[label, "mean (low–high) unit", mark]`` (wrapped labels joined)."""
    rows: list[list[str]] = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) != 3:
            continue
        if cells[1]:
            rows.append(cells)
        elif rows:
            rows[-1][0] += " " + cells[0]  # the rest of a wrapped label
    return {row[0]: row for row in rows}


def shown_value(text: str) -> float:
    """A printed number as a float: '87.8%' → 0.878, '£1,234' → 1234, '−2.5' → -2.5."""
    value = float(text.replace("−", "-").replace(",", "").replace("£", "").rstrip("%"))
    return value / 100 if text.endswith("%") else value


def test_the_printed_summary_lies_in_range_and_says_the_intervals_are_rough(tmp_path):
    args = ["run", str(short_baseline_file(tmp_path)), "--out", str(tmp_path / "out"), "--reps", str(REPS)]
    out = CliRunner().invoke(app, args, terminal_width=120)
    assert out.exit_code == 0, out.output
    names = {figure(name).label: name for name in json.loads((tmp_path / "out" / "summary.json").read_text())}
    rows = {names[label]: cells for label, cells in printed_figures(out.output).items() if label in names}
    assert len(rows) >= 30 and "supervision_missed" in rows
    for name, (_, value, mark) in rows.items():
        found = re.search(r"\((.+?)–(.+?)\)", value)
        assert found, (name, value)
        low, high = shown_value(found[1]), shown_value(found[2])
        assert in_range(name, low, high), (name, value)
        assert mark == "*", name
    assert (
        f"intervals from {REPS} replications are rough; {FEW_REPLICATIONS} or more recommended" in out.output
    )


def test_ten_replications_print_no_rough_mark(tmp_path):
    path = short_baseline_file(tmp_path)
    args = ["run", str(path), "--out", str(tmp_path / "out"), "--reps", str(FEW_REPLICATIONS)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "children per case-holding FTE" in out.output
    assert "rough" not in out.output and "│ * │" not in out.output


def test_the_report_headline_lies_in_range_and_marks_rough_intervals(run_dir):
    built = report.build_report(report.read_run(run_dir))
    headline = built.tables["headline"]
    assert len(headline) >= 15 and headline["few_replications"].all()
    for row in headline.itertuples():
        assert in_range(row.key, row.ci_low, row.ci_high), row
    assert 'data-field="rough">*</td>' in built.html
    assert f"Intervals from fewer than {FEW_REPLICATIONS} replications are rough" in built.html


def test_the_report_cuts_an_interval_an_older_summary_wrote_outside_the_range():
    older = {
        "supervision_missed": {"mean": 22.5, "ci_low": -16.1, "ci_high": 61.1, "n": 4},
        "asye_protected_kept_share": {"mean": 0.99, "ci_low": 0.95, "ci_high": 1.024, "n": 4},
        "unallocated_cases": {"mean": 9.3, "ci_low": None, "ci_high": None, "n": 1},
    }
    table = headline_table(older).set_index("key")
    assert tuple(table.loc["supervision_missed", ["ci_low", "ci_high"]]) == (0.0, 61.1)
    assert tuple(table.loc["asye_protected_kept_share", ["ci_low", "ci_high"]]) == (0.95, 1.0)
    assert table.loc["asye_protected_kept_share", "shown_ci"] == "95.0%–100.0%"
    assert pd.isna(table.loc["unallocated_cases", "ci_low"])


def test_the_explorers_summary_table_lies_in_range_and_carries_the_mark(result):
    table = summary_table(result, list(result.summary()))
    assert len(table) >= 30 and table["few_replications"].all()
    for row in table.itertuples():
        low, high = (None if math.isnan(v) else v for v in (row.ci_low, row.ci_high))
        assert in_range(row.figure, low, high), row
    assert f"fewer than {FEW_REPLICATIONS} replications" in few_replications_caption(table)


def test_the_explorers_comparison_keeps_differences_in_their_range(result):
    busier = run_scenario(shipped("baseline", demand={"referrals_per_week": 7.5}), REPS)
    table = compare_results({"this": result, "busier": busier}, reference="this")
    assert table["few_replications"].all() and table["pairs"].max() == REPS
    for row in table.itertuples():
        assert in_range(row.metric, *(None if pd.isna(v) else v for v in (row.ci_low, row.ci_high))), row
        if row.pairs and not pd.isna(row.diff_ci_low):
            low, high = figure(row.metric).difference_bounds
            assert low <= row.diff_ci_low <= row.diff <= row.diff_ci_high <= high, row


def test_the_explorers_bands_over_time_are_never_below_zero(result):
    for measure in ("unallocated", "staffing", "mean_wait_days", "load_ratio_team"):
        band = over_time(result.weekly, measure)
        assert (band["low"] >= 0).all() and (band["low"] <= band["mean"]).all(), measure
