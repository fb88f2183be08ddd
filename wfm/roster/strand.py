"""Stranded agent-weeks: one agent's weeks re-planned jointly over their boundaries (CP-SAT).

The week-by-week stages choose an agent's week given its neighbours; a choice for week w can
leave week w+1 no legal tour (a run of working days or a late last shift into a week that
starts with leave). :func:`replan_agent` re-plans a run of the agent's weeks jointly, the rest
of the roster fixed: the one-agent model of :mod:`.agent_model` (a Boolean per (day, template,
start) of the agent's own templates and every labour rule of those days, across the boundaries
with the fixed neighbouring weeks or the previous-week history), with the agent's unavailable
dates and windows and the seats left by everyone else as filters. It maximises the moves' own
objective (the marginal value of each shift). :func:`rules_admit` asks the same
model, over the agent's whole horizon with only its history fixed and no seats, whether the
rules alone give the agent any legal roster: the engine says "no legal week" only when they
do not.

Rules spanning weeks (cycle hours, weekends per cycle, work stretches, successions) are not
in this model; with them on, the week masks' own joint re-plan (:mod:`.assign`) is used.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from . import cycle
from .agent_model import OFF_DAY, AgentModel, Fixed, Option, Terms, terms_for
from .state import OFF, MoveContext, RosterState, clear_week, neighbours, set_shift
from .tours import DAY, Catalogue

__all__ = ["replan_agent", "replan_around", "rules_admit", "terms_of", "JOINT_SECONDS", "JOINT_BACK"]

#: wall-clock cap of one joint re-plan (seconds); the deterministic limit below normally ends it
JOINT_SECONDS = 5.0
_DET_LIMIT = 2.0
#: weeks before a stranded week that :func:`replan_around` may revise: a late shift or a run of
#: days pins the next week's first days, start stability carries that through a whole week, so
#: a stranded week can need the week two before it changed (tests/test_roster_stranding.py)
JOINT_BACK = 2


def _templates_of(cat: Catalogue, agent: int, weeks: list[int]) -> list[int]:
    found: set[int] = set()
    for w in weeks:
        tours = cat.classes[w][int(cat.agent_class[agent, w])].tours[0]
        found.update(int(t) for t in np.unique(tours[:, 1]) if t >= 0)
    return sorted(found)


def terms_of(cat: Catalogue, agent: int) -> Terms:
    """The agent's rule values, for :class:`~.agent_model.AgentModel`."""
    rec = cat.agents[agent]
    return terms_for(cat.rules, rec.min_paid_minutes_week, rec.max_paid_minutes_week)


def _fixed_days(cat: Catalogue, state: RosterState | None, agent: int, days: range) -> list[Fixed]:
    """The agent's days ``days`` as laid in ``state`` (all off without a state)."""
    out = []
    for day in days:
        s = OFF if state is None else int(state.start[agent, day])
        if s == OFF:
            out.append(OFF_DAY)
            continue
        length = cat.templates[int(state.template[agent, day])].template.length_minutes  # type: ignore[union-attr]
        out.append(Fixed(True, s, s + length, cat.rules.is_night(s - day * DAY, length)))
    return out


def _model(
    cat: Catalogue,
    agent: int,
    weeks: list[int],
    *,
    state: RosterState | None,
    min_start: int,
    max_end: int,
    seats_free: np.ndarray | None,
    gain: dict[tuple[int, int, int], float] | None,
) -> tuple[AgentModel, list[tuple[int, int, int]]]:
    """The model of one agent over consecutive ``weeks``, the rest of its roster (``state``) fixed
    around them; returns it with the (day, template, start) of each of its shifts."""
    rules = cat.rules
    rec = cat.agents[agent]
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    d_first = cat.grid.weeks[weeks[0]][0]
    d_last = cat.grid.weeks[weeks[-1]][0] + cat.grid.weeks[weeks[-1]][1]
    windows = cat.windows[agent] if cat.windows else []
    options: list[Option] = []
    keys: list[tuple[int, int, int]] = []
    for day in range(d_first, d_last):
        if cat.unavailable[agent, day]:
            continue
        for t in _templates_of(cat, agent, weeks):
            plan = cat.templates[t]
            length = plan.template.length_minutes
            for s in plan.starts:
                a = day * DAY + int(s)
                e = a + length
                if a < min_start or e > max_end:
                    continue
                night = rules.is_night(int(s), length)
                if not rec.night_allowed and night:
                    continue
                if any(a < we and e > ws for ws, we in windows):
                    continue
                first, last = a // step, min(n_int, (a + length + step - 1) // step)
                if seats_free is not None and first < last and not seats_free[first:last].all():
                    continue
                options.append(Option(day, a, length, plan.template.paid_minutes, night, t))
                keys.append((day, t, int(s)))
    before = [Fixed(True)] * int(cat.prev_run[agent]) + _fixed_days(cat, state, agent, range(0, d_first))
    after = _fixed_days(cat, state, agent, range(d_last, cat.grid.n_days))
    am = AgentModel(
        options,
        range(d_first, d_last),
        [cat.grid.weeks[w] for w in weeks],
        terms_of(cat, agent),
        before=before,
        after=after,
        prev_end=int(cat.prev_end[agent]),
        horizon_days=cat.grid.n_days,
    )
    if gain is not None:
        am.model.maximize(sum(int(round(gain[(t, day, s)])) * v for (day, t, s), v in zip(keys, am.x)))
    return am, keys


def _solve(m: cp_model.CpModel, deadline: float | None) -> tuple[Any, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    solver.parameters.max_deterministic_time = _DET_LIMIT
    left = JOINT_SECONDS if deadline is None else min(JOINT_SECONDS, deadline - time.perf_counter())
    solver.parameters.max_time_in_seconds = max(0.05, left)
    return solver.solve(m), solver


def replan_agent(
    ctx: MoveContext, state: RosterState, agent: int, weeks: list[int], deadline: float | None = None
) -> bool:
    """Re-plan these consecutive agent-weeks jointly, the rest fixed; True when a legal plan was laid.

    On False the weeks are left as they were.
    """
    cat = ctx.cat
    d_first = cat.grid.weeks[weeks[0]][0]
    d_last = cat.grid.weeks[weeks[-1]][0] + cat.grid.weeks[weeks[-1]][1]
    saved = (state.start[agent, d_first:d_last].copy(), state.template[agent, d_first:d_last].copy())
    clear_week(cat, state, agent, d_first, d_last - d_first)
    min_start, max_end, _, _ = neighbours(cat, state, agent, d_first, d_last - d_first)
    prefix = ctx.agent_prefix(state, agent)
    step = cat.grid.interval_minutes
    gain: dict[tuple[int, int, int], float] = {}
    for t in _templates_of(cat, agent, weeks):
        plan = cat.templates[t]
        for day in range(d_first, d_last):
            for s in plan.starts:
                first = (day * DAY + int(s)) // step
                last = min(first + int(ctx.n_len[t]), cat.grid.n_intervals)
                g = float(prefix[last] - prefix[first]) - float(ctx.paid_cost[t])
                gain[(t, day, int(s))] = max(-1e7, min(1e7, g))
    seats_free = state.coverage + 1 <= cat.rules.seats
    am, keys = _model(
        cat,
        agent,
        weeks,
        state=state,
        min_start=min_start,
        max_end=max_end,
        seats_free=seats_free,
        gain=gain,
    )
    status, solver = _solve(am.model, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i, (s, t) in enumerate(zip(*saved)):
            if s != OFF:
                set_shift(cat, state, agent, d_first + i, int(s), int(t))
        return False
    for (day, t, s), v in zip(keys, am.x):
        if solver.value(v):
            set_shift(cat, state, agent, day, day * DAY + s, t)
    if state.placed is not None:
        state.placed[agent, weeks[0] : weeks[-1] + 1] = True
    return True


def replan_around(ctx: MoveContext, state: RosterState, agent: int, week: int) -> int:
    """Re-plan a stranded ``week`` jointly with its neighbours: the week alone (the others fixed),
    then with 1..:data:`JOINT_BACK` weeks before it, each also with the week after when that is
    placed; the smallest span that has a legal plan is laid. Returns the weeks re-planned (0: none
    found, the weeks as they were). Rules spanning weeks are not in the model: with them on, 0.
    Each re-plan found is recorded in ``state.repairs`` (the summary's ``joint_replans``)."""
    if cycle.active(ctx.cat.rules):
        return 0
    grid = ctx.cat.grid
    placed_after = week + 1 < len(grid.weeks) and bool((state.start[agent, grid.weeks[week + 1][0] :] >= 0).any())
    for back in range(0, min(week, JOINT_BACK) + 1):
        for ahead in (0, 1) if placed_after else (0,):
            weeks = list(range(week - back, week + ahead + 1))
            if replan_agent(ctx, state, agent, weeks, ctx.deadline):
                state.repairs.append((agent, week, len(weeks)))
                return len(weeks)
    return 0


def rules_admit(cat: Catalogue, agent: int, deadline: float | None = None) -> bool | None:
    """Whether the rules and the previous-week history alone give the agent a legal roster of the
    whole horizon (no seats, no other agent, none of the engine's choices); None when the model
    did not finish."""
    weeks = list(range(len(cat.grid.weeks)))
    rest = cat.rules.min_rest_minutes
    am, _ = _model(
        cat,
        agent,
        weeks,
        state=None,
        min_start=int(cat.prev_end[agent]) + rest,
        max_end=10**12,
        seats_free=None,
        gain=None,
    )
    status, _ = _solve(am.model, deadline)
    if status == cp_model.INFEASIBLE:
        return False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return None
