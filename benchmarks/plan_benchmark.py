"""Capacity-planner benchmark (issue 16; a report, not a test): ``python benchmarks/plan_benchmark.py``.

Plans the baseline's social-worker count (``team.workers.0.count=8..16``) for three targets — mean wait
for a worker ≤ 5 days, team-weeks at level 4 ≤ 2, no CP/CLA/court case waiting at a week's end in ≥ 95%
of weeks — with the processes executor, and prints the answer, the runs each phase used, the wall-clock
and CPU seconds (this process and its workers) against the target of < 60 s on 2 cores. A missed target
prints FAIL but never changes the exit status. ``--out PATH`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from batch.executors import make_executor
from simulator.planning.decision import Decision
from simulator.planning.outputs import answer_sentence
from simulator.planning.search import plan
from simulator.planning.targets import parse_target
from simulator.provenance import git_commit, machine
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (
    "mean_wait_to_allocation_days<=5",
    "team_weeks_at_level_4<=2",
    "weeks_no_must_allocate_waiting_share>=0.95",
)
TARGET_SECONDS = 60.0


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Worker processes (default 2).")
    parser.add_argument("--out", type=Path, help="Also write the figures as JSON.")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    cpu, wall = _cpu_seconds(), time.perf_counter()
    result = plan(scenario, Decision("team.workers.0.count", 8, 16), [parse_target(t) for t in TARGETS],
                  run=make_executor("processes", args.workers).run)  # fmt: skip
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    search = sum(r.replications for r in result.candidates)
    verification = sum(r.replications for r in result.verifications)
    table = Table(title=f"caseplan plan benchmark: baseline, 3 targets, processes × {args.workers}")
    for column in ("measure", "value", "target", ""):
        table.add_column(column, justify="right" if column != "measure" else "left")
    ok = "ok" if wall < TARGET_SECONDS else "FAIL"
    table.add_row("recommended social workers", str(result.recommended), "", "")
    table.add_row("first guess", str(result.guess.level), "", "")
    table.add_row("levels searched", ", ".join(str(r.level) for r in result.candidates), "", "")
    table.add_row("runs: search + verification", f"{search} + {verification} = {result.runs}", "", "")
    table.add_row("wall-clock seconds", f"{wall:.1f}", f"< {TARGET_SECONDS:.0f}", ok)
    table.add_row("CPU seconds (all processes)", f"{cpu:.1f}", "", "")
    Console().print(table)
    Console().print(answer_sentence(result), highlight=False)
    if args.out is not None:
        figures = {"recommended": result.recommended, "runs": result.runs, "search_runs": search,
                   "verification_runs": verification, "wall_seconds": wall, "cpu_seconds": cpu,
                   "workers": args.workers, "commit": git_commit(), "machine": machine()}  # fmt: skip
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
