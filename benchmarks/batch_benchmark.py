"""Batch benchmark (a report, not a test): ``python benchmarks/batch_benchmark.py``.

The same batch — 200 runs of the baseline on a short horizon (52 weeks, 12 of them warm-up): 4 scenarios ×
50 replications — goes through :func:`batch.driver.run_batch` three times, with the ``serial``, ``processes``
(2 workers) and ``dask`` (a LocalCluster of 2 single-threaded worker processes) executors, each into a fresh
temporary output directory so that nothing is skipped. Reported:

- the wall time of each ``run_batch`` call (everything a user waits for: grid, plan, executor start-up, runs,
  Parquet files, manifest; best of ``--repeats``),
- the speed-up of ``processes`` and ``dask`` over ``serial`` (target ≥ 1.7× on 2 cores, DESIGN §12),
- each executor's overhead per run, ``(wall − serial Σ run seconds / workers) / runs``, where the Σ is the
  sum of the ``seconds`` column of the serial batch's run summaries (time spent inside ``run_replication``),
- whether the three executors stored identical tables (``runs`` and ``weekly``, sorted, without ``seconds``),
- where the time goes: the phases of each call (seen through the progress callback), the cost of storing one
  run, the size of a pickled run, the CPU used by other processes meanwhile, and the ceiling that the
  driver's serial part (Amdahl's law) puts on any 2-worker speed-up.

A missed target prints FAIL but never changes the exit status. Results go to
``benchmarks/results/batch-latest.json`` (``batch-latest-quick.json`` with ``--quick``; ``--out PATH``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import pickle
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere, also without an editable install
    sys.path.insert(0, str(ROOT))

from batch.driver import RunSpec, run_batch  # noqa: E402
from batch.executors import make_executor  # noqa: E402
from batch.grid import expand, load_grid, scenario_hash  # noqa: E402
from batch.store import RUNS, WEEKLY, RunKey, read_table, write_run  # noqa: E402
from simulator.provenance import git_commit, machine, package_versions  # noqa: E402
from simulator.run import json_safe  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = ROOT / "scenarios" / "baseline.yaml"

RUNS_DEFAULT, RUNS_QUICK = 200, 40
HORIZON_WEEKS, WARMUP_WEEKS = 52, 12
WORKERS = 2
EXECUTORS = ("serial", "processes", "dask")
TARGET_SPEEDUP = 1.7  # DESIGN §12: batch on 2 processes ≥ 1.7× faster than serial for 200 runs
STORE_SAMPLES = 20
BUSY_CORES = 0.2  # other processes using this much CPU during a measurement make its ratios unreliable

# Four scenarios (the base, two referral rates and a surge) when the run count divides by four.
PARAMETERS = {"demand.referrals_per_week": [4.8, 5.8]}
NAMED = {"surge": {"demand": {"shocks": [{"kind": "step", "start_week": 20, "weeks": 13, "factor": 1.25}]}}}


# ------------------------------------------------------------------------------------------ the batch


def write_grid(directory: Path, runs: int, weeks: int) -> tuple[Path, int, int]:
    """The benchmark's grid file in ``directory``: (path, scenarios, replications per scenario)."""
    four = runs >= 4 and runs % 4 == 0
    grid = {
        "name": "batch-benchmark",
        "base": str(BASELINE),
        "overrides": {"meta": {"horizon_weeks": weeks, "warmup_weeks": min(WARMUP_WEEKS, weeks - 1)}},
        "parameters": PARAMETERS if four else {},
        "scenarios": NAMED if four else {},
        "replications": runs // 4 if four else runs,
    }
    path = directory / "grid.yaml"
    path.write_text(yaml.safe_dump(grid, sort_keys=False), encoding="utf-8")
    return path, 4 if four else 1, grid["replications"]


def _busy_ticks() -> int | None:
    """CPU ticks spent busy by the whole machine since boot (Linux ``/proc/stat``), else None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    return sum(values) - values[3] - values[4]  # all but idle and iowait


def _own_cpu() -> float:
    """CPU seconds of this process and of its waited-for children (the executors' workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(name: str, grid: Path, out_dir: Path) -> dict[str, Any]:
    """One ``run_batch`` call with executor ``name`` into the fresh ``out_dir``, timed phase by phase."""
    executor = make_executor(name, WORKERS)
    marks: list[float] = []
    ticks, cpu = _busy_ticks(), _own_cpu()
    start = time.perf_counter()
    report = run_batch(
        grid, out_dir, executor, progress=lambda done, total: marks.append(time.perf_counter())
    )
    wall = time.perf_counter() - start
    ticks_after, cpu_after = _busy_ticks(), _own_cpu()
    runs = read_table(out_dir, RUNS)
    other = None
    if ticks is not None and ticks_after is not None:
        machine = (ticks_after - ticks) / os.sysconf("SC_CLK_TCK")
        other = max(0.0, machine - (cpu_after - cpu)) / wall
    first, last = (marks[1], marks[-1]) if len(marks) > 1 else (marks[0], marks[0])
    return {
        "executor": executor.describe(),
        "wall_seconds": wall,
        "runs_done": report.done,
        "runs_failed": len(report.failed),
        "runs_skipped": report.skipped,
        "sum_run_seconds": float(runs["seconds"].sum()) if len(runs) else math.nan,
        "phases": {
            "setup_seconds": marks[0] - start,  # grid, scenarios, hashes, out dir, plan
            "to_first_result_seconds": first - marks[0],  # executor start-up + one run
            "runs_seconds": last - marks[0],  # start-up + every run and its Parquet files
            "after_last_result_seconds": start + wall - last,  # executor shutdown + manifest
        },
        "other_processes_cores": other,
    }


def stored(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The batch's two tables, sorted, without the timing column (the only one that may differ)."""
    tables = {}
    for table, keys in (
        (RUNS, ["scenario", "replication"]),
        (WEEKLY, ["scenario", "replication", "team", "week"]),
    ):
        frame = read_table(out_dir, table).drop(columns=["seconds"], errors="ignore")
        keys = [k for k in keys if k in frame.columns]
        tables[table] = frame.sort_values(keys).reset_index(drop=True)
    return tables


def same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    return all(a[t].columns.equals(b[t].columns) and a[t].equals(b[t]) for t in (RUNS, WEEKLY))


# ---------------------------------------------------------------------------------- where time goes


def store_cost(out_dir: Path, scratch: Path) -> float:
    """Seconds to store one run (:func:`batch.store.write_run`: two Parquet files), on a stored run's frames."""
    first = sorted((out_dir / RUNS).glob("scenario=*/rep=*.parquet"))[0]
    summary = pd.read_parquet(first)
    weekly = pd.read_parquet(out_dir / WEEKLY / first.parent.name / first.name)
    start = time.perf_counter()
    for replication in range(STORE_SAMPLES):
        write_run(scratch, RunKey("sample", "0", replication), weekly, summary)
    seconds = (time.perf_counter() - start) / STORE_SAMPLES
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def pickled_run_bytes(grid_path: Path) -> int:
    """Size of what the driver sends a worker for one run (a RunSpec holding the whole Scenario)."""
    name, scenario = next(iter(expand(load_grid(grid_path), grid_path).items()))
    return len(pickle.dumps(RunSpec(RunKey(name, scenario_hash(scenario), 0), scenario, "/tmp/out")))


# ---------------------------------------------------------------------------------------- report


def summarise(results: dict[str, Any]) -> None:
    """Speed-ups, per-run overheads, verdicts and the Amdahl ceiling from the best repeat of each executor."""
    best = results["best"]
    runs = results["grid"]["runs"]
    serial = best["serial"]
    serial_sum = serial["sum_run_seconds"]
    for name, row in best.items():
        workers = row["executor"]["workers"]
        row["speedup_over_serial"] = serial["wall_seconds"] / row["wall_seconds"]
        row["overhead_per_run_seconds"] = (row["wall_seconds"] - serial_sum / workers) / runs
        if name != "serial":
            row["target"] = TARGET_SPEEDUP
            row["pass"] = row["speedup_over_serial"] >= TARGET_SPEEDUP
    # The driver's own work (before the first run is handed out, after the last one returns) is serial.
    phases = serial["phases"]
    serial_part = phases["setup_seconds"] + phases["after_last_result_seconds"]
    parallel_part = phases["runs_seconds"]
    results["amdahl"] = {
        "serial_part_seconds": serial_part,
        "parallel_part_seconds": parallel_part,
        "ceiling_speedup_2_workers": (serial_part + parallel_part) / (serial_part + parallel_part / WORKERS),
    }


def print_tables(results: dict[str, Any], console: Console) -> None:
    best, g = results["best"], results["grid"]
    quick = "  [quick: fewer runs, targets not comparable]" if results["quick"] else ""
    identical = results["identical_tables"]
    table = Table(
        title=f"caseplan batch benchmark (DESIGN §10, §12){quick}",
        caption=(
            f"{g['runs']} runs = {g['scenarios']} scenario(s) × {g['replications']} replications of "
            f"scenarios/baseline.yaml, {g['horizon_weeks']} weeks ({g['warmup_weeks']} warm-up); "
            f"best of {results['repeats']}; {results['environment']['cpus']} CPUs. Serial Σ run seconds "
            f"(inside run_replication) {best['serial']['sum_run_seconds']:.2f} s. Overhead per run = "
            "(wall − serial Σ run seconds / workers) / runs. Stored tables: runs and weekly, sorted, "
            "without seconds."
        ),
    )
    for column, justify in (("Executor", "left"), ("Workers", "right"), ("Wall", "right"),
                            ("Speed-up vs serial", "right"), ("Target", "left"), ("Result", "left"),
                            ("Overhead per run", "right")):  # fmt: skip
        table.add_column(column, justify=justify)
    for name in EXECUTORS:
        row = best[name]
        result = "" if name == "serial" else ("[green]PASS[/]" if row["pass"] else "[red]FAIL[/]")
        table.add_row(
            name,
            str(row["executor"]["workers"]),
            f"{row['wall_seconds']:.2f} s",
            f"{row['speedup_over_serial']:.2f}×",
            "" if name == "serial" else f"≥ {TARGET_SPEEDUP}×",
            result,
            f"{row['overhead_per_run_seconds'] * 1000:.1f} ms",
        )
    table.add_row(
        "stored tables identical", "", "", "", "", "[green]yes[/]" if identical else "[red]NO[/]", ""
    )

    where = Table(
        title="Where the time goes (same repeat as above)",
        caption=(
            f"Storing one run (write_run: weekly + summary Parquet) {results['store_seconds_per_run'] * 1000:.1f} ms; "
            f"a pickled run (RunSpec with its Scenario) {results['pickled_run_bytes']:,} bytes. The driver's "
            f"serial part (setup + after the last result, serial batch) {results['amdahl']['serial_part_seconds']:.2f} s "
            f"of {best['serial']['wall_seconds']:.2f} s caps any {WORKERS}-worker speed-up at "
            f"{results['amdahl']['ceiling_speedup_2_workers']:.2f}× (Amdahl). Other processes: average CPU "
            "cores used by the rest of the machine during the call (Linux /proc/stat minus this process tree)."
        ),
    )
    for column in ("Executor", "Setup", "To first result", "Runs phase", "After last result",
                   "Σ run seconds (own)", "Other processes"):  # fmt: skip
        where.add_column(column, justify="left" if column == "Executor" else "right")
    for name in EXECUTORS:
        row, phases = best[name], best[name]["phases"]
        other = row["other_processes_cores"]
        where.add_row(
            name,
            f"{phases['setup_seconds']:.2f} s",
            f"{phases['to_first_result_seconds']:.2f} s",
            f"{phases['runs_seconds']:.2f} s",
            f"{phases['after_last_result_seconds']:.2f} s",
            f"{row['sum_run_seconds']:.2f} s",
            "–" if other is None else f"{other:.2f} cores",
        )
    console.print(table)
    console.print(where)


def environment() -> dict[str, Any]:
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT),
        **machine(),
        **package_versions(("pandas", "pyarrow", "dask", "distributed")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, metavar="N", help=f"runs (default {RUNS_DEFAULT})")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {RUNS_QUICK} runs, one repeat")
    parser.add_argument(
        "--repeats", type=int, default=None, metavar="R", help="best of R (default 3, quick 1)"
    )
    parser.add_argument("--weeks", type=int, default=HORIZON_WEEKS, help=f"horizon (default {HORIZON_WEEKS})")
    parser.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/batch-latest.json)")
    args = parser.parse_args(argv)
    runs = args.runs or (RUNS_QUICK if args.quick else RUNS_DEFAULT)
    repeats = args.repeats or (1 if args.quick else 3)
    if runs < 1 or repeats < 1 or args.weeks < 2:
        parser.error("--runs and --repeats must be at least 1, --weeks at least 2")
    console = Console(width=None if sys.stdout.isatty() else 160)

    with tempfile.TemporaryDirectory(prefix="caseplan-batch-bench-") as temp:
        temp = Path(temp)
        grid, scenarios, replications = write_grid(temp, runs, args.weeks)
        results: dict[str, Any] = {
            "quick": args.quick,
            "repeats": repeats,
            "grid": {
                "runs": scenarios * replications,
                "scenarios": scenarios,
                "replications": replications,
                "horizon_weeks": args.weeks,
                "warmup_weeks": min(WARMUP_WEEKS, args.weeks - 1),
                "base": str(BASELINE.relative_to(ROOT)),
                "definition": yaml.safe_load(grid.read_text(encoding="utf-8")),
            },
            "all": {name: [] for name in EXECUTORS},
        }
        reference: dict[str, pd.DataFrame] | None = None
        identical = True
        for repeat in range(repeats):
            for name in EXECUTORS:  # interleaved, so that a slow spell of the machine hits all three
                out_dir = temp / f"{name}-{repeat}"
                console.print(f"repeat {repeat + 1}/{repeats}: {name} …", highlight=False)
                row = measure(name, grid, out_dir)
                results["all"][name].append(row)
                tables = stored(out_dir)
                if reference is None:
                    reference = tables
                    results["store_seconds_per_run"] = store_cost(out_dir, temp / "store-sample")
                else:
                    identical = identical and same_tables(reference, tables)
                shutil.rmtree(out_dir)
        results["pickled_run_bytes"] = pickled_run_bytes(grid)
    results["best"] = {
        name: min(rows, key=lambda r: r["wall_seconds"]) for name, rows in results["all"].items()
    }
    results["identical_tables"] = identical
    results["busy"] = [
        name for name, row in results["best"].items() if (row["other_processes_cores"] or 0.0) >= BUSY_CORES
    ]
    results["target_speedup"] = TARGET_SPEEDUP
    results["targets_source"] = "DESIGN §12"
    results["environment"] = environment()
    summarise(results)

    print_tables(results, console)
    out = args.out or RESULTS / ("batch-latest-quick.json" if args.quick else "batch-latest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(json_safe(results), indent=2, allow_nan=False) + "\n")
    missed = [n for n in EXECUTORS if n != "serial" and not results["best"][n]["pass"]]
    failed = sum(r["runs_failed"] for rows in results["all"].values() for r in rows)
    notes = [f"missed targets: {', '.join(f'{n} speed-up' for n in missed)}" if missed else "all targets met"]
    if not identical:
        notes.append("the executors stored DIFFERENT tables")
    if failed:
        notes.append(f"{failed} runs failed")
    if results["busy"]:
        notes.append(
            f"other processes used ≥ {BUSY_CORES} cores during {', '.join(results['busy'])}: "
            "the ratios are not reliable, run again on a quiet machine"
        )
    console.print(f"wrote {out}; {'; '.join(notes)}", highlight=False)
    return 0  # a report: missed targets never fail the command


if __name__ == "__main__":
    sys.exit(main())
