"""The ``contingency`` section: thresholds, levels, the plan's level rules and the action union."""

from __future__ import annotations

import typing

import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.scenario import ScenarioError
from simulator.scenario.base import FieldError
from simulator.scenario.contingency import (
    INDICATORS,
    Action,
    AgencyAction,
    BorrowAction,
    Contingency,
    EscalateAction,
    Level,
    OvertimeAction,
    PauseCpdAction,
    RaiseThresholdAction,
    StepDownAction,
    parse_threshold,
)
from tests.support import variant

ACTIONS = TypeAdapter(Action)
KINDS = {
    "agency": AgencyAction,
    "overtime": OvertimeAction,
    "borrow": BorrowAction,
    "pause_cpd": PauseCpdAction,
    "step_down": StepDownAction,
    "raise_threshold": RaiseThresholdAction,
    "escalate": EscalateAction,
}
MINIMAL = {kind: {"kind": kind} for kind in KINDS} | {"overtime": {"kind": "overtime", "hours_per_week": 10}}


def field_error(caught: pytest.ExceptionInfo[ValidationError]) -> tuple[tuple, FieldError]:
    """(pydantic loc, the FieldError raised by a validator) of the only error."""
    [err] = caught.value.errors()
    cause = err["ctx"]["error"]
    assert isinstance(cause, FieldError)
    return tuple(err["loc"]), cause


def plan(*whens: dict, levels: tuple[int, ...] = (2, 3, 4)) -> Contingency:
    return Contingency(levels=[{"level": n, "when": w} for n, w in zip(levels, whens)])


def plan_error(*whens: dict, levels: tuple[int, ...] = (2, 3, 4)) -> FieldError:
    with pytest.raises(ValidationError) as caught:
        plan(*whens, levels=levels)
    return field_error(caught)[1]


def scenario_messages(**sections) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        variant(**sections)
    return caught.value.messages


# ---------------------------------------------------------------------------------- parse_threshold


@pytest.mark.parametrize("number", [0, 3, 2.5, -1, 1e3, 0.035])
def test_a_bare_number_means_at_least(number):
    assert parse_threshold(number) == (">=", float(number))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", (">=", 3.0)),
        (">= 3", (">=", 3.0)),
        ("> 3", (">", 3.0)),
        ("<= 0.5", ("<=", 0.5)),
        ("< 0.5", ("<", 0.5)),
        (">=3", (">=", 3.0)),
        ("<0.5", ("<", 0.5)),
    ],
)
def test_each_operator(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize("text", ["  >= 3", ">=   3  ", "\t>=\t3\n", " 3 ", ">= 3 "])
def test_whitespace_around_and_inside_is_ignored(text):
    assert parse_threshold(text) == (">=", 3.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e3", (">=", 1000.0)),
        ("2.5E-1", (">=", 0.25)),
        (">= 1e-2", (">=", 0.01)),
        ("< 5e+1", ("<", 50.0)),
        (".5", (">=", 0.5)),
        ("5.", (">=", 5.0)),
        ("+3", (">=", 3.0)),
        ("<= -1", ("<=", -1.0)),
    ],
)
def test_scientific_notation_signs_and_bare_decimals(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    "junk",
    [
        "about 3",
        "",
        "   ",
        ">=",
        "=> 3",
        "== 3",
        "= 3",
        ">> 3",
        "≥ 3",
        "3 >=",
        "3%",
        "3 cases",
        "3,5",
        "1_000",
        "0x10",
        "e3",
        "inf",
        "nan",
        ">= 3 or 4",
    ],
)
def test_junk_is_rejected_with_an_example(junk):
    with pytest.raises(ValueError, match="is not a threshold; write a number or e.g. '>= 3'") as caught:
        parse_threshold(junk)
    assert f"'{junk}'" in str(caught.value)


def test_a_boolean_is_not_a_number():
    with pytest.raises(ValueError, match="is not a threshold"):
        parse_threshold(True)


# -------------------------------------------------------------------------------------------- Level


def test_level_defaults():
    level = Level(level=2, when={"unallocated": 5})
    assert (level.name, level.enter_after_weeks, level.leave_after_weeks, level.actions) == ("", 1, 2, [])


@pytest.mark.parametrize("number", [2, 3, 4])
def test_levels_two_to_four_are_allowed(number):
    assert Level(level=number, when={"unallocated": 5}).level == number


@pytest.mark.parametrize("number", [0, 1, 5])
def test_level_one_is_normal_and_five_does_not_exist(number):
    with pytest.raises(ValidationError):
        Level(level=number, when={"unallocated": 5})


def test_enter_after_weeks_is_at_least_one():
    assert Level(level=2, when={"unallocated": 5}, enter_after_weeks=1).enter_after_weeks == 1
    for weeks in (0, -1):
        with pytest.raises(ValidationError) as caught:
            Level(level=2, when={"unallocated": 5}, enter_after_weeks=weeks)
        assert caught.value.errors()[0]["loc"] == ("enter_after_weeks",)
    with pytest.raises(ValidationError):
        Level(level=2, when={"unallocated": 5}, enter_after_weeks=53)


def test_leave_after_weeks_is_at_least_one():
    with pytest.raises(ValidationError) as caught:
        Level(level=2, when={"unallocated": 5}, leave_after_weeks=0)
    assert caught.value.errors()[0]["loc"] == ("leave_after_weeks",)


def test_a_level_needs_a_condition():
    with pytest.raises(ValidationError) as caught:
        Level(level=2, when={})
    assert caught.value.errors()[0]["type"] == "too_short"


def test_every_known_indicator_may_be_named():
    level = Level(level=2, when=dict.fromkeys(INDICATORS, 1))
    assert set(level.when) == set(INDICATORS)


def test_an_unknown_indicator_is_named_with_the_known_ones():
    with pytest.raises(ValidationError) as caught:
        Level(level=2, when={"unallocated": 5, "unallocated_over_2_weeks": 3})
    loc, cause = field_error(caught)
    assert loc == ("when",) and cause.loc == ("unallocated_over_2_weeks",)
    assert str(cause).startswith("unknown indicator 'unallocated_over_2_weeks'; known indicators: ")
    assert all(name in str(cause) for name in INDICATORS)


def test_a_malformed_threshold_is_named_at_its_indicator():
    with pytest.raises(ValidationError) as caught:
        Level(level=2, when={"unallocated": "about 3"})
    loc, cause = field_error(caught)
    assert loc == ("when",) and cause.loc == ("unallocated",)
    assert "'about 3' is not a threshold" in str(cause)


def test_thresholds_keep_what_was_written():
    level = Level(level=2, when={"unallocated": 5, "load_ratio": "> 1.1", "cpd_taken_share": "<= 0.5"})
    assert level.when == {"unallocated": 5, "load_ratio": "> 1.1", "cpd_taken_share": "<= 0.5"}


def test_actions_are_parsed_by_kind():
    level = Level(
        level=3,
        when={"unallocated": 5},
        actions=[{"kind": "escalate", "to": "head_of_service"}, {"kind": "overtime", "hours_per_week": 5}],
    )
    assert [type(a) for a in level.actions] == [EscalateAction, OvertimeAction]


# ----------------------------------------------------------------------------- Contingency: levels


def test_contingency_defaults():
    contingency = plan({"unallocated": 5}, levels=(2,))
    assert contingency.cumulative_actions is True
    assert contingency.assessment_type == "assessment"
    assert contingency.assessment_limit_working_days == 45


@pytest.mark.parametrize("levels", [(2,), (3,), (4,), (2, 3), (2, 4), (3, 4), (2, 3, 4)])
def test_increasing_levels_pass(levels):
    contingency = plan(*[{"unallocated": 5 * n} for n in levels], levels=levels)
    assert [lv.level for lv in contingency.levels] == list(levels)


@pytest.mark.parametrize("levels", [(2, 2), (3, 2), (2, 4, 3), (4, 3, 2), (2, 3, 3)])
def test_repeated_or_unordered_levels_fail(levels):
    cause = plan_error(*[{"unallocated": 5} for _ in levels], levels=levels)
    assert cause.loc == ("levels",)
    assert str(cause) == f"levels must be increasing without repeats (got {list(levels)})"


def test_a_plan_needs_one_to_three_levels():
    with pytest.raises(ValidationError):
        Contingency(levels=[])
    with pytest.raises(ValidationError):
        Contingency(levels=[{"level": 2, "when": {"unallocated": n}} for n in range(4)])


# ----------------------------------------------------------------------- Contingency: monotonicity


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (5, 5),
        (5, 8),
        (5, "5"),
        (5, ">= 5"),
        ("> 5", "> 5"),
        (">= 5", "> 5"),
        (">= 5", "> 7"),
        ("> 5", ">= 6"),
        (0.5, "1e0"),
    ],
)
def test_equal_or_more_severe_thresholds_pass_upwards(low, high):
    plan({"unallocated_over_14_days": low}, {"unallocated_over_14_days": high})


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("<= 0.5", "<= 0.5"),
        ("<= 0.5", "<= 0.2"),
        ("< 0.5", "< 0.2"),
        ("<= 0.5", "< 0.5"),
        ("< 0.5", "<= 0.3"),
    ],
)
def test_the_at_most_direction_is_reversed(low, high):
    plan({"cpd_taken_share": low}, {"cpd_taken_share": high})


def test_a_less_severe_threshold_fails_at_the_higher_level():
    cause = plan_error({"unallocated_over_14_days": 5}, {"unallocated_over_14_days": 2})
    assert cause.loc == ("levels", 1, "when", "unallocated_over_14_days")
    assert str(cause) == (
        "level 3 threshold >= 2 is met before level 2's >= 5; a higher level needs a threshold at least as severe"
    )


def test_a_less_severe_at_most_threshold_fails():
    cause = plan_error({"cpd_taken_share": "<= 0.5"}, {"cpd_taken_share": "<= 0.8"})
    assert cause.loc == ("levels", 1, "when", "cpd_taken_share")
    assert "level 3 threshold <= 0.8 is met before level 2's <= 0.5" in str(cause)


@pytest.mark.parametrize(
    ("low", "high", "ops"),
    [
        ("<= 0.5", ">= 0.2", ("'>='", "'<='")),
        (0.5, "< 0.2", ("'<'", "'>='")),
        ("> 0.5", "<= 0.9", ("'<='", "'>'")),
    ],
)
def test_opposite_directions_on_one_indicator_fail(low, high, ops):
    cause = plan_error({"cpd_taken_share": low}, {"cpd_taken_share": high})
    assert cause.loc == ("levels", 1, "when", "cpd_taken_share")
    assert str(cause) == (
        f"level 3 compares cpd_taken_share with {ops[0]} but level 2 with {ops[1]}; use the same direction"
    )


def test_the_error_names_the_later_of_the_two_levels():
    cause = plan_error({"unallocated": 5}, {"unallocated": 10}, {"unallocated": 8})
    assert cause.loc == ("levels", 2, "when", "unallocated")
    assert "level 4 threshold >= 8 is met before level 3's >= 10" in str(cause)


def test_indicators_named_at_one_level_only_are_free():
    plan(
        {"unallocated": 10, "cpd_taken_share": "<= 0.5"},
        {"workers_over_100": 2, "load_ratio": 1.0},
        {"workers_over_100": 3, "unallocated_must_allocate": 1},
    )


def test_the_shipped_plan_is_monotone(baseline):
    assert baseline.contingency is not None
    assert [lv.level for lv in baseline.contingency.levels] == [2, 3, 4]


# --------------------------------------------------------------------------------- action union


def test_the_union_has_seven_kinds():
    [union, _] = typing.get_args(Action)
    assert set(typing.get_args(union)) == set(KINDS.values())


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_validates_to_its_model(kind):
    action = ACTIONS.validate_python(MINIMAL[kind])
    assert type(action) is KINDS[kind] and action.kind == kind
    assert action.duration_weeks is None and action.only_if == {}
    assert action.lead_weeks == (2 if kind == "agency" else 0)


def test_action_defaults():
    agency = ACTIONS.validate_python({"kind": "agency"})
    assert (agency.workers, agency.fte, agency.lead_weeks, agency.day_rate) == (1, 1.0, 2, None)
    assert ACTIONS.validate_python(MINIMAL["overtime"]).rate_per_hour == 60.0
    borrow = ACTIONS.validate_python({"kind": "borrow"})
    assert (borrow.fte, borrow.lender_max_load_ratio, borrow.cost_per_week) == (1.0, 0.9, 0.0)
    step_down = ACTIONS.validate_python({"kind": "step_down"})
    assert (step_down.case_types, step_down.cases_per_week) == (["cin"], 2)
    assert ACTIONS.validate_python({"kind": "raise_threshold"}).referral_factor == 0.9
    assert ACTIONS.validate_python({"kind": "escalate"}).to == "service_manager"


def test_overtime_requires_hours_per_week():
    with pytest.raises(ValidationError) as caught:
        ACTIONS.validate_python({"kind": "overtime", "rate_per_hour": 60})
    [err] = caught.value.errors()
    assert err["type"] == "missing" and err["loc"] == ("overtime", "hours_per_week")


@pytest.mark.parametrize("hours", [0, -5, 1001])
def test_overtime_hours_must_be_positive_and_bounded(hours):
    with pytest.raises(ValidationError):
        ACTIONS.validate_python({"kind": "overtime", "hours_per_week": hours})


def test_an_unknown_kind_is_rejected():
    with pytest.raises(ValidationError) as caught:
        ACTIONS.validate_python({"kind": "hire_consultants", "workers": 2})
    assert caught.value.errors()[0]["type"] == "union_tag_invalid"


def test_an_action_without_a_kind_is_rejected():
    with pytest.raises(ValidationError) as caught:
        ACTIONS.validate_python({"workers": 2})
    assert caught.value.errors()[0]["type"] == "union_tag_not_found"


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_keys_are_rejected_for_every_kind(kind):
    with pytest.raises(ValidationError) as caught:
        ACTIONS.validate_python({**MINIMAL[kind], "hours": 5})
    [err] = caught.value.errors()
    assert err["type"] == "extra_forbidden" and err["loc"] == (kind, "hours")


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "agency", "workers": 0},
        {"kind": "agency", "fte": 0},
        {"kind": "agency", "day_rate": -1},
        {"kind": "agency", "lead_weeks": 53},
        {"kind": "borrow", "fte": 0},
        {"kind": "step_down", "case_types": []},
        {"kind": "step_down", "cases_per_week": 0},
        {"kind": "raise_threshold", "referral_factor": 0},
        {"kind": "raise_threshold", "referral_factor": 1.1},
        {"kind": "escalate", "to": ""},
        {"kind": "pause_cpd", "duration_weeks": 0},
        {"kind": "pause_cpd", "lead_weeks": -1},
    ],
)
def test_action_bounds(bad):
    with pytest.raises(ValidationError):
        ACTIONS.validate_python(bad)


def test_only_if_takes_known_indicators_and_thresholds():
    action = ACTIONS.validate_python({"kind": "step_down", "only_if": {"unallocated": "> 10"}})
    assert action.only_if == {"unallocated": "> 10"}
    for only_if, where in (({"queue_length": 10}, "queue_length"), ({"unallocated": "lots"}, "unallocated")):
        with pytest.raises(ValidationError) as caught:
            ACTIONS.validate_python({"kind": "step_down", "only_if": only_if})
        loc, cause = field_error(caught)
        assert loc == ("step_down", "only_if") and cause.loc == (where,)


# ------------------------------------------------------------------- through the scenario loader


@pytest.mark.parametrize("kind", KINDS)
def test_action_paths_carry_no_discriminator_tag(kind):
    level = {"level": 2, "when": {"unallocated": 5}, "actions": [{**MINIMAL[kind], "bogus": 1}]}
    [message] = scenario_messages(contingency={"levels": [level]})
    assert ": contingency.levels.0.actions.0.bogus: unknown key 'bogus'" in message
    assert f".{kind}." not in message


def test_a_step_down_must_name_known_case_types():
    level = {"level": 2, "when": {"unallocated": 5}, "actions": [{"kind": "step_down", "case_types": ["x"]}]}
    [message] = scenario_messages(contingency={"levels": [level]})
    assert ": contingency.levels.0.actions.0.case_types: names unknown case type(s) x" in message


def test_overdue_assessments_need_the_assessment_type_to_exist():
    level = {"level": 2, "when": {"overdue_assessments": 3}}
    [message] = scenario_messages(contingency={"levels": [level], "assessment_type": "enquiry"})
    assert ": contingency.assessment_type: 'enquiry' is not a case type" in message
    only_if = {"level": 2, "when": {"unallocated": 5}}
    only_if["actions"] = [{"kind": "escalate", "only_if": {"overdue_assessments": 1}}]
    assert scenario_messages(contingency={"levels": [only_if], "assessment_type": "enquiry"})
    # an unused assessment type is harmless
    variant(contingency={"levels": [{"level": 2, "when": {"unallocated": 5}}], "assessment_type": "enquiry"})


def test_a_misspelt_required_key_names_the_path_and_the_near_key():
    overtime = {"kind": "overtime", "hours": 5}
    level = {"level": 2, "when": {"unallocated": 5}, "actions": [{"kind": "escalate"}, overtime]}
    messages = scenario_messages(contingency={"levels": [level]})
    assert len(messages) == 2
    assert any(
        ": contingency.levels.0.actions.1.hours: unknown key 'hours'; did you mean 'hours_per_week'?" in m
        for m in messages
    )
    assert any(
        ": contingency.levels.0.actions.1.hours_per_week: required field is missing" in m for m in messages
    )


# ------------------------------------------------------------------ checks across non-adjacent levels


def test_levels_two_apart_are_compared_too():
    with pytest.raises(ValidationError, match="level 4 threshold >= 5 is met before level 2's >= 10"):
        Contingency(levels=[
            {"level": 2, "when": {"unallocated": 10}},
            {"level": 3, "when": {"workers_over_100": 3}},
            {"level": 4, "when": {"unallocated": 5}},
        ])  # fmt: skip


def test_a_weaker_operator_at_the_same_value_is_less_severe():
    with pytest.raises(ValidationError, match="met before"):
        Contingency(
            levels=[
                {"level": 2, "when": {"unallocated": "> 3"}},
                {"level": 3, "when": {"unallocated": ">= 3"}},
            ]
        )
    Contingency(
        levels=[{"level": 2, "when": {"unallocated": ">= 3"}}, {"level": 3, "when": {"unallocated": "> 3"}}]
    )


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")])
def test_booleans_and_non_finite_numbers_are_not_thresholds(value):
    with pytest.raises(ValueError, match="threshold"):
        parse_threshold(value)
