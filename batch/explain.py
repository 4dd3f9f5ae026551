"""The mechanisms behind a batch's comparison (``caseplan compare --explain``, DESIGN §14).

Each stored run's weekly table gives its mechanism figures (:mod:`simulator.mechanisms`); every scenario
is then compared with the reference replication by replication, as ``caseplan explain`` does. A batch
keeps no runs with the plan switched off, so the plan's share of a difference needs ``caseplan explain``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from batch.compare import default_reference
from batch.store import WEEKLY, read_table
from simulator.explain import mechanism_comparison
from simulator.mechanisms import MECHANISMS, mechanism_runs


def compare_mechanisms(out_dir: Path, reference: str | None = None) -> pd.DataFrame:
    """Paired mechanism differences of every scenario of a batch from the reference scenario.

    Parameters
    ----------
    out_dir : Path
        A ``caseplan batch`` output directory.
    reference : str, optional
        The scenario compared with (default: as ``caseplan compare``).

    Returns
    -------
    DataFrame
        ``scenario``, ``reference`` and :data:`simulator.explain.MECHANISM_COLUMNS`, one row per scenario
        other than the reference and mechanism; replications stored for only one of the two are left out.

    Raises
    ------
    ValueError
        No weekly tables stored, or an unknown reference (the message lists the scenarios).
    """
    weekly = read_table(out_dir, WEEKLY, problems=[])
    if weekly.empty:
        raise ValueError(f"{out_dir}: no weekly tables stored (run `caseplan batch` first)")
    runs = mechanism_runs(weekly, by=("scenario", "replication"))
    names = list(dict.fromkeys(weekly["scenario"]))
    reference = reference or default_reference(out_dir, runs)
    if reference not in names:
        raise ValueError(f"unknown reference scenario '{reference}'; scenarios: {', '.join(names)}")
    columns = [m.name for m in MECHANISMS if m.name in runs]
    by_scenario = {name: table.set_index("replication")[columns] for name, table in runs.groupby("scenario")}
    base = by_scenario[reference]
    tables = []
    for name in names:
        if name == reference:
            continue
        common = base.index.intersection(by_scenario[name].index)
        table = mechanism_comparison(base.loc[common], by_scenario[name].loc[common])
        tables.append(table.assign(scenario=name, reference=reference))
    if not tables:
        return pd.DataFrame(columns=["scenario", "reference"])
    result = pd.concat(tables, ignore_index=True)
    return result[
        ["scenario", "reference", *[c for c in result.columns if c not in ("scenario", "reference")]]
    ]
