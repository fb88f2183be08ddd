"""Per-call records (an ACD or telephony export) -> the history frame the forecast reads.

An export lists one row per call: when it arrived and, optionally, how long it was handled
and which queue (service type) it belongs to. :func:`calls_to_intervals` counts the calls
per queue and interval and averages the handle time of the handled calls, on a complete
grid: every interval from the first day's midnight to the last day's end is a row, 0 calls
where none arrived (the forecast learns the operating hours from where calls occur).

Examples
--------
>>> import pandas as pd
>>> records = pd.DataFrame({"arrival": ["2026-11-30T08:01:10", "2026-11-30T08:14:59", "2026-11-30T08:20:00"],
...                         "service_s": [100, 300, 0]})
>>> h = calls_to_intervals(records, interval_minutes=15, handle_column="service_s")
>>> h.loc[h["calls"] > 0, ["interval_start", "calls", "aht_sec"]].to_string(index=False)
'     interval_start  calls  aht_sec\\n2026-11-30 08:00:00    2.0    200.0\\n2026-11-30 08:15:00    1.0      NaN'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError
from .frames import ALLOWED_INTERVAL_MINUTES, require_columns, to_numeric, to_timestamps

__all__ = ["START_COLUMNS", "calls_to_intervals"]

#: column names taken as the call's start time when none is named, in this order
START_COLUMNS: tuple[str, ...] = ("arrival", "call_start", "start_time", "start", "timestamp")

DEFAULT_QUEUE = "all"


def calls_to_intervals(
    records: pd.DataFrame,
    *,
    interval_minutes: int = 15,
    start_column: str | None = None,
    handle_column: str | None = None,
    queue_column: str | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
) -> pd.DataFrame:
    """Aggregate per-call records to the history frame ``queue, interval_start, calls[, aht_sec]``.

    Parameters
    ----------
    records
        One row per call.
    interval_minutes
        Interval length, one of 5, 10, 15, 30, 60.
    start_column
        The call's start (arrival) time; default: the first of :data:`START_COLUMNS` present.
    handle_column
        Handle time in seconds (talk + wrap-up); calls with 0 or no handle time (abandoned)
        count as calls but not in the average. Absent: no ``aht_sec`` column.
    queue_column
        Queue or service type; absent: one queue ``all``.
    date_format, timezone
        As in :func:`wfm.frames.to_timestamps` (strict ISO 8601 by default).

    Returns
    -------
    pandas.DataFrame
        Every interval of every day from the first call's day to the last call's, per queue
        (0 calls where none arrived); ``aht_sec`` is NaN where no call was handled.

    Raises
    ------
    InvalidInputError
        A missing column, unparsable time, negative handle time, or unsupported interval.
    """
    if interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise InvalidInputError(
            f"interval_minutes must be one of {', '.join(map(str, ALLOWED_INTERVAL_MINUTES))}, got {interval_minutes!r}"
        )
    if not isinstance(records, pd.DataFrame):
        raise InvalidInputError(f"call records must be a pandas DataFrame, got {type(records).__name__}")
    if start_column is None:
        start_column = next((c for c in START_COLUMNS if c in records.columns), None)
        if start_column is None:
            raise InvalidInputError(
                f"call records need a start-time column: expected one of "
                f"{', '.join(START_COLUMNS)} (or name it), got columns "
                f"{', '.join(map(str, records.columns)) or '(none)'}"
            )
    require_columns(records, [c for c in (start_column, handle_column, queue_column) if c], "call records")
    if records.empty:
        raise InvalidInputError("call records must list at least one call, got 0 rows")
    frame = records.reset_index(drop=True)
    start = to_timestamps(frame[start_column], start_column, "call records", date_format=date_format, timezone=timezone)
    if getattr(start.dt, "tz", None) is not None:
        start = start.dt.tz_localize(None)
    step = pd.Timedelta(minutes=interval_minutes)
    queue = frame[queue_column].astype(str).str.strip() if queue_column else pd.Series(DEFAULT_QUEUE, index=frame.index)
    if queue_column and (frame[queue_column].isna() | (queue == "")).any():
        i = int(np.flatnonzero((frame[queue_column].isna() | (queue == "")).to_numpy())[0])
        raise InvalidInputError(f"call records column {queue_column} must name a queue, got an empty value (row {i})")
    data = pd.DataFrame({"queue": queue.to_numpy(), "interval_start": start.dt.floor(step).to_numpy()})
    if handle_column:
        handle = to_numeric(frame[handle_column], handle_column, "call records", allow_nan=True)
        handled = handle.fillna(0.0) > 0
        data["handled"] = handled.to_numpy().astype(float)
        data["handle_sum"] = handle.where(handled, 0.0).to_numpy()
    data["calls"] = 1.0
    grouped = data.groupby(["queue", "interval_start"], sort=True).sum()
    first, last = data["interval_start"].min().normalize(), data["interval_start"].max().normalize()
    grid = pd.date_range(first, last + pd.Timedelta(days=1) - step, freq=step)
    queues = sorted(data["queue"].unique())
    full = pd.MultiIndex.from_product([queues, grid], names=["queue", "interval_start"])
    grouped = grouped.reindex(full, fill_value=0.0)
    out = pd.DataFrame(
        {
            "queue": full.get_level_values(0),
            "interval_start": full.get_level_values(1),
            "calls": grouped["calls"].to_numpy(),
        }
    )
    if handle_column:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_sec"] = np.where(
                grouped["handled"].to_numpy() > 0,
                grouped["handle_sum"].to_numpy() / grouped["handled"].to_numpy(),
                np.nan,
            )
    return out
