"""Helpers shared by tests: the shipped baseline and small variants of it."""

from __future__ import annotations

from pathlib import Path

from simulator.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def variant(**sections) -> Scenario:
    """The baseline with sections overridden (nested mappings merge, lists replace)."""
    return load_scenario(BASELINE, sections)


def static_variant(**sections) -> Scenario:
    """A baseline variant with a static team and no contingency plan: the foundation model of issue 3."""
    return variant(**{"workforce": None, "contingency": None, **sections})
