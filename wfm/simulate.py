"""A discrete-event simulation of one rostered horizon: the independent judge of service figures.

:func:`simulate` replays a roster (with its breaks) against call volumes per queue and
interval, queue by queue, with skill-based routing, and reports what each queue gets:
offered, answered, abandoned, service level, ASA, occupancy, each with a 95% interval over
independent replications. The model (details and validation in ``docs/simulate.md``):

Arrivals
    Per queue and interval, a Poisson process at rate ``calls`` per interval (piecewise
    constant), or with ``counts="given"`` exactly ``calls`` arrivals spread uniformly at
    random over the interval (``calls`` must then be whole numbers).
Handle times
    Per call, with mean the ``aht_sec`` of its queue and arrival interval: exponential
    (default), or lognormal / gamma with a given coefficient of variation.
Patience
    Exponential with mean ``patience_sec`` where the queue's targets give one (callers hang
    up if not answered by then); otherwise callers wait as long as it takes.
Deferrable work
    A queue whose targets have ``deadline_sec`` is a backlog (outbound callbacks): items
    never abandon and an agent takes one only when no inbound call it can answer is waiting.
    Its service level is the share of items started within the deadline.
Agents
    Agent ``i`` is on the phones while one of its roster shifts covers the moment, no break
    of its own does, and shrinkage has not taken it off for the interval. Shrinkage: in each
    replication and interval, the on-shift agents of each skill group lose
    ``shrinkage x (agents of the group on shift in the interval)`` agents (randomised
    rounding, so the mean is exact), chosen uniformly at random; with
    ``shrinkage_model="bernoulli"`` each on-shift agent is off independently with
    probability ``shrinkage`` instead. An agent's shrinkage is the mean of the shrinkage of
    the queues it holds at that weekday and hour. The requirements' ``agents_scheduled``
    is ``agents / (1 - shrinkage)`` and the roster covers it, so removing shrinkage here is
    what makes the simulation judge the net requirement. An agent leaving the phones (break,
    shift end, shrinkage) finishes the call it is on first.
Routing
    An arriving call goes to an idle agent of the first skill group in its queue's routing
    order that has one (default: most specialised groups first, :mod:`wfm.skills`). A freed
    agent takes, among the queues it holds, a waiting call of its best (lowest) level, the
    longest-waiting among queues at equal level; deferrable queues only when no inbound
    call it holds waits. Otherwise it stays idle.

Service level is the same figure :mod:`wfm.erlang` computes: calls answered within
``answer_sec`` over calls *offered* (abandoned calls, and calls still waiting when the
simulation ends, count as misses). Under Erlang C every call is answered, so this equals
``P(wait <= answer_sec)``; under Erlang A it is ``ErlangAResult.service_level``. ASA is the
mean wait of all offered calls (abandoned calls' wait is their time to hang up), as
``erlang.asa`` and ``ErlangAResult.asa_sec``. Occupancy of a queue is the occupancy of the
agents holding its skill: their busy time over their time on the phones (busy + idle).

The event loop is compiled with numba (``engine="numba"``, default); ``engine="python"``
runs the same loop interpreted (identical results, much slower; for checks).

Examples
--------
>>> from wfm.simulate import simulate
>>> result = simulate(roster, agents, forecast, targets, breaks=breaks, replications=10, seed=0)  # doctest: +SKIP
>>> result.daily[["date", "queue", "service_level", "service_level_lo", "service_level_hi"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError, WFMWarning
from .frames import check_unique, infer_interval, require_columns, to_numeric, to_timestamps
from .skills import SkillMatrix, parse_skill_text, parse_skills
from .staffing import Targets, TargetSet

__all__ = [
    "SERVICE_COLUMNS",
    "simulate",
    "SimulationResult",
    "service_figures",
    "compare_to_plan",
    "miss_warnings",
    "VOLUME_COLUMNS",
    "HANDLE_DISTRIBUTIONS",
    "SHRINKAGE_MODELS",
    "ENGINES",
]

#: columns :func:`simulate` needs in the volumes frame (a forecast or requirements frame has them)
VOLUME_COLUMNS: tuple[str, ...] = ("queue", "interval_start", "calls", "aht_sec")
HANDLE_DISTRIBUTIONS: tuple[str, ...] = ("exponential", "lognormal", "gamma")
SHRINKAGE_MODELS: tuple[str, ...] = ("stratified", "bernoulli")
ENGINES: tuple[str, ...] = ("numba", "python")
COUNT_MODES: tuple[str, ...] = ("poisson", "given")

# Outcomes of a call in the event loop.
_ANSWERED, _ABANDONED, _UNSERVED = 0, 1, 2
# Two-sided 95% Student t quantiles by degrees of freedom (scipy-free, exact to 4 digits).
_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    25: 2.060,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def _t_quantile(df: int) -> float:
    """Student t 0.975 quantile (df >= 1); between table rows, the next lower df (conservative)."""
    keys = [k for k in sorted(_T975) if k <= df]
    return _T975[keys[-1]] if df <= 120 else 1.960


# --------------------------------------------------------------------------- event loop


def _add_span_py(acc: np.ndarray, g: int, t0: float, t1: float, length: float, n_intervals: int) -> None:
    """Add the time [t0, t1) to ``acc[g, k]`` split over the intervals k it covers."""
    if t1 <= t0:
        return
    k = int(t0 // length)
    while t0 < t1 and k < n_intervals:
        end = min(t1, (k + 1) * length)
        if k >= 0:
            acc[g, k] += end - t0
        t0 = end
        k += 1


def _heap_push_py(ht: np.ndarray, ha: np.ndarray, hn: int, t: float, a: int) -> int:
    i = hn
    ht[i] = t
    ha[i] = a
    while i > 0:
        p = (i - 1) // 2
        if ht[p] <= ht[i]:
            break
        ht[p], ht[i] = ht[i], ht[p]
        ha[p], ha[i] = ha[i], ha[p]
        i = p
    return hn + 1


def _heap_pop_py(ht: np.ndarray, ha: np.ndarray, hn: int) -> int:
    """Remove the top (read ``ht[0], ha[0]`` before); return the new size."""
    hn -= 1
    ht[0] = ht[hn]
    ha[0] = ha[hn]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= hn:
            break
        c = left
        if left + 1 < hn and ht[left + 1] < ht[left]:
            c = left + 1
        if ht[i] <= ht[c]:
            break
        ht[c], ht[i] = ht[i], ht[c]
        ha[c], ha[i] = ha[i], ha[c]
        i = c
    return hn


def _kernel_py(
    arr_t,
    arr_q,
    arr_s,
    arr_ab,  # calls: arrival, queue, handle time, abandon time (inf: never)
    ev_t,
    ev_a,
    ev_on,  # agents' availability changes, in time order
    agent_group,
    g_ptr,
    g_q,
    g_lv,  # each agent's group; each group's (queue, level) by level
    r_ptr,
    r_g,
    defer,  # each queue's routing order of groups; deferrable flag
    n_groups,
    length,
    n_intervals,
):  # pragma: no cover - compiled; the interpreted twin runs in tests via engine="python"
    n = arr_t.shape[0]
    m = ev_t.shape[0]
    n_agents = agent_group.shape[0]
    n_queues = r_ptr.shape[0] - 1
    wait = np.zeros(n)
    outcome = np.full(n, 2, np.int8)
    busy = np.zeros((n_groups, n_intervals))
    idle = np.zeros((n_groups, n_intervals))
    # FIFO of waiting calls per queue: a region of `fifo` per queue, head/tail pointers.
    f_head = np.zeros(n_queues, np.int64)
    for c in range(n):
        f_head[arr_q[c]] += 1
    start = 0
    for q in range(n_queues):
        size = f_head[q]
        f_head[q] = start
        start += size
    f_tail = f_head.copy()
    fifo = np.empty(max(n, 1), np.int64)
    # Idle agents per group: a region of `idle_arr` per group (swap-remove by position).
    i_start = np.zeros(n_groups + 1, np.int64)
    for a in range(n_agents):
        i_start[agent_group[a] + 1] += 1
    for g in range(n_groups):
        i_start[g + 1] += i_start[g]
    idle_arr = np.empty(max(n_agents, 1), np.int64)
    idle_cnt = np.zeros(n_groups, np.int64)
    idle_pos = np.full(n_agents, -1, np.int64)
    idle_since = np.zeros(n_agents)
    on = np.zeros(n_agents, np.bool_)
    serving = np.zeros(n_agents, np.bool_)
    serve_start = np.zeros(n_agents)
    ht = np.empty(max(n_agents, 1))
    ha = np.empty(max(n_agents, 1), np.int64)
    hn = 0
    ia = 0
    ie = 0
    inf = np.inf
    now = 0.0
    while True:
        t_arr = arr_t[ia] if ia < n else inf
        t_ev = ev_t[ie] if ie < m else inf
        t_c = ht[0] if hn > 0 else inf
        if t_arr == inf and t_ev == inf and t_c == inf:
            break
        seek = -1
        if t_c <= t_ev and t_c <= t_arr:
            # A call ends.
            now = t_c
            a = ha[0]
            hn = _heap_pop(ht, ha, hn)
            serving[a] = False
            _add_span(busy, agent_group[a], serve_start[a], now, length, n_intervals)
            if on[a]:
                seek = a
        elif t_ev <= t_arr:
            # An agent comes on or goes off the phones.
            now = t_ev
            a = ev_a[ie]
            if ev_on[ie]:
                if not on[a]:
                    on[a] = True
                    if not serving[a]:
                        seek = a
            else:
                on[a] = False
                if idle_pos[a] >= 0:
                    g = agent_group[a]
                    last = i_start[g] + idle_cnt[g] - 1
                    other = idle_arr[last]
                    idle_arr[i_start[g] + idle_pos[a]] = other
                    idle_pos[other] = idle_pos[a]
                    idle_pos[a] = -1
                    idle_cnt[g] -= 1
                    _add_span(idle, g, idle_since[a], now, length, n_intervals)
            ie += 1
        else:
            # A call arrives: the first group of its routing order with an idle agent takes it.
            now = t_arr
            c = ia
            ia += 1
            q = arr_q[c]
            taken = -1
            for j in range(r_ptr[q], r_ptr[q + 1]):
                g = r_g[j]
                if idle_cnt[g] > 0:
                    last = i_start[g] + idle_cnt[g] - 1
                    taken = idle_arr[last]
                    idle_pos[taken] = -1
                    idle_cnt[g] -= 1
                    _add_span(idle, g, idle_since[taken], now, length, n_intervals)
                    break
            if taken >= 0:
                outcome[c] = 0
                wait[c] = 0.0
                serving[taken] = True
                serve_start[taken] = now
                hn = _heap_push(ht, ha, hn, now + arr_s[c], taken)
            else:
                fifo[f_tail[q]] = c
                f_tail[q] += 1
        if seek >= 0:
            # A free agent on the phones: best level first, longest wait among equal levels;
            # deferrable queues only when no inbound call it holds waits.
            a = seek
            g = agent_group[a]
            best_q = -1
            for deferred_pass in range(2):
                j = g_ptr[g]
                while j < g_ptr[g + 1] and best_q < 0:
                    level = g_lv[j]
                    best_t = inf
                    while j < g_ptr[g + 1] and g_lv[j] == level:
                        q = g_q[j]
                        if defer[q] == deferred_pass:
                            while f_head[q] < f_tail[q]:
                                c = fifo[f_head[q]]
                                if arr_ab[c] <= now:
                                    outcome[c] = 1
                                    wait[c] = arr_ab[c] - arr_t[c]
                                    f_head[q] += 1
                                else:
                                    break
                            if f_head[q] < f_tail[q]:
                                c = fifo[f_head[q]]
                                if arr_t[c] < best_t:
                                    best_t = arr_t[c]
                                    best_q = q
                        j += 1
                if best_q >= 0:
                    break
            if best_q >= 0:
                c = fifo[f_head[best_q]]
                f_head[best_q] += 1
                outcome[c] = 0
                wait[c] = now - arr_t[c]
                serving[a] = True
                serve_start[a] = now
                hn = _heap_push(ht, ha, hn, now + arr_s[c], a)
            else:
                idle_pos[a] = idle_cnt[g]
                idle_arr[i_start[g] + idle_cnt[g]] = a
                idle_cnt[g] += 1
                idle_since[a] = now
    # Calls left waiting: those with a finite patience hang up; the rest were never reached.
    for q in range(n_queues):
        for p in range(f_head[q], f_tail[q]):
            c = fifo[p]
            if arr_ab[c] < inf:
                outcome[c] = 1
                wait[c] = arr_ab[c] - arr_t[c]
            else:
                outcome[c] = 2
                wait[c] = max(now - arr_t[c], 0.0)
    for a in range(n_agents):
        if idle_pos[a] >= 0:
            _add_span(idle, agent_group[a], idle_since[a], now, length, n_intervals)
    return wait, outcome, busy, idle


_numba_kernel = None


def _compiled_kernel():
    """The numba-compiled event loop (compiled on first use, cached on disk)."""
    global _numba_kernel, _add_span, _heap_push, _heap_pop
    if _numba_kernel is None:
        try:
            import numba
        except ImportError as exc:  # pragma: no cover - numba is a dependency
            raise InvalidInputError(f"engine 'numba' needs the numba package, which is not installed: {exc}") from exc
        jit = numba.njit(cache=True, nogil=True)
        _add_span = jit(_add_span_py)
        _heap_push = jit(_heap_push_py)
        _heap_pop = jit(_heap_pop_py)
        _numba_kernel = jit(_kernel_py)
    return _numba_kernel


def _python_kernel():
    """The same event loop, interpreted (its helpers bound to their Python versions)."""
    env = dict(_kernel_py.__globals__)
    env.update(_add_span=_add_span_py, _heap_push=_heap_push_py, _heap_pop=_heap_pop_py)
    return types.FunctionType(_kernel_py.__code__, env, "_kernel_python")


# Bound at first compile; the interpreted loop gets its own bindings.
_add_span = _add_span_py
_heap_push = _heap_push_py
_heap_pop = _heap_pop_py


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Plan:
    """Everything a replication needs, prepared once (numpy arrays, seconds from ``origin``)."""

    origin: pd.Timestamp
    length: float  # interval length, seconds
    n_intervals: int  # intervals of the volumes' horizon
    n_ext: int  # intervals simulated (horizon + shifts running past its end)
    step: float  # availability grid step, seconds
    queues: tuple[str, ...]
    n_reported: int  # the first n_reported queues are the volumes' (the rest: held, no calls)
    row_q: np.ndarray  # per volume row: queue index
    row_k: np.ndarray  # per volume row: interval index
    row_calls: np.ndarray
    row_aht: np.ndarray
    patience: np.ndarray  # per queue: mean patience (inf: none)
    threshold: np.ndarray  # per queue: answer_sec / deadline_sec (nan: no service-level target)
    defer: np.ndarray  # per queue: 1 for a deferrable backlog
    cv: np.ndarray  # per queue: handle-time coefficient of variation
    base: np.ndarray  # agents x grid steps: on shift and not on break
    present: np.ndarray  # agents x n_ext: on shift at some moment of the interval
    shrink: np.ndarray  # agents x n_ext: each agent's shrinkage
    agent_group: np.ndarray  # per rostered agent: skill-group index (agents sorted by group)
    g_ptr: np.ndarray
    g_q: np.ndarray
    g_lv: np.ndarray
    r_ptr: np.ndarray
    r_g: np.ndarray
    group_holds: np.ndarray  # groups x queues
    n_groups: int
    counts: str
    handle: str
    shrinkage_model: str


def _as_target_set(targets: Targets | TargetSet | Mapping[str, Targets] | None) -> TargetSet:
    if targets is None:
        return TargetSet(Targets())
    if isinstance(targets, TargetSet):
        return targets
    if isinstance(targets, Targets):
        return TargetSet(targets)
    if isinstance(targets, Mapping):
        queues = dict(targets)
        default = queues.pop("default", Targets())
        return TargetSet(default, queues)
    raise InvalidInputError(
        f"targets must be Targets, TargetSet or a mapping of queue -> Targets, got {type(targets).__name__}"
    )


def _seconds(ts: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return (pd.DatetimeIndex(ts) - origin).total_seconds().to_numpy(dtype=np.float64)


def _per_queue(
    value: float | Mapping[str, float] | None, queues: tuple[str, ...], name: str, default: float
) -> np.ndarray:
    if value is None:
        return np.full(len(queues), default)
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - set(queues))
        if unknown:
            raise InvalidInputError(
                f"{name} names queue(s) not in the volumes ({', '.join(queues)}): got {unknown[0]!r}"
            )
        return np.array([float(value.get(q, default)) for q in queues])
    return np.full(len(queues), float(value))


def _prepare(
    roster: pd.DataFrame,
    agents: pd.DataFrame,
    volumes: pd.DataFrame,
    targets: Targets | TargetSet | Mapping[str, Targets] | None,
    breaks: pd.DataFrame | None,
    *,
    counts: str,
    handle: str,
    handle_cv: float | Mapping[str, float] | None,
    shrinkage_model: str,
    routing: Mapping[str, Any] | None,
    interval_minutes: int | None,
) -> tuple[_Plan, pd.DataFrame, SkillMatrix]:
    for value, allowed, name in (
        (counts, COUNT_MODES, "counts"),
        (handle, HANDLE_DISTRIBUTIONS, "handle"),
        (shrinkage_model, SHRINKAGE_MODELS, "shrinkage_model"),
    ):
        if value not in allowed:
            raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    tset = _as_target_set(targets)

    # Volumes.
    require_columns(volumes, VOLUME_COLUMNS, "volumes")
    if volumes.empty:
        raise InvalidInputError("volumes frame must have at least one row, got none")
    if volumes["queue"].isna().any():
        row = int(np.flatnonzero(volumes["queue"].isna().to_numpy())[0])
        raise InvalidInputError(f"volumes column queue must not be empty, got a missing value at row {row}")
    vol_queue = volumes["queue"].astype(str).reset_index(drop=True)
    vol_ts = to_timestamps(volumes["interval_start"], "interval_start", "volumes").reset_index(drop=True)
    calls = to_numeric(volumes["calls"], "calls", "volumes").to_numpy()
    aht = to_numeric(volumes["aht_sec"], "aht_sec", "volumes").to_numpy()
    no_aht = (aht <= 0) & (calls > 0)
    if no_aht.any():
        i = int(np.flatnonzero(no_aht)[0])
        raise InvalidInputError(
            f"volumes column aht_sec must be > 0 where calls > 0, got {aht[i]:g} with {calls[i]:g} calls (row {i})"
        )
    if counts == "given":
        frac = calls != np.round(calls)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise InvalidInputError(
                f"volumes column calls must be whole numbers with counts='given', got {calls[i]:g} (row {i})"
            )
    check_unique(pd.DataFrame({"queue": vol_queue, "interval_start": vol_ts}), ["queue", "interval_start"], "volumes")
    if interval_minutes is None:
        if vol_ts.nunique() < 2:
            raise InvalidInputError(
                "volumes frame: cannot infer the interval length from one interval; pass interval_minutes"
            )
        interval = infer_interval(vol_ts, vol_queue, frame="volumes")
    else:
        if isinstance(interval_minutes, bool) or interval_minutes not in (5, 10, 15, 30, 60):
            raise InvalidInputError(f"interval_minutes must be one of 5, 10, 15, 30, 60, got {interval_minutes!r}")
        interval = pd.Timedelta(minutes=int(interval_minutes))
    length = interval.total_seconds()
    if vol_ts.dt.tz is not None:
        raise InvalidInputError(
            f"volumes column interval_start must be naive local times, got time zone {vol_ts.dt.tz}"
        )
    origin = vol_ts.min()
    offset = _seconds(vol_ts, origin)
    if (np.mod(offset, length) != 0).any():
        bad = vol_ts[np.mod(offset, length) != 0].iloc[0]
        raise InvalidInputError(f"volumes interval_start must lie on a {interval} grid from {origin}, got {bad}")
    row_k = (offset // length).astype(np.int64)
    n_intervals = int(row_k.max()) + 1
    queues = tuple(dict.fromkeys(sorted(vol_queue.unique())))
    q_index = {q: j for j, q in enumerate(queues)}
    row_q = vol_queue.map(q_index).to_numpy(dtype=np.int64)

    # Skills (the agents frame) and the roster.
    if not isinstance(agents, pd.DataFrame):
        raise InvalidInputError(f"agents must be a pandas DataFrame, got {type(agents).__name__}")
    # The centre's queues: the volumes' and any the agents hold beyond them (those get no calls).
    vol_queues = queues
    if "skills" in agents.columns:
        held = {
            q
            for a, text in zip(agents["agent_id"].astype(str), agents["skills"], strict=True)
            for q in parse_skill_text(text, a)
        }
        queues = vol_queues + tuple(sorted(held - set(vol_queues)))
    skills = parse_skills(agents, queues, routing=routing, require_all_queues=False)
    unknown_targets = sorted(set(tset.queues) - set(queues))
    if unknown_targets:
        raise InvalidInputError(
            f"targets name queue(s) neither in the volumes nor held by agents ({', '.join(queues)}): got {unknown_targets[0]!r}"
        )
    unserved = [q for j, q in enumerate(vol_queues) if not skills.level[:, j].any()]
    if unserved:
        raise InvalidInputError(
            f"every queue of the volumes needs at least one agent holding its skill, got none for {', '.join(unserved)}"
        )
    require_columns(roster, ["agent_id", "shift_start", "shift_end"], "roster")
    r_agent = roster["agent_id"].astype(str).reset_index(drop=True)
    known = {a: i for i, a in enumerate(skills.agent_ids)}
    missing = ~r_agent.isin(known)
    if missing.any():
        raise InvalidInputError(
            f"roster names agent {r_agent[missing].iloc[0]!r}, who is not in the agents frame "
            f"({int(missing.sum())} roster rows with unknown agents)"
        )
    s_start = to_timestamps(roster["shift_start"], "shift_start", "roster").reset_index(drop=True)
    s_end = to_timestamps(roster["shift_end"], "shift_end", "roster").reset_index(drop=True)
    bad = (s_end <= s_start).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"roster shift_end must be after shift_start, got {s_start[i]} - {s_end[i]} for agent {r_agent[i]!r} (row {i})"
        )
    if breaks is not None and len(breaks):
        require_columns(breaks, ["agent_id", "break_start", "break_end"], "breaks")
        b_agent = breaks["agent_id"].astype(str).reset_index(drop=True)
        unknown = ~b_agent.isin(set(r_agent))
        if unknown.any():
            raise InvalidInputError(f"breaks name agent {b_agent[unknown].iloc[0]!r}, who has no shift in the roster")
        b_start = to_timestamps(breaks["break_start"], "break_start", "breaks").reset_index(drop=True)
        b_end = to_timestamps(breaks["break_end"], "break_end", "breaks").reset_index(drop=True)
        bad = (b_end <= b_start).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"breaks break_end must be after break_start, got {b_start[i]} - {b_end[i]} for agent {b_agent[i]!r} (row {i})"
            )
    else:
        b_agent = pd.Series([], dtype=object)
        b_start = b_end = pd.Series([], dtype="datetime64[ns]")

    # A previous shift still running at the horizon start (the agents' prev_shift_end, as the
    # roster counts it) covers the first intervals up to its end.
    carry_agent: list[str] = []
    carry_end: list[pd.Timestamp] = []
    if "prev_shift_end" in agents.columns:
        raw = agents["prev_shift_end"].reset_index(drop=True)
        parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
        bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InvalidInputError(
                f"agents column prev_shift_end must be a timestamp, got {raw[i]!r} (agent {skills.agent_ids[i]})"
            )
        running = np.flatnonzero((parsed > origin).to_numpy())
        carry_agent = [skills.agent_ids[i] for i in running]
        carry_end = [parsed[i] for i in running]
    if carry_agent:
        r_agent = pd.concat([r_agent, pd.Series(carry_agent, dtype=object)], ignore_index=True)
        s_start = pd.concat([s_start, pd.Series([origin] * len(carry_agent))], ignore_index=True)
        s_end = pd.concat([s_end, pd.Series(carry_end)], ignore_index=True)

    # Rostered agents, sorted by skill group (so each group is one block of rows).
    rostered = np.array(sorted({known[a] for a in r_agent}, key=lambda i: (int(skills.group_of[i]), i)), dtype=np.int64)
    row_of = {int(i): r for r, i in enumerate(rostered)}
    agent_group = skills.group_of[rostered].astype(np.int64)
    n_agents = len(rostered)

    # Availability grid: step = the finest boundary spacing (whole seconds, at least 1 s).
    sh0 = _seconds(s_start, origin)
    sh1 = _seconds(s_end, origin)
    br0 = _seconds(b_start, origin)
    br1 = _seconds(b_end, origin)
    horizon = n_intervals * length
    end = max(horizon, float(np.max(sh1)) if len(sh1) else horizon)
    end = min(end, horizon + 86400.0)
    n_ext = int(math.ceil(end / length))
    bounds = np.concatenate([sh0, sh1, br0, br1]) if n_agents else np.zeros(0)
    bounds = np.clip(bounds, 0.0, n_ext * length)
    step = int(length)
    for v in np.unique(np.round(bounds).astype(np.int64)):
        step = math.gcd(step, int(v))
        if step <= 60:
            break
    step = max(step, 1)
    n_steps = int(n_ext * length // step)

    def to_step(x: np.ndarray) -> np.ndarray:
        return np.clip(np.round(x / step), 0, n_steps).astype(np.int64)

    diff = np.zeros((n_agents, n_steps + 1), dtype=np.int32)
    rows = np.array([row_of[known[a]] for a in r_agent], dtype=np.int64)
    np.add.at(diff, (rows, to_step(sh0)), 1)
    np.add.at(diff, (rows, to_step(sh1)), -1)
    on_shift = np.cumsum(diff, axis=1)[:, :n_steps] > 0
    diff[:] = 0
    if len(b_agent):
        b_rows = np.array([row_of[known[a]] for a in b_agent], dtype=np.int64)
        np.add.at(diff, (b_rows, to_step(br0)), 1)
        np.add.at(diff, (b_rows, to_step(br1)), -1)
    on_break = np.cumsum(diff, axis=1)[:, :n_steps] > 0
    base = on_shift & ~on_break
    per = int(length // step)
    present: np.ndarray = np.asarray(on_shift.reshape(n_agents, n_ext, per).any(axis=2))

    # Targets per queue: patience, threshold, deadline; shrinkage per agent and interval.
    patience = np.full(len(queues), np.inf)
    threshold = np.full(len(queues), np.nan)
    defer = np.zeros(len(queues), dtype=np.int8)
    starts = pd.Series(origin + pd.to_timedelta(np.arange(n_ext) * length, unit="s"))
    q_shrink = np.zeros((len(queues), n_ext))
    for j, q in enumerate(queues):
        t = tset.for_queue(q)
        deadline = t.deadline_sec
        if deadline is not None:
            defer[j] = 1
            threshold[j] = float(deadline)
        else:
            if t.patience_sec is not None:
                patience[j] = float(t.patience_sec)
            if t.answer_sec is not None:
                threshold[j] = float(t.answer_sec)
        q_shrink[j] = t.shrinkage_at(starts)
    holds = skills.group_holds()
    g_shrink = np.array([q_shrink[holds[g]].mean(axis=0) for g in range(len(skills.groups))]).reshape(
        len(skills.groups), n_ext
    )
    shrink = g_shrink[agent_group] if n_agents else np.zeros((0, n_ext))

    # Handle-time variation.
    cv = _per_queue(handle_cv, queues, "handle_cv", 1.0)
    if handle == "exponential":
        if handle_cv is not None and not np.allclose(cv, 1.0):
            raise InvalidInputError(
                f"handle 'exponential' has a coefficient of variation of 1, got handle_cv {handle_cv!r}; "
                "use handle='lognormal' or 'gamma'"
            )
    elif (~np.isfinite(cv) | (cv <= 0)).any():
        raise InvalidInputError(f"handle_cv must be > 0 and finite, got {cv[~np.isfinite(cv) | (cv <= 0)][0]:g}")

    # Groups' skills sorted by level; routing orders.
    g_ptr = np.zeros(len(skills.groups) + 1, dtype=np.int64)
    g_q: list[int] = []
    g_lv: list[int] = []
    for g in skills.groups:
        for q, lv in sorted(g.levels, key=lambda x: (x[1], queues.index(x[0]))):
            g_q.append(queues.index(q))
            g_lv.append(lv)
        g_ptr[g.index + 1] = len(g_q)
    r_ptr = np.zeros(len(queues) + 1, dtype=np.int64)
    r_g: list[int] = []
    for j, order in enumerate(skills.routing):
        r_g.extend(order)
        r_ptr[j + 1] = len(r_g)

    # A queue with calls that no rostered agent can answer gets a warning (its calls go unanswered).
    rostered_groups = np.zeros(len(skills.groups), dtype=bool)
    rostered_groups[agent_group] = True
    q_calls = np.bincount(row_q, weights=calls, minlength=len(queues))
    for j, q in enumerate(vol_queues):
        if q_calls[j] > 0 and not (holds[:, j] & rostered_groups).any():
            warnings.warn(
                f"queue {q!r} has {q_calls[j]:.0f} calls but no rostered agent holds its skill: none is answered",
                WFMWarning,
                stacklevel=3,
            )

    plan = _Plan(
        origin=origin,
        length=length,
        n_intervals=n_intervals,
        n_ext=n_ext,
        step=float(step),
        queues=queues,
        n_reported=len(vol_queues),
        row_q=row_q,
        row_k=row_k,
        row_calls=calls,
        row_aht=aht,
        patience=patience,
        threshold=threshold,
        defer=defer,
        cv=cv,
        base=base,
        present=present,
        shrink=shrink,
        agent_group=agent_group,
        g_ptr=g_ptr,
        g_q=np.array(g_q, dtype=np.int64),
        g_lv=np.array(g_lv, dtype=np.int64),
        r_ptr=r_ptr,
        r_g=np.array(r_g, dtype=np.int64),
        group_holds=holds,
        n_groups=len(skills.groups),
        counts=counts,
        handle=handle,
        shrinkage_model=shrinkage_model,
    )
    frame = pd.DataFrame({"queue": vol_queue, "interval_start": vol_ts})
    return plan, frame, skills


# --------------------------------------------------------------------------- one replication


@dataclass
class _Replication:
    q: np.ndarray  # per call: queue
    k: np.ndarray  # per call: arrival interval
    t: np.ndarray  # per call: arrival time
    wait: np.ndarray
    outcome: np.ndarray
    busy: np.ndarray  # groups x intervals, seconds
    idle: np.ndarray


def _arrivals(plan: _Plan, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    lam = plan.row_calls
    n_row = rng.poisson(lam) if plan.counts == "poisson" else np.round(lam).astype(np.int64)
    row = np.repeat(np.arange(len(lam)), n_row)
    k = plan.row_k[row]
    t = (k + rng.random(len(row))) * plan.length
    q = plan.row_q[row]
    mean = plan.row_aht[row]
    if plan.handle == "exponential":
        s = rng.exponential(1.0, len(row)) * mean
    else:
        cv = plan.cv[q]
        if plan.handle == "lognormal":
            sigma2 = np.log1p(cv * cv)
            s = mean * np.exp(rng.standard_normal(len(row)) * np.sqrt(sigma2) - sigma2 / 2.0)
        else:
            shape = 1.0 / (cv * cv)
            s = rng.gamma(shape, 1.0, len(row)) * mean / shape
    pat = plan.patience[q]
    finite = np.isfinite(pat)
    ab = np.full(len(row), np.inf)
    ab[finite] = t[finite] + rng.exponential(1.0, int(finite.sum())) * pat[finite]
    order = np.argsort(t, kind="stable")
    return t[order], q[order], s[order], ab[order], k[order]


def _availability_events(plan: _Plan, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_agents, n_ext = plan.present.shape
    keys = rng.random((n_agents, n_ext))
    if plan.shrinkage_model == "bernoulli":
        off = plan.present & (keys < plan.shrink)
    else:
        off = np.zeros((n_agents, n_ext), dtype=bool)
        bounds: Any = (
            np.flatnonzero(np.diff(np.concatenate([[-1], plan.agent_group, [plan.n_groups + 1]]))) if n_agents else []
        )
        u = rng.random((plan.n_groups, n_ext))
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=False):
            g = int(plan.agent_group[lo])
            pres = plan.present[lo:hi]
            n_on = pres.sum(axis=0)
            quota = np.floor(n_on * plan.shrink[lo] + u[g]).astype(np.int64)
            kk = np.where(pres, keys[lo:hi], np.inf)
            rank = np.argsort(np.argsort(kk, axis=0, kind="stable"), axis=0, kind="stable")
            off[lo:hi] = pres & (rank < quota[None, :])
    per = int(plan.length // plan.step)
    avail = plan.base & ~np.repeat(off, per, axis=1)
    padded = np.zeros((n_agents, avail.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = avail
    change = np.diff(padded, axis=1)  # +1: comes on at step s; -1: goes off at step s
    steps, who = np.nonzero(change.T)
    kind = change[who, steps]
    return steps * plan.step, who.astype(np.int64), (kind > 0).astype(np.int8)


def _replicate(plan: _Plan, seed: np.random.SeedSequence, engine: str) -> _Replication:
    rng_calls, rng_agents = (np.random.default_rng(s) for s in seed.spawn(2))
    t, q, s, ab, k = _arrivals(plan, rng_calls)
    ev_t, ev_a, ev_on = _availability_events(plan, rng_agents)
    kernel = _compiled_kernel() if engine == "numba" else _python_kernel()
    wait, outcome, busy, idle = kernel(
        t,
        q,
        s,
        ab,
        ev_t.astype(np.float64),
        ev_a,
        ev_on,
        plan.agent_group,
        plan.g_ptr,
        plan.g_q,
        plan.g_lv,
        plan.r_ptr,
        plan.r_g,
        plan.defer,
        plan.n_groups,
        plan.length,
        plan.n_intervals,
    )
    return _Replication(q=q, k=k, t=t, wait=wait, outcome=outcome, busy=busy, idle=idle)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    interval
        Per queue and interval: ``queue, interval_start, calls`` (the volumes' figure),
        then ``offered, answered, abandoned, unserved, service_level, asa_sec,
        abandon_rate, occupancy``, each the mean over replications with ``_lo``/``_hi``
        (95% interval of the mean, Student t over replications), and ``threshold_sec``
        (answer time, or deadline for a deferrable queue; NaN: no service-level target).
    daily
        The same per queue and calendar day (``date`` instead of ``interval_start``).
    backlog
        Per queue and hour mark: ``queue, time, waiting, waiting_lo, waiting_hi``: calls
        (items) waiting at that moment, mean over replications.
    counts
        Raw per replication, queue and interval: ``replication, queue, interval_start,
        offered, answered, abandoned, unserved, within, wait_sec, busy_sec, on_phone_sec``
        (``within``: answered within the threshold; ``wait_sec``: total wait of offered calls;
        the last two: the queue's agents' busy and on-the-phones seconds). For checks and
        custom aggregation (e.g. dropping a warm-up).
    summary
        Replications, seed, calls simulated per replication, engine, settings.
    """

    interval: pd.DataFrame
    daily: pd.DataFrame
    backlog: pd.DataFrame
    counts: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


_FIGURES = ("offered", "answered", "abandoned", "unserved", "service_level", "asa_sec", "abandon_rate", "occupancy")


def service_figures(counts: pd.DataFrame, keys: list[str], threshold: Mapping[str, float]) -> pd.DataFrame:
    """Service figures per ``keys`` from per-replication counts: mean and 95% interval.

    ``counts`` has the columns of :attr:`SimulationResult.counts` (``replication`` and
    ``keys`` plus the counts); rows are summed per replication and key first, then each
    replication's ratio is taken, then the mean and interval over replications (a key
    without offered calls in a replication leaves that replication out of its rates).
    """
    g = (
        counts.groupby(["replication", *keys], sort=True)[
            ["offered", "answered", "abandoned", "unserved", "within", "wait_sec", "busy_sec", "on_phone_sec"]
        ]
        .sum()
        .reset_index()
    )
    offered = g["offered"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        has = offered > 0
        thr = g["queue"].map(threshold).to_numpy(dtype=float)
        g["service_level"] = np.where(has & np.isfinite(thr), g["within"] / np.where(has, offered, 1.0), np.nan)
        g["asa_sec"] = np.where(has, g["wait_sec"] / np.where(has, offered, 1.0), np.nan)
        g["abandon_rate"] = np.where(has, g["abandoned"] / np.where(has, offered, 1.0), np.nan)
        on = g["on_phone_sec"].to_numpy(dtype=float)
        g["occupancy"] = np.where(on > 0, g["busy_sec"] / np.where(on > 0, on, 1.0), np.nan)
    agg = g.groupby(keys, sort=True)[list(_FIGURES)].agg(["mean", "std", "count"])
    out = agg.index.to_frame(index=False)
    for name in _FIGURES:
        mean = agg[(name, "mean")].to_numpy(dtype=float)
        sd = agg[(name, "std")].to_numpy(dtype=float)
        n = agg[(name, "count")].to_numpy(dtype=np.int64)
        tq = np.array([_t_quantile(int(x) - 1) if x >= 2 else np.nan for x in n])
        with np.errstate(invalid="ignore", divide="ignore"):
            half = tq * sd / np.sqrt(np.maximum(n, 1))
        out[name] = mean
        out[f"{name}_lo"] = mean - half
        out[f"{name}_hi"] = mean + half
    for name in ("service_level", "abandon_rate", "occupancy"):
        out[f"{name}_lo"] = out[f"{name}_lo"].clip(lower=0.0)
        out[f"{name}_hi"] = out[f"{name}_hi"].clip(upper=1.0)
    for name in ("offered", "answered", "abandoned", "unserved", "asa_sec"):
        out[f"{name}_lo"] = out[f"{name}_lo"].clip(lower=0.0)
    out["threshold_sec"] = out["queue"].map(threshold).astype(float)
    return out


def _counts_frame(plan: _Plan, reps: list[_Replication]) -> pd.DataFrame:
    n_q, n_k = plan.n_reported, plan.n_intervals
    cells = n_q * n_k
    parts = []
    holds = plan.group_holds.astype(float)  # groups x queues
    for r, rep in enumerate(reps):
        inside = rep.k < n_k
        key = (rep.q * n_k + rep.k)[inside]
        out = rep.outcome[inside]
        wait = rep.wait[inside]
        thr = plan.threshold[rep.q[inside]]
        within = (out == _ANSWERED) & (wait <= thr)  # NaN threshold: never within
        busy = (holds[:, :n_q].T @ rep.busy[:, :n_k]).ravel()
        on_phone = (holds[:, :n_q].T @ (rep.busy[:, :n_k] + rep.idle[:, :n_k])).ravel()
        parts.append(
            {
                "replication": np.full(cells, r, dtype=np.int64),
                "cell": np.arange(cells),
                "offered": np.bincount(key, minlength=cells),
                "answered": np.bincount(key[out == _ANSWERED], minlength=cells),
                "abandoned": np.bincount(key[out == _ABANDONED], minlength=cells),
                "unserved": np.bincount(key[out == _UNSERVED], minlength=cells),
                "within": np.bincount(key[within], minlength=cells),
                "wait_sec": np.bincount(key, weights=wait, minlength=cells),
                "busy_sec": busy,
                "on_phone_sec": on_phone,
            }
        )
    frame = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in parts[0]})
    cell = frame.pop("cell").to_numpy()
    frame.insert(1, "queue", np.asarray(plan.queues, dtype=object)[cell // n_k])
    frame.insert(2, "interval_start", plan.origin + pd.to_timedelta((cell % n_k) * plan.length, unit="s"))
    return frame


def _backlog_frame(plan: _Plan, reps: list[_Replication]) -> pd.DataFrame:
    marks = np.arange(0.0, plan.n_intervals * plan.length + 1e-9, 3600.0)
    rows = []
    for r, rep in enumerate(reps):
        for j, q in enumerate(plan.queues[: plan.n_reported]):
            mine = rep.q == j
            arrive = np.sort(rep.t[mine])
            leave = np.sort(rep.t[mine] + rep.wait[mine])
            waiting = np.searchsorted(arrive, marks, side="right") - np.searchsorted(leave, marks, side="right")
            rows.append(pd.DataFrame({"replication": r, "queue": q, "mark": marks, "waiting": waiting}))
    raw = pd.concat(rows, ignore_index=True)
    agg = raw.groupby(["queue", "mark"], sort=True)["waiting"].agg(["mean", "std", "count"]).reset_index()
    tq = np.array([_t_quantile(int(x) - 1) if x >= 2 else np.nan for x in agg["count"]])
    half = tq * agg["std"].to_numpy(dtype=float) / np.sqrt(agg["count"].to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "queue": agg["queue"],
            "time": plan.origin + pd.to_timedelta(agg["mark"], unit="s"),
            "waiting": agg["mean"],
            "waiting_lo": np.maximum(agg["mean"] - half, 0.0),
            "waiting_hi": agg["mean"] + half,
        }
    )


def _run_chunk(args: tuple[_Plan, list[np.random.SeedSequence], str]) -> list[_Replication]:
    plan, seeds, engine = args
    return [_replicate(plan, s, engine) for s in seeds]


def simulate(
    roster: pd.DataFrame,
    agents: pd.DataFrame,
    volumes: pd.DataFrame,
    targets: Targets | TargetSet | Mapping[str, Targets] | None = None,
    *,
    breaks: pd.DataFrame | None = None,
    replications: int = 10,
    seed: int = 0,
    counts: str = "poisson",
    handle: str = "exponential",
    handle_cv: float | Mapping[str, float] | None = None,
    shrinkage_model: str = "stratified",
    routing: Mapping[str, Any] | None = None,
    interval_minutes: int | None = None,
    workers: int = 1,
    engine: str = "numba",
) -> SimulationResult:
    """Simulate the rostered horizon queue by queue; figures with 95% intervals.

    Parameters
    ----------
    roster
        ``agent_id, shift_start, shift_end`` (the roster frame; other columns ignored).
    agents
        The agents frame: ``agent_id`` and optionally ``skills`` (:mod:`wfm.skills`; without
        it every agent holds every queue).
    volumes
        ``queue, interval_start, calls, aht_sec`` (a forecast or requirements frame). Missing
        queue-intervals have no calls.
    targets
        Per-queue targets (answer time, patience, shrinkage, deadline); default 80/20, no
        shrinkage, no patience.
    breaks
        ``agent_id, break_start, break_end`` (the breaks frame); agents are off the phones then.
    replications, seed
        Independent replications (>= 1) from ``seed``: the same seed gives identical frames.
    counts
        ``"poisson"`` (arrivals a Poisson process at the volumes' rate) or ``"given"``.
    handle, handle_cv
        Handle-time distribution (``exponential``, ``lognormal``, ``gamma``) and its
        coefficient of variation (one figure or per queue; not for exponential).
    shrinkage_model
        ``"stratified"`` (default) or ``"bernoulli"``; see the module doc.
    routing
        Optional ``{queue: [skill group name, ...]}`` routing orders (:func:`wfm.skills.parse_skills`).
    interval_minutes
        The volumes' interval length; inferred by default.
    workers
        Processes to run replications in (1: in this process).
    engine
        ``"numba"`` (compiled, default) or ``"python"`` (the same loop interpreted).

    Raises
    ------
    InvalidInputError
        Missing columns, bad values (negative calls, zero handle time with calls), an agent
        in the roster or breaks not in the agents frame, a queue no agent holds, a bad option.

    Examples
    --------
    >>> res = simulate(roster, agents, forecast, targets, breaks=breaks, replications=10)  # doctest: +SKIP
    """
    for value, name in ((replications, "replications"), (seed, "seed"), (workers, "workers")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise InvalidInputError(f"{name} must be a whole number, got {value!r}")
    if replications < 1:
        raise InvalidInputError(f"replications must be >= 1, got {replications}")
    if seed < 0:
        raise InvalidInputError(f"seed must be >= 0, got {seed}")
    if workers < 1:
        raise InvalidInputError(f"workers must be >= 1, got {workers}")
    if engine not in ENGINES:
        raise InvalidInputError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    plan, _, _ = _prepare(
        roster,
        agents,
        volumes,
        targets,
        breaks,
        counts=counts,
        handle=handle,
        handle_cv=handle_cv,
        shrinkage_model=shrinkage_model,
        routing=routing,
        interval_minutes=interval_minutes,
    )
    seeds = np.random.SeedSequence(int(seed)).spawn(int(replications))
    if engine == "numba":
        _compiled_kernel()
    if workers > 1 and replications > 1:
        import concurrent.futures
        import multiprocessing

        chunks = [seeds[i::workers] for i in range(workers)]
        ctx = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            done = list(pool.map(_run_chunk, [(plan, c, engine) for c in chunks if c]))
        reps: list[_Replication] = [None] * replications  # type: ignore[list-item]
        for i, chunk in enumerate(done):
            for j, rep in enumerate(chunk):
                reps[i + j * workers] = rep
    else:
        reps = [_replicate(plan, s, engine) for s in seeds]

    counts_frame = _counts_frame(plan, reps)
    threshold = {q: float(plan.threshold[j]) for j, q in enumerate(plan.queues)}
    vol = pd.DataFrame(
        {
            "queue": np.asarray(plan.queues, dtype=object)[plan.row_q],
            "interval_start": plan.origin + pd.to_timedelta(plan.row_k * plan.length, unit="s"),
            "calls": plan.row_calls,
        }
    )
    interval = service_figures(counts_frame, ["queue", "interval_start"], threshold)
    interval = interval.merge(vol, on=["queue", "interval_start"], how="left")
    interval["calls"] = interval["calls"].fillna(0.0)
    day = counts_frame.assign(date=counts_frame["interval_start"].dt.normalize())
    daily = service_figures(day, ["queue", "date"], threshold)
    daily = daily.merge(
        vol.assign(date=vol["interval_start"].dt.normalize()).groupby(["queue", "date"], as_index=False)["calls"].sum(),
        on=["queue", "date"],
        how="left",
    )
    daily["calls"] = daily["calls"].fillna(0.0)
    lead = ["queue", "interval_start", "calls"]
    interval = interval[lead + [c for c in interval.columns if c not in lead]]
    lead = ["queue", "date", "calls"]
    daily = daily[lead + [c for c in daily.columns if c not in lead]]
    summary = {
        "replications": int(replications),
        "seed": int(seed),
        "engine": engine,
        "counts": counts,
        "handle": handle,
        "shrinkage_model": shrinkage_model,
        "calls_per_replication": float(np.mean([len(r.t) for r in reps])),
        "agents_rostered": int(plan.present.shape[0]),
        "interval_minutes": plan.length / 60.0,
        "queues": list(plan.queues[: plan.n_reported]),
        "deferrable_queues": [q for j, q in enumerate(plan.queues) if plan.defer[j]],
    }
    return SimulationResult(
        interval=interval, daily=daily, backlog=_backlog_frame(plan, reps), counts=counts_frame, summary=summary
    )


#: service.csv's columns, per queue and day (:func:`compare_to_plan`)
SERVICE_COLUMNS = (
    "queue",
    "date",
    "calls",
    "metric",
    "target",
    "erlang_allocated",
    "simulated",
    "simulated_lo",
    "simulated_hi",
    "misses",
)


def compare_to_plan(
    simulated: pd.DataFrame,
    planned: pd.DataFrame,
    targets: Targets | TargetSet | Mapping[str, Targets] | None = None,
    *,
    tolerance: float = 0.02,
) -> pd.DataFrame:
    """Per queue and day: the target, the Erlang figure at the allocated heads, what the simulation gives.

    The simulation of the published plan is the run's promise (``simulated``): it routes each
    call as the centre does, so agents of several skills answer whichever of their queues has a
    call waiting. ``erlang_allocated`` is the narrower figure: each queue alone by Erlang at the
    heads the cover model allocates to it, as if those heads answered only that queue (a
    pooled gain or an agent pulled away to another queue is not in it).

    Parameters
    ----------
    simulated
        :attr:`SimulationResult.daily`.
    planned
        The plan's daily figures per queue (``date, queue, service_level, asa_sec``, e.g.
        :func:`wfm.evaluate.daily_service`); rows of other queues (``ALL``) are ignored.
    targets
        The targets the plan was sized with.
    tolerance
        How far the simulated figure may fall short of the target before ``misses`` is set:
        2 points of service level, or 2% of an ASA target.

    Returns
    -------
    pandas.DataFrame
        ``queue, date, calls, metric, target, erlang_allocated, simulated, simulated_lo,
        simulated_hi, misses``. ``metric`` is ``within_deadline`` for a deferrable queue (the share of items
        started within the deadline; target 1), ``service_level`` (the share answered within
        ``threshold_sec``) where the queue has a service-level target, else ``asa_sec``. Days without calls are left out.
    """
    require_columns(simulated, ["queue", "date", "calls", "service_level", "asa_sec", "threshold_sec"], "simulated")
    require_columns(planned, ["queue", "date"], "planned")
    tset = _as_target_set(targets)
    plan = planned.copy()
    plan["date"] = pd.to_datetime(plan["date"]).dt.normalize()
    plan = plan.set_index(["queue", "date"])
    rows = []
    for rec in simulated.itertuples(index=False):
        if not rec.offered > 0:
            continue
        t = tset.for_queue(rec.queue)
        key = (rec.queue, pd.Timestamp(rec.date).normalize())
        deferrable = t.deadline_sec is not None
        if deferrable:
            # Deferrable work's promise is "every item started within its deadline".
            metric, target = "within_deadline", 1.0
            sim, lo, hi = rec.service_level, rec.service_level_lo, rec.service_level_hi
            misses = sim < target - tolerance
        elif t.service_level is not None and np.isfinite(rec.threshold_sec):
            metric, target = "service_level", float(t.service_level)
            sim, lo, hi = rec.service_level, rec.service_level_lo, rec.service_level_hi
            misses = sim < target - tolerance
        elif t.asa_sec is not None and not deferrable:
            metric, target = "asa_sec", float(t.asa_sec)
            sim, lo, hi = rec.asa_sec, rec.asa_sec_lo, rec.asa_sec_hi
            misses = sim > target * (1.0 + tolerance)
        else:
            continue
        if metric == "within_deadline":
            # The plan's cover model holds the backlog to the deadline unless it reports the queue short.
            under = plan["under_agent_hours"].get(key, np.nan) if "under_agent_hours" in plan.columns else np.nan
            promised = 1.0 if not (np.isfinite(under) and under > 0) else np.nan
        else:
            promised = plan[metric].get(key, np.nan) if metric in plan.columns else np.nan
        rows.append(
            {
                "queue": rec.queue,
                "date": key[1],
                "calls": rec.calls,
                "metric": metric,
                "target": target,
                "erlang_allocated": float(promised),
                "simulated": float(sim),
                "simulated_lo": float(lo),
                "simulated_hi": float(hi),
                "misses": bool(misses),
            }
        )
    return pd.DataFrame(rows, columns=list(SERVICE_COLUMNS))


def miss_warnings(comparison: pd.DataFrame, *, tolerance: float = 0.02) -> list[str]:
    """One line per queue whose simulated service misses its target on some days (for a run's warnings)."""
    out = []
    for queue, block in comparison.loc[comparison["misses"]].groupby("queue", sort=True):
        days = ", ".join(f"{d:%a %m-%d}" for d in block["date"])
        if block["metric"].iloc[0] == "within_deadline":
            worst = block["simulated"].min()
            what = f"deadline (only {worst:.1%} of items started within it)"
        elif block["metric"].iloc[0] == "service_level":
            worst = block["simulated"].min()
            what = (
                f"service level {block['target'].iloc[0]:.0%} target by more than {tolerance * 100:g} points "
                f"(simulated down to {worst:.1%})"
            )
        else:
            worst = block["simulated"].max()
            what = f"ASA target {block['target'].iloc[0]:g} s (simulated up to {worst:,.0f} s)"
        out.append(f"simulate: {queue} misses its {what} on {days}")
    return out
