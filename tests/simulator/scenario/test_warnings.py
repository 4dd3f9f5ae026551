"""Non-fatal checks: contingency thresholds that no week can meet (the run goes ahead)."""

from __future__ import annotations

import pytest

from simulator.scenario.warnings import scenario_warnings
from tests.support import variant

MUST_ALLOCATE = ("s47", "cp", "court", "cla")


def split(warning: str) -> tuple[str, str]:
    """'path: 'threshold' can never be met: why' → (path, why); a bare number may be shown as 20 or 20.0."""
    path, rest = warning.split(": ", 1)
    _, why = rest.split(" can never be met: ", 1)
    return path, why


def one_level(when: dict, **sections) -> list[str]:
    """Warnings of the baseline with a single level-2 condition (plus any other section overrides)."""
    return scenario_warnings(variant(contingency={"levels": [{"level": 2, "when": when}]}, **sections))


def test_the_shipped_baseline_has_no_warnings(baseline):
    assert scenario_warnings(baseline) == []


def test_no_plan_no_warnings():
    assert scenario_warnings(variant(contingency=None)) == []


def test_a_share_written_as_a_percentage_warns():
    [warning] = one_level({"agency_rate": 20})
    assert split(warning) == (
        "contingency.levels.0.when.agency_rate",
        "it is a share between 0 and 1 (write 0.2, not 20)",
    )
    [warning] = one_level({"agency_rate": ">= 20"})
    assert warning.startswith("contingency.levels.0.when.agency_rate: '>= 20' can never be met: ")


@pytest.mark.parametrize("threshold", [20, ">= 20", "> 1", 1.5, ">= 1.01"])
@pytest.mark.parametrize("name", ["agency_rate", "vacancy_rate", "absence_rate", "cpd_taken_share"])
def test_every_share_above_one_warns(name, threshold):
    [warning] = one_level({name: threshold})
    path, why = split(warning)
    assert path == f"contingency.levels.0.when.{name}" and "share between 0 and 1" in why


@pytest.mark.parametrize("threshold", [0.2, ">= 1", 1, "> 0.99", "<= 0.5", "< 1"])
def test_a_reachable_share_does_not_warn(threshold):
    assert one_level({"agency_rate": threshold}) == []


def test_workers_over_100_larger_than_the_largest_team_warns():
    [warning] = one_level({"workers_over_100": 13})  # 10 social workers + 2 ASYEs hold cases
    assert split(warning) == (
        "contingency.levels.0.when.workers_over_100",
        "the largest team starts with 12 case-holding workers",
    )
    assert one_level({"workers_over_100": 12}) == []
    assert one_level({"workers_over_100": "> 12"}) == []  # the check is on the value only


def test_workers_excessive_is_checked_too():
    [warning] = one_level({"workers_excessive": ">= 40"})
    assert "workers_excessive: '>= 40' can never be met: the largest team starts with 12" in warning


def test_the_largest_team_counts_case_holders_only():
    workers = [
        {"count": 4, "role": "social_worker", "team": "north"},
        {"count": 6, "role": "social_worker", "team": "south"},
        {"count": 3, "role": "team_manager", "team": "south"},
    ]
    assert one_level({"workers_over_100": 6}, team={"workers": workers}) == []
    [warning] = one_level({"workers_over_100": 7}, team={"workers": workers})
    assert warning.endswith("the largest team starts with 6 case-holding workers")


def test_must_allocate_indicator_without_must_allocate_types_warns():
    case_types = {name: {"must_allocate": False} for name in MUST_ALLOCATE}
    warnings = scenario_warnings(variant(case_types=case_types))
    # the shipped plan names unallocated_must_allocate at levels 3 and 4
    assert [split(w) for w in warnings] == [
        (f"contingency.levels.{i}.when.unallocated_must_allocate", "no case type is must_allocate")
        for i in (1, 2)
    ]


def test_must_allocate_indicator_with_one_must_allocate_type_does_not_warn():
    case_types = {name: {"must_allocate": False} for name in MUST_ALLOCATE[1:]}
    assert scenario_warnings(variant(case_types=case_types)) == []


def test_supervision_missed_when_supervision_is_not_tracked_warns():
    [warning] = scenario_warnings(variant(supervision={"track": False}))
    assert split(warning) == (
        "contingency.levels.0.when.supervision_missed",
        "supervision.track is false, so no session is counted",
    )


@pytest.mark.parametrize("threshold", ["< 0", "<= -1", "< -0.5"])
def test_a_negative_upper_bound_warns(threshold):
    [warning] = one_level({"unallocated": threshold})
    assert (
        warning
        == f"contingency.levels.0.when.unallocated: '{threshold}' can never be met: it is never negative"
    )


@pytest.mark.parametrize("threshold", ["<= 0", "< 0.5", 0, ">= 0", "> 0"])
def test_bounds_at_zero_do_not_warn(threshold):
    assert one_level({"unallocated": threshold}) == []


def test_vacancy_rate_without_turnover_warns():
    [warning] = one_level({"vacancy_rate": 0.1}, workforce={"turnover": None})
    assert warning.endswith("without workforce.turnover no post falls vacant")
    assert one_level({"vacancy_rate": 0.1}) == []


def test_absence_rate_without_a_workforce_section_warns():
    [warning] = one_level({"absence_rate": 0.1}, workforce=None)
    assert warning.endswith(
        "without a workforce section nobody is absent (capacity.absence_share is a fixed deduction)"
    )
    assert one_level({"absence_rate": 0.1}) == []


def test_only_if_conditions_are_checked_with_their_path():
    level = {
        "level": 2,
        "when": {"unallocated": 5},
        "actions": [
            {"kind": "escalate"},
            {"kind": "agency", "only_if": {"agency_rate": "< 30", "vacancy_rate": 25}},
        ],
    }
    [warning] = scenario_warnings(variant(contingency={"levels": [level]}))
    assert split(warning)[0] == "contingency.levels.0.actions.1.only_if.vacancy_rate"


def test_every_unreachable_threshold_gets_its_own_line():
    levels = [
        {"level": 2, "when": {"agency_rate": 20, "unallocated": 5}},
        {"level": 3, "when": {"agency_rate": 30, "workers_over_100": 99}},
    ]
    warnings = scenario_warnings(variant(contingency={"levels": levels}))
    assert [split(w)[0] for w in warnings] == [
        "contingency.levels.0.when.agency_rate",
        "contingency.levels.1.when.agency_rate",
        "contingency.levels.1.when.workers_over_100",
    ]


def test_a_warning_does_not_stop_the_scenario_loading():
    scenario = variant(contingency={"levels": [{"level": 2, "when": {"agency_rate": 20}}]})
    assert scenario.contingency.levels[0].when == {"agency_rate": 20}
