"""The skill term of a one-agent-week move's price, exact interval by interval.

A skill-aware roster's objective adds, per interval, the first under-staffing weight times the
*skill excess* ``max(S(t) - P(t), 0)``: ``S`` the heads short on the queues under the best
sharing of the heads on shift among their skills, ``P`` the pooled shortfall (docs/roster.md,
"Skills"; :mod:`wfm.roster.skill_cover` prices the finished roster the same way). A move re-plans
one agent's week with the rest fixed, so it adds at most one head of the agent's skill group
``g`` to any interval. Its change of the skill term is therefore the sum, over the intervals the
new week covers, of ``excess(t) - excess(t with one more head of g)``: a per-interval marginal
like the pooled ones of :class:`wfm.roster.state.MoveContext`, and as exact.

``S(t)`` is the total demand less the maximum flow of the bipartite graph groups -> queues
(supply: a group's heads on shift; demand: the queue's whole-head requirement; an edge where
the group holds the queue). One more head of ``g`` lowers ``S`` by what one more unit of
``g``'s supply can push: ``min(1, residual flow from g to the sink)``, found by augmenting
paths in the residual graph of the maximum flow. Both are computed per interval by a small
compiled kernel, only for intervals whose heads changed since they were last computed.

Deferrable queues (a backlog with a deadline, linked over time) take, as their demand in an
interval, the work the skill cover model serves there on the roster as it stood when
:meth:`SkillState.refresh` last ran (:func:`wfm.cover.allocate`; before that, the work as it
arrives): the moves keep the deferrable work's service where it was. That part of the price is
a proxy, so :func:`exact_excess` prices a whole roster exactly and the repair keeps a pass only
when the exact objective fell.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from ..cover import allocate
from ..exceptions import InvalidInputError

if TYPE_CHECKING:
    from .tours import Catalogue

__all__ = ["SkillState", "exact_excess", "shortfall_and_gains", "shortfall_and_losses"]

_EPS = 1e-9


def _augment_py(only, budget, sup, flow, dem, holds, parent, queue):  # pragma: no cover - compiled by numba
    """Push flow along augmenting paths (breadth first) until none is left or ``budget`` is spent:
    from the groups with supply ``sup`` left (``only`` < 0), or from group ``only`` alone (its
    supply not read), through group -> queue edges where ``holds`` and queue -> group edges back
    along ``flow``, to queues with demand ``dem`` left. Updates ``flow``, ``dem`` (and ``sup``);
    returns what was pushed. ``parent`` and ``queue`` are scratch arrays of G + Q entries."""
    n_g, n_q = holds.shape
    pushed = 0.0
    while pushed < budget - _EPS:
        parent[:] = -2
        head, tail = 0, 0
        for g in range(n_g):
            if (only < 0 and sup[g] > _EPS) or g == only:
                parent[g] = -1
                queue[tail] = g
                tail += 1
        end = -1
        while head < tail and end < 0:
            u = queue[head]
            head += 1
            if u < n_g:
                for q in range(n_q):
                    v = n_g + q
                    if holds[u, q] and parent[v] == -2:
                        parent[v] = u
                        if dem[q] > _EPS:
                            end = v
                            break
                        queue[tail] = v
                        tail += 1
            else:
                q = u - n_g
                for g in range(n_g):
                    if flow[g, q] > _EPS and parent[g] == -2:
                        parent[g] = u
                        queue[tail] = g
                        tail += 1
        if end < 0:
            break
        # bottleneck: the demand left, the flows walked back, the first group's supply or the budget
        f = min(dem[end - n_g], budget - pushed)
        v = end
        while parent[v] != -1:
            u = parent[v]
            if u >= n_g:  # u is a queue, v a group: the flow v -> u is walked back
                f = min(f, flow[v, u - n_g])
            v = u
        if only < 0:
            f = min(f, sup[v])
            sup[v] -= f
        dem[end - n_g] -= f
        pushed += f
        v = end
        while parent[v] != -1:
            u = parent[v]
            if u < n_g:
                flow[u, v - n_g] += f
            else:
                flow[v, u - n_g] -= f
            v = u
    return pushed


def _max_flow_py(sup, dem, holds, flow, parent, queue):  # pragma: no cover - compiled by numba
    """A maximum flow of supplies ``sup`` to demands ``dem`` (both updated to what is left; ``flow``
    zeroed and filled): a greedy start, groups in their order (fewest skills first), then
    augmenting paths."""
    n_g, n_q = holds.shape
    flow[:, :] = 0.0
    for g in range(n_g):
        for q in range(n_q):
            if holds[g, q] and sup[g] > _EPS and dem[q] > _EPS:
                f = min(sup[g], dem[q])
                flow[g, q] += f
                sup[g] -= f
                dem[q] -= f
    _augment(-1, np.inf, sup, flow, dem, holds, parent, queue)


def _marginals_py(heads, demand, holds, idx, short, out, fewer):  # pragma: no cover - compiled by numba
    """For each interval ``t`` in ``idx``: ``short[t]`` = demand left after a maximum flow, and
    ``out[t, g]`` = how much one more head of group ``g`` would lower it (``fewer`` False) or one
    head fewer would raise it (``fewer`` True; 0 where the group has no head); 0..1."""
    n_g, n_q = holds.shape
    parent = np.empty(n_g + n_q, dtype=np.int64)
    queue = np.empty(n_g + n_q, dtype=np.int64)
    flow = np.zeros((n_g, n_q))
    other = np.zeros((n_g, n_q))
    for k in range(idx.size):
        t = idx[k]
        sup = heads[t].astype(np.float64)
        dem = demand[t].astype(np.float64)
        _max_flow(sup, dem, holds, flow, parent, queue)
        left = dem.sum()
        short[t] = left
        for g in range(n_g):
            if not fewer:
                out[t, g] = (
                    0.0 if left <= _EPS else _augment(g, 1.0, sup, flow.copy(), dem.copy(), holds, parent, queue)
                )
            elif heads[t, g] < 1 or sup[g] >= 1.0 - _EPS:
                out[t, g] = 0.0  # no head to lose, or a spare one: the same flow still works
            else:
                sup2 = heads[t].astype(np.float64)
                sup2[g] -= 1.0
                dem2 = demand[t].astype(np.float64)
                _max_flow(sup2, dem2, holds, other, parent, queue)
                out[t, g] = max(dem2.sum() - left, 0.0)


_kernel = None


def _compiled():
    """The kernel compiled by numba (cached on disk) on first use."""
    global _augment, _max_flow, _kernel
    if _kernel is None:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a dependency
            _kernel = _marginals_py
        else:
            jit = numba.njit(cache=True, nogil=True)
            _augment = jit(_augment_py)
            _max_flow = jit(_max_flow_py)
            _kernel = jit(_marginals_py)
    return _kernel


# Bound at first compile (the interpreted kernel uses the Python helpers).
_augment = _augment_py
_max_flow = _max_flow_py


def _checked(heads: np.ndarray, demand: np.ndarray, holds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    heads = np.ascontiguousarray(heads, dtype=np.int64)
    demand = np.ascontiguousarray(demand, dtype=np.float64)
    holds = np.ascontiguousarray(holds, dtype=np.bool_)
    if (
        heads.ndim != 2
        or demand.ndim != 2
        or heads.shape[0] != demand.shape[0]
        or holds.shape != (heads.shape[1], demand.shape[1])
    ):
        raise InvalidInputError(
            f"expected heads (T, G), demand (T, Q), holds (G, Q); got {heads.shape}, {demand.shape}, {holds.shape}"
        )
    return heads, demand, holds


def shortfall_and_gains(
    heads: np.ndarray, demand: np.ndarray, holds: np.ndarray, intervals: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(short (T,), gain (T, G))``: per interval, the demand no sharing of the heads can meet
    (``demand (T, Q)`` less the maximum flow from ``heads (T, G)`` over the edges ``holds (G, Q)``),
    and how much one more head of each group would lower it (0..1). ``intervals``: only these
    (the others are 0)."""
    return _run_kernel(heads, demand, holds, intervals, fewer=False)


def shortfall_and_losses(
    heads: np.ndarray, demand: np.ndarray, holds: np.ndarray, intervals: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(short (T,), loss (T, G))``: as :func:`shortfall_and_gains`, with how much one head fewer
    of each group would raise the shortfall (0..1; 0 where the group has no head)."""
    return _run_kernel(heads, demand, holds, intervals, fewer=True)


def _run_kernel(
    heads: np.ndarray, demand: np.ndarray, holds: np.ndarray, intervals: np.ndarray | None, *, fewer: bool
) -> tuple[np.ndarray, np.ndarray]:
    heads, demand, holds = _checked(heads, demand, holds)
    idx = np.arange(heads.shape[0]) if intervals is None else np.asarray(intervals, dtype=np.int64)
    short = np.zeros(heads.shape[0])
    out = np.zeros(heads.shape)
    _compiled()(heads, demand, holds, idx, short, out, fewer)
    return short, out


class SkillState:
    """Heads on shift per interval and skill group, and the per-interval skill figures of a roster state.

    :meth:`add` keeps the heads (the roster state's shift changes call it); :meth:`marginals`
    gives the skill term's marginal of one more head of a group per interval.
    """

    def __init__(self, cat: Catalogue) -> None:
        sk = cat.move_skills
        assert sk is not None
        n_t = cat.grid.n_intervals
        self.group_of = np.asarray(sk.group_of, dtype=np.int64)
        self.holds = np.ascontiguousarray(sk.holds, dtype=np.bool_)
        self.deferrable = np.asarray(sk.deferrable, dtype=bool)
        self.demand = np.ascontiguousarray(sk.required, dtype=np.float64)  # deferrable: as it arrives until refresh
        self.weight = float(cat.rules.objective.under_segments[0].weight)
        self.pooled_required = np.asarray(cat.grid.required, dtype=np.int64)
        self.heads = np.zeros((n_t, sk.n_groups), dtype=np.int64)
        minutes = cat.grid.interval_minutes
        for i in np.flatnonzero(cat.prev_end > 0):  # previous-week shifts count whole, as the coverage does
            self.heads[: min(n_t, -(-int(cat.prev_end[i]) // minutes)), self.group_of[i]] += 1
        self.short = np.zeros(n_t)
        self.gain = np.zeros((n_t, sk.n_groups))
        self.dirty = np.ones(n_t, dtype=bool)
        self.loss = np.zeros((n_t, sk.n_groups))
        self.dirty_loss = np.ones(n_t, dtype=bool)

    def copy(self) -> SkillState:
        """An independent copy (the repair's snapshot of a pass)."""
        other = copy.copy(self)
        for name in ("demand", "heads", "short", "gain", "dirty", "loss", "dirty_loss"):
            setattr(other, name, getattr(self, name).copy())
        return other

    def add(self, agent: int, a: int, b: int, sign: int) -> None:
        """The agent's head joins (``sign`` 1) or leaves (-1) intervals ``[a, b)``."""
        self.heads[a:b, self.group_of[agent]] += sign
        self.dirty[a:b] = True
        self.dirty_loss[a:b] = True

    def _update(self, lo: int, hi: int) -> None:
        idx = lo + np.flatnonzero(self.dirty[lo:hi])
        if idx.size:
            _compiled()(self.heads, self.demand, self.holds, idx.astype(np.int64), self.short, self.gain, False)
            self.dirty[idx] = False

    def marginals(self, agent: int, coverage: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Per interval in ``[lo, hi)`` (objective units): how much the skill term falls when the
        agent's head joins, given the heads now on shift (``coverage``: the pooled heads)."""
        hi = len(coverage) if hi is None else hi
        self._update(lo, hi)
        g = self.group_of[agent]
        s = self.short[lo:hi]
        p = np.maximum(self.pooled_required[lo:hi] - coverage[lo:hi], 0)
        before = np.maximum(s - p, 0.0)
        after = np.maximum(s - self.gain[lo:hi, g] - np.maximum(p - 1, 0), 0.0)
        return self.weight * (before - after)

    def removal_costs(self, agent: int, coverage: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Per interval in ``idx`` (objective units): how much the skill term rises when the agent's
        head leaves it (a break), given the heads now on shift (``coverage``: the pooled heads)."""
        todo = np.unique(idx[self.dirty_loss[idx]])
        if todo.size:
            _compiled()(self.heads, self.demand, self.holds, todo.astype(np.int64), self.short, self.loss, True)
            self.dirty_loss[todo] = False
        g = self.group_of[agent]
        s = self.short[idx]
        req, cov = self.pooled_required[idx], coverage[idx]
        before = np.maximum(s - np.maximum(req - cov, 0), 0.0)
        after = np.maximum(s + self.loss[idx, g] - np.maximum(req - cov + 1, 0), 0.0)
        return self.weight * (after - before)

    def against(self, cat: Catalogue) -> SkillState:
        """A copy that prices against this catalogue's pooled requirement (the break stage's is the
        real one; the assignment's and the repair's, the requirement plus the planned breaks)."""
        other = self.copy()
        other.pooled_required = np.asarray(cat.grid.required, dtype=np.int64)
        return other

    def proxy_term(self, coverage: np.ndarray) -> float:
        """The skill term of the heads now on shift (objective units), the deferrable queues' demand
        as fixed by the last :meth:`refresh` (exact when no queue is deferrable)."""
        self._update(0, len(coverage))
        p = np.maximum(self.pooled_required - coverage, 0)
        return self.weight * float(np.maximum(self.short - p, 0.0).sum())

    def net_of_breaks(self, cat: Catalogue, plan: Any) -> SkillState:
        """A copy counting heads net of a break plan's breaks (:class:`wfm.roster.breaks.BreakPlan`)
        against the catalogue's own pooled requirement (the net-of-breaks polish prices with it)."""
        other = self.against(cat)
        step, n_t = cat.grid.interval_minutes, cat.grid.n_intervals
        for a, r, t, st in zip(plan.agent, plan.rank, plan.template, plan.start):
            first = min(int(st) // step, n_t)
            other.add(int(a), first, min(first + int(cat.templates[int(t)].break_offsets[int(r)][1]), n_t), -1)
        return other

    def refresh(self, cat: Catalogue, coverage: np.ndarray) -> float:
        """Price the state exactly (:func:`exact_excess`), take the deferrable queues' served work
        as their demand from now on; return the exact skill term (objective units)."""
        excess, served = exact_excess(cat, self.heads, coverage)
        if self.deferrable.any():
            self.demand[:, self.deferrable] = served[:, self.deferrable]
            self.dirty[:] = True
        return self.weight * excess


def exact_excess(cat: Catalogue, heads: np.ndarray, coverage: np.ndarray) -> tuple[float, np.ndarray]:
    """``(skill excess in heads, served (T, Q))`` of heads per interval and group: the cover
    model's shortfall (deferrable queues' backlogs included, :func:`wfm.cover.allocate`) beyond
    the pooled shortfall, summed over the intervals, as :mod:`wfm.roster.skill_cover` counts it."""
    sk = cat.move_skills
    assert sk is not None
    cover = allocate(heads.astype(float), sk.required.astype(float), sk.holds, deadline_steps=list(sk.deadline_steps))
    pooled_under = np.maximum(cat.grid.required - coverage, 0)
    excess = np.maximum(cover.under.sum(axis=1) - pooled_under, 0.0)
    excess[excess < 1e-6] = 0.0
    return float(excess.sum()), cover.served
