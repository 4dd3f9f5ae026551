"""The CLI round trip on the shipped baseline and the queue check."""

import json

import pandas as pd
from typer.testing import CliRunner

from caseplan.cli import app
from tests.support import BASELINE

runner = CliRunner()


def test_run_writes_outputs_and_prints_summary(tmp_path):
    short = tmp_path / "short.yaml"
    short.write_text(f"extends: {BASELINE}\nmeta: {{horizon_weeks: 40, warmup_weeks: 8}}\n")
    result = runner.invoke(
        app, ["run", str(short), "--out", str(tmp_path / "out"), "--reps", "2", "--seed", "9"]
    )
    assert result.exit_code == 0, result.output
    assert "children per case-holding FTE" in result.output  # the figure's label, not its key
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["run"]["seed"] == 9 and summary["run"]["replications"] == 2
    assert len(pd.read_parquet(tmp_path / "out" / "weekly.parquet")) == 80


def test_queue_check_json_has_theory_beside_simulation():
    args = ["queue-check", "--arrival-rate", "1.5", "--mean-duration", "1", "--servers", "2",
            "--weeks", "600", "--warmup-weeks", "50", "--reps", "3", "--seed", "3", "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("mean_wait", "mean_queue_length", "p_wait", "utilisation", "mean_in_system"):
        assert set(data["simulated"][key]) >= {"mean", "ci_low", "ci_high"}
        assert key in data["theory"]
    assert data["theory"]["utilisation"] == 0.75


def test_queue_check_rejects_an_unstable_queue():
    result = runner.invoke(app, ["queue-check", "--arrival-rate", "5", "--servers", "2"])
    assert result.exit_code == 2
    assert "below 1" in result.output
