"""The scenario schema (pydantic) and its YAML loader: the only way to build a scenario."""

from simulator.scenario.loader import (
    ScenarioError,
    deep_merge,
    load_scenario,
    scenario_to_yaml,
    validate_scenario,
)
from simulator.scenario.models import CLOSE, CaseType, Scenario, WorkerGroup

__all__ = [
    "CLOSE",
    "CaseType",
    "Scenario",
    "ScenarioError",
    "WorkerGroup",
    "deep_merge",
    "load_scenario",
    "scenario_to_yaml",
    "validate_scenario",
]
