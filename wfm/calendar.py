"""Holidays, make-up workdays, events and the day types the forecasting models use.

China (the default country) comes from the ``chinesecalendar`` package, which holds the
State Council's yearly arrangement: the full bridged breaks (Spring Festival, the golden
weeks) and the make-up workdays (调休) on weekends. It covers only the years published
before its release (2004-2026 in 1.11); beyond them the ``holidays`` package's
``China`` calendar is used, which lists the statutory holiday dates and, where known, the
weekend workdays, and a :class:`~wfm.exceptions.WFMWarning` says so. Other countries come
from ``holidays`` (``country="US"``, ``"IL"``, ...).

Day types (column ``day_type``) are the labels the models group days by:

- ``"Mon"`` ... ``"Sun"``: an ordinary day of that weekday;
- ``"holiday"``: a public holiday (or a day of a bridged break);
- ``"makeup_workday"``: a weekend day worked in lieu of a bridged holiday;
- ``"event:<name>"``: a user-listed event (campaign, outage), which takes precedence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError, WFMWarning
from .frames import require_columns, to_timestamps

__all__ = ["day_types", "WEEKDAY_LABELS", "HOLIDAY", "MAKEUP_WORKDAY", "EVENT_PREFIX", "normalize_events",
           "CalendarYearsWarning", "one_calendar_warning"]

#: day-type labels of ordinary days, Monday first (``date.weekday()`` indexes it)
WEEKDAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"
EVENT_PREFIX = "event:"


class CalendarYearsWarning(WFMWarning):
    """chinesecalendar lacks some years; ``years`` holds them (see :func:`one_calendar_warning`)."""

    def __init__(self, years: Iterable[int]) -> None:
        self.years = frozenset(int(y) for y in years)
        shown = ", ".join(str(y) for y in sorted(self.years))
        super().__init__(
            f"chinesecalendar has no State Council arrangement for {shown}; using holidays.China "
            "(statutory holiday dates only, bridged breaks and make-up workdays may be incomplete)")


@contextlib.contextmanager
def one_calendar_warning(stacklevel: int = 3) -> Iterator[None]:
    """Merge the :class:`CalendarYearsWarning` issued inside into one, listing every year, at the end.

    A forecast classifies the days of each queue's history and horizon separately; without
    this a history lacking two years warned once per queue and per span. Other warnings
    pass through unchanged (re-issued in order).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    years: set[int] = set()
    for w in caught:
        if isinstance(w.message, CalendarYearsWarning):
            years |= w.message.years
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if years:
        warnings.warn(CalendarYearsWarning(years), stacklevel=stacklevel)


def _as_dates(dates: Iterable | pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    series = pd.Series(list(dates) if not isinstance(dates, (pd.Series, pd.Index)) else dates)
    if series.empty:
        return pd.DatetimeIndex([])
    parsed = to_timestamps(series.reset_index(drop=True), "date", "dates")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return pd.DatetimeIndex(parsed.dt.normalize())


def normalize_events(events: pd.DataFrame | None) -> pd.DataFrame:
    """Validate a user events frame ``date, event[, multiplier]`` and return it tidy.

    ``date`` is a day (a timestamp is floored to its day); ``event`` is the event name;
    the optional ``multiplier`` (> 0) scales the forecast of that day when the event has no
    history to learn from (e.g. ``1.3`` for a campaign expected to add 30%).
    """
    if events is None:
        return pd.DataFrame({"date": pd.DatetimeIndex([]), "event": pd.Series([], dtype=str), "multiplier": []})
    require_columns(events, ["date", "event"], "events")
    out = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(to_timestamps(events["date"].reset_index(drop=True), "date", "events")).normalize(),
            "event": events["event"].astype(str).str.strip().reset_index(drop=True),
        }
    )
    if (out["event"] == "").any():
        raise InvalidInputError("events column event must name each event, got an empty name")
    if "multiplier" in events.columns:
        mult = pd.to_numeric(events["multiplier"].reset_index(drop=True), errors="coerce")
        bad = ~(mult > 0) & mult.notna()
        if bad.any():
            raise InvalidInputError(f"events column multiplier must be > 0, got {mult[bad].iloc[0]}")
        out["multiplier"] = mult.astype(float)
    else:
        out["multiplier"] = np.nan
    dup = out.duplicated("date", keep=False)
    if dup.any():
        raise InvalidInputError(
            f"events frame must list one event per date, got {int(dup.sum())} rows sharing a date such as "
            f"{out.loc[dup, 'date'].iloc[0].date()}"
        )
    return out


def _china_flags(days: list[dt.date]) -> tuple[list[bool], list[str | None], list[bool]]:
    """Holiday flag, name and make-up flag from chinesecalendar, holidays.China beyond its years."""
    import chinese_calendar

    is_hol: list[bool] = []
    names: list[str | None] = []
    makeup: list[bool] = []
    fallback_years: set[int] = set()
    fallback_cache: dict[int, Any] = {}
    for day in days:
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            workday = chinese_calendar.is_workday(day)
            # chinesecalendar calls weekends holidays too; only named days are public holidays
            is_public = bool(on_holiday and name is not None)
            is_hol.append(is_public)
            names.append(str(name) if is_public else None)
            makeup.append(bool(workday and day.weekday() >= 5))
        except NotImplementedError:
            import holidays

            fallback_years.add(day.year)
            cal = fallback_cache.get(day.year)
            if cal is None:
                cal = holidays.China(years=day.year)
                fallback_cache[day.year] = cal
            name = cal.get(day)
            is_hol.append(name is not None)
            names.append(str(name) if name is not None else None)
            makeup.append(day in getattr(cal, "weekend_workdays", set()))
    if fallback_years:
        warnings.warn(CalendarYearsWarning(fallback_years), stacklevel=3)
    return is_hol, names, makeup


def _country_flags(days: list[dt.date], country: str) -> tuple[list[bool], list[str | None], list[bool]]:
    import holidays

    years = sorted({d.year for d in days})
    try:
        cal = holidays.country_holidays(country, years=years)
    except NotImplementedError as exc:
        raise InvalidInputError(
            f"country must be an ISO 3166 code known to the holidays package (e.g. CN, US, IL), got {country!r}"
        ) from exc
    names = [cal.get(d) for d in days]
    weekend_workdays: set[dt.date] = getattr(cal, "weekend_workdays", set())
    return (
        [n is not None for n in names],
        [str(n) if n is not None else None for n in names],
        [d in weekend_workdays for d in days],
    )


def day_types(
    dates: Iterable | pd.Series | pd.DatetimeIndex,
    country: str | None = "CN",
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Classify days as ordinary weekdays, public holidays, make-up workdays or events.

    Parameters
    ----------
    dates
        Days (or timestamps, floored to their day); duplicates are kept in order.
    country
        ISO 3166 country code; ``"CN"`` (default) uses chinesecalendar's full arrangement
        (bridged breaks, 调休 make-up workdays), falling back to ``holidays.China`` with a
        WFMWarning beyond its years. ``None`` disables holidays.
    events
        Optional frame ``date, event[, multiplier]`` of user-listed events; an event day
        gets day type ``"event:<name>"`` whatever else it is.

    Returns
    -------
    pandas.DataFrame
        One row per input date: ``date, weekday`` (0 = Monday), ``is_holiday``,
        ``holiday_name``, ``is_makeup_workday``, ``event`` and ``day_type``.

    Examples
    --------
    >>> t = day_types(pd.date_range("2026-02-13", "2026-02-16"))
    >>> t["day_type"].tolist()
    ['Fri', 'makeup_workday', 'holiday', 'holiday']
    """
    index = _as_dates(dates)
    days = [ts.date() for ts in index]
    if country is None or not days:
        names: list[str | None] = [None] * len(days)
        is_hol, makeup = [False] * len(days), [False] * len(days)
    else:
        code = str(country).upper()
        if code in ("CN", "CHN", "CHINA"):
            is_hol, names, makeup = _china_flags(days)
        else:
            is_hol, names, makeup = _country_flags(days, code)
    ev = normalize_events(events)
    event_by_date = dict(zip(ev["date"], ev["event"], strict=True))
    event_names = [event_by_date.get(ts) for ts in index]
    labels = []
    for day, holiday, mk, event in zip(days, is_hol, makeup, event_names, strict=True):
        if event is not None:
            labels.append(EVENT_PREFIX + event)
        elif holiday:
            labels.append(HOLIDAY)
        elif mk:
            labels.append(MAKEUP_WORKDAY)
        else:
            labels.append(WEEKDAY_LABELS[day.weekday()])
    return pd.DataFrame(
        {
            "date": index,
            "weekday": np.array([d.weekday() for d in days], dtype=np.int64),
            "is_holiday": np.array(is_hol, dtype=bool),
            "holiday_name": pd.Series(names, dtype=object),
            "is_makeup_workday": np.array(makeup, dtype=bool),
            "event": pd.Series(event_names, dtype=object),
            "day_type": pd.Series(labels, dtype=object),
        }
    )
