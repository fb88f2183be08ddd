"""Stage 3: the named roster's state and exact one-agent-week large-neighbourhood moves.

The state holds each agent's shift per day (absolute start minute and template) and the
coverage it produces. The move re-plans one agent's whole week optimally given everyone else:
it removes the week, prices every interval by the marginal objective of one more agent
(convex under-staffing segment, over-staffing, seat limit as a hard wall), and picks the
best legal tour (pattern x template x band) with the best start of the band on each day,
subject to that agent's unavailable dates and to rest and consecutive-day rules against the
neighbouring weeks (or the previous-week history). Repeating it over all agent-weeks in a
seeded order until a full pass finds no improvement repairs what the plan could not follow
and polishes the rest; the objective never rises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..exceptions import InfeasibleRosterError
from . import cycle_rules
from .strand import replan_around, rules_admit
from .tours import Catalogue
from .state import (
    BIG,
    OFF,
    MoveContext,
    RosterState,
    clear_week,
    evaluate_objective,
    lay_tour,
    restore_week,
    saved_score,
    set_shift,
    tour_shifts,
    week_options,
)

# RosterState, set_shift, clear_week, lay_tour, tour_shifts and evaluate_objective live in
# :mod:`wfm.roster.state`; they are re-exported here for callers of the earlier layout.
__all__ = [
    "reinsert",
    "Improved",
    "improve",
    "enforce_windows",
    "RosterState",
    "evaluate_objective",
    "set_shift",
    "clear_week",
    "lay_tour",
    "tour_shifts",
]


def reinsert(ctx: MoveContext, state: RosterState, agent: int, week: int, *, must_place: bool) -> float:
    """Re-plan one agent-week optimally given the rest; return the objective decrease (>= 0)."""
    cat = ctx.cat
    d0, n = cat.grid.weeks[week]
    had = not must_place  # an agent-week being placed for the first time has nothing to keep
    saved = (state.start[agent, d0 : d0 + n].copy(), state.template[agent, d0 : d0 + n].copy())
    clear_week(cat, state, agent, d0, n)
    prefix = ctx.agent_prefix(state, agent)
    current = saved_score(ctx, saved, prefix) - ctx.prefs.week_price(cat, agent, *saved, d0) if had else -BIG
    scores, gains, _, _ = week_options(ctx, state, agent, week, prefix)
    best = int(np.argmax(scores))
    if scores[best] <= -BIG / 2:
        if had:
            restore_week(cat, state, agent, d0, saved)
            return 0.0
        agent_rec = cat.agents[agent]
        raise InfeasibleRosterError(
            f"agent {agent_rec.agent_id}: no legal week from {cat.grid.date(d0)} for {n} day(s): its unavailable "
            f"dates, rest and consecutive-day history leave no pattern meeting min_hours_week "
            f"{agent_rec.min_paid_minutes_week / 60:g} with min_days_off_per_week {cat.rules.min_days_off_per_week}"
            + (
                " and the rules spanning weeks (cycle hours, weekends per cycle, min_work_stretch_days, "
                "forbidden_successions) given its other weeks"
                if cycle_rules.active(cat.rules)
                else ""
            )
        )
    if had and scores[best] <= current + 1e-9:
        restore_week(cat, state, agent, d0, saved)
        return 0.0
    lay_tour(cat, state, agent, week, cat.classes[week][int(cat.agent_class[agent, week])].tours[0][best], gains)
    if state.placed is not None:
        state.placed[agent, week] = True
    return float(scores[best] - current) if had else 0.0


@dataclass(frozen=True)
class Improved:
    """What :func:`improve` did: ``passes`` over all agent-weeks, ``moves`` (agent-weeks re-planned
    for the better) and whether the clock stopped it (``stopped_by_time``) before a pass found nothing."""

    passes: int = 0
    moves: int = 0
    stopped_by_time: bool = False

    def __add__(self, other: Improved) -> Improved:
        """Two runs of the moves one after the other."""
        return Improved(
            self.passes + other.passes, self.moves + other.moves, self.stopped_by_time or other.stopped_by_time
        )


def improve(
    cat: Catalogue, state: RosterState, *, seed: int, deadline: float, max_passes: int = 50, progress=None
) -> Improved:
    """Repeat one-agent-week re-plans in seeded order until a pass finds nothing or time runs out.

    In a skill-aware state the moves are priced with the skill term (:mod:`wfm.roster.skill_pricing`),
    whose deferrable-work part is a proxy; each pass is then priced exactly and put back whole
    when the exact objective did not fall (and the moves stop).
    """
    ctx = MoveContext(cat)
    rng = np.random.default_rng(seed)
    pairs = np.array([(a, w) for w in range(len(cat.grid.weeks)) for a in range(len(cat.agents))], dtype=np.int64)
    passes, moves, stopped_by_time = 0, 0, False
    exact = _exact_objective(cat, state)
    for passes in range(1, max_passes + 1):
        gained = 0.0
        improved = 0
        snapshot = _snapshot(state) if state.skill is not None else None
        for a, w in pairs[rng.permutation(len(pairs))]:
            if time.perf_counter() > deadline:
                stopped_by_time = True
                break
            delta = reinsert(ctx, state, int(a), int(w), must_place=False)
            if delta > 1e-9:
                gained += delta
                improved += 1
        if snapshot is not None and improved:
            after = _exact_objective(cat, state)
            if after > exact - 1e-9:  # the proxy's gain was not real: the pass is put back
                _restore(state, snapshot)
                _exact_objective(cat, state)  # the deferrable work's demand as it was
                if progress is not None:
                    progress(
                        f"repair: pass {passes}, {improved} agent-weeks moved but the exact skill-aware "
                        f"objective rose by {after - exact:,.1f}: pass put back"
                    )
                break
            gained, exact = exact - after, after
        moves += improved
        if progress is not None:
            progress(f"repair: pass {passes}, {improved} agent-weeks improved, objective -{gained:,.1f}")
        if stopped_by_time or improved == 0:
            break
    return Improved(passes, moves, stopped_by_time)


def _exact_objective(cat: Catalogue, state: RosterState) -> float:
    """The state's objective, with the skill term priced exactly in a skill-aware state (which
    also takes the deferrable work's demand from this state, :meth:`SkillState.refresh`)."""
    value = evaluate_objective(cat, state)["objective"]
    if state.skill is not None:
        value += state.skill.refresh(cat, state.coverage)
    return value


def _snapshot(state: RosterState) -> tuple:
    assert state.skill is not None
    return (state.start.copy(), state.template.copy(), state.coverage.copy(), state.skill.copy())


def _restore(state: RosterState, snapshot: tuple) -> None:
    start, template, coverage, skill = snapshot
    state.start[:], state.template[:], state.coverage[:] = start, template, coverage
    state.skill = skill


def enforce_windows(cat: Catalogue, state: RosterState) -> int:
    """Re-plan every agent-week with a shift overlapping one of the agent's unavailable windows.

    The aggregate model and the assignment see windows only when they cover whole days; the
    exact one-agent-week move sees every window, so it places such weeks legally (or raises
    :class:`InfeasibleRosterError` naming the agent when no legal week is left). Returns the
    number of agent-weeks re-planned.
    """
    if not cat.windows or not any(cat.windows):
        return 0
    ctx = MoveContext(cat)
    fixed = 0
    for agent, wins in enumerate(cat.windows):
        if not wins:
            continue
        for week, (d0, n) in enumerate(cat.grid.weeks):
            bad = False
            for day in range(d0, d0 + n):
                if state.start[agent, day] == OFF:
                    continue
                s = int(state.start[agent, day])
                e = s + cat.templates[int(state.template[agent, day])].template.length_minutes
                bad |= any(s < we and e > ws for ws, we in wins)
            if bad:
                clear_week(cat, state, agent, d0, n)
                try:
                    reinsert(ctx, state, agent, week, must_place=True)
                except InfeasibleRosterError:
                    # The neighbouring weeks as assigned leave none: re-plan them jointly over the
                    # boundaries (up to two weeks back: start stability carries a late shift through a week).
                    if not replan_around(ctx, state, agent, week):
                        if rules_admit(cat, agent, ctx.deadline) is False:
                            raise
                        state.stranded.append((agent, week))
                fixed += 1
    return fixed
