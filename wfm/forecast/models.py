"""Forecasting models: each a class that fits one queue's history and predicts whole days.

The classes follow scikit-learn: ``__init__`` only stores keyword-only parameters,
``fit(history)`` validates and returns ``self``, learned state ends in ``_`` and
``predict`` checks the model was fitted. Internally every model works on
:class:`~wfm.forecast.frame.SeriesData` (numpy arrays of ordinary days by interval) via
``fit_series`` and ``predict_days``, which the backtest calls directly.

Every model can predict a day *as if* it were another weekday (``weekdays`` may differ
from the dates' own weekday): special days (the first open day after a holiday, a make-up
workday) are forecast that way by :func:`wfm.forecast.forecast`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..exceptions import InsufficientHistoryError, InvalidInputError, NotFittedError, WFMWarning
from .frame import SeriesData, weekday_of, prepare_history

__all__ = [
    "SeasonalNaive",
    "WeightedWeeks",
    "TopDown",
    "MSTLModel",
    "MODELS",
    "make_model",
]


# --------------------------------------------------------------------------------------
# array helpers


def _smooth_rows(matrix: np.ndarray, open_mask: np.ndarray) -> np.ndarray:
    """Light [1, 2, 1]/4 smoothing along the day, within open slots only (edges reflect)."""
    out = matrix.copy()
    for i in range(matrix.shape[0]):
        idx = np.flatnonzero(open_mask[i])
        if idx.size < 3:
            continue
        v = matrix[i, idx]
        padded = np.concatenate([v[:1], v, v[-1:]])
        out[i, idx] = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    return out


def _recent(sd: SeriesData, weekday: int | np.integer, n: int) -> np.ndarray:
    """Indices of the last ``n`` observed days of a weekday (newest last)."""
    idx = np.flatnonzero((sd.weekday == weekday) & sd.observed())
    return idx[-n:]


def filled_calls(sd: SeriesData) -> np.ndarray:
    """Calls with gaps filled: partial days by the weekday's shape at the day's level,
    unobserved days by the mean of the nearest observed same-weekday days."""
    calls = sd.calls.copy()
    observed = sd.observed()
    mask = sd.open_slots[sd.weekday]
    calls[~mask & np.isnan(calls)] = 0.0
    mean_by_wd = np.zeros((7, sd.n_slots))
    for w in range(7):
        idx = np.flatnonzero((sd.weekday == w) & observed)
        if idx.size:
            with warnings.catch_warnings():
                # an interval missing on all six recent days stays NaN and becomes 0 below
                warnings.simplefilter("ignore", RuntimeWarning)
                mean_by_wd[w] = np.nanmean(sd.calls[idx[-6:]], axis=0)
    mean_by_wd = np.nan_to_num(mean_by_wd)
    for i in np.flatnonzero(np.isnan(calls).any(axis=1)):
        w = sd.weekday[i]
        gap = np.isnan(calls[i])
        if observed[i]:
            base = mean_by_wd[w]
            seen = ~gap & mask[i]
            scale = calls[i, seen].sum() / base[seen].sum() if base[seen].sum() > 0 else 1.0
            calls[i, gap] = base[gap] * scale
        else:
            near = np.flatnonzero((sd.weekday == w) & observed)
            if near.size:
                order = near[np.argsort(np.abs(near - i))][:4]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    calls[i] = np.where(
                        np.isnan(sd.calls[order]).all(axis=0), mean_by_wd[w], np.nanmean(sd.calls[order], axis=0)
                    )
            else:
                calls[i] = mean_by_wd[w]
            calls[i, ~mask[i]] = 0.0
    return np.nan_to_num(calls)


def weekday_profiles(sd: SeriesData, n_weeks: int, smooth: bool) -> np.ndarray:
    """Intraday shares per weekday (rows sum to 1) from the last ``n_weeks`` observed days."""
    filled = filled_calls(sd)
    prof = np.zeros((7, sd.n_slots))
    for w in np.flatnonzero(sd.open_weekdays):
        idx = _recent(sd, w, n_weeks)
        if idx.size == 0:
            continue
        days = filled[idx] * sd.open_slots[w]
        totals = days.sum(axis=1, keepdims=True)
        shares = np.divide(days, totals, out=np.zeros_like(days), where=totals > 0)
        prof[w] = shares.mean(axis=0)
    if smooth:
        prof = _smooth_rows(prof, sd.open_slots)
    sums = prof.sum(axis=1, keepdims=True)
    return np.divide(prof, sums, out=np.zeros_like(prof), where=sums > 0)


def weekday_factors(totals: np.ndarray, weekday: np.ndarray, usable: np.ndarray, n_weeks: int) -> np.ndarray:
    """Multiplicative weekday factors of daily totals (mean 1 over open weekdays)."""
    f = np.full(7, np.nan)
    for w in range(7):
        idx = np.flatnonzero((weekday == w) & usable)[-n_weeks:]
        if idx.size:
            f[w] = totals[idx].mean()
    return f / np.nanmean(f)


def _steps_ahead(sd: SeriesData, dates: np.ndarray) -> np.ndarray:
    """Position of each future date in the open-weekday sequence (1 = the next open day)."""
    last = sd.dates[-1]
    out = np.empty(len(dates), dtype=np.int64)
    for i, d in enumerate(dates):
        span = np.arange(1, int((d - last).astype(int)) + 1).astype("timedelta64[D]") + last
        out[i] = max(int(sd.open_weekdays[weekday_of(span)].sum()), 1)
    return out


# --------------------------------------------------------------------------------------
# models


class _Model:
    """Shared fit/predict plumbing; subclasses implement ``fit_series`` and ``predict_days``."""

    #: minimum whole weeks of ordinary history the model wants
    min_weeks: int = 1
    name: str = "model"
    #: the history the model was fitted on (set by fit; absent before)
    series_: SeriesData

    def get_params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def fit(self, history: pd.DataFrame, *, country: str | None = "CN") -> _Model:
        """Fit one queue's history frame ``[queue,] interval_start, calls``; returns self."""
        queues = prepare_history(history, country=country)
        if len(queues) != 1:
            raise InvalidInputError(
                f"{type(self).__name__}.fit takes one queue, got {len(queues)} ({', '.join(queues)}); "
                "use wfm.forecast.forecast for several"
            )
        self.queue_data_ = next(iter(queues.values()))
        return self.fit_series(self.queue_data_.series())

    def _check_fitted(self) -> None:
        if not hasattr(self, "series_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(history) before predict")

    def predict(self, horizon_days: int = 14) -> pd.DataFrame:
        """Forecast ``interval_start, calls`` for the open intervals of the next ``horizon_days`` days."""
        self._check_fitted()
        if not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
            raise InvalidInputError(f"horizon_days must be a whole number >= 1, got {horizon_days!r}")
        sd = self.series_
        dates = sd.future_dates(int(horizon_days))
        wd = weekday_of(dates)
        values = self.predict_days(dates, wd)
        step = getattr(self, "queue_data_", None)
        interval = step.interval if step is not None else pd.Timedelta(days=1) / sd.n_slots
        r, c = np.nonzero(sd.open_slots[wd])
        return pd.DataFrame(
            {
                "interval_start": pd.DatetimeIndex(dates[r]) + c * interval,
                "calls": values[r, c],
            }
        )

    def fit_series(self, sd: SeriesData) -> _Model:
        raise NotImplementedError

    def predict_days(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SeasonalNaive(_Model):
    """Same interval on the last observed day of the same weekday ("same interval last week").

    On a weekdays-only centre that is five business days back; a missing day (a holiday
    gap) is skipped to the week before, never read as zero.

    Examples
    --------
    >>> model = SeasonalNaive().fit(history)          # doctest: +SKIP
    >>> model.predict(horizon_days=7)                  # doctest: +SKIP
    """

    name = "snaive"

    def __init__(self) -> None:
        pass

    def fit_series(self, sd: SeriesData) -> SeasonalNaive:
        filled = filled_calls(sd)
        last = np.zeros((7, sd.n_slots))
        for w in np.flatnonzero(sd.open_weekdays):
            idx = _recent(sd, w, 1)
            if idx.size == 0:
                raise InsufficientHistoryError(f"seasonal naive needs one observed day of weekday {w}, got none")
            last[w] = filled[idx[-1]]
        self.last_day_ = last
        self.series_ = sd
        return self

    def predict_days(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        self._check_fitted()
        return self.last_day_[weekdays]


class WeightedWeeks(_Model):
    """Weighted average of the last ``n_weeks`` same-weekday days, lightly smoothed.

    Parameters
    ----------
    n_weeks
        How many past same-weekday days to average (fewer if history is shorter, with a warning).
    decay
        Weight ratio between consecutive weeks back (1 = plain average, 0.8 favours recent weeks).
    smooth
        Apply a [1, 2, 1]/4 filter along the day to take out Poisson noise.
    """

    name = "weighted_weeks"

    def __init__(self, *, n_weeks: int = 6, decay: float = 1.0, smooth: bool = True) -> None:
        self.n_weeks = n_weeks
        self.decay = decay
        self.smooth = smooth

    def fit_series(self, sd: SeriesData) -> WeightedWeeks:
        if not (isinstance(self.n_weeks, (int, np.integer)) and self.n_weeks >= 1):
            raise InvalidInputError(f"n_weeks must be a whole number >= 1, got {self.n_weeks!r}")
        if not 0 < self.decay <= 1:
            raise InvalidInputError(f"decay must be in (0, 1], got {self.decay!r}")
        filled = filled_calls(sd)
        prof = np.zeros((7, sd.n_slots))
        short = []
        for w in np.flatnonzero(sd.open_weekdays):
            idx = _recent(sd, w, self.n_weeks)
            if idx.size < self.n_weeks:
                short.append(int(idx.size))
            if idx.size == 0:
                raise InsufficientHistoryError(f"weighted weeks needs an observed day of weekday {w}, got none")
            weights = self.decay ** np.arange(idx.size)[::-1]
            prof[w] = (filled[idx] * weights[:, None]).sum(axis=0) / weights.sum()
        if short:
            warnings.warn(
                f"weighted weeks: only {min(short)} week(s) of history for some weekday, expected {self.n_weeks}; "
                "averaging what there is",
                WFMWarning,
                stacklevel=3,
            )
        if self.smooth:
            prof = _smooth_rows(prof, sd.open_slots)
        self.profile_ = prof
        self.series_ = sd
        return self

    def predict_days(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        self._check_fitted()
        return self.profile_[weekdays]


class TopDown(_Model):
    """Daily totals forecast, spread over the day by smoothed intraday profiles per weekday.

    Parameters
    ----------
    daily
        ``"ets"``: Holt-Winters exponential smoothing of daily totals (statsmodels, damped
        additive trend, multiplicative weekly season over the open days, in which a week is
        as many steps as the centre has open weekdays). ``"level"``: a robust level (mean of
        the last ``level_weeks`` weeks of seasonally adjusted totals) times weekday factors.
    profile_weeks
        Weeks of history the intraday shares are averaged over.
    level_weeks
        Weeks in the robust level (``daily="level"``).
    factor_weeks
        Weeks the weekday factors are averaged over.
    window_weeks
        Weeks of daily totals the exponential smoothing is fitted on.
    """

    name = "top_down"

    def __init__(
        self,
        *,
        daily: str = "level",
        profile_weeks: int = 9,
        level_weeks: int = 3,
        factor_weeks: int = 6,
        smooth: bool = True,
        window_weeks: int = 52,
    ) -> None:
        self.daily = daily
        self.profile_weeks = profile_weeks
        self.level_weeks = level_weeks
        self.factor_weeks = factor_weeks
        self.smooth = smooth
        self.window_weeks = window_weeks

    def fit_series(self, sd: SeriesData) -> TopDown:
        if self.daily not in ("ets", "level"):
            raise InvalidInputError(f"daily must be one of ets, level, got {self.daily!r}")
        filled = filled_calls(sd)
        observed = sd.observed()
        totals = (filled * sd.open_slots[sd.weekday]).sum(axis=1)
        self.factors_ = weekday_factors(totals, sd.weekday, observed, self.factor_weeks)
        self.profile_ = weekday_profiles(sd, self.profile_weeks, self.smooth)
        adjusted = totals / self.factors_[sd.weekday]
        n_open = int(sd.open_weekdays.sum())
        if self.daily == "level":
            recent = adjusted[observed][-self.level_weeks * n_open :]
            self.level_: float | None = float(recent.mean())
            self.ets_ = None
        else:
            from statsmodels.tsa.holtwinters import ExponentialSmoothing

            # unobserved days (gaps, special days) take their filled value so the season stays aligned
            # the last year is plenty for a damped trend and keeps the fit fast
            series = np.maximum(totals[-self.window_weeks * n_open :], 1.0)
            seasonal = "mul" if n_open > 1 and series.size >= 2 * n_open + 2 else None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.ets_ = ExponentialSmoothing(
                    series,
                    trend="add",
                    damped_trend=True,
                    seasonal=seasonal,
                    seasonal_periods=n_open if seasonal else None,
                    initialization_method="estimated",
                ).fit()
            self.level_ = None
        self.series_ = sd
        return self

    def daily_totals(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        """Forecast daily totals; a proxy weekday rescales by the weekday factors."""
        self._check_fitted()
        if self.ets_ is None:
            assert self.level_ is not None  # daily = "level" fits a level and no ETS
            return self.level_ * self.factors_[weekdays]
        steps = _steps_ahead(self.series_, dates)
        path = self.ets_.forecast(int(steps.max()))
        own = weekday_of(dates)
        return np.maximum(path[steps - 1], 0.0) * self.factors_[weekdays] / self.factors_[own]

    def predict_days(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        return self.daily_totals(dates, weekdays)[:, None] * self.profile_[weekdays]


class MSTLModel(_Model):
    """Interval-level model: MSTL decomposition with daily and weekly seasonality.

    Fitted on a recent window of ``window_weeks`` weeks (not years of points: the
    seasonal shape drifts and the decomposition cost grows with length). The series is the
    open days' open slots laid end to end, so a weekdays-only centre has a 5-day week. The
    forecast is the last week's trend level plus the mean seasonal pattern of the last
    ``season_weeks`` same weekdays.
    """

    name = "mstl"
    min_weeks = 2

    def __init__(self, *, window_weeks: int = 6, season_weeks: int = 3) -> None:
        self.window_weeks = window_weeks
        self.season_weeks = season_weeks

    def fit_series(self, sd: SeriesData) -> MSTLModel:
        from statsmodels.tsa.seasonal import MSTL

        cols = np.flatnonzero(sd.open_slots.any(axis=0))
        n_open = int(sd.open_weekdays.sum())
        filled = filled_calls(sd)
        n_days = min(len(sd.dates), self.window_weeks * n_open)
        if n_days < 2 * n_open:
            raise InsufficientHistoryError(f"MSTL needs two weeks of open days, got {n_days} days")
        window = filled[-n_days:][:, cols]
        k = cols.size
        periods = (k, k * n_open) if n_open > 1 else (k,)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # one inner iteration: a second barely changes the backtest and doubles the cost
            res = MSTL(window.ravel(), periods=periods, iterate=1).fit()
        seasonal = np.asarray(res.seasonal).reshape(window.size, -1).sum(axis=1).reshape(n_days, k)
        trend = np.asarray(res.trend).reshape(n_days, k)
        # level: the trend over the last week; season: mean of the last ``season_weeks``
        # same-weekday patterns (one day's seasonal estimate still carries that day's noise:
        # on the US bank data 1, 2, 3 weeks give one-shot RMSE 23.5, 21.8, 20.8)
        self.level_ = float(trend[-n_open:].mean())
        wd = sd.weekday[-n_days:]
        season = np.zeros((7, sd.n_slots))
        for w in np.flatnonzero(sd.open_weekdays):
            last = np.flatnonzero(wd == w)[-self.season_weeks :]
            season[w, cols] = seasonal[last].mean(axis=0)
        self.season_ = season
        self.series_ = sd
        return self

    def predict_days(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        self._check_fitted()
        out = np.maximum(self.level_ + self.season_[weekdays], 0.0)
        return out * self.series_.open_slots[weekdays]


#: the tournament's candidates by name: factories of fresh models
MODELS: dict[str, Callable[[], _Model]] = {
    "snaive": lambda: SeasonalNaive(),
    "weighted_weeks": lambda: WeightedWeeks(n_weeks=6),
    "top_down_level": lambda: TopDown(daily="level"),
    "top_down_ets": lambda: TopDown(daily="ets"),
    "mstl": lambda: MSTLModel(window_weeks=6),
}


def make_model(name: str) -> _Model:
    """A fresh model by tournament name; raises naming the valid ones."""
    if name not in MODELS:
        raise InvalidInputError(f"model must be one of auto, {', '.join(MODELS)}, got {name!r}")
    return MODELS[name]()
