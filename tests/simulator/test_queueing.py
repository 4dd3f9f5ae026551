"""Theory checks (DESIGN §11): the full model reduced to M/M/c matches Erlang C and Little's law."""

import pytest

from simulator.queueing import QUEUE_METRICS, ErlangC, mmc_scenario, queue_check


def test_erlang_c_known_values():
    mm1 = ErlangC(arrival_rate=0.5, mean_duration=1.0, servers=1)
    assert mm1.p_wait == pytest.approx(0.5)
    assert mm1.mean_wait == pytest.approx(1.0)  # ρ/(μ−λ)
    assert mm1.mean_in_system == pytest.approx(1.0)  # ρ/(1−ρ)
    mm2 = ErlangC(arrival_rate=1.0, mean_duration=1.0, servers=2)
    assert mm2.p_wait == pytest.approx(1 / 3)
    assert mm2.mean_wait == pytest.approx(1 / 3)
    assert mm2.utilisation == pytest.approx(0.5)


def test_mmc_scenario_is_built_through_the_schema():
    scenario = mmc_scenario(2.0, 1.0, 3, weeks=100, warmup_weeks=10, seed=1)
    case = scenario.case_types["case"]
    assert case.weight_hours == pytest.approx(scenario.capacity.contract_hours)  # one case fills a worker
    assert scenario.allocation.meetings.urgent_every_days == 0
    assert scenario.allocation.order == "fifo"


CASES = [  # (λ per week, mean duration weeks, servers): ρ = 0.3, 0.6, 0.9 and a single server
    (0.9, 1.0, 3),
    (3.6, 0.5, 3),
    (2.7, 1.0, 3),
    (0.6, 1.0, 1),
]


@pytest.mark.slow
@pytest.mark.parametrize("arrival_rate,duration,servers", CASES)
def test_erlang_c_inside_confidence_interval(arrival_rate, duration, servers):
    rho = arrival_rate * duration / servers
    weeks = 4000 if rho < 0.85 else 10000
    result = queue_check(arrival_rate, duration, servers, weeks, 200, replications=8, seed=11)
    for name in QUEUE_METRICS:
        sim, theory = result["simulated"][name], result["theory"][name]
        assert sim["ci_low"] <= theory <= sim["ci_high"], (name, sim, theory)
    check_littles_law(result)


def check_littles_law(result: dict) -> None:
    """L = λW in the system and Lq = λWq in the queue, from the same run's own measurements."""
    sim = result["simulated"]
    for key, level in (
        ("system_L_minus_lambda_W", sim["mean_in_system"]["mean"]),
        ("queue_Lq_minus_lambda_Wq", sim["mean_queue_length"]["mean"]),
    ):
        gap = result["littles_law"][key]["mean"]
        assert abs(gap) <= 0.02 * max(level, 0.1), (key, gap, level)


def test_littles_law_on_a_short_run():
    check_littles_law(queue_check(2.0, 1.0, 3, 1500, 100, replications=3, seed=5))
