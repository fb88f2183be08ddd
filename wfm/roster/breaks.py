"""Stage 4: place every shift's breaks where the coverage can best spare the agent.

Given the named shifts, each break of each shift gets a start inside its window (shift
templates' ``breaks``, :class:`wfm.roster.rules.BreakRule`), on the requirement's interval
grid, keeping ``min_work_minutes`` of work before, between and after the breaks. The
objective is the roster's own (convex under-staffing per interval + over-staffing), computed
on coverage *net of breaks*: an agent on break is not counted.

Method (measured against a per-day CP-SAT model in docs/roster.md): a marginal-cost greedy
(breaks of the same rank across all shifts, in shift-start order, each at the start whose
intervals lose least by losing one agent) followed by exact coordinate moves (one break at a
time is lifted and re-placed at its best start given all the others, the shift's other breaks
bounding its range) in seeded passes until a pass finds no improvement. Every move keeps the
objective from rising, so breaks spread themselves out (staggered) instead of stacking.

Examples
--------
>>> plan = place_breaks(cat, state, seed=0)   # doctest: +SKIP
>>> plan.coverage   # agents on shift and not on break, per interval  # doctest: +SKIP
"""

from __future__ import annotations

import math

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ortools.sat.python import cp_model

from .aggregate import SCALE
from .settings import SolverSettings
from .skill_pricing import exact_excess
from .state import MoveContext, RosterState, clear_week, set_shift, tour_shifts, under_marginals, week_options
from .tours import DAY, Catalogue

__all__ = ["BreakPlan", "place_breaks", "breaks_frame"]


@dataclass
class BreakPlan:
    """Placed breaks (one entry per break) and the coverage net of breaks."""

    agent: np.ndarray  # agent index
    day: np.ndarray  # shift day
    rank: np.ndarray  # index of the break in its template's list
    template: np.ndarray  # template index
    start: np.ndarray  # absolute start, minutes from the horizon start
    coverage: np.ndarray  # heads on shift and not on break, per interval
    passes: int = 0
    moves: int = 0
    stopped_by_time: bool = False
    on_break: int = 0  # agent-intervals lost to breaks inside the horizon
    exact_days: int = 0  # days whose breaks the exact count model re-placed
    optimal_days: int = 0  # days whose count model CP-SAT proved optimal (given the other days)


def place_breaks(
    cat: Catalogue,
    state: RosterState,
    *,
    seed: int = 0,
    deadline: float | None = None,
    max_passes: int = 20,
    exact: bool = True,
    num_workers: int = 2,
    planned: dict[tuple[int, int], list[np.ndarray]] | None = None,
    day_deterministic_limit: float | None = None,
) -> BreakPlan:
    """Place the breaks of every shift in ``state`` (greedy, then exact one-break moves).

    Parameters
    ----------
    cat, state
        The catalogue and the named roster (shifts only; its coverage counts whole shifts).
    seed
        Order of the improvement moves.
    deadline
        ``time.perf_counter()`` value after which no new improvement pass starts.
    max_passes
        Upper limit on improvement passes (they usually stop earlier, at no improvement).
    exact
        Re-place each day's breaks with the exact count model (CP-SAT) after the greedy.
    num_workers
        CP-SAT workers for the exact model.
    day_deterministic_limit
        CP-SAT deterministic time per day of the exact model (default ``_DAY_DETERMINISTIC_LIMIT``).
    planned
        Break offsets planned per shift group, ``(template, absolute start) -> [offsets of
        break 0, offsets of break 1, ...]`` (one offset per shift of the group, e.g. from the
        aggregate plan's whole break counts). A group with as many shifts as planned takes them
        (the k-th earliest of every break to its k-th shift, legal by the forward constraints);
        a group with fewer shifts takes the earliest planned of every break, and extra shifts
        and other groups start from the greedy.
    """
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    pad = 2 * DAY // step
    req = np.concatenate([cat.grid.required.astype(np.int64), np.zeros(pad, dtype=np.int64)])
    cov = np.concatenate([state.coverage.astype(np.int64), np.zeros(pad, dtype=np.int64)])
    inside = np.arange(len(req)) < n_int
    under_w = under_marginals(cat)
    over_w = cat.rules.objective.over_weight

    # One entry per break of every worked shift whose template has breaks.
    columns: list[list[Any]] = [[] for _ in range(10)]
    agent_l, day_l, rank_l, tpl_l, base_l, lo_l, hi_l, occ_l, len_l, gran_l = columns
    agents, days = np.nonzero(state.start >= 0)
    order = np.lexsort((agents, state.start[agents, days]))
    shift_first: list[int] = []
    for a, d in zip(agents[order], days[order]):
        t = int(state.template[a, d])
        plan = cat.templates[t]
        shift_first.append(len(agent_l))
        for r, ((offsets, n_occ), rule) in enumerate(zip(plan.break_offsets, plan.template.breaks)):
            agent_l.append(int(a))
            day_l.append(int(d))
            rank_l.append(r)
            tpl_l.append(t)
            base_l.append(int(state.start[a, d]))
            lo_l.append(int(offsets[0]))
            hi_l.append(int(offsets[-1]))
            occ_l.append(n_occ)
            len_l.append(rule.minutes)
            gran_l.append(math.lcm(step, rule.start_step_minutes) if rule.start_step_minutes else step)
    n = len(agent_l)
    agent_a, day_a, rank_a, tpl_a = (np.array(x, dtype=np.int64) for x in (agent_l, day_l, rank_l, tpl_l))
    base, lo, hi, occ, minutes, gran = (np.array(x, dtype=np.int64) for x in (base_l, lo_l, hi_l, occ_l, len_l, gran_l))
    # Neighbours within the shift: the previous / next break (or -1).
    prev = np.full(n, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    if n:
        same = (agent_a[1:] == agent_a[:-1]) & (day_a[1:] == day_a[:-1])
        prev[1:][same] = np.arange(n - 1)[same]
        nxt[:-1][same] = np.arange(1, n)[same]
    min_work = np.array([cat.templates[t].template.min_work_minutes for t in tpl_a], dtype=np.int64)
    offset = np.full(n, -1, dtype=np.int64)

    # Skill-aware: a break's cost adds the skill term's rise when its agent leaves the interval
    # (wfm.roster.skill_pricing), on heads net of the breaks placed so far.
    skill = None if state.skill is None else state.skill.against(cat)

    def marginal(idx: np.ndarray, agent: int = -1) -> np.ndarray:
        """Cost of taking one more agent (``agent``'s head, for the skill term) out of each interval in ``idx``."""
        c, r = cov[idx], req[idx]
        m = np.where(c > r, -over_w, under_w[np.clip(r - c + 1, 0, len(under_w) - 1)])
        if skill is not None and agent >= 0:
            ok = inside[idx]
            extra = np.zeros(len(idx))
            extra[ok] = skill.removal_costs(agent, cov[:n_int], idx[ok])
            m = m + extra
        return np.where(inside[idx], m, 0.0)

    def options(k: int) -> tuple[int, int]:
        first, last = int(lo[k]), int(hi[k])
        p, q = prev[k], nxt[k]
        if p >= 0 and offset[p] >= 0:
            first = max(first, int(offset[p] + minutes[p] + min_work[k]))
        if q >= 0 and offset[q] >= 0:
            last = min(last, int(offset[q] - min_work[k] - minutes[k]))
        g = int(gran[k])  # the grid, and the break's start step when it has one
        first = -(-first // g) * g
        return first, last

    def best(k: int) -> tuple[int, float]:
        first, last = options(k)
        cands = np.arange(first, last + 1, int(gran[k]), dtype=np.int64)
        start_int = (base[k] + cands) // step
        idx = start_int[:, None] + np.arange(int(occ[k]))[None, :]
        cost = marginal(idx.ravel(), int(agent_a[k])).reshape(idx.shape).sum(axis=1)
        j = int(np.argmin(cost))  # ties: the earliest start
        return int(cands[j]), float(cost[j])

    def put(k: int, off: int, sign: int) -> None:
        a = int((base[k] + off) // step)
        cov[a : a + int(occ[k])] -= sign
        if skill is not None and a < n_int:
            skill.add(int(agent_a[k]), a, min(a + int(occ[k]), n_int), -sign)

    # Planned groups first: their breaks as the plan counted them.
    if planned and n:
        groups: dict[tuple[int, int], list[int]] = {}
        for first in np.flatnonzero(rank_a == 0):
            groups.setdefault((int(tpl_a[first]), int(base[first])), []).append(int(first))
        for key, firsts in groups.items():
            offsets_by_break = planned.get(key)
            if offsets_by_break is None:
                continue
            # When the group has fewer shifts than planned, the earliest planned breaks of every
            # rank still pair legally (the k-th earliest of each); extra shifts go to the greedy.
            m = min([len(firsts)] + [len(o) for o in offsets_by_break])
            for j, offs in enumerate(offsets_by_break):
                for k0, off in zip(sorted(firsts)[:m], np.sort(offs)[:m]):
                    offset[k0 + j] = int(off)
                    put(k0 + j, int(off), +1)

    # Greedy: all first breaks, then all second breaks, ... in shift-start order.
    for r in range(int(rank_a.max()) + 1 if n else 0):
        for item in np.flatnonzero(rank_a == r):
            if offset[item] >= 0:
                continue
            off, _ = best(int(item))
            offset[item] = off
            put(int(item), off, +1)

    # Exact count model per day (CP-SAT), each day given the others' breaks.
    exact_days = optimal_days = 0
    stopped = False
    if exact and n:
        first_of_shift = np.flatnonzero(rank_a == 0)
        took = 0.0  # the last day's exact model, built and solved: the next one is not started past the deadline
        for d in range(cat.grid.n_days):
            if deadline is not None and time.perf_counter() + took > deadline:
                stopped = True
                break
            ks = first_of_shift[day_a[first_of_shift] == d]
            if ks.size == 0:
                continue
            left = None if deadline is None else max(0.5, (deadline - time.perf_counter()) / (cat.grid.n_days - d))
            t_day = time.perf_counter()
            improved_day, optimal_day = _exact_day(
                cat,
                ks,
                tpl_a,
                base,
                rank_a,
                offset,
                occ,
                minutes,
                min_work,
                cov,
                req,
                inside,
                under_w,
                seed=seed,
                num_workers=num_workers,
                wall_limit=left,
                deterministic_limit=day_deterministic_limit or _DAY_DETERMINISTIC_LIMIT,
            )
            took = time.perf_counter() - t_day
            exact_days += improved_day
            optimal_days += optimal_day

    if skill is not None and exact_days:
        # the exact day models moved breaks on the pooled count: the skill heads are recounted
        assert state.skill is not None
        skill = state.skill.against(cat)
        for kb in np.flatnonzero(offset >= 0):
            a = int((base[kb] + offset[kb]) // step)
            if a < n_int:
                skill.add(int(agent_a[kb]), a, min(a + int(occ[kb]), n_int), -1)

    # Exact one-break moves until a pass finds nothing.
    rng = np.random.default_rng(seed)
    passes = moves = 0
    while n and passes < max_passes:
        if deadline is not None and time.perf_counter() > deadline:
            stopped = True
            break
        passes += 1
        improved = 0
        for i, k_ in enumerate(rng.permutation(n)):
            # inside a pass too (one pass over the 1,400-agent week's 18,000 breaks takes seconds
            # under load): every move keeps the plan legal, so it may stop between any two
            if deadline is not None and i % 512 == 511 and time.perf_counter() > deadline:
                stopped = True
                break
            k = int(k_)
            old = int(offset[k])
            put(k, old, -1)
            a = int((base[k] + old) // step)
            old_cost = float(marginal(np.arange(a, a + int(occ[k])), int(agent_a[k])).sum())
            off, cost = best(k)
            if cost < old_cost - 1e-9:
                offset[k] = off
                improved += 1
            put(k, int(offset[k]), +1)
        moves += improved
        if not improved or stopped:
            break
    lost = int((state.coverage - cov[:n_int]).sum())
    return BreakPlan(
        agent_a,
        day_a,
        rank_a,
        tpl_a,
        base + offset,
        cov[:n_int].copy(),
        passes,
        moves,
        stopped,
        lost,
        exact_days,
        optimal_days,
    )


def breaks_frame(cat: Catalogue, plan: BreakPlan) -> pd.DataFrame:
    """``agent_id, break_start, break_end, kind, paid``, ordered by agent (input order) and start."""
    order = np.lexsort((plan.start, plan.agent))
    ids = np.array([a.agent_id for a in cat.agents], dtype=object)
    rules = [cat.templates[t].template.breaks[r] for t, r in zip(plan.template[order], plan.rank[order])]
    minutes = np.array([b.minutes for b in rules], dtype=np.int64)
    origin = cat.grid.start
    starts = plan.start[order]
    return pd.DataFrame(
        {
            "agent_id": pd.Series(ids[plan.agent[order]], dtype="string"),
            "break_start": origin + pd.to_timedelta(starts, unit="min"),
            "break_end": origin + pd.to_timedelta(starts + minutes, unit="min"),
            "kind": pd.Series([b.kind for b in rules], dtype="string"),
            "paid": np.array([b.paid for b in rules], dtype=bool),
        }
    ).reset_index(drop=True)


def _exact_day(
    cat: Catalogue,
    firsts: np.ndarray,
    tpl: np.ndarray,
    base: np.ndarray,
    rank: np.ndarray,
    offset: np.ndarray,
    occ: np.ndarray,
    minutes: np.ndarray,
    min_work: np.ndarray,
    cov: np.ndarray,
    req: np.ndarray,
    inside: np.ndarray,
    under_w: np.ndarray,
    *,
    seed: int,
    num_workers: int,
    wall_limit: float | None,
    deterministic_limit: float,
) -> tuple[int, int]:
    """Re-place one day's breaks optimally (given the other days') with a count model.

    Shifts of one template starting at the same minute are interchangeable, so the model
    counts breaks per (group, break, offset). The minimum work stretch between break j-1 and
    break j of the group's shifts holds for some matching of them iff, for every offset o,
    breaks j at offsets <= o are no more than breaks j-1 at offsets <= o - minutes - min_work
    (the forward constraints of Bechtold & Jacobs); matching the k-th earliest of each then
    meets it. Updates ``offset`` and ``cov`` in place when the model beats the incumbent.
    Returns (1 when the day was re-placed, 1 when CP-SAT proved the day optimal).
    """
    step = cat.grid.interval_minutes
    obj = cat.rules.objective
    # Groups: (template, start) -> first-break indices (each shift's breaks follow contiguously).
    groups: dict[tuple[int, int], list[int]] = {}
    for k in firsts:
        groups.setdefault((int(tpl[k]), int(base[k])), []).append(int(k))
    # Lift this day's breaks out of the coverage.
    touched: set[int] = set()
    for ks in groups.values():
        for k0 in ks:
            k = k0
            while k < len(rank) and (k == k0 or rank[k] > 0):
                a = int((base[k] + offset[k]) // step)
                cov[a : a + int(occ[k])] += 1
                touched.update(range(a, a + int(occ[k])))
                k += 1
    model = cp_model.CpModel()
    load: dict[int, list] = {}
    load_max: dict[int, int] = {}  # most agents the day's breaks can take out of an interval
    xs: dict[tuple[int, int, int], tuple[np.ndarray, list]] = {}
    for (t, start), ks in sorted(groups.items()):
        plan = cat.templates[t]
        n = len(ks)
        prev = None
        for j, (offsets, n_occ) in enumerate(plan.break_offsets):
            vars_ = [model.new_int_var(0, n, "") for _ in offsets]
            model.add(sum(vars_) == n)
            for v, off in zip(vars_, offsets):
                a = int((start + off) // step)
                for i in range(a, a + n_occ):
                    load.setdefault(i, []).append(v)
                    load_max[i] = load_max.get(i, 0) + n
                    touched.add(i)
            if prev is not None:
                p_off, p_vars, p_min = prev
                gap = p_min + plan.template.min_work_minutes
                for q, off in enumerate(offsets):
                    allowed = [pv for pv, po in zip(p_vars, p_off) if po <= off - gap]
                    model.add(sum(vars_[: q + 1]) <= sum(allowed))
            xs[(t, start, j)] = (offsets, vars_)
            prev = (offsets, vars_, plan.template.breaks[j].minutes)
    terms = []
    for i in sorted(touched):
        if not inside[i] or i not in load:
            continue
        # net = cov[i] - load; shortfall and excess priced like the roster objective.
        need = int(req[i]) - int(cov[i])
        # Each count variable can take a whole group out (not just one agent): bound by load_max.
        short_total = model.new_int_var(0, max(0, need + load_max[i]), "")
        excess = model.new_int_var(0, max(0, int(cov[i]) - int(req[i])), "")
        model.add(int(cov[i]) - sum(load[i]) + short_total - excess == int(req[i]))
        # Convex segments: short_total = sum of pieces, filled in order of weight by the minimiser.
        pieces = []
        for seg in obj.under_segments:
            width = None if seg.width is None else seg.width
            piece = model.new_int_var(0, width if width is not None else max(0, need + load_max[i]), "")
            pieces.append(piece)
            terms.append((piece, round(seg.weight * SCALE)))
        model.add(sum(pieces) == short_total)
        terms.append((excess, round(obj.over_weight * SCALE)))
    model.minimize(sum(c * v for v, c in terms))
    # Hint: the incumbent (greedy) placement, as counts.
    for (t, start), ks in groups.items():
        for j, (offsets, vars_) in enumerate(_xs_for(xs, t, start)):
            counts = {int(o): 0 for o in offsets}
            for k0 in ks:
                counts[int(offset[k0 + j])] += 1
            for v, o in zip(vars_, offsets):
                model.add_hint(v, counts[int(o)])
    incumbent = _day_cost(cov, req, inside, under_w, obj.over_weight, groups, offset, base, occ, rank, step)
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = max(1, num_workers)
    solver.parameters.interleave_search = True
    solver.parameters.max_deterministic_time = deterministic_limit
    solver.parameters.max_time_in_seconds = wall_limit if wall_limit is not None else 60.0
    status = solver.solve(model)
    improved = 0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        new = offset.copy()
        for (t, start), ks in groups.items():
            shifts = sorted(ks)
            for j, (offsets, vars_) in enumerate(_xs_for(xs, t, start)):
                chosen = np.repeat(offsets, [solver.value(v) for v in vars_])
                for k0, off in zip(shifts, chosen):  # k-th earliest to the k-th shift, every break
                    new[k0 + j] = int(off)
        cost = _day_cost(cov, req, inside, under_w, obj.over_weight, groups, new, base, occ, rank, step)
        if cost < incumbent - 1e-9:
            offset[:] = new
            improved = 1
    # Put this day's breaks back into the coverage.
    for ks in groups.values():
        for k0 in ks:
            k = k0
            while k < len(rank) and (k == k0 or rank[k] > 0):
                a = int((base[k] + offset[k]) // step)
                cov[a : a + int(occ[k])] -= 1
                k += 1
    return improved, int(status == cp_model.OPTIMAL)


def _xs_for(xs: dict, t: int, start: int) -> list:
    out = []
    j = 0
    while (t, start, j) in xs:
        out.append(xs[(t, start, j)])
        j += 1
    return out


def _day_cost(cov, req, inside, under_w, over_w, groups, offset, base, occ, rank, step) -> float:
    """Objective of the intervals the day's breaks touch, with the breaks at ``offset`` (cov has them lifted)."""
    c = cov.copy()
    for ks in groups.values():
        for k0 in ks:
            k = k0
            while k < len(rank) and (k == k0 or rank[k] > 0):
                a = int((base[k] + offset[k]) // step)
                c[a : a + int(occ[k])] -= 1
                k += 1
    short = np.where(inside, np.maximum(req - c, 0), 0)
    over = np.where(inside, np.maximum(c - req, 0), 0)
    cum = np.concatenate([[0.0], np.cumsum(under_w[1:])])
    return float(cum[np.minimum(short, len(cum) - 1)].sum() + over_w * over.sum())


# CP-SAT deterministic time per day of breaks (the wall limit is only a safety net).
# CP-SAT deterministic time per day of the exact break model (SolverSettings.break_day_deterministic_limit).
_DAY_DETERMINISTIC_LIMIT = SolverSettings.break_day_deterministic_limit


def polish_net(
    cat: Catalogue,
    state: RosterState,
    plan: BreakPlan,
    *,
    seed: int = 0,
    deadline: float | None = None,
    max_passes: int = 5,
) -> tuple[BreakPlan, int]:
    """One-agent-week moves priced net of the moved shifts' own breaks.

    Each agent-week is lifted with its breaks; every legal tour is priced on the coverage net
    of everyone else's breaks, each start's value reduced by the cheapest placement of its own
    breaks; the best week is put back with its breaks placed by the same marginal rule (in
    order, keeping the minimum work stretches), and kept only if the roster's objective net of
    breaks falls and no interval exceeds the seats. Returns the updated plan and the moves made.
    """
    step = cat.grid.interval_minutes
    n_int = cat.grid.n_intervals
    req = cat.grid.required.astype(np.int64)
    obj = cat.rules.objective
    under_w = under_marginals(cat)
    cum = np.concatenate([[0.0], np.cumsum(under_w[1:])])
    ctx = MoveContext(cat)
    net = plan.coverage.astype(np.int64).copy()
    # breaks per (agent, day): list of (template rank, offset)
    own: dict[tuple[int, int], list[int]] = {}
    for a, d, _r, st in zip(plan.agent, plan.day, plan.rank, plan.start):
        own.setdefault((int(a), int(d)), []).append(int(st - state.start[a, d]))

    paid_min = np.array([t.template.paid_minutes for t in cat.templates] + [0], dtype=np.int64)
    # Skill-aware: the moves are priced with the skill term on the heads net of breaks
    # (wfm.roster.skill_pricing); the whole polish is priced exactly at the end and put back
    # if it did not lower the objective.
    skill = None if state.skill is None else state.skill.net_of_breaks(cat, plan)

    def pooled_cost(c: np.ndarray) -> float:
        short = np.maximum(req - c, 0)
        paid = float(paid_min[np.where(state.template >= 0, state.template, len(cat.templates))].sum()) / 60
        return float(
            cum[np.minimum(short, len(cum) - 1)].sum()
            + obj.over_weight * np.maximum(c - req, 0).sum()
            + obj.paid_hour_weight * paid
        )

    def cost(c: np.ndarray) -> float:
        return pooled_cost(c) + (0.0 if skill is None else skill.proxy_term(c))

    def exact_cost() -> float:
        assert skill is not None
        return pooled_cost(net) + skill.weight * exact_excess(cat, skill.heads, net)[0]

    snapshot = None
    if skill is not None:
        assert state.skill is not None
        snapshot = (
            state.start.copy(),
            state.template.copy(),
            state.coverage.copy(),
            state.skill.copy(),
            dict(own),
            net.copy(),
        )
        exact_before = exact_cost()

    def occupy(agent: int, start: int, t: int, offs: list[int], sign: int) -> None:
        """sign +1: add the shift net of its breaks to ``net``; -1: take it away."""
        first = start // step
        net[first : min(first + ctx.n_len[t], n_int)] += sign
        if skill is not None:
            skill.add(agent, first, min(first + ctx.n_len[t], n_int), sign)
        for (_offsets, n_occ), off in zip(cat.templates[t].break_offsets, offs):
            a = (start + off) // step
            net[min(a, n_int) : min(a + n_occ, n_int)] -= sign
            if skill is not None:
                skill.add(agent, min(a, n_int), min(a + n_occ, n_int), -sign)

    def skill_marginals(agent: int) -> np.ndarray | float:
        """The skill term's marginal of one more head of the agent, net of breaks (0 without skills)."""
        return 0.0 if skill is None else skill.marginals(agent, net)

    def place(agent: int, start: int, t: int) -> list[int]:
        tpl = cat.templates[t]
        offs: list[int] = []
        lows, _ = tpl.template.break_bounds()
        prefix = np.concatenate([[0.0], np.cumsum(_marg(net) + skill_marginals(agent))])
        for j, ((offsets, n_occ), _rule) in enumerate(zip(tpl.break_offsets, tpl.template.breaks)):
            cand = offsets
            if offs:
                prev_rule = tpl.template.breaks[j - 1]
                cand = cand[cand >= offs[-1] + prev_rule.minutes + tpl.template.min_work_minutes]
            a = np.minimum((start + cand) // step, n_int)
            loss = prefix[np.minimum(a + n_occ, n_int)] - prefix[a]
            offs.append(int(cand[int(np.argmin(loss))]))
        return offs

    def _marg(c: np.ndarray) -> np.ndarray:
        short = req - c
        return np.where(short > 0, under_w[np.clip(short, 0, len(under_w) - 1)], -obj.over_weight)

    rng = np.random.default_rng(seed + 7)
    moves = passes = 0
    current = cost(net)
    while passes < max_passes:
        if deadline is not None and time.perf_counter() > deadline:
            break
        passes += 1
        improved = 0
        order = [(a, w) for a in range(len(cat.agents)) for w in range(len(cat.grid.weeks))]
        for idx in rng.permutation(len(order)):
            if deadline is not None and time.perf_counter() > deadline:
                break
            agent, week = order[int(idx)]
            d0, n = cat.grid.weeks[week]
            saved_s = state.start[agent, d0 : d0 + n].copy()
            saved_t = state.template[agent, d0 : d0 + n].copy()
            saved_b = {d: own.get((agent, d)) for d in range(d0, d0 + n)}
            price_before = ctx.prefs.week_price(cat, agent, saved_s, saved_t, d0)
            for d in range(d0, d0 + n):
                if saved_s[d - d0] >= 0:
                    occupy(agent, int(saved_s[d - d0]), int(saved_t[d - d0]), saved_b[d] or [], -1)
            clear_week(cat, state, agent, d0, n)
            prefix = np.concatenate(
                [
                    [0.0],
                    np.cumsum(
                        np.where(state.coverage + 1 > cat.rules.seats, -1e12, _marg(net) + skill_marginals(agent))
                    ),
                ]
            )
            scores, gains, _, _ = week_options(ctx, state, agent, week, prefix, net_of_breaks=True)
            best = int(np.argmax(scores))
            new_days: list[int] = []
            if scores[best] > -1e11:
                tour = cat.classes[week][int(cat.agent_class[agent, week])].tours[0][best]
                for day, start, t in tour_shifts(cat, week, tour, gains):
                    set_shift(cat, state, agent, day, start, t)
                    offs = place(agent, start, t)
                    occupy(agent, start, t, offs, +1)
                    own[(agent, day)] = offs
                    new_days.append(day)
            value = cost(net)
            # the agent's wishes: the week's price change counts like the coverage change
            price_change = (
                ctx.prefs.week_price(
                    cat, agent, state.start[agent, d0 : d0 + n], state.template[agent, d0 : d0 + n], d0
                )
                - price_before
            )
            keep = (
                scores[best] > -1e11
                and value + price_change < current - 1e-9
                and not (state.coverage > cat.rules.seats).any()
            )
            if keep:
                current = value
                improved += 1
                for d in range(d0, d0 + n):
                    if d not in new_days:
                        own.pop((agent, d), None)
            else:
                for day in new_days:
                    occupy(agent, int(state.start[agent, day]), int(state.template[agent, day]), own[(agent, day)], -1)
                clear_week(cat, state, agent, d0, n)
                for d in range(d0, d0 + n):
                    if saved_s[d - d0] >= 0:
                        set_shift(cat, state, agent, d, int(saved_s[d - d0]), int(saved_t[d - d0]))
                        occupy(agent, int(saved_s[d - d0]), int(saved_t[d - d0]), saved_b[d] or [], +1)
                    kept = saved_b[d]
                    if kept is not None:
                        own[(agent, d)] = kept
                    else:
                        own.pop((agent, d), None)
        moves += improved
        if not improved:
            break
    if snapshot is not None and moves and exact_cost() > exact_before - 1e-9:
        # the proxy's gain was not real: every move is put back
        state.start[:], state.template[:], state.coverage[:] = snapshot[0], snapshot[1], snapshot[2]
        state.skill = snapshot[3]
        own, net, moves = snapshot[4], snapshot[5], 0
    # Rebuild the plan arrays from the per-shift breaks.
    agent_l, day_l, rank_l, tpl_l, start_l = [], [], [], [], []
    for (a, d), offs in sorted(own.items()):
        t = int(state.template[a, d])
        for r, off in enumerate(offs):
            agent_l.append(a)
            day_l.append(d)
            rank_l.append(r)
            tpl_l.append(t)
            start_l.append(int(state.start[a, d]) + off)
    arr = lambda x: np.array(x, dtype=np.int64)  # noqa: E731
    new_plan = BreakPlan(
        arr(agent_l),
        arr(day_l),
        arr(rank_l),
        arr(tpl_l),
        arr(start_l),
        net.copy(),
        plan.passes,
        plan.moves,
        plan.stopped_by_time,
        int((state.coverage - net).sum()),
        plan.exact_days,
        plan.optimal_days,
    )
    return new_plan, moves
