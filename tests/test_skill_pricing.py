"""The skill term of a move's price (wfm.roster.skill_pricing) against an LP solved by scipy's HiGHS.

The kernel finds each interval's least skill shortfall by augmenting paths; the check solves the
same covering problem as a linear program, for the heads as given and with one more head of each
group, on random instances (nested and crossing skill sets, zero heads, zero demand).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from wfm.exceptions import InvalidInputError
from wfm.roster.skill_pricing import shortfall_and_gains, shortfall_and_losses


def lp_shortfall(heads: np.ndarray, demand: np.ndarray, holds: np.ndarray) -> float:
    """min sum(under): sum_q x[g,q] <= heads[g], sum_g x[g,q] + under[q] >= demand[q], x on held edges."""
    edges = [(g, q) for g in range(holds.shape[0]) for q in range(holds.shape[1]) if holds[g, q]]
    n_x, n_q = len(edges), holds.shape[1]
    cost = np.r_[np.zeros(n_x), np.ones(n_q)]
    rows, rhs = [], []
    for g in range(holds.shape[0]):
        rows.append([1.0 if e[0] == g else 0.0 for e in edges] + [0.0] * n_q)
        rhs.append(float(heads[g]))
    for q in range(n_q):
        rows.append([-1.0 if e[1] == q else 0.0 for e in edges] + [-1.0 if j == q else 0.0 for j in range(n_q)])
        rhs.append(-float(demand[q]))
    res = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=(0, None), method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.parametrize("seed", range(12))
def test_shortfall_and_gains_match_the_lp(seed):
    rng = np.random.default_rng(seed)
    n_g, n_q, n_t = int(rng.integers(2, 7)), int(rng.integers(2, 5)), 30
    holds = rng.random((n_g, n_q)) < 0.45
    holds[rng.integers(0, n_g, n_q), np.arange(n_q)] = True  # every queue held by some group
    heads = rng.integers(0, 6, (n_t, n_g))
    demand = rng.integers(0, 9, (n_t, n_q)).astype(float)
    if seed % 3 == 0:  # fractional demands (a deferrable queue's served work)
        demand = demand + rng.random((n_t, n_q)).round(2)
    short, gain = shortfall_and_gains(heads, demand, holds)
    for t in range(n_t):
        base = lp_shortfall(heads[t], demand[t], holds)
        assert short[t] == pytest.approx(base, abs=1e-7)
        for g in range(n_g):
            more = heads[t].copy()
            more[g] += 1
            assert gain[t, g] == pytest.approx(base - lp_shortfall(more, demand[t], holds), abs=1e-7)
    short2, loss = shortfall_and_losses(heads, demand, holds)
    np.testing.assert_allclose(short2, short)
    for t in range(n_t):
        base = short[t]
        for g in range(n_g):
            if heads[t, g] == 0:
                assert loss[t, g] == 0.0
                continue
            fewer = heads[t].copy()
            fewer[g] -= 1
            assert loss[t, g] == pytest.approx(lp_shortfall(fewer, demand[t], holds) - base, abs=1e-7)


def test_only_the_given_intervals_are_computed():
    holds = np.array([[True, False], [True, True]])
    heads = np.array([[1, 0], [0, 0], [2, 1]])
    demand = np.array([[1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    short, gain = shortfall_and_gains(heads, demand, holds, intervals=np.array([0, 2]))
    # interval 0: the a-only head takes queue a; queue b needs a head of the second group
    assert short.tolist() == [1.0, 0.0, 1.0]
    assert gain[0].tolist() == [0.0, 1.0]
    assert gain[2].tolist() == [1.0, 1.0]  # a head of either group lets the a+b head move to b


def test_bad_shapes_are_refused():
    with pytest.raises(InvalidInputError, match="expected heads"):
        shortfall_and_gains(np.zeros((3, 2)), np.zeros((3, 2)), np.ones((3, 2), dtype=bool))
