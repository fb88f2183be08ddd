"""A whole aggregate plan without an LP: every agent's tour picked greedily against what is still short.

The roster's plan starts from the aggregate LP (:mod:`wfm.roster.stages`). When that LP gives no
point at all -- it stopped at its time limit before a first iterate (a loaded machine), or every
solve failed -- the plan starts here instead, in bounded time (one small sparse product per agent
and week, no solver):

- agent by agent (the classes taken in turn, week by week), the tour of the agent's class whose
  shifts remove the most objective now: for each working day of the tour, the best start in its
  band, valued by the marginal cost of one more head in each interval it covers (the next
  under-staffing segment's weight where the interval is short, minus the over-staffing weight
  less the surplus reward where it is not; a start that would pass the seat limit is never
  taken), less the tour's paid-hours cost;
- the heads so placed raise the coverage the next agent sees.

Every class works one tour per agent and the starts add up to the tours, band by band, so
:func:`~wfm.roster.aggregate.round_lp` turns the counts into a plan (breaks spread over their
offsets) that the assignment, the repair and the break placement then make legal and polish, as
with any LP plan. Breaks are not counted while choosing (an agent on break covers nothing, which
the net-of-breaks moves see later).

The bound that goes with it (:func:`least_paid_bound`) is a Lagrangian bound with hand-made
multipliers: each class's equality row (one tour per agent) priced at its cheapest tour. Every
agent's week costs at least its class's least-paid tour, and every other variable at least its
box minimum, so it bounds every roster of the model; it knows nothing of coverage and is weak
(kind ``"least-paid-tours"``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .aggregate import SCALE, AggregateModel, lagrangian_bound

__all__ = ["greedy_plan", "least_paid_bound", "class_sizes"]

#: marginal value (internal units) of a start that would pass the seat limit: never taken
_FORBIDDEN = -1e15


def class_sizes(model: AggregateModel) -> list[list[int]]:
    """Agents per (week, class), read off the model (each tour variable's upper bound is its class's size)."""
    return [[int(model.upper[idx[0]]) if len(idx) else 0 for idx in per_class] for per_class in model.tour_var]


class _Cover:
    """Heads per interval and the marginal value of one more head there (internal cost units)."""

    def __init__(self, model: AggregateModel) -> None:
        n_int = model.over_var.size
        self.need = np.asarray(model.b_eq[model.cover_rows], dtype=float)
        # the first n_int <= rows are the seat rows (heads on shift <= seats - carry-in), as built
        self.seats = np.asarray(model.b_ub[:n_int], dtype=float)
        self.heads = np.zeros(n_int)
        under = model.under_var
        self.under_cost = model.cost[under].astype(float)  # (segments, intervals), filled in order
        self.under_edge = np.cumsum(model.upper[under], axis=0)  # shortfall at each segment's end
        self.over_cost = model.cost[model.over_var].astype(float)
        k_max = max((len(v) for v in model.reward_var.values()), default=0)
        # surplus reward segments per interval (negative costs, filled in order), padded with empty ones
        self.reward_cost = np.zeros((k_max, n_int))
        self.reward_edge = np.full((k_max, n_int), np.inf)
        for i, v in model.reward_var.items():
            self.reward_cost[: len(v), i] = model.cost[v]
            self.reward_edge[: len(v), i] = np.cumsum(model.upper[v])
        self.gain = np.zeros(n_int)
        self.update(np.arange(n_int))

    def update(self, idx: np.ndarray) -> None:
        short = self.need[idx] - self.heads[idx]
        # short: the next head removes one unit of the segment holding the last unit of shortfall
        k = np.minimum((self.under_edge[:, idx] < short - 1e-9).sum(axis=0), self.under_cost.shape[0] - 1)
        under_gain = self.under_cost[k, idx]
        # not short: the next head is surplus number (1 - short), over-staffing less its reward
        over_cost = self.over_cost[idx].copy()
        if self.reward_cost.shape[0]:
            kr = (self.reward_edge[:, idx] < (1 - short) - 1e-9).sum(axis=0)
            inside = kr < self.reward_cost.shape[0]
            over_cost[inside] += self.reward_cost[kr[inside], idx[inside]]
        gain = np.where(short > 0, under_gain * _scarcity(short, self.need[idx]), -over_cost)
        self.gain[idx] = np.where(self.heads[idx] + 1 > self.seats[idx] + 1e-9, _FORBIDDEN, gain)


def _scarcity(short: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Weight of a short interval's marginal value: 1/2 + 1/2 x the share of its need still missing.

    The under-staffing weight alone is flat over most of a large shortfall, so early agents tie
    and the lowest-numbered tours win (measured on the 1,400-agent week with breaks: 5.78 M with
    the flat weight against 0.97 M with this one); the share missing spreads them over the days.
    """
    return 0.5 + 0.5 * short / np.maximum(need, 1.0)


def _coverage_columns(model: AggregateModel) -> sp.csc_matrix:
    """(intervals, variables): the heads on shift each start variable puts in each interval."""
    cover = model.a_eq[model.cover_rows].tocsc()
    cover.data = np.where(cover.data > 0, cover.data, 0.0)  # starts count +1; breaks and over-staffing -1
    cover.eliminate_zeros()
    if model.pooled_members:  # skill-aware: a group's start covers where its shared start does
        cols = np.arange(cover.shape[1])
        for shared, members in model.pooled_members:
            cols[members] = shared
        cover = cover[:, cols]
    return cover


def _on_phone_share(model: AggregateModel, columns: sp.csc_matrix) -> np.ndarray:
    """Per variable: the share of a start's shift not on break (1 without breaks)."""
    share = np.ones(len(model.cost))
    if model.break_load is None or not model.break_groups:
        return share
    per_var = np.asarray(model.break_load.sum(axis=0)).ravel()  # a break variable's intervals on break
    length = np.diff(columns.indptr).astype(float)  # a start's intervals on shift
    off = np.zeros(len(model.cost))
    for start, bvars in model.break_groups:
        off[start] += per_var[bvars[0]]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(length > 0, 1.0 - off / np.maximum(length, 1.0), 1.0)
    if model.pooled_members:  # a group's start: its shared start's breaks
        for shared, members in model.pooled_members:
            share[members] = share[shared]
    return np.clip(share, 0.0, 1.0)


def greedy_plan(model: AggregateModel, n_class: list[list[int]] | None = None) -> np.ndarray:
    """Whole tour and start counts, one agent at a time (module docstring); other variables 0.

    The result satisfies the class rows (one tour per agent) and the band links; pass it to
    :func:`~wfm.roster.aggregate.round_lp` for the breaks, under- and over-staffing.
    """
    n_class = class_sizes(model) if n_class is None else n_class
    x = np.zeros(len(model.cost))
    cover = _Cover(model)
    columns = _coverage_columns(model)
    # an agent on break covers nothing: each head counts as its shift's share off break
    on_phone = _on_phone_share(model, columns)
    links_of: dict[int, list[int]] = {}
    for r, (_svars, tvars) in enumerate(model.link_rows):
        for tv in tvars:
            links_of.setdefault(int(tv), []).append(r)
    by_start = columns.T.tocsr()  # start x interval
    indptr, indices = columns.indptr, columns.indices
    for w, per_class in enumerate(model.tour_var):
        chooser = [_ClassChooser(model, idx, links_of, by_start) for idx in per_class]
        left = [int(n) for n in n_class[w]]
        # a merged first-week class: its agents whose history rules tours out pick first, each
        # among the tours its history allows (so the plan meets the model's history rows)
        masks = [_agent_masks(model.history.get(c, []), left[c]) if w == 0 else [] for c in range(len(per_class))]
        while any(left):
            for c, choose in enumerate(chooser):  # the classes in turn: none takes every good slot first
                if not left[c]:
                    continue
                left[c] -= 1
                tour, starts = choose.pick(cover.gain, on_phone, masks[c].pop() if masks[c] else None)
                x[tour] += 1
                if not starts:
                    continue
                x[starts] += 1  # (skill-aware: a group's starts; round_lp sets the shared ones from them)
                hits = [indices[indptr[s] : indptr[s + 1]] for s in starts]
                for s, hit in zip(starts, hits, strict=True):
                    np.add.at(cover.heads, hit, on_phone[s])
                cover.update(np.unique(np.concatenate(hits)))
    return x


def _agent_masks(history: list[tuple[np.ndarray, int]], n_agents: int) -> list[np.ndarray]:
    """One tour mask per restricted agent of a class, the most restricted last (popped first)."""
    ordered = sorted(history, key=lambda item: -int(item[0].sum()))
    masks = [mask for mask, n in ordered for _ in range(n)]
    return masks[-n_agents:] if n_agents else []


class _ClassChooser:
    """One class's tours of one week, with their band links and the starts in them."""

    def __init__(
        self, model: AggregateModel, tours: np.ndarray, links_of: dict[int, list[int]], by_start: sp.csr_matrix
    ) -> None:
        self.tours = np.asarray(tours, dtype=np.int64)
        self.tour_cost = model.cost[self.tours].astype(float)
        links = sorted({r for tv in self.tours.tolist() for r in links_of.get(tv, [])})
        self.links = links
        pos = {r: k for k, r in enumerate(links)}
        rows, cols = [], []
        for j, tv in enumerate(self.tours.tolist()):
            for r in links_of.get(tv, []):
                rows.append(j)
                cols.append(pos[r])
        self.incidence = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(self.tours), len(links))
        )  # tour x link: the days it works, each in one band
        self.link_starts = [np.asarray(model.link_rows[r][0], dtype=np.int64) for r in links]
        flat = np.concatenate(self.link_starts) if links else np.zeros(0, dtype=np.int64)
        self.flat = flat
        self.offsets = np.cumsum([0] + [len(s) for s in self.link_starts])[:-1]
        self.cols = by_start[flat] if len(flat) else None  # start x interval
        self.nonempty = np.array([len(s) > 0 for s in self.link_starts], dtype=bool)

    def pick(self, gain: np.ndarray, on_phone: np.ndarray, allowed: np.ndarray | None = None) -> tuple[int, list[int]]:
        """The best tour now and the start of each of its working days (``allowed``: a mask of
        the class's tours the agent may work, None for all)."""
        if self.cols is None or not len(self.links):
            j = int(np.argmin(np.where(allowed, self.tour_cost, np.inf) if allowed is not None else self.tour_cost))
            return int(self.tours[j]), []
        value = (self.cols @ gain) * on_phone[self.flat]  # per start: the objective one more head there removes
        nonempty = self.nonempty
        best = np.full(len(self.links), _FORBIDDEN)
        if nonempty.any():
            best[nonempty] = np.maximum.reduceat(value, self.offsets[nonempty])
        tour_value = self.incidence @ best - self.tour_cost
        if allowed is not None:
            tour_value = np.where(allowed, tour_value, -np.inf)
        j = int(np.argmax(tour_value))
        starts = []
        inc = self.incidence
        for k in inc.indices[inc.indptr[j] : inc.indptr[j + 1]].tolist():
            seg = value[self.offsets[k] : self.offsets[k] + len(self.link_starts[k])]
            starts.append(int(self.link_starts[k][int(np.argmax(seg))]))
        return int(self.tours[j]), starts


def least_paid_bound(model: AggregateModel) -> float:
    """A proven lower bound (weight units) on the model's optimum, from hand-made multipliers.

    Each class row (one tour per agent) is priced at the class's cheapest tour, and each surplus
    reward row (rewarded surplus <= over-staffing) at its dearest reward, no dearer than the
    interval's over-staffing weight; every multiplier is valid (:func:`lagrangian_bound`).
    """
    y = np.zeros(model.a_eq.shape[0])
    a_eq = model.a_eq.tocsc()
    for per_class in model.tour_var:
        for idx in per_class:
            if not len(idx):
                continue
            # the class row: the equality holding exactly the class's tours, each with coefficient +1
            col = a_eq[:, int(idx[0])]
            for r, v in zip(col.indices.tolist(), col.data.tolist(), strict=True):
                row = model.a_eq[r]
                if v > 0 and row.nnz == len(idx) and set(row.indices.tolist()) == set(idx.tolist()):
                    y[r] = float(model.cost[idx].min())
                    break
    z = np.zeros(model.a_ub.shape[0])
    a_ub = model.a_ub.tocsc()
    for i, segs in model.reward_var.items():
        rows = a_ub[:, int(segs[0])].indices
        if len(rows) == 1:
            z[rows[0]] = max(float(model.cost[segs].min()), -float(model.cost[model.over_var[i]]))
    return lagrangian_bound(model, y, z) / SCALE + model.constant
