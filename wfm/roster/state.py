"""The named roster's state and the exact one-agent-week move's pricing: what every stage shares.

:class:`RosterState` holds each agent's shift per day (absolute start minute and template) and
the coverage it produces; :func:`set_shift`, :func:`clear_week` and :func:`restore_week` change
it. :class:`MoveContext` holds a run's constants for pricing a move (the marginal weight of one
more agent per interval, the seat wall, wishes); :func:`neighbours` gives what the rest of an
agent's roster imposes on one of its weeks, :func:`week_options` scores every legal tour of the
agent's class for one week, and :func:`tour_shifts` / :func:`lay_tour` lay the chosen tour at
each day's best start of its band. The assignment, the repair, the cycle moves, the breaks'
net-of-breaks polish and the fairness pass all go through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import cycle_mask
from .preferences import PreferencePricing
from .skill_pricing import SkillState
from .tours import DAY, Catalogue

__all__ = [
    "BIG",
    "OFF",
    "RosterState",
    "MoveContext",
    "set_shift",
    "clear_week",
    "restore_week",
    "shift_span",
    "under_marginals",
    "evaluate_objective",
    "neighbours",
    "week_options",
    "saved_score",
    "tour_shifts",
    "lay_tour",
]

#: a score no legal option reaches (minus: illegal); the seat limit is a wall of -BIG
BIG = 1e12
OFF = -1


@dataclass
class RosterState:
    """Per agent and day: absolute start minute (-1 when off) and template index."""

    start: np.ndarray  # (agents, days) int64
    template: np.ndarray  # (agents, days) int64
    coverage: np.ndarray  # heads per interval, carry-in included
    # (agents, weeks) bool while the assignment is placing weeks: rules spanning weeks treat an
    # unplaced week as open, not as a week off. None: every week is placed.
    placed: np.ndarray | None = None
    # (agent, week) left empty for the planner: no legal week next to its neighbours, no joint
    # re-plan found, yet the rules alone admit one (wfm.roster.strand)
    stranded: list[tuple[int, int]] = field(default_factory=list)
    # (agent, week, weeks re-planned) by the joint re-plan over week boundaries
    repairs: list[tuple[int, int, int]] = field(default_factory=list)
    # stages whose work the hard deadline cut short on this roster ("assign": a joint re-plan or
    # the second candidate plan skipped); the summary's stages_cut
    cut: set[str] = field(default_factory=set)
    # skill-aware catalogues: heads per interval and skill group, and the skill term's marginals
    # (wfm.roster.skill_pricing); None otherwise, and then moves are priced on the pooled heads
    skill: SkillState | None = None

    @classmethod
    def empty(cls, cat: Catalogue) -> RosterState:
        n_agents, n_days = len(cat.agents), cat.grid.n_days
        return cls(
            np.full((n_agents, n_days), OFF, dtype=np.int64),
            np.full((n_agents, n_days), OFF, dtype=np.int64),
            cat.carry.copy(),
            skill=SkillState(cat) if cat.move_skills is not None else None,
        )


def shift_span(cat: Catalogue, start_abs: int, template: int) -> tuple[int, int]:
    step = cat.grid.interval_minutes
    first = start_abs // step
    return first, min(first + cat.templates[template].template.length_minutes // step, cat.grid.n_intervals)


def set_shift(cat: Catalogue, state: RosterState, agent: int, day: int, start_abs: int, template: int) -> None:
    """Put one shift in the state (the day must be free)."""
    a, b = shift_span(cat, start_abs, template)
    state.coverage[a:b] += 1
    if state.skill is not None:
        state.skill.add(agent, a, b, 1)
    state.start[agent, day] = start_abs
    state.template[agent, day] = template


def clear_week(cat: Catalogue, state: RosterState, agent: int, d0: int, n: int) -> None:
    """Remove an agent's shifts of one week from the state."""
    for day in range(d0, d0 + n):
        if state.start[agent, day] != OFF:
            a, b = shift_span(cat, int(state.start[agent, day]), int(state.template[agent, day]))
            state.coverage[a:b] -= 1
            if state.skill is not None:
                state.skill.add(agent, a, b, -1)
            state.start[agent, day] = OFF
            state.template[agent, day] = OFF


def under_marginals(cat: Catalogue) -> np.ndarray:
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
    surplus = cat.grid.surplus
    reward = surplus.reward(over, obj.over_weight) if surplus is not None else 0.0
    return {
        "objective": under_cost + obj.over_weight * float(over.sum()) - reward + obj.paid_hour_weight * paid_hours,
        "under": float(short.sum()),
        "over": float(over.sum()),
        "paid_hours": paid_hours,
    }


class MoveContext:
    """Per-run constants for pricing a move: marginal weights, per-template interval offsets, wishes."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        # the hard deadline (perf_counter) the joint re-plans of stranded weeks keep (None: their own cap)
        self.deadline: float | None = None
        self.under_w = under_marginals(cat)
        self.rest = cat.rules.min_rest_minutes
        self.max_run = cat.rules.max_consecutive_days
        step = cat.grid.interval_minutes
        self.n_len = [t.template.length_minutes // step for t in cat.templates]
        # band boundaries of the (sorted) starts of each template, for reduceat
        self.band_edges = [np.flatnonzero(np.r_[True, np.diff(t.band_of_start) != 0]) for t in cat.templates]
        self.paid_cost = [cat.rules.objective.paid_hour_weight * t.template.paid_minutes / 60 for t in cat.templates]
        # agents' soft wishes, priced per start (empty, and free, when nobody has any)
        self.prefs = PreferencePricing(cat)

    def marginal_prefix(self, coverage: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Prefix sums of the objective's fall per interval when one more head joins (``extra``: a
        further per-interval term of that head, e.g. the skill term), the seat limit a wall of -BIG."""
        cat = self.cat
        req = cat.grid.required
        short = req - coverage
        over_cost = np.full(short.shape, float(cat.rules.objective.over_weight))
        if cat.grid.surplus is not None:  # the next surplus agent's reward lowers its cost
            over_cost -= cat.grid.surplus.next_reward(-short, cat.rules.objective.over_weight)
        m = np.where(short > 0, self.under_w[np.clip(short, 0, len(self.under_w) - 1)], -over_cost)
        if extra is not None:
            m = m + extra
        m = np.where(coverage + 1 > cat.rules.seats, -BIG, m)
        return np.concatenate([[0.0], np.cumsum(m)])

    def agent_prefix(self, state: RosterState, agent: int) -> np.ndarray:
        """:meth:`marginal_prefix` for one more head of this agent: in a skill-aware state with the
        skill term's exact marginal of the agent's group (:mod:`wfm.roster.skill_pricing`)."""
        if state.skill is None:
            return self.marginal_prefix(state.coverage)
        return self.marginal_prefix(state.coverage, state.skill.marginals(agent, state.coverage))


def neighbours(cat: Catalogue, state: RosterState, agent: int, d0: int, n: int) -> tuple[int, int, int, int]:
    """(min start, max end, run before, run after) imposed on week [d0, d0+n) by the rest of the roster."""
    rest = cat.rules.min_rest_minutes
    prev_end = int(cat.prev_end[agent])
    for day in range(max(0, d0 - 2), d0):
        if state.start[agent, day] != OFF:
            end = int(state.start[agent, day]) + cat.templates[int(state.template[agent, day])].template.length_minutes
            prev_end = max(prev_end, end)
    next_start = 10**12
    for day in range(d0 + n, min(cat.grid.n_days, d0 + n + 2)):
        if state.start[agent, day] != OFF:
            next_start = min(next_start, int(state.start[agent, day]))
    run_before = 0
    day = d0 - 1
    while day >= 0 and state.start[agent, day] != OFF:
        run_before += 1
        day -= 1
    if day < 0:
        run_before += int(cat.prev_run[agent])
    run_after = 0
    day = d0 + n
    while day < cat.grid.n_days and state.start[agent, day] != OFF:
        run_after += 1
        day += 1
    return prev_end + rest, next_start - rest, run_before, run_after


def week_options(
    ctx: MoveContext, state: RosterState, agent: int, week: int, prefix: np.ndarray, net_of_breaks: bool = False
):
    """Score every legal tour of the agent's class for one week; return (scores, per-template gains)."""
    cat = ctx.cat
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    tours = cat.classes[week][int(cat.agent_class[agent, week])].tours[0]
    min_start, max_end, run_before, run_after = neighbours(cat, state, agent, d0, n)
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    unavailable = cat.unavailable[agent, d0 : d0 + n]
    # Consecutive working days, counting the neighbouring weeks (or the history).
    run_ok = np.where(
        pat.full,
        run_before + n + run_after <= ctx.max_run,
        (pat.lead + run_before <= ctx.max_run) & (pat.trail + run_after <= ctx.max_run),
    )
    run_ok &= ~(pat.on & unavailable[None, :]).any(axis=1)
    scores = np.full(len(tours), -BIG)
    gains: dict[int, np.ndarray] = {}
    band_best: dict[int, np.ndarray] = {}
    for t in np.unique(tours[:, 1]):
        if t < 0:
            continue
        plan = cat.templates[t]
        length = plan.template.length_minutes
        abs_start = np.arange(d0, d0 + n)[:, None] * DAY + plan.starts[None, :]  # (n, starts)
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
        for ws, we in cat.windows[agent] if cat.windows else ():
            legal &= ~((abs_start < we) & (abs_start + length > ws))  # unavailable time windows
        g = np.where(legal, g, -BIG)
        gains[t] = g
        band_best[t] = np.maximum.reduceat(g, ctx.band_edges[t], axis=1)  # (n, bands)
    for t, gb in band_best.items():
        rows = np.flatnonzero(tours[:, 1] == t)
        p, b = tours[rows, 0], tours[rows, 2]
        total = (pat.on[p].astype(float) * gb[:, b].T).sum(axis=1)
        total = np.where(np.isfinite(total), total, -BIG)
        scores[rows] = total - ctx.paid_cost[t] * pat.count[p]
    empty = np.flatnonzero(tours[:, 1] < 0)
    scores[empty] = 0.0
    scores = np.where(run_ok[tours[:, 0]] & (scores > -BIG / 2), scores, -BIG)
    # Rules spanning weeks: cycle hours, weekends, work stretches and successions at the edges.
    scores = np.where(cycle_mask.week_mask(cat, state, agent, week, tours), scores, -BIG)
    return scores, gains, d0, n


def saved_score(ctx: MoveContext, saved: tuple[np.ndarray, np.ndarray], prefix: np.ndarray) -> float:
    score = 0.0
    for s, t in zip(*saved):
        if s != OFF:
            a, b = shift_span(ctx.cat, int(s), int(t))
            score += prefix[b] - prefix[a] - ctx.paid_cost[int(t)]
    return score


def tour_shifts(cat: Catalogue, week: int, tour, gains: dict[int, np.ndarray]) -> list[tuple[int, int, int]]:
    """(day, absolute start minute, template) of each shift of a tour (pattern, template, band)
    in a week, each day at the band's start of greatest gain (``gains`` from :func:`week_options`)."""
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


def restore_week(cat: Catalogue, state: RosterState, agent: int, d0: int, saved: tuple[np.ndarray, np.ndarray]) -> None:
    for i, (s, t) in enumerate(zip(*saved)):
        if s != OFF:
            set_shift(cat, state, agent, d0 + i, int(s), int(t))
