"""Hostile inputs of issue 14, one test group per class: each is refused with exit code 2, one ``error:``
line naming the file and the field, nothing written and no traceback (the classes that a plain bad file
shows are in tests/data/bad and tests/data/bad_csv; these need a generated file, a device, a FIFO, a
second process or the app's reader)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml
from typer.testing import CliRunner

import simulator.work as work
from batch.grid import MAX_GRID_SCENARIOS, MAX_RANGE_VALUES
from batch.lock import LOCK_NAME
from caseplan.cli import app
from caseplan.csv_output import csv_text, neutralise
from caseplan.explorer.parameters import scenario_from_text
from simulator.scenario import ScenarioError
from simulator.scenario.loader import MAX_FILE_BYTES, MAX_NESTING_DEPTH
from simulator.text_input import excerpt
from tests.batch import write_grid
from tests.support import BASELINE, ROOT

runner = CliRunner()
EXAMPLES = ROOT / "scenarios" / "examples"
FROM_SNAPSHOT = ROOT / "scenarios" / "from_snapshot.yaml"
SHORT_META = {"horizon_weeks": 30, "warmup_weeks": 8}


def one_error(result, out: Path | None = None) -> str:
    """The one ``error:`` line of a refused command (exit 2, no traceback, ``out`` not created)."""
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception), result.exception  # only SystemExit(2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[:2000]
    assert "Traceback" not in result.output
    if out is not None:
        assert not out.exists(), "bad input must not create the output"
    return lines[0]


def scenario_file(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ 1-2: dates and nesting (the YAML reader)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meta: " + "[" * 100_000 + "]" * 100_000, "values nested more than 40 levels deep at line 2"),
        ("meta: " + "{a: " * 30_000 + "1" + "}" * 30_000, "values nested more than 40 levels deep at line 2"),
        ("meta: {start: 2026-02-30}", "meta.start: must be a valid date or datetime, day value is outside"),
    ],
    ids=["100k_brackets", "30k_mappings", "impossible_date"],
)
def test_the_yaml_reader_refuses_deep_nesting_and_impossible_dates(tmp_path, text, expected):
    path = scenario_file(tmp_path, "s.yaml", f"extends: {BASELINE}\n{text}\n")
    assert path.stat().st_size < MAX_FILE_BYTES
    out = tmp_path / "out"
    assert expected in one_error(runner.invoke(app, ["run", str(path), "--out", str(out)]), out)


def test_nesting_up_to_the_limit_is_read(tmp_path):
    depth = MAX_NESTING_DEPTH - 2  # the document mapping and the 'meta' mapping count too
    path = scenario_file(
        tmp_path, "s.yaml", f"extends: {BASELINE}\nmeta: {{description: {'[' * depth}{']' * depth}}}\n"
    )
    assert "must be a valid string" in one_error(runner.invoke(app, ["validate", str(path)]))


# ---------------------------------------------------------------------------- 3: files that are not files


needs_devices = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero (POSIX)")
NOT_REGULAR = "is not a regular file (a device, pipe or socket)"


@needs_devices
@pytest.mark.parametrize(
    "args",
    [
        ["run", "/dev/zero"],
        ["validate", "/dev/zero"],
        ["batch", "/dev/zero"],
        [
            "allocate",
            "--workers",
            "/dev/zero",
            "--cases",
            str(EXAMPLES / "team_cases.csv"),
            "--date",
            "2026-11-02",
        ],
        [
            "allocate",
            "--workers",
            str(EXAMPLES / "team_workers.csv"),
            "--cases",
            "/dev/zero",
            "--date",
            "2026-11-02",
        ],
    ],
    ids=["run", "validate", "batch", "allocate_workers", "allocate_cases"],
)
def test_a_device_is_refused_before_it_is_read(tmp_path, args):
    out = tmp_path / "out"
    extra = [] if args[0] == "validate" else ["--out", str(out)]
    line = one_error(runner.invoke(app, [*args, *extra]), out)
    assert line.startswith("error: /dev/zero: " + NOT_REGULAR), line


@needs_devices
def test_a_snapshot_naming_a_device_is_refused(tmp_path):
    # /dev/zero reports 0 bytes and never ends: only a regular file is read
    path = scenario_file(tmp_path, "s.yaml", f"extends: {FROM_SNAPSHOT}\nteam: {{snapshot: {{workers: /dev/zero, "
                         f"cases: {EXAMPLES / 'team_cases.csv'}}}}}\n")  # fmt: skip
    line = one_error(runner.invoke(app, ["validate", str(path)]))
    # the scenario file and its field lead, then the file itself
    assert line == f"error: {path}: team.snapshot.workers: /dev/zero: {NOT_REGULAR}; give a snapshot file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "caseplan", "run", str(fifo), "--out", str(out)],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"error: {fifo}: {NOT_REGULAR}; give a scenario file\n"
    assert not out.exists()


# ------------------------------------------------------------------------ 4 and 6: grids and large work


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"start": 0, "stop": 1e300, "step": 1e-300},
            "the range gives too many values (allowed: at most 10,000)",
        ),
        (
            {"start": float("nan"), "stop": 1, "step": 1},
            "referrals_per_week.start: must be a finite number (got nan)",
        ),
        ({"start": 1, "stop": 1e6, "step": 1}, "the range gives 1e+06 values (allowed: at most 10,000)"),
        (
            {"start": 1, "stop": float("inf"), "step": 1},
            "referrals_per_week.stop: must be a finite number (got inf)",
        ),
    ],
    ids=["overflow", "nan", "million", "infinite"],
)
def test_a_range_is_checked_before_it_is_listed(tmp_path, values, expected):
    grid = write_grid(tmp_path, parameters={"demand.referrals_per_week": values}, replications=1)
    out = tmp_path / "out"
    line = one_error(runner.invoke(app, ["batch", str(grid), "--out", str(out)]), out)
    assert f"{grid}: parameters.demand.referrals_per_week" in line and expected in line, line


def test_a_product_of_a_million_points_is_refused_with_its_size(tmp_path):
    seeds = {"start": 1, "stop": MAX_RANGE_VALUES, "step": 1}
    grid = write_grid(tmp_path, parameters={"meta.seed": seeds, "demand.referrals_per_week": [float(v) for v in range(1, 101)]},
                      replications=1)  # fmt: skip
    out = tmp_path / "out"
    line = one_error(runner.invoke(app, ["batch", str(grid), "--out", str(out)]), out)
    assert (
        f"{grid}: parameters: the grid expands to 1,000,001 scenarios (about 50,000 MB and 5,000 s to prepare "
        f"them); the limit is {MAX_GRID_SCENARIOS:,} — pass --confirm-large to expand it anyway"
    ) in line


def test_a_hundred_thousand_replications_are_refused_with_the_estimate(tmp_path):
    grid = write_grid(tmp_path, parameters={"meta.seed": list(range(10))}, replications=100_000, overrides={})
    out = tmp_path / "out"
    line = one_error(runner.invoke(app, ["batch", str(grid), "--out", str(out)]), out)
    assert f"{grid}: 1,100,000 run(s) estimated at" in line
    assert "simulated case- and worker-weeks" in line and "pass --confirm-large to run it anyway" in line


def test_a_huge_run_is_refused_with_the_estimate(tmp_path):
    path = scenario_file(tmp_path, "huge.yaml", f"extends: {BASELINE}\nmeta: {{horizon_weeks: 10400}}\n"
                         "demand: {referrals_per_week: 100000}\n")  # fmt: skip
    out = tmp_path / "out"
    line = one_error(runner.invoke(app, ["run", str(path), "--out", str(out)]), out)
    assert line.startswith(f"error: {path}: 1 run(s) estimated at 4.9") and "about 2 days on one core" in line


def test_confirm_large_goes_ahead(tmp_path, monkeypatch):
    monkeypatch.setattr(work, "MAX_WORK", 1_000)  # the short run below is above this limit
    path = scenario_file(
        tmp_path,
        "s.yaml",
        f"extends: {BASELINE}\nmeta: {yaml.safe_dump(SHORT_META, default_flow_style=True)}",
    )
    out = tmp_path / "out"
    assert "pass --confirm-large" in one_error(runner.invoke(app, ["run", str(path), "--out", str(out)]), out)
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "--confirm-large"])
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").exists()


def test_the_estimate_is_close_to_the_simulated_work_of_the_baseline():
    from simulator.run import run_replication
    from simulator.scenario import load_scenario

    scenario = load_scenario(BASELINE)  # five years
    weekly = run_replication(scenario, 0).weekly
    simulated = weekly["open_cases"].sum() + sum(g.count for g in scenario.team.workers) * 260
    assert 1.0 < work.run_units(scenario) / simulated < 1.5  # errs high: episodes cut short by the run


# ------------------------------------------------------------------------- 7: the default output folder


@pytest.mark.parametrize("name", ["../../../x", "/tmp/abs", "..", ".hidden"])
def test_the_default_output_folder_stays_inside_runs(tmp_path, monkeypatch, name):
    work_dir = tmp_path / "a" / "b" / "c"
    work_dir.mkdir(parents=True)
    monkeypatch.chdir(work_dir)
    meta = {**SHORT_META, "name": name}
    path = scenario_file(
        tmp_path, "s.yaml", f"extends: {BASELINE}\nmeta: {yaml.safe_dump(meta, default_flow_style=True)}"
    )
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("summary.json")]
    assert len(written) == 1 and written[0].parent.parent == work_dir / "runs", written


# --------------------------------------------------------------------------- 8 and 10: privacy, messages


def test_a_file_that_is_not_a_snapshot_is_not_quoted(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$salt$hash:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n", encoding="utf-8")
    path = scenario_file(tmp_path, "s.yaml", f"extends: {FROM_SNAPSHOT}\nteam: {{snapshot: {{workers: {secret}, "
                         f"cases: {EXAMPLES / 'team_cases.csv'}}}}}\n")  # fmt: skip
    line = one_error(runner.invoke(app, ["validate", str(path)]))
    assert line == (f"error: {path}: team.snapshot.workers: {secret}: row 1: none of the expected columns; "
                    "is this the right file? (expected columns: id, role, fte, start_date, skills, team)")  # fmt: skip


def test_a_5_mb_cell_gives_one_short_line(tmp_path):
    rows = (EXAMPLES / "team_workers.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("W01", "W01" + "x" * 5_000_000, 1)
    workers = tmp_path / "workers.csv"
    workers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    result = runner.invoke(app, ["allocate", "--workers", str(workers), "--cases", str(EXAMPLES / "team_cases.csv"),
                                 "--date", "2026-11-02", "--out", str(out)])  # fmt: skip
    line = one_error(result, out)
    assert (
        line
        == f"error: {workers}: row 2, column id: the value is 5,000,003 characters long (allowed: at most 200)"
    )


def test_an_excerpt_never_builds_or_shows_a_whole_value():
    assert excerpt("x" * 5_000_000) == "'" + "x" * 56 + "..."
    assert excerpt("short") == "'short'"
    assert excerpt("abc", quoted=False) == "abc"


# ------------------------------------------------------------------------------ 9: formula injection


@pytest.mark.parametrize(
    ("cell", "written"),
    [("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM"),
     ("-0.5", "-0.5"), ("north", "north"), (3.5, 3.5)],
)  # fmt: skip
def test_formula_cells_are_neutralised_and_numbers_kept(cell, written):
    value = neutralise(cell)
    assert value.startswith(written) if isinstance(written, str) else value == written


def test_every_report_csv_neutralises_names_from_the_scenario(tmp_path):
    levels = [
        {
            "level": 2,
            "name": "+1+2",
            "when": {"unallocated": 1},
            "actions": [{"kind": "overtime", "hours_per_week": 10}],
        }
    ]
    workers = [{"count": 6, "team": '=HYPERLINK("http://x","team")'}, {"count": 1, "role": "team_manager",
                "team": '=HYPERLINK("http://x","team")', "supervises": True}]  # fmt: skip
    data = {"extends": str(BASELINE), "meta": {"horizon_weeks": 40, "warmup_weeks": 4},
            "team": {"workers": workers}, "demand": {"referrals_per_week": 8.0}, "contingency": {"levels": levels}}  # fmt: skip
    path = scenario_file(tmp_path, "s.yaml", yaml.safe_dump(data))
    run_dir = tmp_path / "run"
    assert runner.invoke(app, ["run", str(path), "--out", str(run_dir)]).exit_code == 0
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    written = sorted(run_dir.glob("report_*.csv"))
    assert written
    cells = [
        cell for p in written for cell in pd.read_csv(p, dtype=str, keep_default_na=False).to_numpy().ravel()
    ]
    assert any("HYPERLINK" in c for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c.startswith("-") and not _number(c))]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_download_csv_is_neutralised():
    assert csv_text(pd.DataFrame({"team": ["=1+1"], "n": [-1]})) == "team,n\n'=1+1,-1\n"


# ---------------------------------------------------------------------- 11: one batch at a time in --out


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from batch.lock import batch_lock
    with batch_lock(Path(sys.argv[1]), "batch 'first' (started 2026-01-01T00:00:00+00:00)"):
        print("locked", flush=True)
        time.sleep(120)
    """
)


def test_a_second_batch_into_the_same_out_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        grid = write_grid(tmp_path, replications=1)
        line = one_error(runner.invoke(app, ["batch", str(grid), "--out", str(out)]))
        assert line.startswith(f"error: {out} is in use by batch 'first' (started 2026-01-01T00:00:00+00:00) "
                               f"(process {holder.pid} on ")  # fmt: skip
        assert line.endswith("; wait for it to finish or choose another --out")
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written
    finally:
        holder.kill()
        holder.wait()
    result = runner.invoke(app, ["batch", str(grid), "--out", str(out)])  # the lock ends with its process
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").exists()


# --------------------------------------------------------------------------- 12: the app's upload reader


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (alias_bomb(8), "mine.yaml: YAML aliases expand to more than 200,000 values (an alias bomb?)"),
        (
            BASELINE.read_text(encoding="utf-8").replace("start: 2026-04-01", "start: 2026-02-30", 1),
            "mine.yaml: meta.start: must be a valid date or datetime",
        ),
        (
            "meta: " + "[" * 100_000 + "]" * 100_000 + "\n",
            "mine.yaml: values nested more than 40 levels deep",
        ),
        (
            b"meta: {name: caf\xe9}\n",
            "mine.yaml: the file is not UTF-8 text (byte 0xe9 at line 1, column 17)",
        ),
        (
            "x: " + "y" * (MAX_FILE_BYTES + 1),
            "mine.yaml: the file is 2,000,004 bytes; a scenario file may be at most",
        ),
        (f"extends: {BASELINE}\n", "mine.yaml: extends: an uploaded file cannot extend another"),
        (
            "team: {snapshot: {workers: /etc/passwd, cases: /etc/group}}\ncase_types: {}\n",
            "mine.yaml: team.snapshot: an uploaded scenario cannot name files on the server",
        ),
    ],
    ids=["alias_bomb", "impossible_date", "deep", "not_utf8", "oversize", "extends", "server_files"],
)
def test_an_upload_goes_through_the_command_lines_reader(text, expected):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, "mine.yaml")
    assert len(caught.value.messages) == 1 and caught.value.messages[0].startswith(expected), (
        caught.value.messages
    )


# ------------------------------------------------------------------- 13: `caseplan app` ends its server


PARENT = textwrap.dedent(
    """
    import sys
    from caseplan.child_process import run_child
    sys.exit(run_child([sys.executable, "-c", "import time; print('child', flush=True); time.sleep(120)"]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
def test_sigterm_to_the_parent_ends_the_child(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert parent.stdout.readline().strip() == "child"
        (child,) = psutil.Process(parent.pid).children()
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=60) == 128 + signal.SIGTERM
        gone, alive = psutil.wait_procs([child], timeout=60)
        assert not alive, "the child outlived its parent"
    finally:
        parent.kill()
        parent.wait()


def test_caseplan_app_runs_its_server_as_a_child_that_ends_with_it(monkeypatch):
    import caseplan.child_process as child_process

    seen = {}

    def fake_run_child(command):
        seen["command"] = command
        return 143

    monkeypatch.setattr(child_process, "run_child", fake_run_child)
    result = runner.invoke(app, ["app", "--port", "8765"])
    assert result.exit_code == 143
    assert seen["command"][1:4] == ["-m", "streamlit", "run"] and "8765" in seen["command"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["queue-check", "--mean-duration", "inf"], "--mean-duration"),
        (["replications", str(BASELINE), "--half-width", "inf"], "--half-width"),
        (["replications", str(BASELINE), "--half-width", "nan"], "--half-width"),
    ],
)
def test_a_number_option_that_is_not_finite_is_one_error_line(args, option):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    line = one_error(result)
    assert line.startswith(f"error: invalid value for '{option}': ") and "Traceback" not in result.output
