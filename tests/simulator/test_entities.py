"""Workers built from the team section and compiled case stages."""

import datetime as dt

from simulator.entities import Stage, build_workers
from tests.support import variant


def test_worker_ids_are_pseudonymous_and_tenure_defaults():
    scenario = variant(
        team={"workers": [
            {"count": 2, "role": "social_worker", "team": "north"},
            {"count": 1, "role": "asye", "team": "north"},
            {"count": 1, "role": "team_manager", "team": "north"},
        ]},
    )  # fmt: skip
    workers = build_workers(scenario)
    assert [w.id for w in workers] == [
        "north-social_worker-001", "north-social_worker-002", "north-asye-001", "north-team_manager-001",
    ]  # fmt: skip
    start = scenario.meta.start
    assert workers[2].start_day == 0  # an ASYE starts with the run
    assert workers[0].start_day == (start.replace(year=start.year - 5) - start).days
    assert [w.case_holding for w in workers] == [True, True, True, False]


def test_stage_compiles_weight_schedule_and_transitions(baseline):
    cp = Stage.compile("cp", baseline.case_types["cp"])
    assert cp.weight == 3.2  # the first six weeks are heavier
    assert cp.schedule == ((0.0, 3.2), (42.0, 2.6))  # weeks → days
    assert cp.next_names == ("cin", "close", "cla", "court")
    assert cp.next_cumulative[-1] == 1.0
    assert cp.urgent and cp.must_allocate and not cp.asye_sole_allowed


def test_explicit_start_date_sets_tenure():
    scenario = variant(team={"workers": [{"count": 1, "role": "asye", "start": dt.date(2026, 3, 4)}]})
    assert build_workers(scenario)[0].start_day == -28
