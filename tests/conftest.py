"""Shared fixtures."""

from __future__ import annotations

import pytest

from simulator.scenario import Scenario, load_scenario
from tests.support import BASELINE


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)
