"""The capacity planner (issue 16): targets, the decision, the search against Erlang C, verification."""

from __future__ import annotations

import math

import pytest

from simulator.planning.decision import Decision, at_level, current_value, first_guess, parse_vary
from simulator.planning.search import Replications, _search, plan
from simulator.planning.targets import PlanError, Target, parse_target
from simulator.queueing import ErlangC, mmc_scenario
from simulator.run import week_share_figures

ARRIVALS, DURATION = 4.0, 1.0  # an offered load of 4 servers
PATH = "team.workers.0.count"


def test_targets_are_read_with_direction_and_did_you_mean():
    assert parse_target("mean_wait_to_allocation_days<=10") == Target(
        "mean_wait_to_allocation_days", "<=", 10.0
    )
    assert parse_target(" supervision_on_time_share >= 0.95 ").direction == ">="
    with pytest.raises(PlanError, match="did you mean 'mean_wait_to_allocation_days'"):
        parse_target("mean_wait_to_allocation<=5")
    with pytest.raises(PlanError, match="METRIC<=X"):
        parse_target("mean_wait_to_allocation_days<5")
    with pytest.raises(PlanError, match="range of supervision_on_time_share"):
        parse_target("supervision_on_time_share>=1.5")


def test_a_target_is_met_only_when_the_whole_interval_clears_the_threshold():
    at_most = Target("unallocated_cases", "<=", 5.0)
    assert at_most.status(3.0, 4.9) == "met"
    assert at_most.status(4.0, 6.0) == "undecided"
    assert at_most.status(5.1, 7.0) == "failed"
    at_least = Target("supervision_on_time_share", ">=", 0.9)
    assert at_least.status(0.91, 0.99) == "met"
    assert at_least.status(0.8, 0.89) == "failed"
    assert at_least.status(None, None) == "undecided"


def test_the_decision_names_a_count_with_list_indices(baseline):
    assert parse_vary("team.workers.0.count=8..16") == Decision(PATH, 8, 16)
    assert current_value(baseline, PATH) == 10
    assert at_level(baseline, PATH, 13).team.workers[0].count == 13
    assert baseline.team.workers[0].count == 10  # the scenario itself is left alone
    with pytest.raises(PlanError, match="did you mean 'workers'"):
        current_value(baseline, "team.worker.0.count")
    with pytest.raises(PlanError, match="index 0 to 2"):
        current_value(baseline, "team.workers.7.count")
    with pytest.raises(PlanError, match="not a count"):
        current_value(baseline, "team.workers.0.fte")
    with pytest.raises(PlanError, match="1 ≤ LO ≤ HI"):
        parse_vary("team.workers.0.count=9..3")


def test_chance_figures_count_the_weeks_in_which_no_team_has_such_a_case_waiting():
    import pandas as pd

    weekly = pd.DataFrame(
        {"week": [1, 1, 2, 2, 3, 3, 4, 4], "unallocated_must_allocate": [0, 0, 0, 1, 0, 0, 2, 0],
         "unallocated_over_28_days": [0, 0, 0, 0, 0, 0, 0, 1]}
    )  # fmt: skip
    shares = week_share_figures(weekly)
    assert shares["weeks_no_must_allocate_waiting_share"] == 0.5  # weeks 2 and 4 had one (in either team)
    assert shares["weeks_no_case_waiting_over_28_days_share"] == 0.75


def test_the_first_guess_of_an_mmc_queue_is_its_offered_load():
    scenario = mmc_scenario(ARRIVALS, DURATION, 6, 200, 20, seed=1)
    assert first_guess(scenario, PATH).level == math.ceil(ARRIVALS * DURATION)


def test_the_search_finds_the_smallest_level_of_a_monotone_rule():
    for answer in range(1, 21):
        for guess in (1, 7, 20):
            assert _search(lambda level, answer=answer: level >= answer, 1, 20, guess) == answer
    assert _search(lambda level: False, 1, 20, 5) is None


def _erlang_c_answer(threshold_days: float) -> int:
    servers = math.floor(ARRIVALS * DURATION) + 1
    while ErlangC(ARRIVALS, DURATION, servers).mean_wait * 7 > threshold_days:
        servers += 1
    return servers


def test_the_answer_for_a_mean_wait_target_is_the_server_count_erlang_c_gives():
    """c = 6 waits ≈1.0 day, c = 7 ≈0.32 day: a threshold of 0.56 day (their geometric mean) lies well
    between two levels, so the simulated answer must be 7."""
    threshold = (
        math.sqrt(ErlangC(ARRIVALS, DURATION, 6).mean_wait * ErlangC(ARRIVALS, DURATION, 7).mean_wait) * 7
    )
    scenario = mmc_scenario(ARRIVALS, DURATION, 5, 400, 40, seed=1)
    result = plan(scenario, Decision(PATH, 5, 12), [parse_target(f"mean_wait_to_allocation_days<={threshold:.3f}")],
                  replications=Replications(initial=5, step=5, cap=30, verification=10))  # fmt: skip
    assert result.recommended == _erlang_c_answer(threshold) == 7
    assert result.verifications[-1].status == "met"
    assert result.verifications[-1].first_replication >= 1_000_000  # fresh streams
    below = result.one_fewer
    assert below is not None and below.level == 6 and below.status == "failed"
    assert result.runs == sum(r.replications for r in [*result.candidates, *result.verifications])


def test_verification_catches_an_answer_two_replications_accepted():
    """With two replications a chance target can look certain: both runs had every week clear, so the
    interval has no width. Fresh replications find weeks with a long wait at 5 workers, and the planner
    moves up to 6."""
    scenario = mmc_scenario(ARRIVALS, DURATION, 5, 100, 20, seed=1)
    result = plan(scenario, Decision(PATH, 5, 8), [parse_target("weeks_no_case_waiting_over_28_days_share>=0.999")],
                  replications=Replications(initial=2, step=2, cap=2, verification=20))  # fmt: skip
    searched_5 = next(r for r in result.candidates if r.level == 5)
    assert searched_5.status == "met" and searched_5.replications == 2
    assert [(v.level, v.status) for v in result.verifications][0][0] == 5
    assert result.verifications[0].status != "met"
    assert result.recommended == 6 and result.verifications[-1].status == "met"
    assert result.one_fewer is result.verifications[0]


def test_a_target_the_runs_do_not_produce_is_an_error():
    scenario = mmc_scenario(ARRIVALS, DURATION, 5, 60, 10, seed=1)  # no contingency plan
    with pytest.raises(PlanError, match="no figure 'team_weeks_at_level_4'"):
        plan(scenario, Decision(PATH, 5, 6), [parse_target("team_weeks_at_level_4<=1")],
             replications=Replications(initial=2, step=2, cap=2, verification=2))  # fmt: skip
