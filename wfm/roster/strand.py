"""Stranded agent-weeks: one agent's weeks re-planned jointly over their boundaries (CP-SAT).

The week-by-week stages choose an agent's week given its neighbours; a choice for week w can
leave week w+1 no legal tour (a run of working days or a late last shift into a week that
starts with leave). :func:`replan_agent` re-plans a run of the agent's weeks jointly, the rest
of the roster fixed: a small CP-SAT model with a Boolean per (day, template, start) of the
agent's own templates and every labour rule of those weeks -- weekly paid hours, days off
(and their run), consecutive days and rest across every boundary (the fixed neighbouring
weeks or the previous-week history), nights, start stability, one shift length per week,
unavailable dates and windows, and the seats left by everyone else. It maximises the
moves' own objective (the marginal value of each shift). :func:`rules_admit` asks the same
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
from .state import OFF, MoveContext, RosterState, clear_week, neighbours, set_shift
from .tours import DAY, Catalogue

__all__ = ["replan_agent", "replan_around", "rules_admit", "JOINT_SECONDS", "JOINT_BACK"]

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


def _model(
    cat: Catalogue,
    agent: int,
    weeks: list[int],
    *,
    min_start: int,
    max_end: int,
    run_before: int,
    run_after: int,
    seats_free: np.ndarray | None,
    gain: dict[tuple[int, int, int], float] | None,
):
    """The CP-SAT model of one agent over consecutive ``weeks`` (see the module docstring)."""
    rules = cat.rules
    rec = cat.agents[agent]
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    d_first = cat.grid.weeks[weeks[0]][0]
    d_last = cat.grid.weeks[weeks[-1]][0] + cat.grid.weeks[weeks[-1]][1]
    days = list(range(d_first, d_last))
    temps = _templates_of(cat, agent, weeks)
    m = cp_model.CpModel()
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    obj = []
    windows = cat.windows[agent] if cat.windows else []
    for day in days:
        if cat.unavailable[agent, day]:
            continue
        for t in temps:
            plan = cat.templates[t]
            length = plan.template.length_minutes
            for s in plan.starts:
                a = day * DAY + int(s)
                e = a + length
                if a < min_start or e > max_end:
                    continue
                if not rec.night_allowed and rules.is_night(int(s), length):
                    continue
                if any(a < we and e > ws for ws, we in windows):
                    continue
                first, last = a // step, min(n_int, (a + length + step - 1) // step)
                if seats_free is not None and first < last and not seats_free[first:last].all():
                    continue
                v = m.new_bool_var(f"x{day}_{t}_{s}")
                x[(day, t, int(s))] = v
                if gain is not None:
                    obj.append((int(round(gain[(t, day, int(s))])), v))
    worked = {}
    for day in days:
        vs = [v for (d, _, _), v in x.items() if d == day]
        w = m.new_bool_var(f"w{day}")
        m.add(sum(vs) == w) if vs else m.add(w == 0)
        worked[day] = w
    rest = rules.min_rest_minutes
    for day in days[:-1]:
        nxt = day + 1
        start_n = sum((nxt * DAY + s) * v for (d, _, s), v in x.items() if d == nxt)
        end_d = sum(
            (day * DAY + s + cat.templates[t].template.length_minutes) * v for (d, t, s), v in x.items() if d == day
        )
        m.add(start_n - end_d >= rest).only_enforce_if([worked[day], worked[nxt]])
    # Consecutive days over the whole span, with the fixed runs on both sides.
    max_run = rules.max_consecutive_days
    seq: list = [1] * run_before + [worked[d] for d in days] + [1] * run_after
    for first in range(max(0, len(seq) - max_run)):
        window = seq[first : first + max_run + 1]
        if len(window) == max_run + 1 and any(not isinstance(v, int) for v in window):
            m.add(sum(window) <= max_run)
    for wk in weeks:
        d0, n = cat.grid.weeks[wk]
        wdays = list(range(d0, d0 + n))
        items = [(k, v) for k, v in x.items() if d0 <= k[0] < d0 + n]
        paid = sum(cat.templates[t].template.paid_minutes * v for (_, t, _), v in items)
        if n == 7 and rec.min_paid_minutes_week > 0:
            m.add(paid >= rec.min_paid_minutes_week)
        m.add(paid <= rec.max_paid_minutes_week)
        off_needed = max(0, rules.min_days_off_per_week - (7 - n))
        if off_needed:
            m.add(sum(worked[d] for d in wdays) <= n - off_needed)
            if rules.days_off_consecutive and off_needed >= 2:
                runs = []
                for f in range(n - off_needed + 1):
                    r = m.new_bool_var(f"off{wk}_{f}")
                    for d in range(f, f + off_needed):
                        m.add_implication(r, worked[d0 + d].Not())
                    runs.append(r)
                m.add(sum(runs) >= 1)
        nights = [v for (d, t, s), v in items if rules.is_night(s, cat.templates[t].template.length_minutes)]
        if nights and rules.max_night_shifts_per_week < n:
            m.add(sum(nights) <= rules.max_night_shifts_per_week)
        stab = int(round(rules.start_stability_hours * 60))
        if n > 1 and stab < DAY:
            lo = m.new_int_var(0, DAY, f"lo{wk}")
            for d in wdays:
                clock = sum(s * v for (dd, _, s), v in items if dd == d)
                m.add(clock >= lo).only_enforce_if(worked[d])
                m.add(clock <= lo + stab).only_enforce_if(worked[d])
        if len(temps) > 1:  # one shift length per week (the engine's tours)
            used = {t: m.new_bool_var(f"u{wk}_{t}") for t in temps}
            for (_, t, _), v in items:
                m.add_implication(v, used[t])
            m.add(sum(used.values()) <= 1)
    if obj:
        m.maximize(sum(c * v for c, v in obj))
    return m, x


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
    min_start, max_end, run_before, run_after = neighbours(cat, state, agent, d_first, d_last - d_first)
    prefix = ctx.marginal_prefix(state.coverage)
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
    m, x = _model(
        cat,
        agent,
        weeks,
        min_start=min_start,
        max_end=max_end,
        run_before=run_before,
        run_after=run_after,
        seats_free=seats_free,
        gain=gain,
    )
    status, solver = _solve(m, deadline)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for i, (s, t) in enumerate(zip(*saved)):
            if s != OFF:
                set_shift(cat, state, agent, d_first + i, int(s), int(t))
        return False
    for (day, t, s), v in x.items():
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
    m, _ = _model(
        cat,
        agent,
        weeks,
        min_start=int(cat.prev_end[agent]) + rest,
        max_end=10**12,
        run_before=int(cat.prev_run[agent]),
        run_after=0,
        seats_free=None,
        gain=None,
    )
    status, _ = _solve(m, deadline)
    if status == cp_model.INFEASIBLE:
        return False
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return None
