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
import time

import numpy as np
from ortools.graph.python import min_cost_flow

from . import cycle_mask, cycle_rules, cycle_steer
from .aggregate import AggregatePlan
from ..exceptions import InfeasibleRosterError
from .repair import reinsert
from .state import BIG, MoveContext, RosterState, clear_week, lay_tour, neighbours, set_shift, week_options
from .strand import replan_around, rules_admit
from .tours import DAY, Catalogue

__all__ = ["assign_plan"]

_UNASSIGNED_COST = 1000
# Preference prices (objective units) on the flow's integer arcs: x100, so a late start (cost 1) stays a tie-break.
_PRICE_SCALE = 100
# With wishes, one unit of the cycle's steering cost weighs this much (above any week of wishes x100).
_CYCLE_SCALE = 10_000


def assign_plan(cat: Catalogue, plan: AggregatePlan, deadline: float | None = None) -> tuple[RosterState, int]:
    """Build a named roster following the plan; return it and the number of agent-weeks re-placed.

    ``deadline`` (perf_counter) caps the joint re-plans of stranded weeks (:mod:`.strand`)."""
    state = RosterState.empty(cat)
    state.placed = np.zeros((len(cat.agents), len(cat.grid.weeks)), dtype=bool)
    ctx = MoveContext(cat)
    ctx.deadline = deadline
    replaced = 0
    # Rules spanning weeks: each agent's (hours, weekend) per week, closing its cycle, near the plan.
    trajectories = cycle_steer.plan_trajectories(cat, plan)
    for w, (d0, n) in enumerate(cat.grid.weeks):
        pat = cat.patterns[w]
        chosen: dict[int, tuple[int, int, int]] = {}
        for c, cls in enumerate(cat.classes[w]):
            counts = plan.tour_counts[w][c]
            rows = np.flatnonzero(counts > 0)
            agents = np.array(cls.agent_index, dtype=np.int64)
            tours = cls.tours[0][rows]
            legal, late = _legal_arcs(cat, state, agents, tours, w)
            late = late.astype(np.int64)
            steer = cycle_steer.arc_costs(cat, state, agents, tours, w, plan.cycle_flow, trajectories)
            arc_cost = late + steer
            unassigned_cost = _UNASSIGNED_COST
            if ctx.prefs:
                # Wishes priced in objective units x100 as integers; the cycle's steering costs are scaled
                # far above a week of wishes, so cycle hours keep their priority; the late-start tie-break stays below.
                prices = ctx.prefs.tour_prices(cat, agents, tours, w)
                arc_cost = late + steer * _CYCLE_SCALE + np.rint(_PRICE_SCALE * prices).astype(np.int64)
                unassigned_cost += int(arc_cost.max(initial=0)) * len(agents)
            flow = min_cost_flow.SimpleMinCostFlow()
            n_a, n_t = len(agents), len(rows)
            source, sink, spare = 0, 1 + n_a + n_t, 2 + n_a + n_t
            ai, ti = np.nonzero(legal)
            flow.add_arcs_with_capacity_and_unit_cost(
                np.concatenate(
                    [np.zeros(n_a, dtype=np.int64), 1 + ai, 1 + n_a + np.arange(n_t), 1 + np.arange(n_a), [spare]]
                ),
                np.concatenate([1 + np.arange(n_a), 1 + n_a + ti, np.full(n_t, sink), np.full(n_a, spare), [sink]]),
                np.concatenate(
                    [
                        np.ones(n_a, dtype=np.int64),
                        np.ones(len(ai), dtype=np.int64),
                        counts[rows],
                        np.ones(n_a, dtype=np.int64),
                        [n_a],
                    ]
                ),
                np.concatenate(
                    [
                        np.zeros(n_a, dtype=np.int64),
                        arc_cost[ai, ti],
                        np.zeros(n_t, dtype=np.int64),
                        np.full(n_a, unassigned_cost),
                        [0],
                    ]
                ),
            )
            flow.set_node_supply(source, n_a)
            flow.set_node_supply(sink, -n_a)
            if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the spare arc keeps it feasible
                continue
            first_tour_arc = n_a
            for k in range(len(ai)):
                if flow.flow(first_tour_arc + k):
                    p_, t_, b_ = (int(v) for v in tours[ti[k]])
                    chosen[int(agents[ai[k]])] = (p_, t_, b_)
        # Hand out the planned starts of each (template, day, band), most constrained agent first.
        for day_local in range(n):
            day = d0 + day_local
            # Skill-aware plans time each skill group's starts: a group's agents take its starts.
            by_group = plan.group_starts is not None and cat.skills is not None
            groups: dict[tuple[int, int, int], list[int]] = {}
            for agent, (p, t, b) in chosen.items():
                if t >= 0 and pat.on[p, day_local]:
                    g = int(cat.skills.group_of[agent]) if by_group and cat.skills is not None else 0
                    groups.setdefault((t, b, g), []).append(agent)
            for (t, b, g), members in sorted(groups.items()):
                tpl = cat.templates[t]
                positions = np.flatnonzero(tpl.band_of_start == b)
                if by_group and plan.group_starts is not None:
                    counts_at = [plan.group_starts.get((g, t, day, int(pos)), 0) for pos in positions]
                else:
                    counts_at = [plan.start_counts.get((t, day, int(pos)), 0) for pos in positions]
                pool = sorted(
                    day * DAY + int(tpl.starts[pos]) for pos, n_at in zip(positions, counts_at) for _ in range(n_at)
                )
                band_starts = [day * DAY + int(tpl.starts[pos]) for pos in positions]
                need = {a: neighbours(cat, state, a, d0, n)[0] for a in members}
                for agent in sorted(members, key=lambda a: (-need[a], a)):
                    k = bisect.bisect_left(pool, need[agent])
                    if k < len(pool):
                        start = pool.pop(ctx.prefs.pick_start(cat, agent, t, day, pool, k) if ctx.prefs else k)
                    else:
                        # The plan has no start left that this agent may take: the earliest legal one.
                        start = band_starts[bisect.bisect_left(band_starts, need[agent])]
                    set_shift(cat, state, agent, day, start, t)
        for agent in chosen:
            state.placed[agent, w] = True
        for agent in range(len(cat.agents)):
            if agent not in chosen:
                replaced += place_week(ctx, state, agent, w)
    state.placed = None
    return state, replaced


def _legal_arcs(
    cat: Catalogue, state: RosterState, agents: np.ndarray, tours: np.ndarray, week: int
) -> tuple[np.ndarray, np.ndarray]:
    """(legal, needs a late start) for every agent x tour of a class in one week."""
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    rules = cat.rules
    on = pat.on[tours[:, 0]]  # (tours, n)
    unavailable = cat.unavailable[agents, d0 : d0 + n]
    legal = ~(unavailable.astype(np.int64) @ on.T.astype(np.int64)).astype(bool)
    lead, full = pat.lead[tours[:, 0]], pat.full[tours[:, 0]]
    info = np.array([neighbours(cat, state, int(a), d0, n) for a in agents], dtype=np.int64).reshape(-1, 4)
    min_start, run_before = info[:, 0], info[:, 2]
    legal &= np.where(
        full[None, :],
        run_before[:, None] + n <= rules.max_consecutive_days,
        run_before[:, None] + lead[None, :] <= rules.max_consecutive_days,
    )
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
    if cycle_rules.active(rules):
        legal &= np.array([cycle_mask.week_mask(cat, state, int(a), week, tours) for a in agents], dtype=bool).reshape(
            len(agents), len(tours)
        )
    return legal, late


def place_week(ctx: MoveContext, state: RosterState, agent: int, week: int) -> int:
    """Place one agent-week by the exact move; return the number of agent-weeks (re-)placed.

    When the previous week as assigned leaves no legal week (e.g. a run of working days into
    this week next to unavailable dates), this week is planned first with the previous one
    cleared, then the previous one around it (jointly, see :func:`_place_jointly`); with rules
    spanning weeks, up to every earlier week of the horizon is re-planned that way.
    """
    cat = ctx.cat
    try:
        reinsert(ctx, state, agent, week, must_place=True)
        return 1
    except InfeasibleRosterError as error:
        first_error = error
        if week == 0:
            return _unstrand(ctx, state, agent, week, first_error)
    # Rules spanning weeks (cycle hours, weekends) can need more than the previous week: re-plan
    # back to k weeks before, this week first, then backwards (none past the hard deadline).
    deepest = week if cycle_rules.active(cat.rules) else 1
    if past_deadline(ctx, state):
        deepest = 0
    for k in range(1, deepest + 1):
        weeks = list(range(week - k, week))
        saved = [
            (state.start[agent, d0 : d0 + n].copy(), state.template[agent, d0 : d0 + n].copy())
            for d0, n in (cat.grid.weeks[x] for x in weeks)
        ]
        for x in weeks:
            d0, n = cat.grid.weeks[x]
            clear_week(cat, state, agent, d0, n)
            if state.placed is not None:
                state.placed[agent, x] = False
        # This week first, then backwards; failing that, in calendar order (each order finds
        # different first choices within the budget).
        if _place_jointly(ctx, state, agent, [week] + weeks[::-1], [_JOINT_BUDGET]) or _place_jointly(
            ctx, state, agent, weeks + [week], [_JOINT_BUDGET]
        ):
            return 1 + k
        # Not this deep: put the earlier weeks back as they were and go one week deeper.
        for x in [week] + weeks:
            d0, n = cat.grid.weeks[x]
            clear_week(cat, state, agent, d0, n)
        for x, (starts, templates) in zip(weeks, saved):
            d0, n = cat.grid.weeks[x]
            for i, (s, t) in enumerate(zip(starts, templates)):
                if s >= 0:
                    set_shift(cat, state, agent, d0 + i, int(s), int(t))
            if state.placed is not None:
                state.placed[agent, x] = True
        if state.placed is not None:
            state.placed[agent, week] = False
        if past_deadline(ctx, state):
            break
    return _unstrand(ctx, state, agent, week, first_error)


def _unstrand(ctx: MoveContext, state: RosterState, agent: int, week: int, error: InfeasibleRosterError) -> int:
    """The week has no legal tour next to its neighbours as they are: re-plan it jointly with its
    neighbouring weeks (:func:`.strand.replan_agent`); raise ``error`` only when the rules and the
    history alone admit no legal roster of the agent (:func:`.strand.rules_admit`); otherwise leave
    the week empty for the planner (``state.stranded``). Returns the agent-weeks re-placed."""
    cat = ctx.cat
    if past_deadline(ctx, state):
        # The hard deadline cut the assignment: no joint re-plan (each CP-SAT call would take its
        # 0.05 s floor or more, and under load finish or not by chance), no proof either way, so
        # the week is left for the planner, never a "no legal" the clock did not check.
        state.stranded.append((agent, week))
        return 0
    replanned = replan_around(ctx, state, agent, week)  # not with rules spanning weeks (not in its model)
    if replanned:
        return replanned
    admit = rules_admit(cat, agent, ctx.deadline)
    if admit is False:
        raise InfeasibleRosterError(
            f"{error}; the rules and the previous-week history alone admit no legal roster of the horizon "
            "for this agent (proved by its per-agent CP-SAT model)"
        )
    state.stranded.append((agent, week))
    return 0


def past_deadline(ctx: MoveContext, state: RosterState) -> bool:
    """Whether the hard deadline (``ctx.deadline``) has passed; when it has, the roster records the
    cut of the assignment (``state.cut``, the summary's ``stages_cut``)."""
    if ctx.deadline is None or time.perf_counter() <= ctx.deadline:
        return False
    state.cut.add("assign")
    return True


# Tours tried at most by one joint re-plan of an agent's weeks (a depth-first search).
_JOINT_BUDGET = 2000


def _place_jointly(ctx: MoveContext, state: RosterState, agent: int, weeks: list[int], budget: list[int]) -> bool:
    """Place these agent-weeks in order, each at its best legal tour that leaves the later ones a legal tour.

    Depth-first: the first choice at every level is the exact move's own, so when it works the
    result is the plain sequential re-plan; otherwise the next tours are tried (one per pattern,
    template and shift type), within a budget. Rules spanning weeks need it: the best last week
    of a cycle can leave an earlier week with no legal tour (hours, weekends and unavailable
    days together), which a sequential re-plan cannot see.
    """
    if not weeks:
        return True
    cat = ctx.cat
    week = weeks[0]
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    tours = cat.classes[week][int(cat.agent_class[agent, week])].tours[0]
    clear_week(cat, state, agent, d0, n)
    scores, gains, _, _ = week_options(ctx, state, agent, week, ctx.agent_prefix(state, agent))
    seen: set[tuple] = set()
    paid = np.array([tpl.template.paid_minutes for tpl in cat.templates] + [0], dtype=np.int64)
    weekend = [d - d0 for d in range(d0, d0 + n) if cat.grid.date(d).weekday() >= 5]
    for r in np.argsort(-scores, kind="stable"):
        if scores[r] <= -BIG / 2 or budget[0] <= 0:
            break
        if past_deadline(ctx, state):  # the deterministic budget, and the hard deadline on top
            budget[0] = 0
            break
        p, t, b = (int(v) for v in tours[r])
        # Tours alike to the other weeks (hours, weekend days, edge runs, shift type, first and last
        # day) are tried once, the best first: the search spends its budget on real alternatives.
        key = (
            int(paid[t] * pat.count[p]),
            tuple(pat.on[p, weekend]),
            int(pat.lead[p]),
            int(pat.trail[p]),
            bool(pat.on[p, 0]),
            bool(pat.on[p, n - 1]),
            -2 if t < 0 else int(cat.templates[t].band_type[b]),
        )
        if key in seen:
            continue
        seen.add(key)
        budget[0] -= 1
        lay_tour(cat, state, agent, week, (p, t, b), gains)
        if state.placed is not None:
            state.placed[agent, week] = True
        if _place_jointly(ctx, state, agent, weeks[1:], budget):
            return True
        clear_week(cat, state, agent, d0, n)
        if state.placed is not None:
            state.placed[agent, week] = False
    return False
