"""Plan files (issue 16): ``caseplan plan PLAN.yaml``, the options of ``caseplan plan`` written down.

::

    scenario: baseline.yaml          # relative to the plan file
    vary: team.workers.0.count=8..16
    targets: ["mean_wait_to_allocation_days<=5", "team_weeks_at_level_4<=2"]
    confidence: 0.95
    replications: {initial: 10, step: 10, cap: 40, verification: 20}
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from simulator.planning.decision import Decision, parse_vary
from simulator.planning.search import Replications
from simulator.planning.targets import PlanError, Target, parse_target
from simulator.scenario import ScenarioError
from simulator.scenario.base import Strict
from simulator.scenario.loader import read_yaml_mapping
from simulator.text_input import excerpt

CONFIDENCE_RANGE = (0.5, 0.999)


class PlanFile(Strict):
    """A capacity plan: the scenario, the count to vary, the targets and the replications."""

    scenario: str = Field(min_length=1, description="Scenario file, relative to the plan file.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Applied to the scenario first.")
    vary: str = Field(min_length=1, description="PATH=LO..HI, e.g. team.workers.0.count=8..16.")
    targets: list[str] = Field(min_length=1, description='Each "METRIC<=X" or "METRIC>=X".')
    confidence: float = Field(0.95, ge=CONFIDENCE_RANGE[0], le=CONFIDENCE_RANGE[1])
    replications: Replications = Field(default_factory=Replications)

    @field_validator("vary")
    @classmethod
    def _decision(cls, value: str) -> str:
        _plan_value(parse_vary, value)
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        for text in value:
            _plan_value(parse_target, text)
        return value

    @property
    def decision(self) -> Decision:
        return parse_vary(self.vary)

    @property
    def parsed_targets(self) -> list[Target]:
        return [parse_target(t) for t in self.targets]


def _plan_value(parse, text: str) -> None:
    try:
        parse(text)
    except PlanError as exc:
        raise ValueError(str(exc)) from None


def is_plan_file(data: dict[str, Any]) -> bool:
    """Whether parsed YAML is a plan file (it names a scenario) rather than a scenario (it has a team)."""
    return "scenario" in data and "team" not in data


def load_plan_file(path: str | Path, data: dict[str, Any] | None = None) -> PlanFile:
    """Read and validate a plan file; errors name the file and the field.

    Raises
    ------
    simulator.scenario.ScenarioError
        One message per problem, ``PLAN.yaml: field: what is wrong``.
    """
    path = Path(path)
    raw = read_yaml_mapping(path) if data is None else data
    try:
        return PlanFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([_describe(path, err) for err in exc.errors(include_url=False)]) from None


def _describe(path: Path, err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    dotted = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        model = Replications if loc[:1] == ["replications"] else PlanFile
        close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (
            f"{path}: {dotted}: unknown key '{loc[-1]}'{hint} (valid keys: {', '.join(model.model_fields)})"
        )
    message = err["msg"].removeprefix("Value error, ").replace("Input should ", "must ", 1)
    if not err["type"].startswith("value_error") and err["type"] != "missing":
        message += f" (got {excerpt(err.get('input'))})"
    return f"{path}: {dotted}: {message}"
