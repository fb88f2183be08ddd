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

The column ``kind`` refines them into the special-day kinds the forecast learns one by one
(``""`` on an ordinary day):

- ``"holiday:<name>"``: a day of the closed period of a named holiday (Spring Festival,
  National Day golden week, Memorial Day, ...). A period is a run of days off (public
  holidays, bridged days and the weekend days joined to them) holding a public holiday, and
  is named after the holiday with most days in it; ``offset`` is the day's position relative
  to the holiday's main day (lunar new year's day, 1 October; the first statutory day that is
  not an eve or a substituted day off), so the same day of the period lines up across years.
  Weekend days joined to a period keep their weekday ``day_type`` and ``kind`` ``""``.
- ``"eve:<name>"``: the working day just before the period;
- ``"after1:<name>"``, ``"after2:<name>"``: the first two working days after it (the backlog);
- ``"makeup:<name>"``: a make-up workday (调休) of that holiday's arrangement; ``borrows``
  is the weekday whose timetable it works (from the State Council arrangement: the weekday
  of the day off it was swapped with), -1 when unknown;
- ``"event:<name>"``: a user event, whatever else the day is.
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

__all__ = [
    "day_types",
    "weekend_days",
    "kind_family",
    "WEEKDAY_LABELS",
    "HOLIDAY",
    "MAKEUP_WORKDAY",
    "EVENT_PREFIX",
    "KIND_FAMILIES",
    "normalize_events",
    "CalendarYearsWarning",
    "one_calendar_warning",
]

#: day-type labels of ordinary days, Monday first (``date.weekday()`` indexes it)
WEEKDAY_LABELS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"
EVENT_PREFIX = "event:"
#: the families of special-day kinds (``kind`` column), each learned and pooled separately
KIND_FAMILIES: tuple[str, ...] = ("holiday", "eve", "after1", "after2", "makeup", "event")
#: days padded on each side when periods, eves and after-days are located
_PAD_DAYS = 21


class CalendarYearsWarning(WFMWarning):
    """chinesecalendar lacks some years; ``years`` holds them (see :func:`one_calendar_warning`)."""

    def __init__(self, years: Iterable[int]) -> None:
        self.years = frozenset(int(y) for y in years)
        shown = ", ".join(str(y) for y in sorted(self.years))
        super().__init__(
            f"chinesecalendar has no State Council arrangement for {shown}; using holidays.China "
            "(statutory holiday dates only, bridged breaks and make-up workdays may be incomplete)"
        )


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
    history to learn from (e.g. ``1.3`` for a campaign expected to add 30%); the optional
    ``like`` names the weekday (``Mon`` ... ``Sun``) whose pattern the day follows without
    history (e.g. ``Sun`` for a regional day off), the day's own weekday otherwise.
    """
    if events is None:
        return pd.DataFrame(
            {
                "date": pd.DatetimeIndex([]),
                "event": pd.Series([], dtype=str),
                "multiplier": [],
                "like": pd.Series([], dtype=object),
            }
        )
    require_columns(events, ["date", "event"], "events")
    out = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(
                to_timestamps(events["date"].reset_index(drop=True), "date", "events")
            ).normalize(),
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
    if "like" in events.columns:
        like = events["like"].reset_index(drop=True).astype(object)
        like = like.where(like.notna() & (like.astype(str).str.strip() != ""), None)
        bad = like.notna() & ~like.astype(str).str.strip().isin(WEEKDAY_LABELS)
        if bad.any():
            raise InvalidInputError(
                f"events column like must name a weekday ({', '.join(WEEKDAY_LABELS)}), got {like[bad].iloc[0]!r}"
            )
        out["like"] = like.map(lambda v: v.strip() if isinstance(v, str) else None)
    else:
        out["like"] = None
    dup = out.duplicated("date", keep=False)
    if dup.any():
        raise InvalidInputError(
            f"events frame must list one event per date, got {int(dup.sum())} rows sharing a date such as "
            f"{out.loc[dup, 'date'].iloc[0].date()}"
        )
    return out


def _china_flags(days: list[dt.date]) -> tuple[list[bool], list[str | None], list[bool], set[int]]:
    """Holiday flag, name and make-up flag from chinesecalendar, holidays.China beyond its years
    (the years that needed the fallback are returned, not warned about: the caller knows which
    days were asked for and which are padding)."""
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
    return is_hol, names, makeup, fallback_years


def _country_flags(days: list[dt.date], country: str) -> tuple[list[bool], list[str | None], list[bool], set[int]]:
    cal = _country_calendar(country, sorted({d.year for d in days}))
    names = [cal.get(d) for d in days]
    weekend_workdays: set[dt.date] = getattr(cal, "weekend_workdays", set())
    return (
        [n is not None for n in names],
        [str(n) if n is not None else None for n in names],
        [d in weekend_workdays for d in days],
        set(),
    )


def _country_calendar(country: str, years: list[int]):
    import holidays

    try:
        return holidays.country_holidays(country, years=years)
    except NotImplementedError as exc:
        raise InvalidInputError(
            f"country must be an ISO 3166 code known to the holidays package (e.g. CN, US, IL), got {country!r}"
        ) from exc


def _is_china(country: str | None) -> bool:
    return country is not None and str(country).upper() in ("CN", "CHN", "CHINA")


def weekend_days(country: str | None = "CN") -> frozenset[int]:
    """The weekly days of rest of ``country`` (0 = Monday): {5, 6} for China and the US,
    {4, 5} (Friday, Saturday) for Israel; from the ``holidays`` package."""
    if country is None or _is_china(country):
        return frozenset({5, 6})
    cal = _country_calendar(str(country).upper(), [2000])
    return frozenset(int(d) for d in getattr(cal, "weekend", {5, 6}))


# names of the same holiday in holidays.China (statutory list) and chinesecalendar
_CN_NAMES = {
    "chinese new year (spring festival)": "Spring Festival",
    "chinese new year's eve": "Spring Festival",
    "tomb-sweeping day": "Tomb-sweeping Day",
    "labor day": "Labour Day",
    "labour day": "Labour Day",
    "mid-autumn festival": "Mid-autumn Festival",
    "dragon boat festival": "Dragon Boat Festival",
    "national day": "National Day",
    "new year's day": "New Year's Day",
}


def _canonical(name: str | None, china: bool) -> str | None:
    """A holiday's name without "(observed)"-style suffixes; None for substituted days off."""
    if name is None:
        return None
    text = str(name)
    if "day off" in text.lower() or "substitut" in text.lower():
        return None
    for part in text.split(";"):
        base = part.split(" (")[0].strip() if "(observed" in part or "(estimated" in part else part.strip()
        if china:
            base = _CN_NAMES.get(base.lower(), base)
        if base:
            return base
    return None


def _is_main_day(name: str | None) -> bool:
    if name is None:
        return False
    low = str(name).lower()
    return not any(w in low for w in ("eve", "day off", "observed", "substitut"))


def _kinds(
    days: list[dt.date], is_hol: list[bool], names: list[str | None], makeup: list[bool], country: str | None
) -> tuple[list[str], list[int], list[int]]:
    """Special-day kind, offset and borrowed weekday of each day of a contiguous range."""
    n = len(days)
    kind = [""] * n
    offset = [0] * n
    borrows = [-1] * n
    if country is None or n == 0:
        return kind, offset, borrows
    china = _is_china(country)
    weekend = weekend_days(country)
    statutory = _country_calendar("CN" if china else str(country).upper(), sorted({d.year for d in days}))
    working = [not h and (d.weekday() not in weekend or mk) for d, h, mk in zip(days, is_hol, makeup, strict=True)]
    index = {d: i for i, d in enumerate(days)}
    period_of = [-1] * n
    periods: list[tuple[int, int, str]] = []
    i = 0
    while i < n:
        if working[i]:
            i += 1
            continue
        j = i
        while j < n and not working[j]:
            j += 1
        hol = [k for k in range(i, j) if is_hol[k]]
        if hol:
            counts: dict[str, int] = {}
            for k in hol:
                name = _canonical(names[k], china) or _canonical(statutory.get(days[k]), china)
                if name is not None:
                    counts[name] = counts.get(name, 0) + 1
            label = max(counts, key=lambda m: (counts[m], -list(counts).index(m))) if counts else "holiday"
            anchor = next((k for k in range(i, j) if _is_main_day(statutory.get(days[k]))), hol[0])
            p = len(periods)
            periods.append((i, j, label))
            for k in hol:
                kind[k] = f"holiday:{label}"
                offset[k] = k - anchor
                period_of[k] = p
            for k in range(i, j):
                period_of[k] = p
            if i > 0 and working[i - 1] and not makeup[i - 1]:
                kind[i - 1] = f"eve:{label}"
            after = j
            for tag in ("after1", "after2"):
                if after >= n or not working[after]:
                    break
                if not makeup[after] and not kind[after]:
                    kind[after] = f"{tag}:{label}"
                after += 1
        i = j
    # make-up workdays: the weekday of the day off they were swapped with (the arrangement
    # lists "Day off (substituted from <make-up date>)"), named after that day's holiday
    swapped: dict[dt.date, dt.date] = {}
    for day_off, name in statutory.items():
        text = str(name)
        if "substituted from" in text:
            try:
                src = dt.datetime.strptime(text.split("substituted from")[1].strip(" )"), "%m/%d/%Y").date()
            except ValueError:
                continue
            swapped[src] = day_off
    for k in range(n):
        if not makeup[k]:
            continue
        off = swapped.get(days[k])
        p = period_of[index[off]] if off is not None and off in index else -1
        if off is not None:
            borrows[k] = off.weekday()
        if p < 0:
            # nearest period in the range
            near = [(min(abs(k - a), abs(k - b + 1)), q) for q, (a, b, _) in enumerate(periods)]
            p = min(near)[1] if near else -1
        kind[k] = f"makeup:{periods[p][2]}" if p >= 0 else "makeup:workday"
    return kind, offset, borrows


def kind_family(kind: str) -> str:
    """``"holiday:Spring Festival"`` -> ``"holiday"``; ``""`` -> ``""`` (ordinary)."""
    return kind.split(":", 1)[0] if kind else ""


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
        ``holiday_name``, ``is_makeup_workday``, ``event``, ``day_type`` and the special-day
        ``kind``, ``offset`` and ``borrows`` described in the module docstring.

    Examples
    --------
    >>> t = day_types(pd.date_range("2026-02-13", "2026-02-16"))
    >>> t["day_type"].tolist()
    ['Fri', 'makeup_workday', 'holiday', 'holiday']
    """
    index = _as_dates(dates)
    days = [ts.date() for ts in index]
    code = None if country is None else str(country).upper()
    if code is None or not days:
        names: list[str | None] = [None] * len(days)
        is_hol, makeup = [False] * len(days), [False] * len(days)
        kind, offset, borrows = [""] * len(days), [0] * len(days), [-1] * len(days)
    else:
        # classify a contiguous padded range, so periods, eves and after-days at the edges
        # of the requested dates are seen whole
        lo, hi = min(days), max(days)
        span = [
            lo - dt.timedelta(days=_PAD_DAYS) + dt.timedelta(days=k) for k in range((hi - lo).days + 2 * _PAD_DAYS + 1)
        ]
        flags = _china_flags(span) if _is_china(code) else _country_flags(span, code)
        fallback = flags[3] & {d.year for d in days}
        if fallback:
            warnings.warn(CalendarYearsWarning(fallback), stacklevel=2)
        k_all, o_all, b_all = _kinds(span, flags[0], flags[1], flags[2], code)
        pos = [(d - span[0]).days for d in days]
        is_hol = [flags[0][p] for p in pos]
        names = [flags[1][p] for p in pos]
        makeup = [flags[2][p] for p in pos]
        kind, offset, borrows = [k_all[p] for p in pos], [o_all[p] for p in pos], [b_all[p] for p in pos]
    ev = normalize_events(events)
    event_by_date = dict(zip(ev["date"], ev["event"], strict=True))
    event_names = [event_by_date.get(ts) for ts in index]
    kind = [EVENT_PREFIX + e if e is not None else k for k, e in zip(kind, event_names, strict=True)]
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
            "kind": pd.Series(kind, dtype=object),
            "offset": np.array(offset, dtype=np.int64),
            "borrows": np.array(borrows, dtype=np.int64),
        }
    )
