"""Read scenario YAML files safely, resolve ``extends:`` and turn validation errors into plain messages.

Every problem becomes one line: ``file: dotted.path: what is wrong (allowed: range)``. Nothing here
raises anything but :class:`ScenarioError` for bad input.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError

from simulator.scenario.contingency import Action
from simulator.scenario.durations import Duration
from simulator.scenario.models import FieldError, Scenario
from simulator.text_input import UserFileError, excerpt, printable, read_user_file, undecodable_at

MAX_FILE_BYTES = 2_000_000
MAX_EXPANDED_NODES = 200_000
MAX_EXTENDS_DEPTH = 20
MAX_NESTING_DEPTH = 40
"""Most levels of nested mappings and lists (the deepest shipped scenario has 8)."""

Loc = tuple[str | int, ...]


class ScenarioError(Exception):
    """Bad scenario input; ``messages`` holds one readable line per problem."""

    def __init__(self, messages: list[str]):
        messages = [printable(m) for m in messages]  # one short printable line each, whatever the input
        super().__init__("\n".join(messages))
        self.messages = messages


# ------------------------------------------------------------------------------------- public API


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends:``) and validate a scenario file.

    Parameters
    ----------
    path
        YAML file.
    overrides
        Nested mapping merged over the file (e.g. ``{"meta": {"seed": 7}}``).

    Raises
    ------
    ScenarioError
        One message per problem, each naming the file and the field.
    """
    return ScenarioFile(path).scenario(overrides)


class ScenarioFile:
    """A scenario file read once (with its ``extends`` ancestors), validated with any number of overrides.

    A batch validates every grid point against one base file; reading it once per point would cost more
    than validating.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._data, self._origins = _resolve(self.path, chain=())

    def scenario(self, overrides: dict[str, Any] | None = None) -> Scenario:
        """The file merged with ``overrides`` and validated (snapshot CSVs read if it names them).

        Raises
        ------
        ScenarioError
            One message per problem, each naming the file and the field.
        """
        data = deep_merge(self._data, overrides) if overrides else self._data
        scenario = validate_scenario(data, source=str(self.path), origins=self._origins)
        if scenario.team.snapshot is not None and not scenario.team.workers:
            return _with_snapshot(scenario, data, self.path, self._origins)
        return scenario


def _with_snapshot(scenario: Scenario, data: dict, path: Path, origins: dict[Loc, str]) -> Scenario:
    """Read ``team.snapshot``'s CSVs (relative to the file that named them) into workers and open cases."""
    from simulator.snapshot import SnapshotError, read_snapshot  # the reader needs the validated scenario

    files = scenario.team.snapshot
    named_in = Path(_origin(("team", "snapshot"), origins) or path)
    workers, cases = named_in.parent / files.workers, named_in.parent / files.cases
    try:
        snapshot = read_snapshot(workers, cases, scenario.meta.start, scenario)
    except SnapshotError as exc:  # say which field of which scenario file named the bad CSV
        fields = {str(workers): "team.snapshot.workers", str(cases): "team.snapshot.cases"}
        raise SnapshotError([_in_field(problem, fields, named_in) for problem in exc.problems]) from None
    team = {**data["team"], **team_from_snapshot(snapshot)}
    return validate_scenario({**data, "team": team}, source=str(path), origins=origins)


def _in_field(problem: str, fields: dict[str, str], scenario_file: Path) -> str:
    """A snapshot problem led by the scenario file and the field that named the CSV it is about."""
    field = next((f for name, f in fields.items() if problem.startswith(f"{name}:")), "team.snapshot")
    return f"{scenario_file}: {field}: {problem}"


def team_from_snapshot(snapshot) -> dict[str, list[dict]]:
    """The ``team.workers`` (one group per worker, keeping its id) and ``team.open_cases`` of a snapshot."""
    return {
        "workers": [
            {"count": 1, "id": w.id, "role": w.role, "fte": w.fte, "start": w.start_date,
             "skills": sorted(w.skills), "team": w.team, "supervises": w.role == "team_manager"}
            for w in snapshot.workers
        ],
        "open_cases": [
            {"id": c.id, "type": c.type, "opened": c.opened, "team": c.team, "worker_id": c.worker_id,
             "previous_worker_id": c.previous_worker_id}
            for c in snapshot.cases
        ],
    }  # fmt: skip


def validate_scenario(
    data: Any, source: str = "<scenario>", origins: dict[Loc, str] | None = None
) -> Scenario:
    """Validate plain data (already parsed) into a :class:`Scenario`, or raise :class:`ScenarioError`."""
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}: the top level must be a mapping of sections"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            [_describe(err, source, origins or {}) for err in exc.errors(include_url=False)]
        ) from None


def scenario_to_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML (the copy written beside run outputs)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


REPLACED_WHOLE = frozenset({"next", "entry", "team_shares", "team"})
"""Probability tables: an override replaces them whole, since a partial table cannot sum to 1."""


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into a copy of ``base``.

    Mappings merge key by key, except the probability tables of :data:`REPLACED_WHOLE` and a mapping
    whose ``kind`` changes (a distribution of another kind); anything else (lists, values) replaces.
    """
    merged = dict(base)
    for key, value in override.items():
        if key in REPLACED_WHOLE or _kind_changed(merged.get(key), value):
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _kind_changed(old: Any, new: Any) -> bool:
    """A distribution of another ``kind`` is a different thing: its old fields must not leak in."""
    return (
        isinstance(old, dict) and isinstance(new, dict) and "kind" in new and new["kind"] != old.get("kind")
    )


# ---------------------------------------------------------------------------------- file handling


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict, dict[Loc, str]]:
    """Read ``path`` and its ``extends`` ancestors; return merged data and which file set each key."""
    real = path.resolve()
    if real in chain:
        cycle = " → ".join(str(p) for p in (*chain, real))
        raise ScenarioError([f"{path}: extends: the files extend each other in a loop (a cycle): {cycle}"])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([f"{path}: extends: chain deeper than {MAX_EXTENDS_DEPTH} files"])
    data = read_yaml_mapping(path)
    parent_name = data.pop("extends", None)
    origins = {loc: str(path) for loc in _leaf_locs(data)}
    if parent_name is None:
        return data, origins
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ScenarioError([f"{path}: extends: must be a file path (a string)"])
    parent = (path.parent / parent_name).resolve()
    if not parent.is_file():
        raise ScenarioError([f"{path}: extends: file not found: {parent_name} (looked for {parent})"])
    base, base_origins = _resolve(parent, (*chain, real))
    # keys this file replaced (a value over a section, a whole probability table) are no longer the
    # parent's; this file's keys go last so that later entries are always the more derived file
    kept = {
        loc: file
        for loc, file in base_origins.items()
        if not any(loc[:end] in origins for end in range(1, len(loc) + 1))
    }
    return deep_merge(base, data), {**kept, **origins}


def read_yaml_mapping(path: Path) -> dict:
    """Parse a YAML file into a mapping (the checks of :func:`parse_yaml_mapping`), refusing anything but
    a regular file of at most :data:`MAX_FILE_BYTES`."""
    try:
        raw = read_user_file(path, MAX_FILE_BYTES, "scenario file")
    except UserFileError as exc:
        raise ScenarioError([f"{path}: {exc.reason}"]) from None
    return parse_yaml_mapping(raw, str(path))


def parse_yaml_mapping(raw: bytes | str, name: str) -> dict:
    """Parse YAML (a file's bytes, or an upload) into a mapping: the one reader of scenarios and grids.

    Refuses text over :data:`MAX_FILE_BYTES`, non-UTF-8 bytes, nesting deeper than
    :data:`MAX_NESTING_DEPTH`, aliases that expand to more than :data:`MAX_EXPANDED_NODES` values and a
    top level that is not a mapping. Dates stay text, so that the schema checks them (an impossible date
    such as 2026-02-30 is a field error, not a crash of the YAML reader).

    Raises
    ------
    ScenarioError
        One message naming ``name`` (and the line, for a syntax problem).
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            [
                f"{name}: the file is {len(raw):,} bytes; a scenario file may be at most {MAX_FILE_BYTES:,} bytes"
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = undecodable_at(raw, exc.start)
        raise ScenarioError(
            [
                f"{name}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, "
                f"column {column}); save it with UTF-8 encoding"
            ]
        ) from None
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a SafeLoader (no Python tags)
    except _TooDeep as exc:
        raise ScenarioError(
            [
                f"{name}: values nested more than {MAX_NESTING_DEPTH} levels deep at line {exc.line}, "
                f"column {exc.column} (allowed: at most {MAX_NESTING_DEPTH}; a scenario needs about 8)"
            ]
        ) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScenarioError(
            [f"{name}: not valid YAML{at}: {problem} (check the indentation and punctuation there)"]
        ) from None
    if data is None:
        raise ScenarioError([f"{name}: the file is empty"])
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                f"{name}: the top level must be a mapping of sections (meta:, team:, case_types:, ...), "
                f"not {_kind(data)}"
            ]
        )
    nodes = _expanded_size(data, MAX_EXPANDED_NODES)
    if nodes > MAX_EXPANDED_NODES:
        raise ScenarioError(
            [
                f"{name}: YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values "
                "(an alias bomb?); write the values out instead"
            ]
        )
    return data


class _TooDeep(yaml.YAMLError):
    """Nesting beyond :data:`MAX_NESTING_DEPTH` (PyYAML's composer would recurse until it crashes)."""

    def __init__(self, mark: yaml.Mark):
        super().__init__("too deep")
        self.line, self.column = mark.line + 1, mark.column + 1


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a nesting limit, and dates kept as text for the schema to check."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_NESTING_DEPTH and not self.check_event(yaml.AliasEvent):
            raise _TooDeep(self.peek_event().start_mark)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth


_ScenarioLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _expanded_size(node: Any, limit: int) -> int:
    """Values the document holds once aliases are expanded (counted with memoisation, stops at limit)."""
    memo: dict[int, int] = {}

    def size(n: Any) -> int:
        if isinstance(n, dict):
            children = [*n.keys(), *n.values()]
        elif isinstance(n, list):
            children = n
        else:
            return 1
        key = id(n)
        if key in memo:
            return memo[key]
        memo[key] = limit + 1  # a self-referencing alias counts as too large
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                break
        memo[key] = total
        return total

    return size(node)


def _leaf_locs(data: Any, prefix: Loc = ()) -> Iterator[Loc]:
    if isinstance(data, dict) and not (prefix and prefix[-1] in REPLACED_WHOLE):
        for key, value in data.items():
            yield from _leaf_locs(value, (*prefix, str(key)))
    else:
        yield prefix


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# ------------------------------------------------------------------------------- error messages


def _describe(err: dict, source: str, origins: dict[Loc, str]) -> str:
    raw_loc: Loc = tuple(err["loc"])
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        raw_loc = (*raw_loc, *cause.loc)
    loc = tuple(p for i, p in enumerate(raw_loc) if not _is_union_tag(p, raw_loc[i - 1] if i else None))
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    file = _origin(loc, origins) or source
    kind = err["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], str(loc[-1])
        moved = MOVED_KEYS.get(tuple(str(p) for p in loc))
        if moved is not None:
            return f"{file}: {dotted}: this setting has moved to '{moved}'"
        tags = [p for i, p in enumerate(raw_loc) if i and _is_union_tag(p, raw_loc[i - 1]) and "[" not in p]
        valid = _valid_keys(parent, tags[-1] if tags else None)
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listed = f" (valid keys: {', '.join(valid)})" if valid else ""
        return f"{file}: {dotted}: unknown key '{key}'{hint}{listed}"
    if kind == "missing":
        return f"{file}: {dotted}: required field is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx", {})
        key = ctx.get("discriminator", "'kind'").strip("'")
        allowed = ctx.get("expected_tags") or ", ".join(_union_tags(loc))
        allowed = allowed.replace("'", "")
        if kind == "union_tag_not_found":
            return f"{file}: {dotted}.{key}: required field is missing (allowed: {allowed})"
        return f"{file}: {dotted}.{key}: unknown {key} '{ctx.get('tag')}' (allowed: {allowed})"
    message = _plain(err)
    if kind.startswith("value_error") or kind == "too_short":
        # a rule across fields, or an empty list: the message says it all
        return f"{file}: {dotted}: {message}"
    allowed = "" if raw_loc[-1:] == ("[key]",) else _allowed_range(loc)  # a bad key: msg lists them
    if kind.startswith(("date_", "datetime_")):
        allowed = "a calendar date, YYYY-MM-DD"
    suffix = f" (allowed: {allowed})" if allowed else ""
    return f"{file}: {dotted}: {message} (got {excerpt(err.get('input'))}){suffix}"


def _union_tags(loc: Loc) -> list[str]:
    """The ``kind`` values of the discriminated union at ``loc`` (a distribution or an action)."""
    _, info = _field_at(loc)
    tp = unwrap_annotation(info.annotation) if info is not None else None
    if tp is not None and typing.get_origin(tp) not in (typing.Union, types.UnionType):
        tp = unwrap_annotation(container_item(tp))
    members = typing.get_args(tp) if tp is not None else ()
    return [
        t for m in members for t in _literal_values(getattr(m, "model_fields", {}).get("kind").annotation)
    ]


def _plain(err: dict) -> str:
    """Pydantic's message in plain words: 'must be ...' rather than 'Input should be ...'."""
    message = err["msg"]
    if message.startswith("Value error, "):
        return message[len("Value error, ") :]
    if err["type"] == "too_short":
        n = err.get("ctx", {}).get("min_length", 1)
        entries = "1 entry" if n == 1 else f"{n} entries"
        return f"needs at least {entries}" + ("" if err.get("input") else " but is empty")
    for pydantic_words, plain_words in (("Input should ", "must "), ("Value should ", "must ")):
        if message.startswith(pydantic_words):
            return plain_words + message[len(pydantic_words) :]
    return message


def _is_union_tag(part: str | int, previous: str | int | None) -> bool:
    """Pydantic adds discriminator tags such as 'exponential' or 'function-after[...]' to locs.

    Action kinds (e.g. 'agency') are also field names elsewhere, so they count as tags only right after
    a list index.
    """
    if not isinstance(part, str):
        return False
    return "[" in part or part in _DISTRIBUTION_KINDS or (part in _ACTION_KINDS and isinstance(previous, int))


MOVED_KEYS = {
    ("capacity", "cpd_share"): "cpd.share",
    ("capacity", "supervision_session_hours"): "supervision.session_hours",
    ("capacity", "supervision_interval_weeks"): "supervision.interval_weeks",
}
"""Keys that moved to another section (issue 5), so an older scenario gets a precise message."""


def _origin(loc: Loc, origins: dict[Loc, str]) -> str | None:
    str_loc = tuple(str(p) for p in loc)
    for end in range(len(str_loc), 0, -1):
        if str_loc[:end] in origins:
            return origins[str_loc[:end]]
    # the error is on a section: name the most derived file that set anything inside it
    inside = [file for key, file in origins.items() if key[: len(str_loc)] == str_loc]
    return inside[-1] if inside else None


def _field_at(loc: Loc) -> tuple[type[BaseModel] | None, Any]:
    """Walk the schema along ``loc``; return (model owning the last field, that field's FieldInfo)."""
    model: Any = Scenario
    owner, info = None, None
    for part in loc:
        model = _member_with_field(model, str(part))
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(str(part))
            if info is None:
                return None, None
            owner, model = model, info.annotation
        else:
            model = container_item(model)
            if model is None:
                return None, None
        model = unwrap_annotation(model)
    return owner, info


def _member_with_field(tp: Any, name: str) -> Any:
    """For a union of models (a discriminated distribution), the member that has field ``name``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        for member in typing.get_args(tp):
            if isinstance(member, type) and issubclass(member, BaseModel) and name in member.model_fields:
                return member
    return tp


def unwrap_annotation(tp: Any) -> Any:
    """Strip Optional / Annotated; keep the single model of a union if there is one."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _union_member(tp: Any, tag: str | None) -> Any:
    """The model of a discriminated union whose ``kind`` literal is ``tag``."""
    if tag is None or typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    for member in typing.get_args(tp):
        kind = getattr(member, "model_fields", {}).get("kind")
        if kind is not None and tag in _literal_values(kind.annotation):
            return member
    return None


def container_item(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _valid_keys(parent: Loc, tag: str | None = None) -> list[str]:
    """Keys allowed under ``parent``; ``tag`` picks the member of a distribution union (its ``kind``)."""
    if not parent:
        return list(Scenario.model_fields)
    _, info = _field_at(parent)
    model = unwrap_annotation(info.annotation) if info is not None else None
    if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
        item = unwrap_annotation(container_item(model))
        model = _union_member(model, tag) or _union_member(item, tag) or item
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _allowed_range(loc: Loc) -> str:
    _, info = _field_at(loc)
    if info is None or (loc and info is _field_at(loc[:-1])[1]):
        # an item of a list/dict (the walk passed no field at its last step): use the constraints of
        # its annotated item type
        _, info = _field_at(loc[:-1])
        if info is None:
            return ""
        item = container_item(unwrap_annotation(info.annotation))
        metadata = _annotated_metadata(item)
    else:
        metadata = list(info.metadata)
        literal = _literal_values(unwrap_annotation(info.annotation))
        if literal:
            return "one of " + ", ".join(map(str, literal))
    return _bounds_text(metadata)


def _annotated_metadata(tp: Any) -> list:
    if typing.get_origin(tp) is typing.Annotated:
        out: list = []
        for meta in typing.get_args(tp)[1:]:
            out.extend(getattr(meta, "metadata", [meta]))
        return out
    return []


def _literal_values(tp: Any) -> tuple:
    return typing.get_args(tp) if typing.get_origin(tp) is typing.Literal else ()


def _bounds_text(metadata: list) -> str:
    low = high = ""
    for m in metadata:
        if isinstance(m, annotated_types.Gt):
            low = f"> {m.gt}"
        elif isinstance(m, annotated_types.Ge):
            low = f"≥ {m.ge}"
        elif isinstance(m, annotated_types.Lt):
            high = f"< {m.lt}"
        elif isinstance(m, annotated_types.Le):
            high = f"≤ {m.le}"
        elif isinstance(m, annotated_types.MinLen):
            low = f"at least {m.min_length} item(s)"
    return " and ".join(p for p in (low, high) if p)


def _kinds(union: Any) -> set[str]:
    """The ``kind`` literals of an annotated discriminated union of the schema."""
    members = typing.get_args(unwrap_annotation(union))
    return {tag for m in members for tag in _literal_values(m.model_fields["kind"].annotation)}


_DISTRIBUTION_KINDS = _kinds(Duration)
_ACTION_KINDS = _kinds(Action)
