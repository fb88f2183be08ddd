"""Rolling-origin backtest, model selection (best single or a combination) and calibration.

Origins are whole days: the last one sits ``horizon_days`` before the end of history, the
others ``step_days`` apart before it; each origin fits every candidate on the history up
to it and forecasts the real horizon. Extra origins (before the last holiday periods) can be
added. Scores are interval WAPE over the ordinary observed days and, when a special-day
scorer is given, the holidays, eves, after-days, make-up days and events of each horizon
(forecast as the final forecast would, from the history before the origin); the special
days' WAPE is also reported on its own (``holiday_wape``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import warnings

import numpy as np

from ..exceptions import WFMError, WFMWarning
from .frame import SeriesData
from .metrics import accuracy
from .models import MODELS

__all__ = ["BacktestOutcome", "run_backtest", "Calibration"]

#: horizon buckets (days ahead, inclusive upper bounds) with their own error quantiles
LEAD_BUCKETS: tuple[int, ...] = (1, 7, 10_000)
COMBO = "combo"


@dataclass
class BacktestOutcome:
    rows: list[dict]
    #: model name -> list of (lead_day, forecast, actual) arrays per origin
    errors: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]
    selected: str
    members: tuple[str, ...]
    scores: dict[str, float]


def _origins(
    sd: SeriesData,
    horizon_days: int,
    n_origins: int,
    step_days: int,
    min_train_days: int,
    extra_cuts: Sequence[np.datetime64] = (),
) -> list[int]:
    """Index (exclusive end of training) of each origin, oldest first."""
    last = sd.dates[-1]
    out = []
    cuts = [last - np.timedelta64(horizon_days + k * step_days, "D") for k in range(n_origins)]
    for cut in cuts + [np.asarray(c).astype("datetime64[D]") for c in extra_cuts]:
        n_train = int(np.searchsorted(sd.dates, cut, side="right"))
        if n_train >= min_train_days and sd.observed()[:n_train].sum() >= min_train_days * 0.8:
            out.append(n_train)
    return sorted(set(out))


def run_backtest(
    sd: SeriesData,
    candidates: list[str],
    *,
    horizon_days: int,
    n_origins: int = 3,
    step_days: int = 7,
    combine: int = 3,
    queue: str = "",
    progress: Callable[[int], None] | None = None,
    extra_cuts: Sequence[np.datetime64] = (),
    special: Callable[[SeriesData], Callable | None] | None = None,
) -> BacktestOutcome | None:
    """Backtest ``candidates`` on rolling origins; None when history is too short for any origin.

    ``extra_cuts`` adds origins (last day of training), e.g. before the last holiday periods.
    ``special(train)`` returns, for a training window, a scorer ``scorer(model) -> (lead,
    forecast, actual)`` of the special days (holidays, eves, after-days, ...) of the
    horizon, or None; their errors count in the ranking next to the ordinary days' and are
    reported separately as ``holiday_wape``; the calibration uses both.
    """
    n_open = int(sd.open_weekdays.sum())
    origins = _origins(sd, horizon_days, n_origins, step_days, min_train_days=2 * n_open, extra_cuts=extra_cuts)
    # the progress bar counts the regular origins only (the caller knows how many there are)
    regular = set(_origins(sd, horizon_days, n_origins, step_days, min_train_days=2 * n_open))
    rows: list[dict] = []
    errors: dict[str, list] = {name: [] for name in candidates}
    spec_errors: dict[str, list] = {name: [] for name in candidates}
    if not origins:
        return None
    observed = sd.observed()
    used: list[str] = []
    for n_train in origins:
        train = sd.truncate(n_train)
        end = sd.dates[n_train - 1] + np.timedelta64(horizon_days, "D")
        test = np.flatnonzero((np.arange(len(sd.dates)) >= n_train) & (sd.dates <= end) & observed)
        # a horizon of special days only (the day after a holiday, day-ahead) still scores
        scorer = special(train) if special is not None else None
        if test.size == 0 and scorer is None:
            continue
        dates, wd = sd.dates[test], sd.weekday[test]
        mask = sd.open_slots[wd]
        actual = np.where(mask, sd.calls[test], np.nan)
        lead = ((dates - train.dates[-1]).astype(int))[:, None] * np.ones(sd.n_slots, dtype=int)
        used.append(str(train.dates[-1]))
        for name in candidates:
            try:
                with warnings.catch_warnings():
                    # short-history fallbacks at early origins are expected, not news
                    warnings.simplefilter("ignore", WFMWarning)
                    model = MODELS[name]().fit_series(train)
                fc = model.predict_days(dates, wd)
            except (WFMError, ValueError, np.linalg.LinAlgError):
                continue  # a model that cannot fit this origin simply does not compete here
            keep = mask & ~np.isnan(actual)
            sp = scorer(model) if scorer is not None else None
            if sp is None:
                sp = (np.zeros(0, dtype=int), np.zeros(0), np.zeros(0))
            # the special days' errors count in the ranking and in the calibration
            errors[name].append(
                (
                    np.concatenate([lead[keep], sp[0]]),
                    np.concatenate([fc[keep], sp[1]]),
                    np.concatenate([actual[keep], sp[2]]),
                )
            )
            spec_errors[name].append(sp)
            rows.append(
                {
                    "queue": queue,
                    "model": name,
                    "origin": str(train.dates[-1]),
                    "horizon_days": horizon_days,
                    **accuracy(actual[keep], fc[keep]),
                    "n_intervals": int(keep.sum()),
                    "holiday_wape": _wape(sp[2], sp[1]),
                    "n_holiday_intervals": int(sp[2].size),
                }
            )
        if progress is not None and n_train in regular:
            progress(1)
    scores = {}
    for name in candidates:
        if errors[name] and len(errors[name]) == len(used):
            a = np.concatenate([e[2] for e in errors[name]])
            f = np.concatenate([e[1] for e in errors[name]])
            scores[name] = float(np.abs(a - f).sum() / max(a.sum(), 1e-9))
    if not scores:
        return None
    ranked = sorted(scores, key=lambda m: scores[m])
    members = tuple(ranked[: max(1, combine)])
    if len(members) > 1:
        combo_err = []
        combo_spec = []
        for i in range(len(errors[members[0]])):
            lead, _, act = errors[members[0]][i]
            fc = np.mean([errors[m][i][1] for m in members], axis=0)
            combo_err.append((lead, fc, act))
            s_lead, _, s_act = spec_errors[members[0]][i]
            s_fc = np.mean([spec_errors[m][i][1] for m in members], axis=0)
            combo_spec.append((s_lead, s_fc, s_act))
            n_ord = act.size - s_act.size  # the ordinary days come first
            rows.append(
                {
                    "queue": queue,
                    "model": COMBO + "(" + "+".join(members) + ")",
                    "origin": used[i],
                    "horizon_days": horizon_days,
                    **accuracy(act[:n_ord], fc[:n_ord]),
                    "n_intervals": int(n_ord),
                    "holiday_wape": _wape(s_act, s_fc),
                    "n_holiday_intervals": int(s_act.size),
                }
            )
        errors[COMBO] = combo_err
        a = np.concatenate([e[2] for e in combo_err])
        f = np.concatenate([e[1] for e in combo_err])
        scores[COMBO] = float(np.abs(a - f).sum() / max(a.sum(), 1e-9))
    best = min(scores, key=lambda m: scores[m])
    return BacktestOutcome(rows, errors, best, members if best == COMBO else (best,), scores)


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.abs(actual - forecast).sum() / actual.sum()) if actual.size and actual.sum() > 0 else float("nan")


@dataclass(frozen=True)
class Calibration:
    """Empirical quantiles of scaled backtest errors ``(actual - forecast) / sqrt(forecast)``,
    centred on their median, per lead-time bucket (day 1, days 2-7, later); the Poisson-like
    scaling lets one set serve quiet and busy intervals."""

    quantiles: tuple[float, ...]
    #: table[b, j]: quantile j of bucket b
    table: np.ndarray

    @classmethod
    def from_errors(
        cls, errors: list[tuple[np.ndarray, np.ndarray, np.ndarray]], quantiles: tuple[float, ...]
    ) -> Calibration:
        lead = np.concatenate([e[0] for e in errors])
        f = np.concatenate([e[1] for e in errors])
        a = np.concatenate([e[2] for e in errors])
        z = (a - f) / np.sqrt(np.maximum(f, 1.0))
        # Centre the errors on the point forecast: the spread is learned from the backtest,
        # its bias is not (a few origins in a falling month would otherwise tilt every future
        # interval; on the US bank test weeks centring moves the share below q90 from 0.83 to 0.93)
        z = z - np.median(z)
        pooled = np.quantile(z, quantiles)
        table = np.empty((len(LEAD_BUCKETS), len(quantiles)))
        lower = 0
        for b, upper in enumerate(LEAD_BUCKETS):
            sel = (lead > lower) & (lead <= upper)
            table[b] = np.quantile(z[sel], quantiles) if sel.sum() >= 100 else pooled
            lower = upper
        return cls(tuple(quantiles), table)

    @classmethod
    def poisson(cls, quantiles: tuple[float, ...]) -> Calibration:
        """Fallback without backtest errors: Poisson noise only (normal approximation), widened 1.5x."""
        from scipy.stats import norm

        z = 1.5 * norm.ppf(quantiles)
        return cls(tuple(quantiles), np.tile(z, (len(LEAD_BUCKETS), 1)))

    def bounds(self, forecast: np.ndarray, lead_days: np.ndarray, log_sd: np.ndarray | None = None) -> np.ndarray:
        """Quantile forecasts, shape (len(quantiles), n), never negative.

        ``log_sd`` (per interval, 0 = none): a further log-normal error of the day's level,
        independent of the calibrated one (a special day's effect estimated from few or no
        past occurrences); each side's offset is widened to ``sqrt(d^2 + L^2)`` with ``L`` the
        log-normal quantile's distance from the forecast.
        """
        bucket = np.searchsorted(np.array(LEAD_BUCKETS), lead_days, side="left")
        scale = np.sqrt(np.maximum(forecast, 1.0))
        offset = self.table[bucket].T * scale[None, :]
        if log_sd is not None and np.any(log_sd > 0):
            from scipy.stats import norm

            z = norm.ppf(np.array(self.quantiles))[:, None]
            level = forecast[None, :] * np.expm1(z * np.asarray(log_sd, dtype=float)[None, :])
            side = np.sign(z)
            offset = side * np.sqrt(offset**2 + level**2)
        out = forecast[None, :] + offset
        return np.maximum(out, 0.0)
