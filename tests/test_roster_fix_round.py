"""The skill-aware plan with breaks: the vertex's tours fixed, then its starts, the LP re-solved
(wfm.roster.aggregate.fix_and_round). Checked against the model's own rows recomputed here, the
LP bound, the plain rounding, and the roster validator on the engine's result."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from roster_helpers import CallbackDeadline, meal_rules, two_queue_week
from wfm.roster import schedule, validate
from wfm.roster.aggregate import SCALE, fix_and_round, lp_relaxation, round_lp
from wfm.roster.stages import build_problem, planned_breaks


@pytest.fixture(scope="module")
def problem():
    req, agents = two_queue_week(60)
    return build_problem(req, agents, meal_rules(), lambda m: None, 0.0, CallbackDeadline())


def test_fixed_plan_is_whole_keeps_the_rows_and_lies_between_bound_and_rounding(problem):
    m, cat = problem.model, problem.cat
    assert cat.skill_aware and m.break_groups
    lp = lp_relaxation(m)  # with crossover: a vertex
    assert lp.status == "OPTIMAL"
    bound = lp.value / SCALE + m.constant
    n_class = [[len(c.agent_index) for c in week] for week in cat.classes]
    plain = round_lp(m, lp.x, n_class)
    plan, steps, fixed = fix_and_round(m, lp.x, n_class)
    assert len(steps) == 3 and steps[0].startswith("rounded vertex")
    v = plan.values.astype(float)
    assert np.array_equal(v, np.round(v))
    # every equality of the model (tours per class, band links, breaks per start, cover, skill balance)
    assert np.abs(m.a_eq @ v - m.b_eq).max() <= 1e-6
    assert (v >= m.lower - 1e-9).all() and (v <= m.upper + 1e-9).all()
    # its objective is its cost, and no integer plan of the model is below the LP
    assert plan.objective == pytest.approx(float(m.cost @ v) / SCALE + m.constant, abs=1e-6)
    assert bound <= plan.objective + 1e-6
    assert plan.objective <= plain.objective + 1e-6
    # the tours are the plain rounding's: only starts and breaks were re-timed
    tours = np.concatenate([np.asarray(i) for w in m.tour_var for i in w])
    assert np.array_equal(v[tours], plain.values[tours])
    assert fixed or plan.objective == pytest.approx(plain.objective)


def test_fix_and_round_out_of_time_returns_the_plain_rounding(problem):
    m, cat = problem.model, problem.cat
    lp = lp_relaxation(m)
    n_class = [[len(c.agent_index) for c in week] for week in cat.classes]
    plan, steps, fixed = fix_and_round(m, lp.x, n_class, deadline=0.0)  # long past
    assert not fixed and steps[-1] == "tours not fixed: out of time"
    assert plan.objective == pytest.approx(round_lp(m, lp.x, n_class).objective)


def test_the_engine_plans_large_skill_aware_weeks_with_breaks_by_fixing(problem):
    req, agents = two_queue_week(60)
    rules = meal_rules()
    # the restricted path of large models, on a small one
    rules = dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, restrict_above_variables=100))
    result = schedule(req, agents, rules, time_limit_sec=30, seed=0, targets=CallbackDeadline())
    summary = result.as_dict()
    assert summary["aggregate_status"] == "LP_FIXED"
    assert summary["skill_aware"]
    assert validate(result.roster, agents.drop(columns="skills"), rules, breaks=result.breaks).empty
    assert summary["lower_bound"] <= summary["objective"] + 1e-6
    # the same inputs give the same roster
    again = schedule(req, agents, rules, time_limit_sec=30, seed=0, targets=CallbackDeadline())
    pd.testing.assert_frame_equal(result.roster, again.roster)
    pd.testing.assert_frame_equal(result.breaks, again.breaks)


def test_planned_breaks_come_only_from_a_plan_meeting_every_row(problem):
    # A rounded plan's breaks can break the forward rows (a break too soon after the one
    # before); the placement then starts afresh rather than follow them.
    m, cat = problem.model, problem.cat
    lp = lp_relaxation(m)
    n_class = [[len(c.agent_index) for c in week] for week in cat.classes]
    plan, _, _ = fix_and_round(m, lp.x, n_class)
    v = plan.values.astype(float)
    meets = (m.a_ub @ v - m.b_ub).max() <= 1e-6
    assert (planned_breaks(cat, m, v) is not None) == meets
    assert planned_breaks(cat, dataclasses.replace(m, b_ub=m.b_ub - 1e6), v) is None
    assert planned_breaks(cat, m, lp.x + 0.5) is None  # fractional
