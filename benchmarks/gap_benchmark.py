"""GAP benchmark of the allocation optimiser (a report, not a test): ``python benchmarks/gap_benchmark.py``.

(a) All 60 ``cattrysse1994`` instances (OR-Library gap1–gap12, 5–10 agents × 15–60 jobs) through
    :func:`optimiser.solve_gap` with no time limit, each compared with its proven optimum in ``data.csv``.
    Targets: 60/60 proven optimal, 60/60 equal to the published optimum, < 60 s in total.
(b) The ``chu1997`` instances (types a–d, 5–20 agents × 100–200 jobs) with a 10 s time limit each:
    objective, best known value, gap to it (%), status and seconds.

``--quick`` runs the first 10 cattrysse instances and 2 chu instances (a smoke run; not comparable with the
targets). The data directory is ``../shared/data/gap`` next to the checkout, or ``$CASEPLAN_GAP_DATA``.
All values in ``data.csv`` are for minimisation, so every solve here uses ``sense="min"``. A missed target
prints FAIL but never changes the exit status. Results go to ``benchmarks/results/gap.json``
(``gap-quick.json`` with ``--quick``; ``--out PATH`` to choose).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere, also without an editable install
    sys.path.insert(0, str(ROOT))

from optimiser.gap import solve_gap  # noqa: E402
from optimiser.gap_instances import (  # noqa: E402
    best_known_values,
    gap_data_dir,
    instance_paths,
    known_optima,
    read_gap_instance,
)

RESULTS = Path(__file__).resolve().parent / "results"
CHU_TIME_LIMIT = 10.0
TARGETS = {"cattrysse_optimal": 60, "cattrysse_seconds": 60.0}
QUICK = {"cattrysse": 10, "chu": 2}


def run_instance(path: Path, reference: float | None, time_limit: float | None) -> dict[str, Any]:
    """Solve one instance and compare it with its reference value."""
    inst = read_gap_instance(path)
    r = solve_gap(inst.cost, inst.weight, inst.capacity, sense="min", time_limit=time_limit)
    gap_pct = None
    if r.objective is not None and reference:
        gap_pct = 100.0 * (r.objective - reference) / reference
    return {
        "name": inst.name,
        "agents": inst.agents,
        "jobs": inst.jobs,
        "objective": r.objective,
        "reference": reference,
        "matches_reference": r.objective is not None and reference is not None and r.objective == reference,
        "gap_to_reference_pct": gap_pct,
        "status": r.status,
        "mip_gap": r.mip_gap,
        "solver": r.solver,
        "seconds": r.seconds,
        "time_limit": time_limit,
    }


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def cattrysse_tables(rows: list[dict[str, Any]], quick: bool, console: Console) -> dict[str, Any]:
    by_set: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(row["name"].split("/")[1].split("-")[0], []).append(row)
    table = Table(title="cattrysse1994 (OR-Library gap1–gap12), minimisation, no time limit")
    for col in ("set", "agents × jobs", "instances", "proven optimal", "= published optimum", "seconds"):
        table.add_column(col, justify="left" if col == "set" else "right")
    for name, group in by_set.items():
        table.add_row(
            name,
            f"{group[0]['agents']} × {group[0]['jobs']}",
            str(len(group)),
            str(sum(r["status"] == "optimal" for r in group)),
            str(sum(r["matches_reference"] for r in group)),
            f"{sum(r['seconds'] for r in group):.2f}",
        )
    n = len(rows)
    optimal = sum(r["status"] == "optimal" for r in rows)
    matches = sum(r["matches_reference"] for r in rows)
    seconds = sum(r["seconds"] for r in rows)
    table.add_section()
    table.add_row("total", "", str(n), f"{optimal}/{n}", f"{matches}/{n}", f"{seconds:.2f}")
    console.print(table)
    summary = {"instances": n, "optimal": optimal, "matches_published_optimum": matches, "seconds": seconds}
    if quick:
        console.print("[dim]--quick: subset only; targets not assessed[/dim]")
        return summary
    ok_optimal = optimal == TARGETS["cattrysse_optimal"] and matches == TARGETS["cattrysse_optimal"]
    ok_time = seconds < TARGETS["cattrysse_seconds"]
    summary["targets_met"] = {"all_optimal_and_matching": ok_optimal, "under_60s": ok_time}
    verdict = "[green]PASS[/green]" if ok_optimal and ok_time else "[red]FAIL[/red]"
    console.print(
        f"{verdict} target: 60/60 proven optimal and equal to the published optimum "
        f"({optimal}/60, {matches}/60), < 60 s in total ({seconds:.1f} s)"
    )
    mismatched = [r["name"] for r in rows if not r["matches_reference"] or r["status"] != "optimal"]
    if mismatched:
        console.print(f"[red]not optimal or not matching:[/red] {', '.join(mismatched)}")
    return summary


def chu_table(rows: list[dict[str, Any]], console: Console) -> dict[str, Any]:
    table = Table(title=f"chu1997 (Chu & Beasley types a–d), minimisation, {CHU_TIME_LIMIT:g} s limit each")
    for col in (
        "instance",
        "agents × jobs",
        "objective",
        "best known",
        "gap to best known",
        "status",
        "seconds",
    ):
        table.add_column(col, justify="left" if col in ("instance", "status") else "right")
    for r in rows:
        table.add_row(
            r["name"].split("/")[1],
            f"{r['agents']} × {r['jobs']}",
            _fmt(r["objective"], ".0f"),
            _fmt(r["reference"], ".0f"),
            _fmt(r["gap_to_reference_pct"], ".2f") + ("" if r["gap_to_reference_pct"] is None else " %"),
            r["status"],
            f"{r['seconds']:.2f}",
        )
    gaps = [r["gap_to_reference_pct"] for r in rows if r["gap_to_reference_pct"] is not None]
    summary = {
        "instances": len(rows),
        "optimal": sum(r["status"] == "optimal" for r in rows),
        "matches_best_known": sum(r["matches_reference"] for r in rows),
        "mean_gap_to_best_known_pct": sum(gaps) / len(gaps) if gaps else None,
        "max_gap_to_best_known_pct": max(gaps) if gaps else None,
        "seconds": sum(r["seconds"] for r in rows),
    }
    console.print(table)
    console.print(
        f"chu1997: {summary['optimal']}/{len(rows)} proven optimal, {summary['matches_best_known']}/{len(rows)} "
        f"equal to the best known value, mean gap {_fmt(summary['mean_gap_to_best_known_pct'], '.3f')} %, "
        f"max gap {_fmt(summary['max_gap_to_best_known_pct'], '.3f')} %, {summary['seconds']:.1f} s in total"
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 cattrysse + 2 chu instances (smoke run)")
    parser.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/gap[-quick].json)")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)

    data_dir = gap_data_dir()
    cattrysse = instance_paths("cattrysse1994", data_dir)
    chu = instance_paths("chu1997", data_dir)
    if not cattrysse and not chu:
        console.print(f"[red]no GAP data under {data_dir}[/red] (set CASEPLAN_GAP_DATA)")
        return 0
    if args.quick:
        cattrysse, chu = cattrysse[: QUICK["cattrysse"]], chu[: QUICK["chu"]]
    optima = known_optima(data_dir / "data.csv")
    best = best_known_values(data_dir / "data.csv")
    console.print(
        f"GAP data: {data_dir} — {len(cattrysse)} cattrysse1994 and {len(chu)} chu1997 instances"
        + (" (--quick)" if args.quick else "")
    )

    cat_rows = [run_instance(p, optima.get(f"cattrysse1994/{p.name}"), None) for p in cattrysse]
    cat_summary = cattrysse_tables(cat_rows, args.quick, console) if cat_rows else {}
    chu_rows = [run_instance(p, best.get(f"chu1997/{p.name}"), CHU_TIME_LIMIT) for p in chu]
    chu_summary = chu_table(chu_rows, console) if chu_rows else {}

    out = args.out or RESULTS / ("gap-quick.json" if args.quick else "gap.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "data_dir": str(data_dir),
        "sense": "min",
        "targets": TARGETS,
        "cattrysse1994": {"summary": cat_summary, "instances": cat_rows},
        "chu1997": {"time_limit": CHU_TIME_LIMIT, "summary": chu_summary, "instances": chu_rows},
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    console.print(f"results: {out}")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    status = main()
    Console(width=None if sys.stdout.isatty() else 120).print(
        f"[dim]wall time {time.perf_counter() - start:.1f} s[/dim]"
    )
    sys.exit(status)
