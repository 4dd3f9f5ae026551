"""Calibration: the baseline reproduces the national figures it is built on, within the stated tolerances."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.calibration import calibration_table, stage_spells, targets
from simulator.scenario import load_scenario
from tests.support import BASELINE, static_variant


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return calibration_table(load_scenario(BASELINE), replications=8).set_index("measure")


def test_every_baseline_target_is_met_within_its_tolerance(table):
    missed = table[~table.within]
    assert missed.empty, missed[["simulated", "ci_low", "ci_high", "target_low", "target_high"]].to_string()


def test_the_headline_caseload_lies_in_the_dfe_range(table):
    row = table.loc["caseload per case-holding FTE"]
    assert 14.5 <= row.simulated <= 16.5 and row.ci_high - row.ci_low < 1.0


def test_cp_plan_length_shares_add_up_to_one(table):
    shares = table[table.index.str.startswith("CP plans lasting")].simulated
    assert len(shares) == 5 and shares.sum() == pytest.approx(1.0)


def test_a_miscalibrated_scenario_misses_and_says_why():
    slow = static_variant(
        case_types={"assessment": {"clock": "allocation"}}, demand={"referrals_per_week": 7.0}
    )
    table = calibration_table(slow, replications=3).set_index("measure")
    assert not table.loc["assessment median, working days"].within  # waiting for a worker adds days
    assert "wait for a worker" in table.loc["assessment median, working days"].note


def test_workforce_targets_appear_only_with_a_workforce():
    names = {t.name for t in targets(static_variant())}
    assert "share of time absent" not in names and "caseload per case-holding FTE" in names
    assert "share of time absent" in {t.name for t in targets(load_scenario(BASELINE))}


def test_stage_spells_are_the_gaps_between_entries_after_the_warm_up():
    log = pd.DataFrame(
        [("A", "enter", "assessment", 1.0), ("A", "enter", "cin", 11.0), ("A", "closed", "close", 31.0),
         ("B", "enter", "assessment", 5.0), ("B", "enter", "cp", 6.0)],
        columns=["case_id", "event", "stage", "day"],
    )  # fmt: skip
    spells = stage_spells(log, after_day=2.0)
    assert spells.to_dict("records") == [
        {"stage": "cin", "start": 11.0, "days": 20.0},
        {"stage": "assessment", "start": 5.0, "days": 1.0},
    ]
