"""Bad scenario files through the CLI: exit 2, plain messages on stderr, no traceback, no output directory.

Every file in tests/data/bad runs in-process (CliRunner, fast); a few also run as a real subprocess so
the installed entry point, stderr encoding and exit code are checked end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caseplan.cli import app
from simulator.scenario import Scenario
from tests.support import BASELINE, ROOT

BAD = ROOT / "tests" / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
SUBPROCESS_CASES = ["unknown_key", "negative_fte", "extends_cycle", "alias_bomb", "not_utf8"]
SCHEMA_FILE = ROOT / "docs" / "scenario.schema.json"
REGENERATE = "python -m caseplan schema --out docs/scenario.schema.json"

runner = CliRunner()


def expected(path: Path) -> list[str]:
    lines = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert lines, f"{path.with_suffix('.expected')} lists no expected message"
    return lines


def check_rejected(code: int, stderr: str, path: Path, out: Path) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    for substring in expected(path):
        assert substring in stderr, f"{substring!r} not in stderr:\n{stderr}"
    assert stderr.startswith("error: ")
    assert not out.exists(), "bad input must not create the output directory"


def test_bad_inputs_are_present():
    assert len(BAD_FILES) >= 17


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_run_rejects_bad_file(path, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert not isinstance(result.exception, Exception), result.exception  # only SystemExit(2)
    check_rejected(result.exit_code, result.stderr, path, out)
    assert result.stdout == ""


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_validate_rejects_bad_file(path):
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert all(s in result.stderr for s in expected(path))


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_run_rejects_bad_file_in_a_subprocess(case, tmp_path):
    path, out = BAD / f"{case}.yaml", tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "caseplan", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=tmp_path,
        timeout=60,
    )
    check_rejected(proc.returncode, proc.stderr, path, out)
    assert proc.stdout == ""


def test_run_of_a_missing_file(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert result.exit_code == 2 and "nope.yaml: file not found" in result.stderr
    assert not out.exists()


def test_square_brackets_in_a_message_survive(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {BASELINE}\nmeta: {{seed: '[draft]'}}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "(got '[draft]')" in result.stderr


# ------------------------------------------------------------------------------- good input, schema


def test_validate_accepts_the_baseline_in_a_subprocess():
    proc = subprocess.run(
        [sys.executable, "-m", "caseplan", "validate", str(BASELINE)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "valid scenario 'baseline'" in proc.stdout
    assert proc.stderr == ""


def test_schema_prints_valid_json_schema(tmp_path):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema == Scenario.model_json_schema()
    assert schema["additionalProperties"] is False
    assert runner.invoke(app, ["schema", "--out", str(tmp_path / "s.json")]).exit_code == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == result.stdout


def test_published_schema_is_current():
    current = runner.invoke(app, ["schema"]).stdout
    published = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert published == current, (
        f"{SCHEMA_FILE.relative_to(ROOT)} is out of date with the scenario models; "
        f"regenerate it from the repository root with: {REGENERATE}"
    )
