"""Validation helpers shared by every frame-consuming stage.

Each stage checks its input columns and values here, so every stage says the same thing
about the same mistake: which frame, which column, what was expected, what was got.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError, WFMWarning

__all__ = [
    "is_missing",
    "split_list",
    "require_columns",
    "to_timestamps",
    "ISO_8601_HINT",
    "to_numeric",
    "check_unique",
    "infer_interval",
    "interval_hours",
    "ALLOWED_INTERVAL_MINUTES",
]

#: interval lengths the library plans in, in minutes
ALLOWED_INTERVAL_MINUTES: tuple[int, ...] = (5, 10, 15, 30, 60)


def require_columns(df: pd.DataFrame, columns: Iterable[str], frame: str) -> None:
    """Raise InvalidInputError naming every column of ``columns`` missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"{frame} frame must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"{frame} frame is missing column(s) {', '.join(missing)}; "
            f"got columns {', '.join(map(str, df.columns)) or '(none)'}"
        )


#: what :func:`to_timestamps` accepts without an explicit format
ISO_8601_HINT = "ISO 8601 such as 2026-11-01T08:30:00 or 2026-11-01 08:30 (seconds and a UTC offset optional)"


def to_timestamps(
    values: pd.Series,
    column: str,
    frame: str,
    *,
    date_format: str | None = None,
    timezone: str | None = None,
) -> pd.Series:
    """Parse a column to naive or tz-aware ``datetime64``; raise naming the first bad value.

    Text is parsed strictly as ISO 8601 (date, optional ``T`` or space and time, optional
    seconds and UTC offset) unless ``date_format`` (a ``strftime`` pattern such as
    ``"%d/%m/%Y %H:%M"``) is given: a day-first ``01/02/2026`` is never guessed.

    Values with differing UTC offsets (a feed across a daylight-saving change) are converted
    to ``timezone`` (an IANA name such as ``"America/New_York"``) and returned as its naive
    wall-clock time; without ``timezone`` each value keeps its own wall-clock time (the
    offsets' own zone) and a :class:`~wfm.exceptions.WFMWarning` says so. With ``timezone``,
    uniformly offset values are converted the same way.
    """
    if timezone is not None:
        _check_timezone(timezone)
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
    else:
        how = {"format": date_format} if date_format else {"format": "ISO8601"}
        try:
            out = pd.to_datetime(values, errors="coerce", **how)
        except ValueError as exc:
            if "Mixed timezones" not in str(exc) and "mixed time zones" not in str(exc).lower():
                raise InvalidInputError(f"{frame} column {column}: cannot parse timestamps: {exc}") from exc
            out = _mixed_offsets(values, column, frame, how, timezone)
            timezone = None  # converted already
        bad = out.isna() & values.notna()
        if bad.any():
            expected = f"in the format {date_format!r}" if date_format else ISO_8601_HINT
            raise InvalidInputError(
                f"{frame} column {column} must hold timestamps ({expected}), got {values[bad].iloc[0]!r} "
                f"(row {int(np.flatnonzero(bad.to_numpy())[0])})"
                + ("" if date_format else "; for another format give it explicitly (--date-format '%d/%m/%Y %H:%M')")
            )
    if timezone is not None and getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(timezone).dt.tz_localize(None)
    if out.isna().any():
        raise InvalidInputError(
            f"{frame} column {column} must not be empty, got a missing value at row "
            f"{int(np.flatnonzero(out.isna().to_numpy())[0])}"
        )
    return out


def _check_timezone(timezone: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInputError(
            f"timezone must be an IANA time zone such as Asia/Shanghai or America/New_York, got {timezone!r}"
        ) from None


def _mixed_offsets(values: pd.Series, column: str, frame: str, how: dict, timezone: str | None) -> pd.Series:
    """Timestamps with differing UTC offsets, as naive wall-clock time (see :func:`to_timestamps`)."""
    utc = pd.to_datetime(values, errors="coerce", utc=True, **how)
    if timezone is not None:
        return utc.dt.tz_convert(timezone).dt.tz_localize(None)
    text = values.astype(str).str.strip()
    offsets = text.str.extract(r"(Z|[+-]\d{2}:?\d{2})$")[0]
    if offsets.isna().any():
        i = (
            int(np.flatnonzero(offsets.isna().to_numpy() & values.notna().to_numpy())[0])
            if (offsets.isna() & values.notna()).any()
            else -1
        )
        if i >= 0:
            raise InvalidInputError(
                f"{frame} column {column} mixes timestamps with and without a UTC offset, e.g. {values.iloc[i]!r} "
                f"(row {i}); expected all with or all without, or a timezone setting to convert them to"
            )
    minutes = offsets.map(_offset_minutes)
    local = (utc.dt.tz_localize(None) + pd.to_timedelta(minutes, unit="min")).astype(utc.dt.tz_localize(None).dtype)
    shown = ", ".join(sorted(set(offsets.dropna()))[:4])
    warnings.warn(
        f"{frame} column {column} has mixed UTC offsets ({shown}), e.g. across a daylight-saving change: "
        "read as each value's own local wall-clock time; set a timezone (e.g. timezone = 'Europe/Berlin') "
        "to convert them to the centre's zone",
        WFMWarning,
        stacklevel=4,
    )
    return local


def _offset_minutes(text: object) -> float:
    if not isinstance(text, str):
        return np.nan
    if text == "Z":
        return 0.0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:]))


def to_numeric(
    values: pd.Series,
    column: str,
    frame: str,
    *,
    minimum: float | None = 0.0,
    allow_nan: bool = False,
) -> pd.Series:
    """Coerce a column to float; raise naming the first non-numeric, NaN or too-small value."""
    out = pd.to_numeric(values, errors="coerce").astype(float)
    non_numeric = out.isna() & values.notna()
    if non_numeric.any():
        i = int(np.flatnonzero(non_numeric.to_numpy())[0])
        raise InvalidInputError(f"{frame} column {column} must be numeric, got {values.iloc[i]!r} (row {i})")
    if not allow_nan and out.isna().any():
        i = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise InvalidInputError(f"{frame} column {column} must not be NaN or empty, got NaN (row {i})")
    if np.isinf(out.to_numpy()).any():
        i = int(np.flatnonzero(np.isinf(out.to_numpy()))[0])
        raise InvalidInputError(f"{frame} column {column} must be finite, got {out.iloc[i]} (row {i})")
    if minimum is not None:
        low = out < minimum
        if low.any():
            i = int(np.flatnonzero(low.to_numpy())[0])
            raise InvalidInputError(f"{frame} column {column} must be >= {minimum:g}, got {out.iloc[i]:g} (row {i})")
    return out


def check_unique(df: pd.DataFrame, keys: Sequence[str], frame: str) -> None:
    """Raise InvalidInputError if any combination of ``keys`` appears twice."""
    dup = df.duplicated(subset=list(keys), keep=False)
    if dup.any():
        first = df.loc[dup, list(keys)].iloc[0]
        shown = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InvalidInputError(
            f"{frame} frame has duplicated rows for ({', '.join(keys)}): "
            f"expected one row each, got {int(dup.sum())} rows sharing keys such as {shown}"
        )


def infer_interval(
    timestamps: pd.Series,
    groups: pd.Series | None = None,
    *,
    frame: str = "input",
    allowed_minutes: Sequence[int] = ALLOWED_INTERVAL_MINUTES,
) -> pd.Timedelta:
    """Infer the interval length from the spacing of timestamps (per group, if given).

    The interval is the smallest positive spacing between consecutive timestamps of a
    group. Every spacing must be a whole multiple of it (gaps are allowed; irregular
    spacing is not) and it must be one of ``allowed_minutes``.

    Raises
    ------
    InvalidInputError
        On irregular spacing, an unsupported length, or fewer than two timestamps.
    """
    ts = pd.Series(pd.to_datetime(timestamps)).reset_index(drop=True)
    if groups is None:
        keys = pd.Series(np.zeros(len(ts), dtype=np.int64))
    else:
        keys = pd.Series(groups).reset_index(drop=True)
    order = pd.DataFrame({"g": keys, "t": ts}).sort_values(["g", "t"], kind="stable")
    diffs = order.groupby("g", sort=False)["t"].diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        raise InvalidInputError(
            f"{frame} frame: cannot infer the interval length, expected at least two distinct "
            f"interval_start values per series, got {ts.nunique()}"
        )
    step = diffs.min()
    remainder = (diffs.to_numpy().astype("timedelta64[ns]").astype(np.int64) % step.value) != 0
    if remainder.any():
        bad = diffs[remainder].iloc[0]
        raise InvalidInputError(
            f"{frame} frame has irregular interval spacing: expected multiples of {step}, got a gap of {bad}"
        )
    minutes = step.total_seconds() / 60
    if minutes not in allowed_minutes:
        raise InvalidInputError(
            f"{frame} frame interval length must be one of "
            f"{', '.join(f'{m} min' for m in allowed_minutes)}, got {minutes:g} min"
        )
    if (ts.dt.floor(step) != ts).any():
        bad_ts = ts[ts.dt.floor(step) != ts].iloc[0]
        raise InvalidInputError(
            f"{frame} frame interval_start values must be aligned to {minutes:g}-minute boundaries, got {bad_ts}"
        )
    return step


def interval_hours(timestamps: pd.Series, *, default_minutes: int = 15, frame: str = "input") -> float:
    """The interval length in hours (:func:`infer_interval`), or ``default_minutes`` when
    fewer than two distinct timestamps leave nothing to infer it from."""
    if pd.Series(timestamps).nunique() < 2:
        return default_minutes / 60
    return infer_interval(timestamps, frame=frame).total_seconds() / 3600


def is_missing(value: object) -> bool:
    """Whether a cell is empty: None, NaN, NA, NaT or blank text (CSV-friendly optional columns)."""
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, str) and value.strip() == "")
    )


def split_list(value: object) -> list[str]:
    """A cell holding a list, ``"a;b"`` or ``"a,b"``, as its stripped non-empty items ([] when empty).

    >>> split_list("Sat; Sun,")
    ['Sat', 'Sun']
    """
    if is_missing(value):
        return []
    if isinstance(value, (int, float, np.integer, np.floating)):
        return [repr(float(value))]
    return [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]
