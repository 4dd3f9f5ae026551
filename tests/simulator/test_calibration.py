"""Calibration: the baseline reproduces the national figures it is built on, within the stated tolerances."""

from __future__ import annotations

import math
from types import SimpleNamespace

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


FLOW_TARGETS = ("CP plans started per referral", "children starting care per referral")


def flow_measures() -> dict:
    return {t.name: t for t in targets(static_variant()) if t.name in FLOW_TARGETS}


def test_the_flows_into_cp_and_care_are_targets_with_their_dfe_sources():
    found = flow_measures()
    assert set(found) == set(FLOW_TARGETS)
    cp, care = (found[name] for name in FLOW_TARGETS)
    assert cp.low < 64_390 / 650_270 < cp.high and "64,390" in cp.source and "650,270" in cp.source
    assert care.low < 33_050 / 621_880 < care.high and "33,050" in care.source and "621,880" in care.source


def test_the_flows_count_stage_entries_per_referral():
    entries = {"screening": 200, "assessment": 186, "s47": 70, "cp": 20, "cla": 11}
    result = SimpleNamespace(metrics=SimpleNamespace(entries_by_stage=entries))
    cp, care = (flow_measures()[name] for name in FLOW_TARGETS)
    assert cp.measure(None, result) == pytest.approx(20 / 200)
    assert care.measure(None, result) == pytest.approx(11 / 200)
    empty = SimpleNamespace(metrics=SimpleNamespace(entries_by_stage={"screening": 0}))
    assert math.isnan(cp.measure(None, empty))


def test_the_flows_match_a_pathway_whose_answer_is_known():
    # 93% of referrals are assessed (7% NFA at screening); a quarter of those start a CP plan, the rest
    # go straight into care; both stages are short, so the team keeps up
    short = {"duration": {"kind": "fixed", "value": 2, "unit": "weeks"}, "next": {"close": 1.0}}
    known = static_variant(
        demand={"referrals_per_week": 3.0},
        case_types={"assessment": {"next": {"cp": 0.25, "cla": 0.75}}, "cp": short, "cla": short},
    )
    table = calibration_table(known, replications=3).set_index("measure")
    assert table.loc["CP plans started per referral"].simulated == pytest.approx(0.93 * 0.25, abs=0.03)
    assert table.loc["children starting care per referral"].simulated == pytest.approx(0.93 * 0.75, abs=0.03)
    assert not table.loc[list(FLOW_TARGETS)].within.any()  # far from the national figures


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
