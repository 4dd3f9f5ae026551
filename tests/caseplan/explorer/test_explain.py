"""The explorer's explanations of kept results: the same as ``caseplan explain`` on the same pair."""

from __future__ import annotations

import pandas as pd

from caseplan.explorer.explain import explanations, plan_off_explanation
from simulator.explain import explain
from simulator.run import run_scenario
from tests.support import variant

SHORT = {"meta": {"horizon_weeks": 40, "warmup_weeks": 8}}


def test_kept_results_explained_with_the_plan_off_equal_a_fresh_explain_of_the_pair():
    a, b = variant(**SHORT), variant(**SHORT, demand={"referrals_per_week": 6.5})
    kept = {"base": run_scenario(a, 2), "busier": run_scenario(b, 2)}
    shown = plan_off_explanation(kept["base"], kept["busier"], ("base", "busier"))
    fresh = explain(a, b, 2)
    assert (shown.a_name, shown.b_name, shown.plan_off_run) == ("base", "busier", True)
    pd.testing.assert_frame_equal(shown.outcomes, fresh.outcomes)
    pd.testing.assert_frame_equal(shown.mechanisms, fresh.mechanisms)
    without = explanations(kept, "base")["busier"]
    assert not without.plan_off_run and without.outcomes["off_diff"].isna().all()
