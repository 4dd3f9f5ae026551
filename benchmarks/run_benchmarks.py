"""Performance benchmarks of DESIGN §12 (a report, not a test): ``python benchmarks/run_benchmarks.py``.

Rows, all measured in this one run on this machine:

(a) DES overhead: the same M/M/c queue run three ways — through the full model
    (``ServiceModel(mmc_scenario(...), 0).run()``), through a minimal bare-simpy loop (below) and through
    ciw — best of ``REPEATS`` wall times each, and the ratios full/bare (target ≤ 1.5×) and full/ciw
    (target < 1.0×). A further run times the full model's weekly rows apart from the rest, so the table
    also shows the cost per team-week of the weekly table and per case of everything else.
(b) The 12-FTE baseline (``scenarios/baseline.yaml``), 5 years, one replication via ``run_replication``:
    target < 1 s.
(c) The 400-FTE service (``scenarios/service_400fte.yaml``), 5 years, one replication in a subprocess
    (best of ``SERVICE_REPEATS``, each in a fresh interpreter): target < 20 s and peak RSS < 1 GiB.

A missed target prints FAIL but never changes the exit status. Results go to ``benchmarks/results/``
(``latest.json``; ``latest-quick.json`` with ``--quick``, a smoke run on short horizons).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SERVICE = ROOT / "scenarios" / "service_400fte.yaml"

DAYS_PER_WEEK = 7.0
REPEATS = 5
SERVICE_REPEATS = 3  # each a fresh interpreter of about 6 s

# The M/M/c queue of (a): rates per week, durations in weeks (the runs use days, 1 week = 7 days).
MMC_ARRIVAL_RATE = 2.4
MMC_MEAN_DURATION = 1.0
MMC_SERVERS = 3
MMC_WEEKS = 10_000  # the scenario schema caps meta.horizon_weeks at 10,400 (200 years)
MMC_SEED = 1

TARGETS = {
    "full_over_bare": 1.5,  # full model ≤ 1.5 × bare simpy
    "full_over_ciw": 1.0,  # full model faster than ciw
    "baseline_seconds": 1.0,
    "baseline_dynamics_ratio": 1.5,
    "service_dynamics_ratio": 1.5,
    "service_seconds": 20.0,
    "service_peak_rss_mib": 1024.0,
}


# ----------------------------------------------------------------------------------- M/M/c three ways


def bare_simpy_mmc(
    arrival_rate: float, mean_service: float, servers: int, horizon: float, seed: int = 0
) -> dict[str, float]:
    """A minimal M/M/c in bare simpy: one process per customer queueing for a ``simpy.Resource``.

    Rates and times in any one unit (the benchmark uses days). Returns the number of customers who
    started service before ``horizon`` and their mean wait (same unit), the baseline of the DES-overhead
    target.
    """
    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    waits: list[float] = []
    service_rate = 1.0 / mean_service

    def customer():
        arrived = env.now
        with desk.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(service_rate))

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(arrivals())
    env.run(until=horizon)
    return {"served": len(waits), "mean_wait": statistics.fmean(waits) if waits else math.nan}


def ciw_mmc(
    arrival_rate: float, mean_service: float, servers: int, horizon: float, seed: int = 0
) -> dict[str, float]:
    """The same M/M/c in ciw (3.x); returns the simulation so records can be read outside the timing."""
    import ciw

    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(arrival_rate)],
        service_distributions=[ciw.dists.Exponential(1.0 / mean_service)],
        number_of_servers=[servers],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    return {"simulation": simulation}


def model_mmc(weeks: int, seed: int) -> dict[str, Any]:
    """The M/M/c through the full model: scenario built by the schema, then one replication."""
    from simulator.model import ServiceModel
    from simulator.queueing import mmc_scenario

    scenario = mmc_scenario(MMC_ARRIVAL_RATE, MMC_MEAN_DURATION, MMC_SERVERS, weeks, 0, seed)
    return {"metrics": ServiceModel(scenario, 0).run()}


def weekly_split(weeks: int, seed: int) -> dict[str, float]:
    """One full-model run of the queue with its weekly rows timed apart (``RunMetrics.end_week``).

    Says where the full model's time goes: the weekly table (a fixed cost per team-week) or the cases.
    The timer adds two clock reads per week, so ``seconds`` here is a little above the plain run's.
    """
    from simulator.metrics import RunMetrics

    original, spent = RunMetrics.end_week, 0.0

    def timed(self, *args, **kwargs):
        nonlocal spent
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent += time.perf_counter() - start

    RunMetrics.end_week = timed
    try:
        start = time.perf_counter()
        waits = model_mmc(weeks, seed)["metrics"].waits
        total = time.perf_counter() - start
    finally:
        RunMetrics.end_week = original
    return {
        "seconds": total,
        "weekly_rows_seconds": spent,
        "weekly_rows_us_per_team_week": spent / weeks * 1e6,
        "cases_seconds": total - spent,
        "cases_us_per_case": (total - spent) / len(waits) * 1e6,
    }


def best_of(repeats: int, run: Callable[[], Any]) -> tuple[float, list[float], Any]:
    """Best wall time of ``repeats`` calls (time.perf_counter), all the times and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), times, result


def bench_mmc(weeks: int, repeats: int) -> dict[str, Any]:
    from simulator.queueing import ErlangC

    lam_day = MMC_ARRIVAL_RATE / DAYS_PER_WEEK
    service_days = MMC_MEAN_DURATION * DAYS_PER_WEEK
    horizon_days = weeks * DAYS_PER_WEEK

    full, full_times, full_out = best_of(repeats, lambda: model_mmc(weeks, MMC_SEED))
    bare, bare_times, bare_out = best_of(
        repeats, lambda: bare_simpy_mmc(lam_day, service_days, MMC_SERVERS, horizon_days, MMC_SEED)
    )
    ciw_best, ciw_times, ciw_out = best_of(
        repeats, lambda: ciw_mmc(lam_day, service_days, MMC_SERVERS, horizon_days, MMC_SEED)
    )

    _, _, split = best_of(repeats, lambda: weekly_split(weeks, MMC_SEED))
    waits = full_out["metrics"].waits
    records = ciw_out["simulation"].get_all_records()
    theory = ErlangC(MMC_ARRIVAL_RATE, MMC_MEAN_DURATION, MMC_SERVERS)
    return {
        "parameters": {
            "arrival_rate_per_week": MMC_ARRIVAL_RATE,
            "mean_duration_weeks": MMC_MEAN_DURATION,
            "servers": MMC_SERVERS,
            "horizon_weeks": weeks,
            "seed": MMC_SEED,
            "repeats": repeats,
            "time_unit_of_runs": "days",
        },
        "erlang_c_mean_wait_weeks": theory.mean_wait,
        "full_model": {
            "seconds": full,
            "all_seconds": full_times,
            "customers": len(waits),
            "mean_wait_weeks": statistics.fmean(waits) / DAYS_PER_WEEK if waits else math.nan,
        },
        "bare_simpy": {
            "seconds": bare,
            "all_seconds": bare_times,
            "customers": bare_out["served"],
            "mean_wait_weeks": bare_out["mean_wait"] / DAYS_PER_WEEK,
        },
        "ciw": {
            "seconds": ciw_best,
            "all_seconds": ciw_times,
            "customers": len(records),
            "mean_wait_weeks": (
                statistics.fmean(r.waiting_time for r in records) / DAYS_PER_WEEK if records else math.nan
            ),
        },
        "full_model_split": split,
        "full_over_bare": full / bare,
        "full_over_ciw": full / ciw_best,
        "cases_only_over_bare": split["cases_seconds"] / bare,
    }


# ------------------------------------------------------------------------------- whole scenarios


STATIC = {"workforce": None, "contingency": None, "supervision": {"track": False}}
"""Overrides that switch the workforce dynamics, supervision tracking and the contingency plan off."""


def _overrides(weeks: int | None, static: bool = False) -> dict | None:
    overrides = dict(STATIC) if static else {}
    if weeks is not None:
        overrides["meta"] = {"horizon_weeks": weeks, "warmup_weeks": max(1, weeks // 4)}
    return overrides or None


def bench_baseline(weeks: int | None, repeats: int, static: bool = False) -> dict[str, Any]:
    from simulator.run import run_replication
    from simulator.scenario import load_scenario

    scenario = load_scenario(BASELINE, _overrides(weeks, static))
    best, times, result = best_of(repeats, lambda: run_replication(scenario, 0))
    return {
        "scenario": str(BASELINE.relative_to(ROOT)),
        "horizon_weeks": scenario.meta.horizon_weeks,
        "seconds": best,
        "all_seconds": times,
        "repeats": repeats,
        "avg_caseload_per_fte": result.figures["avg_caseload_per_fte"],
    }


def service_child(path: str, weeks: int | None, static: bool) -> None:
    """Run in the subprocess of (c): load and run one replication, print its figures as JSON."""
    from simulator.run import run_replication
    from simulator.scenario import load_scenario

    start = time.perf_counter()
    scenario = load_scenario(path, _overrides(weeks, static))
    loaded = time.perf_counter()
    result = run_replication(scenario, 0)
    done = time.perf_counter()
    workers = scenario.team.workers
    print(
        json.dumps(
            {
                "load_seconds": loaded - start,
                "run_seconds": done - loaded,
                "seconds": done - start,
                "horizon_weeks": scenario.meta.horizon_weeks,
                "teams": len({g.team for g in workers}),
                "case_holding_fte": sum(g.count * g.fte for g in workers if g.role != "team_manager"),
                "avg_caseload_per_fte": result.figures["avg_caseload_per_fte"],
                "self_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def bench_service(weeks: int | None, repeats: int, static: bool = False) -> dict[str, Any]:
    """One replication of the 400-FTE service, each time in a fresh interpreter so that its peak memory
    is its own; the best of ``repeats`` runs (one run varies by a fifth on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    command = [sys.executable, str(Path(__file__).resolve()), "--service-child", str(SERVICE)]
    if weeks is not None:
        command += ["--weeks", str(weeks)]
    if static:
        command += ["--static"]
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"400-FTE subprocess failed:\n{done.stderr}")
        runs.append({**json.loads(done.stdout.strip().splitlines()[-1]), "process_seconds": wall})
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    best = min(runs, key=lambda run: run["run_seconds"])
    return {
        "scenario": str(SERVICE.relative_to(ROOT)),
        **best,
        "all_run_seconds": [run["run_seconds"] for run in runs],
        "repeats": repeats,
        "peak_rss_mib": peak_kib / 1024,
        "peak_rss_note": (
            "ru_maxrss of RUSAGE_CHILDREN (max over waited-for children: these runs only)"
            if before == 0
            else f"ru_maxrss of RUSAGE_CHILDREN; an earlier child had already reached {before / 1024:.0f} MiB"
        ),
    }


# ---------------------------------------------------------------------------------------- report


def verdict(value: float, target: float, strict: bool) -> bool:
    return value < target if strict else value <= target


def environment() -> dict[str, Any]:
    from simulator.provenance import git_commit, machine, package_versions

    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT),
        **machine(),
        **package_versions(("simpy", "ciw", "numpy")),
    }


def checks(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    mmc, base, service = results["mmc"], results["baseline"], results["service_400fte"]
    measured = {
        "full_over_bare": (mmc["full_over_bare"], False),
        "full_over_ciw": (mmc["full_over_ciw"], True),
        "baseline_seconds": (base["seconds"], True),
        "service_seconds": (service["seconds"], True),
        "service_peak_rss_mib": (service["peak_rss_mib"], True),
        "baseline_dynamics_ratio": (base["seconds"] / results["baseline_static"]["seconds"], False),
        "service_dynamics_ratio": (
            service["run_seconds"] / results["service_400fte_static"]["run_seconds"],
            False,
        ),
    }
    return {
        name: {"value": value, "target": TARGETS[name], "pass": verdict(value, TARGETS[name], strict)}
        for name, (value, strict) in measured.items()
    }


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    mmc, base, service = results["mmc"], results["baseline"], results["service_400fte"]
    verdicts, p = results["checks"], mmc["parameters"]
    quick = "  [quick: short horizons, targets not comparable]" if results["quick"] else ""

    def mark(name: str) -> str:
        return "[green]PASS[/]" if verdicts[name]["pass"] else "[red]FAIL[/]"

    queue = f"M/M/{p['servers']}"
    table = Table(
        title=f"caseplan benchmarks (DESIGN §12){quick}",
        caption=(
            f"{queue}: λ={p['arrival_rate_per_week']}/wk, mean duration {p['mean_duration_weeks']} wk, "
            f"{p['horizon_weeks']:,} wk, best of {p['repeats']}. Baseline: run_replication, best of "
            f"{base['repeats']}. 400 FTE: load + run_replication in a subprocess, best of {service['repeats']} "
            f"({service['process_seconds']:.2f} s incl. interpreter start-up), {service['teams']} teams."
        ),
    )
    table.add_column("Benchmark")
    table.add_column("Measured", justify="right")
    table.add_column("Target")
    table.add_column("Result")
    table.add_row(f"{queue} full model", f"{mmc['full_model']['seconds']:.3f} s", "", "")
    split = mmc["full_model_split"]
    table.add_row(
        f"  of which weekly table ({split['weekly_rows_us_per_team_week']:.1f} µs per team-week)",
        f"{split['weekly_rows_seconds']:.3f} s",
        "",
        "",
    )
    table.add_row(
        f"  of which cases ({split['cases_us_per_case']:.1f} µs per case)",
        f"{split['cases_seconds']:.3f} s",
        "",
        "",
    )
    table.add_row(f"{queue} bare simpy", f"{mmc['bare_simpy']['seconds']:.3f} s", "", "")
    table.add_row(f"{queue} ciw", f"{mmc['ciw']['seconds']:.3f} s", "", "")
    table.add_row(
        "full model / bare simpy", f"{mmc['full_over_bare']:.2f}×", "≤ 1.5×", mark("full_over_bare")
    )
    table.add_row("full model / ciw", f"{mmc['full_over_ciw']:.2f}×", "< 1.0×", mark("full_over_ciw"))
    table.add_row("cases only / bare simpy", f"{mmc['cases_only_over_bare']:.2f}×", "", "")
    table.add_row(
        f"12-FTE baseline, {base['horizon_weeks']} wk, 1 rep",
        f"{base['seconds']:.3f} s",
        "< 1 s",
        mark("baseline_seconds"),
    )
    table.add_row(
        f"400-FTE service, {service['horizon_weeks']} wk, 1 rep",
        f"{service['seconds']:.2f} s",
        "< 20 s",
        mark("service_seconds"),
    )
    table.add_row(
        "400-FTE service, peak RSS",
        f"{service['peak_rss_mib']:.0f} MiB",
        "< 1024 MiB",
        mark("service_peak_rss_mib"),
    )
    static_base, static_service = results["baseline_static"], results["service_400fte_static"]
    table.add_row("12-FTE baseline, dynamics off", f"{static_base['seconds']:.3f} s", "", "")
    table.add_row(
        "12-FTE dynamics on / off",
        f"{verdicts['baseline_dynamics_ratio']['value']:.2f}×",
        "≤ 1.5×",
        mark("baseline_dynamics_ratio"),
    )
    table.add_row("400-FTE service run, dynamics on", f"{service['run_seconds']:.2f} s", "", "")
    table.add_row("400-FTE service run, dynamics off", f"{static_service['run_seconds']:.2f} s", "", "")
    table.add_row(
        "400-FTE dynamics on / off",
        f"{verdicts['service_dynamics_ratio']['value']:.2f}×",
        "≤ 1.5×",
        mark("service_dynamics_ratio"),
    )

    sanity = Table(title=f"{queue} sanity check (same queue, last repeat)")
    sanity.add_column("Run")
    sanity.add_column("Customers", justify="right")
    sanity.add_column("Mean wait (wk)", justify="right")
    sanity.add_column("Erlang C (wk)", justify="right")
    for key, label in (("full_model", "full model"), ("bare_simpy", "bare simpy"), ("ciw", "ciw")):
        row = mmc[key]
        sanity.add_row(
            label,
            f"{row['customers']:,}",
            f"{row['mean_wait_weeks']:.3f}",
            f"{mmc['erlang_c_mean_wait_weeks']:.3f}",
        )
    console = Console()
    console.print(table)
    console.print(sanity)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run on short horizons (seconds)")
    parser.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/latest.json)")
    parser.add_argument("--service-child", metavar="SCENARIO", help=argparse.SUPPRESS)
    parser.add_argument("--weeks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--static", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.service_child:
        service_child(args.service_child, args.weeks, args.static)
        return 0

    quick = args.quick
    results: dict[str, Any] = {"quick": quick}
    # The subprocess first, so that RUSAGE_CHILDREN holds nothing but its own peak.
    results["service_400fte"] = bench_service(weeks=26 if quick else None, repeats=SERVICE_REPEATS)
    results["mmc"] = bench_mmc(weeks=500 if quick else MMC_WEEKS, repeats=REPEATS)
    results["baseline"] = bench_baseline(weeks=52 if quick else None, repeats=REPEATS)
    # issue 5: the same two runs with workforce dynamics, supervision tracking and the plan off
    results["service_400fte_static"] = bench_service(
        weeks=26 if quick else None, repeats=SERVICE_REPEATS, static=True
    )
    results["baseline_static"] = bench_baseline(weeks=52 if quick else None, repeats=REPEATS, static=True)
    results["checks"] = checks(results)
    results["targets_source"] = "DESIGN §12"
    results["environment"] = environment()

    print_table(results)
    out = args.out or RESULTS / ("latest-quick.json" if quick else "latest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    from simulator.run import json_safe

    out.write_text(json.dumps(json_safe(results), indent=2, allow_nan=False) + "\n")
    missed = [name for name, check in results["checks"].items() if not check["pass"]]
    print(f"wrote {out}" + (f"; missed targets: {', '.join(missed)}" if missed else "; all targets met"))
    return 0  # a report: missed targets never fail the command


if __name__ == "__main__":
    sys.exit(main())
