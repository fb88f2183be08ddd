"""The skill cover model: which heads on shift answer which queue, interval by interval.

Given the heads on shift per skill group and interval (from a roster, or from any plan) and
each queue's requirement per interval, heads are allocated to queues by one linear program
(a transportation problem per interval, linked over time only by the deferrable queues'
backlogs; scipy's HiGHS):

- ``x[t, g, q] >= 0``: heads of group ``g`` allocated to queue ``q`` in interval ``t``, only
  where ``g`` holds ``q``; ``sum_q x[t, g, q] <= heads[t, g]``;
- an interval queue ``q``: ``sum_g x[t, g, q] + under[t, q] >= required[t, q]``;
- a deferrable queue ``q`` (targets with ``deadline_sec``, ``D`` intervals): its work
  ``w[t, q]`` (agent-intervals, gross of shrinkage) joins a backlog
  ``b[t] = b[t-1] + w[t] - served[t]``, ``b >= 0`` (nothing is served before it arrives), and
  ``b[t] <= w[t-D+2] + ... + w[t] + late[t, q]``: with first-come first-served the backlog
  is the most recent work, so this says the work of interval ``k`` is done by the end of
  interval ``k + D - 1``, within the deadline of the interval's start (``late`` is the work
  past its deadline at the end of ``t``; the rows of :mod:`wfm.backlog`, which the roster's
  aggregate model writes too);
- minimise ``sum under + sum late`` (plus a tiny cost on backlog, so work is done as early
  as capacity allows, and a tinier one on allocation, so no queue gets more than it needs).

The minimum is the least shortfall *any* sharing of those heads can reach: the figure is a
property of the heads, not of a routing rule. Heads left over after the program are shared
among the group's interval queues in proportion to their requirement (the spare time an
agent of several skills spends on each), so every head on shift is allocated somewhere:
``scheduled[t, q]`` sums to the heads on shift.

Row prices: ``price[t, q]`` is the dual of queue ``q``'s covering row in ``t`` (interval
queues) or of its deadline row (deferrable): how much the total shortfall falls per extra
head of that skill there. It is 0 where the queue is covered with room to spare.

The single-skill case (one group holding every queue) reduces to comparing the pooled heads
with the pooled requirement: ``under.sum(axis=1) == max(required.sum(axis=1) - heads, 0)``
when no queue is deferrable.

Examples
--------
>>> import numpy as np
>>> heads = np.array([[3.0, 2.0]])                 # 1 interval, groups: a-only, a+b
>>> holds = np.array([[True, False], [True, True]])
>>> c = allocate(heads, np.array([[3.0, 2.0]]), holds)
>>> c.scheduled.round(6).tolist(), c.under.round(6).tolist()
([[3.0, 2.0]], [[0.0, 0.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .backlog import balance_row, deadline_capacity, deadline_row
from .exceptions import InvalidInputError, WFMError
from .lp_status import solve_lp
from .skills import SkillMatrix

__all__ = [
    "Cover",
    "allocate",
    "heads_by_group",
    "queue_cover",
    "requirement_matrix",
    "deadline_steps_for",
    "split_shortfall",
    "COVER_COLUMNS",
]

#: columns of :func:`queue_cover`'s frame
COVER_COLUMNS: tuple[str, ...] = (
    "queue",
    "interval_start",
    "required",
    "scheduled",
    "under",
    "over",
    "backlog",
    "overdue",
    "price",
)

_BACKLOG_COST = 1e-4  # per agent-interval of backlog: do deferrable work as early as capacity allows
_ALLOCATION_COST = 1e-6  # per head allocated: the program allocates no more than a queue needs


@dataclass(frozen=True)
class Cover:
    """The allocation of heads to queues (arrays over intervals ``T``, groups ``G``, queues ``Q``).

    Attributes
    ----------
    allocated
        ``(T, G, Q)`` heads of each group allocated to each queue (the program's allocation
        plus the spare heads' share); sums over queues to the heads on shift.
    served
        ``(T, Q)`` heads the program puts on each queue's requirement (``<= scheduled``).
    scheduled
        ``(T, Q)`` heads allocated to each queue (``allocated.sum(axis=1)``).
    required
        ``(T, Q)`` the requirement (for a deferrable queue: its work arriving per interval).
    under
        ``(T, Q)`` shortfall: interval queues, heads short; deferrable queues, work past its
        deadline at the end of the interval (agent-intervals).
    backlog
        ``(T, Q)`` deferrable queues: work waiting at the end of the interval (0 elsewhere).
    price
        ``(T, Q)`` dual of each covering / deadline row (see the module doc).
    status
        ``"OPTIMAL"``; anything else raises.
    budget_price
        ``(G,)`` with a budget: the dual of each group's budget row (shortfall removed per
        extra head-interval of that group); None without.
    capacity_price
        ``(T, G)`` dual of each group's capacity row ``sum_q x[t, g, q] <= heads[t, g]``: how
        much the total shortfall falls per extra head of that group in that interval (0 where
        the group has heads to spare). By dual feasibility it is at least ``price[t, q]`` for
        every queue ``q`` the group holds, so ``max(price[t, q] - capacity_price[t, g], 0)`` is
        the first-order gain of one head of ``g`` that also held ``q`` (what
        :func:`wfm.skill_check.roster_gaps` ranks cross-training by).
    """

    allocated: np.ndarray
    served: np.ndarray
    scheduled: np.ndarray
    required: np.ndarray
    under: np.ndarray
    backlog: np.ndarray
    price: np.ndarray
    status: str
    budget_price: np.ndarray | None = None
    capacity_price: np.ndarray | None = None

    @property
    def shortfall(self) -> float:
        """Total shortfall (head-intervals plus late agent-intervals)."""
        return float(self.under.sum())


def _as_array(value: object, name: str, ndim: int) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim != ndim:
        raise InvalidInputError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise InvalidInputError(f"{name} must be finite and >= 0, got {arr[~np.isfinite(arr) | (arr < 0)][0]!r}")
    return arr


def allocate(
    heads: np.ndarray,
    required: np.ndarray,
    holds: np.ndarray,
    *,
    deadline_steps: Sequence[int | None] | np.ndarray | None = None,
    budget: np.ndarray | None = None,
) -> Cover:
    """Allocate heads on shift to queues (see the module doc for the program).

    Parameters
    ----------
    heads
        ``(T, G)`` heads on shift per interval and skill group (may be fractional).
    required
        ``(T, Q)`` requirement per interval and queue, gross (heads on shift); for a deferrable
        queue its work per interval in agent-intervals.
    holds
        ``(G, Q)`` whether a group holds a queue's skill.
    deadline_steps
        Per queue: ``None`` (interval queue) or the deadline in intervals (>= 1).
    budget
        Optional ``(G,)`` head-intervals each group can work over the whole horizon
        (``sum_{t,q} x[t, g, q] <= budget[g]``): with ``heads`` = the group's size in every
        interval this is the capacity relaxation of :func:`skill_capacity`. Without a budget
        no spare heads are shared out when one is given (``scheduled`` = ``served``).

    Raises
    ------
    InvalidInputError
        Shapes that do not agree, negative or non-finite figures, a bad deadline.
    WFMError
        The solver failed (never expected: the program is always feasible and bounded).
    """
    heads = _as_array(heads, "heads", 2)
    required = _as_array(required, "required", 2)
    holds = np.asarray(holds, dtype=bool)
    n_t, n_g = heads.shape
    n_q = required.shape[1]
    if required.shape[0] != n_t or holds.shape != (n_g, n_q):
        raise InvalidInputError(
            f"heads (T, G), required (T, Q) and holds (G, Q) must agree, got {heads.shape}, {required.shape}, {holds.shape}"
        )
    steps: list[int | None] = (
        [None] * n_q
        if deadline_steps is None
        else [None if (d is None or (isinstance(d, float) and np.isnan(d))) else int(d) for d in deadline_steps]
    )
    if len(steps) != n_q:
        raise InvalidInputError(f"deadline_steps must give one value per queue ({n_q}), got {len(steps)}")
    for j, d in enumerate(steps):
        if d is not None and d < 1:
            raise InvalidInputError(f"deadline_steps for queue {j} must be >= 1 interval, got {d}")
    deferrable = np.array([d is not None for d in steps], dtype=bool)

    # Variables: x over (t, g, q) with holds[g, q] and heads[t, g] > 0; under per (t, q) of
    # interval queues with a requirement; for deferrable queues backlog and late per (t, q).
    tt, gg, qq = np.nonzero((heads[:, :, None] > 0) & holds[None, :, :])
    n_x = len(tt)
    ui_t, ui_q = np.nonzero((required > 0) & ~deferrable[None, :])
    n_u = len(ui_t)
    def_q = np.flatnonzero(deferrable)
    n_b = n_t * len(def_q)
    u0, b0 = n_x, n_x + n_u
    l0 = b0 + n_b
    n_var = l0 + n_b
    cost = np.zeros(n_var)
    cost[:n_x] = _ALLOCATION_COST
    cost[u0:b0] = 1.0
    cost[b0:l0] = _BACKLOG_COST
    cost[l0:] = 1.0

    rows_ub: list[np.ndarray] = []
    cols_ub: list[np.ndarray] = []
    vals_ub: list[np.ndarray] = []
    rhs_ub: list[np.ndarray] = []
    n_ub = 0
    # capacity: sum_q x[t, g, q] <= heads[t, g]
    cap_row = tt * n_g + gg
    rows_ub.append(cap_row)
    cols_ub.append(np.arange(n_x))
    vals_ub.append(np.ones(n_x))
    rhs_ub.append(heads.reshape(-1))
    n_ub += n_t * n_g
    # interval cover: -sum_g x[t, g, q] - under[t, q] <= -required[t, q]
    cover_row = np.full((n_t, n_q), -1, dtype=np.int64)
    cover_row[ui_t, ui_q] = n_ub + np.arange(n_u)
    mine = cover_row[tt, qq]
    keep = mine >= 0
    rows_ub += [mine[keep], cover_row[ui_t, ui_q]]
    cols_ub += [np.flatnonzero(keep), u0 + np.arange(n_u)]
    vals_ub += [-np.ones(int(keep.sum())), -np.ones(n_u)]
    rhs_ub.append(-required[ui_t, ui_q])
    n_ub += n_u
    # deferrable: backlog balance (equalities) and deadline rows
    rows_eq: list[np.ndarray] = []
    cols_eq: list[np.ndarray] = []
    vals_eq: list[np.ndarray] = []
    rhs_eq: list[np.ndarray] = []
    deadline_row_of = np.full((n_t, n_q), -1, dtype=np.int64)
    for k, q in enumerate(def_q):
        b_idx = b0 + k * n_t + np.arange(n_t)
        l_idx = l0 + k * n_t + np.arange(n_t)
        base = k * n_t
        step_q = steps[q]
        assert step_q is not None  # only deferrable queues reach here
        # wfm.backlog's rows: balance b[t] - b[t-1] + sum_g x[t, g, q] = w[t] and deadline
        # b[t] - late[t] <= w[t-D+2] + ... + w[t] (the work of interval k done by the end of k + D - 1)
        sel = np.flatnonzero(qq == q)
        served_at = np.split(sel, np.searchsorted(tt[sel], np.arange(1, n_t)))
        for t in range(n_t):
            cols, vals = balance_row(served_at[t].tolist(), int(b_idx[t]), int(b_idx[t - 1]) if t else None)
            rows_eq.append(np.full(len(cols), base + t))
            cols_eq.append(np.array(cols, dtype=np.int64))
            vals_eq.append(np.array(vals))
            cols, vals = deadline_row(int(b_idx[t]), int(l_idx[t]))
            rows_ub.append(np.full(len(cols), n_ub + t))
            cols_ub.append(np.array(cols, dtype=np.int64))
            vals_ub.append(np.array(vals))
        rhs_eq.append(required[:, q])
        deadline_row_of[:, q] = n_ub + np.arange(n_t)
        rhs_ub.append(deadline_capacity(required[:, q], int(step_q)))
        n_ub += n_t
    budget_row0 = n_ub
    if budget is not None:
        budget = _as_array(budget, "budget", 1)
        if budget.shape != (n_g,):
            raise InvalidInputError(f"budget must give one value per group ({n_g}), got shape {budget.shape}")
        rows_ub.append(n_ub + gg)
        cols_ub.append(np.arange(n_x))
        vals_ub.append(np.ones(n_x))
        rhs_ub.append(budget)
        n_ub += n_g
    a_ub = sp.csr_matrix(
        (np.concatenate(vals_ub), (np.concatenate(rows_ub), np.concatenate(cols_ub))), shape=(n_ub, n_var)
    )
    b_ub = np.concatenate(rhs_ub)
    kwargs = {}
    if len(def_q):
        kwargs = {
            "A_eq": sp.csr_matrix(
                (np.concatenate(vals_eq), (np.concatenate(rows_eq), np.concatenate(cols_eq))),
                shape=(n_t * len(def_q), n_var),
            ),
            "b_eq": np.concatenate(rhs_eq),
        }
    # every HiGHS status handled (wfm.lp_status): re-solved with other settings before giving up
    res = solve_lp(
        cost, a_ub=a_ub, b_ub=b_ub, a_eq=kwargs.get("A_eq"), b_eq=kwargs.get("b_eq"), bounds=(0, None), method="highs"
    )
    if res.status != "OPTIMAL" or res.x is None or res.ub_marginals is None:
        raise WFMError(
            f"skill cover program ended with status {res.status} ({res.note or res.message}); expected optimal"
        )
    x = res.x
    alloc = np.zeros((n_t, n_g, n_q))
    alloc[tt, gg, qq] = x[:n_x]
    served = alloc.sum(axis=1)
    under = np.zeros((n_t, n_q))
    under[ui_t, ui_q] = x[u0:b0]
    backlog = np.zeros((n_t, n_q))
    for k, q in enumerate(def_q):
        backlog[:, q] = x[b0 + k * n_t : b0 + (k + 1) * n_t]
        under[:, q] = x[l0 + k * n_t : l0 + (k + 1) * n_t]
    duals = -np.asarray(res.ub_marginals)
    capacity_price = np.maximum(duals[: n_t * n_g].reshape(n_t, n_g), 0.0)
    price = np.zeros((n_t, n_q))
    has = cover_row >= 0
    price[has] = duals[cover_row[has]]
    has = deadline_row_of >= 0
    price[has] = duals[deadline_row_of[has]]

    if budget is not None:
        return Cover(
            alloc,
            served,
            served.copy(),
            required,
            under,
            backlog,
            price,
            "OPTIMAL",
            budget_price=duals[budget_row0 : budget_row0 + n_g],
            capacity_price=capacity_price,
        )
    # Spare heads: shared among the group's interval queues in proportion to their requirement
    # (equally where none requires anything); a group holding only deferrable queues keeps its
    # spare on them (idle time on that work).
    spare = np.maximum(heads - alloc.sum(axis=2), 0.0)
    interval_holds = holds & ~deferrable[None, :]
    weight = np.where(interval_holds[None, :, :], required[:, None, :], 0.0)
    fallback = np.where(interval_holds.any(axis=1, keepdims=True), interval_holds, holds).astype(float)
    total = weight.sum(axis=2, keepdims=True)
    share = np.where(
        total > 0,
        weight / np.where(total > 0, total, 1.0),
        fallback[None, :, :] / np.maximum(fallback.sum(axis=1), 1.0)[None, :, None],
    )
    alloc = alloc + spare[:, :, None] * share
    under[np.abs(under) < 1e-9] = 0.0
    return Cover(
        alloc, served, alloc.sum(axis=1), required, under, backlog, price, "OPTIMAL", capacity_price=capacity_price
    )


# ------------------------------------------------------------------------ frames


def heads_by_group(
    roster: pd.DataFrame,
    skills: SkillMatrix,
    interval_starts: pd.DatetimeIndex,
    *,
    breaks: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
) -> np.ndarray:
    """Heads on shift and not on break per interval and skill group, ``(T, G)``.

    An agent counts in an interval when on shift for all of it (shift and break times are on
    the interval grid in every roster the engine writes) and not on break in it. With the
    agents frame, a previous-week shift running into the horizon (``prev_shift_end`` after
    the first interval's start) counts until it ends, as in the roster's coverage.
    """
    starts = pd.DatetimeIndex(interval_starts)
    n_t, n_g = len(starts), len(skills.groups)
    out = np.zeros((n_t, n_g))
    if n_t == 0:
        return out
    step = starts[1] - starts[0] if n_t > 1 else pd.Timedelta(minutes=15)
    grid0 = starts[0]
    pos = {a: i for i, a in enumerate(skills.agent_ids)}

    def add(ids: pd.Series, begin: pd.Series, end: pd.Series, sign: float) -> None:
        if not len(ids):
            return
        idx = ids.astype(str).map(pos)
        if idx.isna().any():
            raise InvalidInputError(f"roster agent must be in the agents frame, got {ids[idx.isna()].iloc[0]!r}")
        g = skills.group_of[idx.to_numpy(dtype=np.int64)]
        a = np.ceil((pd.to_datetime(begin) - grid0) / step).to_numpy(dtype=float)
        b = np.floor((pd.to_datetime(end) - grid0) / step).to_numpy(dtype=float)
        a = np.clip(a, 0, n_t).astype(np.int64)
        b = np.clip(b, 0, n_t).astype(np.int64)
        diff = np.zeros((n_t + 1, n_g))
        ok = b > a
        np.add.at(diff, (a[ok], g[ok]), sign)
        np.add.at(diff, (b[ok], g[ok]), -sign)
        out[:] += np.cumsum(diff, axis=0)[:n_t]

    if roster is not None and len(roster):
        add(roster["agent_id"], roster["shift_start"], roster["shift_end"], 1.0)
    if breaks is not None and len(breaks):
        add(breaks["agent_id"], breaks["break_start"], breaks["break_end"], -1.0)
    if agents is not None and "prev_shift_end" in agents.columns:
        prev = pd.to_datetime(agents["prev_shift_end"], errors="coerce")
        live = prev > grid0
        if live.any():
            add(agents.loc[live, "agent_id"], pd.Series(grid0, index=prev[live].index), prev[live], 1.0)
    return np.maximum(out, 0.0)


def deadline_steps_for(queues: Sequence[str], targets: object, step_sec: float) -> list[int | None]:
    out: list[int | None] = []
    for q in queues:
        t = targets.for_queue(q) if targets is not None and hasattr(targets, "for_queue") else targets
        d = getattr(t, "deadline_sec", None) if t is not None else None
        out.append(None if d is None else max(1, int(np.floor(d / step_sec + 1e-9))))
    return out


def requirement_matrix(
    requirements: pd.DataFrame, queues: Sequence[str], targets: object = None
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The requirements frame as a ``(T, Q)`` array of gross heads, on its interval grid.

    Interval queues use ``agents_scheduled``; a deferrable queue (a ``deadline_sec`` in its
    targets) uses its workload gross of shrinkage, unrounded:
    ``agents_scheduled * erlangs / agents`` where ``agents > 0``.
    """
    req = requirements.copy()
    req["interval_start"] = pd.to_datetime(req["interval_start"])
    starts = pd.DatetimeIndex(sorted(req["interval_start"].unique()))
    value = req["agents_scheduled"].to_numpy(dtype=float)
    steps = deadline_steps_for(queues, targets, 1.0)
    deferrable = {q for q, d in zip(queues, steps) if d is not None}
    if deferrable:
        rows = req["queue"].astype(str).isin(deferrable).to_numpy()
        n = req["agents"].to_numpy(dtype=float)
        e = req["erlangs"].to_numpy(dtype=float)
        work = np.divide(value * e, n, out=np.zeros(len(req)), where=n > 0)
        value = np.where(rows, work, value)
    table = (
        pd.DataFrame({"queue": req["queue"].astype(str), "interval_start": req["interval_start"], "v": value})
        .pivot_table(index="interval_start", columns="queue", values="v", aggfunc="sum")
        .reindex(index=starts, columns=list(queues))
        .fillna(0.0)
    )
    return starts, table.to_numpy(dtype=float)


def queue_cover(
    requirements: pd.DataFrame,
    roster: pd.DataFrame,
    skills: SkillMatrix,
    targets: object = None,
    *,
    breaks: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Cover]:
    """Per-queue coverage of a roster: heads allocated to each queue by :func:`allocate`.

    Returns
    -------
    (pandas.DataFrame, Cover)
        ``queue, interval_start, required, scheduled, under, over, backlog, overdue, price``, one
        row per queue and interval (``required`` and ``scheduled`` in heads on shift, gross of
        shrinkage; ``under`` heads short and ``over = max(scheduled - required, 0)`` for
        interval queues, 0 on deferrable ones; ``backlog`` and ``overdue``, work waiting and work
        past its deadline at the end of the interval, for deferrable queues, 0 on interval
        ones: see :func:`split_shortfall`), and the arrays behind it.
    """
    queues = list(skills.queues)
    starts, req = requirement_matrix(requirements, queues, targets)
    step_sec = (starts[1] - starts[0]).total_seconds() if len(starts) > 1 else 900.0
    heads = heads_by_group(roster, skills, starts, breaks=breaks, agents=agents)
    cover = allocate(heads, req, skills.group_holds(), deadline_steps=deadline_steps_for(queues, targets, step_sec))
    n_t, n_q = req.shape
    deferrable = np.array([d is not None for d in deadline_steps_for(queues, targets, 1.0)], dtype=bool)
    under, overdue = split_shortfall(cover.under, deferrable)
    frame = pd.DataFrame(
        {
            "queue": np.repeat(np.asarray(queues, dtype=object), n_t),
            "interval_start": np.tile(starts.to_numpy(), n_q),
            "required": req.T.reshape(-1),
            "scheduled": cover.scheduled.T.reshape(-1),
            "under": under.T.reshape(-1),
            "over": np.where(deferrable[None, :], 0.0, np.maximum(cover.scheduled - req, 0.0)).T.reshape(-1),
            "backlog": cover.backlog.T.reshape(-1),
            "overdue": overdue.T.reshape(-1),
            "price": cover.price.T.reshape(-1),
        }
    )
    return frame, cover


def split_shortfall(under: np.ndarray, deferrable: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:attr:`Cover.under` ``(T, Q)`` as the frames' two columns: ``(under, overdue)``.

    ``under`` is heads short of the requirement in the interval (interval queues; 0 on a
    deferrable queue, whose work may be done later); ``overdue`` is a deferrable queue's work
    past its deadline at the end of the interval (agent-intervals; 0 on interval queues). Work
    that stays late counts in every interval it is late, so ``overdue`` summed over a horizon is
    a lateness stock (agent-intervals x intervals late), not an amount of work, and is never
    added to ``under``.
    """
    late = np.asarray(deferrable, dtype=bool)[None, :]
    return np.where(late, 0.0, under), np.where(late, under, 0.0)
