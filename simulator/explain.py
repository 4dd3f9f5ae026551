"""Why two scenarios differ: paired outcomes, the mechanisms beside them and what the plan absorbed (DESIGN §14).

``explain`` runs scenario A and scenario B on the same replications (common random numbers, DESIGN §9),
then the same pair again with the contingency plan switched off, on the same seeds. For each outcome it
gives the paired difference B − A with its 95% interval and whether the interval excludes zero (a
difference beyond noise); beside it the same difference with the plan off, and the part the plan absorbed
(the plan-off difference minus the plan-on one, paired by replication). The mechanisms
(:mod:`simulator.mechanisms`) are compared the same way, and :func:`summary_sentences` names the largest in
plain English.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from simulator.figures import difference_bounds, figure
from simulator.mechanisms import MECHANISMS, mechanism_figures
from simulator.numbers import nonzero, number
from simulator.run import ReplicationResult, run_replication
from simulator.scenario import Scenario
from simulator.statistics import mean_ci

LEVEL_3_OR_4 = "team_weeks_at_level_3_or_4"
Item = tuple[int, int]
Runner = Callable[[Callable[[Item], ReplicationResult], list[Item]], Iterable[tuple[Item, ReplicationResult]]]
"""An executor's ``run``: (function, items) → ``(item, result)`` pairs as they complete."""

OUTCOMES = (
    "unallocated_cases",
    "mean_wait_to_allocation_days",
    "mean_load_ratio",
    "agency_cost",
    LEVEL_3_OR_4,
    "supervision_on_time_share",
)
"""The outcomes a comparison shows by default (``--metric`` chooses others)."""

SHORT_LABELS = {
    "unallocated_cases": "cases waiting (time average)",
    "mean_wait_to_allocation_days": "days waiting for a worker",
    "mean_load_ratio": "mean load ratio",
    "agency_cost": "agency cost",
    LEVEL_3_OR_4: "team-weeks at level 3 or 4",
    "supervision_on_time_share": "supervision on time",
}
"""Short names of the default outcomes, for tables and sentences."""

OUTCOME_COLUMNS = (
    "name", "label", "unit", "a", "b", "diff", "diff_ci_low", "diff_ci_high", "differs",
    "off_a", "off_b", "off_diff", "off_ci_low", "off_ci_high", "off_differs",
    "absorbed", "absorbed_ci_low", "absorbed_ci_high",
)  # fmt: skip
MECHANISM_COLUMNS = (
    "group",
    "name",
    "label",
    "unit",
    "a",
    "b",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "differs",
)


@dataclass
class Explanation:
    """A paired comparison of two scenarios with its mechanisms.

    ``outcomes`` has one row per outcome (:data:`OUTCOME_COLUMNS`; the ``off_*`` and ``absorbed*``
    columns are empty when neither scenario has a plan); ``mechanisms`` one row per mechanism that
    either scenario recorded (:data:`MECHANISM_COLUMNS`), from the runs with the plan on.
    """

    a_name: str
    b_name: str
    replications: int
    weeks: tuple[int, int]
    plan_off_run: bool
    outcomes: pd.DataFrame
    mechanisms: pd.DataFrame


def explain(
    a: Scenario,
    b: Scenario,
    replications: int = 20,
    metrics: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    run: Runner | None = None,
) -> Explanation:
    """Run ``a`` and ``b`` on the same replications, with the plan and without, and compare them.

    Parameters
    ----------
    a, b : Scenario
        The reference and the scenario compared with it (differences are B − A).
    replications : int
        Replications 0 … n−1 of each; replication r of A is paired with replication r of B.
    metrics : sequence of str, optional
        Summary figures to compare (default :data:`OUTCOMES`; ``team_weeks_at_level_3_or_4`` is the sum of
        the level-3 and level-4 figures).
    progress : callable, optional
        Called with (runs done, runs in all).
    run : callable, optional
        Runs a function over items and yields ``(item, result)`` in any order: the ``run`` method of an
        executor of :mod:`batch.executors` (default: one after another here). Every run draws from its
        own (seed, replication, stream), so the answer is the same on any executor.

    Returns
    -------
    Explanation
    """
    with_plan = _has_plan(a, b)
    scenarios = [a, b] + ([_plan_off(a), _plan_off(b)] if with_plan else [])
    runs = _run_all(scenarios, replications, progress, run)
    plan_off = (runs[2], runs[3]) if with_plan else None
    return explanation_of(a, b, runs[0], runs[1], plan_off, metrics)


def plan_off_runs(
    a: Scenario,
    b: Scenario,
    replications: int,
    progress: Callable[[int, int], None] | None = None,
    run: Runner | None = None,
) -> tuple[list[ReplicationResult], list[ReplicationResult]] | None:
    """Replications 0 … n−1 of ``a`` and ``b`` with the plan switched off, for :func:`explanation_of`
    when the runs with the plan are already at hand (None when neither has a plan: nothing to switch off)."""
    if not _has_plan(a, b):
        return None
    off_a, off_b = _run_all([_plan_off(a), _plan_off(b)], replications, progress, run)
    return off_a, off_b


def _has_plan(a: Scenario, b: Scenario) -> bool:
    return a.contingency is not None or b.contingency is not None


def _run_all(
    scenarios: list[Scenario],
    replications: int,
    progress: Callable[[int, int], None] | None,
    run: Runner | None,
) -> list[list[ReplicationResult]]:
    """Replications 0 … n−1 of every scenario, on ``run`` (in any order), each list in replication order."""
    items = [(i, r) for i in range(len(scenarios)) for r in range(replications)]
    results: dict[tuple[int, int], ReplicationResult] = {}
    for (i, r), result in (run or _serial)(partial(_replicate, scenarios), items):
        results[i, r] = result
        if progress is not None:
            progress(len(results), len(items))
    return [[results[i, r] for r in range(replications)] for i in range(len(scenarios))]


def explanation_of(
    a: Scenario,
    b: Scenario,
    runs_a: list[ReplicationResult],
    runs_b: list[ReplicationResult],
    plan_off: tuple[list[ReplicationResult], list[ReplicationResult]] | None = None,
    metrics: Sequence[str] | None = None,
) -> Explanation:
    """The explanation of replications already run (the explorer's kept results, or :func:`explain`'s).

    Parameters
    ----------
    a, b : Scenario
    runs_a, runs_b : list of ReplicationResult
        Replication r of one is paired with replication r of the other (the shorter list sets the pairs).
    plan_off : pair of lists of ReplicationResult, optional
        The same replications with the plan switched off; without them the ``off_*`` columns are empty.
    metrics : sequence of str, optional
        As for :func:`explain`.

    Returns
    -------
    Explanation
    """
    pairs = min(len(runs_a), len(runs_b))
    runs_a, runs_b = runs_a[:pairs], runs_b[:pairs]
    off_a, off_b = (plan_off[0][:pairs], plan_off[1][:pairs]) if plan_off is not None else ([], [])
    outcomes = pd.DataFrame(
        [_outcome_row(name, runs_a, runs_b, off_a, off_b) for name in metrics or OUTCOMES],
        columns=OUTCOME_COLUMNS,
    )
    return Explanation(
        a.meta.name, b.meta.name, pairs, (a.meta.warmup_weeks, a.meta.horizon_weeks), plan_off is not None,
        outcomes, _mechanism_rows(runs_a, runs_b),
    )  # fmt: skip


def _plan_off(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"contingency": None})


def _replicate(scenarios: list[Scenario], item: tuple[int, int]) -> ReplicationResult:
    """Replication ``r`` of scenario ``i`` (a top-level function, so process executors can run it)."""
    i, r = item
    return run_replication(scenarios[i], r)


def _serial(fn, items):
    for item in items:
        yield item, fn(item)


def outcome_value(result: ReplicationResult, name: str) -> float:
    """A summary figure of one replication (NaN where the run lacks it), with the level-3-or-4 sum."""
    figures = result.figures
    if name == LEVEL_3_OR_4:
        if "team_weeks_at_level_3" not in figures:
            return math.nan
        return figures["team_weeks_at_level_3"] + figures["team_weeks_at_level_4"]
    return float(figures.get(name, math.nan))


def _outcome_row(name, on_a, on_b, off_a, off_b) -> dict:
    values = {key: [outcome_value(r, name) for r in runs] for key, runs in
              (("a", on_a), ("b", on_b), ("off_a", off_a), ("off_b", off_b))}  # fmt: skip
    info = figure("team_weeks_at_level_3" if name == LEVEL_3_OR_4 else name)
    label = short_label(name, info.label)
    bounds = (info.low, info.high)
    on = paired(values["a"], values["b"], bounds)
    off = paired(values["off_a"], values["off_b"], bounds)
    absorbed = mean_ci(_absorbed(values))
    return {
        "name": name, "label": label, "unit": info.unit,
        "a": on["a"], "b": on["b"], "diff": on["diff"], "diff_ci_low": on["low"], "diff_ci_high": on["high"],
        "differs": on["differs"],
        "off_a": off["a"], "off_b": off["b"], "off_diff": off["diff"], "off_ci_low": off["low"],
        "off_ci_high": off["high"], "off_differs": off["differs"],
        "absorbed": absorbed["mean"], "absorbed_ci_low": absorbed["ci_low"], "absorbed_ci_high": absorbed["ci_high"],
    }  # fmt: skip


def short_label(name: str, label: str) -> str:
    """The short name of a default outcome, else its full label."""
    return SHORT_LABELS.get(name, label)


def _absorbed(values: dict[str, list[float]]) -> list[float]:
    """Per replication, (B − A with the plan off) − (B − A with the plan on)."""
    if not values["off_a"]:
        return []
    return [
        (ob - oa) - (b - a)
        for a, b, oa, ob in zip(values["a"], values["b"], values["off_a"], values["off_b"])
        if not any(math.isnan(v) for v in (a, b, oa, ob))
    ]


def paired(a: Sequence[float], b: Sequence[float], bounds: tuple[float, float]) -> dict:
    """Means of ``a`` and ``b`` and the mean paired difference b − a with its 95% interval.

    ``bounds`` is the figure's possible range; the difference's interval stays within the range of a
    difference (:func:`simulator.figures.difference_bounds`).
    ``differs`` is true when the interval excludes zero: the difference is beyond noise.
    """
    pairs = [(x, y) for x, y in zip(a, b) if not (math.isnan(x) or math.isnan(y))]
    diff = mean_ci([y - x for x, y in pairs], bounds=difference_bounds(bounds))
    ci_low, ci_high = diff["ci_low"], diff["ci_high"]
    return {
        "a": mean_ci(a)["mean"],
        "b": mean_ci(b)["mean"],
        "diff": diff["mean"],
        "low": ci_low,
        "high": ci_high,
        "differs": bool(ci_low is not None and ci_high is not None and (ci_low > 0 or ci_high < 0)),
    }


def _mechanism_rows(on_a: list[ReplicationResult], on_b: list[ReplicationResult]) -> pd.DataFrame:
    figures_a = [mechanism_figures(r.weekly) for r in on_a]
    figures_b = [mechanism_figures(r.weekly) for r in on_b]
    return mechanism_comparison(pd.DataFrame(figures_a), pd.DataFrame(figures_b))


def mechanism_comparison(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Paired comparison of the mechanisms of two scenarios, one row per mechanism either recorded.

    Parameters
    ----------
    a, b : DataFrame
        One row per replication (in the same order: row r of ``a`` pairs with row r of ``b``), one column
        per mechanism (:func:`simulator.mechanisms.mechanism_figures`). A mechanism one scenario did not
        record (no plan) counts as zero there: that scenario took no such action.

    Returns
    -------
    DataFrame
        :data:`MECHANISM_COLUMNS`, in the order of :data:`simulator.mechanisms.MECHANISMS`.
    """
    rows = []
    for mechanism in MECHANISMS:
        if mechanism.name not in a and mechanism.name not in b:
            continue
        column_a = _column(a, mechanism.name, len(b))
        column_b = _column(b, mechanism.name, len(a))
        stats = paired(column_a, column_b, (0.0, math.inf))
        rows.append(
            {"group": mechanism.group, "name": mechanism.name, "label": mechanism.label, "unit": mechanism.unit,
             "a": stats["a"], "b": stats["b"], "diff": stats["diff"], "diff_ci_low": stats["low"],
             "diff_ci_high": stats["high"], "differs": stats["differs"]}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=MECHANISM_COLUMNS)


def _column(table: pd.DataFrame, name: str, rows: int) -> list[float]:
    if name in table:
        return [float(v) for v in table[name]]
    return [0.0] * (len(table) or rows)


def active(mechanisms: pd.DataFrame) -> pd.DataFrame:
    """The mechanisms either scenario had any of (a plan action neither took is left out of displays)."""
    return mechanisms[(mechanisms["a"] != 0) | (mechanisms["b"] != 0)]


def verdict(differs: bool, diff: float | None) -> str:
    """'yes' when a difference is beyond noise, 'no' when it is not, '' when there is none."""
    if diff is None or math.isnan(diff):
        return ""
    return "yes" if differs else "no"


# ------------------------------------------------------------------------------------ plain English


def summary_sentences(explanation: Explanation, largest: int = 3) -> list[str]:
    """Short plain-English sentences naming the outcomes that differ and the largest mechanisms behind them.

    Parameters
    ----------
    explanation : Explanation
    largest : int
        How many capacity and demand mechanisms to name besides the net ones (:data:`NET_MECHANISMS`);
        the plan's actions that moved are all named.

    Returns
    -------
    list of str
        The outcomes beyond noise (means only: the tables give the intervals), those within noise, the
        mechanisms underneath, the plan's actions, allocation, and what the plan-off runs show.
    """
    e = explanation
    outcomes = e.outcomes
    moved = outcomes[outcomes["differs"]]
    sentences = []
    if moved.empty:
        sentences.append(
            f"Over {e.replications} paired replications, no outcome of {e.b_name} differs from {e.a_name} "
            "beyond noise."
        )
    else:
        changes = ", ".join(_change(row) for row in moved.itertuples())
        sentences.append(f"Beyond noise, {e.b_name} has {changes} than {e.a_name}.")
    still = outcomes[~outcomes["differs"] & outcomes["diff"].notna()]
    if not still.empty:
        sentences.append(f"Within noise: {', '.join(still['label'])}.")
    mechanisms = e.mechanisms[e.mechanisms["differs"]]
    underneath = mechanisms[mechanisms["group"].isin(["demand", "capacity"])]
    if named := _underneath(underneath, largest):
        sentences.append(f"Underneath: {', '.join(_move(row) for row in named)}.")
    actions = mechanisms[mechanisms["group"] == "plan"]
    if not actions.empty:
        more = "more" if (actions["diff"] > 0).sum() >= (actions["diff"] < 0).sum() else "less"
        sentences.append(
            f"The contingency plan did {more}: {', '.join(_move(row) for row in actions.itertuples())}."
        )
    allocation = mechanisms[mechanisms["group"] == "allocation"]
    if not allocation.empty:
        sentences.append(f"Allocation: {', '.join(_move(row) for row in allocation.itertuples())}.")
    if e.plan_off_run:
        sentences.extend(_plan_off_sentences(outcomes))
    return sentences


def _plan_off_sentences(outcomes: pd.DataFrame) -> list[str]:
    """What the plan-off runs show for the first outcome, and for any outcome that differs beyond noise
    with the plan off but not with it (the plan hid the scenario's effect)."""
    shown = outcomes[(outcomes.index == 0) | (outcomes["off_differs"] & ~outcomes["differs"])]
    sentences = []
    for row in shown.itertuples():
        if row.off_diff is None or (isinstance(row.off_diff, float) and math.isnan(row.off_diff)):
            continue
        verdict = "beyond noise" if row.off_differs else "within noise"
        text = (
            f"With the plan switched off (same random numbers), the difference in {row.label} is "
            f"{_signed(row.off_diff, row.unit)} ({_interval(row.off_ci_low, row.off_ci_high, row.unit)}, "
            f"{verdict})"
        )
        absorbed = _absorbed_clause(row.off_diff, row.absorbed, row.unit) if row.off_differs else ""
        sentences.append(text + absorbed + ".")
    return sentences


def _absorbed_clause(off_diff: float, absorbed: float | None, unit: str) -> str:
    """How the plan changed the scenario's own effect: absorbed part of it, or widened it."""
    if absorbed is None or math.isnan(absorbed) or absorbed == 0 or off_diff == 0:
        return ""
    size = number(abs(absorbed), unit, difference=True)
    if (absorbed > 0) != (off_diff > 0):
        return f"; the plan widened it by {size}"
    if abs(absorbed) >= abs(off_diff):
        return f"; the plan absorbed all of it ({size})"
    return f"; the plan absorbed {size} of it ({abs(absorbed / off_diff):.0%})"


NET_MECHANISMS = ("case_capacity_hours", "in_post_fte", "referrals")
"""Named first when they moved: the net capacity the team had for cases, its staff and the demand on it."""

NOTABLE = 0.02
"""A mechanism is named in the paragraph only if it moved by at least 2% of its level (beyond noise too)."""


def _underneath(moved: pd.DataFrame, largest: int) -> list:
    """The net capacity and demand mechanisms that moved, then the ``largest`` others by relative size."""
    moved = moved[relative_size(moved) >= NOTABLE]
    net = moved[moved["name"].isin(NET_MECHANISMS)].sort_values(
        "name", key=lambda n: n.map(NET_MECHANISMS.index)
    )
    others = moved[~moved["name"].isin(NET_MECHANISMS)]
    ranked = others.assign(size=relative_size(others)).nlargest(largest, "size")
    return list(net.itertuples()) + list(ranked.itertuples())


def relative_size(rows: pd.DataFrame) -> pd.Series:
    """Each difference relative to the mean level of the two scenarios (0 where both are 0), so that
    mechanisms in different units can be ranked."""
    scale = (rows["a"].abs() + rows["b"].abs()) / 2
    return (rows["diff"].abs() / scale.where(scale > 0)).fillna(0.0)


def _change(row) -> str:
    if _countable(row.unit):
        direction = "more" if row.diff > 0 else "fewer"
    else:
        direction = "higher" if row.diff > 0 else "lower"
    return f"{direction} {row.label} ({number(row.a, row.unit)} → {number(row.b, row.unit)})"


def _move(row) -> str:
    return f"{row.label} {number(row.a, row.unit)} → {number(row.b, row.unit)} {row.unit}".rstrip()


def _countable(unit: str) -> bool:
    return unit in ("cases", "days", "team-weeks", "sessions", "referrals", "people")


def _interval(low, high, unit: str) -> str:
    if low is None or high is None:
        return "no interval from one replication"
    return f"95% CI {_bare(low, unit)} to {_bare(high, unit)}"


def _signed(value: float, unit: str) -> str:
    text = number(value, unit, difference=True)
    return "+" + text if value > 0 and nonzero(text) else text


def _bare(value: float, unit: str) -> str:
    """An interval end: like the difference it bounds, without the word 'points' again."""
    return number(value, unit, difference=True).removesuffix(" points")


def difference_text(diff: float | None, low: float | None, high: float | None, unit: str) -> str:
    """A paired difference with its interval, e.g. ``+6.55 (2.44 to 10.7)`` or ``−10.3 points (−19.5 to −1.1)``."""
    if diff is None or math.isnan(diff):
        return "–"
    text = _signed(diff, unit)
    if low is not None and high is not None and not math.isnan(low):
        text += f" ({_bare(low, unit)} to {_bare(high, unit)})"
    return text
