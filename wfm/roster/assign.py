"""Stage 2: give the aggregate plan's tours to named agents, week by week.

For each week, a min-cost flow (OR-Tools SimpleMinCostFlow) sends every agent to one tour of
its class with a positive count in the plan, through arcs only where the agent may work that
tour: no shift on an unavailable date, consecutive days including the previous week within
the limit, and on each worked day a start in the band late enough to rest after the previous
week's last shift. Arcs that need a late start cost 1 so unconstrained agents take them
only when nobody else can; an agent who fits no planned tour takes an arc to "unassigned"
(cost 1000) and is placed by the repair move instead. Agents' wishes (:mod:`.preferences`)
add their price to the arcs (the least price of the tour's band each day), and each agent
takes the start of its band it prefers among those it may work.

Within a tour's band, the day's planned starts (the plan's start counts) go to the agents of
that band, the most constrained agent first, each taking the earliest start it may work.
"""

from __future__ import annotations

import bisect

import numpy as np
from ortools.graph.python import min_cost_flow

from .aggregate import AggregatePlan
from ..exceptions import InfeasibleRosterError
from .repair import RosterState, _Context, _neighbours, clear_week, reinsert, set_shift
from .tours import DAY, Catalogue

__all__ = ["assign_plan"]

_UNASSIGNED_COST = 1000
# Preference prices (objective units) on the flow's integer arcs: x100, so a late start (cost 1) stays a tie-break.
_PRICE_SCALE = 100


def assign_plan(cat: Catalogue, plan: AggregatePlan) -> tuple[RosterState, int]:
    """Build a named roster following the plan; return it and the number of agent-weeks re-placed."""
    state = RosterState.empty(cat)
    ctx = _Context(cat)
    replaced = 0
    for w, (d0, n) in enumerate(cat.grid.weeks):
        pat = cat.patterns[w]
        chosen: dict[int, tuple[int, int, int]] = {}
        for c, cls in enumerate(cat.classes[w]):
            counts = plan.tour_counts[w][c]
            rows = np.flatnonzero(counts > 0)
            agents = np.array(cls.agent_index, dtype=np.int64)
            tours = cls.tours[0][rows]
            legal, late = _legal_arcs(cat, state, agents, tours, w)
            arc_cost = late.astype(np.int64)
            unassigned_cost = _UNASSIGNED_COST
            if ctx.prefs:
                # Wishes priced in objective units, scaled to integers; the late-start tie-break stays below.
                prices = ctx.prefs.tour_prices(cat, agents, tours, w)
                arc_cost = arc_cost + np.rint(_PRICE_SCALE * prices).astype(np.int64)
                unassigned_cost += int(arc_cost.max(initial=0)) * len(agents)
            flow = min_cost_flow.SimpleMinCostFlow()
            n_a, n_t = len(agents), len(rows)
            source, sink, spare = 0, 1 + n_a + n_t, 2 + n_a + n_t
            ai, ti = np.nonzero(legal)
            flow.add_arcs_with_capacity_and_unit_cost(
                np.concatenate([np.zeros(n_a, dtype=np.int64), 1 + ai, 1 + n_a + np.arange(n_t), 1 + np.arange(n_a),
                                [spare]]),
                np.concatenate([1 + np.arange(n_a), 1 + n_a + ti, np.full(n_t, sink), np.full(n_a, spare), [sink]]),
                np.concatenate([np.ones(n_a, dtype=np.int64), np.ones(len(ai), dtype=np.int64), counts[rows],
                                np.ones(n_a, dtype=np.int64), [n_a]]),
                np.concatenate([np.zeros(n_a, dtype=np.int64), arc_cost[ai, ti],
                                np.zeros(n_t, dtype=np.int64), np.full(n_a, unassigned_cost), [0]]),
            )
            flow.set_node_supply(source, n_a)
            flow.set_node_supply(sink, -n_a)
            if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the spare arc keeps it feasible
                continue
            first_tour_arc = n_a
            for k in range(len(ai)):
                if flow.flow(first_tour_arc + k):
                    chosen[int(agents[ai[k]])] = tuple(int(v) for v in tours[ti[k]])
        # Hand out the planned starts of each (template, day, band), most constrained agent first.
        for day_local in range(n):
            day = d0 + day_local
            groups: dict[tuple[int, int], list[int]] = {}
            for agent, (p, t, b) in chosen.items():
                if t >= 0 and pat.on[p, day_local]:
                    groups.setdefault((t, b), []).append(agent)
            for (t, b), members in sorted(groups.items()):
                tpl = cat.templates[t]
                positions = np.flatnonzero(tpl.band_of_start == b)
                pool = sorted(day * DAY + int(tpl.starts[pos])
                              for pos in positions
                              for _ in range(plan.start_counts.get((t, day, int(pos)), 0)))
                band_starts = [day * DAY + int(tpl.starts[pos]) for pos in positions]
                need = {a: _neighbours(cat, state, a, d0, n)[0] for a in members}
                for agent in sorted(members, key=lambda a: (-need[a], a)):
                    k = bisect.bisect_left(pool, need[agent])
                    if k < len(pool):
                        start = pool.pop(ctx.prefs.pick_start(cat, agent, t, day, pool, k) if ctx.prefs else k)
                    else:
                        # The plan has no start left that this agent may take: the earliest legal one.
                        start = band_starts[bisect.bisect_left(band_starts, need[agent])]
                    set_shift(cat, state, agent, day, start, t)
        for agent in range(len(cat.agents)):
            if agent not in chosen:
                replaced += place_week(ctx, state, agent, w)
    return state, replaced


def _legal_arcs(cat: Catalogue, state: RosterState, agents: np.ndarray, tours: np.ndarray,
                week: int) -> tuple[np.ndarray, np.ndarray]:
    """(legal, needs a late start) for every agent x tour of a class in one week."""
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    rules = cat.rules
    on = pat.on[tours[:, 0]]  # (tours, n)
    unavailable = cat.unavailable[agents, d0:d0 + n]
    legal = ~(unavailable.astype(np.int64) @ on.T.astype(np.int64)).astype(bool)
    lead, full = pat.lead[tours[:, 0]], pat.full[tours[:, 0]]
    info = np.array([_neighbours(cat, state, int(a), d0, n) for a in agents], dtype=np.int64).reshape(-1, 4)
    min_start, run_before = info[:, 0], info[:, 2]
    legal &= np.where(full[None, :], run_before[:, None] + n <= rules.max_consecutive_days,
                      run_before[:, None] + lead[None, :] <= rules.max_consecutive_days)
    # Rest after the previous week: the band's latest start on the first worked day must be late enough.
    first_day = np.where(on.any(axis=1), np.argmax(on, axis=1), n)
    latest = np.full(len(tours), 10**12, dtype=np.int64)
    earliest = np.full(len(tours), 10**12, dtype=np.int64)
    for r, (_, t, b) in enumerate(tours):
        if t >= 0 and first_day[r] < n:
            tpl = cat.templates[t]
            latest[r] = (d0 + first_day[r]) * DAY + int(tpl.band_last[b])
            earliest[r] = (d0 + first_day[r]) * DAY + int(tpl.band_first[b])
    legal &= latest[None, :] >= min_start[:, None]
    late = earliest[None, :] < min_start[:, None]
    return legal, late


def place_week(ctx: _Context, state: RosterState, agent: int, week: int) -> int:
    """Place one agent-week by the exact move; return the number of agent-weeks (re-)placed.

    When the previous week as assigned leaves no legal week (e.g. a run of working days into
    this week next to unavailable dates), this week is planned first with the previous one
    cleared, then the previous one around it.
    """
    cat = ctx.cat
    try:
        reinsert(ctx, state, agent, week, must_place=True)
        return 1
    except InfeasibleRosterError:
        if week == 0:
            raise
    d0, n = cat.grid.weeks[week - 1]
    clear_week(cat, state, agent, d0, n)
    reinsert(ctx, state, agent, week, must_place=True)
    reinsert(ctx, state, agent, week - 1, must_place=True)
    return 2
