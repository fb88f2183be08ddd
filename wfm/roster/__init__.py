"""Rostering: named agents' weekly 24x7 rosters under labour rules, with CP-SAT.

Public API: :func:`load_rules`, :class:`Rules`, :func:`schedule` -> :class:`RosterResult`,
(:attr:`RosterResult.summary` a typed :class:`RosterSummary`), :func:`validate` (an independent re-check of every hard rule), :func:`diagnose_shortfall` and
:func:`explain_agent_week` (why a roster is short or impossible); soft wishes priced by
:class:`PreferenceWeights`, fairness over the horizon by :class:`FairnessSettings`. Design: docs/roster.md.
"""

from __future__ import annotations

from .agents import AGENT_COLUMNS, Agent, parse_agents
from .diagnose import Diagnosis, diagnose_shortfall, explain_agent_week, explain_infeasible
from .planner import schedule
from .preferences import PREFERENCE_COLUMNS
from .history import fill_history, history_from_roster
from .result import BREAK_COLUMNS, COVERAGE_COLUMNS, ROSTER_COLUMNS, RosterResult, RosterSummary
from .validate import VIOLATION_COLUMNS, validate
from .rules import BreakRule, Contract, ObjectiveWeights, Rules, ShiftTemplate, UnderSegment, load_rules
from .settings import FAIRNESS_METRICS, FairnessSettings, PreferenceWeights, SolverSettings

__all__ = [
    "load_rules",
    "Rules",
    "Contract",
    "BreakRule",
    "ShiftTemplate",
    "ObjectiveWeights",
    "UnderSegment",
    "SolverSettings",
    "PreferenceWeights",
    "FairnessSettings",
    "PREFERENCE_COLUMNS",
    "FAIRNESS_METRICS",
    "schedule",
    "RosterResult",
    "RosterSummary",
    "parse_agents",
    "Agent",
    "AGENT_COLUMNS",
    "ROSTER_COLUMNS",
    "BREAK_COLUMNS",
    "COVERAGE_COLUMNS",
    "validate",
    "VIOLATION_COLUMNS",
    "history_from_roster",
    "fill_history",
    "diagnose_shortfall",
    "Diagnosis",
    "explain_agent_week",
    "explain_infeasible",
]
