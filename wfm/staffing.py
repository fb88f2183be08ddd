"""Forecast frame -> requirements frame: targets, Erlang sizing, shrinkage and the seat limit.

This is the frame layer over :mod:`wfm.erlang`: it knows the column names, the targets
per queue (in code or a TOML file), shrinkage per weekday and hour, and the seat limit.
The math stays in :mod:`wfm.erlang`.

Examples
--------
>>> import pandas as pd
>>> from wfm.staffing import Targets, requirements
>>> forecast = pd.DataFrame({
...     "queue": "retail",
...     "interval_start": pd.date_range("2026-03-02 09:00", periods=2, freq="30min"),
...     "calls": [100.0, 6000.0],
...     "aht_sec": [180.0, 300.0],
... })
>>> req = requirements(forecast, Targets(service_level=0.8, answer_sec=20, shrinkage=0.3))
>>> req[["erlangs", "agents", "agents_scheduled"]].values.tolist()
[[10.0, 14.0, 20.0], [1000.0, 1015.0, 1450.0]]
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from . import erlang
from .exceptions import ConfigError, InvalidInputError, WFMWarning
from .frames import check_unique, infer_interval, require_columns, to_numeric, to_timestamps
from .io import read_toml

__all__ = [
    "Targets",
    "TargetSet",
    "load_targets",
    "requirements",
    "seat_report",
    "FORECAST_COLUMNS",
    "REQUIREMENT_COLUMNS",
]

#: columns ``requirements`` needs in the forecast frame
FORECAST_COLUMNS: tuple[str, ...] = ("queue", "interval_start", "calls", "aht_sec")
#: columns ``requirements`` adds (``abandon_rate`` only under Erlang A, ``agents_seated`` only with seats)
REQUIREMENT_COLUMNS: tuple[str, ...] = (
    "erlangs",
    "agents",
    "agents_scheduled",
    "service_level",
    "asa_sec",
    "occupancy",
    "seat_limited",
)

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TARGET_FIELDS = (
    "service_level",
    "answer_sec",
    "asa_sec",
    "max_occupancy",
    "patience_sec",
    "max_abandon",
    "shrinkage",
    "deadline_sec",
)
#: the waiting-time targets a deferrable queue (one with a deadline) does not have
_INTERVAL_TARGETS = ("service_level", "answer_sec", "asa_sec", "patience_sec", "max_abandon")
#: TOML-only spelling of the deadline, converted to ``deadline_sec``
_TOML_ONLY = ("deadline_hours",)

ShrinkageTable = tuple[tuple[float, ...], ...]


# --------------------------------------------------------------------------- targets


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidInputError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidInputError(f"{name} must be finite, got {value!r}")
    return v


def _shrinkage_value(value: Any, name: str) -> float:
    v = _number(value, name)
    if not (0.0 <= v < 1.0):
        raise InvalidInputError(f"{name} must be in [0, 1), got {value!r}")
    return v


def _weekday_index(key: Any) -> int:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= int(key) <= 6:
        return int(key)
    text = str(key).strip().lower()
    for i, day in enumerate(WEEKDAYS):
        if text in (day, day[:3]):
            return i
    raise InvalidInputError(f"shrinkage weekday must be one of {', '.join(WEEKDAYS)} (or 0-6, Monday = 0), got {key!r}")


def _shrinkage_table(value: Any) -> float | ShrinkageTable:
    """Normalise shrinkage: one figure, or a 7 x 24 table (weekday, Monday = 0; hour of day).

    Accepts a number; a 7 x 24 array, nested sequence or DataFrame; or a mapping from
    weekday (name, 3-letter name or 0-6) to one figure or 24 hourly figures, with an
    optional ``other`` key for the days not named.
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _shrinkage_value(value, "shrinkage")
    if isinstance(value, Mapping):
        other = value.get("other", value.get("default"))
        rows: list[tuple[float, ...] | None] = [None] * 7
        for key, day_value in value.items():
            if key in ("other", "default"):
                continue
            rows[_weekday_index(key)] = _shrinkage_day(day_value, f"shrinkage[{key}]")
        for i in range(7):
            if rows[i] is None:
                if other is None:
                    raise InvalidInputError(
                        f"shrinkage table must cover every weekday or give 'other', got no value for {WEEKDAYS[i]}"
                    )
                rows[i] = _shrinkage_day(other, "shrinkage[other]")
        return tuple(r for r in rows if r is not None)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"shrinkage must be a number or a 7 x 24 table, got {value!r}") from exc
    if arr.shape != (7, 24):
        raise InvalidInputError(f"shrinkage table must be 7 weekdays x 24 hours, got shape {arr.shape}")
    return tuple(_shrinkage_day(row, f"shrinkage[{WEEKDAYS[i]}]") for i, row in enumerate(arr))


def _shrinkage_day(value: Any, name: str) -> tuple[float, ...]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (_shrinkage_value(value, name),) * 24
    try:
        values = list(value)
    except TypeError as exc:
        raise InvalidInputError(f"{name} must be a number or 24 hourly numbers, got {value!r}") from exc
    if len(values) != 24:
        raise InvalidInputError(f"{name} must hold 24 hourly values, got {len(values)}")
    return tuple(_shrinkage_value(v, f"{name}[{h}]") for h, v in enumerate(values))


@dataclass(frozen=True)
class Targets:
    """Service targets and shrinkage for one queue; validated once, on construction.

    Parameters
    ----------
    service_level, answer_sec
        Share of calls answered within ``answer_sec`` seconds, in (0, 1], with the answer
        time >= 0; given together or both None. Default 80/20.
    asa_sec
        Maximum average speed of answer, seconds (> 0), or None.
    max_occupancy
        Maximum occupancy in (0, 1], or None.
    patience_sec
        Mean caller patience in seconds (> 0). Given, the queue is sized with Erlang A.
    max_abandon
        Maximum abandon rate in (0, 1]; needs ``patience_sec``.
    shrinkage
        Share of paid time off the phones, in [0, 1): one figure, or a table by weekday
        and hour (see :func:`_shrinkage_table`: a 7 x 24 array, or a mapping of weekday to
        one figure or 24 hourly figures plus an optional ``other``). Stored as one float
        or a 7 x 24 tuple.
    deadline_sec
        Deferrable work (e.g. outbound callbacks): every contact must be done within this
        many seconds of its arrival (> 0). A queue with a deadline has no waiting-time
        target (``service_level``, ``answer_sec``, ``asa_sec``, ``patience_sec`` and
        ``max_abandon`` must be None): it is not sized interval by interval with Erlang; its
        requirement is its workload (the ``erlangs`` column), to be covered cumulatively:
        the work arrived by ``t - deadline`` must be served by ``t`` (see docs/staffing.md).

    Examples
    --------
    >>> Targets(service_level=0.9, answer_sec=10, shrinkage=0.3).model
    'erlang_c'
    >>> Targets(service_level=None, answer_sec=None, deadline_sec=4 * 3600).model
    'deferrable'
    >>> Targets(service_level=1.5)
    Traceback (most recent call last):
    ...
    wfm.exceptions.InvalidInputError: service_level must be in (0, 1], got 1.5
    """

    service_level: float | None = 0.8
    answer_sec: float | None = 20.0
    asa_sec: float | None = None
    max_occupancy: float | None = None
    patience_sec: float | None = None
    max_abandon: float | None = None
    shrinkage: float | ShrinkageTable = 0.0
    deadline_sec: float | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        for name in ("service_level", "max_occupancy", "max_abandon"):
            value = getattr(self, name)
            if value is not None:
                v = _number(value, name)
                if not (0.0 < v <= 1.0):
                    raise InvalidInputError(f"{name} must be in (0, 1], got {value!r}")
                put(name, v)
        if self.answer_sec is not None:
            v = _number(self.answer_sec, "answer_sec")
            if v < 0:
                raise InvalidInputError(f"answer_sec must be >= 0, got {self.answer_sec!r}")
            put("answer_sec", v)
        for name in ("asa_sec", "patience_sec", "deadline_sec"):
            value = getattr(self, name)
            if value is not None:
                v = _number(value, name)
                if v <= 0:
                    raise InvalidInputError(f"{name} must be > 0, got {value!r}")
                put(name, v)
        if self.deadline_sec is not None:
            waiting = [n for n in _INTERVAL_TARGETS if getattr(self, n) is not None]
            if waiting:
                raise InvalidInputError(
                    "a queue with deadline_sec is deferrable work and has no waiting-time target; got "
                    + ", ".join(f"{n}={getattr(self, n)!r}" for n in waiting)
                    + f" besides deadline_sec={self.deadline_sec!r} (set them to None, or false in a targets file)"
                )
        if (self.service_level is None) != (self.answer_sec is None):
            raise InvalidInputError(
                "service_level and answer_sec must be given together, got "
                f"service_level={self.service_level!r} and answer_sec={self.answer_sec!r}"
            )
        if self.max_abandon is not None and self.patience_sec is None:
            raise InvalidInputError(
                f"max_abandon needs patience_sec (Erlang A), got max_abandon={self.max_abandon!r} alone"
            )
        targets = (self.service_level, self.asa_sec, self.max_occupancy, self.max_abandon, self.deadline_sec)
        if all(t is None for t in targets):
            raise InvalidInputError(
                "targets need at least one of service_level with answer_sec, asa_sec, max_occupancy, max_abandon "
                "or deadline_sec; got none"
            )
        put("shrinkage", _shrinkage_table(self.shrinkage))

    @property
    def model(self) -> str:
        """``"deferrable"`` with a deadline, ``"erlang_a"`` when patience is given, else ``"erlang_c"``."""
        if self.deadline_sec is not None:
            return "deferrable"
        return "erlang_a" if self.patience_sec is not None else "erlang_c"

    @property
    def deferrable(self) -> bool:
        """Whether the queue is deferrable work with a deadline (no interval sizing)."""
        return self.deadline_sec is not None

    def replace(self, **changes: Any) -> Targets:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def shrinkage_at(self, timestamps: pd.Series) -> np.ndarray:
        """Shrinkage for each timestamp (by weekday and hour of its wall-clock time)."""
        if isinstance(self.shrinkage, float):
            return np.full(len(timestamps), self.shrinkage)
        table = np.asarray(self.shrinkage)
        ts = pd.DatetimeIndex(timestamps)
        return table[ts.day_of_week.to_numpy(), ts.hour.to_numpy()]


@dataclass(frozen=True)
class TargetSet:
    """Targets per queue, with a default for the queues not named.

    Examples
    --------
    >>> ts = TargetSet(Targets(), {"vip": Targets(service_level=0.9, answer_sec=10)})
    >>> ts.for_queue("vip").service_level, ts.for_queue("retail").service_level
    (0.9, 0.8)
    """

    default: Targets = field(default_factory=Targets)
    queues: Mapping[str, Targets] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.default, Targets):
            raise InvalidInputError(f"TargetSet default must be a Targets, got {type(self.default).__name__}")
        queues = dict(self.queues)
        for name, targets in queues.items():
            if not isinstance(targets, Targets):
                raise InvalidInputError(f"targets for queue {name!r} must be a Targets, got {type(targets).__name__}")
        object.__setattr__(self, "queues", MappingProxyType({str(k): v for k, v in queues.items()}))

    def for_queue(self, queue: str) -> Targets:
        """The targets of ``queue`` (the default where it is not named)."""
        return self.queues.get(str(queue), self.default)

    def with_overrides(self, **changes: Any) -> TargetSet:
        """Apply the same field changes to the default and every named queue (e.g. CLI options)."""
        if not changes:
            return self
        return TargetSet(self.default.replace(**changes), {k: v.replace(**changes) for k, v in self.queues.items()})


def _targets_from_toml(section: Mapping[str, Any], base: Targets | None, where: str) -> Targets:
    allowed = _TARGET_FIELDS + _TOML_ONLY
    unknown = sorted(set(section) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}, expected one of {', '.join(allowed)}")
    section = dict(section)
    if "deadline_hours" in section:
        if "deadline_sec" in section:
            raise ConfigError(f"{where}: give deadline_sec or deadline_hours, got both")
        hours = section.pop("deadline_hours")
        if hours is not False:
            try:
                hours = _number(hours, "deadline_hours") * 3600.0
            except InvalidInputError as exc:
                raise ConfigError(f"{where}: {exc}") from exc
        section["deadline_sec"] = hours
    values: dict[str, Any] = dataclasses.asdict(base) if base is not None else {}
    if section.get("deadline_sec") not in (None, False):
        # A deadline makes the queue deferrable: it drops the waiting-time targets it would
        # inherit from [default]; naming one in the same section stays an error.
        for key in _INTERVAL_TARGETS:
            if key not in section:
                values[key] = None
    for key, value in section.items():
        # `key = false` drops a target inherited from [default].
        values[key] = None if value is False else value
    try:
        return Targets(**values)
    except InvalidInputError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def load_targets(path: str | os.PathLike[str]) -> TargetSet:
    """Read per-queue targets from a TOML file (schema in docs/staffing.md).

    ``[default]`` holds the targets of every queue (fields of :class:`Targets`; missing
    fields take the :class:`Targets` defaults); ``[queues.<name>]`` overrides fields for one
    queue and inherits the rest from ``[default]``; ``key = false`` drops an inherited target.
    Shrinkage is one figure or a table ``[default.shrinkage]`` of weekday -> figure or 24
    hourly figures, with ``other`` for the remaining days.

    Raises
    ------
    ConfigError
        Naming the file, the section and the bad key or value.

    Examples
    --------
    >>> targets = load_targets("examples/targets.toml")  # doctest: +SKIP
    """
    data = read_toml(path)
    name = str(path)
    unknown = sorted(set(data) - {"default", "queues"})
    if unknown:
        raise ConfigError(
            f"targets file {name!r}: unknown section [{unknown[0]}], expected [default] and [queues.<name>]"
        )
    default_section = data.get("default", {})
    queues_section = data.get("queues", {})
    if not isinstance(default_section, Mapping) or not isinstance(queues_section, Mapping):
        raise ConfigError(f"targets file {name!r}: [default] and [queues] must be tables")
    default = _targets_from_toml(default_section, None, f"targets file {name!r} [default]")
    queues = {}
    for queue, section in queues_section.items():
        if not isinstance(section, Mapping):
            raise ConfigError(f"targets file {name!r}: [queues.{queue}] must be a table, got {section!r}")
        queues[str(queue)] = _targets_from_toml(section, default, f"targets file {name!r} [queues.{queue}]")
    return TargetSet(default, queues)


# --------------------------------------------------------------------------- requirements


def _empty_result(forecast: pd.DataFrame, with_abandon: bool, seats: int | None) -> pd.DataFrame:
    out = forecast.copy()
    for col in ("erlangs", "service_level", "asa_sec", "occupancy"):
        out[col] = pd.Series(dtype="float64")
    for col in ("agents", "agents_scheduled"):
        out[col] = pd.Series(dtype="int64")
    if with_abandon:
        out["abandon_rate"] = pd.Series(dtype="float64")
    out["seat_limited"] = pd.Series(dtype="bool")
    if seats is not None:
        out["agents_seated"] = pd.Series(dtype="int64")
    return out[_output_order(forecast.columns, with_abandon, seats)]


def _output_order(
    columns: Sequence[str], with_abandon: bool, seats: int | None, with_deadline: bool = False
) -> list[str]:
    added = ["erlangs", "agents", "agents_scheduled", "service_level", "asa_sec", "occupancy"]
    if with_abandon:
        added.append("abandon_rate")
    if with_deadline:
        added.append("deadline_sec")
    added.append("seat_limited")
    if seats is not None:
        added.append("agents_seated")
    return [c for c in columns if c not in added] + added


def _as_target_set(targets: Targets | TargetSet | Mapping[str, Targets] | None) -> TargetSet:
    if targets is None:
        return TargetSet()
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


def _round_up(x: np.ndarray) -> np.ndarray:
    """Ceiling that ignores float noise: 14 / 0.7 = 20.000000000000004 must give 20, not 21."""
    return np.ceil(x * (1.0 - 1e-12) - 1e-9)


def requirements(
    forecast: pd.DataFrame,
    targets: Targets | TargetSet | Mapping[str, Targets] | None = None,
    *,
    seats: int | None = None,
    interval_minutes: int | None = None,
) -> pd.DataFrame:
    """Agents each interval needs to meet its queue's targets.

    Parameters
    ----------
    forecast
        Forecast frame: ``queue, interval_start, calls, aht_sec`` (other columns are kept).
    targets
        One :class:`Targets` for every queue, a :class:`TargetSet`, or a mapping of queue
        name to Targets (key ``"default"`` for the rest). Default: 80/20, no shrinkage.
        Queues with ``patience_sec`` are sized with Erlang A, the rest with Erlang C.
    seats
        Workstations: the most agents that can work at once, over all queues. Where the
        sum of ``agents_scheduled`` in an interval exceeds it, the rows are flagged
        ``seat_limited``, ``agents_seated`` holds the seats shared out in proportion
        (largest remainder; they sum to ``seats``), a :class:`WFMWarning` is issued and
        ``result.attrs["seat_limit"]`` summarises it. ``agents`` and ``agents_scheduled``
        are never cut: they remain what the targets need.
    interval_minutes
        Interval length; by default inferred from the spacing of ``interval_start``
        (5, 10, 15, 30 or 60 minutes, one length for the whole frame).

    Returns
    -------
    pandas.DataFrame
        The forecast rows in input order (``interval_start`` parsed to timestamps), plus
        ``erlangs`` (calls x AHT / interval),
        ``agents`` (net, int), ``agents_scheduled`` (gross: ``agents / (1 - shrinkage)``
        rounded up, int), the expected ``service_level``, ``asa_sec`` (mean wait of all
        calls) and ``occupancy`` at ``agents``, ``abandon_rate`` (only when some queue uses
        Erlang A; NaN on Erlang C queues), ``seat_limited`` (bool) and, with ``seats``,
        ``agents_seated``. A deferrable queue (targets with ``deadline_sec``) is not sized
        with Erlang: its ``agents`` is its workload ``ceil(erlangs / max_occupancy)`` (cap 1
        when none), ``service_level`` and ``asa_sec`` are NaN, and a ``deadline_sec``
        column (NaN on the other queues) is added when any queue has a deadline.

    Raises
    ------
    InvalidInputError
        Missing columns, bad values, duplicated (queue, interval_start), irregular spacing.
    ConfigError
        Targets naming a queue that is not in the forecast.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"queue": ["a", "a"], "calls": [100.0, 0.0], "aht_sec": [180.0, 180.0],
    ...                   "interval_start": ["2026-03-02 09:00", "2026-03-02 09:30"]})
    >>> requirements(f)["agents"].tolist()
    [14, 0]
    """
    target_set = _as_target_set(targets)
    if seats is not None and (isinstance(seats, bool) or not isinstance(seats, (int, np.integer)) or seats < 0):
        raise InvalidInputError(f"seats must be a whole number >= 0, got {seats!r}")
    require_columns(forecast, FORECAST_COLUMNS, "forecast")
    uses_erlang_a = target_set.default.model == "erlang_a" or any(
        t.model == "erlang_a" for t in target_set.queues.values()
    )
    if forecast.empty:
        return _empty_result(forecast, uses_erlang_a, seats)

    missing_queue = forecast["queue"].isna().to_numpy()
    if missing_queue.any():
        raise InvalidInputError(
            f"forecast column queue must not be empty, got a missing value at row {int(np.flatnonzero(missing_queue)[0])}"
        )
    queue = forecast["queue"].astype(str)
    named = set(target_set.queues) - set(queue.unique())
    if named:
        raise ConfigError(
            f"targets name queue(s) {', '.join(sorted(named))} not in the forecast; "
            f"forecast queues: {', '.join(sorted(queue.unique()))}"
        )
    uses_erlang_a = any(target_set.for_queue(q).model == "erlang_a" for q in queue.unique())
    uses_deadline = any(target_set.for_queue(q).deferrable for q in queue.unique())
    ts = to_timestamps(forecast["interval_start"], "interval_start", "forecast")
    calls = to_numeric(forecast["calls"], "calls", "forecast").to_numpy()
    if len(forecast) and pd.to_numeric(forecast["aht_sec"], errors="coerce").isna().all():
        raise InvalidInputError(
            "forecast column aht_sec is empty: sizing needs a handle time, got none (the history had calls only); "
            "forecast from a history with aht_sec, or give a constant (wfm forecast --aht-sec)"
        )
    aht = to_numeric(forecast["aht_sec"], "aht_sec", "forecast").to_numpy()
    no_handle_time = (aht == 0) & (calls > 0)
    if no_handle_time.any():
        i = int(np.flatnonzero(no_handle_time)[0])
        raise InvalidInputError(
            f"forecast column aht_sec must be > 0 where calls > 0, got 0 with {calls[i]:g} calls (row {i})"
        )
    check_unique(pd.DataFrame({"queue": queue, "interval_start": ts}), ["queue", "interval_start"], "forecast")
    if interval_minutes is None:
        interval = infer_interval(ts, queue, frame="forecast")
    else:
        if isinstance(interval_minutes, bool) or interval_minutes not in (5, 10, 15, 30, 60):
            raise InvalidInputError(f"interval_minutes must be one of 5, 10, 15, 30, 60, got {interval_minutes!r}")
        interval = pd.Timedelta(minutes=int(interval_minutes))
    interval_sec = interval.total_seconds()

    erlangs = calls * aht / interval_sec
    size = len(forecast)
    agents = np.zeros(size, dtype=np.int64)
    sl = np.ones(size)
    wait = np.zeros(size)
    occ = np.zeros(size)
    abandon = np.full(size, np.nan)
    shrink = np.zeros(size)
    codes, uniques = pd.factorize(queue)
    # Queues sharing identical targets are sized in one vectorised call.
    groups: dict[Targets, list[int]] = {}
    for code, name in enumerate(uniques):
        groups.setdefault(target_set.for_queue(name), []).append(code)
    for tgt, group_codes in groups.items():
        rows = np.flatnonzero(np.isin(codes, group_codes))
        shrink[rows] = tgt.shrinkage_at(ts.iloc[rows])
        live = rows[erlangs[rows] > 0]
        if tgt.model == "erlang_a":
            abandon[rows] = 0.0
        if tgt.deferrable:
            sl[rows] = np.nan
            wait[rows] = np.nan
        if not len(live):
            continue
        a, h = erlangs[live], aht[live]
        if tgt.deferrable:
            # Deferrable work is not sized with Erlang: its requirement is the workload,
            # in agents busy for the interval (over the occupancy cap, if any), covered
            # cumulatively within the deadline by the cover and roster models.
            n = _round_up(a / (tgt.max_occupancy or 1.0)).astype(np.int64)
            agents[live] = n
            sl[live] = np.nan
            wait[live] = np.nan
            occ[live] = np.divide(a, n, out=np.zeros(len(a)), where=n > 0)
            continue
        n = erlang.agents_required(
            a,
            h,
            service_level=tgt.service_level,
            answer_sec=tgt.answer_sec,
            asa_sec=tgt.asa_sec,
            max_occupancy=tgt.max_occupancy,
            patience_sec=tgt.patience_sec,
            max_abandon=tgt.max_abandon,
        )
        agents[live] = n
        answer = tgt.answer_sec if tgt.answer_sec is not None else 0.0
        if tgt.model == "erlang_a":
            assert tgt.patience_sec is not None  # erlang_a means a patience is given (Targets.model)
            res = erlang.erlang_a(a, n, h, tgt.patience_sec, answer)
            sl[live], wait[live], occ[live], abandon[live] = (
                res.service_level,
                res.asa_sec,
                res.occupancy,
                res.abandon_probability,
            )
        else:
            sl[live] = erlang.service_level(a, n, h, answer)
            wait[live] = erlang.asa(a, n, h)
            occ[live] = erlang.occupancy(a, n)
    scheduled = _round_up(agents / (1.0 - shrink)).astype(np.int64)

    out = forecast.copy()
    out["interval_start"] = ts.to_numpy()
    out["erlangs"] = erlangs
    out["agents"] = agents
    out["agents_scheduled"] = scheduled
    out["service_level"] = sl
    out["asa_sec"] = wait
    out["occupancy"] = occ
    if uses_erlang_a:
        out["abandon_rate"] = abandon
    out["seat_limited"] = False
    if uses_deadline:
        out["deadline_sec"] = np.array(
            [
                np.nan if target_set.for_queue(q).deadline_sec is None else target_set.for_queue(q).deadline_sec
                for q in uniques
            ]
        )[codes]
    if seats is not None:
        limited, seated, summary = _apply_seats(ts, scheduled, int(seats))
        out["seat_limited"] = limited
        out["agents_seated"] = seated
        out.attrs["seat_limit"] = summary
        if summary["intervals"]:
            warnings.warn(
                f"seat limit of {seats} binds in {summary['intervals']} of {summary['intervals_total']} intervals "
                f"(first {summary['first']}, worst {summary['worst']} needing {summary['max_scheduled']} "
                f"scheduled agents, {summary['shortfall_agent_intervals']} agent-intervals short); "
                "agents_scheduled is not cut: see seat_limited and agents_seated",
                WFMWarning,
                stacklevel=2,
            )
    return out[_output_order(forecast.columns, uses_erlang_a, seats, uses_deadline)]


def _apply_seats(ts: pd.Series, scheduled: np.ndarray, seats: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Flag intervals whose scheduled agents exceed the seats; share the seats out there."""
    codes, uniques = pd.factorize(ts)
    total = np.bincount(codes, weights=scheduled, minlength=len(uniques)).astype(np.int64)
    bind_interval = total > seats
    limited = bind_interval[codes]
    seated = scheduled.copy()
    if limited.any():
        rows = np.flatnonzero(limited)
        g = codes[rows]
        quota = seats * scheduled[rows] / total[g]
        base = np.floor(quota).astype(np.int64)
        left = seats - np.bincount(g, weights=base, minlength=len(uniques)).astype(np.int64)
        # Largest remainder first; ties go to the earlier row, so the result is deterministic.
        order = np.lexsort((rows, -(quota - base), g))
        g_sorted = g[order]
        first = np.searchsorted(g_sorted, g_sorted, side="left")
        rank = np.arange(len(order)) - first
        extra = np.zeros(len(rows), dtype=np.int64)
        extra[order] = (rank < left[g_sorted]).astype(np.int64)
        seated[rows] = base + extra
    binding = np.flatnonzero(bind_interval)
    summary: dict[str, Any] = {
        "seats": seats,
        "intervals": int(len(binding)),
        "intervals_total": int(len(uniques)),
        "first": None,
        "worst": None,
        "max_scheduled": int(total.max()) if len(total) else 0,
        "shortfall_agent_intervals": int(np.maximum(total - seats, 0).sum()),
    }
    if len(binding):
        starts = pd.DatetimeIndex(uniques)
        summary["first"] = str(starts[binding].min())
        summary["worst"] = str(starts[int(np.argmax(total))])
    return limited, seated, summary


def seat_report(requirements_frame: pd.DataFrame, seats: int) -> pd.DataFrame:
    """Intervals where the scheduled agents of all queues exceed ``seats``.

    Returns
    -------
    pandas.DataFrame
        ``interval_start, agents_scheduled, seats, shortfall``, one row per binding
        interval, in time order (empty if the limit never binds).

    Examples
    --------
    >>> seat_report(req, seats=1200)  # doctest: +SKIP
    """
    require_columns(requirements_frame, ("interval_start", "agents_scheduled"), "requirements")
    if isinstance(seats, bool) or not isinstance(seats, (int, np.integer)) or seats < 0:
        raise InvalidInputError(f"seats must be a whole number >= 0, got {seats!r}")
    ts = to_timestamps(requirements_frame["interval_start"], "interval_start", "requirements")
    total = (
        pd.DataFrame({"interval_start": ts, "agents_scheduled": requirements_frame["agents_scheduled"].astype("int64")})
        .groupby("interval_start", sort=True)["agents_scheduled"]
        .sum()
        .reset_index()
    )
    total = total[total["agents_scheduled"] > seats].reset_index(drop=True)
    total["seats"] = int(seats)
    total["shortfall"] = total["agents_scheduled"] - int(seats)
    return total
