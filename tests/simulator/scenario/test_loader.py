"""The scenario loader: safe YAML reading, ``extends:`` merging, and one plain message per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.scenario import (
    Scenario,
    ScenarioError,
    deep_merge,
    load_scenario,
    scenario_to_yaml,
    validate_scenario,
)
from simulator.scenario.durations import Binned, Fixed, Lognormal
from simulator.scenario.loader import MAX_EXTENDS_DEPTH, MAX_FILE_BYTES
from tests.support import BASELINE

BAD = Path(__file__).resolve().parents[2] / "data" / "bad"

# case -> dotted field path the message must name (None: a problem with the whole file)
FIELD = {
    "alias_bomb": None,
    "empty": None,
    "empty_team": "team.workers",
    "extends_cycle": "extends",
    "extends_cycle_partner": "extends",
    "horizon_not_after_warmup": "meta",
    "missing_extends": "extends",
    "negative_fte": "team.workers.0.fte",
    "never_closes": "case_types",
    "not_utf8": None,
    "only_team_managers": "team",
    "probabilities_not_summing": "case_types.cla.next",
    "syntax_error": None,
    "top_level_list": None,
    "unknown_key": "meta.horizon_week",
    "unknown_transition": "case_types.court.next",
    "wrong_type": "demand.referrals_per_week",
    "zero_weight": "case_types.cin.weight_hours",
    # issue 5: workforce, cpd and contingency
    "agency_cover_negative": "workforce.agency.cover_vacancies",
    "asye_cohort_after_horizon": "workforce.asye_cohorts.0.date",
    "asye_cohort_before_start": "workforce.asye_cohorts.0.date",
    "asye_cohort_unknown_team": "workforce.asye_cohorts.0.teams",
    "contingency_level_repeated": "contingency.levels",
    "contingency_levels_out_of_order": "contingency.levels",
    "contingency_malformed_threshold": "contingency.levels.0.when.unallocated",
    "contingency_only_if_unknown_indicator": "contingency.levels.0.actions.1.only_if.waiting_list",
    "contingency_step_down_unknown_case_type": "contingency.levels.0.actions.0.case_types",
    "contingency_threshold_directions": "contingency.levels.1.when.cpd_taken_share",
    "contingency_threshold_less_severe": "contingency.levels.1.when.unallocated_over_14_days",
    "contingency_unknown_action_key": "contingency.levels.0.actions.1.rate_per_hours",
    "contingency_unknown_action_kind": "contingency.levels.0.actions.1.kind",
    "contingency_unknown_indicator": "contingency.levels.0.when.unallocated_over_2_weeks",
    "cpd_share_leaves_no_case_time": "cpd.share",
    "cpd_share_moved": "capacity.cpd_share",
    "impossible_date": "meta.start",
    "impossible_month": "workforce.asye_cohorts.0.date",
    "deep_nesting": None,
    "infinite_fixed_duration": "case_types.screening.duration.value",
    "infinite_uniform_high": "case_types.cin.duration.high",
    "infinite_lognormal_mean": "case_types.cp.duration.mean",
    "infinite_binned_edge": "case_types.cla.duration.edges.2",
    "infinite_weight_schedule_week": "case_types.cin.weight_schedule.0.from_week",
    "infinite_shock_start": "demand.shocks.0.start_week",
    "nan_referrals": "demand.referrals_per_week",
    "infinite_threshold": "contingency.levels.0.when.unallocated",
    "asye_group_starts_after_run": "team.workers.1.start",
    "worker_id_like_a_name": "team.workers.0.id",
    "turnover_rate_over_one": "workforce.turnover.annual_rate",
}


def expected(case: str) -> list[str]:
    return (BAD / f"{case}.expected").read_text(encoding="utf-8").splitlines()


def errors(path: Path, overrides: dict | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    assert caught.value.messages and str(caught.value) == "\n".join(caught.value.messages)
    return caught.value.messages


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def child_of_baseline(directory: Path, body: str, name: str = "child.yaml") -> Path:
    return write(directory, name, f"extends: {BASELINE}\n{body}")


# -------------------------------------------------------------------------------------- bad inputs


def test_every_bad_file_has_expected_messages_and_a_field():
    cases = {p.stem for p in BAD.glob("*.yaml")}
    assert cases == {p.stem for p in BAD.glob("*.expected")} == set(FIELD)


@pytest.mark.parametrize("case", sorted(FIELD))
def test_bad_file_gives_a_plain_message_naming_file_and_field(case):
    messages = errors(BAD / f"{case}.yaml")
    text = "\n".join(messages)
    for substring in expected(case):
        assert substring in text, f"{substring!r} not in:\n{text}"
    where = f"{case}.yaml: " if FIELD[case] is None else f"{case}.yaml: {FIELD[case]}: "
    assert any(where in m for m in messages), f"{where!r} not in:\n{text}"
    assert len(messages) == 1, text  # one problem, one line, nothing from the untouched baseline
    assert "Traceback" not in text and "pydantic" not in text.lower()


def test_not_utf8_file_really_holds_a_latin1_byte():
    raw = (BAD / "not_utf8.yaml").read_bytes()
    assert b"caf\xe9" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_missing_file_and_directory(tmp_path):
    assert errors(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file not found"]
    assert "is a directory" in errors(tmp_path)[0]


def test_oversize_file_is_refused_before_parsing(tmp_path):
    big = write(tmp_path, "big.yaml", "# " + "x" * MAX_FILE_BYTES + "\n")
    assert "a scenario file may be at most" in errors(big)[0]


def test_self_referencing_alias_is_refused(tmp_path):
    path = write(tmp_path, "loop.yaml", "a: &a [*a]\n")
    assert "alias bomb" in errors(path)[0]


def test_extends_must_be_a_path(tmp_path):
    path = write(tmp_path, "x.yaml", "extends: 3\n")
    assert errors(path) == [f"{path}: extends: must be a file path (a string)"]


def test_extends_chain_depth_is_limited(tmp_path):
    write(tmp_path, "f0.yaml", f"extends: {BASELINE}\n")
    for i in range(1, MAX_EXTENDS_DEPTH + 2):
        write(tmp_path, f"f{i}.yaml", f"extends: f{i - 1}.yaml\n")
    assert f"deeper than {MAX_EXTENDS_DEPTH} files" in errors(tmp_path / f"f{MAX_EXTENDS_DEPTH + 1}.yaml")[0]


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    path = write(tmp_path, "self.yaml", "extends: self.yaml\n")
    assert "extend each other in a loop" in errors(path)[0]


def test_every_problem_gets_its_own_line(tmp_path):
    path = child_of_baseline(
        tmp_path, "meta: {seed: -1}\ncapacity: {contract_hours: 0}\nallocation: {polcy: fifo}\n"
    )
    messages = errors(path)
    assert len(messages) == 3
    assert all(m.startswith(f"{path}: ") for m in messages)
    assert any("meta.seed: must be greater than or equal to 0 (got -1)" in m for m in messages)
    assert any(
        "capacity.contract_hours: must be greater than 0 (got 0) (allowed: > 0 and ≤ 60)" in m
        for m in messages
    )
    assert any("allocation.polcy: unknown key 'polcy'; did you mean 'policy'?" in m for m in messages)


def test_unknown_key_in_a_distribution_suggests_keys_of_its_kind(tmp_path):
    path = child_of_baseline(
        tmp_path, "case_types:\n  court:\n    duration: {kind: lognormal, meen: 40, cv: 0.4}\n"
    )
    (message,) = errors(path)
    assert "case_types.court.duration.meen: unknown key 'meen'; did you mean 'mean'?" in message
    assert "(valid keys: unit, kind, mean, cv)" in message


def test_item_of_a_probability_table_shows_its_range(tmp_path):
    path = child_of_baseline(tmp_path, "case_types:\n  cla:\n    next: {close: 1.2}\n")
    (message,) = errors(path)
    assert (
        "case_types.cla.next.close: must be less than or equal to 1 (got 1.2) (allowed: ≥ 0.0 and ≤ 1.0)"
        in message
    )


def test_bad_month_lists_the_months_without_a_misleading_range(tmp_path):
    (message,) = errors(child_of_baseline(tmp_path, "demand:\n  seasonality: {july: 1.1}\n"))
    assert "demand.seasonality.july: must be 'jan', 'feb'" in message
    assert "allowed" not in message


def test_unknown_choice_lists_the_choices(tmp_path):
    (message,) = errors(child_of_baseline(tmp_path, "allocation: {policy: random}\n"))
    assert (
        "allocation.policy: must be 'least_loaded', 'round_robin', 'points_threshold' or 'milp' (got 'random')"
        in message
    )


def test_missing_required_section(tmp_path):
    path = write(tmp_path, "bare.yaml", "meta: {name: bare}\n")
    assert errors(path) == [
        f"{path}: team: required field is missing",
        f"{path}: case_types: required field is missing",
    ]


def test_validate_scenario_rejects_non_mapping():
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        validate_scenario([1, 2], source="inline")


# ------------------------------------------------------------------------------ extends and merging


def test_baseline_loads(baseline):
    assert baseline.meta.name == "baseline"
    assert set(baseline.case_types) == {"screening", "assessment", "s47", "cin", "cp", "court", "cla"}
    assert sum(g.count for g in baseline.team.workers) == 13
    assert baseline.pathway.entry == {"screening": 1.0}


def test_child_overrides_only_what_changes(tmp_path, baseline):
    child = load_scenario(child_of_baseline(tmp_path, "meta: {seed: 7}\ncapacity: {contract_hours: 35}\n"))
    assert child.meta.seed == 7 and child.capacity.contract_hours == 35
    assert child.meta.model_dump(exclude={"seed"}) == baseline.meta.model_dump(exclude={"seed"})
    assert child.capacity.model_dump(exclude={"contract_hours"}) == baseline.capacity.model_dump(
        exclude={"contract_hours"}
    )
    assert child.model_dump(exclude={"meta", "capacity"}) == baseline.model_dump(exclude={"meta", "capacity"})


def test_lists_replace(tmp_path):
    child = load_scenario(child_of_baseline(tmp_path, "team:\n  workers: [{count: 3}]\n"))
    assert [(g.count, g.role) for g in child.team.workers] == [(3, "social_worker")]


def test_probability_tables_replace_whole(tmp_path):
    child = load_scenario(
        child_of_baseline(
            tmp_path, "case_types:\n  cp:\n    next: {close: 1.0}\npathway:\n  entry: {assessment: 1.0}\n"
        )
    )
    assert child.case_types["cp"].next == {"close": 1.0}
    assert child.pathway.entry == {"assessment": 1.0}
    assert child.case_types["cp"].weight_hours == 2.6  # the rest of the case type is inherited


def test_distribution_of_another_kind_replaces_whole(tmp_path):
    child = load_scenario(
        child_of_baseline(tmp_path, "case_types:\n  cin:\n    duration: {kind: fixed, value: 10}\n")
    )
    assert child.case_types["cin"].duration == Fixed(kind="fixed", value=10)  # no edges/shares leak in


def test_distribution_of_the_same_kind_merges(tmp_path, baseline):
    child = load_scenario(child_of_baseline(tmp_path, "case_types:\n  cla:\n    duration: {mean: 3}\n"))
    assert child.case_types["cla"].duration == Lognormal(kind="lognormal", mean=3, cv=1.0, unit="years")
    assert isinstance(baseline.case_types["cin"].duration, Binned)


def test_extends_is_relative_to_the_extending_file_and_chains(tmp_path):
    write(tmp_path, "base/parent.yaml", f"extends: {BASELINE}\nmeta: {{name: parent, seed: 1}}\n")
    write(tmp_path, "mid/child.yaml", "extends: ../base/parent.yaml\nmeta: {seed: 2}\n")
    leaf = write(
        tmp_path, "mid/deeper/leaf.yaml", "extends: ../child.yaml\ndemand: {referrals_per_week: 9}\n"
    )
    scenario = load_scenario(leaf)
    assert (scenario.meta.name, scenario.meta.seed, scenario.demand.referrals_per_week) == ("parent", 2, 9)


def test_overrides_merge_over_the_file(baseline):
    scenario = load_scenario(BASELINE, {"meta": {"seed": 7}, "case_types": {"cla": {"next": {"close": 1.0}}}})
    assert scenario.meta.seed == 7 and scenario.meta.horizon_weeks == baseline.meta.horizon_weeks


def test_deep_merge_does_not_touch_its_inputs():
    base = {"a": {"b": 1, "c": [1, 2]}, "next": {"x": 1.0}}
    over = {"a": {"c": [3]}, "next": {"y": 1.0}}
    assert deep_merge(base, over) == {"a": {"b": 1, "c": [3]}, "next": {"y": 1.0}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "next": {"x": 1.0}}


# ---------------------------------------------------------------------------- which file is named


def test_error_names_the_child_when_the_child_set_the_key(tmp_path):
    path = child_of_baseline(tmp_path, "capacity: {contract_hours: 0}\n")
    (message,) = errors(path)
    assert message.startswith(f"{path}: capacity.contract_hours: ")


def test_error_names_the_parent_when_the_parent_set_the_key(tmp_path):
    parent = child_of_baseline(tmp_path, "meta: {seeed: 3}\n", name="parent.yaml")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nmeta: {seed: 4}\n")
    (message,) = errors(child)
    assert message.startswith(f"{parent}: meta.seeed: unknown key 'seeed'; did you mean 'seed'?")


def test_rule_across_fields_names_the_most_derived_file(tmp_path):
    # the sum spans a share the child set and two the baseline set: the child is named
    path = child_of_baseline(tmp_path, "capacity: {non_case_share: 0.9}\n")
    (message,) = errors(path)
    assert message.startswith(f"{path}: capacity: non_case_share + asye_protected_share = ")


def test_reserves_across_sections_point_at_the_cpd_share(tmp_path):
    path = child_of_baseline(tmp_path, "capacity: {non_case_share: 0.8}\ncpd: {share: 0.15}\n")
    (message,) = errors(path)
    assert message.startswith(f"{path}: cpd.share: capacity.non_case_share + cpd.share + ")
    assert "must be < 1" in message


def test_section_error_names_the_child_that_changed_the_section(tmp_path):
    path = child_of_baseline(tmp_path, "meta: {horizon_weeks: 40}\n")
    assert errors(path) == [f"{path}: meta: warmup_weeks (156) must be less than horizon_weeks (40)"]


def test_replaced_table_is_attributed_to_the_child(tmp_path):
    path = child_of_baseline(tmp_path, "case_types:\n  cla:\n    next: {close: 0.5}\n")
    assert errors(path) == [
        f"{path}: case_types.cla.next: transition probabilities must sum to 1 (they sum to 0.5)"
    ]


def test_field_inherited_from_a_parent_is_attributed_to_the_parent(tmp_path):
    parent = child_of_baseline(tmp_path, "case_types:\n  cla:\n    weight_hours: 99\n", name="parent.yaml")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\ncase_types:\n  cla:\n    priority: 3\n")
    (message,) = errors(child)
    assert message.startswith(
        f"{parent}: case_types.cla.weight_hours: must be less than or equal to 60 (got 99)"
    )


# ----------------------------------------------------------------------------------- round trip


def test_scenario_to_yaml_round_trips(baseline, tmp_path):
    text = scenario_to_yaml(baseline)
    again = validate_scenario(yaml.safe_load(text))
    assert isinstance(again, Scenario) and again == baseline
    assert load_scenario(write(tmp_path, "resolved.yaml", text)) == baseline


def test_round_trip_of_a_merged_child(tmp_path):
    child = load_scenario(
        child_of_baseline(tmp_path, "case_types:\n  cin:\n    duration: {kind: uniform, low: 1, high: 5}\n")
    )
    assert validate_scenario(yaml.safe_load(scenario_to_yaml(child))) == child


def test_a_moved_key_says_where_it_went(tmp_path):
    path = child_of_baseline(tmp_path, "capacity: {cpd_share: 0.05}\n")
    assert errors(path) == [f"{path}: capacity.cpd_share: this setting has moved to 'cpd.share'"]
