"""The registry of summary figures: every figure a shipped scenario produces is registered, and its values
lie in the registered range."""

from __future__ import annotations

import math

import pytest

from simulator.figures import FIGURES, SHARE, UNBOUNDED, Figure, figure
from simulator.run import run_replication
from tests.scenarios.test_library import SCENARIOS, short

ROUNDING = 1e-9


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda p: p.stem)
def figures(request) -> dict[str, float]:
    return run_replication(short(request.param), 0).figures


def test_every_figure_of_a_shipped_scenario_is_registered(figures):
    assert set(figures) <= set(FIGURES), f"not in simulator/figures.py: {sorted(set(figures) - set(FIGURES))}"


def test_every_value_lies_in_its_figures_range(figures):
    for name, value in figures.items():
        if math.isnan(value):
            continue
        low, high = figure(name).bounds
        assert low - ROUNDING <= value <= high + ROUNDING, f"{name} = {value} outside [{low}, {high}]"


def test_the_registry_is_keyed_by_name_and_every_entry_says_what_it_is():
    for name, entry in FIGURES.items():
        assert entry.name == name and entry.label and entry.unit
        assert entry.low < entry.high
        if entry.unit == "share":
            assert entry.bounds == SHARE, name
        if entry.unit in ("cases", "days", "hours", "team-weeks", "sessions"):
            assert entry.low == 0.0 and entry.high == math.inf, name


def test_an_unknown_figure_is_unbounded_and_labelled_with_its_name():
    unknown = figure("no_such_figure")
    assert unknown == Figure("no_such_figure", "no_such_figure", "")
    assert unknown.bounds == UNBOUNDED and unknown.difference_bounds == UNBOUNDED


def test_a_share_differs_by_at_most_one_and_a_count_has_no_limit_on_a_difference():
    assert figure("cpd_taken_share").difference_bounds == (-1.0, 1.0)
    assert figure("supervision_missed").difference_bounds == UNBOUNDED
    assert figure("supervision_missed").bounds == (0.0, math.inf)
    assert figure("agency_premium").bounds == UNBOUNDED  # a day rate may be below a permanent day's cost
