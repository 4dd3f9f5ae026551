"""Results the explorer keeps and draws: a cache of runs, bands over time and paired comparisons.

The pages keep one :class:`ResultCache` in the Streamlit session: a scenario and a number of replications
are run once (the key is :func:`batch.grid.scenario_hash` and the replications), the results survive page
switches, and a run that fails never touches what is stored. Results the user keeps under a name are
compared by :func:`compare_results`, paired by replication as ``caseplan compare`` does for a batch
(common random numbers: replication *r* of every scenario with the same seed shares its random streams).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from batch.compare import compare_row, figures_of
from batch.grid import scenario_hash
from caseplan.explorer.running import bands
from simulator.figures import NON_NEGATIVE, figure
from simulator.run import SUMMARY_KEYS, ScenarioResult, run_scenario
from simulator.scenario import Scenario, ScenarioError, validate_scenario
from simulator.statistics import FEW_REPLICATIONS

BAND_COLUMNS = ["week", "week_start", "series", "mean", "low", "high"]
"""Columns of :func:`over_time`: one row per week and series, the mean with its 95% interval."""

SUMMARY_COLUMNS = ["figure", "label", "mean", "ci_low", "ci_high", "n", "few_replications"]
"""Columns of :func:`summary_table`."""

SERVICE_SUMS = ("open_cases", "unallocated", "load_hours", "case_capacity_hours", "allocations",
                "in_post_fte", "vacancies_fte", "agency_fte")  # fmt: skip
"""Weekly columns summed over teams for the service-level series."""


@dataclass(frozen=True)
class Measure:
    """A quantity drawn over time.

    Attributes
    ----------
    label : str
        The chart's title (and the y axis).
    columns : tuple of str
        Columns of :func:`service_weekly` (or, with ``by_team``, of the weekly table); one series each.
    by_team : bool
        One series per team instead of one per column (the first column only).
    """

    label: str
    columns: tuple[str, ...]
    by_team: bool = False


MEASURES = {
    "open_cases": Measure("Open cases", ("open_cases",)),
    "unallocated": Measure("Unallocated cases", ("unallocated",)),
    "load_ratio_team": Measure("Load ratio by team (load ÷ case capacity)", ("load_ratio",), by_team=True),
    "load_ratio": Measure("Load ratio, whole service (load ÷ case capacity)", ("load_ratio",)),
    "mean_wait_days": Measure("Mean wait to allocation (days)", ("mean_wait_days",)),
    "staffing": Measure("Staffing (FTE)", ("in_post_fte", "vacancies_fte", "agency_fte")),
    "in_post_fte": Measure("In-post FTE", ("in_post_fte",)),
    "vacancies_fte": Measure("Vacant FTE", ("vacancies_fte",)),
    "agency_fte": Measure("Agency FTE", ("agency_fte",)),
}
"""The measures the Demand page draws, by name."""

DEMAND_CHARTS = ("open_cases", "unallocated", "load_ratio_team", "mean_wait_days", "staffing")
"""The Demand page's charts of one result."""

COMPARE_CHARTS = ("open_cases", "unallocated", "load_ratio", "mean_wait_days", "in_post_fte",
                  "vacancies_fte", "agency_fte")  # fmt: skip
"""Single-series measures that can be drawn for several scenarios on the same axes."""

SERIES_LABELS = {"in_post_fte": "in post", "vacancies_fte": "vacant", "agency_fte": "agency"}

RESULTS_KEY = "explorer_results"
"""Where the pages keep their :class:`ResultCache` in the session state."""
KEPT_KEY = "explorer_kept"
"""Where the Demand page keeps the results the user named for comparison (name → ScenarioResult)."""


# ------------------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class CachedResult:
    """A stored run: its key, its result and the name the user knew the scenario by.

    Attributes
    ----------
    key : tuple of (str, int)
        :func:`result_key`.
    result : ScenarioResult
    label : str
    """

    key: tuple[str, int]
    result: ScenarioResult
    label: str


def result_key(scenario: Scenario, replications: int) -> tuple[str, int]:
    """The cache key of a run: the scenario's hash and the number of replications.

    Parameters
    ----------
    scenario : Scenario
    replications : int

    Returns
    -------
    tuple of (str, int)
        Equal for equal scenarios (any change to the scenario changes the hash).
    """
    return scenario_hash(scenario), int(replications)


class ResultCache:
    """The runs of a session by :func:`result_key`, the most recently used last.

    Parameters
    ----------
    capacity : int
        The most results kept; the least recently used go first.
    """

    def __init__(self, capacity: int = 8):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, int], CachedResult] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, scenario: Scenario, replications: int) -> CachedResult | None:
        """The stored run of ``scenario`` with ``replications`` (it becomes the most recent), or None."""
        key = result_key(scenario, replications)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def latest(self, scenario: Scenario | None = None) -> CachedResult | None:
        """The most recent run of ``scenario`` (any number of replications), or of any scenario if None.

        Parameters
        ----------
        scenario : Scenario, optional

        Returns
        -------
        CachedResult or None
        """
        wanted = scenario_hash(scenario) if scenario is not None else None
        for key in reversed(self._entries):
            if wanted is None or key[0] == wanted:
                return self._entries[key]
        return None

    def put(self, result: ScenarioResult, label: str = "") -> CachedResult:
        """Store ``result`` (replacing a run with the same key) as the most recent.

        Parameters
        ----------
        result : ScenarioResult
        label : str
            The name the user knows the scenario by (default: the scenario's ``meta.name``).

        Returns
        -------
        CachedResult
        """
        key = result_key(result.scenario, len(result.replications))
        entry = CachedResult(key, result, label or result.scenario.meta.name)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return entry

    def run(
        self,
        scenario: Scenario,
        replications: int,
        label: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> tuple[CachedResult, bool]:
        """The run of ``scenario`` with ``replications``: from the cache, else simulated and stored.

        Parameters
        ----------
        scenario : Scenario
        replications : int
            At least 1.
        label : str
            See :meth:`put`.
        progress : callable, optional
            Called with the number of replications done, as :func:`simulator.run.run_scenario` does.

        Returns
        -------
        (CachedResult, bool)
            The run and whether it was simulated now (False: it came from the cache).

        Raises
        ------
        ValueError
            ``replications`` below 1 (nothing stored).
        Exception
            Whatever the simulation raises; the cache is left as it was.
        """
        if replications < 1:
            raise ValueError(f"replications: must be at least 1 (got {replications})")
        entry = self.get(scenario, replications)
        if entry is not None:
            return entry, False
        result = run_scenario(scenario, replications, progress)
        return self.put(result, label), True


def session_cache(state: MutableMapping[str, Any]) -> ResultCache:
    """The :class:`ResultCache` of a session (created on first use), shared by the pages.

    Parameters
    ----------
    state : mutable mapping
        ``st.session_state`` (any mapping in tests).

    Returns
    -------
    ResultCache
    """
    cache = state.get(RESULTS_KEY)
    if not isinstance(cache, ResultCache):
        cache = state[RESULTS_KEY] = ResultCache()
    return cache


def check_scenario(value: Any, valid: bool | None = True) -> Scenario:
    """The session's scenario, if it can be run.

    Parameters
    ----------
    value : Scenario or dict
        ``st.session_state["scenario"]``; a mapping is validated by the scenario schema.
    valid : bool or None
        ``st.session_state["scenario_valid"]``, which the Scenario page sets to False while its edits do
        not validate (None: not set).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        One message per problem, naming the field (as the Scenario page shows them).
    """
    if valid is False:
        raise ScenarioError(
            ["Scenario: the changes on the Scenario page are not valid; correct them there before running"]
        )
    if isinstance(value, Scenario):
        return value
    if isinstance(value, Mapping):
        return validate_scenario(dict(value), source="session scenario")
    raise ScenarioError(
        [f"Scenario: not a scenario (got {type(value).__name__}); load one on the Scenario page"]
    )


def estimate_message(seconds: float) -> str:
    """The estimate of a run's time in words (``"about 40 s"``, ``"about 3 min"``).

    Parameters
    ----------
    seconds : float

    Returns
    -------
    str
    """
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


# ------------------------------------------------------------------------------------- figures


def summary_table(result: ScenarioResult, keys: tuple[str, ...] | list[str] = SUMMARY_KEYS,
                  labels: Mapping[str, str] | None = None) -> pd.DataFrame:  # fmt: skip
    """Summary figures of ``result`` with their 95% intervals, one row each (absent figures left out).

    Parameters
    ----------
    result : ScenarioResult
    keys : sequence of str
        Keys of :meth:`ScenarioResult.summary`, in the order wanted.
    labels : mapping, optional
        Key → text for the ``label`` column (default: the figure's label, :mod:`simulator.figures`).

    Returns
    -------
    DataFrame
        ``figure``, ``label``, ``mean``, ``ci_low``, ``ci_high`` (NaN where undefined; the interval within
        the figure's possible range), ``n`` and ``few_replications`` (fewer than
        :data:`~simulator.statistics.FEW_REPLICATIONS` values: a rough interval).
    """
    summary = result.summary()
    labels = labels or {}
    rows = [
        {
            "figure": key,
            "label": labels.get(key, figure(key).label),
            **{k: _number(summary[key][k]) for k in ("mean", "ci_low", "ci_high")},
            "n": summary[key]["n"],
            "few_replications": summary[key]["few_replications"],
        }
        for key in keys
        if key in summary
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def few_replications_caption(table: pd.DataFrame) -> str:
    """The caption under a table of figures that says which intervals are rough ('' when none is).

    Parameters
    ----------
    table : DataFrame
        :func:`summary_table` or :func:`compare_results` (``few_replications`` and ``ci_low`` columns).

    Returns
    -------
    str
    """
    if table.empty or not (table["few_replications"].astype(bool) & table["ci_low"].notna()).any():
        return ""
    return (
        f"Intervals from fewer than {FEW_REPLICATIONS} replications (few_replications) are rough: run "
        f"{FEW_REPLICATIONS} or more before relying on them."
    )


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


# ------------------------------------------------------------------------------------- over time


def service_weekly(weekly: pd.DataFrame) -> pd.DataFrame:
    """The weekly table summed over teams: one row per replication and week.

    Counts and FTE are summed; the load ratio is the service's load over its case capacity, and the mean
    wait is weighted by each team's allocations (a week without allocations has no wait: NaN).

    Parameters
    ----------
    weekly : DataFrame
        :attr:`ScenarioResult.weekly`.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start`` and the columns of :data:`SERVICE_SUMS` present, with
        ``load_ratio`` and ``mean_wait_days``.
    """
    keys = ["replication", "week", "week_start"]
    present = [c for c in SERVICE_SUMS if c in weekly]
    waited = weekly.assign(_wait_total=weekly["mean_wait_days"].fillna(0.0) * weekly["allocations"])
    service = waited.groupby(keys, as_index=False)[[*present, "_wait_total"]].sum()
    capacity = service["case_capacity_hours"].where(service["case_capacity_hours"] > 0)
    service["load_ratio"] = service["load_hours"] / capacity
    service["mean_wait_days"] = service.pop("_wait_total") / service["allocations"].where(
        service["allocations"] > 0
    )
    return service


def over_time(weekly: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The mean of a :data:`MEASURES` entry by week across replications, with its 95% interval.

    Parameters
    ----------
    weekly : DataFrame
        :attr:`ScenarioResult.weekly`.
    measure : str
        A key of :data:`MEASURES`; its columns the run did not record (no workforce section: no
        vacancies) are left out.

    Returns
    -------
    DataFrame
        :data:`BAND_COLUMNS`: ``series`` is the team (``by_team``) or the column's short name. Weeks where
        no replication has a value (no allocations: no wait) are left out. No band goes below 0 (every
        measure is a count, FTE, days or a load ratio).

    Raises
    ------
    KeyError
        An unknown measure.
    """
    spec = MEASURES[measure]
    if spec.by_team:
        column = spec.columns[0]
        table = bands(weekly.dropna(subset=[column]), column, by="team", bounds=NON_NEGATIVE)
        table = table.rename(columns={"team": "series"})
        return _tidy(table)
    service = service_weekly(weekly)
    parts = []
    for column in spec.columns:
        if column not in service:
            continue
        table = bands(service.dropna(subset=[column]), column, bounds=NON_NEGATIVE)
        parts.append(table.assign(series=SERIES_LABELS.get(column, column.replace("_", " "))))
    return _tidy(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    table = table.loc[:, BAND_COLUMNS].copy()
    for column in ("mean", "low", "high"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    return table.reset_index(drop=True)


def compared_over_time(results: Mapping[str, ScenarioResult], measure: str) -> pd.DataFrame:
    """:func:`over_time` of several results, with a ``scenario`` column, for drawing on the same axes.

    Parameters
    ----------
    results : mapping of str to ScenarioResult
    measure : str
        A key of :data:`MEASURES`.

    Returns
    -------
    DataFrame
        ``scenario`` and :data:`BAND_COLUMNS`.
    """
    parts = [over_time(result.weekly, measure).assign(scenario=name) for name, result in results.items()]
    columns = ["scenario", *BAND_COLUMNS]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True).loc[:, columns] if parts else pd.DataFrame(columns=columns)


def warmup_end(scenario: Scenario) -> pd.Timestamp:
    """The date the measured period starts (the end of the warm-up).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    Timestamp
    """
    return pd.Timestamp(scenario.meta.start) + pd.Timedelta(days=7 * scenario.meta.warmup_weeks)


# ------------------------------------------------------------------------------------- comparison


def keep_result(kept: dict[str, ScenarioResult], name: str, result: ScenarioResult) -> str:
    """Keep ``result`` under ``name`` for comparison (a name already used is replaced).

    Parameters
    ----------
    kept : dict of str to ScenarioResult
        Changed in place.
    name : str
        Leading and trailing spaces are removed.
    result : ScenarioResult

    Returns
    -------
    str
        The name used.

    Raises
    ------
    ValueError
        An empty name (``kept`` unchanged).
    """
    name = name.strip()
    if not name:
        raise ValueError("Keep this result as: give the result a name")
    kept[name] = result
    return name


def runs_table(results: Mapping[str, ScenarioResult]) -> pd.DataFrame:
    """One row per scenario and replication with its summary figures (as ``runs/`` of a batch).

    Parameters
    ----------
    results : mapping of str to ScenarioResult

    Returns
    -------
    DataFrame
        ``scenario``, ``replication``, ``seed`` and one column per figure (NaN where a run lacks it).
    """
    rows = [
        {"scenario": name, "replication": rep.replication, "seed": result.scenario.meta.seed, **rep.figures}
        for name, result in results.items()
        for rep in result.replications
    ]
    return pd.DataFrame(rows)


def compare_results(
    results: Mapping[str, ScenarioResult], metrics: list[str] | None = None, reference: str | None = None
) -> pd.DataFrame:
    """Each result's figures with 95% intervals and the paired difference from ``reference``.

    Replication *r* of one result is paired with replication *r* of the reference (common random numbers
    when their seeds agree: :func:`unpaired_seeds`); the statistics are those of ``caseplan compare``
    (:mod:`batch.compare`).

    Parameters
    ----------
    results : mapping of str to ScenarioResult
        At least one.
    metrics : list of str, optional
        Summary figures (default: every figure).
    reference : str, optional
        A key of ``results`` (default: the first).

    Returns
    -------
    DataFrame
        One row per metric × scenario: ``metric``, ``scenario``, ``n``, ``mean``, ``ci_low``, ``ci_high``,
        ``few_replications``, ``pairs``, ``diff``, ``diff_ci_low``, ``diff_ci_high``,
        ``unpaired_half_width``; each interval within the figure's possible range (a difference's within
        :attr:`simulator.figures.Figure.difference_bounds`).

    Raises
    ------
    ValueError
        No results, an unknown metric or reference (the message lists the valid ones).
    """
    if not results:
        raise ValueError("Compare: keep at least one result first")
    runs = runs_table(results)
    available = figures_of(runs)
    metrics = metrics or available
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"Metrics: unknown figure(s) {', '.join(unknown)}; figures: {', '.join(available)}")
    names = list(results)
    reference = reference if reference is not None else names[0]
    if reference not in names:
        raise ValueError(f"Reference: unknown result '{reference}'; kept results: {', '.join(names)}")
    rows = []
    for metric in metrics:
        table = runs.pivot(index="replication", columns="scenario", values=metric).reindex(columns=names)
        table = table.astype(float)
        bounds = figure(metric).bounds
        for name in names:
            rows.append({"metric": metric, "scenario": name, **compare_row(table, name, reference, bounds)})
    return pd.DataFrame(rows)


def unpaired_seeds(results: Mapping[str, ScenarioResult], reference: str) -> list[str]:
    """The results whose seed differs from the reference's: paired, but without common random numbers.

    Parameters
    ----------
    results : mapping of str to ScenarioResult
    reference : str
        A key of ``results``.

    Returns
    -------
    list of str
    """
    seed = results[reference].scenario.meta.seed
    return [name for name, result in results.items() if result.scenario.meta.seed != seed]
