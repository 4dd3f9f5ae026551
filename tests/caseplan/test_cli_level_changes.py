"""The contingency level changes ``caseplan run`` prints."""

from __future__ import annotations

from rich.console import Console

import caseplan.cli as cli
from simulator.run import run_replication
from tests.support import variant


def test_the_printed_level_changes_show_late_starts_and_no_borrow_ending(monkeypatch):
    surge = {"shocks": [{"kind": "step", "start_week": 60, "weeks": 40, "factor": 2.0}]}
    scenario = variant(meta={"horizon_weeks": 130, "warmup_weeks": 0}, demand=surge)
    console = Console(width=400, record=True)
    monkeypatch.setattr(cli, "out", console)
    cli._print_level_changes(scenario, run_replication(scenario, 0).timeline)
    printed = console.export_text()
    assert "−borrow" not in printed and "+borrow" not in printed
    assert "×borrow@3 (week" in printed and "no team could lend" in printed
    assert "+agency@3 (week" in printed  # started after its lead time, on the change that asked for it
