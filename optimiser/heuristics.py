"""Simple allocation rules a manager may use today, behind the :class:`~optimiser.policy.Policy` protocol.

Policies never change the snapshot: loads added during a meeting are kept in a local tally. Siblings
(cases sharing ``sibling_group``) are placed as one unit: one worker eligible for all of them, with room
for their total weight, or all wait.
"""

from __future__ import annotations

from collections.abc import Sequence

from optimiser.policy import (
    Decision,
    Snapshot,
    WaitingCase,
    WorkerView,
    has_room,
    ineligibility,
    largest_room,
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
        loads = {w.id: w.load for w in snapshot.workers}
        room = largest_room(snapshot.workers, snapshot.max_load_ratio, loads)
        decisions: list[Decision] = []
        for unit in sibling_units(ordered_cases(snapshot)):
            weight = _weight(unit)
            pick = None
            if weight <= room:  # else nobody can take it: skip the search
                pick = self._choose(unit, weight, snapshot.workers, loads, snapshot.max_load_ratio,
                                    snapshot.continuity)  # fmt: skip
            if pick is None:
                _wait(decisions, unit, snapshot)
                continue
            chosen, reason, runner = pick
            loads[chosen.id] += weight
            room = largest_room(snapshot.workers, snapshot.max_load_ratio, loads)
            _place(decisions, unit, chosen, reason, runner)
        return decisions

    def place(
        self, case: WaitingCase, workers: Sequence[WorkerView], max_load_ratio: float | None, continuity: bool
    ) -> WorkerView | None:
        pick = self._choose([case], case.weight, workers, None, max_load_ratio, continuity)
        return pick[0] if pick is not None else None

    @staticmethod
    def _choose(
        unit: list[WaitingCase],
        weight: float,
        workers: Sequence[WorkerView],
        loads: dict[str, float] | None,
        ceiling: float | None,
        continuity: bool,
    ) -> tuple[WorkerView, str, WorkerView | None] | None:
        """The worker for ``unit``, the reason and the runner-up (None: nobody eligible has room).

        ``loads`` is the meeting's running tally (None: the workers' own loads)."""
        best = runner = previous = None
        best_key = runner_key = (float("inf"), "")
        previous_id = unit[0].previous_worker if continuity else None
        for w in workers:
            load = w.load if loads is None else loads[w.id]
            if not _fits(w, unit, load, weight, ceiling):
                continue
            key = (load_ratio(load + weight, w.case_capacity), w.id)
            if key < best_key:
                runner, runner_key, best, best_key = best, best_key, w, key
            elif key < runner_key:
                runner, runner_key = w, key
            if w.id == previous_id:
                previous = w
        if best is None:
            return None
        if previous is not None:
            return previous, "continuity", best if best is not previous else runner
        return best, "lowest load ratio" if runner is not None else "only eligible worker with room", runner


class RoundRobin:
    """Cases in turn to the next worker in a fixed rotation, skipping those ineligible or without room."""

    name = "round_robin"

    def __init__(self) -> None:
        self._next_by_team: dict[str, int] = {}

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        rotation = sorted(snapshot.workers, key=lambda w: w.id)
        loads = {w.id: w.load for w in rotation}
        decisions: list[Decision] = []
        for unit in sibling_units(ordered_cases(snapshot)):
            weight = _weight(unit)
            chosen = self._choose(unit, weight, rotation, loads, snapshot.max_load_ratio)
            if chosen is None:
                _wait(decisions, unit, snapshot)
                continue
            loads[chosen.id] += weight
            _place(decisions, unit, chosen, "next in rotation", None)
        return decisions

    def place(
        self, case: WaitingCase, workers: Sequence[WorkerView], max_load_ratio: float | None, continuity: bool
    ) -> WorkerView | None:
        return self._choose([case], case.weight, sorted(workers, key=lambda w: w.id), None, max_load_ratio)

    def _choose(
        self,
        unit: list[WaitingCase],
        weight: float,
        rotation: list[WorkerView],
        loads: dict[str, float] | None,
        ceiling: float | None,
    ) -> WorkerView | None:
        """The next worker in the rotation who can take ``unit`` (the rotation moves past them)."""
        team = unit[0].team
        start = self._next_by_team.get(team, 0)
        for step in range(len(rotation)):
            worker = rotation[(start + step) % len(rotation)]
            load = worker.load if loads is None else loads[worker.id]
            if _fits(worker, unit, load, weight, ceiling):
                self._next_by_team[team] = (start + step + 1) % len(rotation)
                return worker
        return None


class PointsThreshold:
    """Each case to the first worker (in id order) whose load ratio is below ``threshold``.

    The rule of many points schemes: a worker "has capacity" while under a set percentage. The hard cap
    of the snapshot (``max_load_ratio``) still applies.
    """

    name = "points_threshold"

    def __init__(self, threshold: float = 0.85) -> None:
        if not threshold > 0:
            raise ValueError(f"threshold must be > 0 (got {threshold})")
        self.threshold = threshold

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        order = sorted(snapshot.workers, key=lambda w: w.id)
        loads = {w.id: w.load for w in order}
        decisions: list[Decision] = []
        for unit in sibling_units(ordered_cases(snapshot)):
            weight = _weight(unit)
            below = self._below(unit, weight, order, loads, snapshot.max_load_ratio)
            if not below:
                _wait(decisions, unit, snapshot, f"no eligible worker below {self.threshold:.0%} load")
                continue
            chosen = below[0]
            loads[chosen.id] += weight
            runner = below[1] if len(below) > 1 else None
            _place(decisions, unit, chosen, f"first worker below {self.threshold:.0%} load", runner)
        return decisions

    def place(
        self, case: WaitingCase, workers: Sequence[WorkerView], max_load_ratio: float | None, continuity: bool
    ) -> WorkerView | None:
        below = self._below([case], case.weight, sorted(workers, key=lambda w: w.id), None, max_load_ratio)
        return below[0] if below else None

    def _below(
        self,
        unit: list[WaitingCase],
        weight: float,
        order: list[WorkerView],
        loads: dict[str, float] | None,
        ceiling: float | None,
    ) -> list[WorkerView]:
        """Workers (in id order) under the threshold who can take ``unit``."""
        below = []
        for w in order:
            load = w.load if loads is None else loads[w.id]
            if load_ratio(load, w.case_capacity) < self.threshold and _fits(w, unit, load, weight, ceiling):
                below.append(w)
        return below


def make_policy(name: str, options: dict | None = None):
    """A fresh policy object by name (policies may hold state, so one per run).

    ``options`` are the policy's settings: ``{"threshold": x}`` for ``points_threshold``, the fields of
    :class:`optimiser.milp.MilpSettings` for ``milp``.
    """
    options = options or {}
    if name == "least_loaded":
        return LeastLoaded()
    if name == "round_robin":
        return RoundRobin()
    if name == "points_threshold":
        return PointsThreshold(**options)
    if name == "milp":
        from optimiser.milp import MilpPolicy, MilpSettings  # PuLP loads only when asked for

        return MilpPolicy(MilpSettings(**options))
    raise ValueError(f"unknown policy '{name}'; choose one of {sorted(POLICY_NAMES)}")


POLICY_NAMES = ("least_loaded", "round_robin", "points_threshold", "milp")


def sibling_units(cases: Sequence[WaitingCase]) -> list[list[WaitingCase]]:
    """Cases in order, siblings gathered into one unit at the place of the first of them."""
    groups: dict[str, list[WaitingCase]] = {}
    for case in cases:
        if case.sibling_group is not None:
            groups.setdefault(case.sibling_group, []).append(case)
    if not groups:
        return [[case] for case in cases]
    return [
        [case] if case.sibling_group is None else groups[case.sibling_group]
        for case in cases
        if case.sibling_group is None or groups[case.sibling_group][0] is case
    ]


def _weight(unit: list[WaitingCase]) -> float:
    return unit[0].weight if len(unit) == 1 else sum(c.weight for c in unit)


def _fits(
    worker: WorkerView, unit: list[WaitingCase], load: float, weight: float, ceiling: float | None
) -> bool:
    if not has_room(load, worker.case_capacity, weight, ceiling):
        return False
    if len(unit) == 1:
        return ineligibility(worker, unit[0]) is None
    return all(ineligibility(worker, case) is None for case in unit)


def _place(
    decisions: list[Decision],
    unit: list[WaitingCase],
    worker: WorkerView,
    reason: str,
    runner: WorkerView | None,
) -> None:
    if len(unit) > 1:
        reason += " (sibling group kept together)"
    for case in unit:
        decisions.append(Decision(case.id, worker.id, reason, runner.id if runner else None))


def _wait(decisions: list[Decision], unit: list[WaitingCase], snapshot: Snapshot, reason: str = "") -> None:
    if not snapshot.explain:
        return
    for case in unit:
        why = reason or unallocated_reason(case, snapshot.workers)
        if len(unit) > 1 and not reason:
            why = (
                f"sibling group: {why}"
                if why.startswith("no ")
                else "sibling group: no worker has room for all"
            )
        decisions.append(Decision(case.id, None, why))
