"""The capacity planner's search (DESIGN §13): the smallest level of a count that meets every target.

Targets are taken as monotone in staff: a level that meets them all is followed by levels that do too.
From the analytic first guess the search brackets (steps of 1, 2, 4, … down from a level that meets the
targets, or up from one that does not) and then bisects until the level that meets them sits next to one
that does not. Replication r of every level draws from the same streams (common random numbers, DESIGN
§9), so levels differ by the staff, not by luck. At each level replications are added in rounds until
every target is met, one has failed, or the cap is reached ("undecided", which does not count as met).
The answer is then verified on fresh replications (numbers from :data:`VERIFICATION_OFFSET`) that the
search never used; an answer they reject is treated as failing and the search moves up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from pydantic import Field, model_validator

from simulator.figures import figure
from simulator.planning.costs import YearlyCost, yearly_cost
from simulator.planning.decision import Decision, FirstGuess, at_level, first_guess
from simulator.planning.targets import PlanError, Status, Target
from simulator.run import run_replication
from simulator.scenario import Scenario
from simulator.scenario.base import Strict
from simulator.statistics import mean_ci

VERIFICATION_OFFSET = 1_000_000
"""Replication numbers of the verification start here: streams no search replication draws from."""

Phase = Literal["search", "verification"]
Runner = Callable[[Callable[[int], dict[str, float]], list[int]], Iterable[tuple[int, dict[str, float]]]]
"""An executor's ``run`` (:mod:`batch.executors`): (function, items) → ``(item, result)`` in any order."""


class Replications(Strict):
    """How many replications a level gets: ``initial``, then ``step`` more at a time up to ``cap``."""

    initial: int = Field(10, ge=2, le=10_000, description="Replications a level starts with.")
    step: int = Field(10, ge=1, le=10_000, description="Replications added per round while undecided.")
    cap: int = Field(40, ge=2, le=10_000, description="Most replications at a level; then undecided.")
    verification: int = Field(
        20,
        ge=2,
        le=10_000,
        description="Fresh replications the answer starts with (its cap: the larger of both).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Replications:
        if self.cap < self.initial:
            raise ValueError(f"cap ({self.cap}) must be at least initial ({self.initial})")
        return self


@dataclass
class TargetResult:
    """One target at one level: the mean, its interval and the verdict."""

    target: Target
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    status: Status


@dataclass
class LevelResult:
    """The replications run at one level in one phase and what they say about every target."""

    level: int
    phase: Phase
    replications: int
    first_replication: int
    targets: list[TargetResult]
    cost: YearlyCost

    @property
    def status(self) -> Status:
        """Met when every target is met, failed when one has failed, otherwise undecided."""
        statuses = {t.status for t in self.targets}
        if statuses == {"met"}:
            return "met"
        return "failed" if "failed" in statuses else "undecided"

    @property
    def short_of(self) -> list[TargetResult]:
        """The targets not met (failed first)."""
        return sorted((t for t in self.targets if t.status != "met"), key=lambda t: t.status != "failed")


@dataclass
class PlanResult:
    """What the planner found."""

    scenario: str
    decision: Decision
    targets: list[Target]
    confidence: float
    replications: Replications
    guess: FirstGuess
    candidates: list[LevelResult] = field(default_factory=list)
    """Search levels in the order tried."""
    verifications: list[LevelResult] = field(default_factory=list)
    recommended: int | None = None

    @property
    def runs(self) -> int:
        """Replications run in all (search and verification)."""
        return sum(r.replications for r in [*self.candidates, *self.verifications])

    @property
    def one_fewer(self) -> LevelResult | None:
        """The evidence that one fewer does not do: the verification that rejected it, else its search."""
        if self.recommended is None:
            return None
        below = self.recommended - 1
        for result in [*self.verifications, *self.candidates]:
            if result.level == below:
                return result
        return None


def plan(
    scenario: Scenario,
    decision: Decision,
    targets: Sequence[Target],
    confidence: float = 0.95,
    replications: Replications | None = None,
    run: Runner | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> PlanResult:
    """Find the smallest level of ``decision`` that meets every target, verified on fresh replications.

    Parameters
    ----------
    scenario : Scenario
        The scenario at its own level of the count (the others are built from it).
    decision : Decision
        The count (dotted path) and the range of levels to search.
    targets : sequence of Target
        All must be met; a target is met when its two-sided ``confidence`` interval clears the threshold.
    confidence : float
        Confidence level of the intervals.
    replications : Replications, optional
        Replications per level (default ``Replications()``).
    run : callable, optional
        An executor's ``run`` method (default: one after another in this process).
    progress : callable, optional
        Called with (replications run so far, what is running).

    Returns
    -------
    PlanResult
        ``recommended`` is None when no level in the range meets every target.
    """
    settings = replications or Replications()
    result = PlanResult(
        scenario.meta.name,
        decision,
        list(targets),
        confidence,
        settings,
        first_guess(scenario, decision.path),
    )
    evaluator = _Evaluator(scenario, decision, list(targets), confidence, settings, run, progress, result)
    low = decision.low
    while True:
        answer = _search(evaluator.meets, low, decision.high, result.guess.level)
        if answer is None:
            return result
        check = evaluator.evaluate(answer, "verification")
        result.verifications.append(check)
        if check.status == "met":
            result.recommended = answer
            return result
        evaluator.rejected.add(answer)
        if answer == decision.high:
            return result
        low = answer + 1


def _search(meets: Callable[[int], bool], low: int, high: int, guess: int) -> int | None:
    """The smallest level in ``low..high`` that ``meets``, taking ``meets`` as monotone (None: none does)."""
    start = min(max(guess, low), high)
    step = 1
    if meets(start):
        passing, failing = start, low - 1
        while passing > low:
            probe = max(low, passing - step)
            if not meets(probe):
                failing = probe
                break
            passing, step = probe, step * 2
    else:
        failing, passing = start, high + 1
        while failing < high:
            probe = min(high, failing + step)
            if meets(probe):
                passing = probe
                break
            failing, step = probe, step * 2
        if passing > high:
            return None
    while passing - failing > 1:
        middle = (passing + failing) // 2
        if meets(middle):
            passing = middle
        else:
            failing = middle
    return passing


@dataclass
class _Evaluator:
    """Runs levels (once each per phase) and records them in the result."""

    scenario: Scenario
    decision: Decision
    targets: list[Target]
    confidence: float
    settings: Replications
    run: Runner | None
    progress: Callable[[int, str], None] | None
    result: PlanResult
    searched: dict[int, LevelResult] = field(default_factory=dict)
    rejected: set[int] = field(default_factory=set)

    def meets(self, level: int) -> bool:
        """Whether ``level`` meets every target in the search (a rejected verification counts as not)."""
        if level not in self.searched:
            self.searched[level] = self.evaluate(level, "search")
            self.result.candidates.append(self.searched[level])
        return level not in self.rejected and self.searched[level].status == "met"

    def evaluate(self, level: int, phase: Phase) -> LevelResult:
        """Replications at ``level`` in rounds until every target is decided or the cap is reached."""
        scenario = at_level(self.scenario, self.decision.path, level)
        first = VERIFICATION_OFFSET if phase == "verification" else 0
        wanted = self.settings.verification if phase == "verification" else self.settings.initial
        figures: list[dict[str, float]] = []
        while True:
            figures += self._replicate(scenario, range(first + len(figures), first + wanted))
            if self.progress is not None:
                self.progress(self.result.runs + len(figures), f"level {level} ({phase})")
            level_result = LevelResult(
                level, phase, len(figures), first, self._judge(figures), yearly_cost(scenario, figures)
            )
            cap = max(self.settings.cap, wanted)
            if level_result.status != "undecided" or wanted >= cap:
                return level_result
            wanted = min(cap, wanted + self.settings.step)

    def _replicate(self, scenario: Scenario, numbers: range) -> list[dict[str, float]]:
        run = self.run or _serial
        done = dict(run(partial(replication_figures, scenario), list(numbers)))
        return [done[r] for r in numbers]

    def _judge(self, figures: list[dict[str, float]]) -> list[TargetResult]:
        judged = []
        for target in self.targets:
            values = [f.get(target.metric) for f in figures]
            if all(v is None for v in values):
                raise PlanError(
                    f"target {target.text}: this scenario's runs have no figure '{target.metric}' "
                    "(level figures need a contingency plan, workforce figures a workforce section)"
                )
            ci = mean_ci(values, self.confidence, figure(target.metric).bounds)
            low, high = ci["ci_low"], ci["ci_high"]
            status = target.status(low, high)  # type: ignore[arg-type]  # floats or None by mean_ci
            judged.append(TargetResult(target, ci["mean"], low, high, status))  # type: ignore[arg-type]
        return judged


def replication_figures(scenario: Scenario, replication: int) -> dict[str, float]:
    """The headline figures of one replication (a top-level function: process executors pickle it)."""
    return run_replication(scenario, replication).figures


def _serial(
    fn: Callable[[int], dict[str, float]], items: list[int]
) -> Iterable[tuple[int, dict[str, float]]]:
    for item in items:
        yield item, fn(item)
