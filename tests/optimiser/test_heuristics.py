"""Heuristic policies: hand-checked choices and hard-rule properties (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser import LeastLoaded, RoundRobin, Snapshot, WaitingCase, WorkerSlot, make_policy
from optimiser.policy import SequentialPolicy, ineligibility, meeting_order


def team(*loads, capacity=20.0, asye=()):
    return [
        WorkerSlot(id=f"w{i}", team="t", role="asye" if i in asye else "social_worker",
                   asye=i in asye, case_capacity=capacity, load=load)
        for i, load in enumerate(loads)
    ]  # fmt: skip


def case(cid, weight=2.0, **kw):
    return WaitingCase(id=cid, case_type=kw.pop("case_type", "cin"), weight=weight, team="t", **kw)


def test_least_loaded_picks_lowest_ratio_and_names_runner_up():
    snap = Snapshot(workers=team(10, 4, 7), cases=[case("c1")])
    [d] = LeastLoaded().allocate(snap)
    assert (d.worker_id, d.reason, d.runner_up) == ("w1", "lowest load ratio", "w2")


def test_continuity_beats_load_when_previous_worker_has_room():
    snap = Snapshot(workers=team(10, 4), cases=[case("c1", previous_worker="w0")])
    [d] = LeastLoaded().allocate(snap)
    assert (d.worker_id, d.reason) == ("w0", "continuity")


def test_priority_order_and_capacity_binding():
    # one slot of 3 h left in the team: the urgent case gets it, the other waits with a reason
    snap = Snapshot(workers=team(17), cases=[case("low", 3, priority=1), case("cp", 3, priority=5)])
    decisions = {d.case_id: d for d in LeastLoaded().allocate(snap)}
    assert decisions["cp"].worker_id == "w0"
    assert decisions["low"].worker_id is None
    assert decisions["low"].reason == "all eligible workers at capacity"


def test_asye_rule_explained():
    snap = Snapshot(workers=team(0, asye={0}), cases=[case("cp", case_type="cp", asye_sole_allowed=False)])
    [d] = LeastLoaded().allocate(snap)
    assert d.worker_id is None and "ASYE rule" in d.reason


def test_round_robin_rotates_across_meetings():
    policy = RoundRobin()
    got = []
    for i in range(4):
        snap = Snapshot(workers=team(0, 0, 0), cases=[case(f"c{i}")])
        got.append(policy.allocate(snap)[0].worker_id)
    assert got == ["w0", "w1", "w2", "w0"]


def test_make_policy_rejects_unknown_names():
    try:
        make_policy("magic")
    except ValueError as exc:
        assert "least_loaded" in str(exc)
    else:
        raise AssertionError("unknown policy accepted")


workers_st = st.lists(
    st.tuples(st.floats(0, 30), st.floats(5, 30), st.booleans(), st.sets(st.sampled_from(["court", "dis"]))),
    min_size=1, max_size=8,
)  # fmt: skip
cases_st = st.lists(
    st.tuples(st.floats(0.5, 8), st.integers(1, 5), st.booleans(), st.sets(st.sampled_from(["court", "dis"]))),
    min_size=1, max_size=25,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(workers_st, cases_st, st.sampled_from(["least_loaded", "round_robin"]), st.sampled_from([1.0, 1.1]))
def test_hard_rules_hold_for_every_policy(worker_specs, case_specs, policy_name, ceiling):
    workers = [
        WorkerSlot(
            f"w{i}", "t", "asye" if asye else "social_worker", asye, cap, min(load, cap), frozenset(sk)
        )
        for i, (load, cap, asye, sk) in enumerate(worker_specs)
    ]
    cases = [
        WaitingCase(f"c{i}", "x", w, "t", p, must_allocate=not sole, asye_sole_allowed=sole,
                    required_skills=frozenset(sk), waiting_since=float(i))
        for i, (w, p, sole, sk) in enumerate(case_specs)
    ]  # fmt: skip
    before = {w.id: w.load for w in workers}
    original = {w.id: WorkerSlot(**{f: getattr(w, f) for f in WorkerSlot.__slots__}) for w in workers}
    decisions = make_policy(policy_name).allocate(Snapshot(workers, cases, max_load_ratio=ceiling))
    assert sorted(d.case_id for d in decisions) == sorted(c.id for c in cases)  # every case decided
    added = dict.fromkeys(before, 0.0)
    by_case = {c.id: c for c in cases}
    for d in decisions:
        assert d.reason
        if d.worker_id is not None:
            assert ineligibility(original[d.worker_id], by_case[d.case_id]) is None
            added[d.worker_id] += by_case[d.case_id].weight
    for w in workers:
        assert before[w.id] + added[w.id] <= w.case_capacity * ceiling + 1e-6


@settings(max_examples=150, deadline=None)
@given(
    workers_st,
    cases_st,
    st.sampled_from(["least_loaded", "round_robin", "points_threshold"]),
    st.sampled_from([1.0, 1.1, None]),
    st.sampled_from(["priority_then_fifo", "fifo"]),
    st.booleans(),
)
def test_a_sequential_policy_meeting_is_its_cases_placed_one_at_a_time(
    worker_specs, case_specs, policy_name, ceiling, order, continuity
):
    """SequentialPolicy's contract: ``allocate`` decides as ``place`` does, case by case in meeting order
    on the loads the earlier placements left (what the simulator's continuous allocation relies on)."""
    workers = [
        WorkerSlot(
            f"w{i}", "t", "asye" if asye else "social_worker", asye, cap, min(load, cap), frozenset(sk)
        )
        for i, (load, cap, asye, sk) in enumerate(worker_specs)
    ]
    cases = [
        WaitingCase(f"c{i}", "x", w, "t", p, asye_sole_allowed=sole, required_skills=frozenset(sk),
                    waiting_since=float(i % 3), previous_worker=f"w{i % 4}")
        for i, (w, p, sole, sk) in enumerate(case_specs)
    ]  # fmt: skip
    snapshot = Snapshot(workers, cases, max_load_ratio=ceiling, continuity=continuity, order=order)
    in_one_meeting = {d.case_id: d.worker_id for d in make_policy(policy_name).allocate(snapshot)}

    policy = make_policy(policy_name)
    assert isinstance(policy, SequentialPolicy)
    one_at_a_time = {}
    for waiting in sorted(cases, key=meeting_order(order)):
        chosen = policy.place(waiting, workers, ceiling, continuity)
        one_at_a_time[waiting.id] = chosen.id if chosen is not None else None
        if chosen is not None:
            chosen.load += waiting.weight
    assert one_at_a_time == in_one_meeting


def test_the_milp_is_not_a_sequential_policy():
    assert not isinstance(make_policy("milp"), SequentialPolicy)
