"""One-agent-cycle moves: re-plan all of an agent's weeks of one cycle at once, hours moving between weeks.

A stage after the one-agent-week repair (:mod:`wfm.roster.repair`), used when a contract has a
cycle hours target (:mod:`wfm.roster.cycle` holds the accounting it relies on).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .cycle import NO_LOWER, Cycle, CycleInfo, cycle_info, sumset, tour_minutes
from .state import BIG, MoveContext, RosterState, clear_week, lay_tour, saved_score, set_shift, week_options
from .tours import Catalogue

__all__ = ["improve_cycles"]


def improve_cycles(
    cat: Catalogue, state: RosterState, *, seed: int, deadline: float, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """One-agent-cycle moves: re-plan all of an agent's weeks of one cycle at once, hours moving between weeks.

    With an exact cycle target a one-agent-week move must keep its week's hours; this move
    does not. The agent's shifts never overlap one another (rest), so against the coverage
    without the agent the value of a cycle is the sum of its weeks' values: the best tour of
    each week per paid-hours level (exact moves, the other weeks open), then a dynamic program
    over the levels whose total closes the cycle. The chosen levels are placed week by week,
    each week's best legal tour of its level given the weeks before (edges, weekends), and the
    cycle is kept only if its value beats the current one; otherwise it is put back.
    """
    info = cycle_info(cat)
    stats = {"cycle_moves": 0, "cycle_tried": 0, "cycle_stopped_by_time": False}
    if not info.on or not any(c.avg_hours_week is not None for c in cat.rules.contracts.values()):
        return stats
    ctx = MoveContext(cat)
    rng = np.random.default_rng(seed)
    n_agents, n_weeks = len(cat.agents), len(cat.grid.weeks)
    state.placed = np.ones((n_agents, n_weeks), dtype=bool)
    try:
        for a in rng.permutation(n_agents):
            a = int(a)
            for cyc in info.cycles[a]:
                if not cyc.has_target or len(cyc.weeks) < 2:
                    continue
                if time.perf_counter() > deadline:
                    stats["cycle_stopped_by_time"] = True
                    return stats
                stats["cycle_tried"] += 1
                stats["cycle_moves"] += _cycle_move(ctx, info, state, a, cyc)
    finally:
        state.placed = None
    if progress is not None:
        progress(f"cycle moves: {stats['cycle_moves']} of {stats['cycle_tried']} agent-cycles improved")
    return stats


def _cycle_move(ctx: MoveContext, info: CycleInfo, state: RosterState, agent: int, cyc: Cycle) -> int:
    """One one-agent-cycle move (see :func:`improve_cycles`); 1 when kept, 0 when put back."""
    cat = ctx.cat
    weeks = cyc.weeks
    spans = [cat.grid.weeks[w] for w in weeks]
    saved = [(state.start[agent, d0 : d0 + n].copy(), state.template[agent, d0 : d0 + n].copy()) for d0, n in spans]
    for d0, n in spans:
        clear_week(cat, state, agent, d0, n)
    placed = state.placed
    assert placed is not None  # improve_cycles marks every week placed while it runs
    placed[agent, weeks] = False
    prefix = ctx.agent_prefix(state, agent)
    current = sum(saved_score(ctx, s, prefix) for s in saved)
    # Best value per paid-minutes level of each week, the other weeks of the cycle open.
    levels: list[dict[int, float]] = []
    for w in weeks:
        scores, _, _, _ = week_options(ctx, state, agent, w, prefix)
        tours = cat.classes[w][int(cat.agent_class[agent, w])].tours[0]
        minutes = tour_minutes(info, cat, w, tours)
        best: dict[int, float] = {}
        for m, v in zip(minutes.tolist(), scores.tolist()):
            if v > -BIG / 2 and v > best.get(m, -BIG):
                best[m] = v
        levels.append(best)
    # Dynamic program over cumulative minutes; the total must leave the cycle closable.
    table: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
    for best in levels:
        nxt: dict[int, tuple[float, list[int]]] = {}
        for total, (value, path) in table.items():
            for m, v in best.items():
                key = total + m
                if key not in nxt or value + v > nxt[key][0]:
                    nxt[key] = (value + v, path + [m])
        table = nxt
    reach = sumset(info, cat, agent, [], cyc.after)
    low = cyc.lower - cyc.so_far if cyc.lower > NO_LOWER else NO_LOWER
    high = cyc.upper - cyc.so_far
    choices = sorted(
        (
            (value, path)
            for total, (value, path) in table.items()
            if ((reach + total >= low) & (reach + total <= high)).any()
        ),
        key=lambda vp: -vp[0],
    )
    moved = 0
    for value, path in choices[:3]:
        if value <= current + 1e-9:
            break
        if _place_levels(ctx, info, state, agent, weeks, path, prefix) > current + 1e-9:
            moved = 1
            break
        for d0, n in spans:
            clear_week(cat, state, agent, d0, n)
        placed[agent, weeks] = False
    if not moved:
        for (d0, n), (starts, templates) in zip(spans, saved):
            clear_week(cat, state, agent, d0, n)
            for i, (s, t) in enumerate(zip(starts, templates)):
                if s >= 0:
                    set_shift(cat, state, agent, d0 + i, int(s), int(t))
    placed[agent, weeks] = True
    return moved


def _place_levels(
    ctx: MoveContext,
    info: CycleInfo,
    state: RosterState,
    agent: int,
    weeks: list[int],
    path: list[int],
    prefix: np.ndarray,
) -> float:
    """Place each week's best legal tour of its chosen paid minutes, in order; return the total value (-BIG: failed)."""
    cat = ctx.cat
    placed = state.placed
    assert placed is not None  # improve_cycles marks every week placed while it runs
    total = 0.0
    for w, level in zip(weeks, path):
        scores, gains, _, _ = week_options(ctx, state, agent, w, prefix)
        tours = cat.classes[w][int(cat.agent_class[agent, w])].tours[0]
        scores = np.where(tour_minutes(info, cat, w, tours) == level, scores, -BIG)
        r = int(np.argmax(scores))
        if scores[r] <= -BIG / 2:
            return -BIG
        total += float(scores[r])
        lay_tour(cat, state, agent, w, tours[r], gains)
        placed[agent, w] = True
    return total
