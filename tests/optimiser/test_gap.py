"""Generalised Assignment Problem: hand-checked optima, infeasibility, input checks, CBC agreement,
published cattrysse1994 optima and a brute-force property test (hypothesis)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser import GapResult, solve_gap
from optimiser.gap import _cbc
from optimiser.gap_instances import gap_data_dir, known_optima, read_gap_instance

# 2 agents × 3 jobs. Agent 0 fits job 0 alone or any one/both of jobs 1 and 2 (weights 3, 2, 2; capacity 4);
# agent 1 fits at most two jobs (weights 1; capacity 2). Feasible splits (jobs of agent 0 → total cost):
# {0}: 1+6+5 = 12, {1}: 2+4+5 = 11, {2}: 3+4+6 = 13, {1,2}: 2+3+4 = 9. Unconstrained, min would put every
# job on agent 0 (6) and max every job on agent 1 (15): both senses are bound by a capacity.
COST = [[1, 2, 3], [4, 6, 5]]
WEIGHT = [[3, 2, 2], [1, 1, 1]]
CAPACITY = [4, 2]

CATTRYSSE = ["gap1-0", "gap4-2", "gap8-1", "gap10-3", "gap12-4"]


def test_hand_checked_minimum():
    r = solve_gap(COST, WEIGHT, CAPACITY, sense="min")
    assert isinstance(r, GapResult)
    assert (r.status, r.objective, r.assignment) == ("optimal", 9.0, [1, 0, 0])
    assert r.solver == "highs" and r.mip_gap is not None and r.mip_gap <= 1e-9 and r.seconds >= 0


def test_hand_checked_maximum():
    r = solve_gap(COST, WEIGHT, CAPACITY, sense="max")
    assert (r.status, r.objective, r.assignment) == ("optimal", 13.0, [1, 1, 0])


def test_result_is_frozen():
    r = solve_gap(COST, WEIGHT, CAPACITY)
    with pytest.raises(AttributeError):
        r.objective = 0.0  # type: ignore[misc]


def test_infeasible_by_aggregate_capacity_returns_status():
    # every single job fits every agent, but each agent fits only one job: 3 jobs, 2 places
    r = solve_gap(np.ones((2, 3)), np.full((2, 3), 1.5), [2, 2])
    assert r.status == "infeasible"
    assert r.objective is None and r.assignment == [-1, -1, -1] and not r.feasible


def test_infeasible_job_too_heavy_for_every_agent():
    r = solve_gap([[1, 1]], [[1, 5]], [4])
    assert (r.status, r.objective, r.assignment) == ("infeasible", None, [-1, -1])


def test_no_jobs_is_trivially_optimal():
    r = solve_gap(np.zeros((2, 0)), np.zeros((2, 0)), [1, 1])
    assert (r.status, r.objective, r.assignment) == ("optimal", 0.0, [])


@pytest.mark.parametrize(
    ("cost", "weight", "capacity", "message"),
    [
        ([[1, 2]], [[1, 2], [3, 4]], [5], "same shape"),
        ([1, 2], [1, 2], [5], "2-dimensional"),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]], [5], "one entry per agent"),
        ([[1, 2], [3]], [[1, 2], [3, 4]], [5, 5], "rectangular"),
        ([[1, np.nan]], [[1, 1]], [5], "finite"),
        ([[1, 2]], [[1, -1]], [5], "weight must be non-negative"),
        ([[1, 2]], [[1, 1]], [-5], "capacity must be non-negative"),
        (np.zeros((0, 2)), np.zeros((0, 2)), [], "at least one agent"),
    ],
)
def test_bad_input_raises_clear_value_error(cost, weight, capacity, message):
    with pytest.raises(ValueError, match=message):
        solve_gap(cost, weight, capacity)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sense": "maximise"}, "sense"),
        ({"solver": "gurobi"}, "solver"),
        ({"time_limit": 0}, "time_limit"),
        ({"mip_gap": -0.1}, "mip_gap"),
    ],
)
def test_bad_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        solve_gap(COST, WEIGHT, CAPACITY, **kwargs)


def test_cbc_gives_the_same_optimum_as_highs():
    if not _cbc(None, 0.0).available():
        pytest.skip("CBC is not available to PuLP")
    rng = np.random.default_rng(7)
    cost = rng.integers(5, 50, size=(4, 12))
    weight = rng.integers(1, 20, size=(4, 12))
    capacity = np.full(4, int(weight.sum() / 4 * 0.8))
    highs = solve_gap(cost, weight, capacity)
    cbc = solve_gap(cost, weight, capacity, solver="cbc")
    assert highs.status == cbc.status == "optimal"
    assert (highs.solver, cbc.solver) == ("highs", "cbc")
    assert cbc.objective == highs.objective
    for result in (highs, cbc):
        assert result.objective == sum(cost[a, j] for j, a in enumerate(result.assignment))


@pytest.mark.parametrize("name", CATTRYSSE)
def test_cattrysse1994_published_optimum(name):
    data = gap_data_dir()
    if not (data / "data.csv").is_file():
        pytest.skip(f"shared GAP data not found at {data} (set CASEPLAN_GAP_DATA)")
    inst = read_gap_instance(data / "cattrysse1994" / name)
    r = solve_gap(inst.cost, inst.weight, inst.capacity, sense="min")
    assert r.status == "optimal"
    assert r.objective == known_optima(data / "data.csv")[inst.name]
    use = np.zeros(inst.agents)
    np.add.at(use, r.assignment, inst.weight[r.assignment, np.arange(inst.jobs)])
    assert np.all(use <= inst.capacity)


def test_reader_rejects_a_truncated_file(tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("2 2\n1 2 3 4\n1 1 1 1\n5\n")
    with pytest.raises(ValueError, match="needs 12 numbers"):
        read_gap_instance(bad)


def test_reader_layout(tmp_path):
    f = tmp_path / "tiny"
    f.write_text(" 2 3\n 1 2 3\n 4 5 6\n 7 8 9\n 10 11 12\n 13 14\n")
    inst = read_gap_instance(f)
    assert inst.name == f"{tmp_path.name}/tiny" and (inst.agents, inst.jobs) == (2, 3)
    assert inst.cost.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert inst.weight.tolist() == [[7, 8, 9], [10, 11, 12]]
    assert inst.capacity.tolist() == [13, 14]


def test_gap_module_imports_neither_simpy_nor_streamlit():
    code = "import sys, optimiser.gap, optimiser.gap_instances; print('simpy' in sys.modules, 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["False", "False"]


def brute_force(cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, sense: str) -> float | None:
    m, n = cost.shape
    best = None
    for assignment in itertools.product(range(m), repeat=n):
        use = np.zeros(m)
        for j, i in enumerate(assignment):
            use[i] += weight[i, j]
        if np.all(use <= capacity):
            value = float(sum(cost[i, j] for j, i in enumerate(assignment)))
            if best is None or (value < best if sense == "min" else value > best):
                best = value
    return best


@st.composite
def instances(draw):
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    cells = st.lists(st.integers(0, 20), min_size=m * n, max_size=m * n)
    cost = np.array(draw(cells)).reshape(m, n)
    weight = np.array(draw(st.lists(st.integers(0, 10), min_size=m * n, max_size=m * n))).reshape(m, n)
    capacity = np.array(draw(st.lists(st.integers(0, 25), min_size=m, max_size=m)))
    return cost, weight, capacity, draw(st.sampled_from(["min", "max"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimal_results_match_brute_force(instance):
    cost, weight, capacity, sense = instance
    r = solve_gap(cost, weight, capacity, sense=sense)
    expected = brute_force(cost, weight, capacity, sense)
    assert r.status in ("optimal", "infeasible")
    assert (r.status == "infeasible") == (expected is None)
    if r.status == "optimal":
        m, n = cost.shape
        assert len(r.assignment) == n and all(0 <= a < m for a in r.assignment)
        use = np.zeros(m)
        for j, i in enumerate(r.assignment):
            use[i] += weight[i, j]
        assert np.all(use <= capacity)
        assert r.objective == expected
        assert r.objective == sum(cost[i, j] for j, i in enumerate(r.assignment))
