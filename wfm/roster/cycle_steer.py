"""The assignment's steering for the rules spanning weeks: each agent's cycle trajectory and the arc costs.

:func:`plan_trajectories` gives every agent a (paid minutes, weekend worked) option per week
that closes its cycle within the room the aggregate plan leaves; :func:`arc_costs` prices each
agent x tour arc of the weekly min-cost flow by how far it leads the agent off that option (or
off the plan's hours flow, or off the cycle average). The masks (:mod:`.cycle_mask`) keep every
choice legal in any case; the accounting is :mod:`.cycle`'s.
"""

from __future__ import annotations

import numpy as np

from .cycle import NO_LOWER, Cycle, CycleInfo, cycle_info, sumset, tour_minutes, week_minutes
from .tours import Catalogue

__all__ = ["arc_costs", "plan_trajectories"]

# Cost of a tour off the agent's trajectory option in the assignment flow.
_TRAJECTORY_STEER = 30


def _weekend_flags(info: CycleInfo, cat: Catalogue, week: int, tours: np.ndarray) -> np.ndarray:
    """1 where a tour works a weekend day of its week (when weekends per cycle are limited and countable)."""
    d0, n = cat.grid.weeks[week]
    local = [d - d0 for sat, sun, _ in info.weekends for d in (sat, sun) if d0 <= d < d0 + n]
    if not local or cat.rules.max_weekends_worked_per_cycle is None or not info.weekend_cycle_ok:
        return np.zeros(len(tours), dtype=np.int64)
    return cat.patterns[week].on[tours[:, 0]][:, local].any(axis=1).astype(np.int64)


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
            done += week_minutes(info, state, a, d0, n)
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
