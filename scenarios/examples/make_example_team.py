"""Generate the example team snapshot: ``team_workers.csv`` and ``team_cases.csv`` in this directory.

A pseudonymous children's team on Monday 2026-11-02 (the ``--date`` to use with the files):

- W01-W08 social workers (W06 on 0.8 FTE), W09 an ASYE who started 4 months before the date,
  W10 an ASYE who started 8 months before, W11 the team manager (holds no cases);
  skills: W02 court, W05 court + disability, W07 disability.
- About 110 held cases (C0001...) of the case types of ``scenarios/baseline.yaml`` (assessment, s47,
  cin, cp, cla, court). Each worker is filled to a load ratio drawn between 80% and 98% of their case
  capacity; the ASYEs hold no s47, CP or court case (they may not hold those alone).
- 14 waiting cases at the end of the file, written by hand: a CP case, a court case needing the court
  skill (``skill:court``), a sibling pair (``sibling:G01``), a re-referral with its previous worker,
  an s47 enquiry, a conflict of interest (``exclude:W03``) and routine assessments and CIN cases.

Case capacities below repeat the baseline scenario's capacity section so the generator needs nothing
from the package. Deterministic: numpy ``default_rng(SEED)``; running it again rewrites identical files.

Usage (from the repository root)::

    python scenarios/examples/make_example_team.py            # writes beside this script
    python scenarios/examples/make_example_team.py OUT_DIR    # writes into OUT_DIR
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261102
AS_OF = dt.date(2026, 11, 2)
TEAM = "north"

# id, role, fte, start date, skills
WORKERS = [
    ("W01", "social_worker", 1.0, "2017-09-04", ""),
    ("W02", "social_worker", 1.0, "2015-01-12", "court"),
    ("W03", "social_worker", 1.0, "2021-10-04", ""),
    ("W04", "social_worker", 1.0, "2019-05-20", ""),
    ("W05", "social_worker", 1.0, "2012-03-05", "court;disability"),
    ("W06", "social_worker", 0.8, "2020-02-17", ""),
    ("W07", "social_worker", 1.0, "2023-09-11", "disability"),
    ("W08", "social_worker", 1.0, "2024-09-02", ""),
    ("W09", "asye", 1.0, "2026-07-02", ""),  # 4 months before AS_OF
    ("W10", "asye", 1.0, "2026-03-02", ""),  # 8 months before AS_OF
    ("W11", "team_manager", 1.0, "2014-06-02", ""),
]

# baseline case capacity, hours/week: 37 h × fte × (1 − 3.5%) − supervision − CPD − non-case (− ASYE time) × cap
CAPACITY = {"social_worker": 28.88, "asye": 22.3}
CAPACITY_W06 = 23.04

# type: (share of held cases, weight hours, weight in the first weeks, those weeks, age range in weeks)
TYPES = {
    "assessment": (0.14, 2.0, 2.0, 0, (0, 9)),
    "s47": (0.05, 2.6, 2.6, 0, (0, 3)),
    "cin": (0.30, 1.5, 1.5, 0, (1, 60)),
    "cp": (0.20, 2.6, 3.2, 6, (1, 70)),
    "cla": (0.24, 1.9, 2.6, 12, (4, 200)),
    "court": (0.07, 3.7, 3.7, 0, (2, 45)),
}
ASYE_NOT_ALONE = {"s47", "cp", "court"}

# id suffix, type, opened, priority, flags, previous worker
WAITING = [
    ("cp", "2026-10-30", "", "", ""),
    ("court", "2026-10-28", "", "skill:court", ""),
    ("cin", "2026-10-21", "", "sibling:G01", ""),
    ("cin", "2026-10-21", "", "sibling:G01", ""),
    ("assessment", "2026-10-29", "", "", "W04"),  # re-referral: W04 held the child's last episode
    ("s47", "2026-11-02", "", "", ""),
    ("assessment", "2026-10-26", "", "", ""),
    ("assessment", "2026-10-27", "", "exclude:W03", ""),  # W03 knows the family
    ("assessment", "2026-10-30", "", "", ""),
    ("cin", "2026-10-14", "3", "", ""),
    ("cla", "2026-10-31", "", "", ""),
    ("assessment", "2026-10-30", "", "", ""),
    ("cin", "2026-10-19", "", "", ""),
    ("cin", "2026-10-23", "", "skill:disability", ""),
]


def held_cases(rng: np.random.Generator) -> list[dict]:
    """Fill each case-holding worker to a random load ratio with cases of random type and age."""
    names = list(TYPES)
    shares = np.array([TYPES[n][0] for n in names])
    rows: list[dict] = []
    for wid, role, _fte, _start, skills in WORKERS:
        if role == "team_manager":
            continue
        capacity = CAPACITY_W06 if wid == "W06" else CAPACITY[role]
        target = capacity * rng.uniform(0.80, 0.98)
        allowed = np.array([not (role == "asye" and n in ASYE_NOT_ALONE) for n in names])
        p = shares * allowed
        if "court" not in skills:
            p[names.index("court")] *= 0.3  # court work sits mostly with the court-skilled workers
        p /= p.sum()
        load = 0.0
        while True:
            kind = names[rng.choice(len(names), p=p)]
            _share, weight, early, early_weeks, (low, high) = TYPES[kind]
            age_weeks = rng.uniform(low, high)
            hours = early if age_weeks < early_weeks else weight
            if load + hours > target:
                break
            load += hours
            opened = AS_OF - dt.timedelta(days=int(age_weeks * 7))
            rows.append({"type": kind, "opened": opened.isoformat(), "worker_id": wid})
    order = rng.permutation(len(rows))  # a case list is not sorted by worker
    return [rows[i] for i in order]


def main(out_dir: Path) -> None:
    rng = np.random.default_rng(SEED)
    workers = pd.DataFrame(WORKERS, columns=["id", "role", "fte", "start_date", "skills"])
    workers["team"] = TEAM
    held = held_cases(rng)
    cases = pd.DataFrame(
        [{**row, "priority": "", "flags": "", "previous_worker_id": ""} for row in held]
        + [
            {"type": t, "opened": o, "worker_id": "", "priority": p, "flags": f, "previous_worker_id": w}
            for t, o, p, f, w in WAITING
        ]
    )
    cases.insert(0, "id", [f"C{i:04d}" for i in range(1, len(cases) + 1)])
    out_dir.mkdir(parents=True, exist_ok=True)
    workers.to_csv(out_dir / "team_workers.csv", index=False, lineterminator="\n")
    cases.to_csv(out_dir / "team_cases.csv", index=False, lineterminator="\n")
    print(f"{len(workers)} workers, {len(held)} held and {len(WAITING)} waiting cases → {out_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
