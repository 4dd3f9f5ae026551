"""The explorer reads like a finished product (issue 18): dates on the axes name the year, no table cell
shows None or a raw 4-decimal number, 'Keep this result as' is prefilled, every scenario of a batch is named
on its box plot."""

from __future__ import annotations

import json
import math

from tests.app.test_pages import BATCH, CONTINGENCY, DEMAND, batch_dir, button, open_page, run  # noqa: F401 (fixture)


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def shown_cells(at) -> list[object]:
    """Every cell of every table's visible columns (``column_order``, or all columns)."""
    cells = []
    for frame in at.dataframe:
        data = frame.value
        columns = list(frame.proto.column_order) or list(data.columns)
        cells += [v for c in columns if c in data for v in data[c].tolist()]
    return cells


def assert_no_missing_cell(at) -> None:
    cells = shown_cells(at)
    assert cells
    bad = [
        v for v in cells if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("None", "nan")
    ]
    assert not bad, bad[:5]


def test_the_demand_charts_name_the_year_and_tables_show_no_none():
    at = run(open_page(DEMAND), 2)
    specs = chart_specs(at)
    assert len(specs) == 5
    for spec in specs:
        axes = [
            layer["encoding"]["x"].get("axis", {})
            for layer in spec["layer"]
            if "axis" in layer["encoding"]["x"]
        ]
        assert axes and all(axis["format"] == "%b %Y" for axis in axes), axes
    assert_no_missing_cell(at)
    summary = next(f for f in at.dataframe if "mean (95% interval)" in list(f.proto.column_order))
    texts = summary.value["mean (95% interval)"].tolist()
    assert any(t.endswith(" cases") for t in texts) and any(t.endswith("%)") for t in texts)


def test_keep_this_result_as_is_prefilled_after_run_and_a_typed_name_stays():
    at = run(open_page(DEMAND), 2)
    assert at.text_input(key="demand_keep_name").value == "short baseline"
    button(at, "Keep").click()
    at.run()
    assert any(s.value == "Kept as 'short baseline'." for s in at.success)
    at.text_input(key="demand_keep_name").set_value("my name").run()
    run(at, 3)
    assert at.text_input(key="demand_keep_name").value == "my name"


def test_the_contingency_totals_read_with_units_and_without_none():
    at = run(open_page(CONTINGENCY), 2, slider="contingency_replications")
    assert not at.exception
    cost = next(m for m in at.metric if m.label == "contingency cost")
    assert cost.value.startswith("£") and "." not in cost.value
    overtime = next(m for m in at.metric if m.label == "overtime (hours)")
    assert overtime.value.replace(",", "").replace(".", "").isdigit()
    level_axes = [s["encoding"]["x"]["axis"]["format"] for s in chart_specs(at)]
    assert level_axes == ["%b %Y"]
    assert_no_missing_cell(at)
    for frame in at.dataframe:
        assert not {"figure", "label"} <= set(frame.proto.column_order)  # one column names the figure


def test_the_batch_box_plot_names_every_scenario_and_the_table_shows_no_none(batch_dir):  # noqa: F811
    at = open_page(BATCH)
    at.text_input(key="batch_dir").set_value(str(batch_dir)).run()
    (spec,) = chart_specs(at)
    y = spec["layer"][0]["encoding"]["y"]
    assert y["field"] == "scenario" and y["axis"]["labelOverlap"] is False
    assert_no_missing_cell(at)
    shown = next(
        f for f in at.dataframe if "difference from reference (95% interval)" in f.proto.column_order
    )
    assert "reference" in shown.value["difference from reference (95% interval)"].tolist()
