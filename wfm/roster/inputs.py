"""Checks of the roster's inputs that catch plausible-looking data giving a wrong roster.

Two kinds of input pass every column check and still make :func:`wfm.roster.schedule`
return a roster that looks fine and is wrong:

* requirement rows duplicated per ``(queue, interval_start)`` (they would be summed) or
  missing from the grid (they would require 0 agents): :func:`check_requirement_rows`;
* previous-week history (``prev_shift_end``) that does not end within one shift of the
  horizon's start, e.g. last year's agents file used on another horizon (every agent would
  count as on shift for the whole horizon): :func:`check_prev_shift_ends`.

Both are called once at the entry of :func:`wfm.roster.schedule`. This module imports nothing
from the rest of :mod:`wfm.roster`: agents are read through their ``agent_id``,
``prev_shift_end`` and ``templates`` (each with ``length_minutes``) attributes.

Examples
--------
>>> import pandas as pd
>>> req = pd.DataFrame({"interval_start": pd.date_range("2026-11-30", periods=24, freq="h"),
...                     "agents_scheduled": 3})
>>> check_requirement_rows(req)
>>> check_requirement_rows(req.iloc[1:])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
wfm.exceptions.InvalidInputError: requirements frame has no row for interval 2026-11-30 00:00...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError
from ..frames import require_columns, to_timestamps

__all__ = ["MISSING_INTERVALS", "check_requirement_rows", "check_prev_shift_ends", "horizon_start"]

#: what a requirement interval without a row means: an error, or the centre is closed (0 agents)
MISSING_INTERVALS: tuple[str, ...] = ("error", "closed")

_DAY_MINUTES = 24 * 60


def _stamps(requirements: pd.DataFrame) -> pd.Series:
    stamps = to_timestamps(requirements["interval_start"], "interval_start", "requirements")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.reset_index(drop=True)


def horizon_start(requirements: pd.DataFrame) -> pd.Timestamp:
    """Midnight of the first day of the requirements (where the roster's horizon starts)."""
    require_columns(requirements, ["interval_start"], "requirements")
    if requirements.empty:
        raise InvalidInputError("requirements frame must have at least one row, got 0")
    return pd.Timestamp(_stamps(requirements).min()).normalize()


def check_requirement_rows(requirements: pd.DataFrame, *, missing_intervals: str = "error") -> None:
    """Raise unless every queue has exactly one row per interval of every planned day.

    The roster plans whole days, from the first requirement day's midnight to the last day's
    end, on the interval the rows' spacing gives. A ``(queue, interval_start)`` pair given twice
    is always an error (summing them would double the requirement). An interval of that grid
    with no row is an error too, unless ``missing_intervals="closed"`` says the centre is closed
    when it has no row (it then requires 0 agents); rows with 0 say the same explicitly.

    Parameters
    ----------
    requirements
        ``interval_start[, queue]`` and the requirement columns.
    missing_intervals
        ``"error"`` (default) or ``"closed"``.

    Raises
    ------
    InvalidInputError
        Naming the first duplicated pair or the first missing interval (and its queue).
    """
    if missing_intervals not in MISSING_INTERVALS:
        raise InvalidInputError(
            f"missing_intervals must be one of {', '.join(MISSING_INTERVALS)}, got {missing_intervals!r}"
        )
    require_columns(requirements, ["interval_start"], "requirements")
    if requirements.empty:
        return  # the grid builder says "at least one row"
    stamps = _stamps(requirements)
    has_queue = "queue" in requirements.columns
    queues = (
        requirements["queue"].astype(str).reset_index(drop=True) if has_queue else pd.Series("", index=stamps.index)
    )
    keys = pd.DataFrame({"queue": queues, "interval_start": stamps})
    dup = keys.duplicated(keep="first")
    if dup.any():
        first = keys.loc[dup].iloc[0]
        where = f"queue {first['queue']!r}, " if has_queue else ""
        raise InvalidInputError(
            f"requirements frame has duplicated rows: expected one row per "
            f"{'(queue, interval_start)' if has_queue else 'interval_start'}, got "
            f"{int(keys.duplicated(keep=False).sum())} rows sharing keys, the first "
            f"{where}interval_start {first['interval_start']:%Y-%m-%d %H:%M}"
        )
    if missing_intervals == "closed":
        return
    unique = np.sort(stamps.unique())
    if len(unique) < 2:
        step = 60
    else:
        offsets = (pd.DatetimeIndex(unique) - pd.Timestamp(unique[0])) / pd.Timedelta(minutes=1)
        offsets = np.asarray(offsets, dtype=float)
        if (offsets != np.round(offsets)).any():
            return  # the grid builder reports off-minute stamps
        step = int(np.gcd.reduce(np.diff(offsets).astype(np.int64)))
        if step <= 0 or _DAY_MINUTES % step:
            return  # the grid builder reports an interval length that does not divide a day
    start = pd.Timestamp(unique[0]).normalize()
    n_days = int((pd.Timestamp(unique[-1]).normalize() - start).days) + 1
    grid = pd.date_range(start, periods=n_days * _DAY_MINUTES // step, freq=f"{step}min")
    for queue, group in keys.groupby("queue", sort=True):
        absent = ~grid.isin(pd.DatetimeIndex(group["interval_start"]))
        if absent.any():
            first_missing = grid[int(np.flatnonzero(absent)[0])]
            where = f" of queue {queue!r}" if has_queue else ""
            raise InvalidInputError(
                f"requirements frame has no row for interval {first_missing:%Y-%m-%d %H:%M}{where} "
                f"({int(absent.sum())} of {len(grid)} {step}-min intervals from {start:%Y-%m-%d} to "
                f"{grid[-1]:%Y-%m-%d %H:%M} missing): expected a row for every interval of each planned day; "
                "give rows with 0 where the centre is closed, or say so with missing_intervals='closed' "
                "(wfm schedule --missing-intervals closed)"
            )


def check_prev_shift_ends(agents: Iterable[Any], start: pd.Timestamp, *, end: pd.Timestamp | None = None) -> None:
    """Raise if an agent's previous shift runs into the horizon by more than one shift.

    A ``prev_shift_end`` after the horizon's ``start`` means that shift is still running and
    covers the horizon's first intervals, up to ``prev_shift_end`` and no further. It can do so
    by at most the agent's longest shift (the shift started before the horizon); a later end
    (e.g. history from another week than the requirements') is an error naming the agent.

    Parameters
    ----------
    agents
        Parsed agents: objects with ``agent_id``, ``prev_shift_end`` (Timestamp or None) and
        ``templates`` (each with ``length_minutes``).
    start
        The horizon's first instant (midnight of the first requirement day).
    end
        The horizon's end, if known: a previous shift may not end at or after it.

    Raises
    ------
    InvalidInputError
        Naming the first such agent, its ``prev_shift_end`` and the latest end allowed.
    """
    start = pd.Timestamp(start)
    for agent in agents:
        prev_end = agent.prev_shift_end
        if prev_end is None:
            continue
        longest = max((t.length_minutes for t in agent.templates), default=0)
        latest = start + pd.Timedelta(minutes=longest)
        if end is not None:
            latest = min(latest, pd.Timestamp(end) - pd.Timedelta(minutes=1))
        if pd.Timestamp(prev_end) > latest:
            raise InvalidInputError(
                f"agents column prev_shift_end of agent {agent.agent_id} must end before the horizon or within "
                f"one shift ({longest / 60:g} h) of its start {start:%Y-%m-%d %H:%M}, i.e. by "
                f"{latest:%Y-%m-%d %H:%M}; got {pd.Timestamp(prev_end):%Y-%m-%d %H:%M} (history from another "
                "week than the requirements?)"
            )
