"""Why kept results differ, for the Demand page's comparison: the explanation of ``caseplan explain``
(:mod:`simulator.explain`) built from results already run, the mechanisms as a readable table, and the
same pair run again with the plan switched off on the user's request."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from simulator.explain import Explanation, active, difference_text, explanation_of, plan_off_runs, verdict
from simulator.mechanisms import GROUP_TITLES
from simulator.numbers import number
from simulator.run import ScenarioResult


def explanations(results: Mapping[str, ScenarioResult], reference: str) -> dict[str, Explanation]:
    """Each kept result other than ``reference`` explained against it, from the replications already run.

    Parameters
    ----------
    results : mapping of str to ScenarioResult
        Kept results by name; ``reference`` is one of them.
    reference : str

    Returns
    -------
    dict of str to Explanation
        Without plan-off runs (:func:`plan_off_explanation` adds them).
    """
    base = results[reference]
    return {
        name: _renamed(explanation_of(base.scenario, result.scenario, base.replications, result.replications),
                       reference, name)
        for name, result in results.items()
        if name != reference
    }  # fmt: skip


def plan_off_explanation(
    reference: ScenarioResult,
    other: ScenarioResult,
    names: tuple[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> Explanation:
    """The kept pair explained with the same replications also run with the plan switched off (only those
    runs are made: the kept results are the runs with the plan)."""
    replications = min(len(reference.replications), len(other.replications))
    plan_off = plan_off_runs(reference.scenario, other.scenario, replications, progress=progress)
    explanation = explanation_of(
        reference.scenario, other.scenario, reference.replications, other.replications, plan_off
    )
    return _renamed(explanation, *names)


def _renamed(explanation: Explanation, a_name: str, b_name: str) -> Explanation:
    """Use the names the results were kept under (two kept results may share a scenario name)."""
    explanation.a_name, explanation.b_name = a_name, b_name
    return explanation


def outcome_frame(explanation: Explanation) -> pd.DataFrame:
    """The outcomes as the page shows them: readable numbers, the verdict and, with plan-off runs, the
    plan-off difference and what the plan absorbed."""
    rows = []
    for row in explanation.outcomes.itertuples():
        shown = {
            "outcome": row.label,
            explanation.a_name: number(row.a, row.unit),
            explanation.b_name: number(row.b, row.unit),
            "difference (95% CI)": difference_text(row.diff, row.diff_ci_low, row.diff_ci_high, row.unit),
            "beyond noise": verdict(row.differs, row.diff),
        }
        if explanation.plan_off_run:
            shown["plan off: difference (95% CI)"] = difference_text(
                row.off_diff, row.off_ci_low, row.off_ci_high, row.unit
            )
            shown["absorbed by the plan"] = number(row.absorbed, row.unit, difference=True)
        rows.append(shown)
    return pd.DataFrame(rows)


def mechanism_frame(explanation: Explanation) -> pd.DataFrame:
    """The mechanisms as the page shows them, leaving out those that neither result recorded any of."""
    table = active(explanation.mechanisms)
    return pd.DataFrame(
        {
            "group": table["group"].map(GROUP_TITLES),
            "mechanism": table["label"] + ", " + table["unit"],
            explanation.a_name: [number(v) for v in table["a"]],
            explanation.b_name: [number(v) for v in table["b"]],
            "difference (95% CI)": [
                difference_text(r.diff, r.diff_ci_low, r.diff_ci_high, "") for r in table.itertuples()
            ],
            "beyond noise": [verdict(r.differs, r.diff) for r in table.itertuples()],
        }
    )
