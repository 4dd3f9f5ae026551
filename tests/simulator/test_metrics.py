"""Time averages and weekly rows."""

import pytest

from simulator.metrics import TimeAverage
from simulator.model import ServiceModel
from tests.support import static_variant


def test_time_average_ignores_time_before_since():
    avg = TimeAverage(since=10.0)
    avg.change(0.0, 4)  # 4 from t=0, but only t ≥ 10 counts
    avg.change(15.0, -2)  # 4 over [10, 15), then 2
    assert avg.mean(20.0) == pytest.approx((4 * 5 + 2 * 5) / 10)


def test_time_average_with_no_span_is_nan():
    avg = TimeAverage(since=5.0)
    assert avg.mean(5.0) != avg.mean(5.0)  # NaN


def test_weekly_rows_add_up():
    model = ServiceModel(static_variant(meta={"horizon_weeks": 20, "warmup_weeks": 2}), 0)
    rows = model.run().team_rows
    assert [r["week"] for r in rows] == list(range(20))
    for r in rows:
        by_type = sum(v for k, v in r.items() if k.startswith("cases_") and k != "cases_held")
        assert r["cases_held"] == by_type
        assert r["reserved_hours"] == pytest.approx(
            r["supervision_hours"] + r["cpd_hours"] + r["asye_protected_hours"]
            + model.scenario.capacity.non_case_share * r["contract_hours"]
        )  # fmt: skip
        assert r["unallocated_over_28_days"] <= r["unallocated_over_14_days"] <= r["unallocated"]
    assert sum(r["referrals"] for r in rows) == model.next_child + sum(r["re_referrals"] for r in rows)
