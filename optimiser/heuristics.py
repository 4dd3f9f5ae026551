"""Simple allocation rules a manager may use today, behind the :class:`~optimiser.policy.Policy` protocol."""

from __future__ import annotations

from optimiser.policy import (
    Decision,
    Snapshot,
    WaitingCase,
    WorkerSlot,
    has_room,
    ineligibility,
    ordered_cases,
    unallocated_reason,
)


class LeastLoaded:
    """Each case, in order, to the eligible worker with room whose load ratio would be lowest.

    With continuity on, a case goes back to its previous worker when that worker is eligible and has room.
    """

    name = "least_loaded"

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        decisions = []
        for case in ordered_cases(snapshot):
            candidates = _candidates(snapshot, case)
            if not candidates:
                decisions.append(Decision(case.id, None, unallocated_reason(case, snapshot.workers)))
                continue
            ranked = sorted(candidates, key=lambda w: (w.ratio_with(case.weight), w.id))
            chosen, reason = ranked[0], "lowest load ratio"
            previous = _previous(snapshot, case, candidates)
            if previous is not None:
                chosen, reason = previous, "continuity"
            elif len(ranked) == 1:
                reason = "only eligible worker with room"
            runner_up = next((w.id for w in ranked if w is not chosen), None)
            chosen.load += case.weight
            decisions.append(Decision(case.id, chosen.id, reason, runner_up))
        return decisions


class RoundRobin:
    """Cases in turn to the next worker in a fixed rotation, skipping those ineligible or without room."""

    name = "round_robin"

    def __init__(self) -> None:
        self._next_by_team: dict[str, int] = {}

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        rotation = sorted(snapshot.workers, key=lambda w: w.id)
        decisions = []
        for case in ordered_cases(snapshot):
            start = self._next_by_team.get(case.team, 0)
            chosen = None
            for step in range(len(rotation)):
                worker = rotation[(start + step) % len(rotation)]
                if ineligibility(worker, case) is None and has_room(
                    worker, case.weight, snapshot.max_load_ratio
                ):
                    chosen = worker
                    self._next_by_team[case.team] = (start + step + 1) % len(rotation)
                    break
            if chosen is None:
                decisions.append(Decision(case.id, None, unallocated_reason(case, snapshot.workers)))
                continue
            chosen.load += case.weight
            decisions.append(Decision(case.id, chosen.id, "next in rotation"))
        return decisions


POLICIES = {"least_loaded": LeastLoaded, "round_robin": RoundRobin}


def make_policy(name: str):
    """A fresh policy object by name (policies may hold state, so one per run)."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown policy '{name}'; choose one of {sorted(POLICIES)}") from None


def _candidates(snapshot: Snapshot, case: WaitingCase) -> list[WorkerSlot]:
    return [
        w
        for w in snapshot.workers
        if ineligibility(w, case) is None and has_room(w, case.weight, snapshot.max_load_ratio)
    ]


def _previous(snapshot: Snapshot, case: WaitingCase, candidates: list[WorkerSlot]) -> WorkerSlot | None:
    if not snapshot.continuity or case.previous_worker is None:
        return None
    return next((w for w in candidates if w.id == case.previous_worker), None)
