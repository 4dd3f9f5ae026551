"""Simple allocation rules a manager may use today, behind the :class:`~optimiser.policy.Policy` protocol.

Policies never change the snapshot: loads added during a meeting are kept in a local tally.
"""

from __future__ import annotations

from optimiser.policy import (
    Decision,
    Snapshot,
    WaitingCase,
    WorkerView,
    has_room,
    ineligibility,
    load_ratio,
    ordered_cases,
    unallocated_reason,
)


class LeastLoaded:
    """Each case, in order, to the eligible worker with room whose load ratio would be lowest.

    With continuity on, a case goes back to its previous worker when that worker is eligible and has room.
    The runner-up is the next worker the rule would have chosen.
    """

    name = "least_loaded"

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        ceiling = snapshot.max_load_ratio
        loads = {w.id: w.load for w in snapshot.workers}
        decisions = []
        for case in ordered_cases(snapshot):
            best = runner = previous = None
            best_key = runner_key = (float("inf"), "")
            for w in snapshot.workers:
                load = loads[w.id]
                if not has_room(load, w.case_capacity, case.weight, ceiling) or ineligibility(w, case):
                    continue
                key = (load_ratio(load + case.weight, w.case_capacity), w.id)
                if key < best_key:
                    runner, runner_key, best, best_key = best, best_key, w, key
                elif key < runner_key:
                    runner, runner_key = w, key
                if w.id == case.previous_worker and snapshot.continuity:
                    previous = w
            if best is None:
                if snapshot.explain:
                    decisions.append(Decision(case.id, None, unallocated_reason(case, snapshot.workers)))
                continue
            if previous is not None:
                chosen, reason = previous, "continuity"
                runner = best if best is not previous else runner
            else:
                chosen = best
                reason = "lowest load ratio" if runner is not None else "only eligible worker with room"
            loads[chosen.id] += case.weight
            decisions.append(Decision(case.id, chosen.id, reason, runner.id if runner else None))
        return decisions


class RoundRobin:
    """Cases in turn to the next worker in a fixed rotation, skipping those ineligible or without room."""

    name = "round_robin"

    def __init__(self) -> None:
        self._next_by_team: dict[str, int] = {}

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        rotation = sorted(snapshot.workers, key=lambda w: w.id)
        added = dict.fromkeys((w.id for w in rotation), 0.0)
        decisions = []
        for case in ordered_cases(snapshot):
            start = self._next_by_team.get(case.team, 0)
            chosen = None
            for step in range(len(rotation)):
                worker = rotation[(start + step) % len(rotation)]
                if _fits(worker, case, added, snapshot.max_load_ratio):
                    chosen = worker
                    self._next_by_team[case.team] = (start + step + 1) % len(rotation)
                    break
            if chosen is None:
                if snapshot.explain:
                    decisions.append(Decision(case.id, None, unallocated_reason(case, snapshot.workers)))
                continue
            added[chosen.id] += case.weight
            decisions.append(Decision(case.id, chosen.id, "next in rotation"))
        return decisions


POLICIES = {"least_loaded": LeastLoaded, "round_robin": RoundRobin}


def make_policy(name: str):
    """A fresh policy object by name (policies may hold state, so one per run)."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown policy '{name}'; choose one of {sorted(POLICIES)}") from None


def _fits(worker: WorkerView, case: WaitingCase, added: dict[str, float], ceiling: float | None) -> bool:
    return ineligibility(worker, case) is None and has_room(
        worker.load + added[worker.id], worker.case_capacity, case.weight, ceiling
    )
