"""The ``caseplan`` command line (typer). It only parses, calls the library and prints."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from simulator.queueing import queue_check as run_queue_check
from simulator.run import SUMMARY_KEYS, run_scenario, write_outputs
from simulator.scenario import Scenario, ScenarioError, load_scenario
from simulator.scenario.models import Scenario as ScenarioModel

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Workload allocation and capacity planning for social-work teams.",
)
out = Console()
err = Console(stderr=True)

BAD_INPUT = 2

ScenarioPath = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


def _load(path: Path, overrides: dict | None = None) -> Scenario:
    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        for message in exc.messages:
            err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None


@app.command()
def validate(scenario: ScenarioPath) -> None:
    """Check a scenario file; exit 0 if valid, 2 with one message per problem if not."""
    loaded = _load(scenario)
    out.print(f"{scenario}: valid scenario '{loaded.meta.name}'", highlight=False)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files."""
    text = json.dumps(ScenarioModel.model_json_schema(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def run(
    scenario: ScenarioPath,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory (default: runs/<scenario name>).")
    ] = None,
    reps: Annotated[int, typer.Option("--reps", min=1, max=10_000, help="Replications.")] = 1,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Override meta.seed.", show_default=False)
    ] = None,
) -> None:
    """Simulate a scenario and write weekly tables, summary.json and the resolved scenario."""
    loaded = _load(scenario, {"meta": {"seed": seed}} if seed is not None else None)
    target = out_dir or Path("runs") / loaded.meta.name
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{loaded.meta.name}: replications", total=reps)
        result = run_scenario(loaded, reps, progress=lambda done: progress.update(task, completed=done))
    write_outputs(result, target)
    _print_summary(loaded, result.summary(), reps)
    out.print(f"outputs written to {target}/", highlight=False)


@app.command("queue-check")
def queue_check(
    arrival_rate: Annotated[float, typer.Option(min=0.0, help="Referrals per week (λ).")] = 2.4,
    mean_duration: Annotated[float, typer.Option(min=1e-6, help="Mean case duration, weeks.")] = 1.0,
    servers: Annotated[int, typer.Option(min=1, max=1000, help="Workers (c).")] = 3,
    weeks: Annotated[int, typer.Option(min=2, max=10_400, help="Simulated weeks.")] = 2000,
    warmup_weeks: Annotated[int, typer.Option(min=0, help="Weeks discarded.")] = 100,
    reps: Annotated[int, typer.Option(min=2, max=1000, help="Replications.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Scenario seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Run the model as an M/M/c queue and compare waits with Erlang C (times in weeks)."""
    if warmup_weeks >= weeks:
        err.print(f"error: --warmup-weeks ({warmup_weeks}) must be less than --weeks ({weeks})")
        raise typer.Exit(BAD_INPUT)
    if arrival_rate * mean_duration >= servers:
        err.print(
            f"error: utilisation λ·D/c = {arrival_rate * mean_duration / servers:.3f} must be below 1 "
            "for a steady state"
        )
        raise typer.Exit(BAD_INPUT)
    result = run_queue_check(arrival_rate, mean_duration, servers, weeks, warmup_weeks, reps, seed)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table(title=f"M/M/{servers}: λ={arrival_rate}/week, mean duration {mean_duration} weeks")
    for column in ("metric", "simulated", "95% CI", "Erlang C"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for name, theory in result["theory"].items():
        sim = result["simulated"][name]
        table.add_row(
            name, _fmt(sim["mean"]), f"{_fmt(sim['ci_low'])} – {_fmt(sim['ci_high'])}", _fmt(theory)
        )
    out.print(table)


def _print_summary(scenario: Scenario, summary: dict, reps: int) -> None:
    title = f"{scenario.meta.name}: {reps} replication(s), weeks {scenario.meta.warmup_weeks}–{scenario.meta.horizon_weeks}"
    table = Table(title=title)
    table.add_column("metric")
    for column in ("mean", "95% CI low", "95% CI high"):
        table.add_column(column, justify="right")
    keys = list(SUMMARY_KEYS) + [k for k in summary if k not in SUMMARY_KEYS]
    for key in keys:
        s = summary[key]
        table.add_row(key, _fmt(s["mean"]), _fmt(s["ci_low"]), _fmt(s["ci_high"]))
    out.print(table)


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"


def main() -> None:
    app()
