"""Tables of figures as a reader sees them in the explorer: a plain-English label, the mean with its 95%
interval and unit in one cell (:mod:`simulator.numbers`), a dash where there is no value, and help on
every column.

The tables keep their numeric columns (for downloads and tests) and gain text columns; :func:`show_table`
shows only the text columns, so no cell reads ``None`` or ``0.4286``.
"""

from __future__ import annotations

import pandas as pd

from simulator.explain import difference_text
from simulator.figures import figure
from simulator.numbers import MISSING, interval
from simulator.statistics import FEW_REPLICATIONS

SHOWN_FIGURE = "what it measures"
SHOWN_MEAN = "mean (95% interval)"
SHOWN_DIFFERENCE = "difference from reference (95% interval)"
SHOWN_UNPAIRED = "± if unpaired"
SHOWN_ROUGH = "interval"

COLUMN_HELP = {
    SHOWN_FIGURE: "The figure in plain words; its unit follows each number (cases, days, £, %, FTE-weeks).",
    "scenario": "The scenario (or kept result) the row is about.",
    "replications": "How many replications (runs with different random numbers) the mean is over.",
    SHOWN_MEAN: "Mean over replications after the warm-up, with its 95% t interval kept within the "
    "figure's possible range (counts never below 0, shares within 0–100%).",
    SHOWN_DIFFERENCE: "Mean of (this − reference) in the same replication (common random numbers), with "
    "its 95% interval; 'reference' on the reference's own row.",
    SHOWN_UNPAIRED: "The half-width the difference's interval would have if the runs shared no random "
    "numbers: how much pairing narrows it.",
    SHOWN_ROUGH: f"'rough' when the interval comes from fewer than {FEW_REPLICATIONS} replications.",
}
"""Help text of each shown column (what it is, its unit, where it comes from)."""


def _rough(row: pd.Series) -> str:
    return "rough" if bool(row.get("few_replications")) and pd.notna(row.get("ci_low")) else ""


def _value(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def summary_view(table: pd.DataFrame) -> pd.DataFrame:
    """A :func:`caseplan.explorer.results.summary_table` with its text columns added.

    Parameters
    ----------
    table : DataFrame
        ``figure``, ``label``, ``mean``, ``ci_low``, ``ci_high``, ``n``, ``few_replications``.

    Returns
    -------
    DataFrame
        The table with :data:`SHOWN_FIGURE`, :data:`SHOWN_MEAN`, ``replications`` and :data:`SHOWN_ROUGH`.
    """
    shown = table.copy()
    shown[SHOWN_FIGURE] = shown["label"].astype(str)
    shown[SHOWN_MEAN] = [
        interval(_value(r["mean"]), _value(r["ci_low"]), _value(r["ci_high"]), figure(r["figure"]).unit)
        for _, r in shown.iterrows()
    ]
    shown["replications"] = shown["n"].astype(int).astype(str)
    shown[SHOWN_ROUGH] = [_rough(r) for _, r in shown.iterrows()]
    return shown


def comparison_view(table: pd.DataFrame) -> pd.DataFrame:
    """A comparison table (``caseplan compare``, :func:`caseplan.explorer.results.compare_results`)
    with its text columns added.

    Parameters
    ----------
    table : DataFrame
        ``metric``, ``scenario``, ``n``, ``mean``, ``ci_low``, ``ci_high``, ``few_replications``,
        ``pairs``, ``diff``, ``diff_ci_low``, ``diff_ci_high``, ``unpaired_half_width``.

    Returns
    -------
    DataFrame
        The table with :data:`SHOWN_FIGURE`, ``scenario``, ``replications``, :data:`SHOWN_MEAN`,
        :data:`SHOWN_DIFFERENCE`, :data:`SHOWN_UNPAIRED` and :data:`SHOWN_ROUGH`.
    """
    shown = table.copy()
    units = [figure(m).unit for m in shown["metric"]]
    shown[SHOWN_FIGURE] = [figure(m).label for m in shown["metric"]]
    shown["replications"] = shown["n"].astype(int).astype(str)
    shown[SHOWN_MEAN] = [
        interval(_value(r["mean"]), _value(r["ci_low"]), _value(r["ci_high"]), unit)
        for (_, r), unit in zip(shown.iterrows(), units, strict=True)
    ]
    shown[SHOWN_DIFFERENCE] = [
        "reference"
        if r["pairs"] == 0
        else difference_text(_value(r["diff"]), _value(r["diff_ci_low"]), _value(r["diff_ci_high"]), unit)
        for (_, r), unit in zip(shown.iterrows(), units, strict=True)
    ]
    shown[SHOWN_UNPAIRED] = [
        MISSING if _value(r["unpaired_half_width"]) is None else "±" + difference_text(
            _value(r["unpaired_half_width"]), None, None, unit).lstrip("+")
        for (_, r), unit in zip(shown.iterrows(), units, strict=True)
    ]  # fmt: skip
    shown[SHOWN_ROUGH] = [_rough(r) for _, r in shown.iterrows()]
    return shown


def column_config(shown: list[str]) -> dict:
    """``st.dataframe``'s column configuration of the ``shown`` columns: text with its help.

    Parameters
    ----------
    shown : list of str
        The columns shown (their help from :data:`COLUMN_HELP`).

    Returns
    -------
    dict
        Column → ``st.column_config.TextColumn``.
    """
    import streamlit as st

    return {name: st.column_config.TextColumn(name, help=COLUMN_HELP.get(name)) for name in shown}


SUMMARY_SHOWN = [SHOWN_FIGURE, SHOWN_MEAN, "replications", SHOWN_ROUGH]
"""The columns a summary table shows."""
COMPARISON_SHOWN = [SHOWN_FIGURE, "scenario", "replications", SHOWN_MEAN, SHOWN_DIFFERENCE, SHOWN_UNPAIRED,
                    SHOWN_ROUGH]  # fmt: skip
"""The columns a comparison table shows."""


def show_table(table: pd.DataFrame, kind: str, one_figure: bool = False) -> None:
    """Draw a summary (``kind="summary"``) or comparison (``"comparison"``) table as a reader sees it.

    Parameters
    ----------
    table : DataFrame
    kind : {"summary", "comparison"}
    one_figure : bool
        Every row is about the same figure (named above the table): no column repeats its label.
    """
    import streamlit as st

    view, columns = (
        (summary_view, SUMMARY_SHOWN) if kind == "summary" else (comparison_view, COMPARISON_SHOWN)
    )
    columns = [c for c in columns if not (one_figure and c == SHOWN_FIGURE)]
    shown = view(table)
    st.dataframe(shown, hide_index=True, column_order=columns, column_config=column_config(columns))
