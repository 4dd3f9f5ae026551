"""Read and check a team's snapshot CSVs (DESIGN §8): ``workers.csv`` and ``cases.csv``.

A team manager exports the team and its cases from a spreadsheet; this module turns the two files into
small frozen records or explains, row by row, what is wrong. Every problem becomes one message
``<file>: row <n>, column <name>: <what is wrong> (allowed: ...)`` where ``n`` is the row a spreadsheet
shows (the header is row 1). All problems are collected (the list is capped) and raised together as a
:class:`SnapshotError`.

Privacy: ids must be pseudonymous. A column that looks like personal data (a name, a date of birth, an
address, ...) is rejected, as is any column the format does not define.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import math
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from simulator.scenario.base import CODE_RULE, is_code
from simulator.scenario.loader import ScenarioError
from simulator.scenario.models import Role, Scenario
from simulator.text_input import UserFileError, excerpt, read_user_file, undecodable_at

MAX_ROWS = 50_000
"""Most data rows a snapshot file may hold (a large service is a few thousand cases)."""
MAX_FILE_BYTES = 20_000_000
MAX_CELL_CHARS = 200
"""Longest value of a cell (an id is at most 40 characters, a list of skills or flags a few dozen)."""
COLUMN_NAME = re.compile(r"^[\w ().#-]{1,40}$")
"""What a message repeats as a column's name (anything else may be the first line of another file)."""
MAX_MESSAGES = 20
"""Problems listed before the rest are summarised as 'and N more'."""

ROLES: tuple[str, ...] = typing.get_args(Role)
MAX_FTE = 1.5
PRIORITIES = range(1, 6)

WORKER_COLUMNS = ("id", "role", "fte", "start_date", "skills", "team")
CASE_COLUMNS = ("id", "type", "opened", "worker_id")
CASE_OPTIONAL_COLUMNS = ("priority", "flags", "previous_worker_id", "team")

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FLAG_FORMS = ("sibling:<group>", "exclude:<worker id>", "skill:<skill>", "experienced", "must_allocate")
PERSONAL_WORDS = {
    "name": "a name",
    "birth": "a date of birth",
    "dob": "a date of birth",
    "address": "an address",
    "postcode": "an address",
    "email": "contact details",
    "phone": "contact details",
    "nhs": "an NHS number",
}


class SnapshotError(ScenarioError):
    """Bad snapshot CSV input.

    ``problems`` holds one readable line per problem; ``messages`` (what a user sees) the first
    :data:`MAX_MESSAGES` of them and a line saying how many more there are.
    """

    def __init__(self, problems: list[str]):
        super().__init__(cap_messages(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class SnapshotWorker:
    """One row of ``workers.csv``."""

    id: str
    role: str
    fte: float
    start_date: dt.date
    skills: frozenset[str]
    team: str
    row: int


@dataclass(frozen=True, slots=True)
class SnapshotCase:
    """One row of ``cases.csv``; ``worker_id`` None = waiting for allocation."""

    id: str
    type: str
    opened: dt.date
    worker_id: str | None
    priority: int | None
    sibling_group: str | None
    excluded_workers: frozenset[str]
    extra_skills: frozenset[str]
    needs_experienced: bool
    must_allocate: bool
    previous_worker_id: str | None
    team: str | None
    row: int


@dataclass(frozen=True, slots=True)
class TeamSnapshot:
    """A team on one date: its workers and its cases (held and waiting)."""

    workers: tuple[SnapshotWorker, ...]
    cases: tuple[SnapshotCase, ...]
    as_of: dt.date

    @property
    def waiting(self) -> tuple[SnapshotCase, ...]:
        return tuple(c for c in self.cases if c.worker_id is None)

    @property
    def held(self) -> tuple[SnapshotCase, ...]:
        return tuple(c for c in self.cases if c.worker_id is not None)


# ------------------------------------------------------------------------------------- public API


def read_snapshot(
    workers_path: str | Path, cases_path: str | Path, as_of: dt.date, scenario: Scenario
) -> TeamSnapshot:
    """Read both snapshot files and check them against each other and the scenario.

    Raises
    ------
    SnapshotError
        Every problem found in either file, each naming the file, row and column.
    """
    problems: list[str] = []
    workers: list[SnapshotWorker] | None = None
    cases: list[SnapshotCase] | None = None
    try:
        workers = read_workers(workers_path, as_of)
    except SnapshotError as exc:
        problems.extend(exc.problems)
    try:
        cases = read_cases(
            cases_path,
            as_of,
            held_case_types(scenario),
            workers=workers,
        )
    except SnapshotError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SnapshotError(problems)
    assert workers is not None and cases is not None
    cases = resolve_teams(workers, cases, str(cases_path))
    return TeamSnapshot(workers=tuple(workers), cases=tuple(cases), as_of=as_of)


def read_workers(path: str | Path, as_of: dt.date) -> list[SnapshotWorker]:
    """Read ``workers.csv`` (id, role, fte, start_date, skills, team)."""
    table = _Table.read(path, WORKER_COLUMNS, ())
    problems = table.problems
    workers: list[SnapshotWorker] = []
    for row, values in table.rows():
        bad = len(problems)
        wid = _id(table, row, "id", values["id"], problems)
        role = values["role"]
        if role not in ROLES:
            problems.append(
                table.at(row, "role", f"unknown role {excerpt(role)}" if role else "is empty")
                + f" (allowed: {', '.join(ROLES)})"
            )
        fte = _fte(table, row, values["fte"], problems)
        start = _date(table, row, "start_date", values["start_date"], problems)
        if start is not None and start > as_of:
            problems.append(
                table.at(row, "start_date", f"{start} is after the snapshot date {as_of}")
                + " (a worker in the snapshot must have started by --date)"
            )
        team = values["team"]
        if not team:
            problems.append(table.at(row, "team", "is empty (every worker belongs to a team)"))
        skills = frozenset(s.strip().lower() for s in values["skills"].split(";") if s.strip())
        if len(problems) == bad:
            workers.append(SnapshotWorker(wid, role, fte, start, skills, team, row))
    _duplicates(table, problems)
    if not problems and not any(w.role != "team_manager" for w in workers):
        problems.append(f"{table.name}: no case-holding worker (every row is a team_manager)")
    if problems:
        raise SnapshotError(problems)
    return workers


def read_cases(
    path: str | Path,
    as_of: dt.date,
    case_types: Mapping[str, object] | Iterable[str],
    workers: Iterable[SnapshotWorker] | None = None,
) -> list[SnapshotCase]:
    """Read ``cases.csv``; ``case_types`` are the scenario's held types, ``workers`` (if known) the team.

    Without ``workers`` (when ``workers.csv`` itself is bad) worker ids are not cross-checked.
    """
    types = list(case_types)
    table = _Table.read(path, CASE_COLUMNS, CASE_OPTIONAL_COLUMNS)
    problems = table.problems
    known = {w.id: w for w in workers} if workers is not None else None
    teams = sorted({w.team for w in known.values()}) if known else []
    cases: list[SnapshotCase] = []
    for row, values in table.rows():
        bad = len(problems)
        cid = _id(table, row, "id", values["id"], problems)
        kind = values["type"]
        if kind not in types:
            what = f"unknown case type {excerpt(kind)}" if kind else "is empty"
            problems.append(
                table.at(row, "type", what) + f" (allowed: the scenario's held case types {', '.join(types)})"
            )
        opened = _date(table, row, "opened", values["opened"], problems)
        if opened is not None and opened > as_of:
            problems.append(
                table.at(row, "opened", f"{opened} is after the snapshot date {as_of}")
                + " (a case in the snapshot must be open by --date)"
            )
        worker_id = _worker_ref(table, row, "worker_id", values["worker_id"], known, problems)
        previous = _worker_ref(
            table, row, "previous_worker_id", values.get("previous_worker_id", ""), known, problems
        )
        priority = _priority(table, row, values.get("priority", ""), problems)
        flags = _flags(table, row, values.get("flags", ""), known, problems)
        team = values.get("team", "") or None
        if team is not None and known is not None and team not in teams:
            problems.append(
                table.at(row, "team", f"unknown team {excerpt(team)}")
                + f" (allowed: the teams of the workers file: {', '.join(teams)})"
            )
        if len(problems) == bad:
            cases.append(
                SnapshotCase(
                    id=cid,
                    type=kind,
                    opened=opened,
                    worker_id=worker_id,
                    priority=priority,
                    previous_worker_id=previous,
                    team=team,
                    row=row,
                    **flags,
                )
            )
    _duplicates(table, problems)
    if problems:
        raise SnapshotError(problems)
    return cases


def resolve_teams(
    workers: Sequence[SnapshotWorker], cases: Sequence[SnapshotCase], name: str = "cases.csv"
) -> list[SnapshotCase]:
    """Cases with their team set: the ``team`` column if given, else the holder's team, else the
    previous worker's team, else the only team of the workers file.

    Raises
    ------
    SnapshotError
        If a case's team cannot be decided (several teams and no ``team`` column), or waiting siblings
        are in different teams.
    """
    teams = sorted({w.team for w in workers})
    team_of = {w.id: w.team for w in workers}
    problems: list[str] = []
    out: list[SnapshotCase] = []
    for case in cases:
        team = case.team
        if team is None:
            holder = case.worker_id or case.previous_worker_id
            if holder is not None and holder in team_of:
                team = team_of[holder]
            elif len(teams) == 1:
                team = teams[0]
            else:
                problems.append(
                    f"{name}: row {case.row}, column team: is missing; the workers file has "
                    f"{len(teams)} teams ({', '.join(teams)}), so a waiting case without a previous "
                    "worker needs its team (add a 'team' column)"
                )
                continue
        out.append(case if team == case.team else replace(case, team=team))
    groups: dict[str, dict[str, int]] = {}
    for case in out:
        if case.sibling_group is not None and case.worker_id is None:
            groups.setdefault(case.sibling_group, {}).setdefault(case.team, case.row)
    for group, rows in groups.items():
        if len(rows) > 1:
            where = ", ".join(f"{team} (row {row})" for team, row in rows.items())
            problems.append(
                f"{name}: column flags: sibling group {group} has waiting cases in different teams: "
                f"{where} (allowed: siblings in one team, as they go to one worker)"
            )
    if problems:
        raise SnapshotError(problems)
    return out


def held_case_types(scenario: Scenario) -> list[str]:
    """Case types a worker holds (stages such as front-door screening are not held)."""
    return [name for name, ct in scenario.case_types.items() if ct.held]


def cap_messages(messages: list[str], limit: int = MAX_MESSAGES) -> list[str]:
    """The first ``limit`` messages and a line saying how many more there are."""
    if len(messages) <= limit:
        return messages
    more = len(messages) - limit
    return [*messages[:limit], f"... and {more} more problem{'s' if more != 1 else ''}"]


def parse_date(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or None if ``text`` is not one (a real calendar date)."""
    text = text.strip()
    if not DATE_PATTERN.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------ reading


class _Table:
    """One CSV read as strings; ``problems`` collects file-level and row-level messages."""

    def __init__(self, name: str, header: list[str], frame: pd.DataFrame | None, problems: list[str]):
        self.name = name
        self.header = header
        self.frame = frame
        self.problems = problems

    @classmethod
    def read(cls, path: str | Path, required: tuple[str, ...], optional: tuple[str, ...]) -> _Table:
        """Read ``path``; raise at once for problems that leave nothing to check row by row."""
        name = str(path)
        text = _read_text(Path(path), name)
        first_line = text.split("\n", 1)[0]
        if ";" in first_line and "," not in first_line:
            raise SnapshotError(
                [f"{name}: the columns are separated by ';'; save the file as 'CSV UTF-8 (comma delimited)'"]
            )
        try:
            raw = pd.read_csv(
                io.StringIO(text),
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                nrows=MAX_ROWS + 2,  # the header, MAX_ROWS rows and one more to detect an excess
            )
        except pd.errors.EmptyDataError:
            raise SnapshotError(
                [f"{name}: the file is empty (expected a header row: {', '.join(required)})"]
            ) from None
        except pd.errors.ParserError as exc:
            raise SnapshotError([f"{name}: {_parser_problem(exc)}"]) from None
        raw = raw.fillna("")
        if len(raw) > MAX_ROWS + 1:
            approx = text.count("\n") - 1
            raise SnapshotError(
                [
                    f"{name}: more than {MAX_ROWS:,} data rows (about {approx:,}); a snapshot may hold at "
                    f"most {MAX_ROWS:,} rows — split the file by team"
                ]
            )
        header = [str(v).strip().lower() for v in raw.iloc[0]]
        # a spreadsheet may export trailing columns with neither a name nor a value: ignore them
        keep = [i for i, column in enumerate(header) if column or (raw.iloc[1:, i].str.strip() != "").any()]
        raw, header = raw.iloc[:, keep], [header[i] for i in keep]
        problems = _header_problems(name, header, required, optional)
        if problems:
            raise SnapshotError(problems)
        frame = raw.iloc[1:].apply(lambda column: column.str.strip())
        frame.columns = header
        frame = frame[(frame != "").any(axis=1)]  # rows left blank in the spreadsheet
        if frame.empty:
            raise SnapshotError([f"{name}: the file has a header but no data rows"])
        if problems := _oversized_cells(name, frame):
            raise SnapshotError(problems)
        return cls(name, header, frame, [])

    def rows(self):
        """(spreadsheet row number, {column: text}) for every non-blank data row."""
        assert self.frame is not None
        columns = list(self.frame.columns)
        for index, values in zip(self.frame.index, self.frame.itertuples(index=False, name=None)):
            yield int(index) + 1, dict(zip(columns, values))

    def at(self, row: int, column: str, what: str) -> str:
        return f"{self.name}: row {row}, column {column}: {what}"


def _read_text(path: Path, name: str) -> str:
    try:
        raw = read_user_file(
            path, MAX_FILE_BYTES, "snapshot file", hint=f" ({MAX_ROWS:,} rows) — split the file by team"
        )
    except UserFileError as exc:
        raise SnapshotError([f"{name}: {exc.reason}"]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = undecodable_at(raw, exc.start)
        raise SnapshotError(
            [
                f"{name}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at row {line}, "
                f"character {column}); save it as 'CSV UTF-8' from the spreadsheet"
            ]
        ) from None


def _oversized_cells(name: str, frame: pd.DataFrame) -> list[str]:
    """A message for each cell longer than :data:`MAX_CELL_CHARS` (the file is not checked further)."""
    problems = []
    for column in frame.columns:
        lengths = frame[column].str.len()
        for index, length in lengths[lengths > MAX_CELL_CHARS].items():
            problems.append(
                f"{name}: row {int(index) + 1}, column {column}: the value is {int(length):,} characters long "
                f"(allowed: at most {MAX_CELL_CHARS})"
            )
    return problems


def _parser_problem(exc: Exception) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found:
        expected, line, saw = found.groups()
        return (
            f"row {line}: {saw} values but the header has {expected} columns "
            "(a value containing a comma must be in double quotes)"
        )
    return f"not a readable CSV file ({excerpt(str(exc).strip().splitlines()[-1], 120, quoted=False)})"


def _header_problems(
    name: str, header: list[str], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[str]:
    problems: list[str] = []
    allowed = (*required, *optional)
    expected = ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")
    if not set(header) & set(allowed):  # not a snapshot file at all: quote none of its first line
        return [
            f"{name}: row 1: none of the expected columns; is this the right file? (expected columns: "
            f"{expected})"
        ]
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        label = _column_label(column, position)
        personal = personal_data_kind(column)
        if column in seen:
            problems.append(f"{name}: row 1, column {label}: the column appears twice")
        elif personal:
            problems.append(
                f"{name}: row 1, column {label}: looks like personal data ({personal}); snapshots hold "
                "pseudonymous ids only — delete this column before using the file"
            )
        elif column not in allowed:
            close = difflib.get_close_matches(column, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(
                f"{name}: row 1, column {label}: unknown column{hint} (allowed columns: {expected})"
            )
        seen.add(column)
    missing = [c for c in required if c not in seen]
    if missing:
        problems.append(
            f"{name}: row 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(expected columns: {expected})"
        )
    return problems


def _column_label(column: str, position: int) -> str:
    """A column as a message names it: its name if it looks like one, else its position only."""
    if not column:
        return f"#{position} (no name)"
    if not COLUMN_NAME.match(column):
        return f"#{position} (not a column name)"
    return column


def personal_data_kind(column: str) -> str | None:
    """What kind of personal data a column name suggests (None if it looks harmless)."""
    compact = re.sub(r"[^a-z0-9]", "", column.lower())
    for word, kind in PERSONAL_WORDS.items():
        if word in compact:
            return kind
    return None


# ------------------------------------------------------------------------------------- values


def _id(table: _Table, row: int, column: str, value: str, problems: list[str]) -> str:
    if not value:
        problems.append(table.at(row, column, "is empty (every row needs an id)"))
    elif not is_code(value):
        problems.append(
            table.at(row, column, f"{excerpt(value)} is not a valid id") + f" (allowed: {CODE_RULE})"
        )
    return value


def _fte(table: _Table, row: int, value: str, problems: list[str]) -> float:
    try:
        fte = float(value)
    except ValueError:
        what = "is empty" if not value else f"{excerpt(value)} is not a number"
        problems.append(table.at(row, "fte", what) + f" (allowed: a number > 0 and ≤ {MAX_FTE})")
        return math.nan
    if not (math.isfinite(fte) and 0 < fte <= MAX_FTE):
        problems.append(
            table.at(row, "fte", f"{excerpt(value, quoted=False)} is out of range")
            + f" (allowed: a number > 0 and ≤ {MAX_FTE})"
        )
    return fte


def _date(table: _Table, row: int, column: str, value: str, problems: list[str]) -> dt.date | None:
    parsed = parse_date(value)
    if parsed is None:
        what = "is empty" if not value else f"{excerpt(value)} is not a date"
        problems.append(table.at(row, column, what) + " (expected YYYY-MM-DD, e.g. 2026-04-01)")
    return parsed


def _worker_ref(
    table: _Table,
    row: int,
    column: str,
    value: str,
    known: Mapping[str, SnapshotWorker] | None,
    problems: list[str],
) -> str | None:
    if not value:
        return None
    if known is not None and value not in known:
        problems.append(
            table.at(row, column, f"unknown worker {excerpt(value)}")
            + " (allowed: an id from the workers file, or empty)"
        )
    return value


def _priority(table: _Table, row: int, value: str, problems: list[str]) -> int | None:
    if not value:
        return None
    try:
        priority = int(value)
    except ValueError:
        priority = None
    if priority not in PRIORITIES:
        problems.append(
            table.at(row, "priority", f"{excerpt(value)} is not a priority")
            + " (allowed: a whole number 1-5, 5 = most urgent, or empty for the case type's priority)"
        )
    return priority


def _flags(
    table: _Table,
    row: int,
    value: str,
    known: Mapping[str, SnapshotWorker] | None,
    problems: list[str],
) -> dict:
    sibling: str | None = None
    excluded: set[str] = set()
    skills: set[str] = set()
    experienced = must = False
    for flag in (f.strip() for f in value.split(";")):
        if not flag:
            continue
        key, _, arg = flag.partition(":")
        key, arg = key.strip().lower(), arg.strip()
        if key == "sibling" and arg:
            if not is_code(arg):
                problems.append(
                    table.at(row, "flags", f"sibling group {excerpt(arg)} is not a code")
                    + f" (allowed: {CODE_RULE})"
                )
            if sibling is not None and sibling != arg:
                problems.append(
                    table.at(row, "flags", f"two sibling groups ({excerpt(sibling)}, {excerpt(arg)})")
                    + " (allowed: one sibling:<group> per case)"
                )
            sibling = arg
        elif key == "exclude" and arg:
            if known is not None and arg not in known:
                problems.append(
                    table.at(row, "flags", f"exclude:{excerpt(arg, quoted=False)} names an unknown worker")
                    + " (allowed: an id from the workers file)"
                )
            excluded.add(arg)
        elif key == "skill" and arg:
            skills.add(arg.lower())
        elif key == "experienced" and not arg:
            experienced = True
        elif key == "must_allocate" and not arg:
            must = True
        else:
            problems.append(
                table.at(row, "flags", f"unknown flag {excerpt(flag)}")
                + f" (allowed: {', '.join(FLAG_FORMS)}, separated by ';')"
            )
    return {
        "sibling_group": sibling,
        "excluded_workers": frozenset(excluded),
        "extra_skills": frozenset(skills),
        "needs_experienced": experienced,
        "must_allocate": must,
    }


def _duplicates(table: _Table, problems: list[str]) -> None:
    assert table.frame is not None
    first: dict[str, int] = {}
    for index, value in table.frame["id"].items():
        row = int(index) + 1
        if not value:
            continue
        if value in first:
            problems.append(
                table.at(row, "id", f"duplicate id {excerpt(value)} (rows {first[value]} and {row})")
                + " (allowed: each id once)"
            )
        else:
            first[value] = row
