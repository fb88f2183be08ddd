"""The frame layer: the only part of wfm.forecast that knows pandas and column names.

History frames (``queue, interval_start, calls[, aht_sec]``) become one :class:`QueueData`
per queue: a day-by-slot matrix of calls (NaN where an interval inside operating hours has
no row), the operating hours learned from the data, and the day type of every day. Model
classes see only :class:`SeriesData` (numpy arrays). Forecast arrays go back out as the
forecast contract frame ``queue, interval_start, calls, aht_sec[, calls_lo_<p>, calls_hi_<p>, model]``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..calendar import HOLIDAY, MAKEUP_WORKDAY, WEEKDAY_LABELS, day_types
from ..exceptions import InsufficientHistoryError, InvalidInputError, WFMWarning
from ..frames import check_unique, infer_interval, require_columns, to_numeric, to_timestamps

__all__ = [
    "QueueData",
    "SeriesData",
    "ThinQueue",
    "prepare_history",
    "parse_exclusions",
    "quantile_column",
    "weekday_of",
]

#: a weekday slot is "open" when it has calls on at least this share of that weekday's observed days
OPEN_SHARE = 0.3
DEFAULT_QUEUE = "all"
#: a quiet stretch shorter than this between open intervals is low demand, not a closure
MAX_GAP = pd.Timedelta(hours=3)


def _fill_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Open the closed runs of at most ``max_gap`` slots that lie between open slots."""
    out = mask.copy()
    idx = np.flatnonzero(mask)
    if idx.size < 2:
        return out
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if 1 < b - a <= max_gap + 1:
            out[a:b] = True
    # the day wraps round midnight: a short quiet stretch across it is not a closure either
    wrap_closed = int(idx[0]) + (mask.size - 1 - int(idx[-1]))
    if 0 < wrap_closed <= max_gap:
        out[idx[-1] :] = True
        out[: idx[0] + 1] = True
    return out


@dataclass
class SeriesData:
    """What models see: ordinary open days as a day-by-slot matrix (numpy only)."""

    #: calendar days (datetime64[D]) of the open-weekday sequence, oldest first
    dates: np.ndarray
    #: weekday (0 = Monday) of each date
    weekday: np.ndarray
    #: calls, shape (n_days, n_slots); NaN rows for special/missing days, NaN cells for missing intervals
    calls: np.ndarray
    #: learned operating hours: open[w, s] is True when slot s is open on weekday w
    open_slots: np.ndarray
    #: weekdays the centre works (any open slot)
    open_weekdays: np.ndarray

    @property
    def n_slots(self) -> int:
        return int(self.calls.shape[1])

    def observed(self) -> np.ndarray:
        """Days usable for learning: at least half their open slots observed."""
        mask = self.open_slots[self.weekday]
        seen = np.where(mask, ~np.isnan(self.calls), False).sum(axis=1)
        return seen >= 0.5 * np.maximum(mask.sum(axis=1), 1)

    def truncate(self, n_days: int) -> SeriesData:
        """The first ``n_days`` days (a backtest origin)."""
        return SeriesData(
            self.dates[:n_days], self.weekday[:n_days], self.calls[:n_days], self.open_slots, self.open_weekdays
        )

    def future_dates(self, horizon_days: int) -> np.ndarray:
        """The open-weekday calendar days of the ``horizon_days`` after the last date."""
        last = self.dates[-1]
        days = last + np.arange(1, horizon_days + 1).astype("timedelta64[D]")
        wd = weekday_of(days)
        return days[self.open_weekdays[wd]]


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Weekday (Monday 0 .. Sunday 6) of each ``datetime64`` day."""
    # 1970-01-01 was a Thursday (weekday 3)
    return ((days.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(np.int64)


@dataclass
class QueueData:
    """One queue's validated history and everything learned from its calendar."""

    queue: str
    interval: pd.Timedelta
    #: every calendar day from the first to the last history day
    days: pd.DatetimeIndex
    #: calls (n_days, n_slots): NaN where no row exists
    calls: np.ndarray
    #: aht_sec (n_days, n_slots) or None when the history has no aht_sec
    aht_sec: np.ndarray | None
    open_slots: np.ndarray
    open_weekdays: np.ndarray
    #: day-type table of ``days`` (wfm.calendar.day_types plus ``status``)
    calendar: pd.DataFrame
    #: missing intervals inside operating hours (interval_start list) and whole missing days
    missing_intervals: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    missing_days: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    excluded_intervals: int = 0

    @property
    def slots_per_day(self) -> int:
        return int(pd.Timedelta(days=1) / self.interval)

    def series(self, exclude_special: bool = True) -> SeriesData:
        """Ordinary open days only; holidays, events and make-up days become NaN rows, and so
        (with ``exclude_special``, the default) do the eves and the after-days of holiday
        periods, which are forecast by their own kinds (``wfm.forecast.special``)."""
        wd = self.calendar["weekday"].to_numpy()
        keep = self.open_weekdays[wd]
        ordinary = (self.calendar["day_type"] == pd.Series(WEEKDAY_LABELS).iloc[wd].to_numpy()).to_numpy()
        if exclude_special:
            ordinary = ordinary & (self.calendar["kind"] == "").to_numpy()
        calls = self.calls.copy()
        calls[~ordinary] = np.nan
        # a slot outside operating hours without a row is a true zero, not a missing value
        closed = ~self.open_slots[wd]
        calls[closed & np.isnan(self.calls) & ordinary[:, None]] = 0.0
        dates = self.days.to_numpy().astype("datetime64[D]")
        return SeriesData(dates[keep], wd[keep], calls[keep], self.open_slots, self.open_weekdays)

    def operating_hours(self) -> pd.DataFrame:
        """Learned operating hours: one row per open weekday with its open spans (``HH:MM-HH:MM``)."""
        rows = []
        step = self.interval
        for w in range(7):
            spans = _spans(self.open_slots[w])
            text = ", ".join(f"{_hhmm(a * step)}-{_hhmm(b * step)}" for a, b in spans) if spans else "closed"
            rows.append(
                {
                    "queue": self.queue,
                    "weekday": WEEKDAY_LABELS[w],
                    "open": text,
                    "open_hours": float(self.open_slots[w].sum() * step / pd.Timedelta(hours=1)),
                }
            )
        return pd.DataFrame(rows)


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, v in enumerate(list(mask) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    return out


def _hhmm(td: pd.Timedelta) -> str:
    minutes = int(td / pd.Timedelta(minutes=1))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quantile_column(q: float) -> str:
    """Forecast column of quantile ``q``: 0.1 -> ``calls_lo_80``, 0.9 -> ``calls_hi_80``.

    Named as the bound of the central interval it belongs to (statsforecast's convention):
    the 10th percentile is the lower bound of the 80% interval.
    """
    level = round(abs(1 - 2 * q) * 100, 6)
    text = f"{level:g}".replace(".", "_")
    return f"calls_lo_{text}" if q < 0.5 else f"calls_hi_{text}"


def parse_exclusions(exclude: pd.DataFrame | list | None) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Periods ``[start, end)`` of known outliers (outages, system events) to drop from history.

    Accepts a frame ``start, end[, queue]`` or a list of ``(start, end)`` pairs.
    """
    if exclude is None:
        return []
    if isinstance(exclude, pd.DataFrame):
        require_columns(exclude, ["start", "end"], "exclude")
        starts = to_timestamps(exclude["start"].reset_index(drop=True), "start", "exclude")
        ends = to_timestamps(exclude["end"].reset_index(drop=True), "end", "exclude")
        pairs = list(zip(starts, ends, strict=True))
    else:
        try:
            pairs = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in exclude]
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"exclude must be a frame start, end or a list of (start, end) pairs, got {exclude!r}"
            ) from exc
    for a, b in pairs:
        if not b > a:
            raise InvalidInputError(f"exclude period end must be after start, got {a} to {b}")
    return pairs


def _validate(history: pd.DataFrame) -> pd.DataFrame:
    require_columns(history, ["interval_start", "calls"], "history")
    df = pd.DataFrame(
        {
            "queue": history["queue"].astype(str).to_numpy() if "queue" in history.columns else DEFAULT_QUEUE,
            "interval_start": to_timestamps(
                history["interval_start"].reset_index(drop=True), "interval_start", "history"
            ),
            "calls": to_numeric(history["calls"].reset_index(drop=True), "calls", "history"),
        }
    )
    if getattr(df["interval_start"].dt, "tz", None) is not None:
        # plan in the site's wall-clock time
        df["interval_start"] = df["interval_start"].dt.tz_localize(None)
    if "aht_sec" in history.columns:
        aht = to_numeric(history["aht_sec"].reset_index(drop=True), "aht_sec", "history", allow_nan=True)
        df["aht_sec"] = aht.to_numpy()
    if df.empty:
        raise InsufficientHistoryError("history frame is empty: expected at least one week of intervals, got 0 rows")
    check_unique(df, ["queue", "interval_start"], "history")
    return df


def prepare_history(
    history: pd.DataFrame,
    *,
    country: str | None = "CN",
    events: pd.DataFrame | None = None,
    exclude: pd.DataFrame | list | None = None,
    as_of: object = None,
    min_days: int = 14,
    thin_queues: dict[str, ThinQueue] | None = None,
) -> dict[str, QueueData]:
    """Validate a history frame and build one :class:`QueueData` per queue.

    Raises InvalidInputError on duplicates, negative or non-numeric counts, irregular
    spacing; InsufficientHistoryError when a queue has less than ``min_days`` days (with
    ``thin_queues`` given, such queues go there instead, unless every queue is thin).
    Warns (WFMWarning) about missing intervals inside operating hours; a history that lists
    only intervals with calls (no zero rows) has its missing intervals inside operating hours
    on days with data read as 0 calls, and a warning says so.
    """
    df = _validate(history)
    if as_of is not None:
        cut = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
        df = df[df["interval_start"] < cut]
        if df.empty:
            raise InsufficientHistoryError(f"history has no intervals on or before as_of {pd.Timestamp(as_of).date()}")
    interval = infer_interval(df["interval_start"], df["queue"], frame="history")
    if df["queue"].nunique() > 1:
        per_queue = {q: infer_interval(part["interval_start"], frame="history") for q, part in df.groupby("queue")}
        if len(set(per_queue.values())) > 1:
            shown = ", ".join(f"{q}: {v.total_seconds() / 60:g} min" for q, v in per_queue.items())
            raise InvalidInputError(f"history queues must share one interval length, got {shown}")
    periods = parse_exclusions(exclude)
    out: dict[str, QueueData] = {}
    thin: dict[str, ThinQueue] = {}
    first_error: InsufficientHistoryError | None = None
    for queue, part in df.groupby("queue", sort=True):
        try:
            out[str(queue)] = _queue_data(str(queue), part, interval, country, events, periods, min_days)
        except InsufficientHistoryError as exc:
            if thin_queues is None:
                raise
            first_error = first_error or exc
            thin[str(queue)] = ThinQueue(str(queue), interval, part.reset_index(drop=True), str(exc))
    if thin and not out:
        raise first_error  # type: ignore[misc]  # every queue is too thin: nothing to lean on
    if thin_queues is not None:
        thin_queues.update(thin)
    return out


@dataclass(frozen=True)
class ThinQueue:
    """A queue with too little history to model (see :func:`prepare_history`'s ``thin_queues``)."""

    queue: str
    interval: pd.Timedelta
    #: its validated rows: ``queue, interval_start, calls[, aht_sec]``
    history: pd.DataFrame
    #: why it cannot be modelled
    reason: str


def _queue_data(queue, part, interval, country, events, periods, min_days) -> QueueData:
    ts = part["interval_start"]
    first, last = ts.min().normalize(), ts.max().normalize()
    days = pd.date_range(first, last, freq="D")
    n_days = len(days)
    if n_days < min_days:
        raise InsufficientHistoryError(
            f"queue {queue}: history must span at least {min_days} days for weekly seasonality, got {n_days}"
        )
    per_day = int(pd.Timedelta(days=1) / interval)
    row = ((ts.dt.normalize() - first) / pd.Timedelta(days=1)).astype(np.int64).to_numpy()
    col = ((ts - ts.dt.normalize()) / interval).astype(np.int64).to_numpy()
    calls = np.full((n_days, per_day), np.nan)
    calls[row, col] = part["calls"].to_numpy()
    aht = None
    if "aht_sec" in part.columns:
        aht = np.full((n_days, per_day), np.nan)
        aht[row, col] = part["aht_sec"].to_numpy()

    cal = day_types(days, country=country, events=events)
    wd = cal["weekday"].to_numpy()
    has_rows = ~np.isnan(calls).all(axis=1)
    # A feed that lists only intervals with calls (no zero anywhere) is sparse: an interval without
    # a row on a day with rows is a quiet interval, not a missing one (within operating hours, below).
    sparse = bool((part["calls"] > 0).all()) and bool(np.isnan(calls[has_rows]).any())
    ordinary = cal["day_type"].to_numpy() == np.array(WEEKDAY_LABELS, dtype=object)[wd]

    # Operating hours: a weekday slot is open when it has calls on enough of that weekday's
    # ordinary observed days; a weekday never seen in the data is closed.
    open_slots = np.zeros((7, per_day), dtype=bool)
    for w in range(7):
        sel = (wd == w) & has_rows & ordinary
        if sel.sum() == 0:
            continue
        share = (np.nan_to_num(calls[sel]) > 0).mean(axis=0)
        open_slots[w] = _fill_gaps(share >= OPEN_SHARE, int(MAX_GAP / interval))
    open_weekdays = np.asarray(open_slots.any(axis=1))
    if not open_weekdays.any():
        raise InsufficientHistoryError(
            f"queue {queue}: history has no intervals with calls; cannot learn operating hours"
        )

    # Status of each day, used to learn holiday behaviour and to report gaps.
    status = np.where(has_rows, "open", "closed").astype(object)
    expected_open = open_weekdays[wd] & ordinary
    status[expected_open & ~has_rows] = "missing"
    cal["status"] = status
    open_cells = open_slots[wd] & expected_open[:, None]
    miss_cells = open_cells & np.isnan(calls)
    if sparse and miss_cells[has_rows].any():
        filled = miss_cells & has_rows[:, None]
        calls[filled] = 0.0
        miss_cells &= ~filled
        warnings.warn(
            f"queue {queue}: the history lists only intervals with calls (no rows with 0); {int(filled.sum())} "
            "interval(s) inside operating hours without a row, on days with data, are read as 0 calls",
            WFMWarning,
            stacklevel=4,
        )
    r, c = np.nonzero(miss_cells)
    missing_intervals = pd.DatetimeIndex(days[r] + c * interval)
    missing_days = pd.DatetimeIndex(days[status == "missing"])
    excluded = 0
    for start, end in periods:
        t = days.to_numpy()[:, None] + (np.arange(per_day) * interval.to_timedelta64())[None, :]
        hit = (t >= np.datetime64(start)) & (t < np.datetime64(end))
        excluded += int((hit & ~np.isnan(calls)).sum())
        calls[hit] = np.nan
        if aht is not None:
            aht[hit] = np.nan

    if len(missing_days) or len(missing_intervals):
        shown = ", ".join(str(d.date()) for d in missing_days[:6])
        warnings.warn(
            f"queue {queue}: {len(missing_intervals)} interval(s) inside operating hours have no data, including "
            f"{len(missing_days)} whole day(s) ({shown}{'...' if len(missing_days) > 6 else ''}); "
            "treated as missing, not zero",
            WFMWarning,
            stacklevel=4,
        )
    qd = QueueData(
        queue, interval, days, calls, aht, open_slots, open_weekdays, cal, missing_intervals, missing_days, excluded
    )
    if qd.series().observed().sum() < 7:
        raise InsufficientHistoryError(
            f"queue {queue}: need at least 7 ordinary days with data to learn the weekly pattern, got "
            f"{int(qd.series().observed().sum())}"
        )
    return qd


def special_day_kind(day_type: str) -> str:
    """Group a day type into ``ordinary``, ``holiday``, ``makeup`` or ``event``."""
    if day_type in WEEKDAY_LABELS:
        return "ordinary"
    if day_type == HOLIDAY:
        return "holiday"
    if day_type == MAKEUP_WORKDAY:
        return "makeup"
    return "event"
