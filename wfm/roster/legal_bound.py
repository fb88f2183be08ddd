"""A lower bound over every legal roster: column generation over agent-weeks.

The catalogue's LP (:mod:`wfm.roster.aggregate`) bounds rosters built from the engine's own
tours (one template, one start band per week). This module bounds *every* roster that
:func:`wfm.roster.validate` passes, with its starts on the requirement grid (the objective is
defined on that grid), by a Lagrangian relaxation priced by column generation:

- master: the covering LP over agent-week columns, per interval an under row (heads on shift,
  breaks counted as worked), an over row (heads surely working: intervals a break can never
  fall in), a seat row, and per (agent class, week) a convexity row. Counting breaks as worked
  for the shortfall and as never worked for the surplus can only lower the objective, so the
  relaxation holds whatever the break placement;
- pricing: per class and week the cheapest legal week under the multipliers, a small CP-SAT
  model over (day, template, start): one shift a day, the template's starts, unavailable
  dates and windows, night_allowed, the weekly paid-hour range, days off (and their being
  consecutive), the nights cap, max consecutive days (the previous week's run included), min
  rest between any two shifts (the previous week's last shift included), start-time stability
  (read on the circle, which also admits every week the linear reading admits) and the daily
  overtime cap;
- relaxed (the bound stays a bound): rules spanning weeks (cycle hours, weekends, work
  stretches, forbidden successions) and, from the second week on, rest and runs across the
  week boundary; wishes and the skill-aware excess (both cost >= 0).

At any stop the bound is the Lagrangian value of the current multipliers (clipped to where it
is finite): sum of the row terms plus, per class, its head count times a proven lower bound on
its cheapest legal week (CP-SAT's objective bound on integer-rounded-down costs). A time
limit gives a weaker bound, never a wrong one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog

from .tours import DAY, Catalogue

__all__ = ["LegalBound", "legal_bound", "LEGAL_BOUND_MIN_SEC"]

#: the legal bound's wall clock when the hard deadline has (nearly) passed: one round of pricing
LEGAL_BOUND_MIN_SEC = 2.0

_SCALE = 1000.0  # pricing costs are rounded down to 1/_SCALE weight units


@dataclass(frozen=True)
class LegalBound:
    """The bound over every legal roster and how it was reached."""

    value: float  # weight units; a proven lower bound of every legal roster's coverage objective
    lp_value: float  # the last restricted master's LP value (an upper estimate of the bound)
    converged: bool  # pricing found no improving week (value = LP optimum up to tolerances)
    iterations: int
    columns: int
    classes: int
    wall_sec: float
    stopped_by_time: bool
    best_columns: list[tuple[int, list[tuple[int, int, int]]]] = field(default_factory=list)  # (week, shifts)


@dataclass
class _Options:
    """One (class, week)'s shift options: day, template, start minute, intervals covered."""

    week: int
    heads: int
    day: np.ndarray
    tpl: np.ndarray
    start: np.ndarray  # minutes from the horizon start
    clock: np.ndarray  # minutes after the day's midnight
    end: np.ndarray
    paid: np.ndarray
    night: np.ndarray
    full: sparse.csr_matrix  # options x intervals: on shift
    sure: sparse.csr_matrix  # options x intervals: surely working (no break can fall there)
    min_paid: int
    max_paid: int
    n_days: int
    off_needed: int
    max_lead: int  # max leading worked days (max_consecutive_days - previous run), week 0
    model: cp_model.CpModel | None = None
    x: list = field(default_factory=list)


def _class_options(cat: Catalogue, agent: int, w: int, heads: int) -> _Options:
    grid, rules = cat.grid, cat.rules
    step = grid.interval_minutes
    n_int = grid.n_intervals
    d0, n_days = grid.weeks[w]
    a = cat.agents[agent]
    rest = rules.min_rest_minutes
    cap_day = (
        None
        if rules.max_overtime_hours_per_day is None
        else (rules.standard_day_hours + rules.max_overtime_hours_per_day) * 60 + 1e-6
    )
    rows = []
    for t in a.templates:
        if t.length_minutes % step:
            continue
        if cap_day is not None and t.paid_minutes > cap_day:
            continue
        earliest, latest = t.break_bounds() if t.breaks else ([], [])
        unsure = np.zeros(t.length_minutes // step, dtype=bool)
        for b, lo, hi in zip(t.breaks, earliest, latest):
            unsure[lo // step : -(-(hi + b.minutes) // step)] = True
        for s in t.start_minutes():
            if s % step:
                continue  # off the requirement grid: outside what the objective scores
            night = rules.is_night(s, t.length_minutes)
            if night and not a.night_allowed:
                continue
            for d in range(d0, d0 + n_days):
                if cat.unavailable[agent, d]:
                    continue
                start = d * DAY + s
                end = start + t.length_minutes
                if any(start < we and end > ws for ws, we in cat.windows[agent]):
                    continue
                if w == 0 and start - int(cat.prev_end[agent]) < rest:
                    continue
                rows.append((d - d0, t, s, start, end, night, unsure))
    n = len(rows)
    full_r, full_c, sure_r, sure_c = [], [], [], []
    for k, (_, _t, _, start, _, _, unsure) in enumerate(rows):
        first = start // step
        idx = np.arange(first, first + len(unsure))
        keep = idx < n_int
        full_r.append(np.full(int(keep.sum()), k))
        full_c.append(idx[keep])
        ok = keep & ~unsure
        sure_r.append(np.full(int(ok.sum()), k))
        sure_c.append(idx[ok])

    def mat(r: list, c: list) -> sparse.csr_matrix:
        rr = np.concatenate(r) if r else np.zeros(0, dtype=np.int64)
        cc = np.concatenate(c) if c else np.zeros(0, dtype=np.int64)
        return sparse.csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(n, n_int))

    off_needed = max(0, rules.min_days_off_per_week - (7 - n_days))
    return _Options(
        week=w,
        heads=heads,
        day=np.array([r[0] for r in rows], dtype=np.int64),
        tpl=np.array([r[1].length_minutes for r in rows], dtype=np.int64),
        start=np.array([r[3] for r in rows], dtype=np.int64),
        clock=np.array([r[2] for r in rows], dtype=np.int64),
        end=np.array([r[4] for r in rows], dtype=np.int64),
        paid=np.array([r[1].paid_minutes for r in rows], dtype=np.int64),
        night=np.array([r[5] for r in rows], dtype=bool),
        full=mat(full_r, full_c),
        sure=mat(sure_r, sure_c),
        min_paid=a.min_paid_minutes_week if n_days == 7 else 0,
        max_paid=a.max_paid_minutes_week,
        n_days=n_days,
        off_needed=off_needed,
        max_lead=max(0, rules.max_consecutive_days - a.prev_consecutive_days) if w == 0 else rules.max_consecutive_days,
    )


def _build_model(o: _Options, cat: Catalogue) -> None:
    rules = cat.rules
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{k}") for k in range(len(o.day))]
    by_day: list[list[int]] = [[] for _ in range(o.n_days)]
    for k, d in enumerate(o.day):
        by_day[int(d)].append(k)
    work = []
    for d in range(o.n_days):
        m.add_at_most_one(x[k] for k in by_day[d])
        work.append(sum(x[k] for k in by_day[d]))
    paid = sum(int(o.paid[k]) * x[k] for k in range(len(x)))
    m.add(paid >= o.min_paid)
    m.add(paid <= o.max_paid)
    m.add(sum(work) <= o.n_days - o.off_needed)
    m.add(sum(x[k] for k in range(len(x)) if o.night[k]) <= rules.max_night_shifts_per_week)
    # runs of working days: no window of max+1 days all worked; the leading run continues last week's
    mx = rules.max_consecutive_days
    for d in range(0, o.n_days - mx):
        m.add(sum(work[d : d + mx + 1]) <= mx)
    if o.max_lead < o.n_days:
        m.add(sum(work[: o.max_lead + 1]) <= o.max_lead)
    if rules.days_off_consecutive and o.off_needed >= 2:
        starts = []
        for d in range(0, o.n_days - o.off_needed + 1):
            b = m.new_bool_var(f"off{d}")
            for e in range(d, d + o.off_needed):
                m.add(work[e] == 0).only_enforce_if(b)
            starts.append(b)
        m.add_bool_or(starts)
    # rest between any two shifts: a later shift excludes every earlier one ending too late
    # (at most one shift a day, so one row per later shift is exact)
    rest = rules.min_rest_minutes
    longest = int((o.end - o.start).max()) if len(o.end) else 0
    for d in range(o.n_days):
        for g in range(1, o.n_days - d):
            if (g - 1) * DAY - longest >= rest:
                break  # a shift starting g days later always rests long enough
            earlier = np.array(by_day[d], dtype=np.int64)
            if not earlier.size:
                continue
            for k in by_day[d + g]:
                clash = earlier[o.end[earlier] > o.start[k] - rest]
                if clash.size:
                    m.add(x[k] + sum(x[int(i)] for i in clash) <= 1)
    # start-time stability on the circle: one window [a, a + S] (mod 24 h) holds every start
    span = rules.stability_minutes
    if span < DAY and len(x):
        step = cat.grid.interval_minutes
        anchors = [m.new_bool_var(f"a{j}") for j in range(DAY // step)]
        m.add_exactly_one(anchors)
        for k in range(len(x)):
            c = int(o.clock[k])
            inside = [anchors[j] for j in range(DAY // step) if (c - j * step) % DAY <= span]
            m.add(x[k] <= sum(inside))
    o.model, o.x = m, x


def _price(o: _Options, values: np.ndarray, limit: float) -> tuple[float, list[int] | None]:
    """(proven lower bound of the cheapest week's value, the best week's options or None)."""
    assert o.model is not None
    coef = np.floor(values * _SCALE).astype(np.int64)
    m = o.model
    m.clear_objective()
    m.minimize(sum(int(c) * xk for c, xk in zip(coef, o.x) if c))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return math.inf, None
    # a relaxation CP-SAT needs not prove: each day's cheapest option (or off), at most
    # n_days - off_needed days worked; the bound used when the search proved nothing
    day_min = np.zeros(o.n_days)
    np.minimum.at(day_min, o.day, coef / _SCALE)
    relaxed = float(np.sort(day_min)[: o.n_days - o.off_needed].sum())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return relaxed, None
    chosen = [k for k in range(len(o.x)) if solver.value(o.x[k])]
    return max(relaxed, solver.best_objective_bound / _SCALE), chosen


def legal_bound(cat: Catalogue, *, time_limit_sec: float, max_iterations: int = 200, tol: float = 1e-4) -> LegalBound:
    """Column generation over every legal agent-week; a proven lower bound at any stop.

    ``time_limit_sec`` caps the wall clock (pricing and master); the returned ``value`` is the
    best Lagrangian bound reached. It bounds the coverage objective (under- and over-staffing
    penalties and paid hours) of every roster :func:`wfm.roster.validate` passes whose starts
    lie on the requirement grid.
    """
    t0 = time.perf_counter()
    stop = t0 + max(0.5, time_limit_sec)
    grid, rules = cat.grid, cat.rules
    obj = rules.objective
    n_int = grid.n_intervals
    carry = cat.carry.astype(float)
    req = grid.required.astype(float)
    need = req - carry  # heads the columns must bring
    seat_room = rules.seats - carry
    paid_w = obj.paid_hour_weight / 60.0
    # classes: agents whose options and rules are identical, per week
    opts: list[_Options] = []
    for w, (d0, n_days) in enumerate(grid.weeks):
        groups: dict[tuple, list[int]] = {}
        for i, a in enumerate(cat.agents):
            key = (
                a.contract,
                tuple(a.templates),
                a.night_allowed,
                a.min_paid_minutes_week,
                a.max_paid_minutes_week,
                tuple(np.flatnonzero(cat.unavailable[i, d0 : d0 + n_days]).tolist()),
                tuple(cat.windows[i]) if cat.windows else (),
                (int(cat.prev_end[i]), a.prev_consecutive_days) if w == 0 else (),
            )
            groups.setdefault(key, []).append(i)
        for members in groups.values():
            opts.append(_class_options(cat, members[0], w, len(members)))
    for o in opts:
        _build_model(o, cat)

    segs = obj.under_segments
    seg_w = np.array([s.weight for s in segs])
    seg_cap = [s.width for s in segs]
    # columns: per class index, a list of chosen option lists
    cols: list[tuple[int, list[int]]] = []
    best = -math.inf
    lp_value = math.nan
    it = 0
    converged = False
    stopped = False
    # first multipliers: the first under segment's weight where heads are needed
    pi = np.where(need > 0, seg_w[0], 0.0)
    sigma = np.zeros(n_int)
    rho = np.zeros(n_int)
    while True:
        it += 1
        pi = np.clip(pi, 0.0, seg_w[-1])
        sigma = np.clip(sigma, 0.0, obj.over_weight)
        rho = np.maximum(rho, 0.0)
        # the Lagrangian's row terms
        under_min = sum(np.minimum(0.0, w_ - pi) * cap for w_, cap in zip(seg_w[:-1], seg_cap[:-1]))
        lag = float((pi * need).sum() + np.sum(under_min) - (sigma * need).sum() - (rho * seat_room).sum())
        exact = True
        found_any = False
        for ci, o in enumerate(opts):
            values = paid_w * o.paid + o.full @ (rho - pi) + o.sure @ sigma
            left = stop - time.perf_counter()
            lb_min, chosen = _price(o, values, min(10.0, max(0.05, left / max(1, len(opts) - ci))))
            if not np.isfinite(lb_min):
                if lb_min == math.inf:
                    lb_min = 0.0  # no legal week at all: the engine reports that itself
                exact = False
            lag += o.heads * lb_min
            if chosen is not None:
                found_any = True
                cols.append((ci, chosen))
        if np.isfinite(lag):
            best = max(best, lag)
        if time.perf_counter() >= stop:
            stopped = True
            break
        # restricted master over the columns so far
        lp = _master(cols, opts, need, seat_room, seg_w, seg_cap, obj.over_weight, paid_w, n_int)
        if lp is None:
            stopped = True
            break
        lp_value, pi, sigma, rho = lp
        if exact and found_any and lp_value - best <= tol * max(1.0, abs(lp_value)):
            converged = True
            break
        if it >= max_iterations:
            break
    if not np.isfinite(best):
        best = 0.0
    # the best columns (by use in the last master), as (week, [(day, length, clock)])
    best_cols = []
    for ci, chosen in cols[-len(opts) :]:
        o = opts[ci]
        best_cols.append((o.week, [(int(o.day[k]), int(o.tpl[k]), int(o.clock[k])) for k in chosen]))
    return LegalBound(
        value=float(best),
        lp_value=float(lp_value),
        converged=converged,
        iterations=it,
        columns=len(cols),
        classes=len(opts),
        wall_sec=time.perf_counter() - t0,
        stopped_by_time=stopped,
        best_columns=best_cols,
    )


def _master(cols, opts, need, seat_room, seg_w, seg_cap, over_w, paid_w, n_int):
    """The restricted master LP; (value, pi, sigma, rho) or None when HiGHS gives no optimum."""
    n_col = len(cols)
    n_seg = len(seg_w)
    full_rows, sure_rows, cost = [], [], np.zeros(n_col)
    for j, (ci, chosen) in enumerate(cols):
        o = opts[ci]
        full_rows.append(np.asarray(o.full[chosen].sum(axis=0)).ravel())
        sure_rows.append(np.asarray(o.sure[chosen].sum(axis=0)).ravel())
        cost[j] = paid_w * float(o.paid[chosen].sum())
    f_mat = sparse.csc_matrix(np.array(full_rows).T) if n_col else sparse.csc_matrix((n_int, 0))
    s_mat = sparse.csc_matrix(np.array(sure_rows).T) if n_col else sparse.csc_matrix((n_int, 0))
    eye = sparse.identity(n_int, format="csc")
    zero = sparse.csc_matrix((n_int, n_int))
    # variables: columns, under segments (n_seg blocks), over, seat slack
    big = 1e6
    a_ub = sparse.vstack(
        [
            sparse.hstack([-f_mat] + [-eye] * n_seg + [zero, zero]),
            sparse.hstack([s_mat] + [zero] * n_seg + [-eye, zero]),
            sparse.hstack([f_mat] + [zero] * n_seg + [zero, -eye]),
        ],
        format="csc",
    )
    b_ub = np.concatenate([-need, need, seat_room])
    n_cls = len(opts)
    conv = sparse.csr_matrix((np.ones(n_col), ([ci for ci, _ in cols], np.arange(n_col))), shape=(n_cls, n_col))
    a_eq = sparse.hstack([conv, sparse.csr_matrix((n_cls, n_int * (n_seg + 2)))], format="csc")
    b_eq = np.array([o.heads for o in opts], dtype=float)
    c = np.concatenate([cost] + [np.full(n_int, w_) for w_ in seg_w] + [np.full(n_int, over_w), np.full(n_int, big)])
    bounds = [(0, None)] * n_col
    for cap in seg_cap:
        bounds += [(0, cap)] * n_int
    bounds += [(0, None)] * (2 * n_int)
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        return None
    lam = -np.asarray(res.ineqlin.marginals)
    return float(res.fun), lam[:n_int], lam[n_int : 2 * n_int], lam[2 * n_int :]
