"""A team manager's allocation meeting on a snapshot: who takes each waiting case, and the loads after.

The snapshot (two CSVs read by :mod:`simulator.snapshot`) gives the workers and their cases on one date.
Capacity comes from :func:`simulator.capacity.worker_capacity` with each worker's tenure on that date and
the expected absence; held cases load their worker with their case type's weight (from the weight
schedule, by weeks since the case opened). The waiting cases go to an allocation policy of
:mod:`optimiser` with explanations on.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from optimiser import Decision, Policy, Snapshot, WaitingCase, WorkerSlot, make_policy
from simulator.capacity import is_asye, worker_capacity
from simulator.model import policy_for
from simulator.scenario.models import Scenario
from simulator.snapshot import SnapshotCase, SnapshotWorker, resolve_teams

ALLOCATION_COLUMNS = ("case_id", "worker_id", "weight_hours", "reason", "runner_up")
LOAD_COLUMNS = (
    "worker_id",
    "role",
    "case_capacity_hours",
    "load_hours_before",
    "load_hours_after",
    "load_ratio_after",
)
HEURISTIC = "heuristic"
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class AllocationResult:
    """Decisions and loads of one allocation meeting.

    ``allocations`` has one row per waiting case (:data:`ALLOCATION_COLUMNS`; ``worker_id`` and
    ``runner_up`` are "" when there is none); ``loads`` one row per worker (:data:`LOAD_COLUMNS`;
    ``load_ratio_after`` is NaN for a worker without case capacity); ``status`` the solver's status
    for the MILP policy, else ``"heuristic"``.
    """

    allocations: pd.DataFrame
    loads: pd.DataFrame
    status: str
    policy: str


def allocate_team(
    workers: Sequence[SnapshotWorker],
    cases: Sequence[SnapshotCase],
    as_of: dt.date,
    scenario: Scenario,
    policy_name: str | None = None,
) -> AllocationResult:
    """Allocate the waiting cases of a snapshot with the scenario's (or the named) policy.

    Parameters
    ----------
    workers, cases
        The snapshot rows (see :func:`simulator.snapshot.read_snapshot`).
    as_of
        Snapshot date: tenure and case ages are measured to it.
    scenario
        Supplies capacity parameters, case types and allocation settings.
    policy_name
        One of ``optimiser.POLICY_NAMES``; default ``scenario.allocation.policy``.

    Raises
    ------
    SnapshotError
        If a waiting case's team cannot be decided or siblings are in different teams.
    ValueError
        For an unknown policy name.
    """
    params = scenario.capacity
    slots: dict[str, WorkerSlot] = {}
    for w in workers:
        tenure = (as_of - w.start_date).days / DAYS_PER_WEEK
        capacity = worker_capacity(
            fte=w.fte,
            role=w.role,
            tenure_weeks=tenure,
            params=params,
            case_holding=w.role != "team_manager",
            supervision=scenario.supervision,
            cpd=scenario.cpd,
        )
        slots[w.id] = WorkerSlot(
            id=w.id,
            team=w.team,
            role=w.role,
            asye=is_asye(w.role, tenure, params),
            case_capacity=capacity.case_capacity,
            load=0.0,
            skills=w.skills,
        )
    for case in cases:
        if case.worker_id is not None:
            weeks = (as_of - case.opened).days / DAYS_PER_WEEK
            slots[case.worker_id].load += scenario.case_types[case.type].weight_after(weeks)
    before = {wid: slot.load for wid, slot in slots.items()}

    waiting_rows = [c for c in cases if c.worker_id is None]
    waiting = _waiting_cases(waiting_rows, workers, as_of, scenario)
    name = policy_name or scenario.allocation.policy
    policy = _policy(name, scenario)
    alloc = scenario.allocation
    snapshot = Snapshot(
        workers=list(slots.values()),
        cases=waiting,
        max_load_ratio=alloc.max_load_ratio,
        continuity=alloc.continuity,
        order=alloc.order,
        time=0.0,
        explain=True,
    )
    decisions = {d.case_id: d for d in policy.allocate(snapshot)} if waiting else {}

    after = dict(before)
    rows = []
    for case in waiting:
        decision = decisions.get(case.id) or Decision(case.id, None, "no decision from the policy")
        if decision.worker_id is not None:
            after[decision.worker_id] += case.weight
        rows.append(
            (case.id, decision.worker_id or "", case.weight, decision.reason, decision.runner_up or "")
        )
    allocations = pd.DataFrame(rows, columns=list(ALLOCATION_COLUMNS))
    loads = pd.DataFrame(
        [
            (
                slot.id,
                slot.role,
                slot.case_capacity,
                before[slot.id],
                after[slot.id],
                after[slot.id] / slot.case_capacity if slot.case_capacity > 0 else math.nan,
            )
            for slot in slots.values()
        ],
        columns=list(LOAD_COLUMNS),
    )
    return AllocationResult(allocations, loads, solver_status(policy), name)


def solver_status(policy: Policy) -> str:
    """The MILP's last outcome in one line, or ``"heuristic"`` for the other policies.

    It says whose allocation was kept (the solver's, or a heuristic's by name when no solver run
    improved on it), the proven gap and the solve time, e.g. ``"optimal; kept solver (highs); gap 0.00%;
    solve 0.04 s"`` or ``"optimal; kept least_loaded; no solve needed (reached the upper bound)"``.
    """
    if getattr(policy, "name", None) != "milp":
        return HEURISTIC
    result = getattr(policy, "last_result", None)
    if result is None:
        return "no solve (nothing waiting)"
    text = f"{result.status}; kept {_kept(result.winner, result.solver)}"
    if result.solver == "none":
        text += "; no solve needed (reached the upper bound)" if result.teams else ""
    else:
        gap = result.mip_gap
        text += f"; gap {gap:.2%}" if gap is not None and math.isfinite(gap) else "; gap unknown"
        text += f"; solve {result.solve_seconds:.2f} s"
    if result.fallback:
        text += f"; {result.message or 'the solver returned nothing: heuristic decisions'}"
    return text


def _kept(winner: str, solver: str) -> str:
    """Whose allocation the MILP policy kept, in words."""
    if winner == "milp":
        return f"solver ({solver})"
    if "(" in winner:  # teams differ, e.g. "least_loaded (2 teams), milp (1 teams)"
        return f"by team: {winner.replace('milp', f'solver ({solver})')}"
    return winner


def _policy(name: str, scenario: Scenario) -> Policy:
    """The scenario's policy, or another one with the scenario's settings for it."""
    alloc = scenario.allocation
    if name == alloc.policy:
        return policy_for(scenario)
    options = {
        "points_threshold": {"threshold": alloc.points_threshold},
        "milp": alloc.milp.model_dump(),
    }.get(name)
    return make_policy(name, options)


def _waiting_cases(
    rows: Sequence[SnapshotCase],
    workers: Sequence[SnapshotWorker],
    as_of: dt.date,
    scenario: Scenario,
) -> list[WaitingCase]:
    out: list[WaitingCase] = []
    for case in resolve_teams(workers, rows):
        ct = scenario.case_types[case.type]
        out.append(
            WaitingCase(
                id=case.id,
                case_type=case.type,
                weight=ct.weight_after(0.0),
                team=case.team,
                priority=case.priority if case.priority is not None else ct.priority,
                must_allocate=ct.must_allocate or case.must_allocate,
                asye_sole_allowed=ct.asye_sole_allowed and not case.needs_experienced,
                required_skills=frozenset(s.lower() for s in ct.required_skills) | case.extra_skills,
                waiting_since=float((case.opened - as_of).days),
                previous_worker=case.previous_worker_id,
                sibling_group=case.sibling_group,
                excluded_workers=case.excluded_workers,
            )
        )
    return out
