"""Tests of the skill cover model (wfm.cover).

Independent checks: the least shortfall of an interval equals the requirement minus a maximum
flow (scipy's csgraph max-flow, a different algorithm on integer capacities); one group holding
every queue gives the pooled shortfall; deferrable backlogs checked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from wfm.cover import allocate, heads_by_group, queue_cover
from wfm.exceptions import InvalidInputError
from wfm.skills import parse_skills
from wfm.staffing import Targets, TargetSet


def _max_flow(heads: np.ndarray, req: np.ndarray, holds: np.ndarray) -> int:
    """Source -> group (heads) -> queue (if held, unbounded) -> sink (requirement)."""
    n_g, n_q = holds.shape
    src, sink = 0, 1 + n_g + n_q
    rows, cols, caps = [], [], []
    for g in range(n_g):
        rows.append(src), cols.append(1 + g), caps.append(int(heads[g]))
        for q in range(n_q):
            if holds[g, q]:
                rows.append(1 + g), cols.append(1 + n_g + q), caps.append(10**6)
    for q in range(n_q):
        rows.append(1 + n_g + q), cols.append(sink), caps.append(int(req[q]))
    graph = sp.csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, src, sink).flow_value)


@pytest.mark.parametrize("seed", range(6))
def test_least_shortfall_equals_requirement_minus_max_flow(seed):
    rng = np.random.default_rng(seed)
    n_t, n_g, n_q = 12, 5, 4
    holds = rng.random((n_g, n_q)) < 0.45
    holds[np.arange(n_g), rng.integers(0, n_q, n_g)] = True
    heads = rng.integers(0, 12, (n_t, n_g)).astype(float)
    req = rng.integers(0, 15, (n_t, n_q)).astype(float)
    c = allocate(heads, req, holds)
    for t in range(n_t):
        assert c.under[t].sum() == pytest.approx(req[t].sum() - _max_flow(heads[t], req[t], holds), abs=1e-6)
    # every head allocated, only to held queues, and the served part never exceeds the requirement
    np.testing.assert_allclose(c.allocated.sum(axis=2), heads, atol=1e-7)
    assert np.all(c.allocated[:, ~holds] == 0)
    np.testing.assert_allclose(c.scheduled.sum(axis=1), heads.sum(axis=1), atol=1e-7)
    assert np.all(c.served <= req + 1e-7)
    np.testing.assert_allclose(c.served + c.under, req, atol=1e-7)


def test_one_group_holding_every_queue_is_the_pooled_model():
    rng = np.random.default_rng(3)
    heads = rng.integers(0, 40, (20, 1)).astype(float)
    req = rng.integers(0, 12, (20, 3)).astype(float)
    c = allocate(heads, req, np.ones((1, 3), dtype=bool))
    np.testing.assert_allclose(c.under.sum(axis=1), np.maximum(req.sum(axis=1) - heads[:, 0], 0), atol=1e-7)


def test_prices_mark_the_skill_that_binds():
    # group 0 holds a only, group 1 holds a and b; b is short: its price is 1, a's is 0
    holds = np.array([[True, False], [True, True]])
    c = allocate(np.array([[10.0, 3.0]]), np.array([[5.0, 6.0]]), holds)
    assert c.under.tolist() == [[0.0, 3.0]]
    assert c.price[0].tolist() == pytest.approx([0.0, 1.0], abs=1e-5)
    # the generalists all go to b, the specialists' spare stays on a
    assert c.allocated[0, 1].tolist() == pytest.approx([0.0, 3.0])
    assert c.scheduled[0].tolist() == pytest.approx([10.0, 3.0])


def test_deferrable_work_is_done_within_its_deadline_where_capacity_allows():
    holds = np.array([[True, True]])  # one group, interval queue 0 and deferrable queue 1
    heads = np.full((6, 1), 3.0)
    req = np.array([[3, 4], [3, 0], [1, 0], [1, 0], [3, 0], [3, 0]], dtype=float)
    # deadline 4 intervals: the 4 units arriving in interval 0 must be done by the end of interval 3;
    # the interval queue leaves room 0, 0, 2, 2: all 4 done in intervals 2 and 3, none late
    c = allocate(heads, req, holds, deadline_steps=[None, 4])
    assert c.under.sum() == pytest.approx(0.0, abs=1e-7)
    assert c.served[:, 1].tolist() == pytest.approx([0, 0, 2, 2, 0, 0])
    assert c.backlog[:, 1].tolist() == pytest.approx([4, 4, 2, 0, 0, 0])
    # deadline 3: done by the end of interval 2, which has room for only 2: 2 units short in all
    # (late callbacks at the end of interval 2, or inbound heads taken in intervals 0-1: a tie)
    c = allocate(heads, req, holds, deadline_steps=[None, 3])
    assert c.under.sum() == pytest.approx(2.0)
    # nothing is served before it arrives
    late = np.array([[0, 0], [0, 0], [0, 5]], dtype=float)
    c = allocate(np.full((3, 1), 9.0), late, holds, deadline_steps=[None, 2])
    assert c.served[:2, 1].tolist() == pytest.approx([0, 0])


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.ones((2, 1)), np.ones((3, 1)), np.ones((1, 1), bool)), "must agree"),
        ((-np.ones((2, 1)), np.ones((2, 1)), np.ones((1, 1), bool)), "heads must be finite and >= 0"),
        ((np.ones(2), np.ones((2, 1)), np.ones((1, 1), bool)), "heads must be a 2-d array"),
    ],
)
def test_bad_input(args, match):
    with pytest.raises(InvalidInputError, match=match):
        allocate(*args)
    with pytest.raises(InvalidInputError, match="deadline_steps for queue 0 must be >= 1"):
        allocate(np.ones((2, 1)), np.ones((2, 1)), np.ones((1, 1), bool), deadline_steps=[0])


def test_queue_cover_reads_a_roster_with_breaks_and_carry_in():
    agents = pd.DataFrame(
        {"agent_id": ["a1", "a2", "b1"], "skills": ["x", "x", "x;y"], "prev_shift_end": ["", "2026-03-02T08:30:00", ""]}
    )
    skills = parse_skills(agents, ["x", "y"])
    roster = pd.DataFrame(
        {
            "agent_id": ["a1", "b1"],
            "shift_start": pd.to_datetime(["2026-03-02 08:00", "2026-03-02 08:30"]),
            "shift_end": pd.to_datetime(["2026-03-02 10:00", "2026-03-02 10:00"]),
        }
    )
    breaks = pd.DataFrame(
        {
            "agent_id": ["b1"],
            "break_start": pd.to_datetime(["2026-03-02 09:00"]),
            "break_end": pd.to_datetime(["2026-03-02 09:30"]),
        }
    )
    starts = pd.date_range("2026-03-02 08:00", periods=4, freq="30min")
    heads = heads_by_group(roster, skills, starts, breaks=breaks, agents=agents)
    # group 0 = x (a1, a2 carried in until 08:30), group 1 = x+y (b1, on break 09:00-09:30)
    assert heads.tolist() == [[2, 0], [1, 1], [1, 0], [1, 1]]
    req = pd.DataFrame(
        {
            "queue": ["x"] * 4 + ["y"] * 4,
            "interval_start": list(starts) * 2,
            "agents_scheduled": [1, 1, 1, 1, 0, 1, 1, 1],
            "agents": 1,
            "erlangs": 1.0,
        }
    )
    frame, cover = queue_cover(req, roster, skills, TargetSet(Targets()), breaks=breaks, agents=agents)
    y = frame[frame["queue"] == "y"]
    assert y["scheduled"].tolist() == pytest.approx([0, 1, 0, 1])
    assert y["under"].tolist() == pytest.approx([0, 0, 1, 0])
    assert list(frame.columns) == [
        "queue",
        "interval_start",
        "required",
        "scheduled",
        "under",
        "over",
        "backlog",
        "overdue",
        "price",
    ]


def test_queue_cover_keeps_a_deferrable_queue_s_lateness_out_of_under():
    # x: an interval queue, one dedicated agent 08:00-10:00, 2 heads required at 08:30;
    # c: callbacks (deadline 1 h = 2 intervals of 30 min: the work of interval k is done by the end
    # of k + 1), 2 agent-intervals of work arriving at 08:00, one dedicated agent from 09:30 only.
    agents = pd.DataFrame({"agent_id": ["x1", "c1"], "skills": ["x", "c"]})
    skills = parse_skills(agents, ["x", "c"])
    roster = pd.DataFrame(
        {
            "agent_id": ["x1", "c1"],
            "shift_start": pd.to_datetime(["2026-03-02 08:00", "2026-03-02 09:30"]),
            "shift_end": pd.to_datetime(["2026-03-02 10:00", "2026-03-02 10:00"]),
        }
    )
    starts = pd.date_range("2026-03-02 08:00", periods=4, freq="30min")
    req = pd.DataFrame(
        {
            "queue": ["x"] * 4 + ["c"] * 4,
            "interval_start": list(starts) * 2,
            "agents_scheduled": [1, 2, 1, 1, 2, 0, 0, 0],
            "agents": [1, 2, 1, 1, 1, 0, 0, 0],
            "erlangs": [1.0, 2.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        }
    )
    targets = TargetSet(Targets(), {"c": Targets(service_level=None, answer_sec=None, deadline_sec=3600)})
    frame, cover = queue_cover(req, roster, skills, targets)
    x = frame[frame["queue"] == "x"]
    c = frame[frame["queue"] == "c"]
    # by hand: x is 1 head short at 08:30 and never late
    assert x["under"].tolist() == pytest.approx([0, 1, 0, 0])
    assert x["overdue"].tolist() == pytest.approx([0, 0, 0, 0])
    # c: the 2 units wait (backlog 2, 2, 2, then 1 after c1's interval); due by 09:00, so 2 are
    # overdue at the ends of 08:30 and 09:00 and 1 at 09:30's end: 5 agent-intervals of lateness
    # in all (counted once per interval it stays late), never heads short
    assert c["backlog"].tolist() == pytest.approx([2, 2, 2, 1], abs=1e-6)
    assert c["overdue"].tolist() == pytest.approx([0, 2, 2, 1], abs=1e-6)
    assert c["under"].tolist() == pytest.approx([0, 0, 0, 0])
    assert c["over"].tolist() == pytest.approx([0, 0, 0, 0])
    # the arrays keep both in Cover.under (the program's objective), the frame splits them
    assert cover.under.sum() == pytest.approx(x["under"].sum() + c["overdue"].sum(), abs=1e-6)
