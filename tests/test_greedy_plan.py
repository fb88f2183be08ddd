"""The greedy plan (wfm.roster.greedy_plan): the start of a roster whose aggregate LP gave no point.

Checked against the model's own rows (every equality and <= row of the sparse model, read
directly, not through the greedy code), against the true LP optimum for the bound, and against
the plan the engine used before it (the middle of every variable's box, rounded).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from roster_helpers import tiny_agents, tiny_requirements, tiny_rules
from test_roster_breaks import rules_with_breaks

from wfm.lp_status import primal_feasible
from wfm.roster.aggregate import SCALE, lp_relaxation, round_lp
from wfm.roster.greedy_plan import class_sizes, greedy_plan, least_paid_bound
from wfm.roster.stages import build_problem


def _model(rules, scale=1.0):
    return build_problem(
        tiny_requirements(7, scale=scale), tiny_agents(), rules, lambda m: None, time.perf_counter()
    ).model


@pytest.mark.parametrize("rules", [tiny_rules(), rules_with_breaks()], ids=["no breaks", "breaks"])
@pytest.mark.parametrize("scale", [0.6, 1.0, 1.6])
def test_greedy_plan_is_a_whole_point_of_the_model_and_its_bound_holds(rules, scale):
    model = _model(rules, scale)
    x = greedy_plan(model)
    # one tour per agent in every class, whole counts
    sizes = class_sizes(model)
    for w, per_class in enumerate(model.tour_var):
        for c, idx in enumerate(per_class):
            assert x[idx].sum() == sizes[w][c]
    assert np.array_equal(x, np.round(x)) and (x >= 0).all()
    plan = round_lp(model, x, sizes)
    v = plan.values.astype(float)
    # every row of the model: class rows, band links, break rows, coverage, seats, break sequence
    assert primal_feasible(
        v,
        a_eq=model.a_eq,
        b_eq=model.b_eq,
        a_ub=model.a_ub,
        b_ub=model.b_ub,
        bounds=np.column_stack([model.lower, model.upper]),
    )
    lp = lp_relaxation(model)
    assert lp.status == "OPTIMAL"
    lp_value = lp.value / SCALE + model.constant
    objective = float(model.cost @ v) / SCALE + model.constant
    assert plan.objective == pytest.approx(objective)
    bound = least_paid_bound(model)
    assert np.isfinite(bound) and 0 < bound <= lp_value + 1e-6 <= objective + 1e-6


@pytest.mark.parametrize("rules", [tiny_rules(), rules_with_breaks()], ids=["no breaks", "breaks"])
def test_greedy_plan_beats_the_box_middle_it_replaces(rules):
    model = _model(rules)
    sizes = class_sizes(model)
    greedy = round_lp(model, greedy_plan(model), sizes).objective
    middle = round_lp(model, (model.lower + model.upper) / 2.0, sizes).objective
    assert greedy < middle


def test_greedy_plan_is_deterministic():
    model = _model(rules_with_breaks())
    assert np.array_equal(greedy_plan(model), greedy_plan(model))
