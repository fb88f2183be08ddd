"""The roster engine: requirements + agents + rules -> named roster, by calling the stages in order.

The engine only orchestrates (:mod:`wfm.roster.stages` does the work, each stage returning a
small record of what it did) and assembles the :class:`~wfm.roster.result.RosterResult`. It
does not explain failures: :func:`wfm.roster.schedule` (:mod:`wfm.roster.planner`) wraps it
and appends the diagnosis of a "no legal week/roster" error (:mod:`wfm.roster.infeasible`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError, SolverError, WFMWarning
from .agent_report import report_frames, report_summary
from .breaks import breaks_frame
from .preferences import PreferencePricing
from .result import RosterResult, coverage_frame, empty_breaks, roster_frame
from .inputs import check_requirement_rows
from .legal_bound import LEGAL_BOUND_MIN_SEC, legal_bound
from .rules import Rules
from .settings import SolverSettings
from .skill_cover import skill_cover
from .stages import (
    assign_named,
    build_problem,
    even_out,
    hard_deadline,
    FINISH_RESERVE_SHARE,
    FLOOR_SHARE,
    OUTSIDE_RESERVE_SHARE,
    lower_bound,
    place_all_breaks,
    plan_tours,
    repair_roster,
)
from .state import RosterState, evaluate_objective

__all__ = ["solve"]

log = logging.getLogger("wfm.roster")


def solve(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    rules: Rules,
    *,
    time_limit_sec: float = 60,
    seed: int = 0,
    num_workers: int = 2,
    progress: Callable[[str], None] | None = None,
    solver: SolverSettings | None = None,
    missing_intervals: str = "error",
    targets: object = None,
    queues: Any = None,
    clock_start: float | None = None,
) -> RosterResult:
    """Build a legal named roster (the engine behind :func:`wfm.roster.schedule`, without its diagnosis).

    Three stages (docs/roster.md): an aggregate CP-SAT covering model over tour counts
    (its optimum is the lower bound reported), a min-cost-flow assignment of named agents
    to the planned tours, and exact one-agent-week re-planning moves that repair what
    agents' own constraints stop from following the plan and polish the result. When shift
    templates have breaks, the aggregate model counts them (so the bound is net of breaks) and
    a fourth stage places every break (:mod:`wfm.roster.breaks`); coverage and every summary
    figure are then net of breaks.

    Parameters
    ----------
    requirements
        ``interval_start, agents_scheduled`` on a 5-60 minute grid, one or more days (weeks are
        7-day blocks from the first day). A ``queue`` column is pooled: agents are summed per interval.
    agents
        The agents frame (columns in :mod:`wfm.roster.agents`).
    rules
        Labour rules, contracts and weights (:func:`wfm.roster.load_rules`).
    time_limit_sec
        Wall-clock budget for the whole call, model building and the LP included. Stages end
        by their deterministic limits; every wall clock is capped by model build + 1.5 x this
        (``stages.hard_deadline``). A skill-aware LP that runs out of its share falls back to the
        skill-blind pooled plan (diagnostics ``skill_model = "fallback_pooled"``, ``warnings``).
    seed
        CP-SAT random seed and the order of repair moves.
    num_workers
        CP-SAT workers (>= 2 enables its LNS helpers). Results are reproducible for a fixed
        ``num_workers`` and ``seed`` unless the wall-clock limit cuts a stage short.
    progress
        Called with one-line progress messages.
    solver
        Solver tuning (:class:`~wfm.roster.settings.SolverSettings`); default ``rules.solver``
        (the rules file's ``[solver]`` table).
    missing_intervals
        An interval of a planned day with no requirement row: ``"error"`` (default, naming the
        first missing interval) or ``"closed"`` (the centre is closed then: 0 agents).
        Duplicated ``(queue, interval_start)`` rows are always an error.
    targets
        Service targets (:class:`wfm.staffing.Targets`): a queue with ``deadline_sec`` is
        deferrable work, covered as a backlog within its deadline (skill-aware model only).
    queues
        The centre's queues when the agents' skills may name queues this requirement does not
        plan (they get no requirement); by default the requirements' queues, and a skill naming
        another queue is an error.
    clock_start
        ``time.perf_counter()`` when the caller's own clock started (``wfm schedule``: the
        process start): the hard deadline is then taken from there, less what the caller still
        does after the call (:data:`~wfm.roster.stages.OUTSIDE_RESERVE_SHARE` of the limit: the
        report frames and writing), so the whole command ends by model build + 1.5 x the limit.
        It only moves the wall-clock cap; the deterministic budgets are unchanged.

    Returns
    -------
    RosterResult
        Roster (with ``paid_hours``), breaks (``paid`` flag; empty without break rules), coverage
        net of breaks and summary. Under-staffing is a result, not an error.

    Raises
    ------
    InvalidInputError, ConfigError
        Bad frames; contradictory rules for an agent (naming the agent and rule).
    InfeasibleRosterError
        When no legal roster exists at all (e.g. seats cannot hold the agents' minimum hours).
        (:func:`wfm.roster.schedule` appends the diagnosis to "no legal week/roster" messages;
        this engine call does not.)

    Examples
    --------
    >>> result = solve(requirements, agents, load_rules("examples/rules.toml"),
    ...                time_limit_sec=60)  # doctest: +SKIP
    >>> result.summary.gap  # doctest: +SKIP
    0.004
    """
    if time_limit_sec <= 0:
        raise InvalidInputError(f"time_limit_sec must be > 0, got {time_limit_sec}")
    if num_workers < 1:
        raise InvalidInputError(f"num_workers must be >= 1, got {num_workers}")
    if solver is not None:
        if not isinstance(solver, SolverSettings):
            raise InvalidInputError(f"solver must be a SolverSettings, got {type(solver).__name__}")
        rules = dataclasses.replace(rules, solver=solver)
    report = progress or (lambda message: log.debug(message))
    t0 = time.perf_counter()
    deadline = t0 + time_limit_sec
    check_requirement_rows(requirements, missing_intervals=missing_intervals)
    problem = build_problem(
        requirements, agents, rules, report, t0, targets, queues, floor_budget_sec=FLOOR_SHARE * time_limit_sec
    )
    hard = hard_deadline(time.perf_counter(), time_limit_sec, rules.solver.wall_floor_sec)
    if clock_start is not None:  # the caller's time before and after the call counts too (issue 16)
        hard -= max(0.0, t0 - clock_start) + OUTSIDE_RESERVE_SHARE * time_limit_sec
    build_sec = problem.build_sec  # all model building: the pooled fallback's build is added to it
    skill_cat = problem.cat  # the catalogue the per-queue cover and the skill objective read
    skill_floors = problem.floors
    warnings_: list[str] = []
    skill_model = "skill_aware" if skill_cat.skill_aware else "pooled"
    bound = lower_bound(problem, time_limit_sec=time_limit_sec, report=report, t0=t0, deadline=hard)
    skill_bound = float("nan")
    if bound.stopped:
        # The skill-aware LP ran out of its share of the time: plan skill-blind (the pooled model,
        # whose every roster is legal), count its per-queue cover as usual, and say so.
        skill_bound = bound.value
        message = (
            f"skill-aware model ({len(problem.model.cost):,} variables): its LP stopped with status "
            f"{bound.status} after {bound.wall_sec:.0f} s without an optimum; the roster is the skill-blind "
            "pooled plan (per-queue cover not optimised; raise time_limit_sec for a skill-aware plan)"
        )
        # the planner must know the plan is not skill-aware (exit 1), not only the log
        warnings.warn(message, WFMWarning, stacklevel=2)
        report("warning: " + message)
        warnings_.append(message)
        skill_model = "fallback_pooled"
        t_fb = time.perf_counter()
        problem = build_problem(requirements, agents, rules, report, t_fb, targets, queues, skill_blind=True)
        build_sec += problem.build_sec
        bound = lower_bound(problem, time_limit_sec=time_limit_sec, report=report, t0=t_fb, deadline=hard)
    if bound.note:  # the LP's status was not a plain optimum (wfm.lp_status): say what was done
        report("warning: " + bound.note)
        warnings_.append(bound.note)
        if bound.greedy:  # no LP point at all: a legal roster from the greedy plan, for a planner to look at
            log.warning(bound.note)
            warnings.warn(bound.note, WFMWarning, stacklevel=2)
    planned = plan_tours(
        problem,
        bound,
        time_limit_sec=time_limit_sec,
        seed=seed,
        num_workers=num_workers,
        report=report,
        deadline=hard,
    )
    # the clocked stages from here on leave the finishing work its reserve before the hard deadline
    stages_hard = hard - FINISH_RESERVE_SHARE * time_limit_sec
    assigned = assign_named(problem, planned, report, stages_hard)
    assign_cut = time.perf_counter() > stages_hard
    state = assigned.state
    repaired = repair_roster(
        assigned, planned, seed=seed, deadline=deadline, time_limit_sec=time_limit_sec, report=report, hard=stages_hard
    )
    placed = place_all_breaks(
        problem,
        state,
        planned,
        seed=seed,
        num_workers=num_workers,
        deadline=deadline,
        time_limit_sec=time_limit_sec,
        report=report,
        hard=stages_hard,
    )
    balanced = even_out(problem.cat, state, placed.plan, report, stages_hard)
    t_finish = time.perf_counter()
    # Agent-weeks the stages could not place legally though the rules admit a roster (wfm.roster.strand):
    # left empty for the planner, named, and the run needs a planner (exit 1).
    stranded = [
        f"{problem.cat.agents[a].agent_id} week from {problem.grid.date(problem.grid.weeks[w][0])}"
        for a, w in sorted(set(state.stranded))
        if not (state.start[a, problem.grid.weeks[w][0] : sum(problem.grid.weeks[w])] >= 0).any()
    ]
    if stranded:
        message = (
            f"{len(stranded)} agent-week(s) left empty for the planner (no legal week next to the agent's other "
            f"weeks was found, though the rules admit one): {', '.join(stranded[:10])}"
            + (" ..." if len(stranded) > 10 else "")
        )
        warnings.warn(message, WFMWarning, stacklevel=2)
        warnings_.append(message)
    break_plan = balanced.breaks
    cat, grid, plan = problem.cat, problem.grid, planned.plan
    net_state = RosterState(state.start, state.template, break_plan.coverage)
    if problem.has_breaks:
        report(
            f"breaks: {len(break_plan.start):,} placed, exact model improved {break_plan.exact_days} day(s) "
            f"({break_plan.optimal_days} proved optimal), "
            f"{break_plan.moves:,} moves in {break_plan.passes} "
            f"pass(es) ({time.perf_counter() - placed.started:.1f} s)"
        )
    final = evaluate_objective(cat, net_state)
    breaks = breaks_frame(cat, break_plan) if problem.has_breaks else empty_breaks()
    roster = roster_frame(cat, state)
    coverage = coverage_frame(cat, net_state)
    skill = None
    if skill_cat.skills is not None:
        plan_price = problem.model.queue_prices(bound.dual_ub, skill_cat.skills.required.shape)
        skill = skill_cover(skill_cat, roster, breaks, coverage["under"].to_numpy(), plan_price=plan_price)
    skill_objective = 0.0
    if skill is not None and skill_cat.skill_aware:
        # The skill-aware objective prices heads short on a queue beyond the pooled shortfall
        # (docs/roster.md, "Skills"), as the aggregate model and so the bound do.
        skill_objective = float(skill.excess.sum()) * rules.objective.under_segments[0].weight
        final = dict(final, objective=final["objective"] + skill_objective)
    coverage_objective = final["objective"]
    pricing = PreferencePricing(cat)
    preference_objective = pricing.total(cat, state) if pricing else 0.0
    # Wishes cost >= 0 and the bound ignores them, so it stays a lower bound of the sum.
    final = dict(final, objective=coverage_objective + preference_objective)
    over_seats = np.flatnonzero(state.coverage > rules.seats)  # heads on shift, on break or not
    if over_seats.size:  # pragma: no cover - the plan and every move keep seats; a last guard
        raise SolverError(
            f"roster search ended with {int(state.coverage[over_seats[0]])} agents on shift at "
            f"{grid.interval_starts()[over_seats[0]]}, above the {rules.seats} seats; try a longer time limit"
        )
    solve_sec = time.perf_counter() - t0
    report(f"finish: frames, objective and per-queue cover ({time.perf_counter() - t_finish:.1f} s)")

    # A restricted model's CP-SAT bound bounds that model only; then the LP is the lower bound.
    restrict, lp_value, bound_kind = planned.restricted, bound.value, bound.kind
    lower = lp_value if restrict or not np.isfinite(plan.bound) else max(lp_value, plan.bound)
    if not restrict and np.isfinite(plan.bound) and plan.bound > lp_value:
        bound_kind = "cp-sat"
    if skill_model == "fallback_pooled":
        # Both bound the roster's skill-aware objective: the pooled model's (the skill excess
        # costs >= 0 on top of the pooled objective) and the stopped skill-aware LP's certified one.
        bound_kind = f"pooled-{bound_kind}"  # pooled-lp, or pooled-lagrangian (its LP stopped too)
        if np.isfinite(skill_bound) and skill_bound > lower:
            lower, bound_kind = skill_bound, "lagrangian"
    # The catalogue's bound holds for the engine's own tours only. The bound over every legal
    # roster (column generation, wfm.roster.legal_bound) is opt-in (``[solver] legal_bound``):
    # at the 1,400-agent size its pricing does not finish a round yet (docs/roster.md).
    catalogue_bound, catalogue_kind = lower, bound_kind
    legal_figures: dict[str, object] = {"legal_bound": None}
    if rules.solver.legal_bound:
        legal = legal_bound(cat, time_limit_sec=max(LEGAL_BOUND_MIN_SEC, hard - time.perf_counter()))
        # the master prices coverage without the surplus reward, which only lowers the objective:
        # less its largest total it still bounds the roster's objective
        reward_cap = (
            float((grid.surplus.width * grid.surplus.rewards(rules.objective.over_weight)).sum())
            if grid.surplus is not None
            else 0.0
        )
        value = legal.value - reward_cap
        legal_kind = "legal-colgen" if legal.converged else "legal-lagrangian"
        report(
            f"legal bound: {value:,.1f} ({legal_kind}, {legal.iterations} rounds, {legal.columns:,} weeks, "
            f"{legal.classes} classes, {legal.wall_sec:.1f} s); catalogue bound {catalogue_bound:,.1f}"
        )
        legal_figures = {
            "legal_bound": round(value, 3) if np.isfinite(value) else None,
            "legal_bound_converged": bool(legal.converged),
            "legal_bound_rounds": legal.iterations,
            "legal_bound_sec": round(legal.wall_sec, 2),
        }
        if np.isfinite(value) and value > 0:
            lower, bound_kind = value, legal_kind
        else:  # a bound <= 0 says nothing: keep the catalogue's and say so
            message = (
                f"the bound over all legal rosters was not proven within the time limit ({value:,.1f} after "
                f"{legal.iterations} round(s)); lower_bound is the catalogue's ({catalogue_kind})"
            )
            log.warning(message)
            warnings_.append(message)
        if final["objective"] < lower - 1e-6 * max(1.0, abs(lower)):  # pragma: no cover - a last guard
            message = (
                f"roster objective {final['objective']:,.3f} below the bound over legal rosters {lower:,.3f}: the "
                "bound's model misses a rule the roster uses; lower_bound is the catalogue's (please report)"
            )
            log.warning(message)
            warnings_.append(message)
            lower, bound_kind = catalogue_bound, catalogue_kind
    req = coverage["required"].to_numpy()
    sched = coverage["scheduled"].to_numpy()
    within = np.where(req > 0, np.abs(sched - req) <= 0.1 * req, sched == 0)
    figures: dict[str, Any] = {
        "status": "OPTIMAL" if lower > 0 and final["objective"] <= lower * (1 + 1e-6) else "FEASIBLE",
        "objective": round(final["objective"], 3),
        "coverage_objective": round(coverage_objective, 3),
        "coverage_gap": round((coverage_objective - lower) / lower, 6) if lower > 0 else None,
        "preference_objective": round(preference_objective, 3),
        "lower_bound": round(lower, 3),
        # no gap without a positive bound (a gap of 0.0 there would read as optimal)
        "gap": round((final["objective"] - lower) / lower, 6) if lower > 0 else None,
        "aggregate_status": plan.status,
        "aggregate_objective": round(plan.objective, 3),
        "aggregate_bound": round(plan.bound, 3),
        "aggregate_restricted": bool(restrict),
        "lp_bound": round(lp_value, 3),
        "lower_bound_kind": bound_kind,
        "lp_status": bound.status,
        "catalogue_bound": round(catalogue_bound, 3),
        "catalogue_bound_kind": catalogue_kind,
        **legal_figures,
        "required_agent_intervals": int(req.sum()),
        "under_agent_intervals": int(final["under"]),
        "over_agent_intervals": int(final["over"]),
        "under_share": round(final["under"] / max(int(req.sum()), 1), 6),
        "within_10pct_share": round(float(within.mean()), 6),
        "peak_seats_used": int(state.coverage.max()) if len(state.coverage) else 0,
        "breaks": int(len(break_plan.start)),
        "on_break_agent_intervals": int(break_plan.on_break),
        "break_moves": int(break_plan.moves),
        "break_exact_days": int(break_plan.exact_days),
        "break_optimal_days": int(break_plan.optimal_days),
        "break_passes": int(break_plan.passes),
        "break_sec": round(time.perf_counter() - placed.started, 2),
        "net_of_breaks_moves": int(placed.polish_moves),
        "seats": rules.seats,
        "paid_hours": round(final["paid_hours"], 2),
        "agents": len(problem.agents),
        "shifts": int((state.start >= 0).sum()),
        "days": grid.n_days,
        "interval_minutes": grid.interval_minutes,
        "pooled_queues": list(grid.pooled_queues),
        "skill_aware": bool(cat.skill_aware),
        "skill_model": skill_model,
        "warnings": list(warnings_),
        "hard_deadline_sec": round(hard - t0, 2),
        "planning_skill_groups": skill_cat.skills.n_groups if skill_cat.skills is not None else 1,
        "skill_objective": round(skill_objective, 3),
        "skill_excess_agent_intervals": round(float(skill.excess.sum()), 3) if skill is not None else 0.0,
        "queue_under": {q: round(v, 3) for q, v in skill.queue_under.items()} if skill is not None else {},
        # queues no roster can cover: the shortfall every roster leaves them (block sums, head-intervals)
        "queue_floor": {skill_cat.skills.queues[f.queue]: f.floor for f in skill_floors}
        if skill_cat.skills is not None
        else {},
        "queue_overdue": {q: round(v, 3) for q, v in skill.queue_overdue.items()} if skill is not None else {},
        "aggregate_variables": int(len(problem.model.cost)),
        "aggregate_rows": int(problem.model.a_eq.shape[0] + problem.model.a_ub.shape[0]),
        "plan_used": assigned.plan_used,
        "objective_after_assign": round(assigned.objective, 3),
        "agent_weeks_replaced": int(assigned.replaced),
        "stranded_agent_weeks": stranded,
        # stages whose wall clock the hard deadline (or a stage's safety net) cut short
        "stages_cut": [
            name
            for name, cut in (
                ("skill_lp", skill_model == "fallback_pooled"),
                ("lp", bound.greedy),  # the LP stopped without a point: the greedy plan
                (
                    "aggregate",
                    plan.status == "DEADLINE"
                    or (plan.status == "FEASIBLE" and plan.deterministic_time < 0.99 * planned.deterministic_limit),
                ),
                ("assign", assign_cut or "assign" in state.cut),
                ("repair", repaired.stopped_by_time),
                ("cycle_moves", repaired.cycle_stopped_by_time),
                ("breaks", bool(placed.plan.stopped_by_time)),
                ("fairness", bool(balanced.figures.get("fairness_stopped_by_time"))),
            )
            if cut
        ],
        "joint_replans": len(state.repairs),
        "repair_passes": repaired.passes,
        "repair_moves": repaired.moves,
        "repair_stopped_by_time": repaired.stopped_by_time or repaired.cycle_stopped_by_time,
        "cycle_moves": repaired.cycle_moves,
        "build_sec": round(build_sec, 2),
        "aggregate_sec": round(plan.wall_sec, 2),
        "aggregate_deterministic_time": round(plan.deterministic_time, 2),
        "aggregate_deterministic_limit": round(planned.deterministic_limit, 2),
        "solve_sec": round(solve_sec, 2),
        "seed": seed,
        "num_workers": num_workers,
    }
    agent_summary, fairness = report_frames(roster, cat)
    figures.update(balanced.figures)
    figures.update(report_summary(agent_summary, fairness))
    return RosterResult.from_figures(
        roster,
        breaks,
        coverage,
        figures,
        agent_summary=agent_summary,
        fairness=fairness,
        queue_coverage=skill.queue_coverage if skill is not None else None,
        group_coverage=skill.group_coverage if skill is not None else None,
    )
