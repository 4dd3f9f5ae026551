"""The analyst's commands: ``caseplan batch``, ``caseplan compare`` and ``caseplan replications`` (issue 7)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from caseplan.csv_output import write_csv_file
from simulator.text_input import printable

BAD_INPUT = 2
CONFIRM_LARGE = typer.Option(
    "--confirm-large", help="Run even if the work is estimated above the limit (see the README's limits)."
)


def register(app: typer.Typer, out: Console, err: Console, load_scenario_or_exit) -> None:
    """Add the batch commands to ``app`` (the CLI's consoles and scenario loader are shared)."""

    def fail(message: str) -> None:
        err.print(f"[red]error:[/red] {escape(printable(message))}", highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT)

    @app.command()
    def batch(
        grid: Annotated[Path, typer.Argument(help="Grid YAML file.", show_default=False)],
        out_dir: Annotated[Path, typer.Option("--out", help="Output directory of the batch.")],
        executor: Annotated[str, typer.Option(help="serial, processes or dask.")] = "serial",
        workers: Annotated[int, typer.Option(min=1, max=1024, help="Worker processes.")] = 2,
        scheduler: Annotated[
            str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")
        ] = None,
        timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to reach the scheduler.")] = 10.0,
        force: Annotated[bool, typer.Option("--force", help="Replace another batch in --out.")] = False,
        confirm_large: Annotated[bool, CONFIRM_LARGE] = False,
    ) -> None:
        """Run a grid of scenarios × replications into a Parquet dataset (re-run to resume)."""
        from batch.driver import BatchError, run_batch
        from batch.executors import ExecutorError, make_executor
        from simulator.scenario import ScenarioError
        from simulator.work import WorkTooLarge

        try:
            chosen = make_executor(executor, workers, scheduler, timeout)
        except ExecutorError as exc:
            fail(str(exc))
        columns = (TextColumn("[bold]runs"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
        problems: list[str] = []
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("runs", total=None)
            try:
                report = run_batch(
                    grid, out_dir, chosen, force=force, confirm_large=confirm_large,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )  # fmt: skip
            except ScenarioError as exc:
                problems = exc.messages
            except (BatchError, ExecutorError, WorkTooLarge) as exc:
                problems = [str(exc)]
        if problems:  # printed once the progress bar has gone, so stderr holds the error lines only
            for message in problems:
                err.print(f"[red]error:[/red] {escape(printable(message))}", highlight=False, soft_wrap=True)
            raise typer.Exit(BAD_INPUT)
        for note in report.notes:
            err.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
        for key, error in report.failed:
            err.print(f"[red]failed:[/red] {key.scenario} replication {key.replication}: {escape(error)}")
        out.print(
            f"{report.planned} runs planned: {report.done} done now, {report.skipped} already stored, "
            f"{len(report.failed)} failed; outputs in {out_dir}/",
            highlight=False,
        )
        if report.failed:
            raise typer.Exit(1)

    @app.command()
    def compare(
        out_dir: Annotated[Path, typer.Argument(help="Output directory of a batch.", show_default=False)],
        reference: Annotated[str | None, typer.Option(help="Scenario to compare with.")] = None,
        metric: Annotated[list[str] | None, typer.Option(help="Figure(s) to compare (default: all).")] = None,
        output: Annotated[Path | None, typer.Option("--out", help="Write the table as CSV.")] = None,
        explain: Annotated[
            bool,
            typer.Option(
                "--explain",
                help="Also compare the mechanisms (demand, capacity, the plan's actions, allocation) of each "
                "scenario with the reference; with --out they go to NAME.mechanisms.csv beside it.",
            ),
        ] = False,
    ) -> None:
        """Means with 95% CIs and paired differences from a reference scenario (common random numbers)."""
        from batch.compare import compare as compare_runs
        from caseplan.help_format import did_you_mean
        from simulator.explain import difference_text
        from simulator.figures import FIGURES, figure
        from simulator.numbers import interval, number

        if not (out_dir / "runs").is_dir():
            fail(f"{out_dir}: not a batch output directory (no runs/); run `caseplan batch` first")
        try:
            table = compare_runs(out_dir, metric or None, reference)
        except ValueError as exc:
            unknown = [m for m in metric or [] if m not in FIGURES]
            hint = did_you_mean(unknown, FIGURES).strip()
            fail(f"--metric: {exc}" + (f"; {hint}" if hint else "") if unknown else str(exc))
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            write_csv_file(table, output)
        for name, rows in table.groupby("metric", sort=False):
            unit = figure(str(name)).unit
            shown = Table(title=str(name), caption=figure(str(name)).label)
            for column in ("scenario", "n", "mean (95% CI)", "paired difference (95% CI)", "unpaired ±"):
                if column == "scenario":  # a grid's names have no spaces: fold them rather than cut them
                    shown.add_column(column, overflow="fold", ratio=2)
                else:
                    shown.add_column(column, justify="right", ratio=None if column == "n" else 2)
            for row in rows.itertuples():
                diff = (
                    "reference"
                    if row.pairs == 0
                    else difference_text(row.diff, row.diff_ci_low, row.diff_ci_high, unit)
                )
                spread = (
                    "–" if row.pairs == 0 else "±" + number(row.unpaired_half_width, unit, difference=True)
                )
                shown.add_row(
                    escape(str(row.scenario)), str(row.n), interval(row.mean, row.ci_low, row.ci_high, unit), diff,
                    spread,
                )  # fmt: skip
            out.print(shown)
        if explain:
            _print_mechanisms(out_dir, reference, output)

    def _print_mechanisms(out_dir: Path, reference: str | None, output: Path | None) -> None:
        from batch.explain import compare_mechanisms
        from caseplan.explain_command import mechanism_table

        try:
            mechanisms = compare_mechanisms(out_dir, reference)
        except ValueError as exc:
            fail(str(exc))
        if output is not None:
            write_csv_file(mechanisms, output.with_suffix(".mechanisms.csv"))
        for (name, base), rows in mechanisms.groupby(["scenario", "reference"], sort=False):
            out.print(mechanism_table(f"Mechanisms: {name} − {base}", base, name, rows))

    @app.command()
    def replications(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
        metric: Annotated[str, typer.Option(help="A summary.json figure.")] = "unallocated_cases",
        half_width: Annotated[float, typer.Option(min=1e-12, help="Target 95% CI half-width.")] = 0.5,
        pilot: Annotated[int, typer.Option(min=2, max=1000, help="Pilot replications.")] = 10,
        confirm_large: Annotated[bool, CONFIRM_LARGE] = False,
    ) -> None:
        """Replications needed for a target precision of one figure (confidence-interval method)."""
        from batch.compare import replications_needed
        from caseplan.help_format import did_you_mean
        from simulator.run import run_scenario
        from simulator.work import WorkTooLarge, check_work, estimate

        loaded = load_scenario_or_exit(scenario)
        try:
            check_work(estimate([(loaded, pilot)]), str(scenario), confirm_large)
        except WorkTooLarge as exc:
            fail(str(exc))
        result = run_scenario(loaded, pilot)
        if metric not in result.replications[0].figures:
            figures = result.replications[0].figures
            fail(
                f"--metric: unknown figure '{metric}'; {did_you_mean([metric], figures)}figures: {', '.join(figures)}"
            )
        values = [r.figures.get(metric, math.nan) for r in result.replications]
        values = [v for v in values if not math.isnan(v)]
        if len(values) < 2:
            fail(f"{metric} is undefined in most pilot replications; choose another figure")
        needed = replications_needed(values, half_width)
        out.print(
            f"{metric}: pilot of {len(values)} replications, mean {_f(sum(values) / len(values))}; "
            f"{needed} replications give a 95% CI half-width ≤ {half_width:g}",
            highlight=False,
        )


def _f(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
