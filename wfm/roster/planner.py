"""``schedule``: the public roster call, the engine with its infeasibility explanation on top.

:func:`schedule` is :func:`wfm.roster.engine.solve` wrapped by
:func:`wfm.roster.infeasible.explained`: "no legal week/roster" errors end with ``Diagnosis:``,
the rules that conflict and what to relax. The engine does not import the explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .engine import solve
from .infeasible import explained
from .result import RosterResult
from .rules import Rules
from .settings import SolverSettings

__all__ = ["schedule"]


@explained  # "no legal week/roster" errors say which rules conflict and what to relax
def schedule(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    rules: Rules,
    *,
    time_limit_sec: float = 60,
    seed: int = 0,
    num_workers: int = 2,
    progress: Callable[[str], None] | None = None,
    solver: SolverSettings | None = None,
    missing_intervals: str = "error",
    targets: object = None,
    queues: Any = None,
) -> RosterResult:
    """Build a legal named roster covering the requirement as closely as possible.

    Three stages (docs/roster.md): an aggregate CP-SAT covering model over tour counts
    (its optimum is the lower bound reported), a min-cost-flow assignment of named agents
    to the planned tours, and exact one-agent-week re-planning moves that repair what
    agents' own constraints stop from following the plan and polish the result. When shift
    templates have breaks, the aggregate model counts them (so the bound is net of breaks) and
    a fourth stage places every break (:mod:`wfm.roster.breaks`); coverage and every summary
    figure are then net of breaks.

    Parameters
    ----------
    requirements
        ``interval_start, agents_scheduled`` on a 5-60 minute grid, one or more days (weeks are
        7-day blocks from the first day). A ``queue`` column is pooled: agents are summed per interval.
    agents
        The agents frame (columns in :mod:`wfm.roster.agents`).
    rules
        Labour rules, contracts and weights (:func:`wfm.roster.load_rules`).
    time_limit_sec
        Wall-clock budget for the whole call, model building and the LP included.
    seed
        CP-SAT random seed and the order of repair moves.
    num_workers
        CP-SAT workers (>= 2 enables its LNS helpers). Results are reproducible for a fixed
        ``num_workers`` and ``seed`` unless the wall-clock limit cuts a stage short.
    progress
        Called with one-line progress messages.
    solver
        Solver tuning (:class:`~wfm.roster.settings.SolverSettings`); default ``rules.solver``
        (the rules file's ``[solver]`` table).
    missing_intervals
        An interval of a planned day with no requirement row: ``"error"`` (default, naming the
        first missing interval) or ``"closed"`` (the centre is closed then: 0 agents).
        Duplicated ``(queue, interval_start)`` rows are always an error.

    Returns
    -------
    RosterResult
        Roster (with ``paid_hours``), breaks (``paid`` flag; empty without break rules), coverage
        net of breaks, the planner's summary (:class:`~wfm.roster.result.RosterSummary`) and the
        stages' diagnostics. Under-staffing is a result, not an error.

    Raises
    ------
    InvalidInputError, ConfigError
        Bad frames; contradictory rules for an agent (naming the agent and rule).
    InfeasibleRosterError
        When no legal roster exists at all (e.g. seats cannot hold the agents' minimum hours).
        "No legal week/roster" messages end with ``Diagnosis:``, the rules that conflict and what
        to relax (:mod:`wfm.roster.diagnose`).

    Examples
    --------
    >>> result = schedule(requirements, agents, load_rules("examples/rules.toml"),
    ...                   time_limit_sec=60)  # doctest: +SKIP
    >>> result.summary.gap  # doctest: +SKIP
    0.004
    """
    return solve(
        requirements,
        agents,
        rules,
        time_limit_sec=time_limit_sec,
        seed=seed,
        num_workers=num_workers,
        progress=progress,
        solver=solver,
        missing_intervals=missing_intervals,
        targets=targets,
        queues=queues,
    )
