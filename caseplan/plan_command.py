"""``caseplan plan``: the smallest staffing level that meets the service's targets (issue 16, DESIGN §13).

It parses the options or a plan file, calls :func:`simulator.planning.search.plan`, prints a table of the
levels tried and the one-line answer, and writes ``plan.json`` and ``candidates.parquet``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from caseplan.batch_commands import CONFIRM_LARGE

if TYPE_CHECKING:
    from simulator.planning.search import PlanResult

STATUS_MARK = {"met": "met", "failed": "[red]failed[/red]", "undecided": "[yellow]undecided[/yellow]"}


def register(app: typer.Typer, out: Console, err: Console, load_scenario_or_exit, fail) -> None:
    """Add ``caseplan plan`` to ``app`` (the CLI's consoles, scenario loader and error exit)."""

    @app.command()
    def plan(
        source: Annotated[Path, typer.Argument(help="Scenario or plan YAML file.", show_default=False)],
        vary: Annotated[
            str | None, typer.Option(help="PATH=LO..HI, e.g. team.workers.0.count=8..16.", show_default=False)
        ] = None,
        target: Annotated[
            list[str] | None,
            typer.Option(help='"METRIC<=X" or "METRIC>=X" (repeat for several).', show_default=False),
        ] = None,
        confidence: Annotated[
            float, typer.Option(min=0.5, max=0.999, help="Confidence of intervals.")
        ] = 0.95,
        output: Annotated[
            Path | None, typer.Option("--out", help="Output folder (default: runs/plan-<scenario>).")
        ] = None,
        executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "processes",
        workers: Annotated[int, typer.Option(min=1, max=1024, help="Worker processes.")] = 2,
        initial_reps: Annotated[
            int, typer.Option(min=2, max=10_000, help="Replications a level starts with.")
        ] = 10,
        max_reps: Annotated[int, typer.Option(min=2, max=10_000, help="Most replications at a level.")] = 40,
        verify_reps: Annotated[
            int, typer.Option(min=2, max=10_000, help="Fresh replications to verify.")
        ] = 20,
        confirm_large: Annotated[bool, CONFIRM_LARGE] = False,
    ) -> None:
        """Find the smallest count (e.g. of social workers) that meets every target with stated confidence,
        verify it on fresh replications and show that one fewer does not."""
        from batch.executors import EXECUTORS, ExecutorError, make_executor
        from batch.store import slug
        from simulator.planning.decision import at_level, current_value
        from simulator.planning.outputs import answer_sentence, write_plan
        from simulator.planning.search import plan as run_plan
        from simulator.planning.targets import PlanError
        from simulator.work import WorkTooLarge, check_work, estimate

        if executor not in EXECUTORS:
            fail(f"--executor: unknown executor '{executor}' (allowed: {', '.join(EXECUTORS)})")
        try:
            spec = _spec(source, vary, target, confidence, (initial_reps, max_reps, verify_reps))
        except _BadInput as exc:
            fail(str(exc))
        scenario = load_scenario_or_exit(spec.scenario_path, spec.overrides or None)
        decision, targets = spec.decision, spec.targets
        try:
            current_value(scenario, decision.path)
            top = at_level(scenario, decision.path, decision.high)
            at_level(scenario, decision.path, decision.low)
            check_work(estimate([(top, _most_runs(decision.high - decision.low + 1, spec.replications))]),
                       str(source), confirm_large)  # fmt: skip
            runner = make_executor(executor, workers)
            runner.check()
        except (PlanError, ExecutorError, WorkTooLarge) as exc:
            fail(f"{'--vary' if isinstance(exc, PlanError) else source}: {exc}")
        target_dir = output or Path("runs") / f"plan-{slug(scenario.meta.name)}"
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                      transient=True, disable=not err.is_terminal) as progress:  # fmt: skip
            task = progress.add_task("planning", total=None)
            try:
                result = run_plan(
                    scenario, decision, targets, spec.confidence, spec.replications, runner.run,
                    lambda runs, what: progress.update(task, description=f"{runs} runs; now {what}"),
                )  # fmt: skip
            except PlanError as exc:
                fail(f"--target: {exc}")
        write_plan(result, scenario, target_dir, runner.describe())
        print_plan(out, result)
        out.print(answer_sentence(result), highlight=False)
        out.print(f"written: {escape(str(target_dir))}/ (plan.json, candidates.parquet)", highlight=False)


class _BadInput(Exception):
    pass


class _Spec:
    """What to plan, from the options or from a plan file."""

    def __init__(self, scenario_path: Path, overrides: dict, decision, targets, confidence, replications):
        self.scenario_path, self.overrides = scenario_path, overrides
        self.decision, self.targets = decision, targets
        self.confidence, self.replications = confidence, replications


def _spec(source: Path, vary: str | None, target: list[str] | None, confidence: float, reps) -> _Spec:
    from pydantic import ValidationError

    from simulator.planning.decision import parse_vary
    from simulator.planning.plan_file import is_plan_file, load_plan_file
    from simulator.planning.search import Replications
    from simulator.planning.targets import PlanError, parse_target
    from simulator.scenario import ScenarioError
    from simulator.scenario.loader import read_yaml_mapping

    try:
        data = read_yaml_mapping(source)
    except ScenarioError as exc:
        raise _BadInput("; ".join(exc.messages)) from None
    if is_plan_file(data):
        if vary is not None or target:
            raise _BadInput(f"{source}: is a plan file; give --vary and --target in it, not as options")
        try:
            plan_file = load_plan_file(source, data)
        except ScenarioError as exc:
            raise _BadInput("; ".join(exc.messages)) from None
        return _Spec(source.parent / plan_file.scenario, plan_file.overrides, plan_file.decision,
                     plan_file.parsed_targets, plan_file.confidence, plan_file.replications)  # fmt: skip
    if vary is None or not target:
        raise _BadInput("give --vary PATH=LO..HI and at least one --target, or a plan file")
    try:
        decision = parse_vary(vary)
    except PlanError as exc:
        raise _BadInput(f"--vary: {exc}") from None
    try:
        targets = [parse_target(t) for t in target]
    except PlanError as exc:
        raise _BadInput(f"--target: {exc}") from None
    initial, cap, verification = reps
    try:
        replications = Replications(initial=initial, cap=cap, step=initial, verification=verification)
    except ValidationError as exc:
        raise _BadInput(f"--max-reps: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    return _Spec(source, {}, decision, targets, confidence, replications)


def _most_runs(levels: int, replications) -> int:
    """Runs a search can take at most: bracketing and bisecting visit about 2·log2(levels) + 2 levels."""
    visits = min(levels, 2 * math.ceil(math.log2(levels + 1)) + 2)
    return visits * replications.cap + max(replications.cap, replications.verification)


def print_plan(out: Console, result: PlanResult) -> None:
    """Every level tried (search, then verification): each target's mean, interval and verdict, and the
    level's yearly cost; one row per target so that an 80-column terminal reads it whole."""
    from simulator.figures import figure
    from simulator.planning.outputs import short_number

    table = Table(
        title=f"[bold]{escape(result.scenario)}[/bold]: {escape(result.decision.path)}, "
        f"{result.confidence:.0%} intervals, {result.runs} runs in all",
        title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
    )  # fmt: skip
    for column in ("level", "phase", "reps", "target", "mean (interval)", "verdict", "£ a year"):
        table.add_column(column, justify="right" if column in ("level", "reps", "£ a year") else "left",
                         no_wrap=column == "mean (interval)")  # fmt: skip
    names = {t.text: f"T{i}" for i, t in enumerate(result.targets, start=1)}
    levels = sorted(result.candidates, key=lambda r: r.level) + result.verifications
    for level in levels:
        mark = " ←" if level.level == result.recommended and level.phase == "verification" else ""
        phase = "verify" if level.phase == "verification" else level.phase
        for i, t in enumerate(level.targets):
            first = i == 0
            table.add_row(
                f"{level.level}{mark}" if first else "", phase if first else "",
                str(level.replications) if first else "", names[t.target.text],
                f"{short_number(t.mean)} ({short_number(t.ci_low)}–{short_number(t.ci_high)})",
                STATUS_MARK[t.status], f"{level.cost.total:,.0f}" if first else "",
                end_section=i == len(level.targets) - 1,
            )  # fmt: skip
    for target in result.targets:
        out.print(f"{names[target.text]}: {escape(target.text)} ({escape(figure(target.metric).label)})",
                  highlight=False)  # fmt: skip
    out.print(table)
    guess = result.guess
    out.print(
        f"first guess (workload ÷ case hours): {guess.level} — {guess.demanded_hours:,.0f} case hours a week "
        f"demanded, {guess.other_hours:,.0f} from the others, {guess.hours_per_worker:.1f} per worker",
        highlight=False,
    )
