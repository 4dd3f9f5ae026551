"""The bare-simpy M/M/c loop of the benchmarks is a real M/M/c queue: its mean wait matches Erlang C."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from simulator.queueing import ErlangC

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run_benchmarks.py"


def _load_benchmarks():
    """benchmarks/ is not a package: load the script as a module by path."""
    spec = importlib.util.spec_from_file_location("caseplan_run_benchmarks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bare_simpy_mmc_mean_wait_matches_erlang_c():
    bench = _load_benchmarks()
    arrival_rate, mean_duration, servers, weeks = 2.4, 1.0, 3, 40_000  # rates per week
    days = bench.DAYS_PER_WEEK
    run = bench.bare_simpy_mmc(arrival_rate / days, mean_duration * days, servers, weeks * days, seed=1)
    simulated = run["mean_wait"] / days  # weeks
    theory = ErlangC(arrival_rate, mean_duration, servers).mean_wait
    assert run["served"] > 0.95 * arrival_rate * weeks
    assert abs(simulated - theory) <= 0.15 * theory, (simulated, theory)


def test_the_weekly_split_adds_up_and_puts_end_week_back():
    from simulator.metrics import RunMetrics

    bench = _load_benchmarks()
    before = RunMetrics.end_week
    split = bench.weekly_split(weeks=200, seed=1)
    assert RunMetrics.end_week is before
    assert 0 < split["weekly_rows_seconds"] < split["seconds"]
    assert split["weekly_rows_seconds"] + split["cases_seconds"] == split["seconds"]
    assert split["weekly_rows_us_per_team_week"] == split["weekly_rows_seconds"] / 200 * 1e6


def _load_allocation_benchmark():
    path = SCRIPT.parent / "allocation_benchmark.py"
    spec = importlib.util.spec_from_file_location("caseplan_allocation_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_allocation_benchmark_reports_solvers_heuristics_and_the_simulation(tmp_path):
    import json

    bench = _load_allocation_benchmark()
    out = tmp_path / "allocation.json"
    argv = ["--sizes", "24x6", "--sim-weeks", "30", "--sim-fte", "12", "--repeat", "1", "--out", str(out)]
    assert bench.main(argv) == 0
    report = json.loads(out.read_text())
    (meeting,) = report["meetings"]
    rows = {r["policy"]: r for r in meeting["rows"]}
    assert set(rows) == {
        "milp highs, from the heuristic", "milp highs, from scratch", "milp cbc, from the heuristic",
        "milp cbc, from scratch", "least_loaded", "round_robin", "points_threshold",
    }  # fmt: skip
    assert all(r["hard_rules_hold"] for r in rows.values())
    best_heuristic = max(rows[h]["objective"] for h in ("least_loaded", "round_robin", "points_threshold"))
    for solver in ("highs", "cbc"):  # the incumbent guarantee, read from the report
        assert rows[f"milp {solver}, from the heuristic"]["objective"] >= best_heuristic - 1e-6
    assert all(r["cpu_seconds"] >= 0 for r in rows.values())
    (simulation,) = report["simulations"]
    assert simulation["fte"] == 12 and simulation["meetings"] > 0
    assert 0 <= simulation["skipped"] <= simulation["meetings"]
    assert simulation["ratio"] == simulation["milp_cpu"] / simulation["least_loaded_cpu"]
