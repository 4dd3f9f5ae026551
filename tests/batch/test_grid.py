"""Grid files: expansion into named scenarios, parameter paths, validation messages and scenario hashes."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from batch.grid import Range, check_path, expand, load_grid, nested, scenario_hash
from simulator.scenario import ScenarioError, load_scenario
from tests.batch import write_grid
from tests.support import BASELINE

REFERRALS = "demand.referrals_per_week"
TURNOVER = "workforce.turnover.annual_rate"


def expanded(tmp_path, **fields):
    path = write_grid(tmp_path, replications=1, **fields)
    return expand(load_grid(path), path)


def load_error(tmp_path, **fields) -> str:
    path = write_grid(tmp_path, **fields)
    with pytest.raises(ScenarioError) as caught:
        expand(load_grid(path), path)
    return "\n".join(caught.value.messages)


# ------------------------------------------------------------------------------------ expansion


def test_product_expands_every_combination(tmp_path):
    scenarios = expanded(tmp_path, parameters={REFERRALS: [4.0, 6.0], TURNOVER: [0.1, 0.2, 0.3]})
    expected = {"base"} | {
        f"referrals_per_week={r},annual_rate={t}" for r in ("4", "6") for t in ("0.1", "0.2", "0.3")
    }
    assert set(scenarios) == expected and len(scenarios) == 7
    chosen = scenarios["referrals_per_week=6,annual_rate=0.2"]
    assert chosen.demand.referrals_per_week == 6.0
    assert chosen.workforce.turnover.annual_rate == 0.2
    assert chosen.meta.horizon_weeks == 30 and chosen.meta.warmup_weeks == 8  # the grid's overrides
    assert scenarios["base"].demand.referrals_per_week == load_scenario(BASELINE).demand.referrals_per_week


def test_zip_pairs_values_position_by_position(tmp_path):
    scenarios = expanded(
        tmp_path,
        combine="zip",
        include_base=False,
        parameters={REFERRALS: [4.0, 5.0, 6.0], TURNOVER: [0.1, 0.2, 0.3]},
    )
    assert list(scenarios) == [
        "referrals_per_week=4,annual_rate=0.1",
        "referrals_per_week=5,annual_rate=0.2",
        "referrals_per_week=6,annual_rate=0.3",
    ]
    last = scenarios["referrals_per_week=6,annual_rate=0.3"]
    assert (last.demand.referrals_per_week, last.workforce.turnover.annual_rate) == (6.0, 0.3)


def test_zip_needs_lists_of_one_length(tmp_path):
    message = load_error(
        tmp_path, combine="zip", replications=1, parameters={REFERRALS: [4.0, 5.0], TURNOVER: [0.1]}
    )
    assert "zip needs lists of one length (got [1, 2])" in message
    assert str(tmp_path / "grid.yaml") in message


def test_named_scenarios_merge_with_the_grid_overrides(tmp_path):
    scenarios = expanded(
        tmp_path, include_base=False, scenarios={"busy": {"demand": {"referrals_per_week": 8.0}}}
    )
    assert list(scenarios) == ["busy"]
    assert scenarios["busy"].demand.referrals_per_week == 8.0
    assert scenarios["busy"].meta.horizon_weeks == 30


def test_range_values_include_the_stop_without_float_drift():
    assert Range(start=4, stop=5, step=0.25).values() == [4.0, 4.25, 4.5, 4.75, 5.0]
    assert Range(start=0.1, stop=0.3, step=0.1).values() == [0.1, 0.2, 0.3]
    assert len(Range(start=0, stop=1, step=0.1).values()) == 11
    assert Range(start=1, stop=2, step=5).values() == [1.0]
    with pytest.raises(ValidationError):
        Range(start=1, stop=2, step=0)


def test_a_range_in_a_grid_file_names_each_value(tmp_path):
    scenarios = expanded(
        tmp_path, include_base=False, parameters={REFERRALS: {"start": 4, "stop": 5, "step": 0.5}}
    )
    assert list(scenarios) == ["referrals_per_week=4", "referrals_per_week=4.5", "referrals_per_week=5"]
    assert scenarios["referrals_per_week=4.5"].demand.referrals_per_week == 4.5


def test_nested_builds_a_mapping_from_a_dotted_path():
    assert nested("a.b.c", 1) == {"a": {"b": {"c": 1}}}
    assert nested("a", [2]) == {"a": [2]}


# ------------------------------------------------------------------------------ parameter paths


@pytest.mark.parametrize(
    "path", [REFERRALS, "case_types.cp.weight_hours", TURNOVER, "meta.seed", "case_types.any_name.priority"]
)
def test_check_path_accepts_schema_paths(path):
    check_path(path)  # no error


def test_check_path_names_the_nearest_valid_parameter():
    with pytest.raises(ScenarioError) as caught:
        check_path("demand.referals_per_week")
    (message,) = caught.value.messages
    assert "unknown parameter 'demand.referals_per_week'" in message
    assert "did you mean 'demand.referrals_per_week'?" in message


def test_check_path_rejects_a_step_below_a_value():
    with pytest.raises(ScenarioError, match="'demand.referrals_per_week' is a value, it has no 'x'"):
        check_path("demand.referrals_per_week.x")


def test_expand_rejects_an_unknown_parameter_with_a_hint(tmp_path):
    message = load_error(tmp_path, replications=1, parameters={"workforce.turnover.anual_rate": [0.1]})
    assert "did you mean 'workforce.turnover.annual_rate'?" in message


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "fields",
    [
        {"replications": 3, "precision": {"metric": "unallocated_cases", "half_width": 1.0}},
        {},
    ],
    ids=["both", "neither"],
)
def test_replications_and_precision_are_exclusive(tmp_path, fields):
    message = load_error(tmp_path, **fields)
    assert "give either replications or precision (one of them)" in message


def test_a_value_the_scenario_rejects_names_the_grid_file_and_the_scenario(tmp_path):
    message = load_error(tmp_path, replications=1, parameters={REFERRALS: [5.0, -1.0]})
    assert message.startswith(f"{tmp_path / 'grid.yaml'}: scenario 'referrals_per_week=-1': ")
    assert "demand.referrals_per_week" in message and "greater than or equal to 0" in message


def test_an_unknown_grid_key_suggests_the_right_one(tmp_path):
    message = load_error(tmp_path, replication=3)
    assert "unknown key 'replication'; did you mean 'replications'?" in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"replications": 0}, "replications: must be greater than or equal to 1 (got 0)"),
        ({"replications": 1, "parameters": {REFERRALS: []}}, "needs at least one value"),
        ({"replications": 1, "include_base": False}, "the grid is empty"),
        (
            {"precision": {"metric": "x", "half_width": 1, "min_replications": 9, "max_replications": 5}},
            "must be at least min_replications",
        ),
    ],  # fmt: skip
    ids=["zero_replications", "empty_list", "empty_grid", "max_below_min"],
)
def test_bad_grids_are_rejected(tmp_path, fields, expected):
    assert expected in load_error(tmp_path, **fields)


# --------------------------------------------------------------------------------------- hashes


def test_scenario_hash_is_stable_across_loads():
    assert scenario_hash(load_scenario(BASELINE)) == scenario_hash(load_scenario(BASELINE))
    assert scenario_hash(load_scenario(BASELINE, {"meta": {"seed": 2026}})) == scenario_hash(
        load_scenario(BASELINE)
    )  # the baseline's own seed: nothing changed


@pytest.mark.parametrize(
    "change",
    [
        {"meta": {"seed": 7}},
        {"meta": {"horizon_weeks": 261}},
        {"demand": {"referrals_per_week": 5.31}},
        {"workforce": {"turnover": {"annual_rate": 0.15}}},
        {"case_types": {"cp": {"priority": 4}}},
        {"allocation": {"max_load_ratio": 1.1}},
    ],
    ids=lambda c: next(iter(c)),
)
def test_scenario_hash_changes_with_any_value(change):
    assert scenario_hash(load_scenario(BASELINE, change)) != scenario_hash(load_scenario(BASELINE))


def test_the_base_path_is_relative_to_the_grid_file(tmp_path):
    scenarios = expanded(tmp_path, base=os.path.relpath(BASELINE, tmp_path))
    assert list(scenarios) == ["base"]
    missing = load_error(tmp_path, base="nowhere.yaml", replications=1)
    assert "nowhere.yaml: file not found" in missing


def test_close_values_keep_distinct_names(tmp_path):
    grid = load_grid(
        write_grid(tmp_path, replications=1, parameters={"demand.referrals_per_week": [5.0000001, 5.0000002]})
    )
    names = set(expand(grid, tmp_path / "grid.yaml")) - {"base"}
    assert names == {"referrals_per_week=5.0000001", "referrals_per_week=5.0000002"}


def test_an_empty_range_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="needs at least one value"):
        load_grid(
            write_grid(
                tmp_path,
                replications=1,
                parameters={"demand.referrals_per_week": {"start": 6, "stop": 4, "step": 1}},
            )
        )


def test_a_named_scenario_may_not_take_a_grid_points_name(tmp_path):
    grid = load_grid(
        write_grid(tmp_path, replications=1, scenarios={"base": {"demand": {"referrals_per_week": 3}}})
    )
    with pytest.raises(ScenarioError, match="two scenarios are named 'base'"):
        expand(grid, tmp_path / "grid.yaml")


def test_an_unknown_parameter_names_the_grid_file(tmp_path):
    path = write_grid(tmp_path, replications=1, parameters={"demand.referals_per_week": [1.0]})
    with pytest.raises(
        ScenarioError, match=f"^{path}: parameters.demand.referals_per_week: unknown parameter"
    ):
        expand(load_grid(path), path)


def test_the_shipped_grids_validate_and_expand():
    from tests.support import ROOT

    for path in sorted((ROOT / "scenarios" / "grids").glob("*.yaml")):
        scenarios = expand(load_grid(path), path)
        assert "base" in scenarios and len(scenarios) >= 2, path
