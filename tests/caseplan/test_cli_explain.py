"""``caseplan explain``: the tables and paragraph it prints, its CSV and its refusals."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from caseplan.cli import app
from tests.support import BASELINE

runner = CliRunner()


def _pair(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(f"extends: {BASELINE}\nmeta: {{name: short, horizon_weeks: 40, warmup_weeks: 8}}\n")
    b = tmp_path / "b.yaml"
    b.write_text(f"extends: {a}\nmeta: {{name: busier}}\ndemand: {{referrals_per_week: 6.5}}\n")
    return a, b


def test_explain_prints_outcomes_plan_off_mechanisms_and_a_paragraph(tmp_path):
    a, b = _pair(tmp_path)
    out = tmp_path / "explain.csv"
    result = runner.invoke(
        app, ["explain", str(a), str(b), "--reps", "3", "--executor", "serial", "--out", str(out)],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.output
    assert "busier compared with short: 3 paired replications" in text
    assert "rough intervals" in text  # fewer than 10 replications are marked
    for title in ("Outcomes, with the contingency plan", "plan switched off", "Mechanisms, with the plan"):
        assert title in text
    assert "referrals (new and re-referrals)" in text
    assert "- Beyond noise, busier has" in text or "no outcome of busier differs" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    table = pd.read_csv(out)
    assert set(table["section"]) == {"outcome", "mechanism"}
    assert "unallocated_cases" in set(table["name"])


def test_an_unknown_metric_is_one_error_line_and_nothing_runs(tmp_path):
    a, b = _pair(tmp_path)
    result = runner.invoke(app, ["explain", str(a), str(b), "--metric", "unalocated_cases"])
    assert result.exit_code == 2
    assert "error: --metric: unknown figure(s) unalocated_cases" in result.output


def test_a_bad_scenario_is_refused_before_anything_runs(tmp_path):
    a, _ = _pair(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\ncapacity: {{non_case_shar: 0.1}}\n")
    result = runner.invoke(app, ["explain", str(a), str(bad)])
    assert result.exit_code == 2
    assert "non_case_shar" in result.output and "Traceback" not in result.output
