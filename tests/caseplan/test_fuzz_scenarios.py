"""Fuzzing ``caseplan run`` with mutations of the shipped baseline (issue 14).

Each example changes up to three places of the baseline: a value replaced by another type, a number at
an edge (NaN, ±inf, huge, tiny, negative), a key removed or added, a value wrapped in lists or mappings
(deep nesting). Whatever the mutation, the command either runs (exit 0, outputs written) or refuses
(exit 2, only ``error:``/``warning:`` lines, nothing written) — never a traceback. The work limit is
lowered so that a mutation asking for much work is refused instead of run, which keeps every example
short.
"""

from __future__ import annotations

import contextlib
import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import simulator.work as work
from caseplan.cli import app
from tests.support import BASELINE

runner = CliRunner()
BASE = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
BASE["meta"].update(horizon_weeks=30, warmup_weeks=8)
FUZZ_MAX_WORK = 100_000
"""About 20 baseline-sized 30-week runs: larger mutations are refused by the work limit."""


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the document: mapping keys and list positions, at any depth."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(BASE)

edge_numbers = st.sampled_from(
    [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 1e-308, 0, -1, 0.0, 2**63, -(2**63), 10**30]
)
scalars = st.one_of(
    edge_numbers,
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _nest(value: Any, depth: int, as_list: bool) -> Any:
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


mutation = st.one_of(
    st.tuples(st.just("replace"), st.sampled_from(PATHS), values),
    st.tuples(st.just("edge"), st.sampled_from(PATHS), edge_numbers),
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("add_key"), st.sampled_from([(), *PATHS]), st.text(min_size=1, max_size=10)),
    st.tuples(st.just("nest"), st.sampled_from(PATHS), st.tuples(st.integers(1, 60), st.booleans())),
)


def _mutate(document: dict, kind: str, path: tuple, arg: Any) -> None:
    parent: Any = document
    for part in path[:-1]:
        parent = parent[part]
    if kind == "add_key":
        target = parent[path[-1]] if path else document
        if isinstance(target, dict):
            target[arg] = 1
        return
    key = path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "nest":
        parent[key] = _nest(parent[key], *arg)
    else:
        parent[key] = arg


def _apply(mutations: list) -> dict:
    document = copy.deepcopy(BASE)
    for kind, path, arg in mutations:
        # an earlier mutation may have removed or replaced the place
        with contextlib.suppress(KeyError, IndexError, TypeError):
            _mutate(document, kind, path, arg)
    return document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_a_mutated_scenario_runs_or_is_refused_cleanly(mutations):
    document = _apply(mutations)
    saved = work.MAX_WORK
    work.MAX_WORK = FUZZ_MAX_WORK
    try:
        with tempfile.TemporaryDirectory() as folder:
            path, out = Path(folder) / "mutated.yaml", Path(folder) / "out"
            path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
            result = runner.invoke(app, ["run", str(path), "--out", str(out)])
            assert not isinstance(result.exception, Exception), (mutations, repr(result.exception))
            assert "Traceback" not in result.output
            lines = result.stderr.splitlines()
            assert all(line.startswith(("error: ", "warning: ")) for line in lines), result.stderr[:2000]
            if result.exit_code == 0:
                assert (out / "summary.json").exists() and not any(
                    line.startswith("error: ") for line in lines
                )
            else:
                assert result.exit_code == 2, result.output[:2000]
                assert any(line.startswith("error: ") for line in lines), result.stderr[:2000]
                assert sum(len(line) for line in lines) < 20_000, "messages quote only excerpts"
                assert not out.exists()
    finally:
        work.MAX_WORK = saved
