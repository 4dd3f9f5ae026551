"""Comparing the scenarios of a batch: means with 95% intervals and paired differences (CRN).

Replication r of every scenario uses the same random streams (DESIGN §9), so scenario differences are
paired by replication: the interval of the mean paired difference is usually much narrower than the
unpaired one, which is reported beside it for comparison. Every interval stays inside the figure's possible
range, and a difference's inside the range of a difference (:mod:`simulator.figures`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from batch.driver import MANIFEST
from batch.store import RUNS, read_table
from simulator.figures import UNBOUNDED, Bounds, difference_bounds, figure
from simulator.statistics import CONFIDENCE, mean_ci

ID_COLUMNS = ("scenario", "scenario_hash", "replication", "seed", "seconds")


def figures_of(runs: pd.DataFrame) -> list[str]:
    """The summary figures stored for every run."""
    return [c for c in runs.columns if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(runs[c])]


def default_reference(out_dir: Path, runs: pd.DataFrame) -> str:
    """The grid's ``reference``, else 'base', else the first scenario."""
    try:
        reference = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))["grid"][
            "definition"
        ].get("reference")
    except (OSError, ValueError, KeyError):
        reference = None
    names = list(dict.fromkeys(runs["scenario"]))
    return reference or ("base" if "base" in names else names[0])


def compare(out_dir: Path, metrics: list[str] | None = None, reference: str | None = None) -> pd.DataFrame:
    """One row per metric × scenario: mean and CI, and the paired difference from ``reference`` with CI.

    Raises
    ------
    ValueError
        No runs stored, or an unknown metric or reference (the message lists the valid ones).
    """
    runs = read_table(out_dir, RUNS, problems=[])
    if runs.empty:
        raise ValueError(f"{out_dir}: no runs stored (run `caseplan batch` first)")
    available = figures_of(runs)
    metrics = metrics or available
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; stored figures: {', '.join(available)}")
    reference = reference or default_reference(out_dir, runs)
    names = list(dict.fromkeys(runs["scenario"]))
    if reference not in names:
        raise ValueError(f"unknown reference scenario '{reference}'; scenarios: {', '.join(names)}")
    rows = []
    for metric in metrics:
        table = runs.pivot_table(index="replication", columns="scenario", values=metric, aggfunc="first")
        bounds = figure(metric).bounds
        for name in names:
            rows.append({"metric": metric, "scenario": name, **compare_row(table, name, reference, bounds)})
    return pd.DataFrame(rows)


def compare_row(table: pd.DataFrame, name: str, reference: str, bounds: Bounds = UNBOUNDED) -> dict:
    """One scenario's mean with its interval and its paired difference from ``reference``.

    Parameters
    ----------
    table : DataFrame
        One row per replication, one column per scenario (the figure's values).
    name, reference : str
        Columns of ``table``.
    bounds : (float, float)
        The figure's possible range: the scenario's interval stays inside it, the difference's interval
        inside :func:`simulator.figures.difference_bounds`.

    Returns
    -------
    dict
        ``n``, ``mean``, ``ci_low``, ``ci_high``, ``few_replications``, ``pairs``, ``diff``,
        ``diff_ci_low``, ``diff_ci_high``, ``unpaired_half_width`` (None where undefined).
    """
    values = table[name].dropna()
    own = mean_ci(values.tolist(), bounds=bounds)
    pairs = table[[name, reference]].dropna()
    diff = (
        mean_ci((pairs[name] - pairs[reference]).tolist(), bounds=difference_bounds(bounds))
        if name != reference
        else mean_ci([])
    )
    return {
        "n": own["n"],
        "mean": own["mean"],
        "ci_low": own["ci_low"],
        "ci_high": own["ci_high"],
        "few_replications": own["few_replications"],
        "pairs": len(pairs) if name != reference else 0,
        "diff": diff["mean"],
        "diff_ci_low": diff["ci_low"],
        "diff_ci_high": diff["ci_high"],
        "unpaired_half_width": _welch_half_width(values, table[reference].dropna())
        if name != reference
        else None,
    }


def _welch_half_width(a: pd.Series, b: pd.Series) -> float | None:
    """Half-width of the unpaired (Welch) interval of the difference of means, for comparison."""
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df) * se)


def replications_needed(values: list[float], half_width: float, cap: int = 100_000) -> int:
    """Replications for a 95% CI half-width ≤ ``half_width``, from pilot ``values`` (CI method).

    The smallest n ≥ 2 with t(0.975, n−1) · s / √n ≤ half_width, using the pilot's standard deviation s.
    """
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        raise ValueError("needs at least two pilot replications")
    s = float(data.std(ddof=1))
    if s == 0:
        return 2
    n = 2
    while n < cap and stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * s / math.sqrt(n) > half_width:
        n += 1
    return n
