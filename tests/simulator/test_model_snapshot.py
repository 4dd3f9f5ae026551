"""Starting a run from a snapshot of a real team (issue 6): the loader reads the CSVs, the model seeds them."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from caseplan.cli import app
from simulator.distributions import residual, sampler
from simulator.model import ServiceModel
from simulator.rng import Stream
from simulator.run import run_replication
from simulator.scenario import load_scenario
from simulator.scenario.durations import Exponential
from tests.support import ROOT

SCENARIO = ROOT / "scenarios" / "from_snapshot.yaml"
EXAMPLES = ROOT / "scenarios" / "examples"
BAD = ROOT / "tests" / "data" / "bad_csv"
BAD_FILES = sorted(p for p in BAD.glob("*.csv") if not p.stem.startswith("good"))


def test_the_loader_reads_workers_and_open_cases_from_the_csvs():
    scenario = load_scenario(SCENARIO)
    workers = pd.read_csv(EXAMPLES / "team_workers.csv")
    cases = pd.read_csv(EXAMPLES / "team_cases.csv", dtype=str, keep_default_na=False)
    assert [g.id for g in scenario.team.workers] == list(workers.id)
    assert [c.id for c in scenario.team.open_cases] == list(cases.id)
    assert all(g.count == 1 for g in scenario.team.workers)


def test_the_run_starts_exactly_as_the_snapshot_stands():
    scenario = load_scenario(SCENARIO)
    model = ServiceModel(scenario, 0)
    model.run(until_day=0.0)  # day 0: the snapshot in place, nothing has happened yet
    cases = pd.read_csv(EXAMPLES / "team_cases.csv", dtype=str, keep_default_na=False)
    expected = {row.id: row.worker_id or None for row in cases.itertuples()}
    held = {c.id: w.id for w in model.workers for c in w.cases}
    waiting = {c.id for team in model.teams.values() for c in team.waiting}
    assert {w.id for w in model.workers} == set(pd.read_csv(EXAMPLES / "team_workers.csv").id)
    assert held == {cid: wid for cid, wid in expected.items() if wid}
    assert waiting == {cid for cid, wid in expected.items() if not wid}
    for worker in model.workers:  # loads are the held cases' weights, taken at each case's age
        assert worker.load == pytest.approx(sum(c.weight for c in worker.cases))


def test_a_snapshot_run_has_a_full_team_from_week_0_and_writes_its_outputs(tmp_path):
    result = run_replication(load_scenario(SCENARIO), 0)
    first = result.weekly.iloc[0]
    assert first.cases_held >= 115 and first.open_cases >= 129
    assert result.figures["avg_caseload_per_fte"] > 10  # no empty warm-up to wait for


def test_a_waiting_snapshot_case_has_waited_since_it_opened():
    scenario = load_scenario(SCENARIO)
    model = ServiceModel(scenario, 0)
    model.run(until_day=0.0)
    start = scenario.meta.start
    opened = {c.id: (c.opened - start).days for c in scenario.team.open_cases}
    for team in model.teams.values():
        for case in team.waiting:
            assert case.queued_at == opened[case.id] <= 0


def test_with_continuous_allocation_unheld_snapshot_cases_are_allocated_at_once_with_their_age_as_wait():
    """A snapshot case that waits goes to a worker on day 0 when meetings are continuous; its wait
    counts from the day it opened (this once crashed: the case was taken before its waiting time was set)."""
    scenario = load_scenario(
        SCENARIO, {"allocation": {"meetings": {"urgent_every_days": 0, "other_every_days": 0}}}
    )
    model = ServiceModel(scenario, 0)
    model.run(until_day=0.0)
    start = scenario.meta.start
    unheld = {c.id: (c.opened - start).days for c in scenario.team.open_cases if not c.worker_id}
    taken = {c.id: c for w in model.workers for c in w.cases if c.id in unheld}
    assert taken  # some found room at once
    for case_id, case in taken.items():
        assert case.queued_at == unheld[case_id] <= 0
        assert case.allocated_at == 0.0


def test_remaining_durations_are_drawn_given_the_age_already_reached():
    draw = sampler(Exponential(kind="exponential", mean=10, unit="days"))
    stream = Stream(1, 0, "t")
    rest = [residual(draw, stream, age=25.0) for _ in range(4000)]
    assert min(rest) > 0
    assert sum(rest) / len(rest) == pytest.approx(10, rel=0.06)  # memoryless: the mean stays 10 days


def test_the_snapshot_date_must_be_the_runs_start(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {SCENARIO}\nteam:\n  snapshot: {{workers: {EXAMPLES / 'team_workers.csv'}, "
        f"cases: {EXAMPLES / 'team_cases.csv'}, as_of: 2026-10-01}}\n"
    )
    with pytest.raises(Exception, match="team.snapshot.as_of: 2026-10-01 must be meta.start"):
        load_scenario(path)


@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda p: p.stem)
def test_a_bad_snapshot_file_stops_caseplan_run_with_its_row_and_column(bad, tmp_path):
    workers = bad if bad.stem.startswith("workers_") else BAD / "good_workers.csv"
    cases = bad if bad.stem.startswith("cases_") else BAD / "good_cases.csv"
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {SCENARIO}\nteam:\n  snapshot: {{workers: '{workers}', cases: '{cases}'}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not out.exists()
    for line in bad.with_suffix(".expected").read_text(encoding="utf-8").splitlines():
        assert line in result.output
