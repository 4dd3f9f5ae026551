"""Workforce dynamics (DESIGN §4): absence, annual leave, turnover, recruitment, ASYE cohorts, agency cover.

The establishment is a set of :class:`Post` objects per team. A post is held by a permanent worker or is
vacant; a vacant post is being recruited to and may be covered by an agency worker. Every worker draws
from streams named after their own id, so one worker's luck never depends on another's (DESIGN §9).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.distributions import DAYS_PER, sampler
from simulator.entities import DAYS_PER_WEEK, Worker
from simulator.scenario.base import MONTHS
from simulator.scenario.dynamics import AnnualLeave, AsyeCohort, Turnover, Workforce

if TYPE_CHECKING:
    from simulator.model import ServiceModel

DAYS_PER_YEAR = DAYS_PER["years"]
WORKING_DAYS_PER_YEAR = 52 * 5
FIRST_YEAR_DAYS = DAYS_PER_YEAR


@dataclass(eq=False)
class Post:
    """One establishment post of a team."""

    team: str
    role: str
    fte: float
    supervises: bool = False
    holder: Worker | None = None
    cover: Worker | None = None  # agency worker covering the vacancy
    recruiting: bool = False
    token: int = 0  # identifies the running recruitment; a cohort joiner filling the post bumps it
    cover_requested: bool = False
    hire_waiting: bool = False  # the new starter arrives when the holder under notice has left
    group: int | None = None  # index of the scenario's worker group the post was set up for


# ------------------------------------------------------------------------------ pure formulas


def weekly_hazard(annual_rate: float) -> float:
    """Hazard per day whose one-year survival is ``1 - annual_rate`` (constant hazard)."""
    if annual_rate >= 1.0:
        return math.inf
    return -math.log1p(-annual_rate) / DAYS_PER_YEAR


def mean_tenure_days(turnover: Turnover) -> float:
    """Mean days from starting to giving notice, with the first-year hazard multiplier."""
    h = weekly_hazard(turnover.annual_rate)
    if h == 0:
        return math.inf
    h1 = h * turnover.first_year_factor
    stay_first_year = math.exp(-h1 * FIRST_YEAR_DAYS)
    first = (1.0 - stay_first_year) / h1 if h1 > 0 else FIRST_YEAR_DAYS
    return first + stay_first_year / h


def steady_state_fill(workforce: Workforce, mean_lag_days: float) -> float:
    """Long-run share of posts with a permanent holder (renewal argument: tenure / (tenure + vacancy)).

    A post cycles through tenure ``T`` (to notice), notice ``N`` (still in post) and a vacancy of
    ``L`` (recruitment from leaving) or ``max(0, L - N)`` (recruitment from notice).
    """
    turnover = workforce.turnover
    if turnover is None or turnover.annual_rate == 0:
        return 1.0
    tenure = mean_tenure_days(turnover)
    notice = turnover.notice_weeks * DAYS_PER_WEEK
    if workforce.recruitment.starts_at == "leaving":
        vacant = mean_lag_days
    else:
        vacant = max(0.0, mean_lag_days - notice)
    return (tenure + notice) / (tenure + notice + vacant)


def leave_share_by_month(leave: AnnualLeave | None) -> dict[int, float]:
    """Share of working time on annual leave in each month (1-12), weighted by ``month_weights``."""
    if leave is None:
        return dict.fromkeys(range(1, 13), 0.0)
    weights = [leave.month_weights.get(m, 1.0) for m in MONTHS]
    total = sum(weights)
    yearly = leave.days_per_year / WORKING_DAYS_PER_YEAR
    if total == 0:
        return dict.fromkeys(range(1, 13), 0.0)
    return {i + 1: min(1.0, yearly * 12 * w / total) for i, w in enumerate(weights)}


def cohort_dates(cohort: AsyeCohort, end: dt.date) -> list[dt.date]:
    """The cohort's join date and, if it repeats, the same day in later years before ``end``."""
    dates, year = [], cohort.date.year
    while True:
        try:
            day = cohort.date.replace(year=year)
        except ValueError:  # 29 February in a common year
            day = dt.date(year, 2, 28)
        if day >= end:
            return dates
        dates.append(day)
        if not cohort.repeat_yearly:
            return dates
        year += 1


# ------------------------------------------------------------------------------ the dynamics


class WorkforceDynamics:
    """Runs the workforce events of one replication inside a :class:`ServiceModel`."""

    def __init__(self, model: ServiceModel, params: Workforce):
        self.model = model
        self.params = params
        self.env = model.env
        scenario = model.scenario
        self.leave = leave_share_by_month(params.annual_leave)
        self.static_absence = 0.0 if params.sickness is not None else scenario.capacity.absence_share
        self.lag = sampler(params.recruitment.lag)
        self.agency_lead = sampler(params.agency.lead_time)
        self.long_spell = sampler(params.long_term_absence.duration) if params.long_term_absence else None
        self.posts: dict[str, list[Post]] = {name: [] for name in model.teams}
        self.leavers: dict[str, int] = {}
        self.starters: dict[str, int] = {}

    # ------------------------------------------------------------------------------- start

    def start(self) -> None:
        for worker in list(self.model.workers):
            post = Post(worker.team, worker.role, worker.fte, worker.supervises, group=worker.group)
            self.posts[worker.team].append(post)
            if worker.day_rate:  # an agency worker in the starting team covers a vacant post
                post.cover = worker
                self._start_recruitment(post)
            else:
                post.holder = worker
            worker.post = post
            self.begin(worker)
        scenario = self.model.scenario
        for group in scenario.team.workers:
            if group.vacant:
                for _ in range(group.count):
                    self._open_vacancy(Post(group.team, group.role, group.fte, group.supervises))
        for index, group in enumerate(scenario.team.workers):
            if group.resign_at_week is not None:
                self.model.at(group.resign_at_week * DAYS_PER_WEEK, self._group_resigns, index)
        for i, outbreak in enumerate(self.params.sickness.outbreaks if self.params.sickness else ()):
            self.model.at(outbreak.start_week * DAYS_PER_WEEK, self._outbreak, i, outbreak)
        for cohort in self.params.asye_cohorts:
            for day in cohort_dates(cohort, scenario.horizon_end):
                delay = (day - scenario.meta.start).days
                self.model.at(delay, self._cohort_joins, cohort)

    def _open_vacancy(self, post: Post) -> None:
        """A post that starts vacant: recruitment and (perhaps) agency cover begin today."""
        self.posts[post.team].append(post)
        self._start_recruitment(post)
        self._request_cover(post)

    def begin(self, worker: Worker) -> None:
        """Start a worker's absence and resignation clocks."""
        if self.params.sickness is not None:
            self._next_sickness(worker)
        if self.long_spell is not None and self.params.long_term_absence.spells_per_fte_year > 0:
            self._next_long_spell(worker)
        self._plan_resignation(worker)

    def expected_absence(self, now: float) -> float:
        """Share of a present worker's week away: annual leave of the month, plus static sickness if on."""
        return self.static_absence + self.leave[self.model.month(now)]

    # ------------------------------------------------------------------------------ absence

    def _next_sickness(self, worker: Worker) -> None:
        sick = self.params.sickness
        if sick.share == 0:
            return
        spell = sick.mean_spell_working_days * DAYS_PER["working_days"]
        between = spell * (1.0 - sick.share) / sick.share  # alternating renewal: share = spell / cycle
        if not math.isfinite(between):  # a share so small that no spell ever starts
            return
        stream = self.model.streams[f"sickness:{worker.id}"]
        gap, length = stream.exponential(between), stream.exponential(spell)  # two draws: aligned
        self.model.at(gap, self._sick, worker, length)

    def _sick(self, worker: Worker, length: float) -> None:
        if worker.departed:
            return
        self._absence_starts(worker)
        self.model.at(length, self._spell_ends, worker, self._next_sickness)

    def _spell_ends(self, worker: Worker, then: Callable[[Worker], None] | None = None) -> None:
        """An absence spell is over: the worker is back (and their next spell is planned, if any)."""
        if worker.departed:
            return
        self._absence_ends(worker)
        if then is not None:
            then(worker)

    def _group_resigns(self, index: int) -> None:
        """A wave of leavers: whoever holds one of the group's posts today gives notice (a starter who
        replaced an earlier leaver included), so the wave empties the posts however long the run."""
        holders = [w for w in self.model.workers if w.post is not None and w.post.group == index]
        for worker in [w for w in holders if w.post.holder is w and not w.on_notice]:
            self._give_notice(worker)

    def _outbreak(self, index: int, outbreak) -> None:
        """Each worker falls sick with probability ``share_affected`` (one stream per outbreak, by id)."""
        stream = self.model.streams[f"outbreak:{index}"]
        mean = outbreak.mean_working_days * DAYS_PER["working_days"]
        for worker in sorted(self.model.workers, key=lambda w: w.id):
            affected, length = stream.random() < outbreak.share_affected, stream.exponential(mean)  # aligned
            if affected:
                self._absence_starts(worker)
                self.model.at(length, self._spell_ends, worker)

    def _next_long_spell(self, worker: Worker) -> None:
        rate = self.params.long_term_absence.spells_per_fte_year * worker.fte / DAYS_PER_YEAR
        if rate <= 0.0 or not math.isfinite(1.0 / rate):  # too rare to ever happen (or underflowed)
            return
        stream = self.model.streams[f"long_absence:{worker.id}"]
        gap = stream.exponential(1.0 / rate)
        length = self.long_spell(stream)
        self.model.at(gap, self._long_spell_starts, worker, length)

    def _long_spell_starts(self, worker: Worker, length: float) -> None:
        if worker.departed:
            return
        self._absence_starts(worker)
        after = self.params.reallocate_after_absent_weeks * DAYS_PER_WEEK
        if after < length:
            self.model.at(after, self._reallocate_if_away, worker, self.env.now)
        self.model.at(length, self._spell_ends, worker, self._next_long_spell)

    def _reallocate_if_away(self, worker: Worker, since: float) -> None:
        """After the covering period, a still-absent worker's cases go back to the pool."""
        if not worker.departed and worker.absent and worker.absent_since <= since:
            self.model.return_cases(worker)

    def _absence_starts(self, worker: Worker) -> None:
        worker.absent += 1
        if worker.absent == 1:
            worker.absent_since = self.env.now
            self.model.teams[worker.team].absent_fte_days.change(self.env.now, worker.fte)
            self.model.recapacity(worker)

    def _absence_ends(self, worker: Worker) -> None:
        worker.absent -= 1
        if worker.absent == 0:
            self.model.teams[worker.team].absent_fte_days.change(self.env.now, -worker.fte)
            self.model.recapacity(worker)

    # ------------------------------------------------------------------------------ turnover

    def _plan_resignation(self, worker: Worker) -> None:
        """Draw when the worker gives notice: piecewise-constant hazard, higher in the first year."""
        if worker.day_rate:
            rate, factor = self.params.agency.annual_leaving_rate, 1.0
        elif self.params.turnover is not None:
            rate, factor = self.params.turnover.annual_rate, self.params.turnover.first_year_factor
        else:
            return
        h = weekly_hazard(rate)
        if h == 0:
            return
        stream = self.model.streams[f"turnover:{worker.id}"]
        e1, e2 = stream.exponential(1.0), stream.exponential(1.0)  # two draws: aligned
        now = self.env.now
        first_year_left = max(0.0, worker.start_day + FIRST_YEAR_DAYS - now)
        h1 = h * factor
        in_first_year = h1 > 0 and e1 / h1 < first_year_left
        delay = e1 / h1 if in_first_year else first_year_left + e2 / h
        if now + delay < self.model.horizon_day:
            self.model.at(delay, self._give_notice, worker)

    def _give_notice(self, worker: Worker) -> None:
        if worker.departed:
            return
        worker.on_notice = True
        self.model.teams[worker.team].on_notice += 1
        notice = self.params.agency.notice_weeks if worker.day_rate else self.params.turnover.notice_weeks
        post = worker.post
        if post is not None and post.holder is worker and self.params.recruitment.starts_at == "notice":
            self._start_recruitment(post)
        self.model.at(notice * DAYS_PER_WEEK, self._leave, worker)

    def _leave(self, worker: Worker) -> None:
        if worker.departed:
            return
        team = worker.team
        self.leavers[team] = self.leavers.get(team, 0) + 1
        self.model.depart(worker)
        post = worker.post
        if post is None:  # a temporary worker (contingency agency or borrowed)
            return
        if post.cover is worker:
            post.cover = None
            post.cover_requested = False
            if post.holder is None:
                self._request_cover(post, always=True)
            return
        post.holder = None
        if post.hire_waiting:
            post.hire_waiting = False
            self._fill(post, self._new_worker(post))
            return
        if not post.recruiting:
            self._start_recruitment(post)
        self._request_cover(post)

    # ---------------------------------------------------------------------------- recruitment

    def _start_recruitment(self, post: Post) -> None:
        post.recruiting = True
        post.token += 1
        stream = self.model.streams[f"recruitment:{post.team}"]
        self.model.at(self.lag(stream), self._recruited, post, post.token)

    def _recruited(self, post: Post, token: int) -> None:
        if post.token != token or not post.recruiting:
            return
        post.recruiting = False
        if post.holder is not None:  # recruited from notice: starts when the holder has left
            post.hire_waiting = True
            return
        self._fill(post, self._new_worker(post))

    def _fill(self, post: Post, worker: Worker) -> None:
        """A permanent starter takes the post; an agency cover hands their cases over and leaves."""
        post.holder = worker
        worker.post = post
        self.starters[post.team] = self.starters.get(post.team, 0) + 1
        self.model.join(worker)
        self.begin(worker)
        cover = post.cover
        if cover is not None:
            post.cover = None
            self.model.hand_over(cover, worker)
            self.model.depart(cover)

    def _new_worker(self, post: Post) -> Worker:
        """A permanent starter for the post: same role, except an ASYE post is filled by a social worker."""
        role = "social_worker" if post.role == "asye" else post.role
        return self.model.new_worker(post.team, role, post.fte, supervises=post.supervises)

    # --------------------------------------------------------------------------------- agency

    def _request_cover(self, post: Post, always: bool = False) -> None:
        agency = self.params.agency
        stream = self.model.streams[f"agency:{post.team}"]
        wanted, lead = stream.random() < agency.cover_vacancies, self.agency_lead(stream)  # aligned draws
        if post.cover_requested or not (always or wanted) or post.role == "team_manager":
            return
        post.cover_requested = True
        self.model.at(lead, self._cover_arrives, post)

    def _cover_arrives(self, post: Post) -> None:
        post.cover_requested = False
        if post.holder is not None or post.cover is not None:
            return
        worker = self.model.new_worker(post.team, "agency", post.fte, day_rate=self.params.agency.day_rate)
        worker.post = post
        post.cover = worker
        self.model.join(worker)
        self.begin(worker)

    # -------------------------------------------------------------------------------- cohorts

    def _cohort_joins(self, cohort: AsyeCohort) -> None:
        teams = cohort.teams or list(self.model.teams)
        for team in teams:
            for _ in range(cohort.count):
                post = self._post_for_joiner(team, cohort)
                if post is None:
                    break
                post.recruiting = post.hire_waiting = False  # a joiner ends the recruitment to this post
                self._fill(post, self.model.new_worker(team, "asye", cohort.fte))

    def _post_for_joiner(self, team: str, cohort: AsyeCohort) -> Post | None:
        """A vacant case-holding post, or a new one, as the cohort's ``joins`` rule says."""
        if cohort.joins != "extra_posts":
            for post in self.posts[team]:
                if post.holder is None and post.role != "team_manager":
                    return post
            if cohort.joins == "vacancies_only":
                return None
        post = Post(team, "social_worker", cohort.fte)
        self.posts[team].append(post)
        return post

    # -------------------------------------------------------------------------------- weekly

    def columns(self, team: str) -> dict[str, float]:
        """This week's workforce columns of a team (establishment, vacancies, agency, absence)."""
        posts = self.posts[team]
        establishment = sum(p.fte for p in posts)
        vacant = sum(p.fte for p in posts if p.holder is None)
        agency = sum(p.cover.fte for p in posts if p.cover is not None)
        in_post = establishment - vacant
        return {
            "establishment_fte": establishment,
            "vacancies_fte": vacant,
            "vacancy_rate": vacant / establishment if establishment else 0.0,
            "cover_agency_fte": agency,
            "leavers": self.leavers.pop(team, 0),
            "starters": self.starters.pop(team, 0),
            "in_post_fte": in_post,
        }
