"""The scenario parameters the explorer lets a user edit, read from the schema itself.

Each parameter is a dotted path into the scenario with its label, help text (the schema's description,
which names the source of the default), bounds and current value; :func:`apply_edits` validates edited
values through the one scenario schema and returns its messages (file-free) for ``st.error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import annotated_types
import pandas as pd

from batch.grid import nested
from simulator.scenario import Scenario, ScenarioError, deep_merge, scenario_to_yaml, validate_scenario
from simulator.scenario.loader import parse_yaml_mapping, team_from_snapshot, unwrap_annotation

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


def scenario_from_text(text: bytes | str, name: str = "uploaded scenario") -> Scenario:
    """Validate an uploaded scenario with the command line's reader (size, encoding, nesting and alias
    checks, dates checked by the schema).

    An upload may name no other file: ``extends`` and ``team.snapshot`` would make the server read files
    the user did not upload (a team snapshot is uploaded as its two CSVs instead).

    Raises
    ------
    ScenarioError
        One message per problem, naming the upload and the field.
    """
    data = parse_yaml_mapping(text, name)
    if "extends" in data:
        raise ScenarioError(
            [f"{name}: extends: an uploaded file cannot extend another; upload the resolved scenario"]
        )
    team = data.get("team")
    if isinstance(team, dict) and team.get("snapshot") is not None:
        raise ScenarioError(
            [
                f"{name}: team.snapshot: an uploaded scenario cannot name files on the server; "
                "upload the team's workers.csv and cases.csv under 'Start from a team snapshot' instead"
            ]
        )
    return validate_scenario(data, source=name)


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML for download (the same format as ``scenario.resolved.yaml``)."""
    return scenario_to_yaml(scenario)


# ------------------------------------------------------------------------------- edited as tables

TEAM_COLUMNS = ("count", "role", "fte", "team", "supervises")
CASE_TYPE_COLUMNS = ("weight_hours", "priority", "must_allocate", "asye_sole_allowed")


def team_table(scenario: Scenario) -> pd.DataFrame:
    """The team's worker groups, one row each (count, role, FTE, team, supervises)."""
    return pd.DataFrame(
        [{c: getattr(g, c) for c in TEAM_COLUMNS} for g in scenario.team.workers], columns=TEAM_COLUMNS
    )


def case_type_table(scenario: Scenario) -> pd.DataFrame:
    """Held case types with their weight (hours a week), priority and allocation rules."""
    rows = [
        {"case_type": name, **{c: getattr(ct, c) for c in CASE_TYPE_COLUMNS}}
        for name, ct in scenario.case_types.items()
        if ct.held
    ]
    return pd.DataFrame(rows, columns=("case_type", *CASE_TYPE_COLUMNS))


def threshold_table(scenario: Scenario) -> pd.DataFrame:
    """Every contingency threshold: level, indicator and threshold (as written)."""
    plan = scenario.contingency
    rows = [
        {"level": level.level, "indicator": name, "threshold": str(value)}
        for level in (plan.levels if plan is not None else ())
        for name, value in level.when.items()
    ]
    return pd.DataFrame(rows, columns=("level", "indicator", "threshold"))


def apply_tables(
    scenario: Scenario,
    team: pd.DataFrame | None = None,
    case_types: pd.DataFrame | None = None,
    thresholds: pd.DataFrame | None = None,
) -> Scenario:
    """``scenario`` with edited tables applied, validated by the scenario schema.

    Raises
    ------
    ScenarioError
        One message per problem, naming the field (e.g. ``team.workers.2.fte``) and the allowed range.
    """
    data = scenario.model_dump(mode="json", exclude_none=False)
    if team is not None:
        old = data["team"]["workers"]
        rows = [_plain(r) for r in team.to_dict("records")]
        data["team"]["workers"] = [{**(old[i] if i < len(old) else {}), **row} for i, row in enumerate(rows)]
        data["team"]["workers"] = [
            {k: v for k, v in g.items() if v is not None} for g in data["team"]["workers"]
        ]
    if case_types is not None:
        for row in case_types.to_dict("records"):
            name = row.pop("case_type")
            data["case_types"][name].update(_plain(row))
    if thresholds is not None and data.get("contingency"):
        for level in data["contingency"]["levels"]:
            chosen = thresholds[thresholds["level"] == level["level"]]
            level["when"] = {r["indicator"]: _threshold(r["threshold"]) for r in chosen.to_dict("records")}
    return validate_scenario(data, source="edited scenario")


def _plain(row: dict) -> dict:
    """numpy scalars from a data editor as plain Python values (NaN → None)."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and value != value:
            value = None
        out[key] = value
    return out


def _threshold(text: Any) -> Any:
    """A threshold cell: a number if it reads as one, else the text (e.g. '< 0.8')."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return str(text)


def with_snapshot(scenario: Scenario, snapshot) -> Scenario:
    """``scenario`` starting from an uploaded team snapshot (its date becomes the start; no warm-up)."""
    data = scenario.model_dump(mode="json", exclude_none=False)
    data["team"] = {**team_from_snapshot(snapshot), "snapshot": None}
    horizon = data["meta"]["horizon_weeks"] - data["meta"]["warmup_weeks"]
    data["meta"].update(start=snapshot.as_of.isoformat(), warmup_weeks=0, horizon_weeks=max(1, horizon))
    if data.get("workforce"):  # cohorts dated before the snapshot no longer fit the run
        data["workforce"]["asye_cohorts"] = [
            c for c in data["workforce"]["asye_cohorts"] if c["date"] >= snapshot.as_of.isoformat()
        ]
    return validate_scenario(data, source="uploaded snapshot")
