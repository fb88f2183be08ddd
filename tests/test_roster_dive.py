"""The LP dive, the certified (Lagrangian) bound, history cuts and the exact break day model.

Checks are independent of the code under test: bounds against CP-SAT's proven optimum of the
same integer model and against validated rosters; plans against the model's rows; rosters
against the validator; coverage against a plain recount.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules
from test_roster_breaks import _net_recount, rules_with_breaks

from wfm.roster import BreakRule, schedule, validate
from wfm.roster.agents import parse_agents
from wfm.roster.aggregate import (
    SCALE,
    build_aggregate,
    dive_tours,
    lagrangian_bound,
    lp_relaxation,
    round_lp,
    solve_aggregate,
)
from wfm.roster.assign import assign_plan
from wfm.roster.breaks import breaks_frame, place_breaks
from wfm.roster.stages import planned_breaks
from wfm.roster.repair import RosterState, set_shift
from wfm.roster.result import roster_frame
from wfm.roster.tours import DAY, build_catalogue, build_grid


@pytest.fixture(scope="module")
def tiny():
    req, agents, rules = tiny_requirements(7), tiny_agents(), rules_with_breaks()
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    return req, agents, rules, cat


def _feasible(model, x, tol=1e-6):
    return (
        np.abs(model.a_eq @ x - model.b_eq).max() <= tol
        and (model.a_ub @ x - model.b_ub).max() <= tol
        and (x >= model.lower - tol).all()
        and (x <= model.upper + tol).all()
    )


def test_lagrangian_bound_holds_for_any_multipliers(tiny):
    req, agents, rules, cat = tiny
    model = build_aggregate(cat)
    # Any integer point of the model (CP-SAT's best in a second or two) is above every such bound.
    lp = lp_relaxation(model)
    hint = round_lp(model, lp.x, [[len(c.agent_index) for c in week] for week in cat.classes]).values
    best = solve_aggregate(model, time_limit_sec=20, seed=0, num_workers=2, deterministic_limit=3.0, hint=hint)
    assert best.status in ("OPTIMAL", "FEASIBLE")
    assert lp.status == "OPTIMAL"
    # At the LP's own multipliers the certified bound is the LP value.
    assert lp.bound == pytest.approx(lp.value, rel=1e-6, abs=1e-3)
    rng = np.random.default_rng(0)
    for scale in (0.0, 0.5, 1.0, 2.0):
        for _ in range(3):
            y = rng.normal(0, 50 * scale + 1e-9, model.a_eq.shape[0])
            z = -np.abs(rng.normal(0, 50 * scale + 1e-9, model.a_ub.shape[0]))
            bound = lagrangian_bound(model, y, z) / SCALE + model.constant
            assert bound <= best.objective + 1e-6


@pytest.mark.slow
def test_lagrangian_bound_from_perturbed_multipliers_bounds_a_validated_roster(tiny):
    """Perturbed optimal multipliers (an LP stopped early) still bound every legal roster."""
    req, agents, rules, cat = tiny
    model = build_aggregate(cat)
    rng = np.random.default_rng(1)
    result = schedule(req, agents, rules, time_limit_sec=10, seed=0)
    violations = validate(result.roster, agents, rules, horizon_start=START, horizon_days=7, breaks=result.breaks)
    assert violations.empty, violations.to_string()
    from scipy.optimize import linprog

    res = linprog(
        model.cost,
        A_ub=model.a_ub,
        b_ub=model.b_ub,
        A_eq=model.a_eq,
        b_eq=model.b_eq,
        bounds=np.column_stack([model.lower, model.upper]),
        method="highs-ipm",
    )
    noisy = (
        lagrangian_bound(
            model, res.eqlin.marginals * 0.9 + rng.normal(0, 5, model.a_eq.shape[0]), res.ineqlin.marginals
        )
        / SCALE
        + model.constant
    )
    assert noisy <= result.summary.objective + 1e-6
    assert result.summary.lower_bound <= result.summary.objective + 1e-6
    assert result.summary.lower_bound_kind in ("legal-colgen", "legal-lagrangian")
    assert result.diagnostics["catalogue_bound_kind"] in ("lp", "cp-sat")


def test_lp_without_crossover_certifies_the_same_bound(tiny):
    *_, cat = tiny
    model = build_aggregate(cat)
    with_vertex = lp_relaxation(model)
    interior = lp_relaxation(model, crossover=False)
    assert interior.status == "OPTIMAL"
    assert interior.bound == pytest.approx(with_vertex.value, rel=1e-5, abs=1e-2)
    assert interior.bound <= with_vertex.value + 1e-6 * abs(with_vertex.value) + 1e-3


def test_dive_makes_tours_starts_and_breaks_whole_and_feasible(tiny):
    *_, cat = tiny
    model = build_aggregate(cat, history_cuts=True)
    lp = lp_relaxation(model)
    dive = dive_tours(model, lp.x)
    assert dive.complete
    x = dive.values
    tours = np.concatenate([idx for week in model.tour_var for idx in week])
    starts = np.concatenate([s for s, _ in model.link_rows])
    breaks = np.concatenate([b for _, b in model.break_groups])
    for ids in (tours, starts, breaks):
        np.testing.assert_allclose(x[ids], np.round(x[ids]), atol=1e-6)
    assert _feasible(model, x)
    assert dive.objective >= lp.value / SCALE + model.constant - 1e-6


def test_history_cuts_restrict_and_the_plan_is_followed_exactly(tiny):
    req, agents, rules, cat = tiny
    coarse, cut = build_aggregate(cat), build_aggregate(cat, history_cuts=True)
    assert cut.start_extra, "tiny agents' history should cut a band on the first day"
    # A restriction: its LP is no lower than the relaxation's.
    assert lp_relaxation(cut).value >= lp_relaxation(coarse).value - 1e-6
    dive = dive_tours(cut, lp_relaxation(cut).x)
    plan = round_lp(cut, dive.values, [[len(c.agent_index) for c in week] for week in cat.classes])
    state, replaced = assign_plan(cat, plan)
    assert replaced == 0
    # Every planned start is worked by someone (and nothing else): the plan was followed.
    worked: dict = {}
    for a, d in zip(*np.nonzero(state.start >= 0)):
        t = int(state.template[a, d])
        pos = int(np.flatnonzero(cat.templates[t].starts == state.start[a, d] - d * DAY)[0])
        worked[(t, int(d), pos)] = worked.get((t, int(d), pos), 0) + 1
    assert worked == plan.start_counts
    bp = place_breaks(cat, state, seed=0, planned=planned_breaks(cat, cut, dive.values))
    roster, breaks = roster_frame(cat, state), breaks_frame(cat, bp)
    violations = validate(roster, agents, rules, horizon_start=START, horizon_days=7, breaks=breaks)
    assert violations.empty, violations.to_string()
    recount = _net_recount(roster, breaks, pd.Series(cat.grid.interval_starts()), agents, pd.Timedelta(hours=1))
    np.testing.assert_array_equal(bp.coverage, recount)


def test_day_model_takes_a_whole_group_out_of_one_interval():
    """Six shifts at one start with a one-offset meal all leave the same interval: the exact day
    model must allow a shortfall of six there (it once bounded it by the number of count
    variables, which made the model infeasible and aborted CP-SAT)."""
    r = tiny_rules()
    ft = r.contracts["ft"]
    nine = dataclasses.replace(ft.shifts[0], breaks=(BreakRule("meal", 60, 240, 240, paid=False),), min_work_minutes=60)
    rules = dataclasses.replace(r, contracts={**r.contracts, "ft": dataclasses.replace(ft, shifts=(nine,))})
    req, agents = tiny_requirements(7), tiny_agents()
    cat = build_catalogue(build_grid(req), parse_agents(agents, rules), rules)
    state = RosterState.empty(cat)
    t = next(i for i, tp in enumerate(cat.templates) if tp.template.length_minutes == 540)
    full_time = [i for i, a in enumerate(cat.agents) if a.agent_id.startswith("F")]
    for a in full_time:
        set_shift(cat, state, a, 2, 2 * DAY + 8 * 60, t)
    bp = place_breaks(cat, state, seed=0, deadline=None)
    assert len(bp.start) == len(full_time)
    assert (bp.start == 2 * DAY + 12 * 60).all()
    roster, breaks = roster_frame(cat, state), breaks_frame(cat, bp)
    recount = _net_recount(roster, breaks, pd.Series(cat.grid.interval_starts()), agents, pd.Timedelta(hours=1))
    np.testing.assert_array_equal(bp.coverage, recount)
