"""The explorer's result cache, bands over time and paired comparisons of kept results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import caseplan.explorer.results as results_module
from batch.compare import _welch_half_width
from caseplan.explorer.results import (
    BAND_COLUMNS,
    DEMAND_CHARTS,
    MEASURES,
    RESULTS_KEY,
    ResultCache,
    check_scenario,
    compare_results,
    compared_over_time,
    estimate_message,
    few_replications_caption,
    keep_result,
    over_time,
    result_key,
    runs_table,
    service_weekly,
    session_cache,
    summary_table,
    unpaired_seeds,
    warmup_end,
)
from caseplan.explorer.running import bands
from simulator.run import run_scenario
from simulator.scenario import ScenarioError
from simulator.statistics import mean_ci
from tests.support import static_variant, variant

SHORT = {"horizon_weeks": 30, "warmup_weeks": 4}


@pytest.fixture(scope="module")
def short():
    return variant(meta=SHORT)


@pytest.fixture(scope="module")
def result(short):
    return run_scenario(short, 3)


@pytest.fixture(scope="module")
def busier():
    return run_scenario(variant(meta=SHORT, demand={"referrals_per_week": 6.5}), 3)


# ------------------------------------------------------------------------------------- the cache


def test_the_key_is_the_scenario_hash_and_the_replications(short):
    assert result_key(short, 3) == result_key(variant(meta=SHORT), 3)
    assert result_key(short, 3) != result_key(short, 4)
    assert result_key(short, 3) != result_key(variant(meta={**SHORT, "seed": 99}), 3)


def test_the_same_scenario_is_run_once_and_other_replications_run_again(short):
    cache = ResultCache()
    done = []
    first, ran = cache.run(short, 2, label="mine", progress=done.append)
    assert ran and done == [1, 2] and len(first.result.replications) == 2 and first.label == "mine"
    again, ran = cache.run(variant(meta=SHORT), 2)
    assert not ran and again is first
    more, ran = cache.run(short, 3)
    assert ran and len(more.result.replications) == 3 and len(cache) == 2


def test_latest_is_the_most_recently_used_run_of_the_scenario(short):
    cache = ResultCache()
    other = static_variant(meta=SHORT)
    two, _ = cache.run(short, 2)
    three, _ = cache.run(short, 3)
    elsewhere, _ = cache.run(other, 1)
    assert cache.latest(short) is three and cache.latest() is elsewhere
    assert cache.get(short, 2) is two and cache.latest(short) is two  # using a run makes it the latest
    assert cache.latest(variant(meta={**SHORT, "seed": 5})) is None
    assert ResultCache().latest() is None


def test_the_least_recently_used_runs_go_beyond_the_capacity(result):
    cache = ResultCache(capacity=2)
    scenarios = [variant(meta={**SHORT, "seed": s}) for s in (1, 2, 3)]
    for s in scenarios:
        cache.put(run_scenario(s, 1))
    assert len(cache) == 2 and cache.get(scenarios[0], 1) is None and cache.get(scenarios[2], 1) is not None
    with pytest.raises(ValueError):
        ResultCache(capacity=0)


def test_a_failed_run_leaves_the_cache_as_it_was(short, monkeypatch):
    cache = ResultCache()
    kept, _ = cache.run(short, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(results_module, "run_scenario", broken)
    with pytest.raises(RuntimeError, match="boom"):
        cache.run(short, 2)
    with pytest.raises(ValueError, match="replications: must be at least 1"):
        cache.run(short, 0)
    assert len(cache) == 1 and cache.latest() is kept


def test_put_replaces_a_run_with_the_same_key_and_labels_it_by_name(result):
    cache = ResultCache()
    cache.put(result)
    entry = cache.put(result, "again")
    assert len(cache) == 1 and entry.label == "again"
    assert cache.put(result).label == result.scenario.meta.name


def test_the_session_keeps_one_cache():
    state = {}
    cache = session_cache(state)
    assert state[RESULTS_KEY] is cache and session_cache(state) is cache
    state[RESULTS_KEY] = "something else"
    assert isinstance(session_cache(state), ResultCache)


def test_only_a_valid_scenario_can_be_run(short):
    assert check_scenario(short) is short and check_scenario(short, None) is short
    assert check_scenario(short.model_dump(mode="json")) == short
    with pytest.raises(ScenarioError, match="Scenario: the changes on the Scenario page are not valid"):
        check_scenario(short, valid=False)
    with pytest.raises(ScenarioError) as info:
        check_scenario({**short.model_dump(mode="json"), "demand": {"referrals_per_week": -1}})
    assert any("demand.referrals_per_week" in m for m in info.value.messages)
    with pytest.raises(ScenarioError, match="Scenario: not a scenario"):
        check_scenario(None)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "under a second"), (40, "about 40 s"), (300, "about 5 min"), (7200, "about 2.0 h")],
)
def test_estimates_are_in_words(seconds, text):
    assert estimate_message(seconds) == text


# ------------------------------------------------------------------------------------- figures


def test_the_summary_table_has_the_summary_figures_with_intervals(result):
    table = summary_table(
        result, ["open_cases", "no_such_figure", "unallocated_cases"], {"open_cases": "open"}
    )
    assert list(table["figure"]) == ["open_cases", "unallocated_cases"]
    assert list(table["label"]) == ["open", "cases waiting for a worker (time average)"]  # the registry's
    summary = result.summary()["open_cases"]
    row = table.iloc[0]
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
        (summary["mean"], summary["ci_low"], summary["ci_high"], 3)
    )
    assert table["few_replications"].tolist() == [True, True]  # 3 replications
    assert "rough" in few_replications_caption(table)


def test_an_undefined_interval_is_nan(short):
    table = summary_table(run_scenario(short, 1), ["open_cases"])
    assert math.isnan(table.iloc[0]["ci_low"]) and table.iloc[0]["n"] == 1


# ------------------------------------------------------------------------------------- over time


def _two_teams() -> pd.DataFrame:
    rows = []
    for rep in (0, 1):
        for week in (0, 1):
            for team, load, capacity, waits, allocations in (
                ("a", 10.0, 20.0, 4.0, 1),
                ("b", 30.0, 20.0, 10.0, 3),
            ):
                rows.append({
                    "replication": rep, "week": week, "week_start": pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * week),
                    "team": team, "open_cases": 5 + rep, "unallocated": 1, "load_hours": load,
                    "case_capacity_hours": capacity, "load_ratio": load / capacity,
                    "mean_wait_days": waits if week == 0 else math.nan, "allocations": allocations if week == 0 else 0,
                })  # fmt: skip
    return pd.DataFrame(rows)


def test_the_service_sums_teams_and_weights_the_ratio_and_the_waits():
    service = service_weekly(_two_teams())
    assert len(service) == 4
    first = service.iloc[0]
    assert first["open_cases"] == 10 and first["load_ratio"] == pytest.approx(40 / 40)
    assert first["mean_wait_days"] == pytest.approx((4 * 1 + 10 * 3) / 4)
    assert service[service["week"] == 1]["mean_wait_days"].isna().all()  # no allocations: no wait


def test_a_week_without_any_wait_is_left_out_of_the_bands():
    band = over_time(_two_teams(), "mean_wait_days")
    assert list(band.columns) == BAND_COLUMNS and list(band["week"]) == [0]
    assert band.iloc[0]["mean"] == pytest.approx(8.5)


def test_bands_by_team_have_one_series_per_team():
    band = over_time(_two_teams(), "load_ratio_team")
    assert sorted(band["series"].unique()) == ["a", "b"]
    assert band[band["series"] == "b"]["mean"].tolist() == pytest.approx([1.5, 1.5])


def test_service_bands_are_the_mean_and_t_interval_across_replications(result):
    band = over_time(result.weekly, "open_cases")
    assert list(band["series"].unique()) == ["open cases"] and len(band) == 30
    week = result.weekly[result.weekly["week"] == 10]
    expected = mean_ci(week.groupby("replication")["open_cases"].sum().tolist())
    row = band[band["week"] == 10].iloc[0]
    assert row["mean"] == pytest.approx(expected["mean"])
    assert row["low"] == pytest.approx(
        expected["ci_low"] if expected["ci_low"] is not None else expected["mean"]
    )
    assert band["week"].tolist() == bands(result.weekly, "open_cases")["week"].tolist()


def test_staffing_shows_the_columns_the_run_recorded(result, short):
    assert set(over_time(result.weekly, "staffing")["series"]) == {"in post", "vacant", "agency"}
    static = run_scenario(static_variant(meta=SHORT), 1)
    assert "vacant" not in set(over_time(static.weekly, "staffing")["series"])
    assert over_time(static.weekly, "vacancies_fte").empty
    assert list(over_time(static.weekly, "vacancies_fte").columns) == BAND_COLUMNS


@pytest.mark.parametrize("measure", DEMAND_CHARTS)
def test_every_demand_chart_has_numeric_bands(result, measure):
    band = over_time(result.weekly, measure)
    assert not band.empty and list(band.columns) == BAND_COLUMNS
    assert all(pd.api.types.is_numeric_dtype(band[c]) for c in ("mean", "low", "high"))
    assert (band["low"] <= band["mean"] + 1e-9).all() and (band["mean"] <= band["high"] + 1e-9).all()


def test_an_unknown_measure_is_a_key_error(result):
    with pytest.raises(KeyError):
        over_time(result.weekly, "nope")
    assert "staffing" in MEASURES


def test_compared_bands_carry_the_scenario(result, busier):
    table = compared_over_time({"base": result, "busier": busier}, "unallocated")
    assert list(table.columns) == ["scenario", *BAND_COLUMNS]
    assert list(table["scenario"].unique()) == ["base", "busier"] and len(table) == 60
    assert compared_over_time({}, "unallocated").empty


def test_the_warmup_ends_warmup_weeks_after_the_start(short):
    assert warmup_end(short) == pd.Timestamp(short.meta.start) + pd.Timedelta(days=28)


# ------------------------------------------------------------------------------------- comparison


def test_keeping_needs_a_name(result):
    kept = {}
    assert keep_result(kept, "  base ", result) == "base" and kept == {"base": result}
    with pytest.raises(ValueError, match="Keep this result as"):
        keep_result(kept, "   ", result)
    assert list(kept) == ["base"]


def test_the_runs_table_has_one_row_per_scenario_and_replication(result, busier):
    runs = runs_table({"base": result, "busier": busier})
    assert len(runs) == 6 and list(runs.columns[:3]) == ["scenario", "replication", "seed"]
    assert runs["replication"].tolist() == [0, 1, 2, 0, 1, 2]


def test_differences_are_paired_by_replication(result, busier):
    table = compare_results({"base": result, "busier": busier}, ["unallocated_cases"], "base")
    assert list(table.columns) == ["metric", "scenario", "n", "mean", "ci_low", "ci_high", "few_replications", "pairs", "diff",
                                   "diff_ci_low", "diff_ci_high", "unpaired_half_width"]  # fmt: skip
    base = [r.figures["unallocated_cases"] for r in result.replications]
    high = [r.figures["unallocated_cases"] for r in busier.replications]
    expected = mean_ci(list(np.subtract(high, base)))
    reference, other = table.iloc[0], table.iloc[1]
    assert reference["pairs"] == 0 and math.isnan(reference["diff"])
    assert other["pairs"] == 3 and other["diff"] == pytest.approx(expected["mean"])
    assert (other["diff_ci_low"], other["diff_ci_high"]) == pytest.approx(
        (expected["ci_low"], expected["ci_high"])
    )
    assert other["mean"] == pytest.approx(mean_ci(high)["mean"])
    assert other["unpaired_half_width"] == pytest.approx(_welch_half_width(pd.Series(high), pd.Series(base)))


def test_only_common_replications_are_paired(result, short):
    two = run_scenario(short, 2)
    row = compare_results({"three": result, "two": two}, ["open_cases"]).iloc[1]
    assert row["n"] == 2 and row["pairs"] == 2 and row["diff"] == pytest.approx(0.0)


def test_all_figures_by_default_and_errors_name_the_field(result, busier):
    both = {"base": result, "busier": busier}
    table = compare_results(both)
    assert {"open_cases", "contingency_cost"} <= set(table["metric"]) and "seed" not in set(table["metric"])
    assert table.iloc[0]["scenario"] == "base"
    with pytest.raises(ValueError, match="Metrics: unknown figure"):
        compare_results(both, ["nope"])
    with pytest.raises(ValueError, match="Reference: unknown result 'other'"):
        compare_results(both, ["open_cases"], "other")
    with pytest.raises(ValueError, match="Compare"):
        compare_results({})


def test_a_figure_only_one_result_has_gives_no_pairs(result):
    static = run_scenario(static_variant(meta=SHORT), 2)
    table = compare_results({"plan": result, "static": static}, ["contingency_cost"])
    static_row = table.set_index("scenario").loc["static"]
    assert static_row["n"] == 0 and static_row["pairs"] == 0


def test_results_with_another_seed_are_named(result):
    other = run_scenario(variant(meta={**SHORT, "seed": 12345}), 1)
    assert unpaired_seeds({"base": result, "same": result, "other": other}, "base") == ["other"]
