"""The scenario schema: field rules, cross-field rules, JSON Schema export and transition tables."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.scenario import (
    CLOSE,
    CaseType,
    Scenario,
    ScenarioError,
    WorkerGroup,
    deep_merge,
    validate_scenario,
)
from simulator.scenario.base import PROBABILITY_TOLERANCE, FieldError
from simulator.scenario.durations import Binned, Quantiles, Uniform
from simulator.scenario.models import Capacity, Meta, Team
from tests.support import BASELINE

BASE = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
SECTIONS = {
    "meta", "team", "capacity", "case_types", "pathway", "demand", "allocation", "workforce", "supervision", "cpd",
    "contingency", "outputs",
}  # fmt: skip
DAY = {"kind": "fixed", "value": 1}


def data(**sections) -> dict:
    return deep_merge(copy.deepcopy(BASE), sections)


def messages(raw: dict) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(raw, source="s.yaml")
    return caught.value.messages


def error_types(model, **fields) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model(**fields)
    return [e["type"] for e in caught.value.errors()]


# ------------------------------------------------------------------------------------ JSON Schema


def test_json_schema_has_every_section_and_forbids_extra_keys():
    schema = Scenario.model_json_schema()
    assert set(schema["properties"]) == SECTIONS
    assert set(schema["required"]) == {"team", "case_types"}
    assert schema["additionalProperties"] is False
    models = {name: d for name, d in schema["$defs"].items() if d.get("type") == "object"}
    assert {"Meta", "Team", "WorkerGroup", "CaseType", "Lognormal", "Binned", "Demand"} <= set(models)
    assert all(d["additionalProperties"] is False for d in models.values())


def test_json_schema_carries_bounds_and_descriptions():
    worker = Scenario.model_json_schema()["$defs"]["WorkerGroup"]["properties"]["fte"]
    assert worker["exclusiveMinimum"] == 0 and worker["maximum"] == 1.5
    assert "Full-time equivalent" in worker["description"]


# ------------------------------------------------------------------------------------ field rules


def test_defaults_are_valid_and_documented():
    meta = Meta()
    assert meta.warmup_weeks < meta.horizon_weeks
    assert Capacity().contract_hours == 37
    for model in (Meta, Capacity, WorkerGroup):
        assert all(f.description for f in model.model_fields.values()), model.__name__


@pytest.mark.parametrize("fte", [0, -0.5, 1.6])
def test_fte_must_be_positive_and_at_most_one_and_a_half(fte):
    assert error_types(WorkerGroup, fte=fte) in (["greater_than"], ["less_than_equal"])


def test_unknown_keys_are_rejected_at_every_level():
    assert error_types(WorkerGroup, count=1, colour="red") == ["extra_forbidden"]
    assert error_types(CaseType, duration={**DAY, "mode": 2}) == ["extra_forbidden"]


def test_assignment_is_validated():
    group = WorkerGroup()
    with pytest.raises(ValidationError):
        group.fte = -1


def test_warmup_must_be_inside_horizon():
    assert Meta(horizon_weeks=53, warmup_weeks=52).warmup_weeks == 52
    with pytest.raises(ValidationError, match=r"warmup_weeks \(52\) must be less than horizon_weeks \(52\)"):
        Meta(horizon_weeks=52, warmup_weeks=52)


def test_team_needs_a_case_holder():
    with pytest.raises(ValidationError, match="no case-holding worker"):
        Team(workers=[{"role": "team_manager"}])
    with pytest.raises(ValidationError, match="needs at least 1 entry"):
        Team(workers=[])
    manager_with_cases = Team(workers=[{"role": "team_manager", "case_holding": True}])
    assert manager_with_cases.workers[0].role == "team_manager"


def test_reserved_shares_must_leave_room():
    with pytest.raises(ValidationError, match="must be < 1"):
        Capacity(non_case_share=0.75, asye_protected_share=0.25)


def test_distribution_rules():
    with pytest.raises(ValidationError, match="high"):
        Uniform(kind="uniform", low=5, high=1)
    with pytest.raises(ValidationError, match="start at 0 and end at 1"):
        Quantiles(kind="quantiles", probs=[0.1, 1], values=[1, 2])
    with pytest.raises(ValidationError, match="non-decreasing"):
        Quantiles(kind="quantiles", probs=[0, 1], values=[2, 1])
    with pytest.raises(ValidationError, match="one more entry than shares"):
        Binned(kind="binned", edges=[0, 1], shares=[0.5, 0.5])
    with pytest.raises(ValidationError, match="shares must sum to 1"):
        Binned(kind="binned", edges=[0, 1, 2], shares=[0.5, 0.4])


def test_case_type_rules():
    assert CaseType(duration=DAY).next == {CLOSE: 1.0}
    assert CaseType(duration=DAY, must_allocate=True).is_urgent
    assert not CaseType(duration=DAY, must_allocate=True, urgent=False).is_urgent
    with pytest.raises(ValidationError, match="at least one target"):
        CaseType(duration=DAY, next={})
    with pytest.raises(ValidationError, match="strictly increasing"):
        CaseType(
            duration=DAY,
            weight_schedule=[{"from_week": 4, "weight_hours": 1}, {"from_week": 4, "weight_hours": 2}],
        )
    with pytest.raises(ValidationError, match="greater than 0"):
        CaseType(duration=DAY, weight_hours=0)


# ------------------------------------------------------------------------------ cross-field rules


def test_cross_field_errors_carry_the_field_location():
    raw = data(case_types={"cla": {"next": {"adoption": 1.0}}})
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(raw)
    (error,) = caught.value.errors()
    cause = error["ctx"]["error"]
    assert isinstance(cause, FieldError) and cause.loc == ("case_types", "cla", "next")


def test_close_is_a_reserved_case_type_name():
    raw = data(case_types={CLOSE: {"duration": DAY}})
    assert messages(raw) == [
        "s.yaml: case_types.close: 'close' is reserved for ending an episode; rename that case type"
    ]


def test_entry_must_name_known_case_types():
    (message,) = messages(data(pathway={"entry": {"triage": 1.0}}))
    assert message.startswith("s.yaml: pathway.entry: names unknown case type(s) triage; known case types: ")


def test_one_stuck_case_type_is_named_at_its_table():
    (message,) = messages(data(case_types={"cla": {"next": {"cla": 1.0}}}))
    assert message.startswith("s.yaml: case_types.cla.next: case type(s) cla can never reach 'close'")


def test_a_zero_probability_path_to_close_does_not_count():
    (message,) = messages(
        data(case_types={"cla": {"next": {"close": 0.0, "court": 1.0}}, "court": {"next": {"cla": 1.0}}})
    )
    assert "case type(s) cla, court can never reach 'close'" in message


def test_team_shares_must_name_known_teams():
    (message,) = messages(data(demand={"team_shares": {"north": 1.0}}))
    assert message == "s.yaml: demand.team_shares: names unknown team(s) ['north']; teams are ['team-1']"


def test_every_team_needs_a_case_holder_unless_shares_are_given():
    workers = [{"count": 3}, {"role": "team_manager", "team": "office"}]
    (message,) = messages(data(team={"workers": workers}))
    assert message.startswith("s.yaml: team.workers: team(s) ['office'] have no case-holding worker")
    raw = data(team={"workers": workers}, demand={"team_shares": {"team-1": 1.0}})
    assert validate_scenario(raw).demand.team_shares == {"team-1": 1.0}


# ------------------------------------------------------------------------- transition tables (PBT)

TARGETS = sorted({*BASE["case_types"], CLOSE} - {"cla"})  # cla's next table is the one replaced


@st.composite
def tables(draw) -> dict[str, float]:
    """A valid transition table for cla: random positive weights over its targets, normalised to 1."""
    targets = draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=len(TARGETS), unique=True))
    weights = draw(st.lists(st.floats(0.01, 100), min_size=len(targets), max_size=len(targets)))
    return {t: w / sum(weights) for t, w in zip(targets, weights)}


@settings(max_examples=150, deadline=None)
@given(tables())
def test_normalised_transition_tables_validate(table):
    scenario = validate_scenario(data(case_types={"cla": {"next": table}}))
    assert scenario.case_types["cla"].next == table


@settings(max_examples=150, deadline=None)
@given(tables(), st.floats(1e-3, 0.5).filter(lambda d: d > 1e-3 + 1e-9), st.booleans())
def test_transition_tables_off_by_more_than_a_thousandth_fail(table, delta, too_big):
    if too_big:  # a new target on top of a full table: every entry stays within [0, 1]
        table = {**table, "extra": delta}  # the sum is checked before the target names
        expected_sum = 1 + delta
    else:
        table = {t: p * (1 - delta) for t, p in table.items()}
        expected_sum = 1 - delta
    assert abs(sum(table.values()) - 1) > 1e-3 > PROBABILITY_TOLERANCE
    (message,) = messages(data(case_types={"cla": {"next": table}}))
    assert message.startswith("s.yaml: case_types.cla.next: transition probabilities must sum to 1")
    assert float(re.search(r"\(they sum to ([0-9.e+-]+)\)", message)[1]) == pytest.approx(
        expected_sum, abs=1e-5
    )
