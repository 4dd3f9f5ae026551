"""The team manager's allocation on a snapshot: capacities, held loads, rules, reasons, load arithmetic."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math

import pandas as pd
import pytest

from optimiser import POLICY_NAMES
from simulator.capacity import worker_capacity
from simulator.snapshot import SnapshotCase, SnapshotWorker, read_snapshot
from simulator.team_allocation import (
    ALLOCATION_COLUMNS,
    LOAD_COLUMNS,
    allocate_team,
)
from tests.support import ROOT, variant

AS_OF = dt.date(2026, 11, 2)
EXAMPLES = ROOT / "scenarios" / "examples"
HAS_MILP = importlib.util.find_spec("optimiser.milp") is not None
needs_milp = pytest.mark.skipif(not HAS_MILP, reason="optimiser.milp (the milp policy) is not there yet")
POLICIES = [pytest.param(p, marks=needs_milp) if p == "milp" else p for p in POLICY_NAMES]
HEURISTICS = [p for p in POLICY_NAMES if p != "milp"]


def worker(wid, role="social_worker", fte=1.0, start="2015-01-05", skills=(), team="north"):
    return SnapshotWorker(wid, role, fte, dt.date.fromisoformat(start), frozenset(skills), team, 0)


def case(cid, kind, opened="2026-10-26", worker_id=None, **extra):
    fields = dict(
        priority=None, sibling_group=None, excluded_workers=frozenset(), extra_skills=frozenset(),
        needs_experienced=False, must_allocate=False, previous_worker_id=None, team=None, row=0,
    )  # fmt: skip
    fields.update(extra)
    return SnapshotCase(cid, kind, dt.date.fromisoformat(opened), worker_id, **fields)


def weeks_ago(weeks: float) -> str:
    return (AS_OF - dt.timedelta(days=round(weeks * 7))).isoformat()


@pytest.fixture(scope="module")
def example(baseline):
    return read_snapshot(EXAMPLES / "team_workers.csv", EXAMPLES / "team_cases.csv", AS_OF, baseline)


@pytest.fixture(scope="module")
def results(example, baseline):
    """The example allocated by every available policy."""
    names = [p for p in POLICY_NAMES if p != "milp" or HAS_MILP]
    return {p: allocate_team(example.workers, example.cases, AS_OF, baseline, p) for p in names}


def loads_of(result) -> dict[str, dict]:
    return result.loads.set_index("worker_id").to_dict("index")


# ------------------------------------------------------------------------------------ capacity


def test_capacities_come_from_worker_capacity_with_tenure_on_the_date(example, baseline, results):
    loads = loads_of(results["least_loaded"])
    for w in example.workers:
        expected = worker_capacity(
            fte=w.fte,
            role=w.role,
            tenure_weeks=(AS_OF - w.start_date).days / 7,
            params=baseline.capacity,
            case_holding=w.role != "team_manager",
        ).case_capacity
        assert loads[w.id]["case_capacity_hours"] == pytest.approx(expected), w.id


def test_hand_worked_capacities(baseline):
    workers = [
        worker("SW"),
        worker("PT", fte=0.5),
        worker("A4", role="asye", start="2026-07-02"),  # 17.6 weeks: fortnightly supervision
        worker("A13", role="asye", start="2025-10-02"),  # 56 weeks: past the ASYE, like anyone
        worker("TM", role="team_manager"),
    ]
    loads = loads_of(allocate_team(workers, [case("C1", "cin")], AS_OF, baseline))
    monthly = 1.5 * 12 / 52
    # 37 × 0.965 − monthly supervision − 2.5% CPD − 9% other non-case time
    assert loads["SW"]["case_capacity_hours"] == pytest.approx(35.705 - monthly - 0.925 - 3.33)
    assert loads["PT"]["case_capacity_hours"] == pytest.approx(17.8525 - monthly - 0.4625 - 1.665)
    # ASYE: also 10% protected time, fortnightly 1.5 h sessions, then the 0.9 load cap
    assert loads["A4"]["case_capacity_hours"] == pytest.approx((35.705 - 0.75 - 0.925 - 3.7 - 3.33) * 0.9)
    assert loads["A13"]["case_capacity_hours"] == pytest.approx(loads["SW"]["case_capacity_hours"])
    assert loads["TM"]["case_capacity_hours"] == 0 and math.isnan(loads["TM"]["load_ratio_after"])


# ------------------------------------------------------------------------------------- weights


def test_weight_at_follows_the_schedule(baseline):
    cp, cla, cin = (baseline.case_types[n] for n in ("cp", "cla", "cin"))
    assert [cp.weight_after(w) for w in (0, 5.9, 6, 100)] == [3.2, 3.2, 2.6, 2.6]
    assert [cla.weight_after(w) for w in (0, 11.9, 12)] == [2.6, 2.6, 1.9]
    assert cin.weight_after(30) == 1.5


def test_held_cases_load_their_worker_by_age(baseline):
    held = [
        case("C1", "cp", weeks_ago(2), "SW"),  # 3.2: first six weeks
        case("C2", "cp", weeks_ago(10), "SW"),  # 2.6
        case("C3", "cla", weeks_ago(3), "SW"),  # 2.6: first twelve weeks
        case("C4", "cla", weeks_ago(20), "SW"),  # 1.9
        case("C5", "cin", weeks_ago(30), "SW"),  # 1.5
        case("C6", "court", weeks_ago(1), "TM"),  # a manager holding a case still counts
    ]
    result = allocate_team([worker("SW"), worker("TM", role="team_manager")], held, AS_OF, baseline)
    loads = loads_of(result)
    assert loads["SW"]["load_hours_before"] == pytest.approx(3.2 + 2.6 + 2.6 + 1.9 + 1.5)
    assert loads["SW"]["load_hours_after"] == loads["SW"]["load_hours_before"]  # nobody waiting
    assert loads["TM"]["load_hours_before"] == pytest.approx(3.7)
    assert math.isnan(loads["TM"]["load_ratio_after"])
    assert result.allocations.empty and list(result.allocations.columns) == list(ALLOCATION_COLUMNS)


def test_example_loads_before_are_the_held_weights(example, baseline, results):
    loads = loads_of(results["least_loaded"])
    for w in example.workers:
        expected = sum(
            baseline.case_types[c.type].weight_after((AS_OF - c.opened).days / 7)
            for c in example.held
            if c.worker_id == w.id
        )
        assert loads[w.id]["load_hours_before"] == pytest.approx(expected), w.id


# -------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize("policy", POLICIES)
def test_asye_in_the_first_year_gets_no_cp(policy, baseline):
    workers = [worker("A1", role="asye", start="2026-07-02"), worker("SW")]
    cases = [case("C1", "cp"), case("C2", "cp", opened="2026-10-27"), case("C3", "s47")]
    result = allocate_team(workers, cases, AS_OF, baseline, policy)
    assert "A1" not in set(result.allocations["worker_id"])
    assert set(result.allocations["worker_id"]) == {"SW"}


@pytest.mark.parametrize("policy", POLICIES)
def test_a_cp_waits_with_the_asye_rule_as_reason_when_only_an_asye_could_take_it(policy, baseline):
    workers = [worker("A1", role="asye", start="2026-07-02"), worker("TM", role="team_manager")]
    result = allocate_team(workers, [case("C1", "cp"), case("C2", "cin")], AS_OF, baseline, policy)
    rows = result.allocations.set_index("case_id")
    assert rows.loc["C1", "worker_id"] == ""
    # points_threshold reports its own threshold as the reason, whatever else binds
    binding = "below 85% load" if policy == "points_threshold" else "ASYE rule"
    assert binding in rows.loc["C1", "reason"]
    assert rows.loc["C2", "worker_id"] == "A1"


@pytest.mark.parametrize("policy", POLICIES)
def test_an_asye_past_the_first_year_may_hold_a_cp(policy, baseline):
    workers = [worker("A1", role="asye", start="2025-09-01")]
    result = allocate_team(workers, [case("C1", "cp")], AS_OF, baseline, policy)
    assert result.allocations["worker_id"].tolist() == ["A1"]


@pytest.mark.parametrize("policy", POLICIES)
def test_example_rules_hold_for_every_policy(policy, example, results):
    if policy not in results:
        pytest.skip("milp not available")
    by_case = results[policy].allocations.set_index("case_id")["worker_id"]
    waiting = {c.id: c for c in example.waiting}
    asyes = {w.id for w in example.workers if w.role == "asye"}
    skills = {w.id: w.skills for w in example.workers}
    for cid, wid in by_case.items():
        if not wid:
            continue
        c = waiting[cid]
        if c.type in ("cp", "court", "s47"):
            assert wid not in asyes, (policy, cid)
        assert c.extra_skills <= skills[wid], (policy, cid)
        assert wid not in c.excluded_workers, (policy, cid)
    siblings = [by_case[c.id] for c in example.waiting if c.sibling_group]
    assert len(set(siblings)) == 1, siblings  # together, or both waiting


def test_continuity_gives_a_re_referral_to_the_previous_worker(example, results):
    re_referral = next(c for c in example.waiting if c.previous_worker_id)
    row = results["least_loaded"].allocations.set_index("case_id").loc[re_referral.id]
    assert row["worker_id"] == re_referral.previous_worker_id and row["reason"] == "continuity"


def test_a_priority_in_the_csv_overrides_the_case_type(baseline):
    # room for one of the two: 31.10 h capacity, 7 × 3.7 + 2 × 1.5 = 28.9 h held, 2.2 h free
    held = [case(f"H{i}", "court", weeks_ago(10), "SW") for i in range(7)]
    held += [case(f"K{i}", "cin", weeks_ago(10), "SW") for i in range(2)]
    waiting = [case("A", "assessment", "2026-10-20"), case("B", "cin", "2026-10-30")]
    default = allocate_team([worker("SW")], held + waiting, AS_OF, baseline, "least_loaded")
    assert default.allocations["worker_id"].tolist() == ["SW", ""]  # assessment (3) before CIN (2)
    urgent_b = [waiting[0], case("B", "cin", "2026-10-30", priority=5)]
    raised = allocate_team([worker("SW")], held + urgent_b, AS_OF, baseline, "least_loaded")
    assert raised.allocations["worker_id"].tolist() == ["", "SW"]


# ---------------------------------------------------------------------------- reasons, arithmetic


@pytest.mark.parametrize("policy", POLICIES)
def test_every_waiting_case_has_a_row_and_a_reason(policy, example, results):
    if policy not in results:
        pytest.skip("milp not available")
    allocations = results[policy].allocations
    assert list(allocations.columns) == list(ALLOCATION_COLUMNS)
    assert allocations["case_id"].tolist() == [c.id for c in example.waiting]
    assert (allocations["reason"].str.len() > 0).all()
    initial = {"assessment": 1.85, "s47": 2.6, "cin": 1.5, "cp": 3.2, "court": 3.7, "cla": 2.6}
    assert allocations["weight_hours"].tolist() == [initial[c.type] for c in example.waiting]


@pytest.mark.parametrize("policy", POLICIES)
def test_loads_after_are_loads_before_plus_allocated_weights(policy, results, baseline):
    if policy not in results:
        pytest.skip("milp not available")
    result = results[policy]
    loads = result.loads
    assert list(loads.columns) == list(LOAD_COLUMNS)
    allocated = result.allocations[result.allocations["worker_id"] != ""]
    added = allocated.groupby("worker_id")["weight_hours"].sum()
    expected = loads["load_hours_before"] + loads["worker_id"].map(added).fillna(0.0)
    assert loads["load_hours_after"].tolist() == pytest.approx(expected.tolist())
    holders = loads[loads["case_capacity_hours"] > 0]
    assert holders["load_ratio_after"].tolist() == pytest.approx(
        (holders["load_hours_after"] / holders["case_capacity_hours"]).tolist()
    )
    cap = baseline.allocation.max_load_ratio
    over = holders["load_hours_after"] > holders["case_capacity_hours"] * cap + 1e-9
    raised = holders["load_hours_after"] > holders["load_hours_before"] + 1e-9
    assert not (over & raised).any(), "an allocation pushed a worker past max_load_ratio"


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_name_works_and_reports_its_status(policy, results):
    if policy not in results:
        pytest.skip("milp not available")
    result = results[policy]
    assert result.policy == policy
    assert (result.status == "heuristic") == (policy != "milp")
    assert (result.allocations["worker_id"] != "").sum() >= 1


def test_the_scenario_policy_and_its_settings_are_the_default(example):
    scenario = variant(allocation={"policy": "points_threshold", "points_threshold": 0.9})
    result = allocate_team(example.workers, example.cases, AS_OF, scenario)
    assert result.policy == "points_threshold"
    assert result.allocations["reason"].str.contains("90% load").all()


def test_another_policy_takes_the_scenario_settings_for_it(example, baseline):
    scenario = variant(allocation={"points_threshold": 0.95})
    result = allocate_team(example.workers, example.cases, AS_OF, scenario, "points_threshold")
    assert result.allocations["reason"].str.contains("95% load").all()


def test_an_unknown_policy_is_a_value_error(example, baseline):
    with pytest.raises(ValueError, match="unknown policy 'best'"):
        allocate_team(example.workers, example.cases, AS_OF, baseline, "best")


def test_cases_go_only_to_workers_of_their_team(baseline):
    workers = [worker("N1"), worker("S1", team="south")]
    cases = [case("C1", "cin", team="south"), case("C2", "cin", previous_worker_id="N1", team="north")]
    result = allocate_team(workers, cases, AS_OF, baseline, "round_robin")
    assert result.allocations["worker_id"].tolist() == ["S1", "N1"]
    assert isinstance(result.loads, pd.DataFrame) and len(result.loads) == 2
