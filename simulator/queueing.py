"""M/M/c validation (DESIGN §11): Erlang C theory and the scenario that reduces the model to M/M/c.

The check builds an ordinary scenario through the schema (one case type whose weight is a worker's whole
case capacity, exponential durations, Poisson referrals, no absence or reserved time, FIFO allocation at
continuous meetings) and runs it through the same simulator code as any other scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.capacity import worker_capacity
from simulator.entities import DAYS_PER_WEEK
from simulator.model import ServiceModel
from simulator.scenario import Scenario, validate_scenario
from simulator.statistics import mean_ci

QUEUE_METRICS = ("mean_wait", "mean_queue_length", "p_wait", "utilisation", "mean_in_system")


@dataclass(frozen=True)
class ErlangC:
    """Steady-state M/M/c figures; times in the unit of the rates (weeks here)."""

    arrival_rate: float
    mean_duration: float
    servers: int

    @property
    def offered_load(self) -> float:
        return self.arrival_rate * self.mean_duration

    @property
    def utilisation(self) -> float:
        return self.offered_load / self.servers

    @property
    def p_wait(self) -> float:
        """Erlang C probability of waiting, via the stable Erlang B recursion."""
        a, rho = self.offered_load, self.utilisation
        if rho >= 1:
            return 1.0
        b = 1.0
        for k in range(1, self.servers + 1):
            b = a * b / (k + a * b)
        return b / (1 - rho * (1 - b))

    @property
    def mean_wait(self) -> float:
        if self.utilisation >= 1:
            return math.inf
        return self.p_wait * self.mean_duration / (self.servers - self.offered_load)

    @property
    def mean_queue_length(self) -> float:
        return self.arrival_rate * self.mean_wait

    @property
    def mean_in_system(self) -> float:
        return self.mean_queue_length + self.offered_load

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in QUEUE_METRICS}


def mmc_scenario(
    arrival_rate: float, mean_duration: float, servers: int, weeks: int, warmup_weeks: int, seed: int
) -> Scenario:
    """A scenario that is an M/M/c queue (rates per week, durations in weeks), built through the schema."""
    capacity = {
        "non_case_share": 0.0,
        "asye_protected_share": 0.0,
        "absence_share": 0.0,
        "other_duties_hours": 0.0,
    }
    draft = validate_scenario(
        {
            "meta": {
                "name": f"mmc-{servers}",
                "seed": seed,
                "horizon_weeks": weeks,
                "warmup_weeks": warmup_weeks,
            },
            "team": {"workers": [{"count": servers, "role": "social_worker", "fte": 1.0}]},
            "capacity": capacity,
            "supervision": {"session_hours": 0.0, "track": False},
            "cpd": {"share": 0.0},
            "case_types": {
                "case": {
                    "weight_hours": 1.0,
                    "duration": {"kind": "exponential", "mean": mean_duration, "unit": "weeks"},
                    "next": {"close": 1.0},
                }
            },
            "pathway": {"entry": {"case": 1.0}, "re_referral": {"probability": 0.0}},
            "demand": {"referrals_per_week": arrival_rate},
            "allocation": {
                "policy": "least_loaded",
                "meetings": {"urgent_every_days": 0, "other_every_days": 0},
                "max_load_ratio": 1.0,
                "continuity": False,
                "order": "fifo",
            },
            "outputs": {"per_worker": False, "case_log": False},
        },
        source="queue-check",
    )
    whole = worker_capacity(
        fte=1.0,
        role="social_worker",
        tenure_weeks=520,
        params=draft.capacity,
        supervision=draft.supervision,
        cpd=draft.cpd,
    )
    draft.case_types["case"].weight_hours = whole.case_capacity  # one case fills a worker
    return draft


def queue_figures(scenario: Scenario, replication: int) -> dict[str, float]:
    """Simulated M/M/c figures of one replication (times in weeks)."""
    metrics = ServiceModel(scenario, replication).run()
    end = scenario.meta.horizon_weeks * DAYS_PER_WEEK
    span_weeks = scenario.meta.horizon_weeks - scenario.meta.warmup_weeks
    waits = metrics.waits
    servers = sum(g.count for g in scenario.team.workers)
    weight = scenario.case_types["case"].weight_hours
    sojourns = metrics.sojourns
    return {
        "mean_wait": sum(waits) / len(waits) / DAYS_PER_WEEK if waits else math.nan,
        "mean_queue_length": metrics.waiting.mean(end),
        "p_wait": sum(w > 1e-12 for w in waits) / len(waits) if waits else math.nan,
        "utilisation": metrics.busy_hours.mean(end) / (servers * weight),
        "mean_in_system": metrics.open_cases.mean(end),
        "arrival_rate": metrics.arrivals_after_warmup / span_weeks,
        "mean_time_in_system": sum(sojourns) / len(sojourns) / DAYS_PER_WEEK if sojourns else math.nan,
    }


def queue_check(
    arrival_rate: float,
    mean_duration: float,
    servers: int,
    weeks: int,
    warmup_weeks: int,
    replications: int,
    seed: int,
) -> dict:
    """Simulated M/M/c figures with 95% CIs across replications, beside their Erlang C values."""
    scenario = mmc_scenario(arrival_rate, mean_duration, servers, weeks, warmup_weeks, seed)
    runs = [queue_figures(scenario, r) for r in range(replications)]
    simulated = {k: mean_ci([run[k] for run in runs]) for k in runs[0]}
    theory = ErlangC(arrival_rate, mean_duration, servers)
    return {
        "parameters": {
            "arrival_rate": arrival_rate,
            "mean_duration": mean_duration,
            "servers": servers,
            "weeks": weeks,
            "warmup_weeks": warmup_weeks,
            "replications": replications,
            "seed": seed,
            "units": "weeks and cases",
        },
        "simulated": simulated,
        "theory": theory.as_dict(),
        "littles_law": littles_law(runs),
    }


def littles_law(runs: list[dict[str, float]]) -> dict[str, dict]:
    """L vs λW in the system and in the queue, per replication averaged (relative differences)."""
    system = [r["mean_in_system"] - r["arrival_rate"] * r["mean_time_in_system"] for r in runs]
    queue = [r["mean_queue_length"] - r["arrival_rate"] * r["mean_wait"] for r in runs]
    return {"system_L_minus_lambda_W": mean_ci(system), "queue_Lq_minus_lambda_Wq": mean_ci(queue)}
