"""The rules spanning weeks on one agent-week: which tours the agent may work, given its other weeks.

Beside the roster state (:mod:`.state` prices a week's options with it); the assignment arcs,
the exact one-agent-week move and the fairness swaps use the same check. The accounting it
reads (cycles, sum-sets of open weeks, weekends) is :mod:`.cycle`'s.
"""

from __future__ import annotations

import numpy as np

from .cycle import NO_LOWER, CycleInfo, cycle_info, sumset, tour_minutes, week_minutes
from .tours import Catalogue

__all__ = ["week_mask"]

_DAY = 1440


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
            fixed += week_minutes(info, state, agent, d0, n)
        elif w != info.short_week:
            open_weeks.append(w)
    reach = sumset(info, cat, agent, open_weeks, cyc.after)
    low = cyc.lower - cyc.so_far - fixed if cyc.lower > NO_LOWER else NO_LOWER
    return low, cyc.upper - cyc.so_far - fixed, reach


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
