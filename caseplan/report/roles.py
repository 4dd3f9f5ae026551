"""Who the report counts as an ASYE: one definition for every table and sentence of the page.

A worker is an ASYE while in the Assessed and Supported Year in Employment: an ASYE-role worker in the
first ``capacity.asye_months`` months in post, the time the model gives protected development time, a
lower load cap and the ASYE supervision cadence (``asye`` in ``workers_weekly.parquet``). A worker who
joined as an ASYE is a social worker once the year is over, in the load table as everywhere else.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

ASYE = "ASYE (first year)"
"""The label of ASYE worker-weeks (in the assessed year) in every table of the report."""

QUALIFIED_ROLE = "social_worker"
"""The role an ASYE-role worker has in the report once the assessed year is over."""

DEFAULT_ASYE_MONTHS = 12
"""``capacity.asye_months`` when the run's resolved scenario does not say."""


def report_role(workers: pd.DataFrame) -> pd.Series:
    """Each worker-week's role as the report counts it.

    Parameters
    ----------
    workers : DataFrame
        The per-worker table (``role`` and ``asye``).

    Returns
    -------
    Series of str
        :data:`ASYE` for worker-weeks in the assessed year, :data:`QUALIFIED_ROLE` for an ASYE-role
        worker after it, the role otherwise.
    """
    in_year = workers["asye"].astype(bool)
    role = workers["role"].where(workers["role"] != "asye", QUALIFIED_ROLE)
    return role.where(~in_year, ASYE)


def asye_definition(scenario: dict[str, Any]) -> str:
    """The definition in words, for the page.

    Parameters
    ----------
    scenario : dict
        The run's resolved scenario as plain data (:attr:`RunData.scenario`).

    Returns
    -------
    str
    """
    months = (scenario.get("capacity") or {}).get("asye_months", DEFAULT_ASYE_MONTHS)
    return (
        f"{ASYE}: a newly qualified worker in the first {months} months in post (capacity.asye_months), "
        "with protected development time, a lower load cap and weekly, then fortnightly supervision. A "
        "worker who joined as an ASYE counts as a social worker once the year is over, in every table."
    )
