"""Supervision schedules and compliance, and CPD / ASYE protected time taken or lost."""

from __future__ import annotations

import pytest

from simulator.entities import TeamState, Worker
from simulator.run import run_replication
from simulator.supervision import SupervisionBook, protected_time_columns
from tests.support import static_variant, variant


def make_worker(wid: str, role: str = "social_worker", start_day: float = -2000.0, **kw) -> Worker:
    return Worker(
        id=wid, team="t", role=role, fte=1.0, start_day=start_day, skills=frozenset(),
        case_holding=role != "team_manager", supervises=role == "team_manager", **kw,
    )  # fmt: skip


def team_of(scenario, *workers: Worker) -> TeamState:
    for w in workers:
        w.refresh_capacity(0.0, scenario)
    return TeamState("t", list(workers))


def weeks_of_sessions(book: SupervisionBook, team: TeamState, worker: Worker, weeks: int) -> list[int]:
    """Run ``weeks`` weekly rounds; return the weeks in which ``worker`` had a session."""
    held_weeks = []
    for week in range(weeks):
        before = book.pending[worker].due_day
        book.run_week(team, week * 7.0)
        if book.pending[worker].due_day != before:
            held_weeks.append(week)
        book.columns("t")
    return held_weeks


def test_asye_cadence_steps_down_at_six_weeks_and_six_months_then_ends_with_the_year():
    scenario = static_variant()
    asye, manager = make_worker("A", role="asye", start_day=0.0), make_worker("M", role="team_manager")
    team = team_of(scenario, asye, manager)
    book = SupervisionBook(scenario)
    book.enrol(asye, 0.0)
    held = weeks_of_sessions(book, team, asye, 60)
    gaps = [b - a for a, b in zip(held, held[1:])]
    assert held[0] == 1 and all(g == 1 for g in gaps[:5])  # weekly for six weeks
    first_fortnightly = held.index(6)
    assert set(gaps[first_fortnightly : first_fortnightly + 9]) == {2}  # fortnightly to month 6
    assert all(4 <= g <= 5 for g in gaps[-6:])  # monthly afterwards, as everyone
    in_year = sum(week < 52 for week in held)  # sessions while an ASYE outnumber those after
    assert in_year > len(held) - in_year


def test_with_ample_supervisor_time_nothing_is_missed_or_late():
    scenario = static_variant()
    workers = [make_worker(f"W{i}") for i in range(8)]
    team = team_of(scenario, *workers, make_worker("M", role="team_manager"))
    book = SupervisionBook(scenario)
    for i, w in enumerate(workers):
        book.enrol(w, 0.0, offset=3.0 * i)
    totals = {"due": 0, "held": 0, "late": 0, "missed": 0}
    for week in range(52):
        book.run_week(team, week * 7.0)
        columns = book.columns("t")
        for key in totals:
            totals[key] += columns[f"supervision_{key}"]
    assert totals["held"] == totals["due"] > 80 and totals["missed"] == totals["late"] == 0


def test_sessions_are_missed_only_when_the_supervisors_hours_run_out():
    scenario = static_variant(supervision={"supervisor_share": 0.05})  # 1.8 h a week: one session
    workers = [make_worker(f"W{i}") for i in range(10)]
    team = team_of(scenario, *workers, make_worker("M", role="team_manager"))
    book = SupervisionBook(scenario)
    for w in workers:
        book.enrol(w, 0.0, offset=1.0)  # all due in the same week
    missed_capacity = missed_away = 0
    for week in range(26):
        book.run_week(team, week * 7.0)
        columns = book.columns("t")
        assert columns["supervisor_hours_used"] <= columns["supervisor_hours_available"] + 1e-9
        if columns["supervision_missed"]:
            # the week's hours were gone: not even one more session fitted
            spare = columns["supervisor_hours_available"] - columns["supervisor_hours_used"]
            assert spare < scenario.supervision.session_hours
        missed_capacity += columns["supervision_missed_supervisor_capacity"]
        missed_away += columns["supervision_missed_supervisee_away"]
    assert missed_capacity > 20 and missed_away == 0


def test_an_absent_supervisee_is_not_counted_as_a_capacity_miss():
    scenario = static_variant()
    away, manager = make_worker("W", absent=1), make_worker("M", role="team_manager")
    team = team_of(scenario, away, manager)
    book = SupervisionBook(scenario)
    book.enrol(away, 0.0, offset=1.0)
    columns = [(book.run_week(team, week * 7.0), book.columns("t"))[1] for week in range(4)]
    assert sum(c["supervision_missed_supervisee_away"] for c in columns) == 1
    assert sum(c["supervision_missed_supervisor_capacity"] for c in columns) == 0


def test_cpd_is_lost_to_a_pause_or_to_overload_and_asye_time_after_cpd():
    scenario = static_variant()
    sw, asye = make_worker("S"), make_worker("A", role="asye", start_day=0.0)
    team = team_of(scenario, sw, asye)
    cpd = scenario.cpd.share * 37
    assert protected_time_columns(team, scenario.cpd.share)["cpd_taken_share"] == pytest.approx(1.0)
    asye.load = asye.case_capacity + cpd + 1.0  # the overrun eats all CPD, then one protected hour
    columns = protected_time_columns(team, scenario.cpd.share)
    assert columns["cpd_lost_to_overload_hours"] == pytest.approx(cpd)
    assert columns["asye_protected_hours"] - columns["asye_protected_kept_hours"] == pytest.approx(1.0)
    team.cpd_paused = True
    for w in team.workers:
        w.refresh_capacity(0.0, scenario, cpd_paused=True)
    team.capacity_changed = True  # as the model marks a team whose capacities it refreshed
    assert protected_time_columns(team, scenario.cpd.share)["cpd_lost_to_pause_hours"] == pytest.approx(
        2 * cpd
    )


def test_baseline_reports_supervision_compliance_per_team_and_per_worker():
    result = run_replication(variant(meta={"horizon_weeks": 60, "warmup_weeks": 0}), 0)
    weekly, workers = result.weekly, result.workers
    assert weekly.supervision_due.sum() >= 12 * 60 / 4.4  # everyone at least monthly
    # each session is due once and then held or missed once (some are still pending at the end)
    resolved = (weekly.supervision_held + weekly.supervision_missed).cumsum()
    assert (resolved <= weekly.supervision_due.cumsum()).all()
    assert weekly.supervision_held.sum() > 0.8 * weekly.supervision_due.sum()
    per_worker = workers.groupby("week")[["supervision_due", "supervision_held", "cpd_taken_hours"]].sum()
    team = weekly.set_index("week")
    steady = team.leavers == 0  # a leaver has no row in the week they leave; the team counts them
    assert steady.sum() > 40
    per_worker, team = per_worker[steady], team[steady]
    assert (per_worker.supervision_due == team.supervision_due).all()
    assert (per_worker.supervision_held == team.supervision_held).all()
    assert per_worker.cpd_taken_hours.to_numpy() == pytest.approx(team.cpd_taken_hours.to_numpy())
