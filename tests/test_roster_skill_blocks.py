"""Skill rows summed over blocks (``solver.skill_block_minutes``): exact at the grid's interval,
a relaxation above it (its LP never above the per-interval LP), and rosters planned from it stay
legal, with every queue's cover recounted by the per-interval allocation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from roster_helpers import CallbackDeadline, tiny_rules, two_queue_week
from wfm.exceptions import ConfigError
from wfm.roster import Rules, schedule, validate
from wfm.roster.aggregate import SCALE, lp_relaxation
from wfm.roster.stages import build_problem


def with_blocks(rules: Rules, minutes: int) -> Rules:
    return dataclasses.replace(rules, solver=dataclasses.replace(rules.solver, skill_block_minutes=minutes))


def model(req: pd.DataFrame, agents: pd.DataFrame, rules: Rules):
    return build_problem(req, agents, rules, lambda m: None, 0.0, CallbackDeadline()).model


def lp_value(m) -> float:
    lp = lp_relaxation(m)
    assert lp.status == "OPTIMAL"
    return lp.value / SCALE + m.constant


def test_blocks_of_one_interval_are_the_per_interval_model():
    req, agents = two_queue_week(60)
    a = model(req, agents, with_blocks(tiny_rules(), 0))
    b = model(req, agents, with_blocks(tiny_rules(), 60))
    c = model(req, agents, with_blocks(tiny_rules(), 59))  # less than an interval: one interval
    for other in (b, c):
        np.testing.assert_array_equal(a.cost, other.cost)
        np.testing.assert_array_equal(a.b_ub, other.b_ub)
        assert (a.a_ub != other.a_ub).nnz == 0 and (a.a_eq != other.a_eq).nnz == 0
        assert a.queue_rows == other.queue_rows


def test_block_rows_are_a_relaxation_nested_blocks_never_raise_the_lp():
    req, agents = two_queue_week(60)
    rules = tiny_rules()
    models = {k: model(req, agents, with_blocks(rules, k)) for k in (60, 120, 240)}
    rows = {k: m.a_ub.shape[0] + m.a_eq.shape[0] for k, m in models.items()}
    assert rows[240] < rows[120] < rows[60]
    assert models[120].skill_vars.size < models[60].skill_vars.size
    values = {k: lp_value(m) for k, m in models.items()}
    # 120-min blocks are sums of 60-min rows, 240-min blocks of 120-min ones: each a relaxation
    assert values[240] <= values[120] + 1e-6 * abs(values[120])
    assert values[120] <= values[60] + 1e-6 * abs(values[60])


def test_every_interval_of_a_block_gets_the_block_price():
    req, agents = two_queue_week(60)
    m = model(req, agents, with_blocks(tiny_rules(), 120))
    lp = lp_relaxation(m)
    prices = m.queue_prices(lp.dual_ub, (7 * 24, 3))
    # hours 0-1, 2-3, ... share a row per interval queue: equal prices inside each block
    for q in (0, 1):
        for t in range(0, 7 * 24, 2):
            if (t, q) in m.queue_rows and (t + 1, q) in m.queue_rows:
                assert m.queue_rows[(t, q)] == m.queue_rows[(t + 1, q)]
                assert prices[t, q] == prices[t + 1, q]
    # the deferrable queue keeps a row per interval
    cb = [row for (t, q), row in m.queue_rows.items() if q == 2]
    assert len(cb) == len(set(cb)) == 7 * 24


@pytest.mark.parametrize("minutes", [15, 30])
def test_a_roster_planned_on_blocks_is_legal_and_its_bound_holds(minutes):
    # default blocks (30 min): on the 15-min grid two intervals per block, on the 30-min grid one
    req, agents = two_queue_week(minutes)
    rules = tiny_rules()
    res = schedule(req, agents, rules, time_limit_sec=20, targets=CallbackDeadline())
    assert len(validate(res.roster, agents, rules)) == 0
    assert res.diagnostics["skill_aware"] is True
    s = res.summary
    assert s.lower_bound <= s.objective + 1e-6
    # the roster's objective (its skill excess counted per interval) is at or above the
    # per-interval model's LP, which bounds every roster
    exact = lp_value(model(req, agents, with_blocks(rules, 0)))
    assert s.objective >= exact - 1e-6 * abs(exact)
    blocks = lp_value(model(req, agents, rules))
    assert blocks <= exact + 1e-6 * abs(exact)
    # and the per-queue cover is the per-interval one (required counts every interval)
    qc = res.queue_coverage
    for q in ("a", "b", "cb"):
        assert qc.loc[qc["queue"] == q, "required"].sum() == pytest.approx(
            req.loc[req["queue"] == q, "agents_scheduled"].sum()
        )


@pytest.mark.parametrize("value", [-15, 1.5, "60", True])
def test_bad_block_minutes_are_clear_errors(value):
    data_rules = {"solver": {"skill_block_minutes": value}}
    with pytest.raises(ConfigError, match="skill_block_minutes"):
        Rules.from_dict({**tiny_rules_dict(), **data_rules})


def tiny_rules_dict() -> dict:
    return {
        "rules": {"seats": 20},
        "contracts": {"ft": {"min_hours_week": 40, "max_hours_week": 40, "shifts": [{"length_hours": 8}]}},
    }


def test_block_minutes_are_read_from_the_solver_table():
    rules = Rules.from_dict({**tiny_rules_dict(), "solver": {"skill_block_minutes": 60}})
    assert rules.solver.skill_block_minutes == 60
    assert Rules.from_dict(tiny_rules_dict()).solver.skill_block_minutes == 30
