"""One number format for the CLI, the explorer, the report and explain (issue 18)."""

from __future__ import annotations

import math

from caseplan import report
from simulator.numbers import interval, number, readable_id, with_unit


def test_a_mean_with_its_interval_and_unit():
    assert interval(12.43, 11.1, 13.8, "days") == "12.4 (11.1–13.8) days"
    assert interval(0.517, 0.265, 0.769, "share") == "51.7% (26.5%–76.9%)"
    assert interval(157_820.4, 33_246, 282_395, "£") == "£157,820 (£33,246–£282,395)"
    assert interval(3.0, None, None, "cases") == "3.00 cases"  # one replication: no interval
    assert interval(math.nan, 1, 2, "cases") == "–"


def test_units_thousands_and_signs():
    assert with_unit(1234.5, "hours") == "1,234 hours" and with_unit(0.934, "ratio") == "93.4%"
    assert with_unit(None, "days") == "–" and number(-2.5) == "−2.50" and number(-0.001) == "0.00"
    assert number(0.4, "£") == "£0" and number(-0.031, "share", difference=True) == "−3.1 points"


def test_the_report_formats_shares_and_money_as_the_rest():
    assert report.format_figure(0.87092, "percent") == number(0.87092, "share") == "87.1%"
    assert report.format_figure(-2300.4, "money") == number(-2300.4, "£") == "−£2,300"
    assert (
        report.format_interval({"mean": 0.9, "ci_low": 0.8, "ci_high": 1.0, "n": 5}, "percent")
        == "80.0%–100.0%"
    )


def test_ids_read_as_words():
    assert readable_id("escalate:service_manager@2") == "escalate: service manager@2"
    assert readable_id("borrow@3 (week 169: no team could lend)") == "borrow@3 (week 169: no team could lend)"
