"""Rules spanning weeks: hour balancing over a cycle, weekends per cycle, work stretches, successions.

China's comprehensive working-hours system (综合计算工时制) balances paid hours over a cycle of
``rules.cycle_weeks`` weeks: a contract's ``avg_hours_week`` times the cycle length, within
``cycle_tolerance_hours`` and at most ``max_overtime_hours_per_cycle`` above that norm, while
each week stays within the contract's ``min_hours_week``-``max_hours_week``. The other rules
here are ``max_weekends_worked_per_cycle``, ``min_work_stretch_days`` (no isolated working day)
and ``forbidden_successions`` of shift types on consecutive days; all of them continue across
week boundaries and from the previous roster (the agents frame's ``prev_*`` and ``cycle_*``
columns).

This module gives the stages what they need, without touching their structure:

- :func:`inner_stretch_ok` and :func:`band_repeats_forbidden` (in :mod:`.cycle_rules`) filter
  week patterns and tours by what is decidable inside one week (tours.py);
- :func:`cycle_info` is the per-catalogue accounting (each agent's cycles, weekly hour options,
  weekends), computed once and kept on the catalogue (``Catalogue.cycle_info``);
- :func:`aggregate_rows` adds rows to the aggregate model that every legal roster satisfies
  (contract-level sums), so its LP stays a relaxation and its optimum a lower bound;
- :func:`week_mask` is the per-agent legality of a week's tours given the agent's other weeks
  (hours left in the cycle, weekends, stretches and successions at the week's edges), used by
  the assignment arcs and the exact one-agent-week move; :func:`arc_costs` steers each
  agent's running hours toward the cycle average so its last week stays feasible;
- :func:`wfm.roster.cycle_moves.improve_cycles` (a stage of its own) moves hours between an
  agent's weeks;
- :func:`check_agents` raises :class:`InfeasibleRosterError` naming the agent and the rules
  when its history leaves no legal cycle.

Cycles start at the horizon start unless the agent's ``cycle_weeks_done`` says how far into
its current cycle it already is; weeks are the 7-day blocks from the horizon start. A weekend
(Saturday and Sunday) is worked when either day is; it counts in the cycle of the block holding
its Saturday (the first block when that Saturday is before the horizon). A cycle that
continues past the horizon keeps the hours its remaining weeks could still bring; a cycle
holding a shorter final block has only its maximum (the rest of that week is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import logging

import numpy as np
import pandas as pd

from ..exceptions import InfeasibleRosterError
from .cycle_rules import active, band_repeats_forbidden, forbidden_pairs, inner_stretch_ok

if TYPE_CHECKING:  # pragma: no cover
    from .tours import Catalogue

# active, inner_stretch_ok, band_repeats_forbidden and forbidden_pairs live in .cycle_rules (re-exported)
__all__ = [
    "active",
    "inner_stretch_ok",
    "band_repeats_forbidden",
    "aggregate_rows",
    "week_mask",
    "arc_costs",
    "check_agents",
    "forbidden_pairs",
    "Cycle",
    "CycleInfo",
    "cycle_info",
    "tour_minutes",
    "sumset",
    "NO_LOWER",
    "add_hours_flow",
    "flow_values",
    "plan_trajectories",
]

_log = logging.getLogger("wfm.roster")
_DAY = 1440
NO_LOWER = -(10**12)
# CP-SAT deterministic time for the agents' cycle trajectories (plan_trajectories).
_TRAJECTORY_DET_LIMIT = 5.0
# Cost of a tour off the agent's trajectory option in the assignment flow.
_TRAJECTORY_STEER = 30


@dataclass
class Cycle:
    """One agent's cycle as the horizon sees it."""

    weeks: list[int]  # week blocks of the horizon inside it
    after: int  # weeks of the cycle after the horizon end
    so_far: int  # paid minutes before the horizon
    weekends_so_far: int
    lower: int  # least paid minutes of the whole cycle (NO_LOWER: none)
    upper: int  # most (a large number: none)
    has_target: bool


@dataclass
class CycleInfo:
    """Per catalogue: each agent's cycles, weekly hour options and weekends of the horizon."""

    on: bool
    week_cycle: np.ndarray  # (agents, weeks) index into cycles[agent]
    cycles: list[list[Cycle]]
    paid: np.ndarray  # paid minutes per template index
    short_week: int  # index of a final block shorter than 7 days, -1 when none
    generic: list[np.ndarray]  # per agent: sorted paid minutes of a whole 7-day week (rules only)
    weekends: list[tuple[int, int, int]]  # (saturday day, sunday day, block counting it)
    weekend_cycle_ok: bool  # every weekend inside one block (the aggregate can count it)
    start_type: np.ndarray  # shift type index per clock minute of a start
    pairs: set[tuple[int, int]]
    band_type: list[np.ndarray]
    sums: dict = field(default_factory=dict)
    week_sets: dict = field(default_factory=dict)


def cycle_info(cat: Catalogue) -> CycleInfo:
    """The catalogue's cycle accounting, computed on first use and kept on the catalogue."""
    if cat.cycle_info is not None:
        return cat.cycle_info
    rules, grid = cat.rules, cat.grid
    weeks = grid.weeks
    n_agents = len(cat.agents)
    on = active(rules)
    week_cycle = np.zeros((n_agents, len(weeks)), dtype=np.int64)
    cycles: list[list[Cycle]] = []
    short_week = len(weeks) - 1 if weeks and weeks[-1][1] < 7 else -1
    generic = []
    for a, agent in enumerate(cat.agents):
        contract = rules.contracts[agent.contract]
        done = agent.cycle_weeks_done
        mine: list[Cycle] = []
        for w in range(len(weeks)):
            c = (w + done) // rules.cycle_weeks
            week_cycle[a, w] = c
            while len(mine) <= c:
                k = len(mine)
                first = k == 0
                inside = [x for x in range(len(weeks)) if (x + done) // rules.cycle_weeks == k]
                before = done if first else 0
                after = rules.cycle_weeks - before - len(inside)
                lower, upper, target = NO_LOWER, 10**12, contract.avg_hours_week is not None
                if target:
                    lower, upper = rules.cycle_bounds_minutes(contract)
                    if short_week in inside:
                        lower = NO_LOWER
                mine.append(
                    Cycle(
                        inside,
                        after,
                        agent.cycle_minutes_so_far if first else 0,
                        agent.cycle_weekends_worked if first else 0,
                        lower,
                        upper,
                        target,
                    )
                )
        cycles.append(mine)
        generic.append(
            np.array(
                sorted(
                    rules.weekly_paid_minutes(agent.min_paid_minutes_week, agent.max_paid_minutes_week, agent.templates)
                ),
                dtype=np.int64,
            )
        )
    weekends = []
    for d in range(-1, grid.n_days):
        if (grid.start + pd.Timedelta(days=d)).weekday() == 5:
            weekends.append((d, d + 1, max(d, 0) // 7))
    start_type = np.array([rules.shift_type_index(m) for m in range(_DAY)], dtype=np.int64)
    info = CycleInfo(
        on,
        week_cycle,
        cycles,
        np.array([t.template.paid_minutes for t in cat.templates], dtype=np.int64),
        short_week,
        generic,
        weekends,
        grid.start.weekday() != 6,
        start_type,
        forbidden_pairs(rules),
        [t.band_type for t in cat.templates],
    )
    cat.cycle_info = info
    return info


def tour_minutes(info: CycleInfo, cat: Catalogue, week: int, tours: np.ndarray) -> np.ndarray:
    p, t = tours[:, 0], tours[:, 1]
    return np.where(t >= 0, info.paid[np.maximum(t, 0)] * cat.patterns[week].count[p], 0)


def _week_set(info: CycleInfo, cat: Catalogue, agent: int, week: int) -> np.ndarray:
    """Sorted paid minutes the agent's class may work in a horizon week (its unavailable days included)."""
    key = (week, int(cat.agent_class[agent, week]))
    if key not in info.week_sets:
        tours = cat.classes[week][key[1]].tours[0]
        info.week_sets[key] = np.unique(tour_minutes(info, cat, week, tours))
    return info.week_sets[key]


def sumset(info: CycleInfo, cat: Catalogue, agent: int, open_weeks: list[int], after: int) -> np.ndarray:
    """Every total the open horizon weeks and the weeks after the horizon can still bring."""
    key = (
        tuple((w, int(cat.agent_class[agent, w])) for w in open_weeks),
        after,
        tuple(info.generic[agent].tolist()) if after else (),
    )
    if key not in info.sums:
        total = np.zeros(1, dtype=np.int64)
        parts = [_week_set(info, cat, agent, w) for w in open_weeks] + [info.generic[agent]] * after
        for part in parts:
            total = np.unique((total[:, None] + part[None, :]).ravel())
        info.sums[key] = total
    return info.sums[key]


def _week_minutes(info: CycleInfo, state, agent: int, d0: int, n: int) -> int:
    tpl = state.template[agent, d0 : d0 + n]
    return int(info.paid[tpl[tpl >= 0]].sum())


def _placed(state, agent: int, week: int) -> bool:
    placed = getattr(state, "placed", None)
    return True if placed is None else bool(placed[agent, week])


def _hours_window(info: CycleInfo, cat: Catalogue, state, agent: int, week: int) -> tuple[int, int, np.ndarray] | None:
    """(least, most) paid minutes of the cycle left for this week and the open weeks, and what those can bring."""
    cyc = info.cycles[agent][int(info.week_cycle[agent, week])]
    if not cyc.has_target:
        return None
    fixed = 0
    open_weeks = []
    for w in cyc.weeks:
        if w == week:
            continue
        d0, n = cat.grid.weeks[w]
        if _placed(state, agent, w):
            fixed += _week_minutes(info, state, agent, d0, n)
        elif w != info.short_week:
            open_weeks.append(w)
    reach = sumset(info, cat, agent, open_weeks, cyc.after)
    low = cyc.lower - cyc.so_far - fixed if cyc.lower > NO_LOWER else NO_LOWER
    return low, cyc.upper - cyc.so_far - fixed, reach


def _weekend_flags(info: CycleInfo, cat: Catalogue, week: int, tours: np.ndarray) -> np.ndarray:
    """1 where a tour works a weekend day of its week (when weekends per cycle are limited and countable)."""
    d0, n = cat.grid.weeks[week]
    local = [d - d0 for sat, sun, _ in info.weekends for d in (sat, sun) if d0 <= d < d0 + n]
    if not local or cat.rules.max_weekends_worked_per_cycle is None or not info.weekend_cycle_ok:
        return np.zeros(len(tours), dtype=np.int64)
    return cat.patterns[week].on[tours[:, 0]][:, local].any(axis=1).astype(np.int64)


def week_mask(cat: Catalogue, state, agent: int, week: int, tours: np.ndarray) -> np.ndarray:
    """Which of these tours (rows pattern, template, band) the agent may work this week, given its other weeks.

    Checks the rules spanning weeks only (the caller checks the others): hours left in the cycle
    (so that the cycle's open weeks can still close it), weekends worked per cycle, the minimum
    work stretch at the week's edges and forbidden successions into and out of the week. Weeks
    not placed yet (``state.placed``) are open: they constrain only through what they could hold.
    """
    info = cycle_info(cat)
    ok = np.ones(len(tours), dtype=bool)
    if not info.on or len(tours) == 0:
        return ok
    rules = cat.rules
    d0, n = cat.grid.weeks[week]
    pat = cat.patterns[week]
    p, t, b = tours[:, 0], tours[:, 1], tours[:, 2]
    on = pat.on[p]
    window = _hours_window(info, cat, state, agent, week)
    if window is not None:
        low, high, reach = window
        minutes = tour_minutes(info, cat, week, tours)
        values = np.unique(minutes)
        # Some total x the open weeks can bring must put the cycle within [low, high].
        k = np.searchsorted(reach, low - values) if low > NO_LOWER else np.zeros(len(values), dtype=np.int64)
        closable = (k < len(reach)) & (reach[np.minimum(k, len(reach) - 1)] <= high - values)
        if not closable.all():
            ok &= np.isin(minutes, values[closable])
    n_days = cat.grid.n_days
    next_open = d0 + n >= n_days or not _placed(state, agent, week + 1)
    worked = state.start[agent] >= 0
    if rules.max_weekends_worked_per_cycle is not None:
        ok &= _weekend_ok(info, cat, state, agent, week, on, worked, next_open)
    m = rules.min_work_stretch_days
    if m > 1:
        run_before = 0
        day = d0 - 1
        while day >= 0 and worked[day]:
            run_before += 1
            day -= 1
        if day < 0:
            run_before += int(cat.prev_run[agent])
        run_after, day = 0, d0 + n
        while not next_open and day < n_days and worked[day]:
            run_after += 1
            day += 1
        after_reaches_end = not next_open and day >= n_days and run_after > 0
        lead, trail, full = pat.lead[p], pat.trail[p], pat.full[p]
        # A run of the previous roster ending the day before the horizon is that roster's (open) end.
        lead_ok = np.where(lead == 0, (run_before == 0) | (run_before >= m) | (d0 == 0), run_before + lead >= m)
        if next_open or after_reaches_end:
            trail_ok = np.ones(len(tours), dtype=bool)
        else:
            trail_ok = np.where(trail == 0, (run_after == 0) | (run_after >= m), trail + run_after >= m)
        full_ok = next_open or after_reaches_end or (run_before + n + run_after >= m)
        ok &= np.where(full, full_ok, lead_ok & trail_ok)
    if info.pairs:
        kind = np.full(len(tours), -1, dtype=np.int64)
        for tid in np.unique(t[t >= 0]):
            rows = t == tid
            kind[rows] = info.band_type[int(tid)][b[rows]]
        before = -1
        if d0 > 0 and worked[d0 - 1]:
            before = int(info.start_type[int(state.start[agent, d0 - 1]) % _DAY])
        elif d0 == 0 and cat.prev_run[agent] >= 1 and cat.agents[agent].prev_shift_type:
            names = [x.name for x in rules.shift_types]
            before = names.index(cat.agents[agent].prev_shift_type)
        if before >= 0:
            bad = np.array([(before, int(k)) in info.pairs for k in kind], dtype=bool)
            ok &= ~(bad & on[:, 0])
        if not next_open and d0 + n < n_days and worked[d0 + n]:
            nxt = int(info.start_type[int(state.start[agent, d0 + n]) % _DAY])
            bad = np.array([(int(k), nxt) in info.pairs for k in kind], dtype=bool)
            ok &= ~(bad & on[:, n - 1])
    return ok


def _weekend_ok(
    info: CycleInfo, cat: Catalogue, state, agent: int, week: int, on: np.ndarray, worked: np.ndarray, next_open: bool
) -> np.ndarray:
    """Weekends worked per cycle stay within the limit, counting this week's pattern."""
    limit = cat.rules.max_weekends_worked_per_cycle
    d0, n = cat.grid.weeks[week]
    n_days = cat.grid.n_days
    counts: dict[int, np.ndarray] = {}
    for sat, sun, block in info.weekends:
        c = int(info.week_cycle[agent, block])
        days = [d for d in (sat, sun) if 0 <= d < n_days]
        inside = [d - d0 for d in days if d0 <= d < d0 + n]
        fixed = any(worked[d] for d in days if not d0 <= d < d0 + n)
        value = np.full(len(on), fixed) | (on[:, inside].any(axis=1) if inside else False)
        counts[c] = counts.get(c, np.zeros(len(on), dtype=np.int64)) + value
    ok = np.ones(len(on), dtype=bool)
    for c, count in counts.items():
        ok &= count + info.cycles[agent][c].weekends_so_far <= limit
    return ok


def arc_costs(
    cat: Catalogue,
    state,
    agents: np.ndarray,
    tours: np.ndarray,
    week: int,
    flow: dict[tuple[str, int, int], dict[int, float]] | None = None,
    trajectories: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> np.ndarray:
    """Assignment cost per agent x tour steering each agent's cycle hours; zeros without targets.

    With the plan's hours flow (:func:`add_hours_flow`), an agent at ``D`` paid minutes so far
    pays ``_FLOW_STEER`` times the share of the plan's agents at ``D`` that do *not* step this
    tour's minutes this week: the agents follow the plan's trajectories, so the plan's last week
    of the cycle finds the agents it expects. Without it (or at a total the plan has nobody at),
    the cost is the hours off ``avg_hours_week`` per elapsed week after the tour. Either keeps
    the cycle's last weeks free to close it (the masks make that exact).
    """
    info = cycle_info(cat)
    out = np.zeros((len(agents), len(tours)), dtype=np.int64)
    if not info.on:
        return out
    minutes = tour_minutes(info, cat, week, tours)
    flag = _weekend_flags(info, cat, week, tours)
    for r, a in enumerate(agents):
        a = int(a)
        if trajectories and (a, week) in trajectories:
            m, f = trajectories[(a, week)]
            out[r] = _TRAJECTORY_STEER * ((minutes != m) | (flag != f)).astype(np.int64)
            continue
        name = cat.agents[a].contract
        contract = cat.rules.contracts[name]
        if contract.avg_hours_week is None:
            continue
        cyc = info.cycles[a][int(info.week_cycle[a, week])]
        elapsed = cat.agents[a].cycle_weeks_done if cyc is info.cycles[a][0] else 0
        done = cyc.so_far
        for w in cyc.weeks:
            if w == week:
                break
            d0, n = cat.grid.weeks[w]
            done += _week_minutes(info, state, a, d0, n)
            elapsed += 1
        if flow:
            steps = flow.get((name, week, done), {})
            total = sum(steps.values())
            if total > 1e-6:
                share = np.array([steps.get(int(m), 0.0) for m in minutes]) / total
                out[r] = np.rint(_FLOW_STEER * (1 - share)).astype(np.int64)
                continue
        target = contract.avg_hours_week * 60 * (elapsed + 1)
        out[r] = np.rint(np.abs(done + minutes - target) / 60).astype(np.int64)
    return out


# Cost of a tour whose step nobody at the agent's total takes in the plan (vs 1 for a late start
# and 1,000 for leaving the agent-week to the repair).
_FLOW_STEER = 20


def aggregate_rows(cat: Catalogue, tour_var: list[list[np.ndarray]]) -> list[tuple[list[int], list[int], int]]:
    """Rows ``sum(coef * x) <= rhs`` every legal roster satisfies, for the aggregate model.

    Per contract and cycle (or over the whole horizon when its agents are at different points
    of their cycles): the paid minutes of the contract's tours lie between the sums of its
    agents' least and most cycle minutes left for the horizon, and the weekends its tours work
    stay within the sum of its agents' weekends left. Each agent's own rule implies the sum, so
    any legal roster of the tour catalogue maps to a feasible point: the LP stays a relaxation.
    """
    info = cycle_info(cat)
    if not info.on:
        return []
    rules = cat.rules
    rows: list[tuple[list[int], list[int], int]] = []
    by_contract: dict[str, list[int]] = {}
    for a, agent in enumerate(cat.agents):
        by_contract.setdefault(agent.contract, []).append(a)
    n_weeks = len(cat.grid.weeks)
    for name, members in sorted(by_contract.items()):
        contract = rules.contracts[name]
        phases = {cat.agents[a].cycle_weeks_done for a in members}
        if len(phases) == 1:
            windows = [cyc.weeks for cyc in info.cycles[members[0]]]
            per_agent: list[list[tuple[Cycle, ...]]] = [
                [(info.cycles[a][k],) for a in members] for k in range(len(windows))
            ]
        else:
            windows = [list(range(n_weeks))]
            per_agent = [[tuple(info.cycles[a]) for a in members]]
        for weeks, agent_cycles in zip(windows, per_agent):
            if not weeks:
                continue
            cols: list[int] = []
            minutes: list[int] = []
            weekend_cols: list[int] = []
            for w in weeks:
                for c, cls in enumerate(cat.classes[w]):
                    if cls.key[0][0] != name:
                        continue
                    tours = cls.tours[0]
                    cols += tour_var[w][c].tolist()
                    minutes += tour_minutes(info, cat, w, tours).tolist()
                    if rules.max_weekends_worked_per_cycle is not None and info.weekend_cycle_ok:
                        d0, n = cat.grid.weeks[w]
                        local = [d - d0 for sat, sun, _ in info.weekends for d in (sat, sun) if d0 <= d < d0 + n]
                        if local:
                            works = cat.patterns[w].on[tours[:, 0]][:, local].any(axis=1)
                            weekend_cols += tour_var[w][c][works].tolist()
            if contract.avg_hours_week is not None:
                lower = upper = 0
                for a, cycs in zip(members, agent_cycles):
                    lo_w, hi_w = cat.agents[a].min_paid_minutes_week, cat.agents[a].max_paid_minutes_week
                    for cyc in cycs:
                        upper += cyc.upper - cyc.so_far - lo_w * cyc.after
                        if lower > NO_LOWER and cyc.lower > NO_LOWER:
                            lower += cyc.lower - cyc.so_far - hi_w * cyc.after
                        else:
                            lower = NO_LOWER
                rows.append((cols, minutes, int(upper)))
                if lower > 0:
                    rows.append((cols, [-m for m in minutes], -int(lower)))
            if weekend_cols:
                assert rules.max_weekends_worked_per_cycle is not None  # weekend_cols only then
                left = sum(
                    rules.max_weekends_worked_per_cycle - cyc.weekends_so_far for cycs in agent_cycles for cyc in cycs
                )
                rows.append((weekend_cols, [1] * len(weekend_cols), int(left)))
    rows += _boundary_rows(cat, info, tour_var, by_contract)
    # Integer coefficients over their gcd (minutes -> hours usually): the left side is a multiple of
    # the gcd, so flooring the right side keeps the same integer points and a better-scaled LP.
    out = []
    for cols, coefs, rhs in rows:
        g = int(np.gcd.reduce(np.abs(np.array(coefs, dtype=np.int64)))) if coefs else 1
        g = max(g, 1)
        out.append((cols, [c // g for c in coefs], rhs // g))
    return out


def _boundary_rows(
    cat: Catalogue, info: CycleInfo, tour_var: list[list[np.ndarray]], by_contract: dict[str, list[int]]
) -> list[tuple[list[int], list[int], int]]:
    """Hall-type rows between consecutive weeks, per contract: the agents ending a week one way are
    at most the agents starting the next week in a way that may follow it.

    Consecutive days: agents whose week ends with a run of >= k days need a next week starting
    with <= max_consecutive_days - k; work stretch: a run of 1..k days at the end needs one of
    >= m - k at the start (and the other way round); successions: a last day of type a needs a
    first day that is not of a forbidden successor. Every agent of a legal roster pairs its two
    weeks that way, so the counts satisfy each row (a relaxation); without them the plan mixes
    week ends and week starts no agent can join.
    """
    rules = cat.rules
    big_m, m = rules.max_consecutive_days, rules.min_work_stretch_days
    rows: list[tuple[list[int], list[int], int]] = []
    for name in sorted(by_contract):
        for w in range(len(cat.grid.weeks) - 1):
            ends: list[tuple[np.ndarray, ...]] = []
            for week in (w, w + 1):
                d0, n = cat.grid.weeks[week]
                pat = cat.patterns[week]
                cols, lead, trail, first, last = [], [], [], [], []
                for c, cls in enumerate(cat.classes[week]):
                    if cls.key[0][0] != name:
                        continue
                    tours = cls.tours[0]
                    p, t, b = tours[:, 0], tours[:, 1], tours[:, 2]
                    kind = np.full(len(tours), -1, dtype=np.int64)
                    for tid in np.unique(t[t >= 0]):
                        kind[t == tid] = info.band_type[int(tid)][b[t == tid]]
                    cols.append(tour_var[week][c])
                    lead.append(pat.lead[p])
                    trail.append(pat.trail[p])
                    first.append(np.where(pat.on[p, 0], kind, -2))
                    last.append(np.where(pat.on[p, n - 1], kind, -2))
                if not cols:
                    break
                ends.append(tuple(np.concatenate(x) for x in (cols, lead, trail, first, last)))
            if len(ends) < 2:
                continue
            (cols_a, _, trail_a, _, last_a), (cols_b, lead_b, _, first_b, _) = ends

            def row(plus_cols: np.ndarray, plus: np.ndarray, minus_cols: np.ndarray, minus: np.ndarray) -> None:
                if plus.any():
                    rows.append(
                        (
                            plus_cols[plus].tolist() + minus_cols[minus].tolist(),
                            [1] * int(plus.sum()) + [-1] * int(minus.sum()),
                            0,
                        )
                    )

            for k in range(1, big_m + 1):
                row(cols_a, trail_a >= k, cols_b, lead_b <= big_m - k)
            # A run through the whole final block reaches the horizon end: it is open, never too short.
            open_b = (lead_b == cat.grid.weeks[w + 1][1]) & (w + 1 == len(cat.grid.weeks) - 1)
            for k in range(1, m):
                row(cols_a, (trail_a >= 1) & (trail_a <= k), cols_b, (lead_b >= m - k) | open_b)
                row(cols_b, (lead_b >= 1) & (lead_b <= k), cols_a, trail_a >= m - k)
            for type_a, type_b in sorted(info.pairs):
                row(cols_a, last_a == type_a, cols_b, first_b != type_b)
    return rows


def check_agents(cat: Catalogue) -> None:
    """Raise InfeasibleRosterError naming the agent when its cycle history leaves no legal cycle."""
    info = cycle_info(cat)
    if not info.on:
        return
    rules = cat.rules
    for a, agent in enumerate(cat.agents):
        for cyc in info.cycles[a]:
            if not cyc.has_target:
                continue
            open_weeks = [w for w in cyc.weeks if w != info.short_week]
            reach = sumset(info, cat, a, open_weeks, cyc.after)
            low = cyc.lower - cyc.so_far
            high = cyc.upper - cyc.so_far
            if not ((reach >= low) & (reach <= high)).any():
                contract = rules.contracts[agent.contract]
                d0 = cat.grid.weeks[cyc.weeks[0]][0]
                raise InfeasibleRosterError(
                    f"agent {agent.agent_id}: no legal cycle from {cat.grid.date(d0)} (rule cycle_hours): "
                    f"cycle_hours_so_far {agent.cycle_minutes_so_far / 60:g} h after cycle_weeks_done "
                    f"{agent.cycle_weeks_done if cyc is info.cycles[a][0] else 0} of {rules.cycle_weeks}, "
                    f"avg_hours_week {contract.avg_hours_week:g} (tolerance {contract.cycle_tolerance_hours:g} h, "
                    f"max_overtime_hours_per_cycle {_hours(rules.max_overtime_hours_per_cycle)}) need "
                    f"{max(low, 0) / 60:g}-{high / 60:g} h more, but its weeks (min_hours_week "
                    f"{agent.min_paid_minutes_week / 60:g}, max_hours_week {agent.max_paid_minutes_week / 60:g}, "
                    f"unavailable dates) can bring {', '.join(f'{x / 60:g}' for x in reach[:12])} h"
                )


def add_hours_flow(cat: Catalogue, tour_var: list[list[np.ndarray]], new_var, add_eq) -> dict:
    """Add to the aggregate model, per contract with a cycle target, a flow of agents over paid-hours totals.

    ``F[contract, w, D, h]`` counts the contract's agents with ``D`` paid minutes in their cycle
    before week ``w`` (``cycle_hours_so_far`` included) that work ``h`` minutes in week ``w``.
    Conservation: the agents at ``D`` before week ``w`` are those arriving there from week ``w - 1``
    (or starting there); linking: the agents stepping ``h`` in week ``w`` are the contract's tours
    of ``h`` paid minutes that week; a step exists only when ``D + h`` can still close the cycle
    with the weeks left (each at the contract's weekly bounds). Any legal roster gives such a
    flow (count its agents by total and step), so the model stays a relaxation, and its plan's
    weekly hours are consistent with every agent closing the cycle - which the sum rows alone do
    not ensure. Contracts whose agents are at different points of their cycles get the sum rows
    of :func:`aggregate_rows` only.
    """
    info = cycle_info(cat)
    out: dict[tuple[str, int, int, int], int] = {}
    if not info.on:
        return out
    rules = cat.rules
    by_contract: dict[str, list[int]] = {}
    for a, agent in enumerate(cat.agents):
        by_contract.setdefault(agent.contract, []).append(a)
    for name, members in sorted(by_contract.items()):
        if rules.contracts[name].avg_hours_week is None:
            continue
        if len({cat.agents[a].cycle_weeks_done for a in members}) != 1:
            continue
        weekly = np.unique(np.concatenate([info.generic[a] for a in members]))
        for k, cyc in enumerate(info.cycles[members[0]]):
            weeks = cyc.weeks
            if not weeks:
                continue
            states: dict[int, list[tuple[int, float]]] = {}
            for a in members:
                so_far = info.cycles[a][k].so_far
                states.setdefault(so_far, []).append((-1, 1.0))
            for j, w in enumerate(weeks):
                later = [x for x in weeks[j + 1 :] if x != info.short_week]
                open_short = any(x == info.short_week for x in weeks[j + 1 :])
                rest = np.zeros(1, dtype=np.int64)
                for _ in range(len(later) + cyc.after):
                    rest = np.unique((rest[:, None] + weekly[None, :]).ravel())
                levels: dict[int, list[int]] = {}
                for c, cls in enumerate(cat.classes[w]):
                    if cls.key[0][0] != name:
                        continue
                    for var, m in zip(tour_var[w][c].tolist(), tour_minutes(info, cat, w, cls.tours[0]).tolist()):
                        levels.setdefault(int(m), []).append(var)
                step_vars: dict[int, list[int]] = {h: [] for h in levels}
                nxt: dict[int, list[tuple[int, float]]] = {}
                for total, incoming in sorted(states.items()):
                    outgoing = []
                    for h in sorted(levels):
                        after_total = total + h
                        closing = after_total + rest
                        no_lower = cyc.lower <= NO_LOWER or open_short
                        if not ((closing <= cyc.upper) & ((closing >= cyc.lower) | no_lower)).any():
                            continue
                        v = new_var(0, 0, len(members))
                        out[(name, w, int(total), int(h))] = v
                        outgoing.append(v)
                        step_vars[h].append(v)
                        nxt.setdefault(after_total, []).append((v, 1.0))
                    # Everyone at this total steps on (a contradiction makes the LP infeasible: no legal roster).
                    constant = sum(c for v, c in incoming if v < 0)
                    add_eq(
                        outgoing + [v for v, _ in incoming if v >= 0],
                        [1.0] * len(outgoing) + [-1.0] * sum(1 for v, _ in incoming if v >= 0),
                        float(constant),
                    )
                for h, tvars in levels.items():
                    add_eq(step_vars[h] + tvars, [1.0] * len(step_vars[h]) + [-1.0] * len(tvars), 0.0)
                states = nxt
    return out


def flow_values(model, values: np.ndarray | None) -> dict[tuple[str, int, int], dict[int, float]]:
    """The hours flow of a solution of the aggregate model: (contract, week, minutes so far) -> {step: agents}."""
    out: dict[tuple[str, int, int], dict[int, float]] = {}
    if values is None or not getattr(model, "cycle_flow", None):
        return out
    for (name, week, total, step), v in model.cycle_flow.items():
        out.setdefault((name, week, total), {})[step] = float(values[v])
    return out


def plan_trajectories(cat: Catalogue, plan, *, passes: int = 3) -> dict[tuple[int, int], tuple[int, int]]:
    """Give every agent with a cycle rule a week-by-week trajectory of (paid minutes, weekend worked).

    The aggregate plan says, per week and agent class, how many agents work each tour; it does
    not say which agents, and an agent's cycle (hours, weekends) ties its weeks together. Each
    agent, most constrained first, takes the trajectory (one (minutes, weekend) option of its
    class's tours per week) that closes its cycle - hours within the cycle bounds with the weeks
    after the horizon still able to bring the rest, weekends within the limit - and takes the
    most options the plan still has room for (a dynamic program over the weeks of the cycle with
    the state (minutes, weekends)); then a few passes re-choose each agent's trajectory against
    the others'. The assignment steers each agent-week to tours of its option, so the plan is
    followed where the cycles allow (the week masks keep every choice legal in any case).
    Returns (agent, week) -> (minutes, weekend flag); empty without cycle targets or weekend limits.
    """
    info = cycle_info(cat)
    rules = cat.rules
    out: dict[tuple[int, int], tuple[int, int]] = {}
    weekends = rules.max_weekends_worked_per_cycle is not None and info.weekend_cycle_ok
    if not info.on or not plan.tour_counts:
        return out
    targets = {a for a, agent in enumerate(cat.agents) if rules.contracts[agent.contract].avg_hours_week is not None}
    if not targets and not weekends:
        return out
    n_weeks = len(cat.grid.weeks)
    # Room per (week, class, option) left by the plan, and each agent-week's options.
    room: dict[tuple[int, int, tuple[int, int]], int] = {}
    options: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for w in range(n_weeks):
        for c, cls in enumerate(cat.classes[w]):
            tours = cls.tours[0]
            pairs = list(zip(tour_minutes(info, cat, w, tours).tolist(), _weekend_flags(info, cat, w, tours).tolist()))
            for o, k in zip(pairs, np.asarray(plan.tour_counts[w][c]).tolist()):
                room[(w, c, o)] = room.get((w, c, o), 0) + int(k)
            distinct = sorted(set(pairs))
            for a in cls.agent_index:
                options[(a, w)] = distinct
    agents = sorted(
        {a for a in range(len(cat.agents)) if a in targets or weekends},
        key=lambda a: (sum(len(options[(a, w)]) for w in range(n_weeks)), a),
    )
    chosen: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for _sweep in range(passes):
        changed = 0
        for a in agents:
            old = chosen.pop(a, [])
            for w, o in old:
                room[(w, int(cat.agent_class[a, w]), o)] += 1
            path: list[tuple[int, tuple[int, int]]] = []
            for cyc in info.cycles[a]:
                path += _best_trajectory(cat, info, a, cyc, options, room, a in targets, weekends)
            for w, o in path:
                room[(w, int(cat.agent_class[a, w]), o)] -= 1
            chosen[a] = path
            changed += path != old
        if not changed:
            break
    for a, path in chosen.items():
        for w, o in path:
            out[(a, w)] = o
    return out


def _best_trajectory(
    cat: Catalogue, info: CycleInfo, agent: int, cyc: Cycle, options, room, target: bool, weekends: bool
) -> list[tuple[int, tuple[int, int]]]:
    """The agent's options over one cycle's weeks that close it and use the most room the plan has left."""
    if not cyc.weeks:
        return []
    cap = cat.rules.max_weekends_worked_per_cycle
    limit = cap - cyc.weekends_so_far if weekends and cap is not None else 10**6
    # state (minutes, weekends) -> (value, path)
    table: dict[tuple[int, int], tuple[int, list]] = {(0, 0): (0, [])}
    for w in cyc.weeks:
        c = int(cat.agent_class[agent, w])
        nxt: dict[tuple[int, int], tuple[int, list]] = {}
        for (minutes, worked), (value, path) in table.items():
            for o in options[(agent, w)]:
                key = (minutes + o[0] if target else 0, worked + o[1])
                if key[1] > limit:
                    continue
                gain = value + (1 if room.get((w, c, o), 0) > 0 else -1)
                if key not in nxt or gain > nxt[key][0]:
                    nxt[key] = (gain, path + [(w, o)])
        table = nxt
    if target:
        reach = sumset(info, cat, agent, [], cyc.after)
        high = cyc.upper - cyc.so_far
        low = cyc.lower - cyc.so_far if cyc.lower > NO_LOWER else NO_LOWER
        table = {k: v for k, v in table.items() if ((k[0] + reach <= high) & (k[0] + reach >= low)).any()}
    if not table:
        return []
    return max(table.values(), key=lambda vp: vp[0])[1]


def _hours(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"
