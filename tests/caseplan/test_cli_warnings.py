"""Warnings through the CLI: printed on stderr as 'warning: <file>: <dotted.path>: ...', exit code 0."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from caseplan.cli import app
from tests.support import BASELINE

runner = CliRunner()

UNREACHABLE = """\
# agency_rate is a share: 20 means 2000%, so level 2 can never be entered
contingency:
  levels:
    - {level: 2, when: {agency_rate: 20, unallocated: 5}}
"""


def scenario_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"extends: {BASELINE}\n{body}", encoding="utf-8")
    return path


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_validate_warns_about_an_unreachable_threshold_and_succeeds(tmp_path):
    path = scenario_file(tmp_path, UNREACHABLE)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid scenario 'baseline'" in " ".join(result.stdout.split())  # stdout may wrap a long path
    assert "warning" not in result.stdout
    [line] = warning_lines(result.stderr)
    assert line.startswith(f"warning: {path}: contingency.levels.0.when.agency_rate: ")
    assert "can never be met" in line and "write 0.2, not 20" in line
    assert "error" not in result.stderr and "Traceback" not in result.stderr


def test_every_warning_gets_its_own_line(tmp_path):
    body = "supervision: {track: false}\n" + UNREACHABLE.replace("unallocated: 5", "supervision_missed: 1")
    path = scenario_file(tmp_path, body)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = warning_lines(result.stderr)
    assert [line.split(": ")[2] for line in lines] == [
        "contingency.levels.0.when.agency_rate",
        "contingency.levels.0.when.supervision_missed",
    ]
    assert all(line.startswith(f"warning: {path}: ") for line in lines)


def test_the_baseline_validates_without_warnings():
    result = runner.invoke(app, ["validate", str(BASELINE)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_an_invalid_file_gets_errors_and_no_warnings(tmp_path):
    path = scenario_file(tmp_path, UNREACHABLE + "cpd: {share: 0.85}\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and not warning_lines(result.stderr)
