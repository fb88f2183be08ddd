"""The aggregate model's rows for the rules spanning weeks: sum rows, week-boundary rows, the hours flow.

:func:`aggregate_rows` adds rows every legal roster satisfies (contract-level sums and
Hall-type rows between consecutive weeks) and :func:`add_hours_flow` a flow of each contract's
agents over paid-hours totals, so the aggregate LP stays a relaxation and its optimum a lower
bound (docs/roster.md, "Rules spanning weeks"); :func:`flow_values` reads that flow back from a
solution for the assignment. The accounting they read is :mod:`.cycle`'s.
"""

from __future__ import annotations

import numpy as np

from .cycle import NO_LOWER, Cycle, CycleInfo, cycle_info, tour_minutes
from .tours import Catalogue

__all__ = ["aggregate_rows", "add_hours_flow", "flow_values"]


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
