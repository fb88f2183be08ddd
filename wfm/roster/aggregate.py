"""Stage 1: the aggregate covering model over integer tour counts (implicit start-time bands).

Variables (all integer counts, no agent names):

- ``T[w, class, tour]``: agents of a class working a tour (pattern x template x band) in week w;
- ``S[template, day, start]``: shifts of a template starting at a time on a day;
- ``u_k[i]`` (under-staffing, one per convex segment) and ``o[i]`` (over-staffing) per interval.

Constraints:

- every agent of a class works exactly one tour per week (the empty tour when min hours allow);
- implicit bands (Jacobs & Brusco 1996): on each day, the starts inside a band add up to the
  tours of that band working that day, so the daily start can move inside the band freely;
- coverage: starts covering an interval (overnight shifts spill into the next morning; spill past
  the horizon end is dropped) + carry-in from previous-week shifts + under - over = required;
- seats: heads in every interval <= seats.

The model is written once as a sparse linear program and handed to CP-SAT (integer) and to
HiGHS through scipy (LP relaxation, a quick valid lower bound). Labour rules that are not
agent-specific hold by construction of the tours; agent-specific ones (unavailable dates,
history) are relaxed here, so the optimum is a lower bound for every roster built from the
same tour catalogue.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import OptimizeWarning, linprog

from ..backlog import balance_row, deadline_capacity, deadline_row
from ..lp_status import solve_lp
from . import cycle_rows
from .tours import DAY, Catalogue

__all__ = [
    "AggregatePlan",
    "AggregateModel",
    "build_aggregate",
    "solve_aggregate",
    "lp_bound",
    "lp_relaxation",
    "lagrangian_bound",
    "dive_tours",
    "SCALE",
]

#: internal objective units per weight unit: weights are resolved to 1/60 so costs are integers
SCALE = 60


@dataclass
class AggregateModel:
    """The aggregate model in sparse linear form plus the maps back to tours and starts."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    a_eq: sp.csr_matrix
    b_eq: np.ndarray
    a_ub: sp.csr_matrix
    b_ub: np.ndarray
    tour_var: list[list[np.ndarray]]  # [week][class] -> variable index per tour row
    start_var: dict[tuple[int, int, int], int]  # (template, day, start position) -> variable index
    under_var: np.ndarray  # (segments, intervals)
    over_var: np.ndarray
    constant: float  # objective constant (carry-in over-staffing no decision can change)
    link_rows: list[tuple[list[int], list[int]]]  # (start vars, tour vars) of each band link
    cover_rows: np.ndarray  # equality row of each interval's coverage
    # Implicit break placement: per (start var, break of its template) the variables counting
    # that break at each allowed offset; they sum to the start count.
    break_groups: list[tuple[int, np.ndarray]] = field(default_factory=list)
    break_load: sp.csr_matrix | None = None  # (intervals, variables): agents on break per interval
    # Cycle hour balancing: (contract, week, paid minutes so far, paid minutes this week) -> variable
    # counting the contract's agents making that step (cycle_rows.add_hours_flow).
    cycle_flow: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    # Start variables kept apart for one class whose history cuts a band inside (first days of
    # the first week): (template, day, start position) -> variable indices, besides start_var.
    start_extra: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)
    # Skill-aware model (docs/roster.md, "Skills"): (group, template, day, start position) -> the
    # group's start variables there (its shared-band starts and its classes' history-cut starts);
    # the shared start variable of start_var is the sum of the groups' shared-band starts.
    group_start: dict[tuple[int, int, int, int], list[int]] = field(default_factory=dict)
    pooled_members: list[tuple[int, list[int]]] = field(default_factory=list)  # (start var, group start vars)
    skill_vars: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # x, under, backlog, ...
    skill_excess_var: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # e[t]
    queue_rows: dict[tuple[int, int], int] = field(default_factory=dict)  # (t, q) -> <= row of its cover/deadline
    # surplus reward segments (wfm.roster.surplus): per interval, its segment variables (<= over)
    reward_var: dict[int, np.ndarray] = field(default_factory=dict)
    # first-week merged classes (solver.merge_history): class -> (mask over its tours, agents) of
    # each history ruling some of them out (the counting rows of _history_rows)
    history: dict[int, list[tuple[np.ndarray, int]]] = field(default_factory=dict)

    def start_items(self) -> list[tuple[tuple[int, int, int], list[int]]]:
        """Every (template, day, start position) with all its start variables (shared and per class)."""
        keys = sorted(set(self.start_var) | set(self.start_extra))
        return [(k, ([self.start_var[k]] if k in self.start_var else []) + self.start_extra.get(k, [])) for k in keys]

    def start_counts(self, values: np.ndarray) -> dict[tuple[int, int, int], int]:
        """Shifts per (template, day, start position) in a whole solution (zeros left out)."""
        out = {}
        for key, vs in self.start_items():
            n = int(round(float(values[vs].sum())))
            if n:
                out[key] = n
        return out

    def group_start_counts(self, values: np.ndarray) -> dict[tuple[int, int, int, int], int]:
        """Shifts per (skill group, template, day, start position) in a whole solution (skill-aware model)."""
        out = {}
        for key, vs in sorted(self.group_start.items()):
            n = int(round(float(values[vs].sum())))
            if n:
                out[key] = n
        return out

    def queue_prices(self, dual_ub: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
        """``(T, Q)`` prices of the per-queue rows (weight units per skilled head; 0 where none)."""
        out = np.zeros(shape)
        if dual_ub is None or not self.queue_rows:
            return out
        keys = np.array(list(self.queue_rows.keys()), dtype=np.int64).reshape(-1, 2)
        rows = np.array(list(self.queue_rows.values()), dtype=np.int64)
        out[keys[:, 0], keys[:, 1]] = np.maximum(-np.nan_to_num(dual_ub[rows]), 0.0) / SCALE
        return out

    def breaks_per_interval(self, values: np.ndarray) -> np.ndarray:
        """Agents on break per interval in a solution (zeros when no template has breaks)."""
        if self.break_load is None:
            return np.zeros(self.over_var.size)
        return np.asarray(self.break_load @ values, dtype=float)


@dataclass
class AggregatePlan:
    """The aggregate solution: tour counts, start counts, objective and bounds (weight units)."""

    tour_counts: list[list[np.ndarray]]
    start_counts: dict[tuple[int, int, int], int]
    objective: float
    bound: float
    status: str
    wall_sec: float
    values: np.ndarray | None = None
    deterministic_time: float = 0.0
    # the hours flow of the plan's solution (cycle_rows.flow_values): steers the assignment's cycle hours
    cycle_flow: dict[tuple[str, int, int], dict[int, float]] | None = None
    # skill-aware model: starts per (skill group, template, day, start position); None otherwise
    group_starts: dict[tuple[int, int, int, int], int] | None = None


def build_aggregate(
    cat: Catalogue, *, history_cuts: bool = False, floors: dict[int, int] | None = None
) -> AggregateModel:
    """Write the aggregate covering model as a sparse linear program.

    With ``history_cuts`` the model is no longer a relaxation but a restriction that named
    agents can follow exactly: on the first two days, a first-week class whose previous-week
    rest rules out the first starts of a band, for its most constrained agent, gets start
    variables of its own in that band, from the first start every agent of the class may take.
    (Without it, the class shares the band's starts and a plan can put them where some of its
    agents may not start, which the assignment then has to move.) The bound comes from the
    model without cuts; the LP dive runs on the one with them.

    ``floors`` (skill-aware model): per queue index, head-intervals every roster leaves it short
    at least (:mod:`wfm.roster.skill_floor`); each adds ``sum_b uq[b, q] >= floor``, a row every
    roster meets, so the model stays a relaxation.
    """
    grid, rules = cat.grid, cat.rules
    step = grid.interval_minutes
    n_int = grid.n_intervals
    weights = rules.objective
    cost: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def new_var(c: float, lo: float, hi: float) -> int:
        cost.append(c)
        lower.append(lo)
        upper.append(hi)
        return len(cost) - 1

    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    b_eq: list[float] = []

    def add_eq(cols: list[int], vals: list[float], rhs: float) -> None:
        row = len(b_eq)
        eq_rows.extend([row] * len(cols))
        eq_cols.extend(cols)
        eq_vals.extend(vals)
        b_eq.append(rhs)

    # Tour counts; every agent works exactly one tour per week.
    tour_var: list[list[np.ndarray]] = []
    template_users = np.zeros(len(cat.templates), dtype=np.int64)
    for cls in cat.classes[0]:
        for t in cls.template_ids:
            template_users[t] += len(cls.agent_index)
    for w, (_, _n_days) in enumerate(grid.weeks):
        per_class = []
        pat = cat.patterns[w]
        for cls in cat.classes[w]:
            tours = cls.tours[0]
            n_agents = len(cls.agent_index)
            idx = np.empty(len(tours), dtype=np.int64)
            for r, (p, t, _b) in enumerate(tours):
                paid = 0 if t < 0 else cat.templates[t].template.paid_minutes * int(pat.count[p])
                idx[r] = new_var(round(weights.paid_hour_weight * paid), 0, n_agents)
            add_eq(idx.tolist(), [1.0] * len(idx), n_agents)
            per_class.append(idx)
        tour_var.append(per_class)
    # Cycle hour balancing: how many agents of each contract are at each paid-hours total, week by week.
    cycle_flow = cycle_rows.add_hours_flow(cat, tour_var, new_var, add_eq)

    # Start counts, only where some tour can use them; linked to tours band by band, day by day.
    start_var: dict[tuple[int, int, int], int] = {}
    start_extra: dict[tuple[int, int, int], list[int]] = {}
    # (template, day, band, owner) -> tour variables; owner -1 is the shared link, owner c a class
    # whose previous-week rest rules out the band's first starts on that day (its own starts).
    link: dict[tuple[int, int, int, int, int], list[int]] = {}
    aware = cat.skill_aware
    n_grp = cat.skills.n_groups if aware and cat.skills is not None else 1
    group_start: dict[tuple[int, int, int, int], list[int]] = {}
    pooled_of: dict[tuple[int, int, int], int] = {}
    members_of: dict[int, list[int]] = {}
    link_rows: list[tuple[list[int], list[int]]] = []
    cuts = {c: _history_cuts(cat, cls) for c, cls in enumerate(cat.classes[0])} if history_cuts else {}
    for w, (d0, _n_days) in enumerate(grid.weeks):
        pat = cat.patterns[w]
        for c, cls in enumerate(cat.classes[w]):
            early = cuts[c] if w == 0 and history_cuts else ()
            for r, (p, t, b) in enumerate(cls.tours[0]):
                if t >= 0:
                    for local in np.flatnonzero(pat.on[p]):
                        owner = -1
                        if int(local) < len(early):
                            cut = early[int(local)][cls.template_ids.index(t)]
                            in_band = np.flatnonzero(cat.templates[t].band_of_start == b)
                            if cut > in_band[0]:
                                owner = c
                        link.setdefault((t, d0 + int(local), int(b), owner, cat.group_of_class(w, c)), []).append(
                            int(tour_var[w][c][r])
                        )
    cover_cols: list[list[int]] = [[] for _ in range(n_int)]
    break_cols: list[list[int]] = [[] for _ in range(n_int)]
    break_groups: list[tuple[int, np.ndarray]] = []
    seq_rows: list[tuple[list[int], list[int]]] = []
    gross_cols: list[list[list[int]]] = [[[] for _ in range(n_int)] for _ in range(n_grp)] if aware else []
    for (t, day, b, owner, grp), tvars in sorted(link.items()):
        plan = cat.templates[t]
        positions = np.flatnonzero(plan.band_of_start == b)
        if owner >= 0:
            cls = cat.classes[0][owner]
            positions = positions[positions >= cuts[owner][day][cls.template_ids.index(t)]]
        n_len = plan.template.length_minutes // step
        svars = []
        for pos in positions:
            first = (day * DAY + int(plan.starts[pos])) // step
            if aware:
                # The group's own start count (its heads on shift); the shared start variable
                # below is the sum over groups, and carries the coverage and the breaks.
                gv = new_var(0, 0, int(template_users[t]))
                svars.append(gv)
                group_start.setdefault((grp, t, day, int(pos)), []).append(gv)
                for i in range(first, min(first + n_len, n_int)):
                    gross_cols[grp][i].append(gv)
                if owner < 0:
                    if (t, day, int(pos)) in pooled_of:
                        members_of[pooled_of[(t, day, int(pos))]].append(gv)
                        continue
                    v = new_var(0, 0, int(template_users[t]))
                    pooled_of[(t, day, int(pos))] = v
                    members_of[v] = [gv]
                    start_var[(t, day, int(pos))] = v
                else:
                    v = gv  # a class's own starts: its group's, and coverage directly
                    start_extra.setdefault((t, day, int(pos)), []).append(v)
            else:
                v = new_var(0, 0, int(template_users[t]))
                if owner < 0:
                    start_var[(t, day, int(pos))] = v
                else:
                    start_extra.setdefault((t, day, int(pos)), []).append(v)
                svars.append(v)
            for i in range(first, min(first + n_len, n_int)):
                cover_cols[i].append(v)
            # Bechtold & Jacobs style implicit breaks, per start: each break of the template is
            # counted at one of its allowed offsets; an agent on break is not coverage. Only the
            # minimum work stretch between two breaks of one shift is relaxed here.
            prev = None
            for j, (offsets, n_occ) in enumerate(plan.break_offsets):
                bvars = np.array([new_var(0, 0, int(template_users[t])) for _ in offsets], dtype=np.int64)
                for bv, off in zip(bvars, offsets):
                    a = first + int(off) // step
                    for i in range(a, min(a + n_occ, n_int)):
                        break_cols[i].append(int(bv))
                add_eq(bvars.tolist() + [v], [1.0] * len(bvars) + [-1.0], 0.0)
                break_groups.append((v, bvars))
                if prev is not None:
                    # Forward constraints: breaks j at offsets <= o need as many breaks j-1 ending
                    # min_work_minutes before o (true of every roster, so the bound stays valid).
                    p_off, p_vars = prev
                    gap = plan.template.breaks[j - 1].minutes + plan.template.min_work_minutes
                    for q, off in enumerate(offsets):
                        allowed = p_vars[p_off <= off - gap]
                        if len(allowed) >= len(p_vars) and q == len(offsets) - 1:
                            continue  # implied by the two equalities
                        seq_rows.append((bvars[: q + 1].tolist(), allowed.tolist()))
                prev = (offsets, bvars)
        link_rows.append((svars, tvars))
        add_eq(svars + tvars, [1.0] * len(svars) + [-1.0] * len(tvars), 0.0)
    pooled_members = sorted(members_of.items())
    for v, gvs in pooled_members:
        add_eq(gvs + [v], [1.0] * len(gvs) + [-1.0], 0.0)

    # Coverage with convex under-staffing segments and over-staffing, per interval.
    segments = weights.under_segments
    under_var = np.empty((len(segments), n_int), dtype=np.int64)
    over_var = np.empty(n_int, dtype=np.int64)
    cover_rows: list[int] = []
    n_agents = len(cat.agents)
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    b_ub: list[float] = []
    constant = 0.0
    for i in range(n_int):
        need = int(grid.required[i] - cat.carry[i])
        cols = list(cover_cols[i]) + break_cols[i]
        vals = [1.0] * len(cover_cols[i]) + [-1.0] * len(break_cols[i])
        left = max(need, 0)
        for k, seg in enumerate(segments):
            width = left if seg.width is None else min(seg.width, left)
            under_var[k, i] = new_var(round(seg.weight * SCALE), 0, width)
            left -= width
        over_var[i] = new_var(round(weights.over_weight * SCALE), 0, n_agents + int(cat.carry[i]))
        cols += under_var[:, i].tolist() + [int(over_var[i])]
        vals += [1.0] * len(segments) + [-1.0]
        if need < 0:
            # Carry-in alone over-staffs this interval: that part is fixed, not a decision.
            constant += -need * weights.over_weight
            need = 0
        cover_rows.append(len(b_eq))
        add_eq(cols, vals, float(need))
        # Seat limit: heads on shift (carry-in included) never exceed the seats.
        row = len(b_ub)
        ub_rows.extend([row] * len(cover_cols[i]))
        ub_cols.extend(cover_cols[i])
        b_ub.append(float(max(rules.seats - int(cat.carry[i]), 0)))
    ub_vals = [1.0] * len(ub_cols)
    reward_var: dict[int, np.ndarray] = {}
    if grid.surplus is not None and weights.over_weight > 0:
        # Concave reward of the first surplus agents (negative costs, filled in order): sum <= over.
        carry_over = np.maximum(cat.carry.astype(np.int64) - grid.required, 0)
        left_w = grid.surplus.remaining(carry_over)
        rewards = grid.surplus.rewards(weights.over_weight)
        constant -= grid.surplus.reward(carry_over, weights.over_weight)
        for i in np.flatnonzero(left_w.sum(axis=0) > 0).tolist():
            segs = [
                new_var(-round(rewards[k, i] * SCALE), 0, int(left_w[k, i]))
                for k in range(left_w.shape[0])
                if left_w[k, i] > 0 and round(rewards[k, i] * SCALE) > 0
            ]
            if not segs:
                continue
            reward_var[int(i)] = np.array(segs, dtype=np.int64)
            row = len(b_ub)
            ub_rows.extend([row] * (len(segs) + 1))
            ub_cols.extend(segs + [int(over_var[i])])
            ub_vals.extend([1.0] * len(segs) + [-1.0])
            b_ub.append(0.0)
    for plus, minus in seq_rows:
        row = len(b_ub)
        ub_rows.extend([row] * (len(plus) + len(minus)))
        ub_cols.extend(plus + minus)
        ub_vals.extend([1.0] * len(plus) + [-1.0] * len(minus))
        b_ub.append(0.0)
    # First-week history in merged classes (true of every legal roster: still a relaxation).
    history = {c: cls.history_masks for c, cls in enumerate(cat.classes[0]) if cls.history_masks} if cat.classes else {}
    for cols, rhs in _history_rows(cat, history, tour_var):
        row = len(b_ub)
        ub_rows.extend([row] * len(cols))
        ub_cols.extend(cols)
        ub_vals.extend([1.0] * len(cols))
        b_ub.append(float(rhs))
    # Rules spanning weeks, summed per contract (true of every legal roster: still a relaxation).
    for cols, coefs, rhs in cycle_rows.aggregate_rows(cat, tour_var):
        row = len(b_ub)
        ub_rows.extend([row] * len(cols))
        ub_cols.extend(cols)
        ub_vals.extend(float(c) for c in coefs)
        b_ub.append(float(rhs))
    skill_vars = np.zeros(0, dtype=np.int64)
    excess_var = np.zeros(0, dtype=np.int64)
    queue_rows: dict[tuple[int, int], int] = {}
    if aware:
        first_skill = len(cost)

        def add_ub(cols: list[int], vals: list[float], rhs: float) -> int:
            row = len(b_ub)
            ub_rows.extend([row] * len(cols))
            ub_cols.extend(cols)
            ub_vals.extend(vals)
            b_ub.append(float(rhs))
            return row

        excess_var, queue_rows = _skill_rows(
            cat, new_var, add_eq, add_ub, gross_cols, cover_cols, break_cols, under_var, floors or {}
        )
        skill_vars = np.arange(first_skill, len(cost), dtype=np.int64)
    n_var = len(cost)
    a_eq = sp.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(b_eq), n_var))
    a_ub = sp.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(b_ub), n_var))
    break_load = None
    if break_groups:
        rows = [i for i in range(n_int) for _ in break_cols[i]]
        cols_b = [c for i in range(n_int) for c in break_cols[i]]
        break_load = sp.csr_matrix(([1.0] * len(cols_b), (rows, cols_b)), shape=(n_int, n_var))
    return AggregateModel(
        np.array(cost),
        np.array(lower),
        np.array(upper),
        a_eq,
        np.array(b_eq),
        a_ub,
        np.array(b_ub),
        tour_var,
        start_var,
        under_var,
        over_var,
        constant,
        link_rows,
        np.array(cover_rows, dtype=np.int64),
        break_groups,
        break_load,
        cycle_flow=cycle_flow,
        start_extra=start_extra,
        group_start=group_start,
        pooled_members=pooled_members,
        skill_vars=skill_vars,
        skill_excess_var=excess_var,
        queue_rows=queue_rows,
        reward_var=reward_var,
        history=history,
    )


def _skill_rows(
    cat: Catalogue,
    new_var: Callable,
    add_eq: Callable,
    add_ub: Callable,
    gross_cols: list[list[list[int]]],
    cover_cols: list[list[int]],
    break_cols: list[list[int]],
    under_var: np.ndarray,
    floors: dict[int, int],
) -> tuple[np.ndarray, dict[tuple[int, int], int]]:
    """The per-queue covering rows of the skill-aware model (docs/roster.md, "Skills").

    Per interval t: heads of group g allocated to the queues it holds, ``x[t, g, q] >= 0``, at
    most g's heads on shift (``sum_q x[t, g, q] <= starts of g covering t + g's carry-in``) and,
    all groups together, at most the heads on shift and not on break (``sum_{g, q} x[t, g, q]
    <= starts covering t - breaks in t + carry-in``: breaks are shared by the groups, so each
    group's heads are counted gross and their sum net, a relaxation). Interval queues:
    ``sum_g x[t, g, q] + uq[t, q] >= req[t, q]``; deferrable queues as backlogs within their
    deadline (:mod:`wfm.backlog`, shared with :func:`wfm.cover.allocate`). The skill excess
    ``e[t] >= sum_q uq[t, q] + sum_q late[t, q] - (pooled under-staffing in t)``, ``e >= 0``,
    costs the first under-staffing segment's weight per head: a head missing from a queue
    because the heads on shift lack its skill costs what a missing head costs. (No cheaper, and
    no dearer: with a dearer price the model could gain by raising the pooled under- and
    over-staffing together.)

    With ``solver.skill_block_minutes`` above the grid's interval, the rows of the interval
    queues are summed over blocks of that many minutes (docs/roster.md, "Skill rows by
    block"): one allocation ``X[b, g, q]`` (head-intervals) per block, group and queue, and the
    block's sums of the capacity, cover and excess rows above; the deferrable queues' backlog
    rows stay per interval, their allocations entering the block sums. Every solution of the
    per-interval rows gives one of the block rows (sum its ``x``, ``uq`` and ``e`` over the
    block) at the same cost, so the block model is a relaxation of the per-interval one and its
    LP value still bounds every roster; it has about ``1 / k`` of the skill rows and allocation
    variables for blocks of ``k`` intervals.
    """
    assert cat.skills is not None
    sk = cat.skills
    grid = cat.grid
    step = grid.interval_minutes
    n_int = grid.n_intervals
    k = max(1, int(cat.rules.solver.skill_block_minutes) // step)
    req = sk.required
    holds = sk.holds
    n_g, n_q = holds.shape
    weight = round(cat.rules.objective.under_segments[0].weight * SCALE)
    # carry-in per group: previous-week shifts still running at the horizon start
    carry_g = np.zeros((n_int, n_g), dtype=np.int64)
    for a in range(len(cat.agents)):
        end = int(cat.prev_end[a])
        if end > 0:
            carry_g[: min(n_int, -(-end // step)), int(sk.group_of[a])] += 1
    size_g = np.bincount(sk.group_of, minlength=n_g)
    deferrable = sk.deferrable
    blocks = [range(s, min(s + k, n_int)) for s in range(0, n_int, k)]
    block_req = np.add.reduceat(req, np.arange(0, n_int, k), axis=0)  # (blocks, Q)
    x_of: dict[tuple[int, int], list[int]] = {}  # (block, interval queue) or (t, deferrable queue) -> x vars
    for j, block in enumerate(blocks):
        every: list[int] = []
        for g in range(n_g):
            on_shift = [c for i in block for c in gross_cols[g][i]]
            carry = int(carry_g[block.start : block.stop, g].sum())
            if not on_shift and not carry:
                continue
            xs: list[int] = []
            for q_h in np.flatnonzero(holds[g]):
                q = int(q_h)
                if not deferrable[q]:  # one allocation for the block
                    if block_req[j, q] > 0:
                        xs.append(new_var(0, 0, int(size_g[g]) * len(block)))
                        x_of.setdefault((j, q), []).append(xs[-1])
                    continue
                for i in block:  # a backlog queue: per interval, as its rows
                    if gross_cols[g][i] or carry_g[i, g]:
                        xs.append(new_var(0, 0, int(size_g[g])))
                        x_of.setdefault((i, q), []).append(xs[-1])
            if xs:
                add_ub(xs + on_shift, [1.0] * len(xs) + [-1.0] * len(on_shift), float(carry))
                every.extend(xs)
        if every:
            cover = [c for i in block for c in cover_cols[i]]
            on_break = [c for i in block for c in break_cols[i]]
            add_ub(
                every + cover + on_break,
                [1.0] * len(every) + [-1.0] * len(cover) + [1.0] * len(on_break),
                float(cat.carry[block.start : block.stop].sum()),
            )
    short: list[list[int]] = [[] for _ in blocks]
    rows: dict[tuple[int, int], int] = {}
    for q in range(n_q):
        if deferrable[q]:
            continue
        uqs: list[int] = []
        for j_r in np.flatnonzero(block_req[:, q] > 0):
            j = int(j_r)
            uq = new_var(0, 0, int(block_req[j, q]))
            uqs.append(uq)
            short[j].append(uq)
            xs = x_of.get((j, q), [])
            row = add_ub(xs + [uq], [-1.0] * (len(xs) + 1), -float(block_req[j, q]))
            for i in blocks[j]:
                if req[i, q] > 0:
                    rows[(i, q)] = row
        if floors.get(q, 0) > 0 and uqs:
            add_ub(uqs, [-1.0] * len(uqs), -float(min(floors[q], int(block_req[:, q].sum()))))
    for q_d in np.flatnonzero(deferrable):
        q = int(q_d)
        work = req[:, q].astype(np.int64)
        total = int(work.sum())
        d = int(sk.deadline_steps[q])  # type: ignore[arg-type]
        recent = deadline_capacity(work, d)
        prev_b = None
        for i in range(n_int):
            b = new_var(0, 0, total)
            late = new_var(0, 0, total)
            # wfm.backlog's rows: balance b[t] - b[t-1] + served[t] = w[t], deadline b[t] - late[t] <= recent[t]
            add_eq(*balance_row(x_of.get((i, q), []), b, prev_b), float(work[i]))
            rows[(i, q)] = add_ub(*deadline_row(b, late), float(int(recent[i])))
            short[i // k].append(late)
            prev_b = b
    excess = np.full(len(blocks), -1, dtype=np.int64)
    for j, block in enumerate(blocks):
        if not short[j]:
            continue
        bound = int(block_req[j, ~deferrable].sum() + len(block) * req[:, deferrable].sum())
        e = new_var(weight, 0, bound)
        excess[j] = e
        pooled = under_var[:, block.start : block.stop].reshape(-1).tolist()
        add_ub(short[j] + pooled + [e], [1.0] * len(short[j]) + [-1.0] * len(pooled) + [-1.0], 0.0)
    return excess, rows


def _history_rows(
    cat: Catalogue, history: dict[int, list[tuple[np.ndarray, int]]], tour_var: list[list[np.ndarray]]
) -> list[tuple[list[int], int]]:
    """Counting rows of the first week's merged classes (``solver.merge_history``).

    A history ``h`` of a class rules out the tours outside its mask, so those tours go only to
    agents whose history allows some tour outside it: ``sum of x over tours outside mask_h <=
    agents whose mask is not inside mask_h`` (agents without a restricting history count among
    them). Every legal roster meets it, so the model stays a relaxation; when the histories'
    masks are nested (as fewer days worked before and earlier rest are) these rows are exactly
    Hall's condition, so a plan meeting them can be given to the class's agents tour by tour."""
    rows: list[tuple[list[int], int]] = []
    for c, masks in history.items():
        free = len(cat.classes[0][c].agent_index) - sum(n for _, n in masks)
        for mask, _ in masks:
            rhs = free + sum(n for other, n in masks if (other & ~mask).any())
            rows.append((tour_var[0][c][~mask].tolist(), rhs))
    return rows


def _history_cuts(cat: Catalogue, cls) -> tuple[tuple[int, ...], ...]:
    """Per first-week day (0, 1) and template of a class: starts too early for its most rested-out agent.

    None for a merged class (``solver.merge_history``): its agents' histories differ, and the
    assignment gives each the starts its own rest allows."""
    if cls.key[2] == ():  # a first-week class always carries its history unless merged
        return tuple(tuple(0 for _ in cls.template_ids) for _ in (0, 1))
    min_start = int(cat.prev_end[cls.agent_index].max()) + cat.rules.min_rest_minutes
    return tuple(
        tuple(int((day * DAY + cat.templates[t].starts < min_start).sum()) for t in cls.template_ids) for day in (0, 1)
    )


def lp_bound(
    model: AggregateModel,
    *,
    objective: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    time_limit: float | None = None,
) -> tuple[float, np.ndarray | None]:
    """Solve the LP relaxation with HiGHS; return (optimum in internal units, solution) or (nan, None).

    Interior point with crossover: ~3x faster than dual simplex on the benchmark week, and the
    crossover still returns a vertex (few fractional tours), which rounds well. ``lower`` and
    ``upper`` override the variables' bounds (the dive fixes tours through them). ``time_limit``
    (seconds, None: none): past it (nan, None).
    """
    result = lp_relaxation(model, objective=objective, lower=lower, upper=upper, time_limit=time_limit)
    return (result.value, result.x) if result.status == "OPTIMAL" else (float("nan"), None)


@dataclass
class LPResult:
    """An LP solve: status, optimum and solution when solved, and a certified lower bound."""

    status: str  # OPTIMAL, LIMIT (time or iterations), FEASIBLE (point, no optimum), INFEASIBLE (confirmed), FAILED
    value: float  # LP optimum, internal units (nan unless OPTIMAL)
    x: np.ndarray | None  # the solution (OPTIMAL), or the last iterate (LIMIT), or None
    bound: float  # Lagrangian bound from the returned multipliers, internal units (nan if none)
    wall_sec: float
    dual_ub: np.ndarray | None = None  # multipliers of the <= rows (HiGHS's sign: <= 0), when returned
    note: str = ""  # what wfm.lp_status did when the first solve was not a plain optimum


def lp_relaxation(
    model: AggregateModel,
    *,
    objective: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    time_limit: float | None = None,
    crossover: bool = True,
    iteration_limit: int | None = None,
) -> LPResult:
    """Solve the LP relaxation with HiGHS (interior point), optionally under a time limit.

    ``crossover=False`` skips HiGHS's crossover to a vertex: on the example centre's week with
    breaks the interior point converged in ~9 s but crossover's simplex clean-up stalled for
    minutes on a degenerate vertex; the bound needs no vertex. ``iteration_limit`` caps HiGHS's
    interior point and simplex iterations (not IPX's crossover), a deterministic stop for that
    clean-up: the benchmark week's crossover needs no simplex iteration at all.

    Whatever the outcome, the row multipliers HiGHS returns are turned into a lower bound by
    :func:`lagrangian_bound`, which is valid for *any* multipliers: at the optimum it equals the
    LP value (up to tolerances), and when the time limit stops the solver it is still a proven,
    if weaker, bound on every integer solution.
    """
    t0 = time.perf_counter()
    c = model.cost if objective is None else objective
    lo = model.lower if lower is None else lower
    hi = model.upper if upper is None else upper
    options: dict = {} if time_limit is None else {"time_limit": max(1.0, float(time_limit))}
    if not crossover:
        options["run_crossover"] = "off"  # a HiGHS option scipy passes through verbatim
    if iteration_limit is not None:
        options["maxiter"] = int(iteration_limit)
    # every HiGHS status handled by wfm.lp_status: re-solves on numerical trouble or "Unknown",
    # infeasible only when a second method confirms it, a checked feasible point otherwise
    out = solve_lp(
        c,
        a_ub=model.a_ub,
        b_ub=model.b_ub,
        a_eq=model.a_eq,
        b_eq=model.b_eq,
        bounds=np.column_stack([lo, hi]),
        method="highs-ipm",
        options=options,
    )
    bound = float("nan")
    if out.eq_marginals is not None and out.ub_marginals is not None:
        bound = lagrangian_bound(model, out.eq_marginals, out.ub_marginals, objective=c, lower=lo, upper=hi)
    wall = time.perf_counter() - t0
    dual_ub = out.ub_marginals
    if out.status == "OPTIMAL":
        return LPResult("OPTIMAL", out.fun, out.x, bound, wall, dual_ub, note=out.note)
    if out.status == "INFEASIBLE":
        return LPResult("INFEASIBLE", float("nan"), None, float("nan"), wall, note=out.note)
    # LIMIT (time or iterations), FEASIBLE (a checked point, no optimum) or FAILED (no point)
    return LPResult(out.status, float("nan"), out.x, bound, wall, dual_ub, note=out.note)


def lagrangian_bound(
    model: AggregateModel,
    dual_eq: np.ndarray,
    dual_ub: np.ndarray,
    *,
    objective: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> float:
    """A lower bound on the model's optimum from any row multipliers (internal units).

    For multipliers ``y`` of the equalities and ``z <= 0`` of the ``<=`` rows (positive parts are
    clipped), every feasible ``x`` has ``c x = d x + y b_eq + z A_ub x >= d x + y b_eq + z b_ub``
    with reduced costs ``d = c - A_eq' y - A_ub' z``, and ``d x`` is at least its minimum over
    the variables' box (every variable of the aggregate model has finite bounds). So the bound
    holds whatever the multipliers' quality: an LP stopped early still proves something.
    """
    c = model.cost if objective is None else objective
    lo = model.lower if lower is None else lower
    hi = model.upper if upper is None else upper
    y = np.nan_to_num(np.asarray(dual_eq, dtype=float))
    z = np.minimum(np.nan_to_num(np.asarray(dual_ub, dtype=float)), 0.0)
    reduced = c - model.a_eq.T @ y - model.a_ub.T @ z
    box = np.where(reduced >= 0, reduced * lo, reduced * hi)
    if not np.all(np.isfinite(box)):
        return float("nan")
    return float(y @ model.b_eq + z @ model.b_ub + box.sum())


@dataclass
class Dive:
    """The outcome of :func:`dive_tours`: an LP solution whose tour counts are all whole."""

    values: np.ndarray  # LP solution with integral tours (starts and breaks may be fractional)
    objective: float  # its LP value, weight units (an upper bound on nothing; a guide)
    rounds: int
    complete: bool  # False when the deadline stopped the dive (then tours may stay fractional)


def dive_tours(
    model: AggregateModel,
    x: np.ndarray,
    *,
    fraction: float = 0.25,
    max_rounds: int = 40,
    deadline: float | None = None,
    starts: bool = True,
    breaks: bool = True,
    support: np.ndarray | None = None,
) -> Dive:
    """Make the LP's tour (and start) counts whole by fix-and-resolve (an LP dive).

    Each round raises every tour's lower bound to the floor of its LP value, rounds up the
    ``fraction`` of the still-fractional tours with the largest fractional parts (no more per
    class than the agents its floors leave over, so every class still works one tour per
    agent), and solves the LP again over the tours of the first LP's support
    (price-and-branch style); start and break counts stay continuous, so each LP re-times the
    shifts and breaks around the tours fixed so far. Lower bounds only rise, so the tours
    become whole within a few rounds (5 on the benchmark week: 66,858 against a bound of
    66,550, where largest-remainder rounding of the same LP in one go lost ~15%). With
    ``starts`` the start counts are then dived the same way, band by band and day by day (their
    sum is the band's whole number of tours), leaving only the break counts fractional.
    HiGHS is deterministic, so the dive is too.

    ``x`` may be None: the dive then starts with the LP over the tours in ``support`` (a
    solution of another model with the same tour variables, e.g. the relaxation without
    history cuts), which is much smaller than the LP over every tour.
    """
    groups = [[idx for week in model.tour_var for idx in week]]
    if starts:
        groups.append([np.asarray(svars, dtype=np.int64) for svars, _ in model.link_rows])
        if breaks and model.break_groups:
            groups.append([bvars for _, bvars in model.break_groups])
    lower = model.lower.astype(float).copy()

    def left() -> float | None:  # each LP's wall clock ends by the deadline (issue 16)
        return None if deadline is None else max(1.0, deadline - time.perf_counter())

    if x is None:
        upper = restrict_to_lp_support(model, support).astype(float)
        _, x = lp_bound(model, upper=upper, time_limit=left())
        if x is None:
            return Dive(support, float("nan"), 0, False)
    upper = restrict_to_lp_support(model, x).astype(float)
    current = x
    rounds = 0
    for members in groups:
        ids = np.concatenate(members)
        group_of = np.concatenate([np.full(len(m), g) for g, m in enumerate(members)])
        while True:
            values = current[ids]
            floor = np.floor(values + 1e-6)
            part = values - floor
            fractional = np.flatnonzero(part > 1e-6)
            if fractional.size == 0:
                break
            if rounds == max_rounds or (deadline is not None and time.perf_counter() > deadline):
                return Dive(current, float(model.cost @ current) / SCALE + model.constant, rounds, False)
            rounds += 1
            lower[ids] = np.maximum(lower[ids], floor)
            k = max(1, int(np.ceil(fractional.size * fraction)))
            # Round up the largest fractional parts, no more per group than its fractional mass
            # (its sum is whole), so the group's equality stays feasible.
            mass = np.bincount(group_of[fractional], weights=part[fractional], minlength=len(members))
            room = np.floor(mass + 1e-6).astype(np.int64)
            pick: list[int] = []
            for j in fractional[np.argsort(-part[fractional], kind="stable")]:
                if len(pick) == k:
                    break
                if room[group_of[j]] > 0:
                    room[group_of[j]] -= 1
                    pick.append(j)
            trial = lower.copy()
            trial[ids[pick]] = floor[pick] + 1
            _, solution = lp_bound(model, lower=trial, upper=upper, time_limit=left())
            if solution is None and len(pick) > 1 and (deadline is None or time.perf_counter() < deadline):
                # Break windows chained by the forward constraints can make a joint round-up
                # infeasible: fall back to the single largest fractional part.
                trial = lower.copy()
                trial[ids[pick[0]]] = floor[pick[0]] + 1
                _, solution = lp_bound(model, lower=trial, upper=upper, time_limit=left())
            if solution is None:
                return Dive(current, float(model.cost @ current) / SCALE + model.constant, rounds, False)
            lower = trial
            current = solution
    return Dive(current, float(model.cost @ current) / SCALE + model.constant, rounds, True)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[str], None] | None, t0: float) -> None:
        super().__init__()
        self._report = report
        self._t0 = t0

    def on_solution_callback(self) -> None:
        if self._report is not None:
            self._report(
                f"aggregate: solution {self.objective_value / SCALE:,.1f}, bound "
                f"{self.best_objective_bound / SCALE:,.1f} at {time.perf_counter() - self._t0:.1f} s"
            )


def restrict_to_lp_support(model: AggregateModel, *solutions: np.ndarray) -> np.ndarray:
    """Upper bounds keeping only the tours some solution uses (price-and-branch style)."""
    upper = model.upper.copy()
    tour_ids = np.concatenate([idx for week in model.tour_var for idx in week])
    used = np.zeros(len(tour_ids), dtype=bool)
    for sol in solutions:
        used |= sol[tour_ids] > 1e-6
    upper[tour_ids[~used]] = 0
    return upper


def solve_aggregate(
    model: AggregateModel,
    *,
    time_limit_sec: float,
    seed: int,
    num_workers: int,
    hint: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
    deterministic_limit: float | None = None,
    upper: np.ndarray | None = None,
    deadline: float | None = None,
) -> AggregatePlan:
    """Solve the aggregate model with CP-SAT (deterministic: interleaved search, fixed seed).

    ``upper`` overrides the variables' upper bounds (e.g. to restrict the tours to the LP's
    support); the bound CP-SAT reports is then a bound of the restricted model only.
    ``deadline`` (perf_counter): the search never runs past it, building its model included
    (it binds only when the machine is slow: the deterministic limit normally ends the search).
    """
    t0 = time.perf_counter()
    cp = cp_model.CpModel()
    n_var = len(model.cost)
    ub = model.upper if upper is None else upper
    x = [cp.new_int_var(int(model.lower[j]), int(ub[j]), f"x{j}") for j in range(n_var)]
    for matrix, rhs, equal in ((model.a_eq, model.b_eq, True), (model.a_ub, model.b_ub, False)):
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        for r in range(matrix.shape[0]):
            cols = indices[indptr[r] : indptr[r + 1]]
            vals = data[indptr[r] : indptr[r + 1]].astype(np.int64)
            if cols.size == 0:
                continue
            expr = cp_model.LinearExpr.weighted_sum([x[j] for j in cols], vals.tolist())
            if equal:
                cp.add(expr == int(rhs[r]))
            else:
                cp.add(expr <= int(rhs[r]))
    nz = np.flatnonzero(model.cost)
    cp.minimize(cp_model.LinearExpr.weighted_sum([x[j] for j in nz], model.cost[nz].astype(np.int64).tolist()))
    if hint is not None:
        for j in range(n_var):
            cp.add_hint(x[j], int(hint[j]))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = max(1, num_workers)
    # Interleaved search plus a deterministic-time limit make the answer reproducible;
    # the wall-clock limit is only a safety net.
    solver.parameters.interleave_search = True
    solver.parameters.max_time_in_seconds = max(1.0, time_limit_sec)
    if deadline is not None:  # the hard deadline, less the time spent building the model (issue 16)
        solver.parameters.max_time_in_seconds = min(max(1.0, time_limit_sec), max(0.5, deadline - time.perf_counter()))
    if deterministic_limit is not None:
        solver.parameters.max_deterministic_time = deterministic_limit
    solver.parameters.relative_gap_limit = 1e-4
    status = solver.solve(cp, _Progress(progress, t0))
    name = solver.status_name(status)
    det = float(solver.response_proto.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return AggregatePlan([], {}, float("nan"), float("nan"), name, time.perf_counter() - t0, deterministic_time=det)
    values = np.array([solver.value(v) for v in x], dtype=np.int64)
    counts = [[values[idx] for idx in per_class] for per_class in model.tour_var]
    starts = model.start_counts(values)
    return AggregatePlan(
        counts,
        starts,
        solver.objective_value / SCALE + model.constant,
        solver.best_objective_bound / SCALE + model.constant,
        name,
        time.perf_counter() - t0,
        values=values,
        deterministic_time=det,
        group_starts=model.group_start_counts(values) if model.group_start else None,
    )


def round_lp(model: AggregateModel, x: np.ndarray, n_class: list[list[int]]) -> AggregatePlan:
    """Round an LP solution to an integer plan (largest remainders), keeping every equality.

    Tour counts are rounded per class and week so each class still works one tour per agent;
    start counts are then rounded per (template, day, band) to the rounded tours of that band.
    The plan may be slightly worse than the integer optimum; the repair stage polishes it.
    """
    values = np.zeros(len(model.cost), dtype=np.int64)
    for w, per_class in enumerate(model.tour_var):
        for c, idx in enumerate(per_class):
            values[idx] = _largest_remainder(x[idx], n_class[w][c])
    # Each link row reads: sum(starts) - sum(tours) == 0; re-balance its starts to the rounded tours.
    for starts, tours in model.link_rows:
        values[starts] = _largest_remainder(x[starts], int(values[tours].sum()))
    for start, members in model.pooled_members:  # skill-aware: the shared start is the groups' sum
        values[start] = int(values[members].sum())
    for start, bvars in model.break_groups:
        values[bvars] = _largest_remainder(x[bvars], int(values[start]))
    # Under- and over-staffing follow from the starts: fill the under segments in order.
    for i in range(model.over_var.size):
        row = model.cover_rows[i]
        cols = model.a_eq.indices[model.a_eq.indptr[row] : model.a_eq.indptr[row + 1]]
        vals = model.a_eq.data[model.a_eq.indptr[row] : model.a_eq.indptr[row + 1]]
        is_start = np.isin(cols, model.under_var[:, i]) | (cols == model.over_var[i])
        heads = int(values[cols[~is_start]] @ vals[~is_start].astype(np.int64))
        gap = int(model.b_eq[row]) - heads
        values[model.over_var[i]] = max(-gap, 0)
        left = max(gap, 0)
        for k in range(model.under_var.shape[0]):
            take = min(left, int(model.upper[model.under_var[k, i]]))
            values[model.under_var[k, i]] = take
            left -= take
        surplus = int(values[model.over_var[i]])
        for j in model.reward_var.get(i, ()):  # surplus reward segments, in order (concave)
            values[j] = min(surplus, int(model.upper[j]))
            surplus -= int(values[j])
    objective = float(model.cost @ values) / SCALE + model.constant
    if model.skill_vars.size:
        values, objective = complete_skill_vars(model, values)
    counts = [[values[idx] for idx in per_class] for per_class in model.tour_var]
    start_counts = model.start_counts(values)
    plan = AggregatePlan(counts, start_counts, objective, float("nan"), "LP_ROUNDED", 0.0)
    plan.values = values
    plan.group_starts = model.group_start_counts(values) if model.group_start else None
    return plan


def fix_and_round(
    model: AggregateModel, x: np.ndarray, n_class: list[list[int]], *, deadline: float | None = None
) -> tuple[AggregatePlan, list[str], bool]:
    """Round a vertex's tours, re-solve the LP with them fixed, then the same with the starts.

    With breaks, rounding a vertex's tours, starts and breaks all at once loses ~28% on the
    1,400-agent skill-aware weeks, and the repair then aims at a gross target whose breaks the
    moved shifts cannot hold. Fixing the rounded tours (whole per class and week) and re-solving
    re-times the starts and breaks around them (an LP over what is left: ~10 s against the full
    LP's ~50 s); rounding its starts and fixing them too leaves only the breaks, which the last
    LP (~2 s) makes nearly whole. Every candidate is an integer plan of ``round_lp``; returns
    the cheapest, one line per step, and whether it came from a fixed step (not the plain
    rounding). ``deadline`` (perf_counter) caps each LP; a step that does not solve ends the
    sequence.
    """
    plans = [round_lp(model, x, n_class)]
    steps = [f"rounded vertex {plans[0].objective:,.1f}"]
    lower, upper = model.lower.copy(), model.upper.copy()
    tours = np.concatenate([np.asarray(idx, dtype=np.int64) for week in model.tour_var for idx in week])
    start_ids = sorted(
        {v for _, vs in model.start_items() for v in vs} | {g for vs in model.group_start.values() for g in vs}
    )
    starts = np.array(start_ids, dtype=np.int64)
    for name, ids in (("tours", tours), ("starts", starts)):
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left < 1.0:
            steps.append(f"{name} not fixed: out of time")
            break
        whole = plans[-1].values
        assert whole is not None  # round_lp always gives values
        lower[ids] = whole[ids]
        upper[ids] = whole[ids]
        lp = lp_relaxation(model, lower=lower, upper=upper, time_limit=left, crossover=True)
        if lp.status != "OPTIMAL" or lp.x is None:
            steps.append(f"{name} fixed: LP {lp.status} ({lp.wall_sec:.1f} s), kept the plan before")
            break
        plans.append(round_lp(model, lp.x, n_class))
        steps.append(
            f"{name} fixed: LP {lp.value / SCALE + model.constant:,.1f} ({lp.wall_sec:.1f} s), rounded "
            f"{plans[-1].objective:,.1f}"
        )
    best = min(range(len(plans)), key=lambda k: plans[k].objective)
    return plans[best], steps, best > 0


def complete_skill_vars(model: AggregateModel, values: np.ndarray) -> tuple[np.ndarray, float]:
    """Given whole tours, starts and breaks, the best allocation of heads to queues (skill-aware model).

    One LP over the skill variables with every other variable fixed (HiGHS's presolve removes
    them); returns the whole solution (allocation rounded, a hint) and the plan's objective
    (weight units) with the allocation's skill excess at its optimum.
    """
    sv = model.skill_vars
    is_skill = np.zeros(len(model.cost), dtype=bool)
    is_skill[sv] = True
    fixed = np.where(is_skill, 0.0, values.astype(float))
    parts = []
    for matrix, rhs in ((model.a_ub, model.b_ub), (model.a_eq, model.b_eq)):
        rows = np.unique(matrix[:, sv].nonzero()[0])
        parts.append((matrix[rows][:, sv], rhs[rows] - matrix[rows] @ fixed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        res = linprog(
            model.cost[sv],
            A_ub=parts[0][0],
            b_ub=parts[0][1],
            A_eq=parts[1][0],
            b_eq=parts[1][1],
            bounds=np.column_stack([model.lower[sv], model.upper[sv]]),
            method="highs",
        )
    if res.status != 0:
        # never expected (no allocation and the whole shortfall is feasible); keep the pooled figure
        return values, float(model.cost @ values) / SCALE + model.constant
    out = values.copy()
    out[sv] = np.round(res.x).astype(np.int64)
    return out, float(model.cost[~is_skill] @ fixed[~is_skill] + res.fun) / SCALE + model.constant


def _largest_remainder(x: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers summing to ``total`` in proportion to ``x`` (Hamilton's method)."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    out = np.zeros(len(x), dtype=np.int64)
    if total <= 0 or len(x) == 0:
        return out
    mass = x.sum()
    share = x * (total / mass) if mass > 1e-9 else np.full(len(x), total / len(x))
    out = np.floor(share + 1e-9).astype(np.int64)
    left = total - int(out.sum())
    order = np.lexsort((np.arange(len(x)), -(share - out)))
    out[order[:left]] += 1
    return out
