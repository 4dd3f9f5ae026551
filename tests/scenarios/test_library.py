"""The scenario library (issue 6): every shipped scenario validates, runs, documents itself, and a few
change the figures in the direction their question expects.

Scenarios are discovered by glob, so a new file in scenarios/ is covered without editing this module.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from simulator.run import run_replication
from simulator.scenario import Scenario, load_scenario
from tests.support import BASELINE, ROOT

SCENARIO_DIR = ROOT / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
SHORT_WEEKS, SHORT_WARMUP = 30, 4


def short(path: Path, **sections) -> Scenario:
    """``path`` run for a short horizon: 30 weeks (longer when a dated cohort needs it), warm-up 4."""
    full = load_scenario(path)
    horizon = SHORT_WEEKS
    for cohort in full.workforce.asye_cohorts if full.workforce else ():
        horizon = max(horizon, math.ceil((cohort.date - full.meta.start).days / 7) + 1)
    for group in full.team.workers:
        if group.resign_at_week is not None:
            horizon = max(horizon, math.ceil(group.resign_at_week) + SHORT_WEEKS)
    meta = {"horizon_weeks": horizon, "warmup_weeks": SHORT_WARMUP, **sections.pop("meta", {})}
    return load_scenario(path, {"meta": meta, **sections})


def header(path: Path) -> list[str]:
    """The comment lines at the top of a file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    block = []
    for line in lines:
        if not line.startswith("#"):
            break
        block.append(line)
    return block


def test_library_is_discovered():
    names = {p.stem for p in SCENARIOS}
    assert {"baseline", "referral_surge", "agency_exit", "protect_asye_strict", "adults_longterm"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_documents_itself(path: Path):
    block = header(path)
    assert block, f"{path.name} must start with a header comment"
    assert re.search(r"question", " ".join(block), re.IGNORECASE), (
        f"{path.name}: the header comment must say what question the scenario answers"
    )
    scenario = load_scenario(path)
    # the file stem, with '-' allowed for '_' (service_400fte is named 'service-400fte')
    assert scenario.meta.name.replace("-", "_") == path.stem
    assert scenario.meta.description.strip() and "\n" not in scenario.meta.description.strip()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_short(path: Path):
    scenario = short(path)
    result = run_replication(scenario, 0)
    weeks = result.weekly["week"].nunique()
    assert weeks == scenario.meta.horizon_weeks
    figures = result.figures
    assert figures["referrals_per_week"] > 0
    assert figures["unallocated_cases"] >= 0
    assert 0 <= figures["mean_load_ratio"] < 3


# ------------------------------------------------------------------------------- direction of change


def _paired(name: str, overrides: dict, key: str, reps: int = 4) -> tuple[float, float]:
    """Sum of ``key`` over replications 0..reps-1 for the baseline and for ``name`` (same seeds)."""
    totals = []
    for path in (BASELINE, SCENARIO_DIR / f"{name}.yaml"):
        scenario = load_scenario(path, overrides)
        totals.append(sum(run_replication(scenario, r).figures[key] for r in range(reps)))
    return totals[0], totals[1]


def test_referral_surge_leaves_more_cases_waiting():
    surge = load_scenario(SCENARIO_DIR / "referral_surge.yaml")
    (shock,) = surge.demand.shocks
    base = load_scenario(BASELINE)
    assert shock.start_week >= base.meta.warmup_weeks, "the surge starts after the warm-up"
    assert (shock.kind, shock.weeks, shock.factor) == ("step", 13, 1.25)
    # measure the surge and the weeks after it, as the file runs it
    weeks = {"horizon_weeks": int(shock.start_week + shock.weeks + 13), "warmup_weeks": int(shock.start_week)}
    base_total, surge_total = _paired("referral_surge", {"meta": weeks}, "unallocated_cases")
    assert surge_total > base_total


def test_well_staffed_is_the_baseline_with_more_social_workers_and_rarely_at_level_3_or_4():
    staffed, base = load_scenario(SCENARIO_DIR / "well_staffed.yaml"), load_scenario(BASELINE)
    assert staffed.demand == base.demand and staffed.contingency == base.contingency
    fte = {s.meta.name: sum(g.count * g.fte for g in s.team.workers if g.role != "team_manager")
           for s in (staffed, base)}  # fmt: skip
    assert fte["well_staffed"] > fte["baseline"]
    weeks = base.meta.horizon_weeks - base.meta.warmup_weeks
    severe = [run_replication(staffed, r).figures for r in range(6)]
    at_3_or_4 = sum(f["team_weeks_at_level_3"] + f["team_weeks_at_level_4"] for f in severe) / len(severe)
    assert at_3_or_4 <= 0.03 * weeks, "levels 3-4 are rare: at most 3% of the measured weeks on average"


def test_agency_exit_uses_no_agency_worker():
    scenario = load_scenario(SCENARIO_DIR / "agency_exit.yaml")
    assert scenario.workforce.agency.cover_vacancies == 0
    kinds = {a.kind for level in scenario.contingency.levels for a in level.actions}
    assert "agency" not in kinds
    base_total, exit_total = _paired("agency_exit", {}, "agency_fte_weeks", reps=2)
    assert base_total > 0, "the baseline does use agency workers"
    assert exit_total == 0
    weekly = run_replication(scenario, 0).weekly
    assert weekly["agency_fte"].sum() == 0 and weekly["agency_cost"].sum() == 0


def test_protect_asye_strict_lowers_asye_case_capacity():
    def asye_rows(path: Path):
        workers = run_replication(short(path), 0).workers
        return workers[workers["asye"] & ~workers["absent"]]

    base, strict = asye_rows(BASELINE), asye_rows(SCENARIO_DIR / "protect_asye_strict.yaml")
    assert len(base) and len(strict)
    ratio = strict["case_capacity_hours"].mean() / base["case_capacity_hours"].mean()
    assert ratio == pytest.approx(0.6 / 0.9, abs=0.05)
    assert strict["cases"].mean() < base["cases"].mean()


def test_vacancy_crisis_empties_a_fifth_of_the_posts_after_the_warm_up():
    scenario = short(SCENARIO_DIR / "vacancy_crisis.yaml")
    (wave,) = {g.resign_at_week for g in scenario.team.workers if g.resign_at_week is not None}
    assert wave == load_scenario(BASELINE).meta.warmup_weeks, "the wave comes as the warm-up ends"
    weekly = run_replication(scenario, 0).weekly.set_index("week")
    # four weeks' notice: a fifth vacant from four weeks after the wave (more if others left)
    w = int(wave)
    assert (
        weekly.loc[w - 4 : w - 1, "vacancy_rate"].max()
        < 0.2
        <= weekly.loc[w + 4 : w + 6, "vacancy_rate"].min()
    )
    # a 16-week fixed lag: the posts are filled again by 21 weeks after the wave
    assert weekly.loc[w + 21 :, "vacancy_rate"].mean() < weekly.loc[w + 4 : w + 16, "vacancy_rate"].mean()


def test_asye_cohort_intake_adds_posts():
    path = SCENARIO_DIR / "asye_cohort_intake.yaml"
    scenario = short(path)
    (intake,) = [c for c in scenario.workforce.asye_cohorts if c.count == 4]
    week = (intake.date - scenario.meta.start).days // 7
    weekly = run_replication(scenario, 0).weekly.set_index("week")
    assert weekly.loc[week + 1, "asye_workers"] >= 4
    assert weekly.loc[week + 1, "establishment_fte"] > weekly.loc[week - 1, "establishment_fte"]


def test_adults_scenario_names_no_childrens_case_type():
    children = set(load_scenario(BASELINE).case_types)
    adults = load_scenario(SCENARIO_DIR / "adults_longterm.yaml")
    assert not set(adults.case_types) & children
    plan = adults.contingency
    assert plan.assessment_type in adults.case_types
    named = set(adults.pathway.entry)
    named |= {t for ct in adults.case_types.values() for t in ct.next}
    named |= {t for lv in plan.levels for a in lv.actions for t in getattr(a, "case_types", ())}
    named |= {k.removeprefix("waiting_") for lv in plan.levels for k in lv.when if k.startswith("waiting_")}
    assert not named & children
    raw = yaml.safe_load((SCENARIO_DIR / "adults_longterm.yaml").read_text(encoding="utf-8"))
    assert "extends" not in raw, "a complete file: extending the baseline would merge its case types in"
