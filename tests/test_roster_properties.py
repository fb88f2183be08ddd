"""Laws the engine must obey, checked against independent references.

- On a one-day micro instance every legal roster can be enumerated: the engine must reach the
  brute-force optimum, and its lower bound must not exceed it.
- On random tiny instances (hypothesis) every roster passes the independent validator and the
  objective is never below the lower bound.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_helpers import START, tiny_rules

from wfm.roster import schedule, validate


def _brute_force(required: np.ndarray, n_agents: int, rules) -> float:
    """Minimum objective over every choice of (off | start hour) per agent, 9 h shifts, one day."""
    obj = rules.objective
    options = [None] + list(range(24))
    best = np.inf
    for choice in itertools.product(options, repeat=n_agents):
        heads = np.zeros(24, dtype=int)
        paid = 0
        for start in choice:
            if start is None:
                continue
            heads[start : min(start + 9, 24)] += 1  # intervals after the horizon are not counted
            paid += 8
        if heads.max() > rules.seats:
            continue
        short = np.maximum(required - heads, 0)
        value = (
            sum(obj.under_penalty(s) for s in short)
            + obj.over_weight * np.maximum(heads - required, 0).sum()
            + obj.paid_hour_weight * paid
        )
        best = min(best, value)
    return float(best)


def test_micro_instance_reaches_the_brute_force_optimum():
    rules = tiny_rules(seats=2)
    required = np.array([0] * 6 + [1, 2, 3, 3, 3, 2, 2, 2, 3, 3, 2, 1, 1, 0, 0, 0, 0, 0])
    req = pd.DataFrame({"interval_start": pd.date_range(START, periods=24, freq="60min"), "agents_scheduled": required})
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"], "contract": ["ft"] * 3})
    res = schedule(req, agents, rules, time_limit_sec=5)
    optimum = _brute_force(required, 3, rules)
    assert res.summary.objective == optimum
    assert res.summary.lower_bound <= optimum + 1e-6
    assert validate(res.roster, agents, rules, horizon_start=START, horizon_days=1).empty


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_ft=st.integers(1, 5),
    n_pt=st.integers(0, 3),
    days=st.integers(1, 8),
    level=st.integers(0, 6),
    seed=st.integers(0, 10_000),
    consecutive=st.booleans(),
)
def test_random_tiny_instances_are_legal(n_ft, n_pt, days, level, seed, consecutive):
    rng = np.random.default_rng(seed)
    # Seats from a little below to above the head count: binding but never impossible.
    rules = tiny_rules(
        days_off_consecutive=consecutive, seats=int(rng.integers(max(3, n_ft + n_pt - 2), n_ft + n_pt + 3))
    )
    stamps = pd.date_range(START, periods=24 * days, freq="60min")
    hour = stamps.hour.to_numpy()
    required = np.round(level * (0.2 + np.exp(-(((hour - 13) / 4.0) ** 2))) * rng.uniform(0.7, 1.3, len(stamps)))
    req = pd.DataFrame({"interval_start": stamps, "agents_scheduled": required})
    ids = [f"F{i}" for i in range(n_ft)] + [f"P{i}" for i in range(n_pt)]
    agents = pd.DataFrame(
        {
            "agent_id": ids,
            "contract": ["ft"] * n_ft + ["pt"] * n_pt,
            "night_allowed": rng.random(len(ids)) < 0.7,
            "prev_shift_end": [START - pd.Timedelta(hours=int(h)) for h in rng.integers(0, 30, len(ids))],
            "prev_consecutive_days": rng.integers(0, 3, len(ids)),
        }
    )
    res = schedule(req, agents, rules, time_limit_sec=3, seed=seed)
    violations = validate(res.roster, agents, rules, horizon_start=START, horizon_days=days)
    assert violations.empty, violations.to_string()
    assert res.summary.objective >= res.summary.lower_bound - 1e-6
    assert res.coverage["scheduled"].max() <= rules.seats
