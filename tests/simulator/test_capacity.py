"""Capacity model with hand-worked numbers (DESIGN §2)."""

import pytest

from simulator.capacity import (
    hours_to_points,
    is_asye,
    points_to_hours,
    supervision_sessions_per_week,
    worker_capacity,
)
from simulator.scenario.models import Capacity

P = Capacity()  # defaults: 37 h, 15% non-case, 2.5% CPD, 10% ASYE time, 0.9 cap, 3.5% absence
MONTHLY = 1.5 * 12 / 52  # one 1.5 h session a month, in hours per week


def test_experienced_full_time_worker():
    # available 37 × 0.965 = 35.705; reserved 0.3462 + 0.925 + 5.55 = 6.8212
    c = worker_capacity(fte=1.0, role="social_worker", tenure_weeks=300, params=P)
    assert c.available == pytest.approx(35.705)
    assert c.supervision == pytest.approx(MONTHLY)
    assert c.cpd == pytest.approx(0.925)
    assert c.non_case == pytest.approx(5.55)
    assert c.asye_protected == 0
    assert c.case_capacity == pytest.approx(35.705 - MONTHLY - 0.925 - 5.55)
    assert c.case_capacity == pytest.approx(28.8839, abs=1e-4)


def test_asye_first_six_weeks_weekly_supervision_protected_time_and_cap():
    # reserved 1.5 + 0.925 + 3.7 + 5.55 = 11.675; (35.705 − 11.675) × 0.9 = 21.627
    c = worker_capacity(fte=1.0, role="asye", tenure_weeks=3, params=P)
    assert c.supervision == pytest.approx(1.5)
    assert c.asye_protected == pytest.approx(3.7)
    assert c.load_cap == 0.9
    assert c.case_capacity == pytest.approx(21.627)


def test_asye_fortnightly_then_monthly_supervision():
    assert supervision_sessions_per_week("asye", 5.9, P) == 1.0
    assert supervision_sessions_per_week("asye", 6.0, P) == 0.5
    assert supervision_sessions_per_week("asye", 25.9, P) == 0.5
    assert supervision_sessions_per_week("asye", 26.0, P) == pytest.approx(12 / 52)
    c = worker_capacity(fte=1.0, role="asye", tenure_weeks=10, params=P)
    assert c.case_capacity == pytest.approx((35.705 - 0.75 - 0.925 - 3.7 - 5.55) * 0.9)


def test_asye_ends_after_twelve_months():
    assert is_asye("asye", 51.9, P)
    assert not is_asye("asye", 52.0, P)
    after = worker_capacity(fte=1.0, role="asye", tenure_weeks=60, params=P)
    experienced = worker_capacity(fte=1.0, role="social_worker", tenure_weeks=60, params=P)
    assert after == experienced


def test_part_time_reserves_are_pro_rata_but_supervision_is_not():
    c = worker_capacity(fte=0.5, role="social_worker", tenure_weeks=300, params=P)
    assert c.contract == pytest.approx(18.5)
    assert c.cpd == pytest.approx(0.4625)
    assert c.non_case == pytest.approx(2.775)
    assert c.supervision == pytest.approx(MONTHLY)
    assert c.case_capacity == pytest.approx(17.8525 - MONTHLY - 0.4625 - 2.775)


def test_absence_and_non_case_holders():
    away = worker_capacity(fte=1.0, role="social_worker", tenure_weeks=300, params=P, absent_share=1.0)
    assert away.available == 0 and away.case_capacity == 0
    manager = worker_capacity(fte=1.0, role="team_manager", tenure_weeks=300, params=P, case_holding=False)
    assert manager.case_capacity == 0
    assert manager.reserved > 0


def test_reserved_is_the_sum_of_its_parts():
    c = worker_capacity(
        fte=0.8, role="asye", tenure_weeks=8, params=P.model_copy(update={"other_duties_hours": 2})
    )
    assert c.reserved == pytest.approx(c.supervision + c.cpd + c.asye_protected + c.non_case + 2)


def test_points_view():
    assert hours_to_points(37, 37) == 100
    assert hours_to_points(2.6, 37) == pytest.approx(7.027, abs=1e-3)
    assert points_to_hours(hours_to_points(3.7, 37), 37) == pytest.approx(3.7)
