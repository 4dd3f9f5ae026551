"""``caseplan plan``: a plan file on the M/M/c scenario, its outputs, and the refusals of bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from caseplan.cli import app
from simulator.queueing import mmc_scenario
from simulator.scenario import scenario_to_yaml

runner = CliRunner()


@pytest.fixture
def mmc_file(tmp_path):
    path = tmp_path / "mmc.yaml"
    path.write_text(scenario_to_yaml(mmc_scenario(4.0, 1.0, 5, 200, 20, seed=3)))
    return path


def _plan_file(tmp_path, body: str):
    path = tmp_path / "plan.yaml"
    path.write_text(body)
    return path


GOOD_PLAN = """scenario: mmc.yaml
vary: team.workers.0.count=5..9
targets: ["mean_wait_to_allocation_days<=0.56", "unallocated_cases<=5"]
replications: {initial: 4, step: 4, cap: 12, verification: 8}
"""


def test_a_plan_file_writes_plan_json_and_candidates_and_prints_the_answer(tmp_path, mmc_file):
    out = tmp_path / "out"
    plan = _plan_file(tmp_path, GOOD_PLAN)
    result = runner.invoke(app, ["plan", str(plan), "--out", str(out), "--executor", "serial"],
                           env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads((out / "plan.json").read_text())
    assert written["recommended"] == {"team.workers.0.count": 7}
    assert written["verification"][-1]["first_replication"] == 1_000_000
    assert written["one_fewer"]["level"] == 6
    assert written["runs"] == sum(c["replications"] for c in written["candidates"] + written["verification"])
    table = pd.read_parquet(out / "candidates.parquet")
    assert set(table["target"]) == {"mean_wait_to_allocation_days<=0.56", "unallocated_cases<=5"}
    assert set(table["phase"]) == {"search", "verification"}
    assert "7 (team.workers.0.count): every target met with 95% confidence" in result.output
    assert "with 6, days a case waits for a worker (mean) is" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            GOOD_PLAN.replace("targets:", "target:"),
            "plan.yaml: target: unknown key 'target'; did you mean 'targets'?",
        ),
        (GOOD_PLAN.replace("<=0.56", "<0.56"), "plan.yaml: targets: Value error, 'mean_wait"),
        (GOOD_PLAN.replace("mean_wait_to_allocation_days", "mean_wait_days"), "did you mean"),
        (GOOD_PLAN.replace("5..9", "9..5"), "plan.yaml: vary: "),
        (GOOD_PLAN.replace("cap: 12", "cap: 2"), "plan.yaml: replications: "),
        (GOOD_PLAN.replace("workers.0.count", "workers.3.count"), "give an index 0 to 0"),
        (GOOD_PLAN.replace("workers.0.count=5", "workers.0.count=0"), "1 ≤ LO ≤ HI"),
        (GOOD_PLAN.replace("mmc.yaml", "missing.yaml"), "missing.yaml"),
    ],
)
def test_a_bad_plan_file_gets_one_error_line_exit_2_and_nothing_written(tmp_path, mmc_file, body, message):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["plan", str(_plan_file(tmp_path, body)), "--out", str(out), "--executor", "serial"]
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message.replace("Value error, ", "") in " ".join(result.output.split()), (
        result.output
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--vary", "team.workers.0.count=5..9"], "at least one --target"),
        (["--vary", "team.workers.0.count", "--target", "unallocated_cases<=5"], "--vary: "),
        (["--vary", "team.workers.0.count=5..9", "--target", "unallocated<=5"], "--target: "),
        (
            [
                "--vary",
                "team.workers.0.count=5..9",
                "--target",
                "unallocated_cases<=5",
                "--executor",
                "threads",
            ],
            "unknown executor 'threads'",
        ),
        (
            ["--vary", "team.workers.0.count=5..9", "--target", "unallocated_cases<=5", "--max-reps", "3"],
            "--max-reps: ",
        ),
    ],
)
def test_bad_options_get_one_error_line(tmp_path, mmc_file, options, message):
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(mmc_file), *options, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and message in result.output, result.output
    assert not out.exists()
