"""What a plan writes and says (issue 16): ``plan.json``, ``candidates.parquet`` and the one-line answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.figures import figure
from simulator.output_folder import atomic_folder
from simulator.planning.search import LevelResult, PlanResult, TargetResult
from simulator.provenance import git_commit, machine, package_versions
from simulator.run import json_safe
from simulator.scenario import Scenario, scenario_to_yaml

CANDIDATE_COLUMNS = (
    "phase", "level", "replications", "first_replication", "level_status", "target", "metric", "direction",
    "threshold", "mean", "ci_low", "ci_high", "status", "cost_staff", "cost_agency", "cost_plan", "cost_total",
)  # fmt: skip


def candidates_table(result: PlanResult) -> pd.DataFrame:
    """One row per level tried, phase and target (:data:`CANDIDATE_COLUMNS`), in the order run."""
    rows = [
        {
            "phase": level.phase,
            "level": level.level,
            "replications": level.replications,
            "first_replication": level.first_replication,
            "level_status": level.status,
            "target": t.target.text,
            "metric": t.target.metric,
            "direction": t.target.direction,
            "threshold": t.target.threshold,
            "mean": t.mean,
            "ci_low": t.ci_low,
            "ci_high": t.ci_high,
            "status": t.status,
            **{f"cost_{k}": v for k, v in level.cost.as_dict().items()},
        }  # fmt: skip
        for level in [*result.candidates, *result.verifications]
        for t in level.targets
    ]
    return pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))


def plan_json(result: PlanResult, executor: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan as ``plan.json``: the answer, every level tried, the verification and provenance."""
    decision = result.decision
    return json_safe(
        {
            "recommended": {decision.path: result.recommended},
            "answer": answer_sentence(result),
            "first_guess": {
                "level": result.guess.level,
                "demanded_case_hours_per_week": float(result.guess.demanded_hours),
                "other_case_hours_per_week": float(result.guess.other_hours),
                "case_hours_per_week_per_worker": float(result.guess.hours_per_worker),
            },
            "one_fewer": _level(result.one_fewer) if result.one_fewer is not None else None,
            "candidates": [_level(level) for level in sorted(result.candidates, key=lambda r: r.level)],
            "verification": [_level(level) for level in result.verifications],
            "runs": result.runs,
            "provenance": {
                "scenario": result.scenario,
                "decision": {"path": decision.path, "low": decision.low, "high": decision.high},
                "targets": [t.text for t in result.targets],
                "confidence": result.confidence,
                "replications": result.replications.model_dump(),
                "executor": executor,
                "commit": git_commit(),
                "versions": package_versions(["caseplan", "numpy", "pandas", "scipy", "pydantic"]),
                "machine": machine(),
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
        }
    )


def _level(level: LevelResult) -> dict[str, Any]:
    return {
        "level": level.level,
        "phase": level.phase,
        "replications": level.replications,
        "first_replication": level.first_replication,
        "status": level.status,
        "targets": {
            t.target.text: {"mean": t.mean, "ci_low": t.ci_low, "ci_high": t.ci_high, "status": t.status}
            for t in level.targets
        },
        "yearly_cost": level.cost.as_dict(),
    }


def write_plan(
    result: PlanResult, scenario: Scenario, out_dir: Path, executor: dict[str, Any] | None
) -> None:
    """Write ``plan.json``, ``candidates.parquet`` and the resolved scenario searched from, atomically
    (:func:`simulator.output_folder.atomic_folder`, as :func:`simulator.run.write_outputs` does)."""
    with atomic_folder(out_dir) as tmp:
        (tmp / "plan.json").write_text(json.dumps(plan_json(result, executor), indent=2) + "\n")
        candidates_table(result).to_parquet(tmp / "candidates.parquet", index=False)
        (tmp / "scenario.resolved.yaml").write_text(scenario_to_yaml(scenario))


# ------------------------------------------------------------------------------------------ words


def answer_sentence(result: PlanResult) -> str:
    """The one-line answer, e.g. "14 (team.workers.0.count): every target met with 95% confidence
    (verified on 20 fresh replications); with 13, mean wait … 5.6 (5.1–6.2) > 5"."""
    confidence = f"{result.confidence:.0%} confidence"
    decision = result.decision
    if result.recommended is None:
        last = max(result.candidates, key=lambda r: r.level, default=None)
        reason = f"; with {last.level}, {_shortfall(last)}" if last is not None else ""
        return f"no level of {decision.path} in {decision.low}..{decision.high} meets every target with {confidence}{reason}"
    verified = result.verifications[-1]
    text = (
        f"{result.recommended} ({decision.path}): every target met with {confidence} "
        f"(verified on {verified.replications} fresh replications)"
    )
    below = result.one_fewer
    if below is not None:
        return f"{text}; with {below.level}, {_shortfall(below)}"
    return f"{text}; {result.recommended} is the lowest level searched (lower LO to look further)"


def _shortfall(level: LevelResult) -> str:
    """Why a level does not do, naming its first failed (else undecided) target."""
    short = level.short_of
    if not short:
        return "the verification did not confirm it"
    return _target_words(short[0], level.replications)


def _target_words(t: TargetResult, replications: int) -> str:
    label = figure(t.target.metric).label
    interval = f"{short_number(t.mean)} ({short_number(t.ci_low)}–{short_number(t.ci_high)})"
    wrong_side = ">" if t.target.direction == "<=" else "<"
    if t.status == "failed":
        return f"{label} is {interval} {wrong_side} {t.target.threshold:g}"
    return f"{label} is {interval}, not clearly {t.target.direction} {t.target.threshold:g} after {replications} replications (undecided)"


def short_number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
