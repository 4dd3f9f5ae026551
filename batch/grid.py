"""Grid files (DESIGN §10): a base scenario × parameter values × replications, validated like a scenario.

A grid names a base scenario, parameters to vary (dotted paths into the scenario, each with a list of
values or a range), how to combine them (every combination, or zipped), extra named scenarios, and either
a number of replications or a target precision. :func:`expand` turns it into named, fully validated
scenarios; a parameter path that the schema does not have is an error naming the nearest valid path.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationError, model_validator

from simulator.scenario import Scenario, ScenarioError, deep_merge, load_scenario
from simulator.scenario.base import FieldError, Strict
from simulator.scenario.loader import ScenarioFile, container_item, read_yaml_mapping, unwrap_annotation
from simulator.text_input import excerpt
from simulator.work import CONFIRM_FLAG, WorkTooLarge

MAX_RANGE_VALUES = 10_000
"""Most values one range may give (a list is bounded by the file size; a range is not)."""
MAX_GRID_SCENARIOS = 10_000
"""Scenarios a grid expands to without ``--confirm-large`` (each takes about 50 kB and 5 ms to prepare)."""
SCENARIO_BYTES, SCENARIO_SECONDS = 50_000, 0.005
"""Measured on the baseline: memory and time to validate one grid point."""


class Range(Strict):
    """Evenly spaced values ``start, start + step, …`` up to and including ``stop``."""

    start: float
    stop: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _not_too_many(self) -> Range:
        if self.count() > MAX_RANGE_VALUES:
            span = (self.stop - self.start) / self.step
            how_many = f"{span + 1:,.3g}" if math.isfinite(span) else "too many"
            raise ValueError(
                f"the range gives {how_many} values (allowed: at most {MAX_RANGE_VALUES:,}); take a larger step "
                "or give a list"
            )
        return self

    def count(self) -> int:
        """How many values the range gives, computed without listing them (any finite bounds)."""
        span = (self.stop - self.start) / self.step  # finite numbers, but may overflow to inf
        if span < 0:
            return 0
        return math.floor(min(span, 1e18) + 1e-9) + 1

    def values(self) -> list[float]:
        return [round(self.start + i * self.step, 12) for i in range(self.count())]


Values = Annotated[
    Annotated[list[Any], Tag("list")] | Annotated[Range, Tag("range")],
    Discriminator(lambda v: "range" if isinstance(v, dict | Range) else "list"),
]
"""A parameter's values: a list, or a range given as a mapping (one message, not one per form)."""


class Precision(Strict):
    """Add replications until the 95% CI half-width of ``metric`` is at most ``half_width`` (capped)."""

    metric: str = Field(min_length=1, description="A summary.json figure, e.g. unallocated_cases.")
    half_width: float = Field(
        gt=0, description="Target half-width of the 95% interval, in the metric's unit."
    )
    min_replications: int = Field(5, ge=2, le=10_000)
    max_replications: int = Field(50, ge=2, le=10_000)
    step: int = Field(5, ge=1, le=1000, description="Replications added per round.")

    @model_validator(mode="after")
    def _ordered(self) -> Precision:
        if self.max_replications < self.min_replications:
            raise FieldError(("max_replications",), "must be at least min_replications")
        return self


class Grid(Strict):
    """A batch of scenarios and replications."""

    name: str = Field(
        min_length=1, max_length=100, description="Names the batch (an output directory holds one)."
    )
    base: str = Field(min_length=1, description="Base scenario file, relative to the grid file.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Applied to every scenario, e.g. {meta: {horizon_weeks: 156}}."
    )
    parameters: dict[str, Values] = Field(
        default_factory=dict, description="Dotted scenario path → values (a list or a range)."
    )
    combine: Literal["product", "zip"] = Field("product", description="Every combination, or zipped lists.")
    scenarios: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Extra named scenarios: name → overrides of the base."
    )
    include_base: bool = Field(True, description="Run the base scenario itself too (named 'base').")
    replications: int | None = Field(None, ge=1, le=100_000, description="Replications per scenario.")
    precision: Precision | None = Field(None, description="Or: add replications until precise enough.")
    reference: str | None = Field(None, description="Scenario that `caseplan compare` compares with.")

    @model_validator(mode="after")
    def _well_formed(self) -> Grid:
        if (self.replications is None) == (self.precision is None):
            raise FieldError(("replications",), "give either replications or precision (one of them)")
        for path, values in self.parameters.items():
            if not _count(values):
                raise FieldError(("parameters", path), "needs at least one value (an empty list or range)")
        if self.combine == "zip":
            lengths = {_count(v) for v in self.parameters.values()}
            if len(lengths) > 1:
                raise FieldError(("parameters",), f"zip needs lists of one length (got {sorted(lengths)})")
        return self

    def scenario_count(self) -> int:
        """Scenarios the grid expands to (base, grid points, named scenarios), without expanding it."""
        counts = [_count(v) for v in self.parameters.values()]
        points = (min(counts) if self.combine == "zip" else math.prod(counts)) if counts else 0
        return points + len(self.scenarios) + int(self.include_base)

    @property
    def replications_at_most(self) -> int:
        """Replications per scenario: as given, or the precision's cap."""
        if self.replications is not None:
            return self.replications
        assert self.precision is not None  # one of the two is given (checked above)
        return self.precision.max_replications


def _values(spec: list[Any] | Range) -> list[Any]:
    return spec.values() if isinstance(spec, Range) else list(spec)


def _count(spec: list[Any] | Range) -> int:
    return spec.count() if isinstance(spec, Range) else len(spec)


# ------------------------------------------------------------------------------------ expansion


def load_grid(path: str | Path) -> Grid:
    """Read and validate a grid file; errors name the file and the field, like scenario errors."""
    path = Path(path)
    data = read_yaml_mapping(path)
    try:
        return Grid.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_describe(path, err) for err in exc.errors(include_url=False)]) from None


def _describe(path: Path, err: dict) -> str:
    loc = list(err["loc"])
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc += list(cause.loc)
    if loc[:1] == ["parameters"] and len(loc) > 2 and loc[2] in ("list", "range"):
        del loc[2]  # the form of the values (a tag of the union), not a key of the file
    dotted = ".".join(str(p) for p in loc if not (isinstance(p, str) and "[" in p)) or "(top level)"
    message = err["msg"].removeprefix("Value error, ")
    for pydantic_words, plain_words in (("Input should ", "must "), ("Value should ", "must ")):
        message = (
            message.replace(pydantic_words, plain_words, 1) if message.startswith(pydantic_words) else message
        )
    if not err["type"].startswith("value_error") and err["type"] not in ("extra_forbidden", "missing"):
        message += f" (got {excerpt(err.get('input'))})"
    if err["type"] == "extra_forbidden":
        models: dict[str, type[BaseModel]] = {"parameters": Range, "precision": Precision}
        model = models.get(str(loc[0]), Grid) if len(loc) > 1 else Grid
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return (
            f"{path}: {dotted}: unknown key '{loc[-1]}'{hint} (valid keys: {', '.join(model.model_fields)})"
        )
    return f"{path}: {dotted}: {message}"


def base_scenario(grid: Grid, grid_path: str | Path) -> Scenario:
    """The grid's base file with the grid's ``overrides``: what every scenario starts from.

    Raises
    ------
    ScenarioError
        A bad base file or override, named as in :func:`expand`.
    """
    grid_path = Path(grid_path)
    try:
        return load_scenario(grid_path.parent / grid.base, grid.overrides)
    except ScenarioError as exc:
        raise ScenarioError([f"{grid_path}: base: {m}" for m in exc.messages]) from None


def check_size(grid: Grid, grid_path: str | Path, confirmed: bool) -> None:
    """Refuse a grid of more than :data:`MAX_GRID_SCENARIOS` scenarios before expanding it.

    Raises
    ------
    simulator.work.WorkTooLarge
        With the number of scenarios and the memory and time to prepare them, unless ``confirmed``.
    """
    count = grid.scenario_count()
    if count > MAX_GRID_SCENARIOS and not confirmed:
        raise WorkTooLarge(
            f"{grid_path}: parameters: the grid expands to {count:,} scenarios (about "
            f"{count * SCENARIO_BYTES / 1e6:,.0f} MB and {count * SCENARIO_SECONDS:,.0f} s to prepare them); "
            f"the limit is {MAX_GRID_SCENARIOS:,} — pass {CONFIRM_FLAG} to expand it anyway, or give "
            "fewer values"
        )


def expand(grid: Grid, grid_path: str | Path) -> dict[str, Scenario]:
    """The grid's scenarios by name, each loaded through the scenario schema (base file + overrides).

    Raises
    ------
    ScenarioError
        An unknown parameter path (with the nearest valid one), or a value the schema rejects.
    """
    grid_path = Path(grid_path)
    base = ScenarioFile(grid_path.parent / grid.base)
    points: dict[str, dict[str, Any]] = {}
    if grid.include_base:
        points["base"] = {}
    try:
        grid_points = _grid_points(grid)
    except ScenarioError as exc:
        raise ScenarioError([f"{grid_path}: {m}" for m in exc.messages]) from None
    for name, changes in [*grid_points, *grid.scenarios.items()]:
        if name in points:
            raise ScenarioError([f"{grid_path}: two scenarios are named '{name}'; rename one"])
        points[name] = changes
    if not points:
        raise ScenarioError(
            [f"{grid_path}: parameters: the grid is empty (no parameters, scenarios or base)"]
        )
    scenarios = {}
    for name, changes in points.items():
        overrides = deep_merge(grid.overrides, changes)
        try:
            scenarios[name] = base.scenario(overrides)
        except ScenarioError as exc:
            raise ScenarioError([f"{grid_path}: scenario '{name}': {m}" for m in exc.messages]) from None
    return scenarios


def _grid_points(grid: Grid) -> list[tuple[str, dict[str, Any]]]:
    if not grid.parameters:
        return []
    paths = list(grid.parameters)
    for path in paths:
        check_path(path)
    columns = [_values(grid.parameters[p]) for p in paths]
    combos = zip(*columns, strict=True) if grid.combine == "zip" else itertools.product(*columns)
    points = []
    for combo in combos:
        name = ",".join(f"{p.rsplit('.', 1)[-1]}={_label(v)}" for p, v in zip(paths, combo, strict=True))
        changes: dict[str, Any] = {}
        for path, value in zip(paths, combo, strict=True):
            changes = deep_merge(changes, nested(path, value))
        points.append((name, changes))
    return points


def _label(value: Any) -> str:
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def nested(path: str, value: Any) -> dict[str, Any]:
    """``"a.b.c", v`` → ``{"a": {"b": {"c": v}}}``."""
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def check_path(path: str) -> None:
    """Raise :class:`ScenarioError` unless ``path`` names a field of the scenario schema.

    Mappings keyed by the user's names (``case_types.<name>``) take any key at that step.
    """
    tp: Any = Scenario
    walked: list[str] = []
    for part in path.split("."):
        fields = _fields(tp)
        if fields is not None:
            if part not in fields:
                valid = [".".join([*walked, f]) for f in fields]
                close = difflib.get_close_matches(".".join([*walked, part]), valid, n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else f" (valid here: {', '.join(valid)})"
                raise ScenarioError([f"parameters.{path}: unknown parameter '{path}'{hint}"])
            tp = fields[part]
        elif typing.get_origin(unwrap_annotation(tp)) is dict:
            tp = container_item(unwrap_annotation(tp))
        else:
            raise ScenarioError([f"parameters.{path}: '{'.'.join(walked)}' is a value, it has no '{part}'"])
        walked.append(part)


def _fields(tp: Any) -> dict[str, Any] | None:
    """Field name → annotation of a model, or of the members of a union of models; None otherwise."""
    tp = unwrap_annotation(tp)
    members = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    fields: dict[str, Any] = {}
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel):
            fields.update({name: info.annotation for name, info in member.model_fields.items()})
    return fields or None


# ------------------------------------------------------------------------------------- identity


def scenario_hash(scenario: Scenario) -> str:
    """A stable hash of a resolved scenario: changing anything in it changes the hash."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
