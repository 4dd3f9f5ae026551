"""Run replications of a scenario, summarise them and write the outputs of ``caseplan run``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.contingency import TIMELINE_COLUMNS
from simulator.entities import DAYS_PER_WEEK
from simulator.figures import figure
from simulator.metrics import (
    ALLOCATED_WITHIN_DAYS,
    CASE_LOG_COLUMNS,
    WORKER_COLUMNS,
    WORKER_EXTRA_COLUMNS,
    RunMetrics,
    allocated_within_share,
)
from simulator.model import ServiceModel
from simulator.output_folder import atomic_folder
from simulator.scenario import Scenario, scenario_to_yaml
from simulator.scenario.dynamics import Agency
from simulator.statistics import mean_ci

SUMMARY_KEYS = (
    "avg_caseload_per_fte",
    "mean_load_ratio",
    "max_load_ratio",
    "unallocated_cases",
    "mean_wait_to_allocation_days",
    "referrals_per_week",
    "open_cases",
)


@dataclass
class ReplicationResult:
    """Tables and headline figures of one replication."""

    replication: int
    weekly: pd.DataFrame
    workers: pd.DataFrame
    cases: pd.DataFrame | None
    figures: dict[str, float]
    metrics: RunMetrics
    timeline: pd.DataFrame | None = None


@dataclass
class ScenarioResult:
    """All replications of a scenario with the across-replication summary."""

    scenario: Scenario
    replications: list[ReplicationResult]

    @property
    def weekly(self) -> pd.DataFrame:
        return pd.concat([r.weekly for r in self.replications], ignore_index=True)

    @property
    def workers(self) -> pd.DataFrame:
        return pd.concat([r.workers for r in self.replications], ignore_index=True)

    @property
    def cases(self) -> pd.DataFrame | None:
        logs = [r.cases for r in self.replications if r.cases is not None]
        return pd.concat(logs, ignore_index=True) if logs else None

    @property
    def timeline(self) -> pd.DataFrame | None:
        """The contingency timeline of every replication (None without a plan)."""
        tables = [r.timeline for r in self.replications if r.timeline is not None]
        return pd.concat(tables, ignore_index=True) if tables else None

    def summary(self) -> dict[str, dict]:
        """Every figure as ``{"mean", "ci_low", "ci_high", "n", "few_replications"}`` across replications.

        Each interval lies within the figure's possible range (:mod:`simulator.figures`).
        """
        names = dict.fromkeys(k for r in self.replications for k in r.figures)  # a figure may be in some only
        return {
            k: mean_ci([r.figures[k] for r in self.replications if k in r.figures], bounds=figure(k).bounds)
            for k in names
        }


def run_replication(scenario: Scenario, replication: int) -> ReplicationResult:
    """Simulate one replication and turn its metrics into tables and headline figures."""
    model = ServiceModel(scenario, replication)
    metrics = model.run()
    weekly = _with_dates(pd.DataFrame(metrics.team_rows), scenario, replication)
    timeline = None
    if model.contingency is not None:
        timeline = _with_dates(
            pd.DataFrame(model.contingency.timeline, columns=TIMELINE_COLUMNS), scenario, replication
        )
    workers = pd.DataFrame(metrics.worker_rows, columns=WORKER_COLUMNS + WORKER_EXTRA_COLUMNS)
    workers.insert(0, "replication", replication)
    cases = None
    if metrics.case_log is not None:
        cases = pd.DataFrame(metrics.case_log, columns=CASE_LOG_COLUMNS)
        cases.insert(0, "replication", replication)
    figures = headline_figures(scenario, metrics, weekly)
    if scenario.supervision.track and len(workers):
        figures.update(supervision_by_tenure(workers[workers["week"] >= scenario.meta.warmup_weeks]))
    return ReplicationResult(replication, weekly, workers, cases, figures, metrics, timeline)


def _with_dates(table: pd.DataFrame, scenario: Scenario, replication: int) -> pd.DataFrame:
    """Add the replication and each week's start date in front of a weekly table."""
    table.insert(0, "replication", replication)
    start = pd.Timestamp(scenario.meta.start)
    table.insert(2, "week_start", start + pd.to_timedelta(table["week"] * 7, unit="D"))
    return table


def run_scenario(
    scenario: Scenario, replications: int = 1, progress: Callable[[int], None] | None = None
) -> ScenarioResult:
    """Run ``replications`` replications (0, 1, …) one after another."""
    results = []
    for r in range(replications):
        results.append(run_replication(scenario, r))
        if progress is not None:
            progress(r + 1)
    return ScenarioResult(scenario, results)


def headline_figures(scenario: Scenario, metrics: RunMetrics, weekly: pd.DataFrame) -> dict[str, float]:
    """Post-warm-up figures of one replication (the keys of ``summary.json``)."""
    end = scenario.meta.horizon_weeks * DAYS_PER_WEEK
    weeks_measured = scenario.meta.horizon_weeks - scenario.meta.warmup_weeks
    service = weekly[~weekly["warmup"]].groupby("week")[["cases_held", "case_holding_fte"]].sum()
    ratio_count = metrics.ratio_count
    waits = metrics.waits
    arrivals = metrics.arrivals_after_warmup
    return {
        "avg_caseload_per_fte": _mean(service["cases_held"] / service["case_holding_fte"]),
        "mean_load_ratio": metrics.ratio_sum / ratio_count if ratio_count else math.nan,
        "max_load_ratio": metrics.ratio_max,
        "unallocated_cases": metrics.waiting.mean(end),
        "mean_wait_to_allocation_days": sum(waits) / len(waits) if waits else math.nan,
        "share_allocated_within_7_days": allocated_within_share(waits, ALLOCATED_WITHIN_DAYS),
        "referrals_per_week": arrivals / weeks_measured,
        "re_referral_share": metrics.re_referrals_after_warmup / arrivals if arrivals else math.nan,
        "open_cases": metrics.open_cases.mean(end),
        "mean_episode_days": (
            sum(metrics.sojourns) / len(metrics.sojourns) if metrics.sojourns else math.nan
        ),
        "worker_weeks_over_100_share": metrics.ratio_over_100 / ratio_count if ratio_count else math.nan,
        **dynamics_figures(scenario, weekly[~weekly["warmup"]]),
        **week_share_figures(weekly[~weekly["warmup"]]),
    }


WEEK_SHARE_COLUMNS = {
    "weeks_no_must_allocate_waiting_share": "unallocated_must_allocate",
    "weeks_no_case_waiting_over_28_days_share": "unallocated_over_28_days",
}
"""Chance figures (issue 16) → the weekly count that must be 0 across the service at a week's end."""


def week_share_figures(measured: pd.DataFrame) -> dict[str, float]:
    """Share of measured weeks in which no team has a case of the kind counted (chance targets, issue 16).

    A planner states a chance target as "in at least 95% of weeks no CP, CLA or court case waits at a
    week's end": ``weeks_no_must_allocate_waiting_share >= 0.95``. A must-allocate case counts once it has
    missed an urgent meeting (:meth:`simulator.metrics.RunMetrics._unallocated`).
    """
    by_week = measured.groupby("week")[list(WEEK_SHARE_COLUMNS.values())].sum()
    return {name: _mean(by_week[column] == 0) for name, column in WEEK_SHARE_COLUMNS.items()}


def dynamics_figures(scenario: Scenario, measured: pd.DataFrame) -> dict[str, float]:
    """Post-warm-up totals of workforce, supervision, CPD and contingency (issue 5), from weekly rows.

    Only the figures whose columns the run produced are returned (no plan: no contingency figures).
    """
    total = measured.sum(numeric_only=True)
    figures = {
        "absence_rate": _ratio(total["absent_fte"], total["fte"]),
        "agency_fte_weeks": float(total["agency_fte"]),
        "agency_cost": float(total["agency_cost"]),
        "agency_premium": float(
            total["agency_cost"] - total["agency_fte"] * 5 * _permanent_day_cost(scenario)
        ),
        "cpd_hours_lost": float(total["cpd_lost_to_pause_hours"] + total["cpd_lost_to_overload_hours"]),
        "cpd_taken_share": _ratio(total["cpd_taken_hours"], total["cpd_planned_hours"]),
        "asye_protected_kept_share": _ratio(
            total["asye_protected_kept_hours"], total["asye_protected_hours"]
        ),
        "overdue_assessments": _mean(measured["overdue_assessments"]),
    }
    if "vacancies_fte" in measured:
        figures.update(
            vacancy_rate=_ratio(total["vacancies_fte"], total["establishment_fte"]),
            leavers=float(total["leavers"]),
            starters=float(total["starters"]),
        )
    if "supervision_due" in measured:
        figures.update(
            supervision_missed=float(total["supervision_missed"]),
            supervision_on_time_share=_on_time(total),
        )
    if "contingency_cost" in measured:
        levels = measured["level"].value_counts()
        figures.update({f"team_weeks_at_level_{n}": float(levels.get(n, 0)) for n in (1, 2, 3, 4)})
        figures.update(
            contingency_cost=float(total["contingency_cost"]),
            overtime_hours=float(total["overtime_hours"]),
            cases_stepped_down=float(total["stepped_down"]),
            referrals_screened_out=float(total["screened_out"]),
            escalations=float(total["escalations"]),
            cpd_pause_team_weeks=float(total["cpd_paused"]),
        )
    return figures


def supervision_by_tenure(workers: pd.DataFrame) -> dict[str, float]:
    """Share of due sessions held on time, for ASYE and for other workers (Standard 5 by tenure)."""
    figures = {}
    for label, group in workers.groupby("asye"):
        figures[f"supervision_on_time_share_{'asye' if label else 'others'}"] = _on_time(group.sum())
    return figures


def _on_time(total: pd.Series) -> float:
    """Sessions held on time / sessions that were held or missed."""
    held = total["supervision_held"]
    return _ratio(held - total["supervision_late"], held + total["supervision_missed"])


def _permanent_day_cost(scenario: Scenario) -> float:
    workforce = scenario.workforce
    return workforce.agency.permanent_day_cost if workforce is not None else Agency().permanent_day_cost


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else math.nan


def _mean(series: pd.Series) -> float:
    return float(series.mean()) if len(series) else math.nan


# ------------------------------------------------------------------------------------- outputs


def write_outputs(result: ScenarioResult, out_dir: Path) -> None:
    """Write tables, summary and the resolved scenario to ``out_dir`` atomically.

    Everything goes into :func:`simulator.output_folder.atomic_folder`, so an interrupted run never
    leaves half-written outputs behind.
    """
    with atomic_folder(out_dir) as tmp:
        result.weekly.to_parquet(tmp / "weekly.parquet", index=False)
        if result.scenario.outputs.per_worker:
            result.workers.to_parquet(tmp / "workers_weekly.parquet", index=False)
        for name, table in (("cases", result.cases), ("contingency", result.timeline)):
            if table is not None:
                table.to_parquet(tmp / f"{name}.parquet", index=False)
        summary = {
            **result.summary(),
            "run": {
                "scenario": result.scenario.meta.name,
                "replications": len(result.replications),
                "seed": result.scenario.meta.seed,
                "warmup_weeks": result.scenario.meta.warmup_weeks,
                "horizon_weeks": result.scenario.meta.horizon_weeks,
            },
        }
        (tmp / "summary.json").write_text(json.dumps(json_safe(summary), indent=2) + "\n")
        (tmp / "scenario.resolved.yaml").write_text(scenario_to_yaml(result.scenario))


def json_safe(value):
    """``value`` with every non-finite float (NaN, ±inf) replaced by None, for strict JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
