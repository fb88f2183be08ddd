"""Diagnosis: why a roster is short, or why no roster exists, in planners' words.

Two tools, in two modules (both above the engine, which imports neither):

1. **Shortfall** what-ifs on the aggregate LP: :mod:`wfm.roster.shortfall`
   (:func:`diagnose_shortfall` -> :class:`Diagnosis`);
2. **Infeasibility** cores by CP-SAT assumptions: :mod:`wfm.roster.infeasible`
   (:func:`explain_agent_week`, :func:`explain_infeasible`, and :func:`explained`, which gives
   :func:`wfm.roster.schedule` its ``Diagnosis:`` messages).

This module re-exports both for callers of the earlier single module.
"""

from __future__ import annotations

from .infeasible import AgentWeekExplanation, explain_agent_week, explain_infeasible, explained
from .shortfall import CHECK_COLUMNS, PERIOD_COLUMNS, RELAXATIONS, Diagnosis, diagnose_shortfall

__all__ = [
    "Diagnosis",
    "AgentWeekExplanation",
    "diagnose_shortfall",
    "explain_agent_week",
    "explain_infeasible",
    "explained",
    "PERIOD_COLUMNS",
    "CHECK_COLUMNS",
    "RELAXATIONS",
]
