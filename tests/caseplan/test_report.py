"""The health-check report (caseplan/report) and the ``caseplan report`` command."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from caseplan import report
from caseplan.cli import app
from caseplan.report.checks import standards_checks
from caseplan.report.roles import ASYE
from caseplan.report.run_data import RunData
from caseplan.report.sections import checks_html
from simulator.level_changes import level_changes
from simulator.run import run_scenario, write_outputs
from tests.support import variant

SHORT = {"horizon_weeks": 60, "warmup_weeks": 10}
runner = CliRunner()


def make_run(directory: Path, replications: int = 2, **sections) -> Path:
    """Simulate a short baseline variant and write its run directory."""
    write_outputs(run_scenario(variant(**{"meta": SHORT, **sections}), replications), directory)
    return directory


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("full") / "run")


@pytest.fixture(scope="module")
def built(run_dir) -> report.Report:
    return report.build_report(report.read_run(run_dir))


@pytest.fixture(scope="module")
def summary(run_dir) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


class Page(HTMLParser):
    """Collects the parts of the report the tests look at (marked with ids and data attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.headline: dict[str, dict[str, str]] = {}
        self.checks: dict[str, str] = {}
        self.not_recorded: set[str] = set()
        self.script_srcs: list[str] = []
        self.cells: dict[str, list[dict[str, str]]] = {}
        self._row_key = self._table = None
        self._cell: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.script_srcs.append(a["src"])
        if tag == "table":
            self._table = a.get("id")
            self.cells.setdefault(self._table, [])
        if tag == "tr":
            self._row_key = a.get("data-key")
            if self._table and "data-key" not in a:
                self.cells[self._table].append({})  # header rows stay empty
        if tag == "td" and ("data-field" in a or "data-col" in a):
            self._cell = ("field", a["data-field"]) if "data-field" in a else ("col", a["data-col"])
            self._text = []
        if tag == "li" and "data-check" in a:
            self.checks[a["data-check"]] = a["data-status"]
        if "data-not-recorded" in a:
            self.not_recorded.add(a["data-not-recorded"])

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            kind, name = self._cell
            text = "".join(self._text)
            if kind == "field":
                self.headline.setdefault(self._row_key, {})[name] = text
            elif self._table and self.cells[self._table]:
                self.cells[self._table][-1][name] = text
            self._cell = None
        if tag == "table":
            self._table = None


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


# ------------------------------------------------------------------------------------ the page


def test_headline_figures_on_the_page_are_those_of_summary_json(built, summary):
    page = parse(built.html)
    shown = 0
    for key, _, kind in report.HEADLINE:
        if key not in summary:
            assert key not in page.headline
            continue
        figure = summary[key]
        assert page.headline[key]["mean"] == report.format_figure(figure["mean"], kind), key
        assert page.headline[key]["ci"] == report.format_interval(figure, kind), key
        assert page.headline[key]["n"] == str(figure["n"])
        shown += 1
    assert {"avg_caseload_per_fte", "mean_load_ratio", "unallocated_cases", "contingency_cost"} <= set(
        page.headline
    )
    assert shown >= 15


def test_plotly_js_is_embedded_once_and_nothing_is_loaded_from_outside(built):
    page = parse(built.html)
    assert page.script_srcs == []
    assert not re.search(r"<(script|link)[^>]+(src|href)=", built.html)
    assert len(re.findall(r"\* plotly\.js v\d", built.html)) == 1
    assert built.html.count("Plotly.newPlot(") >= 7
    for figure in ("fig-caseload-time", "fig-caseload-distribution", "fig-load-ratio", "fig-waits",
                   "fig-supervision", "fig-cpd", "fig-levels"):  # fmt: skip
        assert figure in page.ids


def test_summary_lists_each_breach_with_its_figure(built):
    page = parse(built.html)
    checks = built.checks.set_index("check")
    assert list(checks.index) == list(report.THRESHOLDS)
    assert page.checks == checks["status"].to_dict()
    for key, row in checks.iterrows():
        if row["status"] == "breached":
            assert row["text"] in built.html.replace("&#x27;", "'"), key
    caseload = checks.loc["caseload"]
    assert caseload["status"] in ("met", "breached")
    limit = report.THRESHOLDS["caseload"].limit
    assert caseload["text"].startswith(
        f"average caseload {report.format_against(caseload['value'], 'number', limit)}"
    )


def test_sections_follow_the_run(built):
    page = parse(built.html)
    sections = {"summary", "headline", "caseload", "load", "waits", "supervision", "cpd", "asye", "levels"}
    assert sections | {"thresholds"} <= page.ids
    assert page.not_recorded == set()
    tenure = [row["tenure"] for row in page.cells["supervision-table"] if row]
    assert tenure == ["ASYE (first year)", "other workers", "all workers"]


# ------------------------------------------------------------------------------------ tables


def test_tables_agree_with_summary_json(built, summary, run_dir):
    tables = built.tables
    weekly = pd.read_parquet(run_dir / "weekly.parquet")
    assert len(tables["caseload_weekly"]) == SHORT["horizon_weeks"] - SHORT["warmup_weeks"]
    assert tables["caseload_weekly"]["mean"].mean() == pytest.approx(summary["avg_caseload_per_fte"]["mean"])
    levels = tables["levels"].set_index("team").loc["all teams"]
    for n in (1, 2, 3, 4):
        assert levels[f"weeks_at_level_{n}"] == pytest.approx(summary[f"team_weeks_at_level_{n}"]["mean"])
    assert levels["cost"] == pytest.approx(summary["contingency_cost"]["mean"])
    assert levels["escalations"] == pytest.approx(summary["escalations"]["mean"])
    cpd = tables["cpd"].set_index("team").loc["all teams"]
    assert cpd["taken_share"] == pytest.approx(summary["cpd_taken_share"]["mean"])
    lost = cpd["lost_to_pause_hours"] + cpd["lost_to_overload_hours"]
    assert lost == pytest.approx(summary["cpd_hours_lost"]["mean"])
    supervision = tables["supervision"].set_index("tenure")
    everyone = supervision.loc["all workers", "on_time_share"]
    assert everyone == pytest.approx(summary["supervision_on_time_share"]["mean"])
    assert supervision.loc["other workers", "on_time_share"] == pytest.approx(
        summary["supervision_on_time_share_others"]["mean"]
    )
    measured = weekly[~weekly["warmup"]]
    assert tables["waits_weekly"]["unallocated"].sum() == pytest.approx(
        measured["unallocated"].sum() / summary["run"]["replications"]
    )
    load = tables["load_ratio"].set_index("role").loc["all roles"]
    assert (
        load["max"] >= summary["max_load_ratio"]["mean"] - 1e-12
    )  # the highest of the replications' highest
    bands = tables["load_ratio_bands"]
    assert bands.groupby("role")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert tables["caseload_distribution"]["share"].sum() == pytest.approx(1.0)


def test_csv_tables_are_written_beside_the_page_and_match(built, summary, tmp_path):
    out = tmp_path / "board" / "report.html"
    out.parent.mkdir()
    written = report.write_report(built, out)
    assert written[0] == out and out.read_text(encoding="utf-8") == built.html
    assert {p.name for p in out.parent.iterdir()} == {p.name for p in written}
    for name in ("headline", "checks", "supervision", "cpd", "levels", "asye", "waits_weekly", "thresholds"):
        path = report.csv_path(out, name)
        assert path in written and path.parent == out.parent and path.name == f"report_{name}.csv"
    for name, table in built.tables.items():
        text = report.csv_path(out, name).read_text(encoding="utf-8")
        assert text == table.to_csv(index=False, lineterminator="\n"), name
    headline = pd.read_csv(
        report.csv_path(out, "headline"),
    ).set_index("key")
    for key, row in headline.iterrows():
        assert row["mean"] == summary[key]["mean"]
        assert row["shown"] == report.format_figure(summary[key]["mean"], row["kind"])


def test_a_failed_write_leaves_nothing_behind(built, tmp_path, monkeypatch):
    calls = []
    original = pd.DataFrame.to_csv

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError):
        report.write_report(built, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ checks


def test_breached_compares_with_the_limit_on_the_right_side():
    above, below = report.THRESHOLDS["caseload"], report.THRESHOLDS["supervision"]
    assert report.breached(16.2, above) and not report.breached(16.0, above)
    assert report.breached(0.9, below) and not report.breached(0.95, below)
    assert report.breached(None, above) is None and report.breached(math.nan, below) is None
    for threshold in report.THRESHOLDS.values():
        assert threshold.standard.startswith("Standard ") and threshold.source and threshold.rule
        assert threshold.breached_if in ("above", "below")


def test_format_figure():
    assert report.format_figure(13.6028, "number") == "13.6"
    assert report.format_figure(0.87092, "percent") == "87.1%"
    assert report.format_figure(0.0003, "percent") == "<0.1%"
    assert report.format_figure(151233.33, "money") == "£151,233"
    assert report.format_figure(None, "number") == report.format_figure(math.nan, "percent") == "–"
    assert report.format_interval({"mean": 1.0, "ci_low": None, "ci_high": None, "n": 1}, "number") == "–"


# ------------------------------------------------------------------------------------ thinner runs


def test_run_without_plan_or_per_worker_table_still_reports(tmp_path):
    run_dir = make_run(tmp_path / "bare", replications=1, contingency=None, outputs={"per_worker": False})
    assert (
        not (run_dir / "contingency.parquet").exists() and not (run_dir / "workers_weekly.parquet").exists()
    )
    built = report.build_report(report.read_run(run_dir))
    page = parse(built.html)
    assert {"levels", "load", "supervision-tenure"} <= page.not_recorded
    assert page.checks["severe_levels"] == "not recorded"
    assert built.tables["levels"].empty and list(built.tables["levels"].columns)[0] == "team"
    assert built.tables["load_ratio"].empty and built.tables["level_changes"].empty
    assert list(built.tables["supervision"]["tenure"]) == ["all workers"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert page.headline["avg_caseload_per_fte"]["ci"] == "–"  # one replication: no interval
    assert page.headline["avg_caseload_per_fte"]["mean"] == report.format_figure(
        summary["avg_caseload_per_fte"]["mean"], "number"
    )
    assert len(re.findall(r"\* plotly\.js v\d", built.html)) == 1
    written = report.write_report(built, tmp_path / "report.html")
    assert pd.read_csv(report.csv_path(written[0], "levels")).empty


def test_run_without_supervision_tracking_says_so(tmp_path):
    # without a plan: the baseline plan's level 2 watches supervision_missed, which needs tracking
    run_dir = make_run(tmp_path / "untracked", replications=1, supervision={"track": False}, contingency=None)
    built = report.build_report(report.read_run(run_dir))
    page = parse(built.html)
    assert "supervision" in page.not_recorded
    assert page.checks["supervision"] == page.checks["supervision_asye"] == "not recorded"
    assert built.tables["supervision"].empty
    assert "load" not in page.not_recorded and "asye" not in page.not_recorded


# ------------------------------------------------------------------------------------ the command


def test_report_command_writes_the_page_and_tables(run_dir, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report written to" in result.stdout
    assert out.stat().st_size > 1_000_000  # plotly.js is inside
    assert (tmp_path / "report_headline.csv").exists() and (tmp_path / "report_levels.csv").exists()


def test_report_command_defaults_to_the_run_directory(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "run")
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").exists() and (copy / "report_checks.csv").exists()


def corrupt(path: Path) -> None:
    path.write_bytes(b"not what it should be")


BAD_RUNS = {
    "missing": (lambda d: shutil.rmtree(d), "no such directory", ""),
    "a_file": (lambda d: (shutil.rmtree(d), d.write_text("x")), "not a directory", ""),
    "no_summary": (lambda d: (d / "summary.json").unlink(), "not a run directory", ""),
    "no_weekly": (lambda d: (d / "weekly.parquet").unlink(), "weekly.parquet missing", ""),
    "summary_not_json": (lambda d: corrupt(d / "summary.json"), "not a readable JSON file", "summary.json"),
    "summary_no_run": (lambda d: (d / "summary.json").write_text("[1, 2]"), "no 'run' block", "summary.json"),
    "summary_bad_figure": (
        lambda d: (d / "summary.json").write_text('{"run": {"replications": 1, "warmup_weeks": 1, '
                                                  '"horizon_weeks": 2}, "open_cases": 3}'),
        "open_cases: not a figure", "summary.json",
    ),
    "weekly_corrupt": (lambda d: corrupt(d / "weekly.parquet"), "not a readable Parquet table",
                       "weekly.parquet"),
    "weekly_wrong_table": (
        lambda d: pd.DataFrame({"x": [1]}).to_parquet(d / "weekly.parquet"), "missing column(s)",
        "weekly.parquet",
    ),
    "workers_corrupt": (lambda d: corrupt(d / "workers_weekly.parquet"), "not a readable Parquet table",
                        "workers_weekly.parquet"),
    "timeline_corrupt": (lambda d: corrupt(d / "contingency.parquet"), "not a readable Parquet table",
                         "contingency.parquet"),
    "scenario_corrupt": (lambda d: (d / "scenario.resolved.yaml").write_text("a: [1,\n"),
                         "not a readable YAML", "scenario.resolved.yaml"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_RUNS, ids=str)
def test_report_command_rejects_bad_run_directories(case, run_dir, tmp_path):
    spoil, message, file_name = BAD_RUNS[case]
    bad = Path(shutil.copytree(run_dir, tmp_path / "run"))
    spoil(bad)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["report", str(bad), "--out", str(out_dir / "report.html")])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception), result.exception  # only SystemExit(2)
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and str(bad / file_name).rstrip("/") in result.stderr
    assert result.stdout == ""
    assert list(out_dir.iterdir()) == []
    if bad.is_dir():
        assert not list(bad.glob("report*")) and not list(bad.glob(".*tmp"))


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("report.csv", "not an .html file name"),
        ("notes/report.html", "is a file, not a folder"),
        (".", "directory"),
    ],
)
def test_report_command_rejects_bad_output_paths(out, message, run_dir, tmp_path):
    target = tmp_path / out if out != "." else tmp_path
    (tmp_path / "notes").write_text("a file, not a folder", encoding="utf-8")
    before = set(tmp_path.iterdir())
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --out") and message in result.stderr
    assert set(tmp_path.iterdir()) == before


def test_the_level_changes_list_each_action_in_words_and_cdn_makes_a_small_page(run_dir, tmp_path):
    from caseplan.report.sections import level_changes_table

    changes = pd.DataFrame(
        {"week": [168], "week_start": [pd.Timestamp("2029-06-20")], "team": ["team-1"], "level": [3],
         "triggered_by": ["unallocated_over_28_days"], "actions_started": ["escalate:head_of_service@3,step_down@3"],
         "actions_ended": [""], "actions_not_started": ["borrow@3 (week 169: no team could lend)"]}
    )  # fmt: skip
    table = level_changes_table(changes, {3: "severe"})
    assert "<li>+ escalate: head of service@3</li><li>+ step down@3</li><li>× borrow@3 (week 169" in table
    assert "unallocated over 28 days" in table and "3 severe" in table and "2029-06-20" in table
    run = report.read_run(run_dir)
    built = report.build_report(run)
    small = report.build_report(run, plotly="cdn").html
    assert small.count("cdn.plot.ly") == 1 and len(small) < len(built.html) / 5
    with pytest.raises(ValueError, match="plotly"):
        report.build_report(run, plotly="nowhere")


def test_report_command_creates_the_folders_of_its_output_path(run_dir, tmp_path):
    target = tmp_path / "board" / "papers" / "report.html"
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and list(target.parent.glob("report_*.csv"))


def test_read_run_keeps_only_measured_weeks(run_dir):
    run = report.read_run(run_dir)
    assert run.weekly["week"].min() == SHORT["warmup_weeks"] and not run.weekly["warmup"].any()
    assert run.workers is not None and run.workers["week"].min() == SHORT["warmup_weeks"]
    assert run.timeline is not None and run.timeline["week"].min() == SHORT["warmup_weeks"]
    assert run.replications == 2 and run.measured_weeks == SHORT["horizon_weeks"] - SHORT["warmup_weeks"]
    assert run.level_names[4] == "critical"


# ------------------------------------------------------------------------------------ one page, one story


def test_asye_means_the_assessed_year_in_every_table(built, run_dir):
    tables, reps = built.tables, report.read_run(run_dir).replications
    roles = list(tables["load_ratio"]["role"])
    assert ASYE in roles and "asye" not in roles
    load_weeks = tables["load_ratio"].set_index("role").loc[ASYE, "worker_weeks"]
    asye = tables["asye"].set_index("measure")["value"]
    assert load_weeks / reps == pytest.approx(asye["ASYE worker-weeks in the first year (per replication)"])
    assert ASYE in list(tables["supervision"]["tenure"])
    assert "asye-definition" in parse(built.html).ids and "capacity.asye_months" in built.html


def test_asye_role_workers_past_their_year_are_social_workers_on_the_page(tmp_path):
    # the baseline's two ASYEs finish their year in week 48; no cohort joins, so none is an ASYE later
    run_dir = make_run(
        tmp_path / "no_asye", meta={"horizon_weeks": 80, "warmup_weeks": 56}, workforce={"asye_cohorts": []}
    )
    run = report.read_run(run_dir)
    assert (run.workers["role"] == "asye").any() and not run.workers["asye"].any()
    built = report.build_report(run)
    page = parse(built.html)
    load = built.tables["load_ratio"].set_index("role")
    assert ASYE not in load.index and "asye" not in load.index
    workers = run.workers[run.workers["case_capacity_hours"] > 0]
    former_asye_and_social_workers = workers["role"].isin(["asye", "social_worker"]).sum()
    assert load.loc["social_worker", "worker_weeks"] == former_asye_and_social_workers
    assert "asye" in page.not_recorded and page.checks["asye_protected"] == "not recorded"
    assert "no ASYE in their first year" in built.html
    assert ASYE not in list(built.tables["supervision"]["tenure"])


def test_the_waits_section_names_the_time_average_and_the_week_end_count(built, summary):
    waits = built.html[built.html.index('<section id="waits">') :]
    waits = waits[: waits.index("</section>")]
    time_average = report.format_figure(summary["unallocated_cases"]["mean"], "number")
    assert f"Averaged over time (every moment of the measured weeks) {time_average} cases" in waits
    assert "Counted at each week's end" in waits and "higher than the time average" in waits
    assert "6.5 days after" in waits  # weekly meetings half a day into the week
    labels = {key: label for key, label, _ in report.HEADLINE}
    assert "time average" in labels["unallocated_cases"]


def with_figure(run: RunData, key: str, mean: float) -> RunData:
    figures = {**run.figures, key: {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}}
    return dataclasses.replace(run, figures=figures)


@pytest.mark.parametrize(
    ("kept", "status", "shown"),
    [(0.996, "at risk", "99.6%"), (0.9996, "at risk", "99.96%"), (0.94, "breached", "94.0%"),
     (1.0, "met", "100.0%")],
)  # fmt: skip
def test_a_small_shortfall_of_protected_time_is_at_risk_not_breached(run_dir, kept, status, shown):
    run = with_figure(report.read_run(run_dir), "asye_protected_kept_share", kept)
    checks = standards_checks(run).set_index("check")
    assert checks.loc["asye_protected", "status"] == status
    assert checks.loc["asye_protected", "text"].startswith(f"{shown} of ASYE protected development time kept")
    page = parse(checks_html(checks.reset_index()))
    assert page.checks["asye_protected"] == status
    assert report.THRESHOLDS["asye_protected"].at_risk_limit == 1.0
    assert "assumption" in report.THRESHOLDS["asye_protected"].source


def test_the_summary_lists_the_checks_at_risk_under_their_own_heading(built):
    checks = built.checks.copy()
    checks.loc[checks["check"] == "cpd", "status"] = "at risk"
    html = checks_html(checks)
    assert '<ul id="checks-at-risk"' in html and "At risk (a shortfall" in html
    assert ", 1 at risk" in html[: html.index("</p>")]  # the verdict line counts it
    assert parse(html).checks["cpd"] == "at risk"


def test_check_status_and_format_against():
    below, above = report.THRESHOLDS["cpd"], report.THRESHOLDS["caseload"]
    assert [report.check_status(v, below) for v in (0.5, 0.97, 1.0, None)] == [
        "breached", "at risk", "met", "not recorded",
    ]  # fmt: skip
    assert report.check_status(16.2, above) == "breached" and report.check_status(15.9, above) == "met"
    assert report.format_against(16.04, "number", 16.0) == "16.04"
    assert report.format_against(15.96, "number", 16.0) == "15.96"
    assert report.format_against(15.4, "number", 16.0) == "15.4"
    assert report.format_against(0.9996, "percent", 0.95, 1.0) == "99.96%"
    assert report.format_against(None, "percent", 1.0) == "–"


def test_the_headline_shows_the_share_allocated_within_a_week(built, summary):
    assert "share_allocated_without_wait" not in summary
    page = parse(built.html)
    share = summary["share_allocated_within_7_days"]["mean"]
    assert page.headline["share_allocated_within_7_days"]["mean"] == report.format_figure(share, "percent")


def test_the_report_level_changes_read_the_timeline_as_caseplan_run_does(tmp_path):
    # a demand surge takes the one team to levels 3 and 4, whose plan asks to borrow and for agency staff
    surge = {"shocks": [{"kind": "step", "start_week": 60, "weeks": 40, "factor": 2.0}]}
    run_dir = make_run(tmp_path / "surge", 1, meta={"horizon_weeks": 130, "warmup_weeks": 50}, demand=surge)
    run = report.read_run(run_dir)
    table = report.build_report(run).tables["level_changes"]
    expected = level_changes(run.timeline)
    assert len(table) > 3 and list(table["week"]) == list(expected["week"])
    for column in ("actions_started", "actions_ended", "actions_not_started"):
        assert list(table[column]) == list(expected[column]), column
    assert not table["actions_ended"].str.contains("borrow").any()  # one team: nobody to borrow from
    assert table["actions_not_started"].str.contains("borrow@3").any()
    assert table["actions_started"].str.contains(r"agency@\d \(week \d+\)").any()  # after its lead time
