"""Rules spanning weeks: hour balancing over a cycle, weekends per cycle, work stretches, successions.

China's comprehensive working-hours system (综合计算工时制) balances paid hours over a cycle of
``rules.cycle_weeks`` weeks: a contract's ``avg_hours_week`` times the cycle length, within
``cycle_tolerance_hours`` and at most ``max_overtime_hours_per_cycle`` above that norm, while
each week stays within the contract's ``min_hours_week``-``max_hours_week``. The other rules
here are ``max_weekends_worked_per_cycle``, ``min_work_stretch_days`` (no isolated working day)
and ``forbidden_successions`` of shift types on consecutive days; all of them continue across
week boundaries and from the previous roster (the agents frame's ``prev_*`` and ``cycle_*``
columns).

This module holds the cycle facts every stage shares, kept on the catalogue; each stage's own
use of them sits in a module beside that stage (docs/roster.md, "Rules spanning weeks"):

- :mod:`.cycle_rules` (below): whether any rule spanning weeks is on, and the filters of week
  patterns and tours decidable inside one week (tours.py);
- here: :func:`cycle_info`, the per-catalogue accounting (each agent's cycles, weekly hour
  options, weekends), computed once and kept on the catalogue (``Catalogue.cycle_info``), the
  sum-sets of hours open weeks can still bring (:func:`sumset`), and :func:`check_agents`,
  which raises :class:`InfeasibleRosterError` naming the agent and the rules when its history
  leaves no legal cycle;
- :mod:`.cycle_mask` (beside the roster state): :func:`~.cycle_mask.week_mask`, the per-agent
  legality of a week's tours given the agent's other weeks, used by the assignment arcs, the
  exact one-agent-week move and the fairness swaps;
- :mod:`.cycle_rows` (the aggregate model's): rows every legal roster satisfies and the hours
  flow, so its LP stays a relaxation and its optimum a lower bound;
- :mod:`.cycle_steer` (the assignment's): each agent's trajectory over the plan and the arc
  costs steering its running hours toward the cycle so its last week stays feasible;
- :mod:`.cycle_moves` (a stage of its own): moves hours between an agent's weeks.

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

import numpy as np
import pandas as pd

from ..exceptions import InfeasibleRosterError
from .cycle_rules import active, forbidden_pairs

if TYPE_CHECKING:  # pragma: no cover
    from .tours import Catalogue

__all__ = [
    "check_agents",
    "Cycle",
    "CycleInfo",
    "cycle_info",
    "tour_minutes",
    "sumset",
    "week_minutes",
    "NO_LOWER",
]

_DAY = 1440
NO_LOWER = -(10**12)


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


def week_minutes(info: CycleInfo, state, agent: int, d0: int, n: int) -> int:
    """Paid minutes the agent works on days ``d0 .. d0 + n - 1`` of the roster state."""
    tpl = state.template[agent, d0 : d0 + n]
    return int(info.paid[tpl[tpl >= 0]].sum())


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


def _hours(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"
