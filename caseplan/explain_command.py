"""``caseplan explain A B``: why two scenarios differ (issue 13, DESIGN §14). It parses, calls
:func:`simulator.explain.explain` and prints three tables and a paragraph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from caseplan.progress import runs_progress

if TYPE_CHECKING:
    from simulator.explain import Explanation


def register(app: typer.Typer, out: Console, err: Console, load_scenario_or_exit, fail, write_csv) -> None:
    """Add ``caseplan explain`` to ``app`` (the CLI's consoles, loader, error exit and CSV writer)."""

    @app.command()
    def explain(
        reference: Annotated[Path, typer.Argument(help="Scenario A, the reference.", show_default=False)],
        scenario: Annotated[Path, typer.Argument(help="Scenario B, compared with A.", show_default=False)],
        reps: Annotated[int, typer.Option("--reps", min=2, max=1000, help="Paired replications.")] = 20,
        metric: Annotated[
            list[str] | None,
            typer.Option(
                "--metric", help="Outcome(s) to compare (default: the six main ones).", show_default=False
            ),
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--out", help="Also write the tables as one CSV.", show_default=False)
        ] = None,
        executor: Annotated[str, typer.Option(help="serial or processes.")] = "processes",
        workers: Annotated[int, typer.Option(min=1, max=1024, help="Worker processes.")] = 2,
    ) -> None:
        """Compare scenario B with A on the same random numbers, say which mechanisms moved and how much of
        the difference the contingency plan absorbed."""
        from batch.executors import EXECUTORS, make_executor
        from caseplan.help_format import did_you_mean
        from simulator.explain import OUTCOMES
        from simulator.explain import explain as explain_pair
        from simulator.figures import FIGURES

        if executor not in EXECUTORS[:2]:
            fail(f"--executor: unknown executor '{executor}' (allowed: serial, processes)")

        a, b = load_scenario_or_exit(reference), load_scenario_or_exit(scenario)
        known = set(FIGURES) | set(OUTCOMES)
        if unknown := [m for m in metric or [] if m not in known]:
            fail(f"--metric: unknown figure(s) {', '.join(unknown)}; {did_you_mean(unknown, known)}"
                 f"figures: {', '.join(sorted(known))}")  # fmt: skip
        if output is not None and output.is_dir():
            fail(f"--out: {output} is a directory; give a file name such as explain.csv")
        with runs_progress(err) as progress:
            task = progress.add_task(f"{a.meta.name} vs {b.meta.name}: runs", total=None)
            result = explain_pair(
                a, b, reps, metric or None, lambda done, total: progress.update(task, completed=done, total=total),
                run=make_executor(executor, workers).run,
            )  # fmt: skip
        if output is not None:
            write_csv(output, explanation_table(result))
        print_explanation(out, result)
        if output is not None:
            out.print(f"written: {escape(str(output))}", highlight=False)


def explanation_table(e: Explanation):
    """Outcomes and mechanisms as one tidy table for ``--out`` (a ``section`` column tells them apart)."""
    import pandas as pd

    outcomes = e.outcomes.assign(section="outcome", group="")
    mechanisms = e.mechanisms.assign(section="mechanism")
    return pd.concat([outcomes, mechanisms], ignore_index=True).pipe(
        lambda t: t[["section", "group", *[c for c in t.columns if c not in ("section", "group")]]]
    )


def print_explanation(out: Console, e: Explanation) -> None:
    """The explanation as an 80-column reader sees it: outcomes, plan off, mechanisms, a paragraph."""
    from simulator.explain import number, short_label, summary_sentences, verdict
    from simulator.statistics import FEW_REPLICATIONS

    first, last = e.weeks
    out.print(
        f"[bold]{escape(e.b_name)}[/bold] compared with [bold]{escape(e.a_name)}[/bold]: {e.replications} "
        f"paired replications (common random numbers), weeks {first}–{last}; differences are "
        f"{escape(e.b_name)} − {escape(e.a_name)}",
        highlight=False,
    )
    if e.replications < FEW_REPLICATIONS:
        out.print(f"note: {e.replications} replications give rough intervals; use --reps 20 or more")
    title = "Outcomes" + (", with the contingency plan" if e.plan_off_run else "")
    table = _table(title, e.a_name, e.b_name, "beyond\nnoise")
    for row in e.outcomes.itertuples():
        table.add_row(
            short_label(row.name, row.label), number(row.a, row.unit), number(row.b, row.unit),
            _difference(row.diff, row.diff_ci_low, row.diff_ci_high, row.unit, row.differs),
            verdict(row.differs, row.diff),
        )  # fmt: skip
    out.print(table)
    if e.plan_off_run:
        off = _table(
            "The same pair with the plan switched off (same seeds)", e.a_name, e.b_name, "plan absorbed"
        )
        for row in e.outcomes.dropna(
            subset=["off_a", "off_b"], how="all"
        ).itertuples():  # no levels without a plan
            off.add_row(
                short_label(row.name, row.label), number(row.off_a, row.unit), number(row.off_b, row.unit),
                _difference(row.off_diff, row.off_ci_low, row.off_ci_high, row.unit, row.off_differs),
                number(row.absorbed, row.unit, difference=True),
            )  # fmt: skip
        out.print(off)
    out.print(mechanism_table("Mechanisms, with the plan", e.a_name, e.b_name, e.mechanisms))
    sentences = Table.grid(padding=(0, 1))  # a hanging indent: wrapped lines start under the text
    sentences.add_column()
    sentences.add_column(ratio=1)
    for sentence in summary_sentences(e):
        sentences.add_row("-", escape(sentence))
    out.print(sentences, highlight=False)


def mechanism_table(title: str, a_name: str, b_name: str, rows) -> Table:
    """The mechanisms of a comparison (:data:`simulator.explain.MECHANISM_COLUMNS`) under group headings."""
    from simulator.explain import active, number, verdict
    from simulator.mechanisms import GROUP_TITLES

    table = _table(title, a_name, b_name, "beyond\nnoise", first="mechanism")
    for group, members in active(rows).groupby("group", sort=False):
        table.add_row(f"[bold]{GROUP_TITLES[group]}[/bold]")
        for row in members.itertuples():
            table.add_row(
                f"{row.label}, {row.unit}", number(row.a), number(row.b),
                _difference(row.diff, row.diff_ci_low, row.diff_ci_high, "", row.differs),
                verdict(row.differs, row.diff),
            )  # fmt: skip
    return table


def _table(title: str, a_name: str, b_name: str, last: str, first: str = "outcome") -> Table:
    table = Table(title=f"[bold]{title}[/bold]", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(first, overflow="fold", min_width=24)  # the label reads whole; names may fold
    table.add_column(escape(a_name), justify="right", overflow="fold")
    table.add_column(escape(b_name), justify="right", overflow="fold")
    table.add_column("difference (95% CI)", justify="right", overflow="fold")
    table.add_column(last, justify="right", overflow="fold")
    return table


def _difference(diff, low, high, unit: str, differs: bool) -> str:
    from simulator.explain import difference_text

    text = difference_text(diff, low, high, unit)
    return f"[bold]{text}[/bold]" if differs else text
