"""wfm.backlog: the deadline capacity against a direct sum, and the shared rows in both models."""

from __future__ import annotations

import numpy as np
import pytest

from wfm.backlog import balance_row, deadline_capacity, deadline_row
from wfm.cover import allocate


@pytest.mark.parametrize("d", [1, 2, 3, 7])
def test_deadline_capacity_is_the_recent_work(d):
    work = np.array([3, 0, 5, 1, 2, 0, 4], dtype=np.int64)
    got = deadline_capacity(work, d)
    # direct: the work of intervals t-D+2 .. t (none when D = 1)
    want = [sum(int(work[k]) for k in range(max(t - d + 2, 0), t + 1)) for t in range(len(work))]
    assert got.tolist() == want
    assert got.dtype == np.int64


def test_rows_read_as_documented():
    assert balance_row([4, 5], 9, 8) == ([4, 5, 9, 8], [1.0, 1.0, 1.0, -1.0])
    assert balance_row([], 9, None) == ([9], [1.0])
    assert deadline_row(9, 10) == ([9, 10], [1.0, -1.0])


def test_cover_backlog_by_hand():
    # One group of 1 head holding one deferrable queue with a 2-interval deadline: 2 items arrive
    # in interval 0, none after. One is served in 0, one in 1 (within its deadline): nothing late.
    heads = np.ones((3, 1))
    work = np.array([[2.0], [0.0], [0.0]])
    c = allocate(heads, work, np.array([[True]]), deadline_steps=[2])
    assert np.allclose(c.backlog[:, 0], [1.0, 0.0, 0.0])
    assert np.allclose(c.under[:, 0], 0.0)
    # 3 items: the third cannot be done by the end of interval 1, so one is late at the end of 1.
    c = allocate(heads, np.array([[3.0], [0.0], [0.0]]), np.array([[True]]), deadline_steps=[2])
    assert np.allclose(c.under[:, 0], [0.0, 1.0, 0.0])
