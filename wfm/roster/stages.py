"""The stages of :func:`wfm.roster.schedule`, each returning a small frozen record of what it did.

The engine (:mod:`wfm.roster.engine`) calls them in order (docs/roster.md, "Design"):

1. :func:`build_problem` -> :class:`Problem`: agents parsed, grid, tour catalogue, aggregate model;
2. :func:`lower_bound` -> :class:`Bound`: the aggregate model's LP relaxation (the lower bound);
3. :func:`plan_tours` -> :class:`Planned`: whole tour counts (CP-SAT restricted master, the
   LP dive with breaks, or the rounded LP);
4. :func:`assign_named` -> :class:`Assigned`: named agents on the planned tours (min-cost flow),
   for each candidate plan, the better roster kept;
5. :func:`repair_roster` -> :class:`Repaired`: exact one-agent-week moves, one-agent-cycle moves;
6. :func:`place_all_breaks` -> :class:`BreaksPlaced`: every break, then the net-of-breaks polish;
7. :func:`even_out` -> :class:`Balanced`: the fairness/wishes pass (coverage-neutral swaps).

Every stage takes the run's :class:`~wfm.roster.settings.SolverSettings` (``rules.solver``) for
its budgets; the wall clock is only a safety net behind deterministic limits.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InfeasibleRosterError
from . import cycle_rows, cycle_rules
from .agent_report import balance_hook
from .agents import Agent, parse_agents
from .lp_fallback import lp_fallback
from .aggregate import (
    SCALE,
    AggregateModel,
    AggregatePlan,
    build_aggregate,
    dive_tours,
    fix_and_round,
    lp_relaxation,
    restrict_to_lp_support,
    round_lp,
    solve_aggregate,
)
from .assign import assign_plan
from .breaks import BreakPlan, place_breaks, polish_net
from .cycle_moves import improve_cycles
from .inputs import check_prev_shift_ends
from .repair import Improved, enforce_windows, improve
from .rules import Rules
from .skill_floor import QueueFloor, floor_rows, queue_floors
from .skill_plan import build_skill_plan
from .state import RosterState, evaluate_objective
from .tours import DAY, Catalogue, Grid, build_catalogue, build_grid

__all__ = [
    "Problem",
    "Bound",
    "Planned",
    "Assigned",
    "Repaired",
    "BreaksPlaced",
    "Balanced",
    "build_problem",
    "lower_bound",
    "plan_tours",
    "assign_named",
    "repair_roster",
    "place_all_breaks",
    "even_out",
    "planned_breaks",
    "gross_target",
    "HARD_LIMIT_FACTOR",
    "hard_deadline",
    "OUTSIDE_RESERVE_SHARE",
    "FINISH_RESERVE_SHARE",
]

#: every stage ends by ``model build + HARD_LIMIT_FACTOR * time_limit_sec`` whatever its own
#: deterministic limits and safety nets say (docs/roster.md, "Time limit")
HARD_LIMIT_FACTOR = 1.5
#: the skill-aware model's LP gets this share of the time limit (never less than half the
#: solver's wall-clock floor, so a few-second limit on a loaded machine does not switch the plan
#: to the pooled fallback); past it the pooled fallback has the rest of the hard deadline ...
SKILL_LP_SHARE = 0.9
#: ... and never less than this share of the time limit (nor than half the wall-clock floor)
FALLBACK_SHARE = 0.3
#: seconds of the hard deadline kept for the stages after the aggregate plan (assignment, repair,
#: breaks, the summary), as a share of the time limit
LATE_STAGES_SHARE = 0.25
#: with a caller's clock (``solve(clock_start=...)``, ``wfm schedule``): the share of the time limit
#: kept off the hard deadline for what the caller does after the call (report frames, writing)
OUTSIDE_RESERVE_SHARE = 0.05
#: the share of the time limit kept off the hard deadline for the work after the last clocked
#: stage (the roster, breaks and coverage frames, the objective, the per-queue cover): the
#: clocked stages end by ``hard - FINISH_RESERVE_SHARE * time_limit_sec`` (issue 16: on the
#: 1,400-agent week with breaks at load 2 that work ended the solve 2.2 s past the cap)
FINISH_RESERVE_SHARE = 0.05
#: the share of the time limit the scarce queues' shortfall floors may take (wfm.roster.skill_floor;
#: the reference week's VIP floor took 2.8 s of a 100 s limit)
FLOOR_SHARE = 0.1


def hard_deadline(built_at: float, time_limit_sec: float, floor_sec: float = 0.0) -> float:
    """The wall clock by which the whole call ends: model build + HARD_LIMIT_FACTOR x the limit,
    and never less than the limit + ``floor_sec`` (the solver's wall-clock floor: a few-second
    limit on a loaded machine must still leave the LP time to find a first iterate)."""
    return built_at + max(HARD_LIMIT_FACTOR * time_limit_sec, time_limit_sec + floor_sec)


def _left(deadline: float | None, reserve: float = 0.0) -> float:
    """Seconds left before ``deadline`` less ``reserve`` (inf without a deadline, never below 1)."""
    if deadline is None:
        return float("inf")
    return max(1.0, deadline - time.perf_counter() - reserve)


Report = Callable[[str], None]


@dataclass(frozen=True)
class Problem:
    """Stage 1: the inputs in the solver's terms."""

    agents: list[Agent]
    grid: Grid
    cat: Catalogue
    model: AggregateModel
    has_breaks: bool  # some shift template has breaks: the model counts them, stage 6 places them
    build_sec: float
    # skill-aware: the scarce queues' shortfall floors (wfm.roster.skill_floor), rows of the model
    floors: tuple[QueueFloor, ...] = ()


@dataclass(frozen=True)
class Bound:
    """Stage 2: the LP relaxation of the aggregate model."""

    value: float  # the lower bound, weight units (nan when the LP found none)
    x: np.ndarray | None  # the LP solution (None: infeasible)
    kind: str  # "lp" (optimum) or "lagrangian" (certified by the LP's multipliers)
    dual_ub: np.ndarray | None = None  # the LP's multipliers of the <= rows (the per-queue rows' prices)
    # the skill-aware LP stopped at its time limit without an optimum (x is None): the engine
    # falls back to the skill-blind pooled plan; value is then the certified (Lagrangian) bound
    stopped: bool = False
    status: str = "OPTIMAL"
    wall_sec: float = 0.0
    note: str = ""  # what the LP's status handling did (wfm.lp_status, lp_fallback), for the summary
    greedy: bool = False  # the LP gave no point at all: x is the greedy plan (wfm.roster.greedy_plan)


@dataclass(frozen=True)
class Planned:
    """Stage 3: whole tour counts, and which model and target the later stages follow."""

    plan: AggregatePlan  # CP-SAT's plan, or the dive's / rounded LP's (status DIVE, LP_ROUNDED, ...)
    rounded: AggregatePlan  # the rounded LP plan (always a candidate when better or CP-SAT did not finish)
    model: AggregateModel  # the model the plan belongs to (with history cuts for the dive)
    target_x: np.ndarray  # the solution whose break load the gross target adds
    restricted: bool  # CP-SAT searched only the LP's tours (its bound bounds that model only)
    deterministic_limit: float


@dataclass(frozen=True)
class Assigned:
    """Stage 4: the named roster of the better candidate plan."""

    state: RosterState
    replaced: int  # agent-weeks the exact move placed (could not follow the plan)
    plan_used: str  # "cp-sat" or "lp-rounded"
    objective: float  # after the assignment, against the gross target
    target_cat: Catalogue  # the catalogue whose requirement includes the plan's agents on break


@dataclass(frozen=True)
class Repaired:
    """Stage 5: what the one-agent-week and one-agent-cycle moves did."""

    passes: int
    moves: int
    stopped_by_time: bool
    cycle_moves: int
    cycle_stopped_by_time: bool


@dataclass(frozen=True)
class BreaksPlaced:
    """Stage 6: the placed breaks and the net-of-breaks polish."""

    plan: BreakPlan
    polish_moves: int
    started: float  # perf_counter at the stage's start (its time is reported with the summary)


@dataclass(frozen=True)
class Balanced:
    """Stage 7: the fairness/wishes pass's figures (summary keys) and the relabelled breaks."""

    figures: Mapping[str, Any]
    breaks: BreakPlan


def build_problem(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    rules: Rules,
    report: Report,
    t0: float,
    targets: object = None,
    queues: Any = None,
    *,
    skill_blind: bool = False,
    floor_budget_sec: float | None = None,
) -> Problem:
    """Parse the agents and their skills, build the grid, the tour catalogue and the aggregate model.

    ``skill_blind`` builds the pooled model whatever the skills (the fallback when the
    skill-aware model's LP runs out of time): every roster of it is legal, only not planned per queue.
    The skill-aware model carries the scarce queues' shortfall floors (:mod:`wfm.roster.skill_floor`),
    computed within ``floor_budget_sec`` (None: no limit).
    """
    parsed = parse_agents(agents, rules)
    grid = build_grid(requirements)
    check_prev_shift_ends(parsed, grid.start, end=grid.start + pd.Timedelta(days=grid.n_days))
    skills = build_skill_plan(requirements, agents, grid, targets, queues)
    cat = build_catalogue(grid, parsed, rules, None if skill_blind else skills)
    if skill_blind and skills is not None:
        # the pooled fallback's moves still price each queue's cover (wfm.roster.skill_pricing)
        cat = dataclasses.replace(cat, priced_skills=skills)
    crowded = np.flatnonzero(cat.carry > rules.seats)
    if crowded.size:
        raise InfeasibleRosterError(
            f"no legal roster: {int(cat.carry[crowded[0]])} previous-week shifts still running at "
            f"{grid.interval_starts()[crowded[0]]} exceed the {rules.seats} seats"
        )
    floors: tuple[QueueFloor, ...] = ()
    if cat.skill_aware and skills is not None:
        t_fl = time.perf_counter()
        budget = None if floor_budget_sec is None else t_fl + floor_budget_sec
        floors = tuple(queue_floors(cat, deadline=budget))
        for f in floors:
            report(
                f"skill floor: {skills.queues[f.queue]} is short at least {f.floor:,} head-interval(s) in any "
                f"roster ({f.holders} holders, {f.ratio:.2f}x its requirement in paid hours; LP {f.status}, "
                f"{f.wall_sec:.1f} s)"
            )
    model = build_aggregate(cat, floors=floor_rows(floors))
    build_sec = time.perf_counter() - t0
    report(
        f"model: {len(parsed)} agents, {grid.n_days} days of {grid.interval_minutes}-min intervals, "
        f"{len(model.cost):,} aggregate variables, {model.a_eq.shape[0] + model.a_ub.shape[0]:,} rows"
        + (
            f", skill-aware: {skills.n_groups} skill groups, {len(skills.queues)} queues, "
            f"{model.skill_vars.size:,} skill variables"
            if cat.skill_aware and skills is not None
            else ""
        )
        + f" ({build_sec:.1f} s)"
    )
    return Problem(parsed, grid, cat, model, model.break_load is not None, build_sec, floors)


def lower_bound(
    problem: Problem, *, time_limit_sec: float, report: Report, t0: float, deadline: float | None = None
) -> Bound:
    """The LP relaxation of the aggregate model: the lower bound and the solution the plan starts from.

    ``deadline`` (:func:`hard_deadline`) caps the LP's wall clock. The skill-aware model's LP
    always gets a time limit (its share of the limit, see :data:`SKILL_LP_SHARE`); when it stops without an optimum the bound is returned with ``stopped`` set and
    no solution, and the engine falls back to the pooled plan.
    """
    model, rules = problem.model, problem.cat.rules
    solver = rules.solver
    aware = problem.cat.skill_aware
    if problem.has_breaks or aware:
        # With breaks the LP gets a time limit and skips crossover (it stalled for minutes on the
        # example centre); its multipliers give a certified bound whether or not it finished.
        # The skill-aware model's LP likewise (4-5x the pooled model's variables), and within its
        # share of the hard deadline so the pooled fallback still has time.
        limit = solver.safety(solver.lp_share * time_limit_sec)
        if aware:
            # Whether the plan is skill-aware must not depend on how busy the machine is: the
            # share has the wall-clock floor under it, as every other stage's safety net (a 5 s
            # limit gave the pooled plan at load 7 and the skill-aware one idle, same inputs).
            half_floor = 0.5 * solver.wall_floor_sec
            limit = min(limit, max(SKILL_LP_SHARE * time_limit_sec, half_floor))
            limit = min(limit, _left(deadline, max(FALLBACK_SHARE * time_limit_sec, half_floor)))
        else:  # leaving the late stages their share of the hard deadline (issue 16)
            limit = min(limit, _left(deadline, LATE_STAGES_SHARE * time_limit_sec))
        # The skill-aware LP keeps its crossover: the plan rounds a vertex. Measured on the
        # 1,400-agent week without breaks: interior point 50 s + crossover 44 s; rounding the
        # interior point instead gave a 13.2% gap (55 s), the vertex 1.0%. (An interior point
        # also left the small two-queue week short on both queues.) With breaks the vertex's
        # tours are fixed and the LP re-solved (aggregate.fix_and_round): the plan 1.6-4.1% above
        # the bound, the roster 7.6-15.5% on the 1,400-agent weeks;
        # when the crossover does not end within the LP's share (it did not on a machine 2x
        # slower, 2026-12-03) the LP has stopped and the pooled fallback plans (docs/results-roster.md).
        lp = lp_relaxation(model, time_limit=limit, crossover=aware)
        lp_x = lp.x
        lp_value = lp.value / SCALE + model.constant if np.isfinite(lp.value) else float("nan")
        certified = lp.bound / SCALE + model.constant if np.isfinite(lp.bound) else float("nan")
        kind = "lp" if lp.status == "OPTIMAL" else "lagrangian"
        if lp.status == "OPTIMAL" and np.isfinite(certified):
            lp_value = min(lp_value, certified)  # the certified figure, when tolerances differ
        elif lp.status != "INFEASIBLE":
            lp_value = certified if np.isfinite(certified) else float("nan")
        report(f"aggregate: LP {lp.status}, bound {lp_value:,.1f} ({kind}, {lp.wall_sec:.1f} s)")
        if aware and lp.status not in ("OPTIMAL", "INFEASIBLE"):
            # Stopped by its time limit: the plan cannot start from this iterate (the engine falls
            # back to the pooled model); the multipliers' bound is still a proven bound.
            return Bound(lp_value, None, "lagrangian", lp.dual_ub, stopped=True, status=lp.status, wall_sec=lp.wall_sec)
        if lp.status == "INFEASIBLE" or lp_x is None:
            lp_value = float("nan")
    else:
        kind = "lp"
        # what lp_bound solves, keeping the multipliers (no limit unless the hard deadline is near)
        left = _left(deadline, LATE_STAGES_SHARE * time_limit_sec)
        # (the hard deadline always caps it: a loaded machine must not run it past the cap, issue 16)
        lp = lp_relaxation(model, time_limit=None if not np.isfinite(left) else left)
        lp_value, lp_x = (lp.value, lp.x) if lp.status == "OPTIMAL" else (float("nan"), lp.x)
        lp_value = lp_value / SCALE + model.constant if np.isfinite(lp_value) else float("nan")
        if lp.status not in ("OPTIMAL", "INFEASIBLE"):  # a feasible point or a limit: its multipliers' bound
            kind = "lagrangian"
            lp_value = lp.bound / SCALE + model.constant if np.isfinite(lp.bound) else float("nan")
        report(f"aggregate: LP relaxation bound {lp_value:,.1f} ({time.perf_counter() - t0:.1f} s)")
    if lp.note:
        report(f"aggregate: {lp.note}")
    greedy, note = False, lp.note
    if lp.status not in ("OPTIMAL", "INFEASIBLE"):
        # a feasible point without an optimum, or no point at all (a time limit before the first
        # iterate, or every solve failed): a start point (without one, the greedy plan of
        # wfm.roster.greedy_plan) and a bound that is never NaN
        greedy = lp_x is None
        lp_x, lp_value, kind = lp_fallback(model, lp.status, lp_x, lp_value, kind)
        if greedy:
            limit_hit = lp.status == "LIMIT"
            note = (
                f"the aggregate model's LP ({len(model.cost):,} variables) "
                + ("stopped at its time limit" if limit_hit else f"ended with status {lp.status}")
                + f" after {lp.wall_sec:.0f} s without a solution; the roster starts from a greedy plan (legal, "
                f"not optimised against the LP; the LP's bound replaced by the {kind} one)"
                + ("; raise time_limit_sec (a loaded machine slows the LP)" if limit_hit else "")
                + (f" [{lp.note}]" if lp.note else "")
            )
    if lp_x is None:
        raise InfeasibleRosterError(
            f"no legal roster: the seat limit ({rules.seats}) cannot hold every agent's minimum weekly hours "
            "together with the previous-week shifts still running"
            + (
                ", or the rules spanning weeks (cycle hours, weekends, work stretches, successions) contradict "
                "the contracts' weeks"
                if cycle_rules.active(rules)
                else ""
            )
        )
    return Bound(lp_value, lp_x, kind, lp.dual_ub, status=lp.status, wall_sec=lp.wall_sec, note=note, greedy=greedy)


def plan_tours(
    problem: Problem,
    bound: Bound,
    *,
    time_limit_sec: float,
    seed: int,
    num_workers: int,
    report: Report,
    deadline: float | None = None,
) -> Planned:
    """Whole tour counts: CP-SAT on the LP's support (or the whole small model), or the LP dive with breaks.

    ``deadline`` (:func:`hard_deadline`) caps every wall clock here, keeping
    :data:`LATE_STAGES_SHARE` of the time limit for the later stages.
    """
    model, cat = problem.model, problem.cat
    rules = cat.rules
    solver = rules.solver
    lp_x = bound.x
    assert lp_x is not None  # lower_bound raised otherwise
    n_class = [[len(c.agent_index) for c in week] for week in cat.classes]
    rounded = round_lp(model, lp_x, n_class)
    # Rules spanning weeks: the LP's flow of agents over cycle-hours totals steers the assignment.
    rounded.cycle_flow = cycle_rows.flow_values(model, lp_x)
    report(f"aggregate: rounded LP plan {rounded.objective:,.1f}")
    target_x = lp_x
    plan_model = model
    # The wall-clock limit of CP-SAT is only a safety net, wall_safety times the nominal
    # share: the deterministic limit below normally ends the search, so a loaded machine
    # gives the same plan, later, instead of a different one.
    budget = solver.safety(max(1.0, time_limit_sec * solver.aggregate_time_share))
    reserve = LATE_STAGES_SHARE * time_limit_sec
    budget = min(budget, _left(deadline, reserve))
    # The deterministic limit depends on the inputs only (not on how long the LP took on a
    # busy machine), so the same call gives the same plan.
    det_limit = time_limit_sec * solver.aggregate_time_share * solver.deterministic_per_second
    # Small models are solved whole, and then CP-SAT's bound is a valid lower bound too.
    restrict = len(model.cost) > solver.restrict_above_variables
    if problem.has_breaks and restrict:
        det_limit = 0.0
        # With breaks the CP-SAT restricted master never beat its rounded hint (measured), and
        # largest-remainder rounding of the LP loses ~15%: an LP dive makes the tours whole
        # instead, re-timing starts and breaks at every round (aggregate.dive_tours).
        # The dive runs on the model with history cuts, whose plans named agents can follow
        # exactly (measured: the shared-start plan left 18 shifts to move, +4,600 on the week).
        # Each round is an LP, so only models of about a week get it (size decides, not the clock).
        t_dive = time.perf_counter()
        cut_lp = None
        # The cut model's LP is about the bound's LP again: with less time left than that took (a
        # loaded machine), or no LP point at all (the greedy plan), the rounded LP plan (issue 16: the
        # dive's model and LP ran 689 s past a 147 s cap at load 15).
        time_for_dive = not bound.greedy and (
            deadline is None or deadline - time.perf_counter() - reserve > bound.wall_sec
        )
        # A large skill-aware model rounds its LP's vertex, as without breaks: each dive round is
        # an LP about the bound's again (measured on the 1,400-agent week with merged history
        # classes: the cut LP alone took ~55 s, the dive never ended inside the 150 s cap).
        time_for_dive = time_for_dive and not (cat.skill_aware and restrict)
        if len(model.cost) <= solver.dive_max_variables and time_for_dive:
            plan_model = build_aggregate(cat, history_cuts=True, floors=floor_rows(problem.floors))
            cut_lp = lp_relaxation(
                plan_model,
                time_limit=min(solver.safety(solver.lp_share * time_limit_sec), _left(deadline, reserve)),
                iteration_limit=solver.cut_lp_iterations,
            )
        if cut_lp is not None and cut_lp.status == "OPTIMAL":
            assert cut_lp.x is not None
            dive_deadline = t_dive + solver.safety(time_limit_sec)
            if deadline is not None:
                dive_deadline = min(dive_deadline, deadline - reserve)
            dive = dive_tours(plan_model, cut_lp.x, deadline=dive_deadline)
            target_x = dive.values
            rounded = round_lp(plan_model, dive.values, n_class)
            rounded.cycle_flow = cycle_rows.flow_values(plan_model, dive.values)
            plan = AggregatePlan(
                [],
                {},
                dive.objective,
                float("nan"),
                "DIVE" if dive.complete else "DIVE_STOPPED",
                time.perf_counter() - t_dive,
            )
            report(
                f"aggregate: LP dive {dive.objective:,.1f} after {dive.rounds} round(s), tours "
                f"{'whole' if dive.complete else 'still fractional'} ({plan.wall_sec:.1f} s)"
            )
        elif cat.skill_aware and not bound.greedy:
            # Skill-aware with breaks (too large to dive: each dive round is an LP about the
            # bound's): the vertex's tours fixed, then its starts, the LP re-solved each time.
            t_fix = time.perf_counter()
            det_limit = 0.0
            fixed, steps, was_fixed = fix_and_round(
                model, lp_x, n_class, deadline=None if deadline is None else deadline - reserve
            )
            for line in steps:
                report(f"aggregate: {line}")
            status = "LP_ROUNDED"
            if was_fixed and fixed.values is not None:
                fixed.cycle_flow = cycle_rows.flow_values(model, fixed.values.astype(float))
                rounded = fixed
                target_x = fixed.values.astype(float)  # whole: its breaks are followed if it meets every row
                status = "LP_FIXED"
            plan = AggregatePlan([], {}, rounded.objective, float("nan"), status, time.perf_counter() - t_fix)
        else:
            # Too large to dive, or the cut model's LP did not finish: the rounded LP plan.
            plan_model = model
            plan = AggregatePlan([], {}, rounded.objective, float("nan"), "LP_ROUNDED", time.perf_counter() - t_dive)
    elif cat.skill_aware and restrict:
        # The skill-aware restricted master never beat its rounded hint: on the 1,400-agent week
        # (213,119 variables) CP-SAT ran its whole 185 s safety net and returned the hint
        # (measured, docs/roster.md "Skills"). The rounded LP plan goes on to the assignment and
        # the repair, as with breaks.
        det_limit = 0.0
        plan = AggregatePlan([], {}, rounded.objective, float("nan"), "LP_ROUNDED", 0.0)
        report("aggregate: skill-aware model, CP-SAT skipped (it never improved the rounded LP plan)")
    elif deadline is not None and (
        (bound.greedy and restrict) or deadline - reserve - time.perf_counter() < min(budget, max(1.0, bound.wall_sec))
    ):
        # The hard deadline is (nearly) reached: CP-SAT could not finish (and only a finished CP-SAT
        # plan is assigned), while building its model alone took 38 s on the 1,400-agent 4 weeks at
        # load 14. The rounded LP plan goes on; the summary's stages_cut says "aggregate".
        det_limit = 0.0
        plan = AggregatePlan([], {}, rounded.objective, float("nan"), "DEADLINE", 0.0)
        report("aggregate: CP-SAT skipped, the hard deadline is (nearly) reached: the rounded LP plan")
    else:
        # CP-SAT solves the restricted master: only the tours the LP optimum (or its rounding)
        # uses, as in price-and-branch. The LP relaxation of the full model stays the lower
        # bound; the restriction makes the integer search small enough to finish, starting
        # from the rounded plan as a complete hint.
        assert rounded.values is not None  # round_lp always gives values
        upper = restrict_to_lp_support(model, lp_x, rounded.values) if restrict else None
        plan = solve_aggregate(
            model,
            time_limit_sec=budget,
            seed=seed,
            num_workers=num_workers,
            progress=report,
            deterministic_limit=det_limit,
            hint=rounded.values,
            upper=upper,
            deadline=None if deadline is None else deadline - reserve,
        )
        report(
            f"aggregate: {plan.status} objective {plan.objective:,.1f} bound {plan.bound:,.1f} ({plan.wall_sec:.1f} s)"
        )
        plan.cycle_flow = cycle_rows.flow_values(model, plan.values if plan.values is not None else lp_x)
    # The restricted master can be infeasible with rules spanning weeks (its tours are the LP's
    # support only); the rounded LP plan then goes on to the assignment, which repairs it.
    if plan.status == "INFEASIBLE" and not restrict:
        raise InfeasibleRosterError(
            f"no legal roster: the seat limit ({rules.seats}) cannot hold every agent's minimum weekly hours"
        )
    return Planned(plan, rounded, plan_model, target_x, restrict, det_limit)


def assign_named(problem: Problem, planned: Planned, report: Report, hard: float | None = None) -> Assigned:
    """Give each candidate plan's tours to named agents; keep the better roster (``hard``: the hard deadline)."""
    t_assign = time.perf_counter()
    plan, rounded = planned.plan, planned.rounded
    # Two candidate plans: CP-SAT's and the rounded LP optimum. Each is assigned to named
    # agents; the better roster goes on.
    # A CP-SAT plan is used only when CP-SAT finished (optimal within its gap limit): a
    # two-worker search cut short by a limit was seen to differ between identical runs, and
    # the same inputs must give the same roster.
    candidates = []
    if plan.tour_counts and plan.status == "OPTIMAL":
        candidates.append(("cp-sat", plan))
    if not candidates or plan.objective > rounded.objective:
        candidates.append(("lp-rounded", rounded))
    best: Assigned | None = None
    for name, candidate in candidates:
        if best is not None and hard is not None and time.perf_counter() > hard:
            best.state.cut.add("assign")  # the hard deadline: the first candidate's roster goes on
            break
        # Stages 4-5 see whole shifts. With breaks they aim at the requirement plus the LP
        # optimum's agents on break per interval, so they keep the shift mix the plan chose.
        cand_cat = gross_target(problem.cat, planned.model, planned.target_x)
        cand_state, cand_replaced = assign_plan(cand_cat, candidate, hard)
        cand_replaced += enforce_windows(cand_cat, cand_state)
        value = evaluate_objective(cand_cat, cand_state)
        report(
            f"assign ({name} plan): objective {value['objective']:,.1f}, {cand_replaced} agent-week(s) "
            f"re-placed ({time.perf_counter() - t_assign:.1f} s)"
        )
        if best is None or value["objective"] < best.objective - 1e-9:
            best = Assigned(cand_state, cand_replaced, name, value["objective"], cand_cat)
    assert best is not None  # at least one candidate
    return best


def repair_roster(
    assigned: Assigned,
    planned: Planned,
    *,
    seed: int,
    deadline: float,
    time_limit_sec: float,
    report: Report,
    hard: float | None = None,
) -> Repaired:
    """Exact one-agent-week moves until a pass finds nothing, then one-agent-cycle moves (and moves again).

    ``hard`` (:func:`hard_deadline`) caps the clock whatever the safety net says."""
    cat, state = assigned.target_cat, assigned.state
    # Repair converges in a few passes; its clock limit is a safety net as well.
    repair_deadline = max(deadline, time.perf_counter() + cat.rules.solver.safety(max(1.0, 0.2 * time_limit_sec)))
    if hard is not None:
        repair_deadline = min(repair_deadline, hard - 0.1 * LATE_STAGES_SHARE * time_limit_sec)
    if planned.plan.status == "LP_FIXED" or (planned.plan.status == "DIVE" and assigned.replaced == 0):
        # The dive's plan is whole down to the breaks and was followed exactly; polishing it
        # against the gross target (a proxy once breaks move) made it worse (measured +650), so
        # only the net-of-breaks moves after break placement polish it.
        stats = Improved()
    else:
        stats = improve(cat, state, seed=seed, deadline=repair_deadline, progress=report)
    # Rules spanning weeks: one-agent-cycle moves shift hours between an agent's weeks, then polish again.
    cycle_stats = improve_cycles(cat, state, seed=seed, deadline=repair_deadline, progress=report)
    if cycle_stats["cycle_moves"]:
        stats = stats + improve(cat, state, seed=seed + 1, deadline=repair_deadline, progress=report)
    return Repaired(
        stats.passes,
        stats.moves,
        stats.stopped_by_time,
        int(cycle_stats["cycle_moves"]),
        bool(cycle_stats["cycle_stopped_by_time"]),
    )


def place_all_breaks(
    problem: Problem,
    state: RosterState,
    planned: Planned,
    *,
    seed: int,
    num_workers: int,
    deadline: float,
    time_limit_sec: float,
    report: Report,
    hard: float | None = None,
) -> BreaksPlaced:
    """Place every break on the final shifts against the real requirement, then polish net of breaks.

    ``hard`` (:func:`hard_deadline`) caps both clocks (every break is still placed: the
    placement's greedy start needs no clock)."""
    cat, grid, has_breaks = problem.cat, problem.grid, problem.has_breaks
    cap = float("inf") if hard is None else hard
    solver = cat.rules.solver
    t_breaks = time.perf_counter()
    # The exact per-day break model's work is budgeted from the time limit alone (deterministic):
    # up to break_day_deterministic_limit per day, less on long horizons.
    day_det = min(
        solver.break_day_deterministic_limit,
        max(0.5, time_limit_sec * solver.break_share * solver.deterministic_per_second / max(grid.n_days, 1)),
    )
    break_plan = place_breaks(
        cat,
        state,
        seed=seed,
        num_workers=num_workers,
        planned=planned_breaks(cat, planned.model, planned.target_x) if has_breaks else None,
        day_deterministic_limit=day_det,
        deadline=min(
            cap,
            max(
                solver.stage_deadline(deadline, t_breaks, time_limit_sec),
                t_breaks + grid.n_days * day_det / solver.loaded_deterministic_per_second,
            ),
        )
        if has_breaks
        else None,
    )
    polish_moves = 0
    if has_breaks:
        # After the breaks: one-agent-week moves priced net of the week's own breaks.
        t_polish = time.perf_counter()
        break_plan, polish_moves = polish_net(
            cat,
            state,
            break_plan,
            seed=seed,
            deadline=min(cap, solver.stage_deadline(deadline, t_polish, time_limit_sec)),
        )
        report(f"net-of-breaks moves: {polish_moves} agent-week(s) improved ({time.perf_counter() - t_polish:.1f} s)")
    return BreaksPlaced(break_plan, polish_moves, t_breaks)


def even_out(
    cat: Catalogue, state: RosterState, breaks: BreakPlan, report: Report, hard: float | None = None
) -> Balanced:
    """Fairness and wishes: coverage-neutral swaps of whole week plans (with their breaks) between
    agents of one contract (rules' [fairness]; wishes only when it is off). ``hard`` (the hard
    deadline) stops the pass between two swaps (each keeps the roster legal); the summary's
    ``fairness_stopped_by_time`` then says so."""
    figures, relabelled = balance_hook(cat, state, report, breaks, deadline=hard)
    return Balanced(figures, relabelled)


def planned_breaks(
    cat: Catalogue, model: AggregateModel, values: np.ndarray | None
) -> dict[tuple[int, int], list[np.ndarray]] | None:
    """Whole break counts of a plan per (template, absolute start), as offsets.

    None if the plan is fractional, or breaks a row of the model: a rounded plan's breaks can
    break the forward rows (a break too soon after the one before: the validator's minimum work
    stretch, seen on a 1,400-agent skill-aware week), and then the placement starts afresh."""
    if values is None or not model.break_groups:
        return None
    if (model.a_ub @ values - model.b_ub).max(initial=0.0) > 1e-6:
        return None
    key_of = {v: key for key, vs in model.start_items() for v in vs}
    per_key: dict[tuple[int, int], list[list[np.ndarray]]] = {}
    rank: dict[int, int] = {}
    for start, bvars in model.break_groups:
        counts = np.round(values[bvars]).astype(np.int64)
        if np.abs(values[bvars] - counts).max() > 1e-6:
            return None
        j = rank.get(start, 0)
        rank[start] = j + 1
        if round(values[start]) <= 0:
            continue
        t, day, pos = key_of[start]
        tpl = cat.templates[t]
        lists = per_key.setdefault((t, day * DAY + int(tpl.starts[pos])), [[] for _ in tpl.break_offsets])
        lists[j].append(np.repeat(tpl.break_offsets[j][0], counts))
    planned = {key: [np.sort(np.concatenate(parts)) for parts in lists] for key, lists in per_key.items()}
    return planned


def gross_target(cat: Catalogue, model: AggregateModel, values: np.ndarray | None) -> Catalogue:
    """The catalogue with requirement + a solution's agents on break (whole shifts then aim right)."""
    if model.break_load is None or values is None:
        return cat
    load = np.floor(model.breaks_per_interval(values) + 1e-6).astype(np.int64)
    return dataclasses.replace(cat, grid=dataclasses.replace(cat.grid, required=cat.grid.required + load))
