"""The scenario parameters the explorer lets a user edit, read from the schema itself.

Each parameter is a dotted path into the scenario with its label, help text (the schema's description,
which names the source of the default), bounds and current value; :func:`apply_edits` validates edited
values through the one scenario schema and returns its messages (file-free) for ``st.error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import annotated_types
import yaml

from batch.grid import nested
from simulator.scenario import Scenario, ScenarioError, deep_merge, scenario_to_yaml, validate_scenario
from simulator.scenario.loader import unwrap_annotation

EDITABLE = (
    # (section title, dotted path)
    ("Demand", "demand.referrals_per_week"),
    ("Reserved time", "capacity.non_case_share"),
    ("Reserved time", "cpd.share"),
    ("Reserved time", "capacity.asye_protected_share"),
    ("Reserved time", "capacity.asye_load_cap"),
    ("Reserved time", "supervision.session_hours"),
    ("Reserved time", "supervision.supervisor_share"),
    ("Allocation", "allocation.policy"),
    ("Allocation", "allocation.max_load_ratio"),
    ("Workforce", "workforce.turnover.annual_rate"),
    ("Workforce", "workforce.sickness.share"),
    ("Workforce", "workforce.agency.cover_vacancies"),
    ("Workforce", "workforce.agency.day_rate"),
    ("Run", "meta.horizon_weeks"),
    ("Run", "meta.warmup_weeks"),
    ("Run", "meta.seed"),
)
"""Scenario-wide parameters the Scenario page offers (case weights and team groups are edited as tables)."""


@dataclass(frozen=True)
class Parameter:
    """One editable value: where it lives, what it means (with its source) and its allowed range."""

    section: str
    path: str
    label: str
    help: str
    value: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()


def parameters(scenario: Scenario) -> list[Parameter]:
    """The :data:`EDITABLE` parameters present in ``scenario`` (absent optional sections are skipped)."""
    found = []
    for section, path in EDITABLE:
        owner, name, value = _locate(scenario, path)
        if owner is None:
            continue
        info = type(owner).model_fields[name]
        low, high = _bounds(info.metadata)
        choices = _choices(info.annotation)
        label = name.replace("_", " ")
        found.append(Parameter(section, path, label, info.description or "", value, low, high, choices))
    return found


def _locate(scenario: Scenario, path: str):
    owner: Any = scenario
    parts = path.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
        if owner is None:
            return None, None, None
    return owner, parts[-1], getattr(owner, parts[-1])


def _bounds(metadata: list) -> tuple[float | None, float | None]:
    low = high = None
    for m in metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            low = getattr(m, "ge", None) if isinstance(m, annotated_types.Ge) else m.gt
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            high = getattr(m, "le", None) if isinstance(m, annotated_types.Le) else m.lt
    return low, high


def _choices(annotation: Any) -> tuple[Any, ...]:
    import typing

    tp = unwrap_annotation(annotation)
    return typing.get_args(tp) if typing.get_origin(tp) is typing.Literal else ()


def apply_edits(scenario: Scenario, edits: dict[str, Any]) -> Scenario:
    """``scenario`` with ``edits`` (dotted path → value) applied, validated by the scenario schema.

    Raises
    ------
    ScenarioError
        One message per problem, naming the field and the allowed range.
    """
    data = scenario.model_dump(mode="json", exclude_none=False)
    for path, value in edits.items():
        data = deep_merge(data, nested(path, value))
    return validate_scenario(data, source="edited scenario")


def scenario_from_text(text: str, name: str = "uploaded scenario") -> Scenario:
    """Validate a scenario given as YAML text (an upload); ``extends`` is not allowed without a file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(
            [f"{name}: not valid YAML ({exc.__class__.__name__}: {str(exc).splitlines()[0]})"]
        ) from None
    if isinstance(data, dict) and "extends" in data:
        raise ScenarioError(
            [f"{name}: extends: an uploaded file cannot extend another; upload the resolved scenario"]
        )
    return validate_scenario(data, source=name)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML for download (the same format as ``scenario.resolved.yaml``)."""
    return scenario_to_yaml(scenario)
