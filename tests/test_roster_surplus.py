"""The surplus reward (wfm.roster.surplus): its Erlang values against exact arithmetic, its
concavity, the aggregate model carrying it, and the surplus report against hand counts."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from wfm.roster import schedule, validate
from wfm.roster.aggregate import build_aggregate, lp_bound
from wfm.roster.surplus import MAX_REWARD_SHARE, surplus_by_hour, surplus_figures, surplus_value
from wfm.roster.tours import build_catalogue, build_grid
from wfm.roster.agents import parse_agents

from roster_helpers import START, tiny_agents, tiny_requirements, tiny_rules


def exact_asa(a: Fraction, n: int, aht: Fraction) -> Fraction:
    """Erlang C mean wait from the textbook sum, in exact rationals (independent of wfm.erlang)."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    return top / bottom * aht / (n - a)


def load_frame(calls: list[float], aht: float = 300.0, shrink: float = 0.25) -> tuple[pd.DataFrame, np.ndarray]:
    """One queue, hourly intervals, with the requirement frame's load columns."""
    stamps = [START + pd.Timedelta(hours=h) for h in range(len(calls))]
    erl = np.array(calls) * aht / 3600
    agents = np.ceil(erl) + 2
    sched = agents / (1 - shrink)
    frame = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": stamps,
            "calls": calls,
            "aht_sec": aht,
            "erlangs": erl,
            "agents": agents,
            "agents_scheduled": sched,
        }
    )
    return frame, np.ceil(sched - 1e-9).astype(np.int64)


def test_erlang_value_matches_exact_waiting_time_saved():
    frame, required = load_frame([24.0, 240.0, 600.0])
    sv = surplus_value(frame, np.arange(3), required)
    assert sv.source == "erlang"
    share = frame["agents"].to_numpy() / frame["agents_scheduled"].to_numpy()
    saved = np.zeros(sv.value.shape)
    for i in range(3):
        a = Fraction(frame["erlangs"][i]).limit_denominator(10**6)
        level = int(required[i])
        for k in range(sv.width.shape[0]):
            lo, hi = level, level + int(sv.width[k, i])
            n_lo, n_hi = math.floor(lo * share[i] + 1e-9), math.floor(hi * share[i] + 1e-9)
            w = exact_asa(a, n_lo, Fraction(300)) - exact_asa(a, n_hi, Fraction(300))
            saved[k, i] = float(w) * frame["calls"][i] / sv.width[k, i]
            level = hi
    expected = np.minimum.accumulate(saved / saved.max(), axis=0)
    np.testing.assert_allclose(sv.value, expected, rtol=1e-6, atol=1e-9)
    # one more agent at the busiest hour is worth more than at the quiet one
    assert sv.value[0, 2] > sv.value[0, 0]


def test_fallback_without_load_columns_is_requirement_proportional_and_concave():
    req = pd.DataFrame({"interval_start": [START + pd.Timedelta(hours=h) for h in range(3)], "agents_scheduled": 0})
    sv = surplus_value(req, np.arange(3), np.array([10, 40, 0]))
    assert sv.source == "requirement"
    np.testing.assert_allclose(sv.value[0], [0.25, 1.0, 0.0])
    assert (np.diff(sv.value, axis=0) <= 0).all()
    np.testing.assert_array_equal(sv.width[:, 1], [2, 2, 2])  # 5% of 40, at least one agent


def test_reward_is_concave_and_its_increments_are_the_next_reward():
    frame, required = load_frame([24.0, 240.0, 600.0, 0.0])
    sv = surplus_value(frame, np.arange(4), required)
    over_w = 10.0
    for i in range(4):
        total = [sv.reward(np.eye(4, dtype=np.int64)[i] * s, over_w) for s in range(12)]
        steps = np.diff(total)
        assert (steps >= -1e-12).all() and (np.diff(steps) <= 1e-12).all()
        for s in range(11):
            surplus = np.eye(4, dtype=np.int64)[i] * s
            assert steps[s] == pytest.approx(sv.next_reward(surplus, over_w)[i])
        assert steps.max() <= MAX_REWARD_SHARE * over_w + 1e-12  # never more than half an over-staffing cost
    assert sv.reward(np.array([0, 0, 0, 5]), over_w) == 0.0  # no calls: surplus buys nothing


def with_load(req: pd.DataFrame) -> pd.DataFrame:
    out = req.copy()
    out["agents"] = out["agents_scheduled"] * 0.75
    out["aht_sec"] = 300.0
    out["erlangs"] = np.maximum(out["agents"] - 1.0, 0.0) * 0.8
    out["calls"] = out["erlangs"] * 3600 / 300
    return out


def test_aggregate_lp_bound_holds_under_the_reward_and_the_roster_is_legal():
    req = with_load(tiny_requirements())
    rules, agents = tiny_rules(), tiny_agents()
    grid = build_grid(req)
    assert grid.surplus is not None and grid.surplus.source == "erlang"
    model = build_aggregate(build_catalogue(grid, parse_agents(agents, rules), rules))
    assert model.reward_var and (model.cost[np.concatenate(list(model.reward_var.values()))] < 0).all()
    result = schedule(req, agents, rules, time_limit_sec=20, seed=0)
    assert validate(result.roster, agents, rules).empty
    s = result.summary
    assert s.lower_bound <= s.objective + 1e-6
    # the coverage objective is under + over - the surplus reward + paid hours, recomputed here
    cov = result.coverage[result.coverage["queue"] == "pooled"] if "queue" in result.coverage else result.coverage
    over = cov["over"].to_numpy()
    reward = grid.surplus.reward(over, rules.objective.over_weight)
    assert reward > 0
    under = sum(rules.objective.under_penalty(float(u)) for u in cov["under"] if u > 0)
    paid = float(result.roster["paid_hours"].sum())
    assert s.coverage_objective == pytest.approx(under + 10 * over.sum() - reward + paid, abs=0.006)
    lp, _ = lp_bound(model)
    assert lp / 60 + model.constant <= s.coverage_objective + 1e-6


def test_surplus_by_hour_against_hand_counts():
    stamps = [START + pd.Timedelta(minutes=30 * k) for k in range(4)] + [
        START + pd.Timedelta(hours=12, minutes=30 * k) for k in range(2)
    ]
    cov = pd.DataFrame(
        {
            "interval_start": stamps,
            "queue": "pooled",
            "required": [10, 10, 10, 0, 100, 100],
            "scheduled": [20, 11, 9, 0, 105, 100],
        }
    )
    cov["under"] = np.maximum(cov["required"] - cov["scheduled"], 0)
    cov["over"] = np.maximum(cov["scheduled"] - cov["required"], 0)
    by_hour = surplus_by_hour(cov)
    h0 = by_hour.set_index("hour").loc[0]
    assert h0["over_agent_hours"] == pytest.approx(5.5)  # (10 + 1) x 0.5 h
    assert h0["under_agent_hours"] == 0
    assert h0["within_10pct_share"] == pytest.approx(0.5)  # 11 of 10 is within, 20 is not
    h1 = by_hour.set_index("hour").loc[1]
    assert h1["under_agent_hours"] == pytest.approx(0.5)  # 9 of 10 for half an hour
    assert h1["within_10pct_share"] == 1.0  # 9 of 10, and 0 of 0
    figs = surplus_figures(cov, by_hour)
    assert figs["within_10pct_share"] == pytest.approx(5 / 6)  # all but 20 of 10; 0 of 0 counts as within
    assert figs["over_share_night"] == pytest.approx(5.5 / 15.0)
    assert figs["over_share_afternoon"] == pytest.approx(2.5 / 100.0)
    assert len(by_hour) == 24 and by_hour["over_agent_hours"].sum() == pytest.approx(8.0)


def test_rewards_are_whole_objective_units_of_the_aggregate_model():
    from wfm.roster.aggregate import SCALE
    from wfm.roster.surplus import RESOLUTION

    assert SCALE == RESOLUTION
    frame, required = load_frame([24.0, 240.0, 600.0])
    r = surplus_value(frame, np.arange(3), required).rewards(10.0) * SCALE
    np.testing.assert_allclose(r, np.round(r), atol=1e-9)
