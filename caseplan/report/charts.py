"""The report's plotly charts, and :class:`FigureEmbedder`, which turns them into HTML.

Each ``*_figure`` function draws one table of the report; :func:`_layout` gives them all the same look.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from caseplan.report.thresholds import DFE_AVERAGE_CASELOAD

DEFAULT_HEIGHT = 380
LEVEL_COLOURS = {1: "#4caf50", 2: "#ffc107", 3: "#ff7043", 4: "#c62828"}
DFE_BAND_STYLE = {"fillcolor": "#d6604d", "line_width": 0, "annotation_position": "top left"}
"""How the DfE national average caseload band is drawn."""


def _layout(
    fig: go.Figure, title: str, x_title: str, y_title: str, height: int = DEFAULT_HEIGHT
) -> go.Figure:
    """Give a figure the report's common layout (title, axis titles, legend above the plot)."""
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return fig


def _week_lines(
    table: pd.DataFrame,
    parts: tuple[tuple[str, str, str], ...],
    line: dict[str, object] | None = None,
    **options: object,
) -> list[go.Scatter]:
    """One line over ``week_start`` per ``(column, name, colour)`` of ``parts``.

    ``line`` adds to each line's style; ``options`` go to every :class:`plotly.graph_objects.Scatter`.
    """
    return [
        go.Scatter(
            x=table["week_start"],
            y=table[column],
            name=name,
            mode="lines",
            line={**(line or {}), "color": colour},
            **options,
        )
        for column, name, colour in parts
    ]


def caseload_time_figure(over_time: pd.DataFrame) -> go.Figure:
    """Caseload per case-holding FTE by week: mean, range over replications and the DfE average.

    Parameters
    ----------
    over_time : DataFrame
        :func:`caseload_over_time`.

    Returns
    -------
    plotly Figure
    """
    x = over_time["week_start"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x, y=over_time["high"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=over_time["low"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(33,102,172,0.2)",
            name="range over replications",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=over_time["mean"], mode="lines", line={"color": "#2166ac"}, name="mean"))
    low, high = DFE_AVERAGE_CASELOAD
    fig.add_hrect(y0=low, y1=high, opacity=0.2, annotation_text=f"DfE average {low}–{high}", **DFE_BAND_STYLE)
    return _layout(fig, "Caseload per case-holding FTE", "week", "children per case-holding FTE")


def caseload_distribution_figure(distribution: pd.DataFrame) -> go.Figure:
    """The share of team-weeks at each caseload, with the DfE average marked.

    Parameters
    ----------
    distribution : DataFrame
        :func:`caseload_distribution`.

    Returns
    -------
    plotly Figure
    """
    centres = (distribution["caseload_from"] + distribution["caseload_to"]) / 2
    fig = go.Figure(
        go.Bar(
            x=centres,
            y=distribution["share"],
            width=0.95,
            marker_color="#2166ac",
            name="team-weeks",
            customdata=distribution[["caseload_from", "caseload_to"]],
            hovertemplate="%{customdata[0]:.0f}–%{customdata[1]:.0f}: %{y:.1%}<extra></extra>",
        )
    )
    low, high = DFE_AVERAGE_CASELOAD
    fig.add_vrect(x0=low, x1=high, opacity=0.25, annotation_text="DfE average", **DFE_BAND_STYLE)
    fig.update_yaxes(tickformat=".0%")
    return _layout(
        fig, "Distribution of team caseloads (team-weeks)", "children per case-holding FTE", "share"
    )


def load_ratio_figure(bands: pd.DataFrame) -> go.Figure:
    """Each role's worker-weeks by load band (grouped bars).

    Parameters
    ----------
    bands : DataFrame
        :func:`load_ratio_bands`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    for role, group in bands.groupby("role", sort=False):
        fig.add_trace(go.Bar(x=group["band"], y=group["share"], name=str(role)))
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, "Worker load (load ÷ case capacity) by role", "load band", "share of worker-weeks")


def supervision_figure(supervision: pd.DataFrame) -> go.Figure:
    """Supervision sessions held on time, held late and missed by tenure (stacked bars).

    Parameters
    ----------
    supervision : DataFrame
        :func:`supervision_table`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    parts = (
        ("held_on_time", "held on time", "#4caf50"),
        ("held_late", "held late", "#ffc107"),
        ("missed", "missed", "#c62828"),
    )
    for column, name, colour in parts:
        fig.add_trace(go.Bar(x=supervision["tenure"], y=supervision[column], name=name, marker_color=colour))
    fig.update_layout(barmode="stack")
    return _layout(fig, "Supervision sessions by tenure (Standard 5)", "", "sessions per replication")


def cpd_figure(over_time: pd.DataFrame) -> go.Figure:
    """CPD hours taken and lost each week (stacked areas).

    Parameters
    ----------
    over_time : DataFrame
        :func:`cpd_over_time`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    parts = (
        ("taken_hours", "taken", "#4caf50"),
        ("lost_to_pause_hours", "lost to a CPD pause", "#c62828"),
        ("lost_to_overload_hours", "lost to overload", "#ff7043"),
    )
    for trace in _week_lines(over_time, parts, line={"width": 0.5}, stackgroup="cpd"):
        fig.add_trace(trace)
    return _layout(fig, "CPD time each week (Standard 6)", "week", "hours (mean over replications)")


def waits_figure(waits: pd.DataFrame) -> go.Figure:
    """Unallocated cases by age and the mean wait to allocation, by week.

    Parameters
    ----------
    waits : DataFrame
        :func:`waits_over_time`.

    Returns
    -------
    plotly Figure
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    parts = (
        ("unallocated", "unallocated", "#2166ac"),
        ("over_14_days", "waiting > 14 days", "#ff7043"),
        ("over_28_days", "waiting > 28 days", "#c62828"),
        ("must_allocate", "must-allocate waiting", "#000000"),
    )
    for trace in _week_lines(waits, parts):
        fig.add_trace(trace)
    mean_wait = (("mean_wait_days", "mean wait (days, right)", "#7b3294"),)
    (wait_line,) = _week_lines(waits, mean_wait, line={"dash": "dot"})
    fig.add_trace(wait_line, secondary_y=True)
    fig.update_yaxes(title_text="days", secondary_y=True)
    return _layout(fig, "Unallocated cases and waits (end of week)", "week", "cases (mean over replications)")


def level_timeline_figure(grid: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """Each team's contingency level by week (heat map, first replication).

    Parameters
    ----------
    grid : DataFrame
        :func:`level_grid`.
    names : dict
        Level → name, for the colour bar.

    Returns
    -------
    plotly Figure
    """
    scale = []
    for level in (1, 2, 3, 4):
        colour = LEVEL_COLOURS[level]
        scale += [[(level - 1) / 4, colour], [level / 4, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            zmin=0.5,
            zmax=4.5,
            colorscale=scale,
            colorbar={
                "tickvals": [1, 2, 3, 4],
                "ticktext": [f"{n} {names.get(n, '')}" for n in (1, 2, 3, 4)],
            },
            hovertemplate="%{y}, week of %{x}: level %{z}<extra></extra>",
        )
    )
    height = min(1400, 160 + 28 * len(grid.index))
    return _layout(fig, "Contingency level by team and week (replication 0)", "week", "", height=height)


PLOTLY_SOURCES = ("inline", "cdn")
"""Where the page gets plotly.js: embedded once (opens offline, about 4.6 MB more) or from its CDN."""


class FigureEmbedder:
    """Turns figures into HTML, with plotly.js once for the page: inline with the first figure, or one
    ``<script>`` from the CDN (a page of about 0.3 MB that needs the network to draw its charts).

    Use one instance per page: the first call brings plotly.js, later calls refer to it.

    Parameters
    ----------
    plotly : {"inline", "cdn"}
        :data:`PLOTLY_SOURCES`.
    """

    def __init__(self, plotly: str = "inline") -> None:
        if plotly not in PLOTLY_SOURCES:
            raise ValueError(f"plotly: {plotly!r} is not one of {', '.join(PLOTLY_SOURCES)}")
        self.plotly = plotly
        self.embedded = False

    def __call__(self, fig: go.Figure, div_id: str) -> str:
        """The HTML ``<div>`` of ``fig`` with the id ``div_id`` (and plotly.js, the first time).

        Parameters
        ----------
        fig : plotly Figure
            The figure.
        div_id : str
            The ``id`` of the figure's ``<div>``.

        Returns
        -------
        str
        """
        include: bool | str = False if self.embedded else (True if self.plotly == "inline" else "cdn")
        self.embedded = True
        return fig.to_html(
            full_html=False,
            include_plotlyjs=include,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
            default_height=f"{fig.layout.height or DEFAULT_HEIGHT}px",
        )
