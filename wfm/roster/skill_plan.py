"""Skills in the roster's terms: each agent's skill group and each queue's requirement on the grid.

The aggregate model (:mod:`wfm.roster.aggregate`) plans tours per (contract terms, skill group)
class and covers every queue's requirement with heads of the groups that hold it
(docs/roster.md, "Skills"). This module lays the inputs on the roster's grid once, so the model
and the final per-queue coverage (:func:`wfm.cover.allocate` on the roster) read the same
figures:

- ``required[t, q]``: whole heads on shift per interval and queue. An interval queue's
  ``agents_scheduled`` is rounded up per queue, as the pooled requirement is rounded up per
  interval. A deferrable queue (its targets have ``deadline_sec``) gives its work per interval
  in agent-intervals (``agents_scheduled * erlangs / agents``, :func:`wfm.cover.requirement_matrix`),
  made whole by rounding the *cumulative* work up (so the total is kept within one
  agent-interval and no work is ever planned before it arrives);
- ``deadline_steps[q]``: ``None`` or the deadline in intervals;
- ``group_of[a]``: the *planning* skill group of each agent (position in the agents frame):
  agents sharing their skills (queues and levels) **in the queues with work in the horizon**
  (a requirement > 0 in some interval). A skill in a queue this horizon gives no work to cannot
  change any roster's cover, so it does not split classes (a 16-agent centre with work for VIP
  only has two groups, VIP holders and the others, instead of the agents file's eleven). Groups
  are numbered as :func:`wfm.skills.parse_skills` numbers them (fewest skills first, then by
  name) and named by the skills that matter (:func:`wfm.skills.group_name`; agents holding none
  of the planned queues: ``NO_PLANNED_QUEUE``). The simulation still routes with every agent's
  full skill set (:mod:`wfm.simulate` parses the agents frame itself).

The model is *skill-aware* only when the agents fall into two or more skill groups; with one
group (no ``skills`` column, or every agent holding every queue) it is exactly the pooled model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..cover import deadline_steps_for, requirement_matrix
from ..exceptions import InvalidInputError
from ..skills import SkillMatrix, group_name, parse_skills

__all__ = ["NO_PLANNED_QUEUE", "SkillPlan", "build_skill_plan"]

#: the planning group name of agents holding none of the queues with work in the horizon
NO_PLANNED_QUEUE = "(no planned queue)"


@dataclass(frozen=True)
class SkillPlan:
    """The skill inputs on the roster's grid (see the module doc)."""

    matrix: SkillMatrix
    required: np.ndarray  # (T, Q) int64 whole heads (deferrable: whole agent-intervals of work)
    deadline_steps: tuple[int | None, ...]
    group_of: np.ndarray  # (agents,) planning skill group per agent, in the agents frame's order
    holds: np.ndarray  # (G, Q) bool
    names: tuple[str, ...]  # (G,) planning group names (the skills in queues with work)

    @property
    def queues(self) -> tuple[str, ...]:
        return self.matrix.queues

    @property
    def n_groups(self) -> int:
        return len(self.names)

    @property
    def aware(self) -> bool:
        """Whether the aggregate model plans skill groups (two or more groups)."""
        return self.n_groups > 1

    @property
    def deferrable(self) -> np.ndarray:
        return np.array([d is not None for d in self.deadline_steps], dtype=bool)

    def group_names(self) -> list[str]:
        return list(self.names)


def _whole_work(work: np.ndarray) -> np.ndarray:
    """Whole agent-intervals per interval whose running total is the work's, rounded up."""
    total = np.ceil(np.cumsum(work) - 1e-6)
    total = np.maximum.accumulate(np.maximum(total, 0.0))
    return np.diff(np.concatenate([[0.0], total])).astype(np.int64)


def build_skill_plan(
    requirements: pd.DataFrame, agents: pd.DataFrame, grid: Any, targets: object = None, queues: Any = None
) -> SkillPlan | None:
    """The skill inputs on ``grid`` (a :class:`wfm.roster.tours.Grid`), or None when the requirements have no ``queue`` column (one pooled queue).

    Raises
    ------
    InvalidInputError
        An agent's skill naming a queue the requirements do not have, a queue of the
        requirements no agent holds, a bad level (:func:`wfm.skills.parse_skills`, naming the
        agent, queue and value); a deferrable queue without the ``erlangs`` and ``agents``
        columns its work is read from.
    """
    if "queue" not in requirements.columns:
        if "skills" in agents.columns:
            # Skills without queues: the agents' skills must still be well formed, but there is
            # only one requirement to cover (pooled), so the model is the pooled one.
            parse_skills(agents, require_all_queues=False)
        return None
    # The centre's queues: the requirements' (a skill naming another is an error), or the given
    # list, which may name queues this run does not plan (they get no requirement).
    planned = list(grid.pooled_queues)
    queues = planned if queues is None else planned + sorted(set(map(str, queues)) - set(planned))
    matrix = parse_skills(agents, queues, require_all_queues=False)
    held = np.asarray(matrix.holds.any(axis=0))
    for j, q in enumerate(matrix.queues):
        if q in planned and not held[j]:
            raise InvalidInputError(f"queue {q!r} of the requirements must be held by some agent's skills, got none")
    queues = list(matrix.queues)
    steps = deadline_steps_for(queues, targets, grid.interval_minutes * 60.0)
    if any(d is not None for d in steps):
        missing = [c for c in ("erlangs", "agents") if c not in requirements.columns]
        if missing:
            deferrable = [q for q, d in zip(queues, steps) if d is not None]
            raise InvalidInputError(
                f"requirements must have columns erlangs and agents for deferrable queue(s) "
                f"{', '.join(deferrable)} (their work per interval), got no {', '.join(missing)}"
            )
    starts, req = requirement_matrix(requirements, queues, targets)
    stamps = pd.DatetimeIndex(starts)
    if getattr(stamps, "tz", None) is not None:
        stamps = stamps.tz_localize(None)
    idx = np.round(((stamps - grid.start) / pd.Timedelta(minutes=grid.interval_minutes)).to_numpy()).astype(np.int64)
    required = np.zeros((grid.n_intervals, len(queues)), dtype=np.int64)
    grid_req = np.zeros((grid.n_intervals, len(queues)))
    grid_req[idx] = req
    for j, d in enumerate(steps):
        if d is None:
            required[:, j] = np.ceil(grid_req[:, j] - 1e-9).astype(np.int64)
        else:
            required[:, j] = _whole_work(grid_req[:, j])
    group_of, holds, names = planning_groups(matrix, required.sum(axis=0) > 0)
    return SkillPlan(matrix, required, tuple(steps), group_of, holds, names)


def planning_groups(matrix: SkillMatrix, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(group_of, holds, names)`` of the planning skill groups: agents sharing their skills in the ``active`` queues.

    ``active[j]`` says whether queue ``matrix.queues[j]`` has work in the horizon; skills in the
    other queues are left out of the groups' keys (see the module doc).
    """
    level = np.where(np.asarray(active, dtype=bool)[None, :], np.asarray(matrix.level), 0)
    queues = matrix.queues
    keys: dict[tuple[tuple[str, int], ...], list[int]] = {}
    for i in range(level.shape[0]):
        keys.setdefault(tuple((queues[j], int(level[i, j])) for j in np.flatnonzero(level[i])), []).append(i)
    ordered = sorted(keys, key=lambda k: (len(k), group_name(k)))
    group_of = np.empty(level.shape[0], dtype=np.int64)
    holds = np.zeros((len(ordered), len(queues)), dtype=bool)
    for g, key in enumerate(ordered):
        group_of[keys[key]] = g
        holds[g, [queues.index(q) for q, _ in key]] = True
    names = tuple(group_name(k) if k else NO_PLANNED_QUEUE for k in ordered)
    return group_of, holds, names
