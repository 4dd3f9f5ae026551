"""The simpy model: invariants while it runs, ASYE protection, and direction of change."""

import datetime as dt

import numpy as np
import pytest

from simulator.model import ServiceModel
from simulator.run import run_replication
from tests.support import static_variant

SHORT = {"horizon_weeks": 104, "warmup_weeks": 26}


def step_through(model: ServiceModel, days: int, check) -> None:
    for day in range(1, days + 1):
        model.run(until_day=day + 0.25)
        check(model)


def check_bookkeeping(model: ServiceModel) -> None:
    for worker in model.workers:
        assert worker.load == pytest.approx(sum(c.weight for c in worker.cases), abs=1e-9)
        for case in worker.cases:
            assert case.worker is worker
            assert case.stage.held
    for team in model.teams.values():
        for case in team.waiting:
            assert case.worker is None and case.team == team.name
        held = sum(len(w.cases) for w in team.workers)
        assert team.open_cases >= held + len(team.waiting)


def test_bookkeeping_holds_every_day():
    model = ServiceModel(static_variant(meta={"horizon_weeks": 30, "warmup_weeks": 4}), 0)
    step_through(model, 30 * 7, check_bookkeeping)
    assert sum(len(w.cases) for w in model.workers) > 50  # the run really filled up


def test_asye_never_holds_protected_types_in_first_year():
    # ASYEs who start with the run stay in their first year for all 40 weeks
    scenario = static_variant(
        meta={"horizon_weeks": 40, "warmup_weeks": 4},
        team={"workers": [
            {"count": 6, "role": "social_worker"},
            {"count": 4, "role": "asye", "start": dt.date(2026, 4, 1)},
        ]},
    )  # fmt: skip
    protected = {n for n, ct in scenario.case_types.items() if not ct.asye_sole_allowed}
    assert protected == {"s47", "cp", "court"}
    seen = {"asye_cases": 0}

    def check(model: ServiceModel) -> None:
        for worker in model.workers:
            if worker.asye:
                assert not {c.stage.name for c in worker.cases} & protected
                assert worker.capacity.load_cap == 0.9
                seen["asye_cases"] += len(worker.cases)

    step_through(ServiceModel(scenario, 0), 40 * 7, check)
    assert seen["asye_cases"] > 0  # ASYEs did hold other cases


def test_allocation_never_exceeds_the_load_cap_at_meetings():
    """With no pathway growth (weights fixed, no kept-worker transitions) loads stay within capacity."""
    scenario = static_variant(
        meta={"horizon_weeks": 30, "warmup_weeks": 4},
        demand={"referrals_per_week": 20},
        pathway={"entry": {"cin": 1.0}, "re_referral": {"probability": 0.0}},
        case_types={"cin": {"next": {"close": 1.0}}},
    )

    def check(model: ServiceModel) -> None:
        for w in model.workers:
            assert w.load <= w.capacity.case_capacity + 1e-6

    step_through(ServiceModel(scenario, 0), 30 * 7, check)


def mean_figure(scenario, key: str, reps: int = 4) -> float:
    return float(np.mean([run_replication(scenario, r).figures[key] for r in range(reps)]))


@pytest.mark.parametrize("key", ["unallocated_cases", "mean_wait_to_allocation_days"])
def test_more_workers_fewer_unallocated_and_shorter_waits(key):
    small = static_variant(meta=SHORT, team={"workers": [{"count": 9, "role": "social_worker"}]})
    large = static_variant(meta=SHORT, team={"workers": [{"count": 13, "role": "social_worker"}]})
    assert mean_figure(large, key) < 0.7 * mean_figure(small, key)


def test_higher_demand_higher_load():
    low = static_variant(meta=SHORT, demand={"referrals_per_week": 3.5})
    high = static_variant(meta=SHORT, demand={"referrals_per_week": 5.5})
    assert mean_figure(high, "mean_load_ratio") > mean_figure(low, "mean_load_ratio") + 0.05
    assert mean_figure(high, "open_cases") > 1.2 * mean_figure(low, "open_cases")


def test_referral_surge_raises_referrals_in_its_weeks():
    surge = static_variant(
        meta=SHORT, demand={"shocks": [{"kind": "step", "start_week": 52, "weeks": 13, "factor": 2.0}]}
    )
    weekly = run_replication(surge, 0).weekly
    inside = weekly[(weekly.week >= 52) & (weekly.week < 65)].referrals.mean()
    before = weekly[(weekly.week >= 26) & (weekly.week < 52)].referrals.mean()
    assert inside > 1.5 * before


def test_re_referred_child_goes_back_to_previous_worker_when_possible():
    scenario = static_variant(
        meta={"horizon_weeks": 80, "warmup_weeks": 4},
        demand={"referrals_per_week": 2.0},
        pathway={"re_referral": {"probability": 0.5, "within_weeks": 8}},
        outputs={"case_log": True},
    )
    log = run_replication(scenario, 0).cases
    allocated = log[log.event == "allocated"]
    first = allocated[allocated.episode == 1].groupby("child").worker_id.last()
    later = allocated[allocated.episode == 2].groupby("child").worker_id.first()
    both = later.index.intersection(first.index)
    assert len(both) > 20
    # a lightly loaded team has room, so continuity should win almost always
    assert (first[both] == later[both]).mean() > 0.9
