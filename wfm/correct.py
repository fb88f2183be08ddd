"""Simulation-corrected requirements: raise a queue's requirement where the simulated plan falls short.

The Erlang requirement of each queue and interval is exact for one queue with a constant
number of agents on the phones. A rostered plan is not that: breaks and shrinkage take whole
agents off at random moments, shifts start and end inside busy hours, and with skills a
queue only gets the agents who hold it. :func:`correct_requirements` closes the loop
(docs/simulate.md, "Correction loop"), in the spirit of the simulation-and-cut method of
Cezik & L'Ecuyer (2008) but with a simpler, monotone cut:

1. plan the requirement (a callable, e.g. :func:`wfm.roster.schedule` with the run's agents
   and rules) and simulate the plan (:func:`wfm.simulate.simulate`, the same seed every
   round: common random numbers, so a change between rounds is the plan's, not noise);
2. judge each queue and day as ``wfm run`` does (:func:`wfm.simulate.compare_to_plan`: more
   than ``tolerance`` under the target is a miss); stop when no queue-day misses;
3. otherwise pick the short queue-intervals: those whose whole 95% interval lies under the
   target, and, on a missing queue-day, every interval whose simulated mean is under it;
4. raise each by the agents the simulation shows the plan *lost*: invert the queue's own
   Erlang curve (C, or A with patience; the same curve the requirement was sized on) at the
   simulated figure to get the agents ``n_eff`` the queue effectively had, and compare with
   the agents the plan gave it (``heads x (1 - shrinkage)``, heads from the coverage frame:
   per-queue rows when it has them, else the pooled heads shared out pro rata as
   :mod:`wfm.evaluate` does). The raise in scheduled agents is
   ``ceil(damping x (available - n_eff) / (1 - shrinkage))``, at most ``max_step_share`` of
   the interval's requirement per round (at least one agent) and ``max_added_share`` in all;
   a deferrable queue (a ``deadline_sec`` target, no Erlang curve) is raised in proportion
   to its shortfall. Requirements are never lowered;
5. re-plan and repeat, for at most ``rounds`` re-plans. A queue whose raise cut its
   shortfall by less than ``min_progress`` of its best so far is not raised again (no
   progress: the raise cannot be turned into service, e.g. no more agents hold its skill);
   the loop stops when every missing queue is in that state.

The round returned is the converged one, else the last round that made progress (a round
without progress adds staff that buys no service). Requirements only rise and every cell's rise is capped, so the loop
ends in finitely many rounds even without the round limit.

Examples
--------
>>> from wfm.correct import correct_requirements
>>> plan = lambda r: schedule(r, agents, rules, time_limit_sec=30)             # doctest: +SKIP
>>> out = correct_requirements(req, forecast, targets, agents, plan, rounds=3)  # doctest: +SKIP
>>> out.rounds[["round", "queue", "simulated", "days_missing", "added_agent_intervals"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import erlang
from .exceptions import InvalidInputError, SolverError, WFMWarning
from .frames import require_columns, to_timestamps
from .simulate import SimulationResult, compare_to_plan, service_figures, simulate
from .staffing import Targets, TargetSet

__all__ = [
    "correct_requirements",
    "describe",
    "CorrectionResult",
    "CORRECTION_COLUMNS",
    "STOP_REASONS",
    "effective_agents",
]

#: columns of :attr:`CorrectionResult.rounds` (one row per round and queue)
CORRECTION_COLUMNS: tuple[str, ...] = (
    "round",
    "queue",
    "metric",
    "target",
    "calls",
    "simulated",
    "simulated_lo",
    "simulated_hi",
    "worst_day",
    "days_missing",
    "shortfall",
    "short_intervals",
    "required_agent_intervals",
    "added_agent_intervals",
    "raise_next",
    "status",
)
#: why the loop stopped
STOP_REASONS: tuple[str, ...] = ("converged", "round_limit", "no_progress", "nothing_to_raise", "plan_failed", "off")

_REQUIRED = ("queue", "interval_start", "calls", "aht_sec", "erlangs", "agents", "agents_scheduled")


@dataclass(frozen=True)
class CorrectionResult:
    """What :func:`correct_requirements` returns.

    Attributes
    ----------
    requirements
        The chosen round's requirements: the input frame with ``agents_scheduled`` raised
        where the simulation was short and ``agents_added`` (scheduled agents added by the
        correction; ``agents`` keeps the Erlang figure).
    plan
        The chosen round's plan (what the ``plan`` callable returned, e.g. a ``RosterResult``).
    simulation
        The chosen round's simulation.
    rounds
        One row per round and queue (:data:`CORRECTION_COLUMNS`): the queue's ``metric`` and
        ``target`` (as :func:`wfm.simulate.compare_to_plan`), its simulated figure over the
        horizon with the 95% interval, the worst simulated day, the days missing the target
        by more than the tolerance, the queue's ``shortfall`` (sum over days of points under
        the target; ASA: relative excess, capped at 1 a day), the intervals picked as short,
        the round's scheduled agent-intervals required, those added so far over the input,
        the raise applied for the next round, and ``status``: ``met`` (no day misses),
        ``raised``, ``no_progress`` (its last raise cut its shortfall by less than
        ``min_progress``: it is not raised again) or ``not_raised`` (the loop stopped).
    summary
        ``rounds_run`` (re-plans), ``chosen_round``, ``stop_reason`` (:data:`STOP_REASONS`),
        ``added_agent_intervals`` (chosen round, over the input), ``shortfall`` per round
        (sum over queue-days of points under target, ASA as relative excess capped at 1),
        ``queues_missing`` (chosen round), ``plan_sec`` and ``simulate_sec`` per round;
        ``plan_failure`` (the solver's message) when a re-plan raised
        :class:`~wfm.exceptions.SolverError`: the loop then stops (``plan_failed``) and
        chooses among the rounds it has, so a solver limit never loses the initial plan.
    """

    requirements: pd.DataFrame
    plan: Any
    simulation: SimulationResult
    rounds: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def _target_set(targets: Targets | TargetSet | Mapping[str, Targets] | None) -> TargetSet:
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


def _check_plan(result: Any, where: str) -> None:
    for name in ("roster", "breaks", "coverage"):
        if not isinstance(getattr(result, name, None), pd.DataFrame):
            raise InvalidInputError(
                f"{where} must have roster, breaks and coverage frames (a RosterResult), got {type(result).__name__} "
                f"without a {name} frame"
            )


def _number(value: Any, name: str, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
    ):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}")
    v = float(value)
    if (v <= lo if lo_open else v < lo) or (v >= hi if hi_open else v > hi):
        raise InvalidInputError(
            f"{name} must be in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}, got {value!r}"
        )
    return v


def _whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidInputError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- the Erlang curve


def _curve(kind: str, t: Targets, a: np.ndarray, n: np.ndarray, aht: np.ndarray) -> np.ndarray:
    """Goodness of the queue's Erlang curve at ``n`` agents (increasing in n): SL, or -ASA."""
    if t.patience_sec is not None:
        res = erlang.erlang_a(
            a, n, aht, np.full_like(a, float(t.patience_sec)), np.full_like(a, float(t.answer_sec or 0.0))
        )
        return res.service_level if kind == "service_level" else -res.asa_sec
    if kind == "service_level":
        return erlang.service_level(a, n, aht, np.full_like(a, float(t.answer_sec or 0.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return -erlang.asa(a, n, aht)


def effective_agents(
    kind: str, targets: Targets, traffic: np.ndarray, aht_sec: np.ndarray, observed: np.ndarray, available: np.ndarray
) -> np.ndarray:
    """Agents the queue's Erlang curve needs to give the ``observed`` figure, in ``[0, available]``.

    ``kind`` is ``"service_level"`` (observed share answered within the answer time) or
    ``"asa_sec"`` (observed mean wait); the curve is Erlang C, or Erlang A where the targets
    have a patience. Fractional (linear between whole agents); ``available`` where the
    observed figure is at least what ``available`` agents give (no loss), 0 where even no
    agents would give it.
    """
    a = np.asarray(traffic, dtype=float)
    h = np.asarray(aht_sec, dtype=float)
    y = np.asarray(observed, dtype=float)
    if kind == "asa_sec":
        y = -y
    top = np.maximum(np.floor(np.asarray(available, dtype=float)), 0.0)
    if not len(a):
        return np.zeros(0)
    g_top = _curve(kind, targets, a, top, h)
    # Largest whole n in [0, top] with curve(n) <= y, by bisection on [lo, hi].
    lo = np.zeros_like(top)
    hi = top.copy()
    g_lo = _curve(kind, targets, a, lo, h)
    below = g_lo > y  # even 0 agents do better: n_eff = 0
    done = (g_top <= y) | below
    while True:
        open_ = ~done & (hi - lo > 1)
        if not open_.any():
            break
        mid = np.floor((lo + hi) / 2.0)
        g_mid = _curve(kind, targets, a[open_], mid[open_], h[open_])
        ok = g_mid <= y[open_]
        idx = np.flatnonzero(open_)
        lo[idx[ok]] = mid[idx[ok]]
        hi[idx[~ok]] = mid[idx[~ok]]
    g0 = _curve(kind, targets, a, lo, h)
    g1 = _curve(kind, targets, a, lo + 1, h)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(np.isfinite(g0) & np.isfinite(g1) & (g1 > g0), (y - g0) / (g1 - g0), 0.0)
    n_eff = lo + np.clip(frac, 0.0, 1.0)
    n_eff = np.where(g_top <= y, top, n_eff)
    n_eff = np.where(below, 0.0, n_eff)
    return np.minimum(n_eff, top)


# --------------------------------------------------------------------------- one round's judgement


def _queue_heads(req: pd.DataFrame, coverage: pd.DataFrame) -> np.ndarray:
    """Scheduled heads each requirement row's queue got: per-queue coverage rows, else pooled pro rata."""
    require_columns(coverage, ["interval_start", "scheduled"], "coverage")
    cov_ts = to_timestamps(coverage["interval_start"], "interval_start", "coverage")
    queues = set(req["queue"].astype(str))
    if "queue" in coverage.columns and queues <= set(coverage["queue"].astype(str)):
        per = pd.Series(
            coverage["scheduled"].to_numpy(dtype=float),
            index=pd.MultiIndex.from_arrays([coverage["queue"].astype(str), cov_ts]),
        )
        per = per.groupby(level=[0, 1]).sum()
        key = pd.MultiIndex.from_arrays([req["queue"].astype(str), req["interval_start"]])
        return per.reindex(key).fillna(0.0).to_numpy(dtype=float)
    if "queue" in coverage.columns:
        # Only pooled rows (e.g. queue "pooled"); per-queue rows of other queues are not heads of ours.
        pooled_rows = ~coverage["queue"].astype(str).isin(queues)
        heads = (
            pd.Series(
                coverage["scheduled"].to_numpy(dtype=float)[pooled_rows.to_numpy()],
                index=cov_ts[pooled_rows.to_numpy()],
            )
            .groupby(level=0)
            .sum()
        )
    else:
        heads = pd.Series(coverage["scheduled"].to_numpy(dtype=float), index=cov_ts).groupby(level=0).sum()
    sched = req["agents_scheduled"].to_numpy(dtype=float)
    pooled = req.groupby("interval_start")["agents_scheduled"].transform("sum").to_numpy(dtype=float)
    share = np.divide(sched, pooled, out=np.zeros(len(req)), where=pooled > 0)
    return req["interval_start"].map(heads).fillna(0.0).to_numpy(dtype=float) * share


@dataclass
class _Judgement:
    daily: pd.DataFrame  # compare_to_plan frame (target, simulated, misses per queue and day)
    per_queue: pd.DataFrame  # rows of the rounds table (without round / raise)
    shortfall: float
    raise_: np.ndarray  # per requirement row: scheduled agents to add
    short: np.ndarray  # per requirement row: picked as short


#: the simulator's column behind each compare_to_plan metric
_COLUMN = {"service_level": "service_level", "asa_sec": "asa_sec", "within_deadline": "service_level"}


def _judge(
    req: pd.DataFrame,
    original: np.ndarray,
    sim: SimulationResult,
    plan_result: Any,
    tset: TargetSet,
    *,
    tolerance: float,
    damping: float,
    max_step_share: float,
    max_added_share: float,
) -> _Judgement:
    empty_plan = pd.DataFrame({"queue": pd.Series([], dtype=object), "date": pd.Series([], dtype="datetime64[ns]")})
    daily = compare_to_plan(sim.daily, empty_plan, tset, tolerance=tolerance)
    metric = daily.groupby("queue")["metric"].first().to_dict()
    target = daily.groupby("queue")["target"].first().to_dict()

    # Per requirement row: the simulated figure of its queue and interval.
    iv = sim.interval.set_index(["queue", "interval_start"])
    key = pd.MultiIndex.from_arrays([req["queue"].astype(str), req["interval_start"]])
    q = req["queue"].astype(str).to_numpy()
    kind = np.array([metric.get(x, "") for x in q], dtype=object)
    tgt = np.array([target.get(x, np.nan) for x in q], dtype=float)
    offered = iv["offered"].reindex(key).to_numpy(dtype=float)
    val = np.full(len(req), np.nan)
    lo = np.full(len(req), np.nan)
    hi = np.full(len(req), np.nan)
    for k in ("service_level", "asa_sec", "within_deadline"):
        m = kind == k
        if m.any():
            col = _COLUMN[k]
            val[m] = iv[col].reindex(key).to_numpy(dtype=float)[m]
            lo[m] = iv[f"{col}_lo"].reindex(key).to_numpy(dtype=float)[m]
            hi[m] = iv[f"{col}_hi"].reindex(key).to_numpy(dtype=float)[m]
    has = (offered > 0) & np.isfinite(val) & np.isfinite(tgt)
    is_sl = kind != "asa_sec"  # a share (higher is better): service level, or within the deadline
    # Worse than target (mean) and significantly worse (the whole 95% interval).
    worse = has & np.where(is_sl, val < tgt, val > tgt)
    significant = has & np.where(is_sl, hi < tgt, lo > tgt)
    day_miss = set(zip(daily.loc[daily["misses"], "queue"], daily.loc[daily["misses"], "date"], strict=True))
    dates = req["interval_start"].dt.normalize()
    on_missing_day = np.array([(a, b) in day_miss for a, b in zip(q, dates, strict=True)], dtype=bool)
    short = significant | (worse & on_missing_day)

    # The raise: agents the simulation shows the plan lost, on the queue's Erlang curve.
    sched = req["agents_scheduled"].to_numpy(dtype=float)
    # The skill-aware roster's own per-queue heads where it has them, else the coverage frame.
    queue_coverage = getattr(plan_result, "queue_coverage", None)
    heads = _queue_heads(req, queue_coverage if queue_coverage is not None else plan_result.coverage)
    shrink = np.zeros(len(req))
    for queue in np.unique(q):
        m = q == queue
        shrink[m] = tset.for_queue(queue).shrinkage_at(req["interval_start"][m])
    available = np.floor(heads * (1.0 - shrink) + 1e-9)
    step = np.zeros(len(req))
    for queue in np.unique(q[short]):
        t = tset.for_queue(queue)
        m = short & (q == queue)
        deferrable = t.deadline_sec is not None
        if deferrable or kind[m][0] not in ("service_level", "asa_sec"):
            # No Erlang curve: in proportion to the shortfall (SL points, or relative ASA excess).
            gap = np.where(is_sl[m], tgt[m] - val[m], np.minimum((val[m] - tgt[m]) / tgt[m], 1.0))
            step[m] = np.ceil(damping * np.maximum(sched[m], 1.0) * np.maximum(gap, 0.0))
            continue
        n_eff = effective_agents(
            kind[m][0],
            t,
            req["erlangs"].to_numpy(dtype=float)[m],
            np.maximum(req["aht_sec"].to_numpy(dtype=float)[m], 1e-9),
            val[m],
            available[m],
        )
        lost = np.maximum(available[m] - n_eff, 0.0)
        step[m] = np.ceil(damping * lost / (1.0 - shrink[m]) - 1e-9)
    cap = np.maximum(1.0, np.ceil(max_step_share * np.maximum(sched, 1.0)))
    room = np.maximum(np.maximum(2.0, np.ceil(max_added_share * np.maximum(original, 1.0))) - (sched - original), 0.0)
    raise_ = np.where(short, np.minimum(np.minimum(step, cap), room), 0.0).astype(np.int64)

    # Per queue over the horizon (the simulator's own aggregation of its counts).
    threshold = sim.interval.groupby("queue")["threshold_sec"].first().to_dict()
    horizon = service_figures(sim.counts, ["queue"], threshold).set_index("queue")
    rows = []
    shortfall = 0.0
    for queue, block in daily.groupby("queue", sort=True):
        k, tg = block["metric"].iloc[0], float(block["target"].iloc[0])
        share = k != "asa_sec"
        gap = np.where(share, tg - block["simulated"], np.minimum((block["simulated"] - tg) / tg, 1.0))
        shortfall += float(np.maximum(gap, 0.0).sum())
        m = q == queue
        rows.append(
            {
                "queue": queue,
                "metric": k,
                "target": tg,
                "calls": float(block["calls"].sum()),
                "simulated": float(horizon.at[queue, _COLUMN[k]]),
                "simulated_lo": float(horizon.at[queue, f"{_COLUMN[k]}_lo"]),
                "simulated_hi": float(horizon.at[queue, f"{_COLUMN[k]}_hi"]),
                "worst_day": float(block["simulated"].min() if share else block["simulated"].max()),
                "days_missing": int(block["misses"].sum()),
                "shortfall": float(np.maximum(gap, 0.0).sum()),
                "short_intervals": int(short[m].sum()),
                "required_agent_intervals": int(sched[m].sum()),
                "added_agent_intervals": int((sched - original)[m].sum()),
            }
        )
    return _Judgement(daily=daily, per_queue=pd.DataFrame(rows), shortfall=shortfall, raise_=raise_, short=short)


# --------------------------------------------------------------------------- the loop


def correct_requirements(
    requirements: pd.DataFrame,
    volumes: pd.DataFrame,
    targets: Targets | TargetSet | Mapping[str, Targets] | None,
    agents: pd.DataFrame,
    plan: Callable[[pd.DataFrame], Any],
    *,
    initial: Any | None = None,
    rounds: int = 3,
    replications: int = 10,
    seed: int = 0,
    tolerance: float = 0.01,
    damping: float = 0.75,
    max_step_share: float = 0.25,
    max_added_share: float = 1.0,
    min_progress: float = 0.1,
    simulate_options: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CorrectionResult:
    """Raise each queue's requirement where the simulated plan falls short of its target; re-plan.

    Parameters
    ----------
    requirements
        The requirements frame (:func:`wfm.staffing.requirements`): ``queue, interval_start,
        calls, aht_sec, erlangs, agents, agents_scheduled``.
    volumes
        What the plan is simulated against (``queue, interval_start, calls, aht_sec``; in
        ``wfm run`` the forecast the requirement was sized on).
    targets
        The targets the requirement was sized with (also the simulator's).
    agents
        The agents frame (skills; the roster's agents).
    plan
        ``plan(requirements) -> result`` with ``roster``, ``breaks`` and ``coverage`` frames,
        e.g. ``lambda r: wfm.roster.schedule(r, agents, rules, time_limit_sec=30)``.
    initial
        The plan of ``requirements`` if already made (round 0 then needs no re-plan).
    rounds
        Re-plans at most (0: only judge the initial plan).
    replications, seed
        Of every round's simulation; the same seed in every round (common random numbers).
    tolerance
        A queue-day misses when its simulated service level is more than this under the
        target (ASA: this share over it). Default 1 point, tighter than the 2 points ``wfm
        run`` warns at: the plan is fitted on one seed's sample, so it aims a little higher
        for a replay on other draws to stay within 2.
    damping
        Share of the agents the simulation shows lost that a round adds, in (0, 1].
    max_step_share, max_added_share
        Per interval, a round adds at most this share of its requirement (at least 1 agent),
        and all rounds together at most ``max_added_share`` of the input (at least 2 agents).
    min_progress
        A round must cut the total shortfall by at least this share of the best round so
        far, or the loop stops (no progress).
    simulate_options
        Further keyword arguments of :func:`wfm.simulate.simulate` (``handle``,
        ``handle_cv``, ``shrinkage_model``, ``routing``, ``counts``, ``engine``).
    progress
        Called with a one-line message per round.

    Raises
    ------
    InvalidInputError
        Missing columns, bad settings, a plan without roster/breaks/coverage frames.
    """
    rounds = _whole(rounds, "rounds", 0)
    replications = _whole(replications, "replications", 1)
    seed = _whole(seed, "seed", 0)
    tolerance = _number(tolerance, "tolerance", 0.0, 1.0, hi_open=True)
    damping = _number(damping, "damping", 0.0, 1.0, lo_open=True)
    max_step_share = _number(max_step_share, "max_step_share", 0.0, 10.0, lo_open=True)
    max_added_share = _number(max_added_share, "max_added_share", 0.0, 10.0, lo_open=True)
    min_progress = _number(min_progress, "min_progress", 0.0, 1.0, hi_open=True)
    if not callable(plan):
        raise InvalidInputError(f"plan must be a callable taking the requirements frame, got {type(plan).__name__}")
    if not isinstance(requirements, pd.DataFrame):
        raise InvalidInputError(f"requirements must be a pandas DataFrame, got {type(requirements).__name__}")
    require_columns(requirements, _REQUIRED, "requirements")
    if requirements.empty:
        raise InvalidInputError("requirements frame must have at least one row, got none")
    options = dict(simulate_options or {})
    clash = sorted(set(options) & {"breaks", "replications", "seed", "workers"})
    if clash:
        raise InvalidInputError(f"simulate_options must not set {', '.join(clash)} (correct_requirements sets them)")
    tset = _target_set(targets)
    say = progress or (lambda message: None)

    req = requirements.copy()
    req["interval_start"] = to_timestamps(req["interval_start"], "interval_start", "requirements")
    sched0 = req["agents_scheduled"].to_numpy()
    if (sched0 < 0).any() or not np.array_equal(sched0, np.round(sched0)):
        raise InvalidInputError("requirements column agents_scheduled must be whole numbers >= 0")
    original = sched0.astype(float)
    req["agents_scheduled"] = sched0.astype(np.int64)
    req["agents_added"] = np.zeros(len(req), dtype=np.int64)

    t0 = time.perf_counter()
    current = initial if initial is not None else plan(req)
    _check_plan(current, "the plan" if initial is None else "initial")
    plan_sec = [0.0 if initial is not None else time.perf_counter() - t0]
    sim_sec: list[float] = []
    history: list[tuple[pd.DataFrame, Any, SimulationResult, _Judgement]] = []
    tables = []
    stop = "round_limit"
    failure = ""
    best: dict[str, float] = {}  # per queue: least shortfall so far
    frozen: set[str] = set()  # queues whose raise bought no progress
    progressed: list[bool] = [True]  # per round: some queue's shortfall fell by min_progress
    q_codes = req["queue"].astype(str).to_numpy()
    failed = ""  # why a re-plan gave no roster (stop reason plan_failed)
    for r in range(rounds + 1):
        t1 = time.perf_counter()
        sim = simulate(
            current.roster,
            agents,
            volumes,
            tset,
            breaks=current.breaks,
            replications=replications,
            seed=seed,
            **options,
        )
        sim_sec.append(time.perf_counter() - t1)
        judged = _judge(
            req,
            original,
            sim,
            current,
            tset,
            tolerance=tolerance,
            damping=damping,
            max_step_share=max_step_share,
            max_added_share=max_added_share,
        )
        history.append((req, current, sim, judged))
        table = judged.per_queue.assign(round=r)
        missing = int(table["days_missing"].sum())
        status = {}
        moved = False
        for rec in table.itertuples(index=False):
            before = best.get(rec.queue, math.inf)
            if r > 0 and rec.queue not in frozen and before > 0:
                if rec.shortfall <= (1.0 - min_progress) * before:
                    moved = True
                elif rec.days_missing:
                    frozen.add(rec.queue)
            best[rec.queue] = min(before, rec.shortfall)
            status[rec.queue] = "met" if not rec.days_missing else ("no_progress" if rec.queue in frozen else "raised")
        if r > 0:
            progressed.append(moved)
        active = np.array([status.get(x) == "raised" for x in q_codes], dtype=bool)
        raise_next = np.where(active, judged.raise_, 0).astype(np.int64)
        say(
            f"round {r}: {missing} queue-days miss their target (shortfall {judged.shortfall:.3f}), "
            f"{int(table['added_agent_intervals'].sum())} agent-intervals added so far, "
            f"{int(judged.short.sum())} intervals short"
            + (f", no progress on {', '.join(sorted(frozen))}" if frozen else "")
        )
        if missing == 0:
            stop = "converged"
        elif not active.any():
            stop = "no_progress"
        elif r == rounds:
            stop = "round_limit"
        elif raise_next.sum() == 0:
            stop = "nothing_to_raise"
        else:
            stop = ""
        if stop:
            raise_next[:] = 0
            status = {k: ("not_raised" if v == "raised" else v) for k, v in status.items()}
        per_q = pd.Series(raise_next).groupby(q_codes).sum()
        table["raise_next"] = table["queue"].map(per_q).fillna(0).astype(np.int64)
        table["status"] = table["queue"].map(status)
        tables.append(table)
        if stop:
            break
        raised = req.copy()
        raised["agents_scheduled"] = raised["agents_scheduled"].to_numpy() + raise_next
        raised["agents_added"] = (raised["agents_scheduled"].to_numpy() - original).astype(np.int64)
        t1 = time.perf_counter()
        try:
            current = plan(raised)
        except SolverError as exc:
            # The re-plan gave no usable roster (e.g. out of time on a loaded machine): keep the
            # rounds so far, this round's raise not applied, and say so.
            failed = f"round {r + 1}'s re-plan gave no usable roster ({exc})"
            failure = str(exc)
            stop = "plan_failed"
            table["raise_next"] = 0
            table["status"] = table["status"].replace("raised", "not_raised")
            break
        req = raised
        _check_plan(current, "the plan")
        plan_sec.append(time.perf_counter() - t1)

    shortfalls = [h[3].shortfall for h in history]
    # The last round, unless it made progress on no queue (its added staff bought no service):
    # then the round before.
    chosen = len(history) - 1
    while chosen > 0 and not progressed[chosen] and stop != "converged":
        chosen -= 1
    req_c, plan_c, sim_c, judged_c = history[chosen]
    if failed:
        message = f"simulation correction stopped: {failed}; the plan of round {chosen} is kept"
        say(message)
        warnings.warn(message, WFMWarning, stacklevel=2)
    rounds_frame = pd.concat(tables, ignore_index=True)[list(CORRECTION_COLUMNS)]
    summary = {
        "rounds_run": len(history) - 1,
        "chosen_round": chosen,
        "stop_reason": stop,
        "added_agent_intervals": int((req_c["agents_scheduled"].to_numpy() - original).sum()),
        "required_agent_intervals": int(req_c["agents_scheduled"].sum()),
        "shortfall": [round(s, 6) for s in shortfalls],
        "queues_missing": sorted(judged_c.daily.loc[judged_c.daily["misses"], "queue"].unique().tolist()),
        "queue_days_missing": [int(t["days_missing"].sum()) for t in tables],
        "replications": replications,
        "seed": seed,
        "plan_sec": [round(s, 2) for s in plan_sec],
        "simulate_sec": [round(s, 2) for s in sim_sec],
        "plan_failed": failed,
    }
    if failure:
        summary["plan_failure"] = failure
    return CorrectionResult(
        requirements=req_c.reset_index(drop=True), plan=plan_c, simulation=sim_c, rounds=rounds_frame, summary=summary
    )


def describe(result: CorrectionResult) -> list[str]:
    """Plain sentences on what the correction did: one per round, then the outcome (for reports)."""
    out = []
    for r, block in result.rounds.groupby("round", sort=True):
        parts = []
        for rec in block.itertuples(index=False):
            if rec.metric == "asa_sec":
                figure, target = f"ASA {rec.simulated:,.0f} s", f"{rec.target:,.0f} s"
            elif rec.metric == "within_deadline":
                figure, target = f"{rec.simulated:.1%} within the deadline", "every item"
            else:
                figure, target = f"{rec.simulated:.1%}", f"{rec.target:.0%}"
            note = f"{rec.days_missing} days missing" if rec.days_missing else "met"
            if rec.status == "no_progress":
                note += ", no progress"
            parts.append(f"{rec.queue} {figure} (target {target}, {note})")
        added = int(block["added_agent_intervals"].sum())
        raised = int(block["raise_next"].sum())
        out.append(
            f"round {r}: {'; '.join(parts)}; {added} agent-intervals added so far"
            + (f", raising {raised} more" if raised else "")
        )
    s = result.summary
    reason = {
        "converged": "every queue within tolerance of its target",
        "round_limit": "round limit reached",
        "nothing_to_raise": "no interval left to raise",
        "plan_failed": str(s.get("plan_failed", "")) or "a re-plan gave no usable roster",
        "no_progress": "raising the requirement no longer buys service on "
        + ", ".join(result.rounds.loc[result.rounds["status"] == "no_progress", "queue"].unique()),
    }
    out.append(
        f"stopped after {s['rounds_run']} re-plans ({reason.get(s['stop_reason'], s['stop_reason'])}); "
        f"published round {s['chosen_round']}, {s['added_agent_intervals']} agent-intervals over the Erlang requirement"
    )
    return out
