"""The terminal reads like a finished product (issue 18): help pages without ``<bool>`` or ``{scenario}``,
one-line errors with suggestions, tables that wrap between words at 80 columns, a level-change summary."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from caseplan import cli
from caseplan.cli import app
from simulator.run import run_replication
from tests.support import variant

runner = CliRunner()
SCENARIOS = cli.SHIPPED_SCENARIOS


@pytest.mark.parametrize("command", [[], ["run"], ["report"], ["explain"], ["queue-check"], ["compare"]])
def test_help_shows_no_bool_type_and_no_braces(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output and "{" not in result.output
    assert "--help" in result.output


def test_run_help_names_the_argument_in_capitals():
    result = runner.invoke(app, ["run", "--help"], terminal_width=80)
    assert "run [OPTIONS] SCENARIO" in result.output


def test_a_value_out_of_range_is_one_error_line_with_exit_2(tmp_path):
    result = runner.invoke(
        app, ["run", str(SCENARIOS / "baseline.yaml"), "--reps", "0", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("error: invalid value for '--reps'") and len(result.stderr.splitlines()) == 1
    )
    assert "╭" not in result.stderr and not (tmp_path / "o").exists()


def test_a_mistyped_command_is_one_error_line_with_a_suggestion():
    result = runner.invoke(app, ["rn"])
    assert result.exit_code == 2 and result.stderr.startswith("error: no such command 'rn'")
    assert "Did you mean 'run'?" in result.stderr


def test_a_missing_scenario_file_suggests_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "baselin.yaml"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "baselin.yaml: file not found; did you mean" in result.stderr
    assert "baseline.yaml?" in result.stderr and "referral_surge" in result.stderr


def test_a_copied_scenario_that_extends_a_shipped_one_says_how_to_name_it(tmp_path):
    copy = tmp_path / "surge.yaml"
    shutil.copy(SCENARIOS / "referral_surge.yaml", copy)
    assert yaml.safe_load(copy.read_text())["extends"] == "baseline.yaml"
    result = runner.invoke(app, ["validate", str(copy)])
    assert result.exit_code == 2
    assert "baseline.yaml is a shipped scenario: name it by its path" in result.stderr
    assert str(SCENARIOS / "baseline.yaml") in result.stderr


def test_a_mistyped_metric_gets_did_you_mean():
    base = str(SCENARIOS / "baseline.yaml")
    result = runner.invoke(app, ["explain", base, base, "--metric", "unalocated_cases"])
    assert result.exit_code == 2 and "did you mean 'unallocated_cases'?" in result.stderr


BORDERS = "│┃━─┏┓┗┛┡┩└┘┳┻╇╋┴┬┼├┤╭╮╰╯"


def words(text: str) -> set[str]:
    return set(re.findall(rf"[^\s{BORDERS}]+", text))


def printed_at(width: int, monkeypatch, draw) -> str:
    """What ``draw()`` prints on a terminal ``width`` columns wide."""
    monkeypatch.setattr(cli, "out", cli.Console(width=width, record=True, force_terminal=False))
    draw()
    return cli.out.export_text()


def assert_words_whole(draw, monkeypatch) -> str:
    """At 80 columns every word printed is a word of the 250-column output: none is cut in two."""
    narrow, wide = printed_at(80, monkeypatch, draw), printed_at(250, monkeypatch, draw)
    assert words(narrow) - words(wide) == set(), sorted(words(narrow) - words(wide))[:10]
    return narrow


def test_the_level_changes_wrap_between_words_at_80_columns_and_end_with_a_summary(monkeypatch):
    scenario = variant(meta={"horizon_weeks": 120, "warmup_weeks": 4}, demand={"referrals_per_week": 9.0})
    timeline = run_replication(scenario, 0).timeline
    printed = assert_words_whole(lambda: cli._print_level_changes(scenario, timeline), monkeypatch)
    assert "unallocated_over" not in printed and "escalate:" in printed
    assert re.search(r"team-1: \d+ level changes in replication 0; went up to level \d", printed)


def test_the_run_summary_uses_plain_labels_with_units(monkeypatch):
    from simulator.run import run_scenario

    scenario = variant(meta={"horizon_weeks": 30, "warmup_weeks": 4})
    summary = run_scenario(scenario, 2).summary()
    printed = assert_words_whole(lambda: cli._print_summary(scenario, summary, 2), monkeypatch)
    assert "days a case waits for a worker" in printed and "avg_caseload_per_fte" not in printed
    assert re.search(r"\d \(\d[\d.,]*–\d[\d.,]*\) cases", printed)  # mean (low–high) unit
