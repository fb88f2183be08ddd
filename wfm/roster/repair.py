"""Stage 3: the named roster's state and exact one-agent-week large-neighbourhood moves.

The state holds each agent's shift per day (absolute start minute and template) and the
coverage it produces. The move re-plans one agent's whole week optimally given everyone else:
it removes the week, prices every interval by the marginal objective of one more agent
(convex under-staffing segment, over-staffing, seat limit as a hard wall), and picks the
best legal tour (pattern x template x band) with the best start of the band on each day,
subject to that agent's unavailable dates and to rest and consecutive-day rules against the
neighbouring weeks (or the previous-week history). Repeating it over all agent-weeks in a
seeded order until a full pass finds no improvement repairs what the plan could not follow
and polishes the rest; the objective never rises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..exceptions import InfeasibleRosterError
from . import cycle
from .preferences import PreferencePricing
from .tours import DAY, Catalogue

__all__ = ["RosterState", "evaluate_objective", "reinsert", "improve", "enforce_windows"]

_BIG = 1e12
_OFF = -1


@dataclass
class RosterState:
    """Per agent and day: absolute start minute (-1 when off) and template index."""

    start: np.ndarray  # (agents, days) int64
    template: np.ndarray  # (agents, days) int64
    coverage: np.ndarray  # heads per interval, carry-in included
    # (agents, weeks) bool while the assignment is placing weeks: rules spanning weeks treat an
    # unplaced week as open, not as a week off. None: every week is placed.
    placed: np.ndarray | None = None

    @classmethod
    def empty(cls, cat: Catalogue) -> RosterState:
        n_agents, n_days = len(cat.agents), cat.grid.n_days
        return cls(np.full((n_agents, n_days), _OFF, dtype=np.int64),
                   np.full((n_agents, n_days), _OFF, dtype=np.int64), cat.carry.copy())


def _span(cat: Catalogue, start_abs: int, template: int) -> tuple[int, int]:
    step = cat.grid.interval_minutes
    first = start_abs // step
    return first, min(first + cat.templates[template].template.length_minutes // step, cat.grid.n_intervals)


def set_shift(cat: Catalogue, state: RosterState, agent: int, day: int, start_abs: int, template: int) -> None:
    """Put one shift in the state (the day must be free)."""
    a, b = _span(cat, start_abs, template)
    state.coverage[a:b] += 1
    state.start[agent, day] = start_abs
    state.template[agent, day] = template


def clear_week(cat: Catalogue, state: RosterState, agent: int, d0: int, n: int) -> None:
    """Remove an agent's shifts of one week from the state."""
    for day in range(d0, d0 + n):
        if state.start[agent, day] != _OFF:
            a, b = _span(cat, int(state.start[agent, day]), int(state.template[agent, day]))
            state.coverage[a:b] -= 1
            state.start[agent, day] = _OFF
            state.template[agent, day] = _OFF


def _under_marginals(cat: Catalogue) -> np.ndarray:
    """weight of the k-th missing agent, k = 0.. max requirement (index 0 unused)."""
    top = int(cat.grid.required.max()) + 2
    weights = np.zeros(top + 1)
    k = 1
    for seg in cat.rules.objective.under_segments:
        width = top if seg.width is None else seg.width
        for _ in range(width):
            if k > top:
                break
            weights[k] = seg.weight
            k += 1
    return weights


def evaluate_objective(cat: Catalogue, state: RosterState) -> dict[str, float]:
    """The roster's objective and its parts, in weight units, from the coverage."""
    obj = cat.rules.objective
    short = np.maximum(cat.grid.required - state.coverage, 0)
    over = np.maximum(state.coverage - cat.grid.required, 0)
    under_cost = float(sum(obj.under_penalty(float(s)) for s in short[short > 0]))
    worked = state.template >= 0
    paid_min = np.array([t.template.paid_minutes for t in cat.templates] + [0])
    paid_hours = float(paid_min[np.where(worked, state.template, len(cat.templates))].sum()) / 60
    return {
        "objective": under_cost + obj.over_weight * float(over.sum()) + obj.paid_hour_weight * paid_hours,
        "under": float(short.sum()),
        "over": float(over.sum()),
        "paid_hours": paid_hours,
    }


class _Context:
    """Per-run constants for the move: marginal weights, per-template interval offsets."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.under_w = _under_marginals(cat)
        self.rest = cat.rules.min_rest_minutes
        self.max_run = cat.rules.max_consecutive_days
        step = cat.grid.interval_minutes
        self.n_len = [t.template.length_minutes // step for t in cat.templates]
        # band boundaries of the (sorted) starts of each template, for reduceat
        self.band_edges = [np.flatnonzero(np.r_[True, np.diff(t.band_of_start) != 0]) for t in cat.templates]
        self.paid_cost = [cat.rules.objective.paid_hour_weight * t.template.paid_minutes / 60 for t in cat.templates]
        # agents' soft wishes, priced per start (empty, and free, when nobody has any)
        self.prefs = PreferencePricing(cat)

    def marginal_prefix(self, coverage: np.ndarray) -> np.ndarray:
        cat = self.cat
        req = cat.grid.required
        short = req - coverage
        m = np.where(short > 0, self.under_w[np.clip(short, 0, len(self.under_w) - 1)],
                     -cat.rules.objective.over_weight)
        m = np.where(coverage + 1 > cat.rules.seats, -_BIG, m)
        return np.concatenate([[0.0], np.cumsum(m)])


def _neighbours(cat: Catalogue, state: RosterState, agent: int, d0: int, n: int) -> tuple[int, int, int, int]:
    """(min start, max end, run before, run after) imposed on week [d0, d0+n) by the rest of the roster."""
    rest = cat.rules.min_rest_minutes
    prev_end = int(cat.prev_end[agent])
    for day in range(max(0, d0 - 2), d0):
        if state.start[agent, day] != _OFF:
            end = int(state.start[agent, day]) + cat.templates[int(state.template[agent, day])].template.length_minutes
            prev_end = max(prev_end, end)
    next_start = 10**12
    for day in range(d0 + n, min(cat.grid.n_days, d0 + n + 2)):
        if state.start[agent, day] != _OFF:
            next_start = min(next_start, int(state.start[agent, day]))
    run_before = 0
    day = d0 - 1
    while day >= 0 and state.start[agent, day] != _OFF:
        run_before += 1
        day -= 1
    if day < 0:
        run_before += int(cat.prev_run[agent])
    run_after = 0
    day = d0 + n
    while day < cat.grid.n_days and state.start[agent, day] != _OFF:
        run_after += 1
        day += 1
    return prev_end + rest, next_start - rest, run_before, run_after


def _week_options(ctx: _Context, state: RosterState, agent: int, week: int, prefix: np.ndarray,
                  net_of_breaks: bool = False):
    """Score every legal tour of the agent's class for one week; return (scores, per-template gains)."""
    cat = ctx.cat
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    tours = cat.classes[week][int(cat.agent_class[agent, week])].tours[0]
    min_start, max_end, run_before, run_after = _neighbours(cat, state, agent, d0, n)
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    unavailable = cat.unavailable[agent, d0:d0 + n]
    # Consecutive working days, counting the neighbouring weeks (or the history).
    run_ok = np.where(pat.full, run_before + n + run_after <= ctx.max_run,
                      (pat.lead + run_before <= ctx.max_run) & (pat.trail + run_after <= ctx.max_run))
    run_ok &= ~(pat.on & unavailable[None, :]).any(axis=1)
    scores = np.full(len(tours), -_BIG)
    gains: dict[int, np.ndarray] = {}
    band_best: dict[int, np.ndarray] = {}
    for t in np.unique(tours[:, 1]):
        if t < 0:
            continue
        plan = cat.templates[t]
        length = plan.template.length_minutes
        abs_start = (np.arange(d0, d0 + n)[:, None] * DAY + plan.starts[None, :])  # (n, starts)
        first = abs_start // step
        last = np.minimum(first + ctx.n_len[t], n_int)
        g = prefix[last] - prefix[first]
        if net_of_breaks:
            # Each break costs the value of the intervals it takes, at its cheapest allowed offset.
            for offsets, n_occ in plan.break_offsets:
                a = np.minimum(first[:, :, None] + (offsets // step)[None, None, :], n_int)
                g = g - (prefix[np.minimum(a + n_occ, n_int)] - prefix[a]).min(axis=2)
        price = ctx.prefs.start_prices(agent, int(t), d0, n)
        if price is not None:
            g = g - price  # the agent's wishes, in objective units
        legal = (abs_start >= min_start) & (abs_start + length <= max_end)
        for ws, we in (cat.windows[agent] if cat.windows else ()):
            legal &= ~((abs_start < we) & (abs_start + length > ws))  # unavailable time windows
        g = np.where(legal, g, -_BIG)
        gains[t] = g
        band_best[t] = np.maximum.reduceat(g, ctx.band_edges[t], axis=1)  # (n, bands)
    for t, gb in band_best.items():
        rows = np.flatnonzero(tours[:, 1] == t)
        p, b = tours[rows, 0], tours[rows, 2]
        total = (pat.on[p].astype(float) * gb[:, b].T).sum(axis=1)
        total = np.where(np.isfinite(total), total, -_BIG)
        scores[rows] = total - ctx.paid_cost[t] * pat.count[p]
    empty = np.flatnonzero(tours[:, 1] < 0)
    scores[empty] = 0.0
    scores = np.where(run_ok[tours[:, 0]] & (scores > -_BIG / 2), scores, -_BIG)
    # Rules spanning weeks: cycle hours, weekends, work stretches and successions at the edges.
    scores = np.where(cycle.week_mask(cat, state, agent, week, tours), scores, -_BIG)
    return scores, gains, d0, n


def _saved_score(ctx: _Context, saved: tuple[np.ndarray, np.ndarray], prefix: np.ndarray) -> float:
    score = 0.0
    for s, t in zip(*saved):
        if s != _OFF:
            a, b = _span(ctx.cat, int(s), int(t))
            score += prefix[b] - prefix[a] - ctx.paid_cost[int(t)]
    return score


def reinsert(ctx: _Context, state: RosterState, agent: int, week: int, *, must_place: bool) -> float:
    """Re-plan one agent-week optimally given the rest; return the objective decrease (>= 0)."""
    cat = ctx.cat
    d0, n = cat.grid.weeks[week]
    had = not must_place  # an agent-week being placed for the first time has nothing to keep
    saved = (state.start[agent, d0:d0 + n].copy(), state.template[agent, d0:d0 + n].copy())
    clear_week(cat, state, agent, d0, n)
    prefix = ctx.marginal_prefix(state.coverage)
    current = _saved_score(ctx, saved, prefix) - ctx.prefs.week_price(cat, agent, *saved, d0) if had else -_BIG
    scores, gains, _, _ = _week_options(ctx, state, agent, week, prefix)
    best = int(np.argmax(scores))
    if scores[best] <= -_BIG / 2:
        if had:
            _restore(cat, state, agent, d0, saved)
            return 0.0
        agent_rec = cat.agents[agent]
        raise InfeasibleRosterError(
            f"agent {agent_rec.agent_id}: no legal week from {cat.grid.date(d0)} for {n} day(s): its unavailable "
            f"dates, rest and consecutive-day history leave no pattern meeting min_hours_week "
            f"{agent_rec.min_paid_minutes_week / 60:g} with min_days_off_per_week {cat.rules.min_days_off_per_week}"
            + (" and the rules spanning weeks (cycle hours, weekends per cycle, min_work_stretch_days, "
               "forbidden_successions) given its other weeks" if cycle.active(cat.rules) else ""))
    if had and scores[best] <= current + 1e-9:
        _restore(cat, state, agent, d0, saved)
        return 0.0
    lay_tour(cat, state, agent, week, cat.classes[week][int(cat.agent_class[agent, week])].tours[0][best], gains)
    if state.placed is not None:
        state.placed[agent, week] = True
    return float(scores[best] - current) if had else 0.0


def tour_shifts(cat: Catalogue, week: int, tour, gains: dict[int, np.ndarray]) -> list[tuple[int, int, int]]:
    """(day, absolute start minute, template) of each shift of a tour (pattern, template, band)
    in a week, each day at the band's start of greatest gain (``gains`` from :func:`_week_options`)."""
    p, t, b = (int(v) for v in tour)
    if t < 0:
        return []
    d0 = cat.grid.weeks[week][0]
    plan = cat.templates[t]
    in_band = np.flatnonzero(plan.band_of_start == b)
    out = []
    for local in np.flatnonzero(cat.patterns[week].on[p]):
        pos = in_band[int(np.argmax(gains[t][local, in_band]))]
        day = d0 + int(local)
        out.append((day, day * DAY + int(plan.starts[pos]), t))
    return out


def lay_tour(cat: Catalogue, state: RosterState, agent: int, week: int, tour, gains: dict[int, np.ndarray]) -> None:
    """Put a tour's shifts (:func:`tour_shifts`) in the state for one agent (its week must be free)."""
    for day, start, t in tour_shifts(cat, week, tour, gains):
        set_shift(cat, state, agent, day, start, t)


def _restore(cat: Catalogue, state: RosterState, agent: int, d0: int, saved: tuple[np.ndarray, np.ndarray]) -> None:
    for i, (s, t) in enumerate(zip(*saved)):
        if s != _OFF:
            set_shift(cat, state, agent, d0 + i, int(s), int(t))


def improve(cat: Catalogue, state: RosterState, *, seed: int, deadline: float, max_passes: int = 50,
            progress=None) -> dict[str, float]:
    """Repeat one-agent-week re-plans in seeded order until a pass finds nothing or time runs out."""
    ctx = _Context(cat)
    rng = np.random.default_rng(seed)
    pairs = np.array([(a, w) for w in range(len(cat.grid.weeks)) for a in range(len(cat.agents))], dtype=np.int64)
    passes, moves, stopped_by_time = 0, 0, False
    for passes in range(1, max_passes + 1):
        gained = 0.0
        improved = 0
        for a, w in pairs[rng.permutation(len(pairs))]:
            if time.perf_counter() > deadline:
                stopped_by_time = True
                break
            delta = reinsert(ctx, state, int(a), int(w), must_place=False)
            if delta > 1e-9:
                gained += delta
                improved += 1
        moves += improved
        if progress is not None:
            progress(f"repair: pass {passes}, {improved} agent-weeks improved, objective -{gained:,.1f}")
        if stopped_by_time or improved == 0:
            break
    return {"passes": passes, "moves": moves, "stopped_by_time": stopped_by_time}


def enforce_windows(cat: Catalogue, state: RosterState) -> int:
    """Re-plan every agent-week with a shift overlapping one of the agent's unavailable windows.

    The aggregate model and the assignment see windows only when they cover whole days; the
    exact one-agent-week move sees every window, so it places such weeks legally (or raises
    :class:`InfeasibleRosterError` naming the agent when no legal week is left). Returns the
    number of agent-weeks re-planned.
    """
    if not cat.windows or not any(cat.windows):
        return 0
    ctx = _Context(cat)
    fixed = 0
    for agent, wins in enumerate(cat.windows):
        if not wins:
            continue
        for week, (d0, n) in enumerate(cat.grid.weeks):
            bad = False
            for day in range(d0, d0 + n):
                if state.start[agent, day] == _OFF:
                    continue
                s = int(state.start[agent, day])
                e = s + cat.templates[int(state.template[agent, day])].template.length_minutes
                bad |= any(s < we and e > ws for ws, we in wins)
            if bad:
                clear_week(cat, state, agent, d0, n)
                reinsert(ctx, state, agent, week, must_place=True)
                fixed += 1
    return fixed
