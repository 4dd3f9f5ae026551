"""The ``caseplan`` command line (typer). It only parses, calls the library and prints."""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from batch.store import slug
from caseplan.batch_commands import CONFIRM_LARGE
from caseplan.batch_commands import register as register_batch_commands
from caseplan.csv_output import write_csv
from caseplan.explain_command import register as register_explain_command
from caseplan.help_format import CaseplanTyper
from caseplan.plan_command import register as register_plan_command
from caseplan.progress import runs_progress
from optimiser import POLICY_NAMES
from simulator.calibration import calibration_horizon, calibration_table
from simulator.figures import figure
from simulator.numbers import interval, number, readable_id
from simulator.queueing import queue_check as run_queue_check
from simulator.run import SUMMARY_KEYS, run_scenario, write_outputs
from simulator.scenario import Scenario, ScenarioError, load_scenario
from simulator.scenario.warnings import scenario_warnings
from simulator.snapshot import SnapshotError, parse_date, read_snapshot
from simulator.statistics import FEW_REPLICATIONS
from simulator.team_allocation import ALLOCATION_COLUMNS, LOAD_COLUMNS, AllocationResult, allocate_team
from simulator.text_input import printable
from simulator.work import WorkTooLarge, check_work, estimate

if TYPE_CHECKING:
    import pandas as pd

app = CaseplanTyper(
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
        scenario = load_scenario(path, overrides)
    except ScenarioError as exc:
        for message in exc.messages:
            message = message + _shipped_hint(path, message)
            err.print(f"[red]error:[/red] {escape(printable(message))}", highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    for message in scenario_warnings(scenario):
        err.print(
            f"[yellow]warning:[/yellow] {escape(f'{path}: {message}')}", highlight=False, soft_wrap=True
        )
    return scenario


SHIPPED_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
_EXTENDS_NOT_FOUND = re.compile(r"extends: file not found: (?P<name>.+?) [(]looked for")


def _shipped_hint(path: Path, message: str) -> str:
    """What to add to a 'file not found' message: the shipped scenario meant, or the shipped names."""
    shipped = sorted(p.stem for p in SHIPPED_SCENARIOS.glob("*.yaml"))
    folder = _shown(SHIPPED_SCENARIOS)
    if (found := _EXTENDS_NOT_FOUND.search(message)) and Path(found["name"]).stem in shipped:
        name = Path(found["name"]).name
        return f"; {name} is a shipped scenario: name it by its path, extends: {SHIPPED_SCENARIOS / name}"
    if not path.exists() and message.endswith("file not found"):
        close = difflib.get_close_matches(path.stem, shipped, n=1)
        meant = f"did you mean {folder / close[0]}.yaml? " if close else ""
        return f"; {meant}shipped scenarios (in {folder}/): {', '.join(shipped)}"
    return ""


def _shown(path: Path) -> Path:
    """``path`` relative to the working directory when it is inside it (shorter to read and type)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _check_work(path: Path, scenario: Scenario, reps: int, confirmed: bool) -> None:
    """Exit with the estimate if ``reps`` runs of ``scenario`` are above the work limit, unless confirmed."""
    try:
        check_work(estimate([(scenario, reps)]), str(path), confirmed)
    except WorkTooLarge as exc:
        _fail([str(exc)])


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
    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
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
    confirm_large: Annotated[bool, CONFIRM_LARGE] = False,
) -> None:
    """Simulate a scenario and write weekly tables, summary.json and the resolved scenario."""
    loaded = _load(scenario, {"meta": {"seed": seed}} if seed is not None else None)
    _check_work(scenario, loaded, reps, confirm_large)
    target = out_dir or Path("runs") / slug(loaded.meta.name)  # a name such as ../x stays inside runs/
    with runs_progress(err) as progress:
        task = progress.add_task(f"{loaded.meta.name}: replications", total=reps)
        result = run_scenario(loaded, reps, progress=lambda done: progress.update(task, completed=done))
    write_outputs(result, target)
    _print_summary(loaded, result.summary(), reps)
    if result.timeline is not None:
        _print_level_changes(loaded, result.timeline)
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


DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


@app.command()
def calibrate(
    scenario: ScenarioPath,
    reps: Annotated[int, typer.Option("--reps", min=2, max=1000, help="Replications.")] = 20,
    output: Annotated[Path | None, typer.Option("--out", help="Also write the table as CSV.")] = None,
    confirm_large: Annotated[bool, CONFIRM_LARGE] = False,
) -> None:
    """Compare a scenario at steady state with the national figures it is calibrated to (DF)."""
    loaded = _load(scenario)
    horizon = {"horizon_weeks": calibration_horizon(loaded)}  # calibration may run longer than the scenario
    _check_work(scenario, loaded.model_copy(update={"meta": loaded.meta.model_copy(update=horizon)}), reps,
                confirm_large)  # fmt: skip
    with runs_progress(err) as progress:
        task = progress.add_task(f"{loaded.meta.name}: calibration", total=reps)
        table = calibration_table(loaded, reps, progress=lambda done: progress.update(task, completed=done))
    if output is not None:
        _write_csvs_atomically([(Path(output), table, tuple(table.columns))])
    shown = Table(
        title=f"{loaded.meta.name}: calibration, {reps} replications, after a {loaded.meta.warmup_weeks}-week warm-up"
    )
    for column in ("measure", "simulated (95% CI)", "target", "within", "source / why not"):
        shown.add_column(column, ratio={"measure": 2, "source / why not": 3}.get(column))
    for row in table.itertuples():
        unit = "share" if row.target_high <= 1 else ""  # the targets up to 1 are shares and rates: as %
        simulated = interval(row.simulated, row.ci_low, row.ci_high, unit)
        shown.add_row(row.measure, simulated, f"{number(row.target_low, unit)}–{number(row.target_high, unit)}",
                      "yes" if row.within else "[red]no[/red]", row.note or row.source)  # fmt: skip
    out.print(shown)
    missed = int((~table["within"]).sum())
    out.print(f"{len(table) - missed} of {len(table)} targets met" + (f"; {missed} missed" if missed else ""))


@app.command()
def allocate(
    workers: Annotated[
        Path,
        typer.Option(
            "--workers", help="Team CSV: id, role, fte, start_date, skills, team.", show_default=False
        ),
    ],
    cases: Annotated[
        Path,
        typer.Option(
            "--cases",
            help="Cases CSV: id, type, opened, worker_id (empty = waiting); optional priority, flags, "
            "previous_worker_id, team.",
            show_default=False,
        ),
    ],
    date: Annotated[str, typer.Option("--date", help="Snapshot date, YYYY-MM-DD.", show_default=False)],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", help="Allocations CSV to write (one row per waiting case).", show_default=False
        ),
    ],
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help=f"Allocation policy: {', '.join(POLICY_NAMES)} (default: the scenario's).",
            show_default=False,
        ),
    ] = None,
    loads_out: Annotated[
        Path | None,
        typer.Option("--loads-out", help="Also write the per-worker loads CSV here.", show_default=False),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario YAML for capacity, case types and allocation rules (default: the shipped baseline).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Allocate a team's waiting cases from two snapshot CSVs and write the decisions with reasons."""
    as_of = parse_date(date)
    if as_of is None:
        _fail([f"--date: {date!r} is not a date (expected YYYY-MM-DD, e.g. 2026-11-02)"])
    if policy is not None and policy not in POLICY_NAMES:
        _fail([f"--policy: unknown policy {policy!r} (allowed: {', '.join(POLICY_NAMES)})"])
    targets = [("--out", out_path)] + ([("--loads-out", loads_out)] if loads_out is not None else [])
    if problems := _output_problems(targets, {"--workers": workers, "--cases": cases}):
        _fail(problems)
    loaded = _load(scenario or DEFAULT_SCENARIO)
    try:
        snapshot = read_snapshot(workers, cases, as_of, loaded)
        result = allocate_team(snapshot.workers, snapshot.cases, as_of, loaded, policy)
    except SnapshotError as exc:
        _fail(exc.messages)
    except ModuleNotFoundError as exc:  # an optional part of the optimiser is not installed
        name = policy or loaded.allocation.policy
        _fail([f"--policy: the {name} policy is not available ({exc}); choose another"])
    frames = [(out_path, result.allocations, ALLOCATION_COLUMNS)]
    if loads_out is not None:
        frames.append((loads_out, result.loads, LOAD_COLUMNS))
    try:
        _write_csvs_atomically(frames)
    except OSError as exc:
        _fail([f"{exc.filename or out_path}: cannot write: {exc.strerror or exc}"])
    types = {c.id: c.type for c in snapshot.cases}
    must = {c.id for c in snapshot.waiting if loaded.case_types[c.type].must_allocate or c.must_allocate}
    _print_allocation(result, types, must, loaded.capacity.overload_ratio)
    written = ", ".join(str(path) for path, _, _ in frames)
    out.print(f"written: {escape(written)}", highlight=False)


def _fail(messages: list[str]) -> NoReturn:
    """Print each message as ``error: ...`` on stderr and exit with the bad-input code."""
    for message in messages:
        err.print(f"[red]error:[/red] {escape(printable(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(BAD_INPUT)


def _output_problems(targets: list[tuple[str, Path]], inputs: dict[str, Path]) -> list[str]:
    """Why an output path cannot be written (checked before any work, so nothing is half-written)."""
    problems = []
    seen: dict[Path, str] = {}
    for option, path in targets:
        resolved = path.resolve()
        clash = next((name for name, p in inputs.items() if p.resolve() == resolved), None) or seen.get(
            resolved
        )
        if clash:
            problems.append(f"{option}: {path} is also given as {clash}; choose another file")
        elif path.is_dir():
            problems.append(f"{option}: {path} is a directory; give a file name such as allocations.csv")
        elif (blocker := _file_in_the_way(path.parent)) is not None:
            problems.append(
                f"{option}: {blocker} is a file, not a folder; choose another path for {path.name}"
            )
        seen[resolved] = option
    return problems


def _file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing ancestor of ``folder`` (itself included) if it is not a folder, else None.

    Missing folders of an output path are created when it is written (``--out board/report.html``).
    """
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _write_csvs_atomically(frames: list[tuple[Path, pd.DataFrame, tuple[str, ...]]]) -> None:
    """Write each table to a temporary file beside its target, then move them all into place."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, frame, columns in frames:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = str(path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
            temps.append((temp, path))
            with open(temp, "x", encoding="utf-8", newline="") as f:  # "x": usual permissions, never reused
                write_csv(frame.loc[:, list(columns)].round(3), f)
        for temp, path in temps:
            os.replace(temp, path)
    finally:
        for temp, _ in temps:
            if os.path.exists(temp):
                os.unlink(temp)


def _print_allocation(
    result: AllocationResult, types: dict[str, str], must: set[str], overload_ratio: float
) -> None:
    decisions = Table(title=f"Allocation of {len(result.allocations)} waiting case(s): {result.policy}")
    for column in ("case", "type", "worker", "reason", "runner-up"):
        decisions.add_column(column)
    for row in result.allocations.itertuples(index=False):
        worker = (
            escape(row.worker_id)
            if row.worker_id
            else ("[bold red]waiting[/bold red]" if row.case_id in must else "[yellow]waiting[/yellow]")
        )
        decisions.add_row(
            escape(row.case_id), escape(types.get(row.case_id, "")), worker, escape(row.reason),
            escape(row.runner_up) or "–",
        )  # fmt: skip
    out.print(decisions)

    loads = Table(title="Worker loads (hours per week)")
    for column in ("worker", "role", "capacity h", "before", "after", "ratio after", "flag"):
        left = column in ("worker", "role", "flag")
        loads.add_column(
            column, justify="left" if left else "right", min_width=13 if column == "role" else None
        )
    for row in result.loads.itertuples(index=False):
        ratio = row.load_ratio_after
        if row.case_capacity_hours <= 0:
            shown, flag = "–", "holds cases without case capacity" if row.load_hours_after > 0 else ""
        else:
            shown = f"{ratio:.0%}"
            flag = f"[bold red]≥{overload_ratio:.0%}[/bold red]" if ratio >= overload_ratio - 1e-9 else ""
        loads.add_row(
            escape(row.worker_id), escape(row.role), f"{row.case_capacity_hours:.1f}",
            f"{row.load_hours_before:.1f}", f"{row.load_hours_after:.1f}", shown, flag,
        )  # fmt: skip
    out.print(loads)

    allocated = int((result.allocations["worker_id"] != "").sum())
    left = result.allocations.loc[result.allocations["worker_id"] == "", "case_id"]
    summary = f"allocated {allocated} of {len(result.allocations)} waiting case(s)"
    urgent = [c for c in left if c in must]
    if urgent:
        summary += (
            f"; [bold red]{len(urgent)} must-allocate case(s) still waiting ({escape(', '.join(urgent))}): "
            "escalate[/bold red]"
        )
    out.print(summary, highlight=False)
    if result.status != "heuristic":
        out.print(f"solver status: {escape(result.status)}", highlight=False)


def _print_summary(scenario: Scenario, summary: dict, reps: int) -> None:
    """The summary figures as a reader wants them: a plain-English label, the mean with its 95% interval
    and unit (:func:`simulator.numbers.interval`); the keys of summary.json are in the file itself."""
    title = f"{scenario.meta.name}: {reps} replication(s), weeks {scenario.meta.warmup_weeks}–{scenario.meta.horizon_weeks}"
    table = Table(title=title)
    table.add_column("figure (after the warm-up)", ratio=3)
    table.add_column("mean (95% interval)", justify="right", ratio=2)
    table.add_column("", width=1)
    keys = list(SUMMARY_KEYS) + [k for k in summary if k not in SUMMARY_KEYS]
    rough = [k for k in keys if summary[k].get("few_replications") and summary[k]["ci_low"] is not None]
    for key in keys:
        s, shown = summary[key], figure(key)
        mark = "*" if key in rough else ""
        table.add_row(shown.label, interval(s["mean"], s["ci_low"], s["ci_high"], shown.unit), mark)
    out.print(table)
    if note := _few_replications_note(reps, bool(rough)):
        out.print(note, highlight=False)


def _few_replications_note(reps: int, rough: bool) -> str:
    """The line under the summary that says which intervals are rough ('' when none is)."""
    advice = f"; {FEW_REPLICATIONS} or more recommended (--reps {FEW_REPLICATIONS})"
    if reps < 2:
        return "one replication: no intervals" + advice
    if reps < FEW_REPLICATIONS:
        return f"* intervals from {reps} replications are rough" + advice
    if rough:
        return f"* rough: the figure is undefined in some replications (fewer than {FEW_REPLICATIONS} values)"
    return ""


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="Output directory of 'caseplan run'.", show_default=False)],
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="HTML file to write (default: RUN_DIR/report.html); the report_*.csv tables go beside it.",
            show_default=False,
        ),
    ] = None,
    plotly: Annotated[
        str,
        typer.Option(
            "--plotly",
            help="inline: plotly.js inside the page, which opens offline (about 5 MB); cdn: a page of "
            "about 0.3 MB that loads plotly.js from cdn.plot.ly when opened (needs the network).",
        ),
    ] = "inline",
) -> None:
    """Write the employer-standards health-check report of a run: one HTML page and its CSV tables."""
    from caseplan.report import ReportError, build_report, read_run, write_report  # plotly loads lazily

    if plotly not in ("inline", "cdn"):
        _fail([f"--plotly: {plotly!r} is not a choice (allowed: inline, cdn)"])
    try:
        run = read_run(run_dir)
    except ReportError as exc:
        _fail([str(exc)])
    target = out_path if out_path is not None else run_dir / "report.html"
    if problems := _output_problems([("--out", target)], {}):
        _fail(problems)
    if target.suffix.lower() not in (".html", ".htm"):
        _fail([f"--out: {target} is not an .html file name; give one such as report.html"])
    built = build_report(run, plotly)
    try:
        written = write_report(built, target)
    except OSError as exc:
        _fail([f"{exc.filename or target}: cannot write: {exc.strerror or exc}"])
    for check in built.checks[built.checks["status"] == "breached"].itertuples(index=False):
        line = escape(f"{check.standard}, {check.title}: {check.text}")
        out.print(f"[red]breached[/red] {line}", highlight=False, soft_wrap=True)
    out.print(
        f"report written to {escape(str(target))} (+ {len(written) - 1} CSV tables beside it)",
        highlight=False,
    )


TIMELINE_ROWS_SHOWN = 20
"""Level changes printed before the rest are counted (all of them are in contingency.parquet)."""


def _print_level_changes(scenario: Scenario, timeline) -> None:
    """The contingency levels each team entered in replication 0: when, why, what the plan did, and a
    summary line per team (how often it reached each level above normal).

    Each change lists the actions started, ended and not started from its week up to the team's next
    change (:func:`simulator.level_changes.level_changes`), so an action that starts after its lead time
    shows on the change that asked for it. Ids are written with spaces (``unallocated over 14 days``) so
    an 80-column terminal wraps them between words.
    """
    from simulator.level_changes import level_changes

    names = {lv.level: lv.name for lv in scenario.contingency.levels} | {1: "normal"}
    changes = level_changes(timeline[timeline["replication"] == 0])
    table = Table(title=f"contingency level changes, replication 0 ({len(changes)} in all)")
    table.add_column("date (week)", min_width=10)
    table.add_column("team")
    table.add_column("level", min_width=8)
    table.add_column("triggered by", ratio=2)
    table.add_column("actions (+ started, − ended, × not started)", ratio=3)
    for row in changes.head(TIMELINE_ROWS_SHOWN).itertuples():
        actions = [
            f"{sign}{readable_id(a)}"
            for sign, column in LEVEL_CHANGE_SIGNS
            for a in getattr(row, column).split(",")
            if a
        ]
        table.add_row(
            f"{row.week_start.date()}\nweek {row.week}", escape(row.team),
            f"{row.level} {names.get(row.level, '')}".strip(),
            escape(", ".join(readable_id(t) for t in row.triggered_by.split(",") if t)), escape("\n".join(actions)),
        )  # fmt: skip
    out.print(table)
    if len(changes) > TIMELINE_ROWS_SHOWN:
        out.print(f"… {len(changes) - TIMELINE_ROWS_SHOWN} more in contingency.parquet", highlight=False)
    if changes.empty:
        out.print("no team left level 1 (normal) in replication 0", highlight=False)
    for line in _level_change_summary(changes, names):
        out.print(escape(line), highlight=False, soft_wrap=True)


def _level_change_summary(changes, names: dict[int, str]) -> list[str]:
    """One line per team: how many changes, and how often it went up to each level above normal."""
    lines = []
    for team, rows in changes.groupby("team", sort=False):
        previous = rows["level"].shift(fill_value=1)
        entered = rows.loc[rows["level"] > previous, "level"].value_counts().sort_index(ascending=False)
        reached = ", ".join(f"level {lv} ({names.get(lv, '')}) {n}×" for lv, n in entered.items())
        lines.append(
            f"{team}: {len(rows)} level changes in replication 0"
            + (f"; went up to {reached}" if reached else "")
        )
    return lines


LEVEL_CHANGE_SIGNS = (("+", "actions_started"), ("−", "actions_ended"), ("×", "actions_not_started"))
"""The sign :func:`_print_level_changes` puts before the actions of each timeline column."""


def _fmt(value: float | None) -> str:
    """A queue-check figure with three decimals (waits in weeks are compared with Erlang C closely)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"


register_batch_commands(app, out, err, _load)
register_explain_command(
    app, out, err, _load, lambda message: _fail([message]),
    lambda path, table: _write_csvs_atomically([(path, table, tuple(table.columns))]),
)  # fmt: skip
register_plan_command(app, out, err, _load, lambda message: _fail([message]))


@app.command("app")
def explorer(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port on localhost.")] = 8501,
) -> None:
    """Start the scenario explorer (Streamlit) on localhost; stopping this command stops the server."""
    import sys

    from caseplan.child_process import run_child

    main_page = Path(__file__).resolve().parents[1] / "app" / "main.py"
    command = [sys.executable, "-m", "streamlit", "run", str(main_page), "--server.address", "localhost",
               "--server.port", str(port), "--server.maxUploadSize", "5", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]  # fmt: skip
    raise typer.Exit(run_child(command))


def main() -> None:
    app()
