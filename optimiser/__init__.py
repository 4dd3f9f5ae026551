"""Case allocation on plain data: the policy interface, eligibility rules and allocation policies.

Pure Python: it imports neither simpy nor streamlit, so a team manager can use it on two CSVs.
"""

from optimiser.gap import GapResult, solve_gap
from optimiser.heuristics import POLICY_NAMES, LeastLoaded, PointsThreshold, RoundRobin, make_policy
from optimiser.policy import Decision, Policy, Snapshot, WaitingCase, WorkerSlot, WorkerView

__all__ = [
    "Decision",
    "GapResult",
    "LeastLoaded",
    "POLICY_NAMES",
    "PointsThreshold",
    "Policy",
    "RoundRobin",
    "Snapshot",
    "WaitingCase",
    "WorkerSlot",
    "WorkerView",
    "make_policy",
    "solve_gap",
]
