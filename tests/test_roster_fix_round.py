"""The skill-aware plan with breaks: the vertex's tours fixed, then its starts, the LP re-solved
(wfm.roster.aggregate.fix_and_round). Checked against the model's own rows recomputed here, the
LP bound, the plain rounding, and the roster validator on the engine's result."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from roster_helpers import START, CallbackDeadline, tiny_rules
from wfm.roster import BreakRule, Rules, schedule, validate
from wfm.roster.aggregate import SCALE, fix_and_round, lp_relaxation, round_lp
from wfm.roster.stages import build_problem, planned_breaks


def meal_rules() -> Rules:
    """tiny_rules with a 60-min unpaid meal 3-5 h into the 9 h full-time shift."""
    r = tiny_rules()
    ft = r.contracts["ft"]
    nine = dataclasses.replace(ft.shifts[0], breaks=(BreakRule("meal", 60, 180, 300, paid=False),), min_work_minutes=60)
    return dataclasses.replace(r, contracts={**r.contracts, "ft": dataclasses.replace(ft, shifts=(nine,))})


def instance() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Queue a peaks in the morning, b in the evening, callbacks at 09:00-11:00; 5 a, 5 b, 4 a+b+cb agents."""
    rows = []
    for d in range(7):
        for h in range(24):
            t = START + pd.Timedelta(days=d, hours=h)
            a = 3 if 7 <= h < 15 else (1 if 15 <= h < 22 else 0)
            b = 3 if 14 <= h < 22 else (1 if 8 <= h < 14 else 0)
            rows += [(t, "a", a), (t, "b", b), (t, "cb", 2 if h in (9, 10) else 0)]
    req = pd.DataFrame(rows, columns=["interval_start", "queue", "agents_scheduled"])
    req = req.assign(erlangs=req["agents_scheduled"], agents=req["agents_scheduled"])
    agents = pd.DataFrame(
        {
            "agent_id": [f"F{i}" for i in range(14)],
            "contract": ["ft"] * 14,
            "skills": ["a"] * 5 + ["b"] * 5 + ["a;b;cb"] * 4,
        }
    )
    return req, agents


@pytest.fixture(scope="module")
def problem():
    req, agents = instance()
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
    req, agents = instance()
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
