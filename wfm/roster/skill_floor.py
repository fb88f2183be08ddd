"""Shortfall floors of scarce skills: how short a queue must be, whatever the others get.

A queue's calls go only to agents holding its skill, so however the roster shares them out, a
queue is at least as short as the best roster of *its holders alone* would leave it. Where the
holders are few against the queue's work (the VIP line of the reference centre: 81 seniors,
their net hours about the line's requirement), that floor is far above what the skill-aware
model's LP allows: its allocation rows count a group's heads gross of their breaks (breaks are
counted once, pooled) and sum the queue rows over blocks. The floor is the LP of the holders'
pooled model (tours, starts and breaks as :func:`wfm.roster.aggregate.build_aggregate` writes
them, a relaxation of their rosters) with the queue's cover summed over the skill model's
blocks, minimising the queue's shortfall:

    min sum_b U_b   s.t.  sum_{i in b} (heads on shift - on break)_i + U_b >= sum_{i in b} (req_i - carry_i)

Every roster's holders meet these rows with ``U_b`` its block shortfall, and the skill model's
``uq[b, q]`` is at least that, so ``sum_b uq[b, q] >= ceil(floor)`` holds for every roster the
rules allow: added to the skill-aware model (``build_aggregate(..., floors=...)``) it keeps the
LP a lower bound and lifts it where a skill is scarce (docs/roster.md, "Skills").

Only interval queues whose holders' most paid hours are under :data:`SCARCE_RATIO` times the
queue's requirement are computed (elsewhere the floor is zero or near it and costs a model);
which queues get one never affects the bound's validity.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import scipy.sparse as sp

from .aggregate import build_aggregate, lp_relaxation
from .tours import Catalogue, build_catalogue

SCARCE_RATIO = 1.5  # holders' most paid head-intervals / the queue's required head-intervals


@dataclasses.dataclass(frozen=True)
class QueueFloor:
    """One queue's shortfall floor and how it was found."""

    queue: int
    floor: int  # head-intervals (block sums) every roster leaves the queue short, at least
    holders: int
    ratio: float  # holders' most paid head-intervals over the queue's requirement
    status: str  # the floor LP's status (the floor is its certified bound)
    wall_sec: float


def scarce_queues(cat: Catalogue, ratio: float = SCARCE_RATIO) -> list[tuple[int, np.ndarray, float]]:
    """(queue, holder agent indices, capacity ratio) of the interval queues whose holders are scarce."""
    sk = cat.skills
    if sk is None or not sk.aware:
        return []
    step = cat.grid.interval_minutes
    weeks = len(cat.grid.weeks)
    cap = np.array([a.max_paid_minutes_week for a in cat.agents], dtype=float) * weeks / step
    out = []
    for q in range(len(sk.queues)):
        if sk.deferrable[q]:
            continue
        need = float(sk.required[:, q].sum())
        holders = np.flatnonzero(sk.holds[sk.group_of, q])
        if need <= 0 or len(holders) == len(cat.agents):
            continue
        r = float(cap[holders].sum()) / need
        if r < ratio:
            out.append((q, holders, r))
    return out


def queue_floor(cat: Catalogue, q: int, holders: np.ndarray, *, time_limit: float | None = None) -> tuple[int, str]:
    """The shortfall floor of queue ``q`` given its holders (agent indices): (floor, LP status)."""
    assert cat.skills is not None
    sk = cat.skills
    step = cat.grid.interval_minutes
    k = max(1, int(cat.rules.solver.skill_block_minutes) // step)
    req = sk.required[:, q].astype(np.int64)
    grid = dataclasses.replace(cat.grid, required=req, pooled_queues=(), surplus=None)
    sub = build_catalogue(grid, [cat.agents[int(a)] for a in holders], cat.rules)
    model = build_aggregate(sub)
    n_var, n_int = len(model.cost), grid.n_intervals
    # the cover rows' heads on shift less on break (the under/over/reward columns dropped)
    keep = np.ones(n_var, dtype=bool)
    keep[model.under_var.ravel()] = False
    keep[model.over_var] = False
    for v in model.reward_var.values():
        keep[np.asarray(v, dtype=np.int64)] = False
    cover = model.a_eq[model.cover_rows] @ sp.diags(keep.astype(float))
    others = np.setdiff1d(np.arange(model.a_eq.shape[0]), model.cover_rows)
    need = req - sub.carry.astype(np.int64)
    starts = np.arange(0, n_int, k)
    n_blk = len(starts)
    sum_blocks = sp.csr_matrix(
        (np.ones(n_int), (np.arange(n_int) // k, np.arange(n_int))), shape=(n_blk, n_int)
    )  # (blocks, intervals)
    block_need = np.add.reduceat(need, starts).astype(float)
    block_req = np.add.reduceat(req, starts).astype(float)
    # -(net heads of block b) - U_b <= -(need of block b)
    rows = sp.hstack([-(sum_blocks @ cover), -sp.identity(n_blk)], format="csr")
    a_eq = sp.hstack([model.a_eq[others], sp.csr_matrix((len(others), n_blk))], format="csr")
    a_ub = sp.vstack([sp.hstack([model.a_ub, sp.csr_matrix((model.a_ub.shape[0], n_blk))]), rows], format="csr")
    floor_lp = dataclasses.replace(
        model,
        cost=np.concatenate([np.zeros(n_var), np.ones(n_blk)]),
        lower=np.concatenate([model.lower, np.zeros(n_blk)]),
        upper=np.concatenate([np.where(keep, model.upper, 0.0), np.maximum(block_req, 0.0)]),
        a_eq=a_eq,
        b_eq=np.asarray(model.b_eq)[others],
        a_ub=a_ub,
        b_ub=np.concatenate([model.b_ub, -block_need]),
    )
    lp = lp_relaxation(floor_lp, time_limit=time_limit, crossover=False)
    # the certified bound (valid for any multipliers); the LP value only caps it from above
    value = lp.bound if lp.status != "OPTIMAL" else min(lp.bound, lp.value)
    if not math.isfinite(value):
        return 0, lp.status
    return max(0, math.ceil(value - 1e-6)), lp.status


def floor_rows(floors: tuple[QueueFloor, ...] | list[QueueFloor]) -> dict[int, int]:
    """Queue index -> floor of the floors above zero: what ``build_aggregate(..., floors=...)`` adds as rows."""
    return {f.queue: f.floor for f in floors if f.floor > 0}


def queue_floors(cat: Catalogue, *, ratio: float = SCARCE_RATIO, deadline: float | None = None) -> list[QueueFloor]:
    """The shortfall floors of the scarce queues (:func:`scarce_queues`), each within the deadline.

    ``deadline`` (a ``time.perf_counter()`` instant) stops computing further floors, and caps
    each floor's LP; a floor LP stopped early still gives its certified (weaker) floor.
    """
    out = []
    for q, holders, r in scarce_queues(cat, ratio):
        t0 = time.perf_counter()
        left = None if deadline is None else deadline - t0
        if left is not None and left <= 1.0:
            break
        floor, status = queue_floor(cat, q, holders, time_limit=left)
        out.append(QueueFloor(q, floor, len(holders), r, status, time.perf_counter() - t0))
    return out
