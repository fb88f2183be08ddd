"""Deferrable work as a backlog: the rows shared by the cover model and the roster's aggregate model.

A deferrable queue (targets with ``deadline_sec``, ``D`` intervals) has work ``w[t]`` per
interval (agent-intervals) that joins a backlog and is served where capacity allows:

- balance: ``b[t] - b[t-1] + served[t] = w[t]``, ``b >= 0`` (nothing is served before it
  arrives; ``b[-1] = 0``);
- deadline: ``b[t] - late[t] <= w[t-D+2] + ... + w[t]``: with first-come first-served the
  backlog is the most recent work, so this says the work of interval ``k`` is done by the end
  of interval ``k + D - 1``, within the deadline of the interval's start (``late[t] >= 0`` is
  the work past its deadline at the end of ``t``).

:func:`wfm.cover.allocate` (heads of a roster or a plan) and the skill-aware aggregate tour
model (:mod:`wfm.roster.aggregate`) write these rows through this module, so the two models
read deferrable work the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["deadline_capacity", "balance_row", "deadline_row"]


def deadline_capacity(work: np.ndarray, deadline_steps: int) -> np.ndarray:
    """Per interval ``t``, the work that may still wait at its end: ``w[t-D+2] + ... + w[t]``.

    Keeps ``work``'s dtype (whole agent-intervals stay whole). ``deadline_steps`` must be >= 1
    (1: nothing may wait past the interval it arrives in).
    """
    work = np.asarray(work)
    d = int(deadline_steps)
    csum = np.concatenate([np.zeros(1, dtype=work.dtype), np.cumsum(work)])
    t = np.arange(len(work))
    return csum[t + 1] - csum[np.maximum(t + 2 - d, 0)]


def balance_row(served: Sequence[int], backlog: int, previous: int | None) -> tuple[list[int], list[float]]:
    """Columns and coefficients of ``sum(served) + b[t] - b[t-1]`` (its right-hand side is ``w[t]``)."""
    cols = [int(c) for c in served] + [int(backlog)] + ([int(previous)] if previous is not None else [])
    vals = [1.0] * len(served) + [1.0] + ([-1.0] if previous is not None else [])
    return cols, vals


def deadline_row(backlog: int, late: int) -> tuple[list[int], list[float]]:
    """Columns and coefficients of ``b[t] - late[t]`` (``<=`` :func:`deadline_capacity` at ``t``)."""
    return [int(backlog), int(late)], [1.0, -1.0]
