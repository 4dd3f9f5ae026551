"""Mechanism figures from a weekly team table: flows per week, stocks as the service's weekly mean."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.mechanisms import MECHANISMS, mechanism_figures, mechanism_runs
from simulator.run import run_scenario
from tests.support import variant


def _weekly() -> pd.DataFrame:
    """Two teams, one warm-up week and two measured weeks."""
    return pd.DataFrame(
        {
            "replication": 0,
            "week": [0, 0, 1, 1, 2, 2],
            "warmup": [True, True, False, False, False, False],
            "team": ["a", "b"] * 3,
            "referrals": [100, 100, 3, 1, 5, 3],
            "in_post_fte": [50.0, 50.0, 6.0, 4.0, 5.0, 4.0],
            "cpd_paused": [1, 1, 1, 0, 0, 0],
        }
    )


def test_flows_are_per_measured_week_and_stocks_the_weekly_service_mean():
    figures = mechanism_figures(_weekly())
    assert figures["referrals"] == pytest.approx((3 + 1 + 5 + 3) / 2)  # the warm-up week is left out
    assert figures["in_post_fte"] == pytest.approx(((6 + 4) + (5 + 4)) / 2)
    assert figures["cpd_paused"] == pytest.approx(1 / 4)  # a share of the measured team-weeks


def test_a_column_the_run_did_not_record_is_absent_not_zero():
    figures = mechanism_figures(_weekly())
    assert "stepped_down" not in figures
    assert set(figures) == {"referrals", "in_post_fte", "cpd_paused"}


def test_runs_are_told_apart_by_their_key_columns():
    two = pd.concat([_weekly(), _weekly().assign(replication=1, referrals=lambda t: t["referrals"] * 2)])
    table = mechanism_runs(two)
    assert list(table["replication"]) == [0, 1]
    assert table["referrals"].tolist() == pytest.approx([6.0, 12.0])
    assert "stepped_down" not in table


def test_every_mechanism_is_recorded_by_a_run_with_a_workforce_and_a_plan():
    result = run_scenario(variant(meta={"horizon_weeks": 30, "warmup_weeks": 4}), 1)
    figures = mechanism_figures(result.replications[0].weekly)
    assert set(figures) == {m.name for m in MECHANISMS}
    assert figures["referrals"] > 0 and figures["in_post_fte"] > 0
