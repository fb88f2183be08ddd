"""Queueing math for staffing: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M), vectorised.

Pure numpy. Every public function broadcasts over arrays of traffic, agents, handle time
and targets, never uses factorials or large powers, and is warning-free for traffic from
0 to well beyond 20,000 Erlangs.

How Erlang B is evaluated (the one expensive quantity)
------------------------------------------------------
The textbook recursion ``B(n) = A B(n-1) / (n + A B(n-1))`` from ``B(0) = 1`` costs O(N).
We start it instead at ``m0 = min(N, A) - 9 sqrt(A)`` from the rough value
``B(m0) ~ 1 - m0/A``. The recursion contracts relative errors by ``n / (n + A B) ~ n / A``
per step below A, so after the ~9 sqrt(A) steps up to A an initial error of 100 % has
shrunk by ``exp(-81/2) ~ 3e-18``: the result is exact to rounding, at O(sqrt(A)) cost.
Above A the relative error is carried, not amplified, so each further step adds only
rounding. Intervals are sorted by step count so each step works on a contiguous slice.

Sizing (``agents_required``) starts Erlang C at the first stable staffing
``floor(A) + 1`` (a provable lower bound: below it the queue is unstable) and steps up
one agent at a time with the O(1) recursion, checking every target, so the answer is the
smallest N by construction. Erlang A sizing searches between a provable lower bound and
the Erlang C answer with a vectorised multi-point search (see :func:`agents_required`).

Examples
--------
>>> import numpy as np
>>> from wfm.erlang import agents_required, erlang_c
>>> int(agents_required(10.0, 180.0, service_level=0.8, answer_sec=20.0))
14
>>> round(float(erlang_c(10.0, 14)), 10)
0.1741319336
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .exceptions import InvalidInputError

__all__ = [
    "erlang_b",
    "erlang_c",
    "service_level",
    "asa",
    "occupancy",
    "erlang_a",
    "ErlangAResult",
    "agents_required",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Steps of damping (in units of sqrt(A)) before the recursion reaches A; exp(-9**2/2) ~ 3e-18.
_DAMPING_SQRT = 9.0
# Rows x columns of one Erlang A work block: 256 kB per array stays in cache (measured 3x
# faster than 8 MB blocks).
_BLOCK_CELLS = 1 << 15
# Erlang A queue states beyond this are refused (patience absurdly long for N < A).
_MAX_QUEUE_STATES = 2_000_000


# --------------------------------------------------------------------------- validation


def _array(value: ArrayLike, name: str, *, minimum: float = 0.0, strict: bool = False) -> FloatArray:
    """Return ``value`` as a float array; raise naming the first NaN, infinite or too-small value."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be numeric, got {value!r}") from exc
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidInputError(f"{name} must be finite, got {arr[bad].flat[0]}")
    low = arr <= minimum if strict else arr < minimum
    if low.any():
        op = ">" if strict else ">="
        raise InvalidInputError(f"{name} must be {op} {minimum:g}, got {arr[low].flat[0]:g}")
    return arr


def _agents_array(value: ArrayLike, name: str = "agents") -> FloatArray:
    """Return agents as a float array of whole, non-negative numbers."""
    arr = _array(value, name)
    frac = arr != np.floor(arr)
    if frac.any():
        raise InvalidInputError(f"{name} must be whole numbers, got {arr[frac].flat[0]:g}")
    return arr


def _out(arr: NDArray) -> NDArray:
    """Return a 0-d result as a numpy scalar, like a ufunc."""
    return arr[()] if arr.ndim == 0 else arr


# --------------------------------------------------------------------------- Erlang B core


def _inv_erlang_b(traffic: FloatArray, agents: FloatArray) -> FloatArray:
    """Return 1/B(agents, traffic) for 1-D arrays with traffic > 0 (inf where B underflows)."""
    a = traffic
    n = agents
    sqrt_a = np.sqrt(a)
    # Where the recursion starts: far enough below min(N, A) for the start error to die out.
    m0 = np.maximum(np.floor(np.minimum(n, a) - _DAMPING_SQRT * sqrt_a - 1.0), 0.0)
    # Beyond n_cap, B < exp(-710) is below the smallest normal double: 1/B is inf.
    n_cap = np.ceil(a + 46.0 * sqrt_a + 1100.0)
    n_eff = np.minimum(n, n_cap)
    steps = (n_eff - m0).astype(np.int64)
    # B(m0) ~ 1 - m0/A (the recursion's fixed point below A); exact 1 at m0 = 0.
    y0 = np.where(m0 > 0, a / np.maximum(a - m0, 1e-300), 1.0)
    order = np.argsort(steps, kind="stable")
    s_sorted = steps[order]
    y = y0[order]
    with np.errstate(over="ignore"):  # subnormal traffic: 1/A = inf, so 1/B = inf (B = 0)
        inv_a = 1.0 / a[order]
    ratio = (m0[order] + 1.0) * inv_a  # n / A for the next n
    s_max = int(s_sorted[-1]) if len(s_sorted) else 0
    starts = np.searchsorted(s_sorted, np.arange(s_max), side="right")
    with np.errstate(over="ignore"):
        for j in range(s_max):
            lo = starts[j]
            # 1/B(n) = 1 + (n/A) / B(n-1): the inverse form needs no division.
            ys = y[lo:]
            ys *= ratio[lo:]
            ys += 1.0
            ratio[lo:] += inv_a[lo:]
    out = np.empty_like(y)
    out[order] = y
    out[n > n_cap] = np.inf
    return out


def erlang_b(traffic: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Blocking probability of an M/M/N/N loss system (Erlang B).

    Parameters
    ----------
    traffic
        Offered load in Erlangs, >= 0.
    agents
        Number of servers, whole numbers >= 0.

    Returns
    -------
    numpy.ndarray
        B(N, A), broadcast over the inputs.

    Examples
    --------
    >>> round(float(erlang_b(10.0, 14)), 10)
    0.0568191434
    """
    a, n = np.broadcast_arrays(_array(traffic, "traffic"), _agents_array(agents))
    out = np.ones(a.shape)
    out[(a == 0) & (n > 0)] = 0.0
    live = (a > 0) & (n > 0)
    if live.any():
        out[live] = 1.0 / _inv_erlang_b(a[live], n[live])
    return _out(out)


def _erlang_c_from_inv_b(a: FloatArray, n: FloatArray, y: FloatArray) -> FloatArray:
    """P(wait) = N B / (N - A (1 - B)) = N / (y (N - A) + A), y = 1/B, for N > A > 0."""
    with np.errstate(over="ignore", invalid="ignore"):
        c = n / (y * (n - a) + a)
    return np.where(np.isinf(y), 0.0, c)


def _erlang_c_parts(traffic: ArrayLike, agents: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Broadcast, validate and return (A, N, C) with C = 1 where N <= A and 0 where A = 0."""
    a, n = np.broadcast_arrays(_array(traffic, "traffic"), _agents_array(agents))
    c = np.ones(a.shape)
    c[a == 0] = 0.0
    stable = (a > 0) & (n > a)
    if stable.any():
        a_s, n_s = a[stable], n[stable]
        c[stable] = _erlang_c_from_inv_b(a_s, n_s, _inv_erlang_b(a_s, n_s))
    return a, n, c


def erlang_c(traffic: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Probability that a call waits in an M/M/N queue (Erlang C).

    For ``agents <= traffic`` the queue is unstable and every call waits: the result is 1.
    With zero traffic nobody waits: 0.

    Parameters
    ----------
    traffic
        Offered load A in Erlangs (calls x AHT / interval length), >= 0.
    agents
        Agents N, whole numbers >= 0.

    Examples
    --------
    >>> round(float(erlang_c(1000.0, 1015)), 10)
    0.5276253546
    """
    return _out(_erlang_c_parts(traffic, agents)[2])


def service_level(traffic: ArrayLike, agents: ArrayLike, aht_sec: ArrayLike, answer_sec: ArrayLike) -> FloatArray:
    """Share of calls answered within ``answer_sec`` in an M/M/N queue.

    ``SL = 1 - C exp(-(N - A) t / AHT)``; 0 where ``agents <= traffic`` (unstable), 1 at zero traffic.

    Examples
    --------
    >>> round(float(service_level(10.0, 14, 180.0, 20.0)), 10)
    0.8883500192
    """
    a, n, c = _erlang_c_parts(traffic, agents)
    aht = _array(aht_sec, "aht_sec", strict=True)
    t = _array(answer_sec, "answer_sec")
    a, n, c, aht, t = np.broadcast_arrays(a, n, c, aht, t)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * t / aht)
    sl = np.where(n > a, sl, 0.0)
    sl = np.where(a == 0, 1.0, sl)
    return _out(np.clip(sl, 0.0, 1.0))


def asa(traffic: ArrayLike, agents: ArrayLike, aht_sec: ArrayLike) -> FloatArray:
    """Average speed of answer (mean wait of all calls, seconds) in an M/M/N queue.

    ``ASA = C AHT / (N - A)``; infinite where ``agents <= traffic``, 0 at zero traffic.

    Examples
    --------
    >>> round(float(asa(10.0, 14, 180.0)), 3)
    7.836
    """
    a, n, c = _erlang_c_parts(traffic, agents)
    aht = _array(aht_sec, "aht_sec", strict=True)
    a, n, c, aht = np.broadcast_arrays(a, n, c, aht)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = c * aht / (n - a)
    w = np.where(n > a, w, np.inf)
    w = np.where(a == 0, 0.0, w)
    return _out(w)


def occupancy(traffic: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Share of agents' time spent handling calls, ``A / N``, capped at 1.

    1 where ``agents <= traffic`` (saturated, including no agents), 0 at zero traffic.

    Examples
    --------
    >>> float(occupancy(10.0, 14))
    0.7142857142857143
    """
    a, n = np.broadcast_arrays(_array(traffic, "traffic"), _agents_array(agents))
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > a, a / np.where(n > 0, n, 1.0), 1.0)
    return _out(np.where(a == 0, 0.0, occ))


# --------------------------------------------------------------------------- Erlang A


class ErlangAResult(NamedTuple):
    """Steady-state figures of an M/M/N+M queue (Erlang A), one array each.

    Attributes
    ----------
    wait_probability
        Share of offered calls that wait (find every agent busy).
    abandon_probability
        Share of offered calls that hang up before being answered.
    asa_sec
        Mean wait of all offered calls (answered and abandoned), seconds.
    asa_answered_sec
        Mean wait of answered calls, seconds (NaN with no agents: nobody is answered).
    service_level
        Calls answered within ``answer_sec`` over calls offered (abandoners count as misses).
    occupancy
        Carried load per agent, ``A (1 - P(abandon)) / N`` (0 with no agents).
    """

    wait_probability: FloatArray
    abandon_probability: FloatArray
    asa_sec: FloatArray
    asa_answered_sec: FloatArray
    service_level: FloatArray
    occupancy: FloatArray


def _queue_states(a: FloatArray, n: FloatArray, r: FloatArray) -> FloatArray:
    """Number of queue states to keep so that the dropped tail is below ~e^-40 of the peak.

    Relative to state N, state N+k has weight prod_{i<=k} A / (N + i r) (r = AHT/patience).
    It peaks at k* = (A - N)/r; D states further on it has fallen by
    sum_{d<=D} log(1 + d x), x = r/A. With log(1+y) >= 0.75 y for y <= 1/2 that is
    >= 0.375 x D^2, so D = sqrt(107/x) gives 40 nats whenever D x <= 1/2; otherwise the top
    half of the terms, each >= log(1 + D x/2), give D = max(116, sqrt(231/x)). Above A the
    geometric factor A/N alone needs only 40 / log(N/A). The dropped tail then adds at most
    e^-40 (1 + 1/(D x)) of the peak: far below 1e-12.
    """
    x = r / a
    near = np.sqrt(107.0 / x)
    depth = np.where(near * x <= 0.5, near, np.maximum(116.0, np.sqrt(231.0 / x)))
    peak = np.maximum(a - n, 0.0) / r
    with np.errstate(divide="ignore"):
        geometric = np.where(n > a, 40.0 / np.log(n / np.where(n > a, a, 1.0)) + 1.0, np.inf)
    return np.ceil(peak + np.minimum(depth, geometric)) + 1.0


def _erlang_a_core(
    a: FloatArray,
    n: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    t: FloatArray,
    *,
    want_sl: bool = True,
    want_answered: bool = True,
) -> tuple[FloatArray, ...]:
    """Erlang A figures for 1-D arrays with A > 0 and N >= 1 (see :func:`erlang_a`)."""
    size = len(a)
    p_wait = np.zeros(size)
    p_ab = np.zeros(size)
    asa_all = np.zeros(size)
    asa_ans = np.zeros(size)
    sl = np.ones(size)
    y = _inv_erlang_b(a, n)
    # Where B underflows, the chance of meeting a busy system is below 1e-308: nothing waits.
    live = np.flatnonzero(np.isfinite(y))
    if len(live):
        r_all = aht / patience
        states: np.ndarray = _queue_states(a[live], n[live], r_all[live])
        if states.max() > _MAX_QUEUE_STATES:
            i = int(np.argmax(states))
            raise InvalidInputError(
                f"erlang_a: patience_sec {patience[live][i]:g} is too long for aht_sec {aht[live][i]:g} "
                f"at {n[live][i]:g} agents and {a[live][i]:g} Erlangs ({states[i]:.3g} queue states); "
                "use Erlang C (no patience) for effectively infinite patience"
            )
        order = np.argsort(states, kind="stable")
        live = live[order]
        states = states[order].astype(np.int64)
        begin = 0
        # Blocks of rows with similar queue lengths (sorted), each within _BLOCK_CELLS cells.
        cells = (np.arange(len(live)) + 1) * (states + 1)
        while begin < len(live):
            fits = cells[begin:] - begin * (states[begin:] + 1) <= _BLOCK_CELLS
            end = begin + max(1, int(np.argmin(fits)) if not fits.all() else len(fits))
            width = int(states[end - 1])
            idx = live[begin:end]
            res = _erlang_a_block(
                a[idx],
                n[idx],
                aht[idx],
                patience[idx],
                t[idx],
                y[idx],
                states[begin:end],
                width,
                want_sl=want_sl,
                want_answered=want_answered,
            )
            p_wait[idx], p_ab[idx], asa_all[idx], asa_ans[idx], sl[idx] = res
            begin = end
    occ = a * (1.0 - p_ab) / n
    return p_wait, p_ab, asa_all, asa_ans, sl, occ


def _erlang_a_block(
    a: FloatArray,
    n: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    t: FloatArray,
    y: FloatArray,
    states: IntArray,
    width: int,
    *,
    want_sl: bool,
    want_answered: bool,
) -> tuple[FloatArray, ...]:
    """Erlang A figures for one block of rows, the queue truncated at ``width`` states."""
    rows = len(a)
    r = (aht / patience)[:, None]
    kvec = np.arange(width + 1, dtype=np.float64)
    k = kvec[None, :]  # callers waiting ahead: 0..width
    # Weight of state N+k relative to state N: prod_{i<=k} A / (N + i r). Rows keep the
    # block's width (more states than their bound needs only adds accuracy).
    w = np.empty((rows, width + 1))
    w[:, 0] = 1.0
    # A running product is exact enough and cheap while the peak weight stays below
    # e^700 (it is at most (A/N)^k* with k* = (A-N)/r); beyond that, sums of logs.
    with np.errstate(divide="ignore"):
        peak_log = np.where(n < a, np.maximum(a - n, 0.0) / r[:, 0] * np.log(a / n), 0.0)
    linear = peak_log < 700.0
    if linear.all():
        np.divide(a[:, None], n[:, None] + k[:, 1:] * r, out=w[:, 1:])
        np.cumprod(w, axis=1, out=w)
        low = y - 1.0  # the states below N sum to (1/B - 1) times state N's weight
    else:
        log_w = np.zeros((rows, width + 1))
        np.cumsum(np.log(a[:, None]) - np.log(n[:, None] + k[:, 1:] * r), axis=1, out=log_w[:, 1:])
        log_low = np.log(y - 1.0)
        top = np.maximum(log_w.max(axis=1), log_low)
        np.exp(log_w - top[:, None], out=w)
        low = np.exp(log_low - top)
    z = low + w.sum(axis=1)
    w /= z[:, None]
    low /= z
    p_wait = w.sum(axis=1)
    # An arrival finding k waiting passes k+1 stages, each Exp(N mu + (i+1) theta) long,
    # moving ahead with prob (N mu + i theta) / (N mu + (i+1) theta): served w.p. c/(c+k+1)
    # where c = N mu / theta = N / r (the product telescopes).
    c = n[:, None] / r
    ws = w * (c / (c + k + 1.0))
    p_served_wait = ws.sum(axis=1)
    p_ab = np.maximum(p_wait - p_served_wait, 0.0)
    # Mean wait of all calls by Little's law on the queue: E[Lq] / lambda.
    asa_all = (w @ kvec) * aht / a
    asa_ans = np.zeros(rows)
    if want_answered:
        # Mean wait of a served call that found k ahead: sum of the stage means patience/(c+i).
        stage_mean = np.cumsum(patience[:, None] / (c + k + 1.0), axis=1)
        asa_ans = (ws * stage_mean).sum(axis=1) / (low + p_served_wait)
    sl = np.ones(rows)
    if want_sl:
        # Served within t given k ahead: the stage sum is the (k+1)-th order statistic of
        # c+k+1 Exp(theta) lifetimes, so P(<= t) = I_p(k+1, c+1), p = 1 - exp(-theta t), i.e.
        # 1 - (negative binomial(c+1, p) CDF at k): "late" below is that CDF.
        late = np.ones_like(w)
        theta_t = t / patience
        b = c[:, 0] + 1.0
        log_q0 = -b * theta_t
        # Linear space (a running product) while q_0 = exp(-b theta t) is a normal double;
        # q_k / q_0 <= 1 / q_0 then cannot overflow. Log space for the rest.
        cases: list[tuple[np.ndarray, bool]] = [
            ((t > 0) & (log_q0 > -700.0), True),
            ((t > 0) & (log_q0 <= -700.0), False),
        ]
        for mask, in_linear_space in cases:
            if not mask.any():
                continue
            p = -np.expm1(-theta_t[mask])[:, None]
            bm = b[mask][:, None]
            q = np.empty((int(mask.sum()), width + 1))
            if in_linear_space:
                q[:, 0] = np.exp(log_q0[mask])
                q[:, 1:] = p * (k[:, :-1] + bm) / (k[:, :-1] + 1.0)
                np.cumprod(q, axis=1, out=q)
            else:
                q[:, 0] = log_q0[mask]
                q[:, 1:] = np.log(k[:, :-1] + bm) - np.log(k[:, :-1] + 1.0) + np.log(p)
                np.cumsum(q, axis=1, out=q)
                np.exp(q, out=q)
            np.cumsum(q, axis=1, out=q)
            late[mask] = np.minimum(q, 1.0)
        sl = np.clip(low + p_served_wait - (ws * late).sum(axis=1), 0.0, 1.0)
    return p_wait, p_ab, asa_all, asa_ans, sl


def erlang_a(
    traffic: ArrayLike,
    agents: ArrayLike,
    aht_sec: ArrayLike,
    patience_sec: ArrayLike,
    answer_sec: ArrayLike,
) -> ErlangAResult:
    """Steady state of the M/M/N+M queue (Erlang A: exponential patience).

    The birth-death chain has birth rate lambda and death rate
    ``min(n, N) mu + max(n - N, 0) theta`` (mu = 1/AHT, theta = 1/patience). It is stable for
    every N, including N < A. The stationary distribution is computed relative to state N
    (a running product, or sums of logs where it could overflow), the queue truncated where
    its weight falls below ~e^-40 of the peak.

    Parameters
    ----------
    traffic
        Offered load A in Erlangs, >= 0.
    agents
        Agents N, whole numbers >= 0.
    aht_sec
        Average handle time, seconds, > 0.
    patience_sec
        Mean time a caller waits before hanging up, seconds, > 0 and finite.
    answer_sec
        Service-level threshold, seconds, >= 0.

    Returns
    -------
    ErlangAResult
        Arrays broadcast over the inputs.

    Examples
    --------
    >>> res = erlang_a(10.0, 12, 180.0, 120.0, 20.0)
    >>> 0 < float(res.abandon_probability) < float(res.wait_probability) < 1
    True
    """
    a = _array(traffic, "traffic")
    n = _agents_array(agents)
    aht = _array(aht_sec, "aht_sec", strict=True)
    pat = _array(patience_sec, "patience_sec", strict=True)
    t = _array(answer_sec, "answer_sec")
    a, n, aht, pat, t = (x.astype(np.float64) for x in np.broadcast_arrays(a, n, aht, pat, t))
    shape = a.shape
    a, n, aht, pat, t = (x.ravel() for x in (a, n, aht, pat, t))
    p_wait = np.zeros(a.size)
    p_ab = np.zeros(a.size)
    asa_all = np.zeros(a.size)
    asa_ans = np.zeros(a.size)
    sl = np.ones(a.size)
    occ = np.zeros(a.size)
    # No agents: every caller waits until hanging up.
    empty = (a > 0) & (n == 0)
    p_wait[empty] = 1.0
    p_ab[empty] = 1.0
    asa_all[empty] = pat[empty]
    asa_ans[empty] = np.nan
    sl[empty] = 0.0
    live = (a > 0) & (n > 0)
    if live.any():
        res = _erlang_a_core(a[live], n[live], aht[live], pat[live], t[live])
        p_wait[live], p_ab[live], asa_all[live], asa_ans[live], sl[live], occ[live] = res
    return ErlangAResult(*(_out(x.reshape(shape)) for x in (p_wait, p_ab, asa_all, asa_ans, sl, occ)))


# --------------------------------------------------------------------------- sizing


def _first_stable(a: FloatArray, max_occupancy: FloatArray | None) -> FloatArray:
    """Smallest N with N > A and A / N <= max_occupancy (exactly as occupancy() computes it)."""
    n = np.floor(a) + 1.0
    if max_occupancy is not None:
        n_occ = np.ceil(a / max_occupancy)
        # Float division can land one off either way; settle it with the reported formula.
        n_occ = np.where((n_occ > 1) & (a / np.maximum(n_occ - 1.0, 1.0) <= max_occupancy), n_occ - 1.0, n_occ)
        n_occ = np.where(a / np.maximum(n_occ, 1.0) > max_occupancy, n_occ + 1.0, n_occ)
        n = np.maximum(n, n_occ)
    return n


def _size_erlang_c(
    a: FloatArray,
    aht: FloatArray,
    sl_target: FloatArray | None,
    answer: FloatArray | None,
    asa_target: FloatArray | None,
    max_occ: FloatArray | None,
) -> FloatArray:
    """Smallest N meeting every Erlang C target, for 1-D arrays with A > 0."""
    n = _first_stable(a, max_occ)
    y = _inv_erlang_b(a, n)
    todo = np.arange(len(a))
    with np.errstate(over="ignore", invalid="ignore"):
        while len(todo):
            at, nt, yt = a[todo], n[todo], y[todo]
            c = _erlang_c_from_inv_b(at, nt, yt)
            fail = np.zeros(len(todo), dtype=bool)
            if sl_target is not None:
                assert answer is not None  # given together with sl_target (agents_required checks)
                sl = 1.0 - c * np.exp(-(nt - at) * answer[todo] / aht[todo])
                fail |= sl < sl_target[todo]
            if asa_target is not None:
                fail |= c * aht[todo] / (nt - at) > asa_target[todo]
            todo = todo[fail]
            # One more agent: 1/B(n+1) = 1 + (n+1)/A * 1/B(n), O(1) per step.
            n[todo] += 1.0
            y[todo] = 1.0 + y[todo] * n[todo] / a[todo]
    return n


def _erlang_a_check(
    a: FloatArray,
    n: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    answer: FloatArray,
    sl_target: FloatArray | None,
    asa_target: FloatArray | None,
    max_occ: FloatArray | None,
    max_abandon: FloatArray | None,
) -> tuple[NDArray[np.bool_], FloatArray]:
    """Whether N agents meet every Erlang A target, and the smallest relative slack.

    The slack (>= 0 exactly where the targets are met) only steers the search; pass/fail
    is decided by the plain comparisons against the reported figures.
    """
    _, p_ab, asa_all, _, sl, occ = _erlang_a_core(
        a, n, aht, patience, answer, want_sl=sl_target is not None, want_answered=False
    )
    ok = np.ones(len(a), dtype=bool)
    slack = np.full(len(a), np.inf)
    if sl_target is not None:
        ok &= sl >= sl_target
        slack = np.minimum(slack, sl - sl_target)
    if asa_target is not None:
        ok &= asa_all <= asa_target
        slack = np.minimum(slack, (asa_target - asa_all) / asa_target)
    if max_occ is not None:
        ok &= occ <= max_occ
        slack = np.minimum(slack, max_occ - occ)
    if max_abandon is not None:
        ok &= p_ab <= max_abandon
        slack = np.minimum(slack, (max_abandon - p_ab) / max_abandon)
    return ok, slack


def _size_erlang_a(
    a: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    sl_target: FloatArray | None,
    answer: FloatArray,
    asa_target: FloatArray | None,
    max_occ: FloatArray | None,
    max_abandon: FloatArray | None,
    width: int = 8,
) -> FloatArray:
    """Smallest N meeting every Erlang A target, for 1-D arrays with A > 0.

    Keeps per interval ``lo`` (known to fail) and ``hi`` (known to pass) and evaluates
    ``width`` candidates per round for all intervals at once. Round one spreads them from
    the Erlang C answer down to about 3 sqrt(A AHT / patience) below it (how far
    abandonment lowers the need). Later rounds centre a window of consecutive candidates
    where the targets' slack, interpolated between lo and hi, crosses zero (usually the
    last round); without a known slack at both ends they gallop up (no pass known yet) or
    split (lo, hi) evenly. Correctness needs only monotonicity in N (property-tested): the
    answer is the N that passes while N - 1 fails (or N - 1 is below the proven bound).
    """
    size = len(a)
    # Throughput is at most N / AHT, so P(served) <= N / A: SL >= s and abandon <= m need
    # N >= s A and N >= (1 - m) A; at least one agent either way.
    floor_n = np.ones(size)
    if sl_target is not None:
        floor_n = np.maximum(floor_n, np.ceil(sl_target * a * (1.0 - 1e-12)))
    if max_abandon is not None:
        floor_n = np.maximum(floor_n, np.ceil((1.0 - max_abandon) * a * (1.0 - 1e-12)))
    lo = floor_n - 1.0  # fails (or is below one agent)
    hi = np.full(size, np.inf)
    slack_lo = np.full(size, np.nan)
    slack_hi = np.full(size, np.nan)
    # Guess: Erlang C's answer for the same service targets (abandonment usually lowers it).
    if sl_target is not None or asa_target is not None:
        guess = _size_erlang_c(a, aht, sl_target, answer, asa_target, None)
    else:
        guess = np.floor(a) + 1.0
    guess = np.maximum(guess, floor_n)
    # Measured: abandonment lowers the need below Erlang C's by up to ~2.6 sqrt(A r),
    # r = AHT / patience (6 sqrt(A) at r = 5, 0.2 sqrt(A) at r = 1/12); spread round one so.
    reach = np.minimum(6.0, 3.0 * np.sqrt(aht / patience)) * np.maximum(np.sqrt(a), 1.0)
    spread = np.array([1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.07, 0.0])[:width]
    # ...but never closer together than consecutive N: at long patience the answer is
    # within a few agents of the guess, and the first round should settle it.
    consecutive = np.arange(width - 1, -1, -1, dtype=np.float64)
    cand = guess[:, None] - np.maximum(np.round(reach[:, None] * spread[None, :]), consecutive[None, :])
    cand = np.maximum(cand, floor_n[:, None])
    steps = np.arange(width, dtype=np.float64)
    todo = np.arange(size)
    while len(todo):
        rows = np.repeat(todo, cand.shape[1])
        flat = cand.ravel()

        def pick(x: FloatArray | None, rows: np.ndarray = rows) -> FloatArray | None:
            return None if x is None else x[rows]

        ok, slack = _erlang_a_check(
            a[rows],
            flat,
            aht[rows],
            patience[rows],
            answer[rows],
            pick(sl_target),
            pick(asa_target),
            pick(max_occ),
            pick(max_abandon),
        )
        ok = ok.reshape(cand.shape)
        slack = slack.reshape(cand.shape)
        pos = np.arange(len(todo))
        i_pass = np.argmin(np.where(ok, cand, np.inf), axis=1)
        i_fail = np.argmax(np.where(~ok, cand, -np.inf), axis=1)
        passing = np.where(ok.any(axis=1), cand[pos, i_pass], np.inf)
        failing = np.where((~ok).any(axis=1), cand[pos, i_fail], -np.inf)
        better_hi = passing < hi[todo]
        better_lo = failing > lo[todo]
        hi[todo] = np.where(better_hi, passing, hi[todo])
        slack_hi[todo] = np.where(better_hi, slack[pos, i_pass], slack_hi[todo])
        lo[todo] = np.where(better_lo, failing, lo[todo])
        slack_lo[todo] = np.where(better_lo, slack[pos, i_fail], slack_lo[todo])
        todo = todo[hi[todo] - lo[todo] > 1.0]
        if not len(todo):
            break
        lo_t, hi_t = lo[todo], hi[todo]
        s_lo, s_hi = slack_lo[todo], slack_hi[todo]
        bounded = np.isfinite(hi_t)
        gallop = lo_t[:, None] + 2.0 ** steps[None, :]
        span = np.where(bounded, hi_t - lo_t, 2.0)
        step = np.maximum(np.ceil(span / (width + 1)), 1.0)
        spaced = lo_t[:, None] + step[:, None] * (steps[None, :] + 1.0)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            frac = np.clip(-s_lo / (s_hi - s_lo), 0.0, 1.0)
        aimed = np.isfinite(frac) & bounded
        centre = np.where(aimed, np.ceil(lo_t + frac * span), lo_t + 1.0)
        first = np.clip(centre - width // 2, lo_t + 1.0, np.maximum(hi_t - width, lo_t + 1.0))
        window = first[:, None] + steps[None, :]
        cand = np.where(aimed[:, None], window, np.where(bounded[:, None], spaced, gallop))
        cand = np.minimum(cand, np.where(bounded, hi_t - 1.0, np.inf)[:, None])
    return hi


def agents_required(
    traffic: ArrayLike,
    aht_sec: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    answer_sec: ArrayLike | None = None,
    asa_sec: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience_sec: ArrayLike | None = None,
    max_abandon: ArrayLike | None = None,
) -> IntArray:
    """Smallest whole number of agents meeting every target given.

    Erlang C (M/M/N) unless ``patience_sec`` is given, then Erlang A (M/M/N+M). Under
    Erlang C the answer is always above the traffic (a stable queue). Zero traffic needs
    zero agents. All arguments broadcast.

    Parameters
    ----------
    traffic
        Offered load A in Erlangs, >= 0.
    aht_sec
        Average handle time, seconds, > 0.
    service_level, answer_sec
        Share of calls to answer within ``answer_sec`` seconds, in (0, 1]; given together.
        Under Erlang A the share is of calls offered (abandoners count as misses).
    asa_sec
        Maximum mean wait of all calls, seconds, > 0.
    max_occupancy
        Maximum occupancy, in (0, 1].
    patience_sec
        Mean caller patience, seconds, > 0: switches to Erlang A.
    max_abandon
        Maximum share of calls abandoned, in (0, 1]; needs ``patience_sec``.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    InvalidInputError
        On a target out of range, a missing partner argument, or no target at all.

    Examples
    --------
    >>> int(agents_required(1000.0, 300.0, service_level=0.8, answer_sec=20.0))
    1015
    >>> agents_required([0.0, 10.0], 180.0, service_level=0.8, answer_sec=20.0).tolist()
    [0, 14]
    """
    if (service_level is None) != (answer_sec is None):
        raise InvalidInputError(
            "service_level and answer_sec must be given together, got "
            f"service_level={service_level!r} and answer_sec={answer_sec!r}"
        )
    if max_abandon is not None and patience_sec is None:
        raise InvalidInputError(f"max_abandon needs patience_sec (Erlang A), got max_abandon={max_abandon!r} alone")
    if service_level is None and asa_sec is None and max_occupancy is None and max_abandon is None:
        raise InvalidInputError(
            "agents_required needs at least one target: service_level with answer_sec, asa_sec, "
            "max_occupancy or max_abandon; got none"
        )
    arrays: dict[str, FloatArray] = {
        "traffic": _array(traffic, "traffic"),
        "aht_sec": _array(aht_sec, "aht_sec", strict=True),
    }
    if service_level is not None:
        arrays["service_level"] = _unit_interval(service_level, "service_level")
        assert answer_sec is not None  # given together with service_level (checked above)
        arrays["answer_sec"] = _array(answer_sec, "answer_sec")
    if asa_sec is not None:
        arrays["asa_sec"] = _array(asa_sec, "asa_sec", strict=True)
    if max_occupancy is not None:
        arrays["max_occupancy"] = _unit_interval(max_occupancy, "max_occupancy")
    if patience_sec is not None:
        arrays["patience_sec"] = _array(patience_sec, "patience_sec", strict=True)
    if max_abandon is not None:
        arrays["max_abandon"] = _unit_interval(max_abandon, "max_abandon")
    names = list(arrays)
    shape = np.broadcast_shapes(*(v.shape for v in arrays.values()))
    flat = {k: np.broadcast_to(v, shape).ravel() for k, v in zip(names, arrays.values(), strict=True)}
    a = flat["traffic"]
    out = np.zeros(a.size)
    live = np.flatnonzero(a > 0)
    if len(live):
        sub = {k: v[live] for k, v in flat.items()}
        if "patience_sec" in sub:
            out[live] = _size_erlang_a(
                sub["traffic"],
                sub["aht_sec"],
                sub["patience_sec"],
                sub.get("service_level"),
                sub.get("answer_sec", np.zeros(len(live))),
                sub.get("asa_sec"),
                sub.get("max_occupancy"),
                sub.get("max_abandon"),
            )
        else:
            out[live] = _size_erlang_c(
                sub["traffic"],
                sub["aht_sec"],
                sub.get("service_level"),
                sub.get("answer_sec"),
                sub.get("asa_sec"),
                sub.get("max_occupancy"),
            )
    return _out(out.astype(np.int64).reshape(shape))


def _unit_interval(value: ArrayLike, name: str) -> FloatArray:
    """Validate an array target in (0, 1]."""
    arr = _array(value, name)
    bad = (arr <= 0) | (arr > 1)
    if bad.any():
        raise InvalidInputError(f"{name} must be in (0, 1], got {arr[bad].flat[0]:g}")
    return arr
