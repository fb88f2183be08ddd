"""`forecast`: tournament per queue, special days, handle time, prediction intervals."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..calendar import WEEKDAY_LABELS, day_types, normalize_events, one_calendar_warning
from ..exceptions import InsufficientHistoryError, InvalidInputError, WFMWarning
from .backtest import COMBO, Calibration, run_backtest
from .frame import QueueData, SeriesData, ThinQueue, prepare_history, quantile_column, special_day_kind
from .models import MODELS, filled_calls, weekday_factors
from .special import learn_special, plan_special, special_values

__all__ = ["ForecastConfig", "ForecastResult", "forecast", "HOLIDAY_EFFECTS"]

#: "kinds": every holiday kind, eve, after-day, make-up day and event its own learned /
#: pooled / prior effect (wfm.forecast.special); "single_ratio": the earlier method (one
#: median ratio for all holidays), kept as the benchmarks' baseline
HOLIDAY_EFFECTS: tuple[str, ...] = ("kinds", "single_ratio")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForecastConfig:
    """Forecast settings, validated once."""

    horizon_days: int = 14
    model: str = "auto"
    quantiles: tuple[float, ...] = (0.1, 0.9)
    n_origins: int = 3
    step_days: int = 7
    combine: int = 3
    aht_weeks: int = 6
    holiday_effects: str = "kinds"
    holiday_origins: int = 2

    def __post_init__(self) -> None:
        if self.holiday_effects not in HOLIDAY_EFFECTS:
            raise InvalidInputError(
                f"holiday_effects must be one of {', '.join(HOLIDAY_EFFECTS)}, got {self.holiday_effects!r}"
            )
        if not isinstance(self.holiday_origins, (int, np.integer)) or not 0 <= self.holiday_origins <= 10:
            raise InvalidInputError(f"holiday_origins must be a whole number in [0, 10], got {self.holiday_origins!r}")
        if not isinstance(self.horizon_days, (int, np.integer)) or not 1 <= self.horizon_days <= 366:
            raise InvalidInputError(f"horizon_days must be a whole number in [1, 366], got {self.horizon_days!r}")
        if self.model != "auto" and self.model not in MODELS and self.model != COMBO:
            raise InvalidInputError(f"model must be one of auto, combo, {', '.join(MODELS)}, got {self.model!r}")
        qs = tuple(float(q) for q in self.quantiles)
        if any(not 0 < q < 1 or q == 0.5 for q in qs) or len(set(qs)) != len(qs):
            raise InvalidInputError(
                f"quantiles must be distinct values in (0, 1) other than 0.5, got {self.quantiles!r}"
            )
        object.__setattr__(self, "quantiles", tuple(sorted(qs)))
        if not 1 <= self.n_origins <= 20:
            raise InvalidInputError(f"n_origins must be in [1, 20], got {self.n_origins}")
        if self.step_days < 1 or self.combine < 1 or self.aht_weeks < 1:
            raise InvalidInputError("step_days, combine and aht_weeks must be >= 1")


@dataclass
class ForecastResult:
    """What :func:`forecast` returns.

    Attributes
    ----------
    forecast
        The forecast contract frame ``queue, interval_start, calls, aht_sec,
        calls_lo_<p>..., calls_hi_<p>..., model``; open intervals only.
    backtest
        One row per queue, model and origin: ``wape, rmse, mae, bias, n_intervals``.
    selected
        Per queue: the model used, its backtest WAPE, and the number of origins.
    operating_hours
        Per queue and weekday: the open spans learned from the history.
    missing
        ``queue, interval_start`` of intervals inside operating hours without data.
    notes
        Plain-language notes about fallbacks and special days.
    special_days
        One row per queue and special day of the horizon: ``queue, date, kind, offset,
        status, method`` (``learned``, ``pooled`` or ``prior``: where its effect came
        from), ``occurrences`` (past occurrences of the kind used), ``ratio`` (volume
        relative to an average open day) and ``prior`` (the weekday pattern of the prior).
    """

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    selected: pd.DataFrame
    operating_hours: pd.DataFrame
    missing: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    special_days: pd.DataFrame = field(default_factory=pd.DataFrame)


def _note(notes: list[str], text: str, warn: bool = True) -> None:
    notes.append(text)
    if warn:
        warnings.warn(text, WFMWarning, stacklevel=4)
    else:
        log.info(text)


class _Ensemble:
    """Mean of fitted models' day forecasts."""

    def __init__(self, names: Sequence[str], sd: SeriesData, queue: str, notes: list[str]) -> None:
        self.models = []
        self.names: list[str] = []
        for name in names:
            try:
                self.models.append(MODELS[name]().fit_series(sd))
                self.names.append(name)
            except InsufficientHistoryError as exc:
                # a simpler model rather than no forecast
                _note(notes, f"queue {queue}: {name} cannot be fitted ({exc}); using weighted_weeks instead")
                self.models.append(MODELS["weighted_weeks"]().fit_series(sd))
                self.names.append("weighted_weeks")

    def predict(self, dates: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
        return np.mean([m.predict_days(dates, weekdays) for m in self.models], axis=0)


def _history_ratios(qd: QueueData, sd: SeriesData, kinds: np.ndarray, labels: np.ndarray) -> dict[str, list[float]]:
    """Observed total of each special history day / mean total of nearby ordinary same-weekday days."""
    filled = filled_calls(sd)
    tot = (filled * sd.open_slots[sd.weekday]).sum(axis=1)
    usable = sd.observed()
    ratios: dict[str, list[float]] = {}
    days = qd.days.to_numpy().astype("datetime64[D]")
    wd = qd.calendar["weekday"].to_numpy()
    for i in np.flatnonzero(kinds != "ordinary"):
        if np.isnan(qd.calls[i]).all():
            continue
        ref = np.flatnonzero((sd.weekday == wd[i]) & usable & (np.abs((sd.dates - days[i]).astype(int)) <= 21))
        if ref.size == 0:
            continue
        ratios.setdefault(labels[i], []).append(float(np.nansum(qd.calls[i]) / max(tot[ref].mean(), 1e-9)))
    return ratios


def _plan_days(
    qd: QueueData, sd: SeriesData, horizon_days: int, as_of_day: np.datetime64, country, events, notes
) -> pd.DataFrame:
    """Decide for each horizon day: closed, or forecast as weekday ``proxy`` times ``ratio``."""
    days = as_of_day + np.arange(1, horizon_days + 1).astype("timedelta64[D]")
    cal = day_types(pd.DatetimeIndex(days), country=country, events=events)
    ev = normalize_events(events).set_index("date")["multiplier"] if events is not None else pd.Series(dtype=float)
    wd = cal["weekday"].to_numpy()
    labels = cal["day_type"].to_numpy()
    kinds = np.array([special_day_kind(t) for t in labels])

    hist_labels = qd.calendar["day_type"].to_numpy()
    hist_kinds = np.array([special_day_kind(t) for t in hist_labels])
    hist_status = qd.calendar["status"].to_numpy()
    open_wd_hist = qd.open_weekdays[qd.calendar["weekday"].to_numpy()]
    hol_open = int(((hist_kinds == "holiday") & (hist_status == "open")).sum())
    hol_closed = int(((hist_kinds == "holiday") & (hist_status == "closed") & open_wd_hist).sum())
    ratios = _history_ratios(qd, sd, hist_kinds, hist_labels)
    # post-holiday days in history: first day with data after a closed holiday
    post_ratios = []
    filled = filled_calls(sd)
    tot = (filled * sd.open_slots[sd.weekday]).sum(axis=1)
    for i in np.flatnonzero((hist_kinds == "holiday") & (hist_status == "closed")):
        j = i + 1
        while j < len(hist_status) and hist_status[j] == "closed":
            j += 1
        if j < len(hist_status) and hist_kinds[j] == "ordinary" and hist_status[j] == "open":
            k = np.flatnonzero(sd.dates == qd.days[j].to_datetime64().astype("datetime64[D]"))
            ref: list[int] | np.ndarray = (
                np.flatnonzero(
                    (sd.weekday == sd.weekday[k[0]])
                    & sd.observed()
                    & (np.abs((sd.dates - sd.dates[k[0]]).astype(int)) <= 21)
                )
                if k.size
                else []
            )
            ref = [r for r in ref if r != k[0]] if k.size else []
            if ref:
                post_ratios.append(tot[k[0]] / tot[ref].mean())

    factors = weekday_factors(tot, sd.weekday, sd.observed(), 6)
    open_w = np.flatnonzero(qd.open_weekdays)
    quietest = int(open_w[np.nanargmin(factors[open_w])])
    median_w = int(open_w[np.argsort(factors[open_w])[len(open_w) // 2]])
    # the first open weekday after the weekly closure (Monday for a weekdays-only centre)
    after_closure = None
    if not qd.open_weekdays.all():
        for w in range(7):
            if qd.open_weekdays[w] and not qd.open_weekdays[(w - 1) % 7]:
                after_closure = w
                break
    weekly_closure = after_closure is not None

    proxy = wd.copy()
    ratio = np.ones(len(days))
    status = np.where(qd.open_weekdays[wd], "open", "closed").astype(object)
    said: set[str] = set()
    for i, kind in enumerate(kinds):
        if kind == "holiday":
            if hol_open > hol_closed and "holiday" in ratios:
                ratio[i] = float(np.median(ratios["holiday"]))
                if not qd.open_weekdays[wd[i]]:
                    proxy[i] = quietest
                status[i] = "open"
            elif hol_closed > 0 or weekly_closure:
                status[i] = "closed"
                if hol_closed == 0 and "hol" not in said:
                    _note(
                        notes,
                        f"queue {qd.queue}: no public holiday in history; holidays in the horizon "
                        "(e.g. " + str(cal["date"].iloc[i].date()) + ") are assumed closed, like the "
                        "weekly closure",
                    )
                    said.add("hol")
            else:
                proxy[i], status[i] = quietest, "open"
                if "hol24" not in said:
                    _note(
                        notes,
                        f"queue {qd.queue}: no public holiday in history; holidays in the horizon are "
                        f"forecast like the quietest weekday ({cal['date'].iloc[i].day_name()[:3]} pattern)",
                    )
                    said.add("hol24")
        elif kind == "makeup":
            proxy[i], status[i] = median_w, "open"
        elif kind == "event":
            name = labels[i]
            if name in ratios:
                ratio[i] = float(np.median(ratios[name]))
            else:
                mult = ev.get(cal["date"].iloc[i], np.nan)
                ratio[i] = 1.0 if np.isnan(mult) else float(mult)
                if np.isnan(mult) and name not in said:
                    _note(
                        notes, f"queue {qd.queue}: {name} has no history and no multiplier; forecast as an ordinary day"
                    )
                    said.add(name)
            if not qd.open_weekdays[wd[i]]:
                proxy[i] = median_w
            status[i] = "open"
    # The first open day after a closed holiday carries the backlog: learned from history
    # when there is one, otherwise it is forecast like the day after the weekly closure.
    for i in range(len(days)):
        if status[i] != "closed" or kinds[i] != "holiday":
            continue
        j = i + 1
        while j < len(days) and status[j] == "closed":
            j += 1
        if j < len(days) and kinds[j] == "ordinary" and (j == i + 1 or wd[j] != after_closure):
            if post_ratios:
                ratio[j] *= float(np.median(post_ratios))
            elif after_closure is not None and wd[j] != after_closure:
                proxy[j] = after_closure
                if "post" not in said:
                    _note(
                        notes,
                        f"queue {qd.queue}: the first open day after a closed holiday "
                        f"({cal['date'].iloc[j].date()}) is forecast like the first day after the "
                        f"weekly closure ({WEEKDAY_LABELS[after_closure]})",
                        warn=False,
                    )
                    said.add("post")
    return pd.DataFrame(
        {"date": days, "weekday": wd, "day_type": labels, "status": status, "proxy": proxy, "ratio": ratio}
    )


def _holiday_cuts(qd: QueueData, horizon_days: int, count: int) -> list[np.datetime64]:
    """Origins (last training day) placing each of the last ``count`` holiday periods inside the horizon."""
    if count == 0:
        return []
    kinds = qd.calendar["kind"].to_numpy().astype(object)
    fam = np.array([k.startswith("holiday:") for k in kinds])
    has_rows = ~np.isnan(qd.calls).all(axis=1)
    starts = [int(i) for i in np.flatnonzero(fam) if i == 0 or kinds[i - 1] != kinds[i]]
    cuts = []
    for i in reversed(starts):
        j = i
        while j + 1 < len(kinds) and kinds[j + 1] == kinds[i]:
            j += 1
        # the period is scored only if it has data and fits in the horizon after the origin
        lead = min(7, max(1, horizon_days - (j - i + 1)))
        if j + 1 + 2 >= len(kinds) or not has_rows[i : j + 1].any() or i - lead < 28:
            continue
        cuts.append(qd.days[i - lead].to_datetime64().astype("datetime64[D]"))
        if len(cuts) == count:
            break
    return cuts


def _special_scorer(qd: QueueData, horizon_days: int, country, events):
    """A backtest hook: for a training window, score its horizon's special days as forecast()."""
    days = qd.days.to_numpy().astype("datetime64[D]")

    def make(train: SeriesData):
        cut = int(np.searchsorted(days, train.dates[-1], side="right"))
        end = min(cut + horizon_days, len(days))
        cal = qd.calendar.iloc[cut:end]
        has = ~np.isnan(qd.calls[cut:end]).all(axis=1)
        sel = (cal["kind"].to_numpy() != "") & has
        if not sel.any():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WFMWarning)
            h = learn_special(qd, cut, country)
            plan, shapes = plan_special(qd, h, cal[sel], country, events)
        actual_all = qd.calls[cut:end][sel]
        lead_day = (plan["date"].to_numpy().astype("datetime64[D]") - train.dates[-1]).astype(int)
        is_open = (plan["status"] == "open").to_numpy()

        def score(model):
            fc = np.zeros_like(actual_all)
            if is_open.any():
                fc[is_open] = special_values(
                    plan[is_open],
                    [e for e, k in zip(shapes, is_open, strict=True) if k],
                    h,
                    qd.open_slots,
                    model.predict_days,
                )
            keep = ~np.isnan(actual_all)
            lead = np.broadcast_to(lead_day[:, None], actual_all.shape)
            return lead[keep], fc[keep], actual_all[keep]

        return score

    return make


def _describe_special(queue: str, plan: pd.DataFrame) -> str:
    """One line per queue: which special days got a learned, pooled or prior effect."""
    parts = []
    sp = plan[plan["method"] != "ordinary"]
    for (kind, method), g in sp.groupby(["kind", "method"], sort=False):
        span = str(g["date"].iloc[0].date()) + (f"..{g['date'].iloc[-1].date()}" if len(g) > 1 else "")
        status = "closed" if (g["status"] == "closed").all() else f"x{g['ratio'].mean():.2f} of an average day"
        how = {
            "learned": f"learned from {g['occurrences'].max()} past occurrences",
            "pooled": (
                f"pooled ({g['occurrences'].max()} past occurrence(s) shrunk towards all {kind.split(':')[0]}s)"
                if g["occurrences"].max()
                else f"pooled (no past {kind}; the pooled effect of its family)"
            ),
            "prior": f"prior (none in history; like a {g['prior'].iloc[0]})",
        }[method]
        parts.append(f"{kind} {span}: {how}, {status}")
    return f"queue {queue}: special days in the horizon: " + "; ".join(parts)


def _special_notes(queue: str, plan: pd.DataFrame, events: pd.DataFrame | None, notes: list[str]) -> None:
    sp = plan[plan["method"] != "ordinary"]
    if sp.empty:
        return
    hol = sp[sp["kind"].str.startswith("holiday:")]
    closed_prior = hol[(hol["status"] == "closed") & (hol["method"] == "prior")]
    if len(closed_prior):
        _note(
            notes,
            f"queue {queue}: no public holiday in history; holidays in the horizon (e.g. "
            f"{closed_prior['date'].iloc[0].date()}) are assumed closed, like the weekly closure",
        )
    new_hol = hol[(hol["method"] == "prior") & (hol["status"] == "open")]
    if len(new_hol):
        _note(
            notes,
            f"queue {queue}: no public holiday in history; holidays in the horizon are forecast like "
            f"the quietest weekday ({new_hol['prior'].iloc[0]} pattern)",
        )
    ev = sp[sp["kind"].str.startswith("event:") & (sp["method"] == "prior")]
    given = normalize_events(events).set_index("date")
    for kind in dict.fromkeys(ev["kind"]):
        dates = ev.loc[ev["kind"] == kind, "date"]
        told = given.reindex(dates)
        if told["multiplier"].isna().all() and told["like"].isna().all():
            _note(notes, f"queue {queue}: {kind} has no history and no multiplier; forecast as an ordinary day")
    _note(notes, _describe_special(queue, plan), warn=False)


def _aht_profile(qd: QueueData, weeks: int) -> np.ndarray:
    """Calls-weighted AHT per weekday and slot over the last ``weeks`` weeks of ordinary days."""
    wd = qd.calendar["weekday"].to_numpy()
    ordinary = qd.calendar["day_type"].map(special_day_kind).to_numpy() == "ordinary"
    calls = np.nan_to_num(qd.calls)
    aht = qd.aht_sec
    ok = ~np.isnan(aht) & ~np.isnan(qd.calls)
    overall_w = (calls * np.nan_to_num(aht) * ok).sum()
    overall = overall_w / max((calls * ok).sum(), 1e-9) if (calls * ok).sum() > 0 else np.nanmean(aht)
    prof = np.full((7, qd.slots_per_day), overall)
    for w in range(7):
        idx = np.flatnonzero((wd == w) & ordinary & ok.any(axis=1))[-weeks:]
        if idx.size == 0:
            continue
        c = calls[idx] * ok[idx]
        num = (c * np.nan_to_num(aht[idx])).sum(axis=0)
        den = c.sum(axis=0)
        day_level = num.sum() / den.sum() if den.sum() > 0 else overall
        prof[w] = np.where(den > 0, num / np.maximum(den, 1e-9), day_level)
        # shrink thin intervals to the day's level (few calls -> noisy average)
        weight = den / (den + 20.0)
        prof[w] = weight * prof[w] + (1 - weight) * day_level
    return prof


def _thin_forecast(tq: ThinQueue, last_day: pd.Timestamp, cfg: ForecastConfig, aht_sec: float | None) -> pd.DataFrame:
    """The simplest forecast that fits a queue too thin to model: each interval's mean over the
    days with data (of the same weekday when that weekday was seen), open where calls were seen."""
    hist = tq.history
    per_day = int(pd.Timedelta(days=1) / tq.interval)
    days = hist["interval_start"].dt.normalize()
    day_index = {d: i for i, d in enumerate(sorted(days.unique()))}
    grid = np.zeros((len(day_index), per_day))
    rows = days.map(day_index).to_numpy()
    cols = ((hist["interval_start"] - days) / tq.interval).astype(np.int64).to_numpy()
    grid[rows, cols] = hist["calls"].to_numpy()
    weekday = np.array([pd.Timestamp(d).weekday() for d in day_index])
    open_slot = (grid > 0).any(axis=0)
    overall = grid.mean(axis=0)
    aht_value = float(aht_sec) if aht_sec is not None else np.nan
    if "aht_sec" in hist.columns and hist["aht_sec"].notna().any():
        ok = hist["aht_sec"].notna() & (hist["calls"] > 0)
        if ok.any():
            aht_value = float((hist.loc[ok, "aht_sec"] * hist.loc[ok, "calls"]).sum() / hist.loc[ok, "calls"].sum())
    calib = Calibration.poisson(cfg.quantiles)
    frames = []
    for lead in range(1, cfg.horizon_days + 1):
        day = last_day + pd.Timedelta(days=lead)
        same = weekday == day.weekday()
        mean = grid[same].mean(axis=0) if same.any() else overall
        slots = np.flatnonzero(open_slot)
        calls = mean[slots]
        out = {"queue": tq.queue, "interval_start": day + slots * tq.interval, "calls": calls, "aht_sec": aht_value}
        bounds = calib.bounds(calls, np.full(len(slots), lead))
        for j, q in enumerate(cfg.quantiles):
            out[quantile_column(q)] = bounds[j]
        frames.append(pd.DataFrame(out))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def forecast(
    history: pd.DataFrame,
    horizon_days: int = 14,
    *,
    model: str = "auto",
    quantiles: Sequence[float] = (0.1, 0.9),
    country: str | None = "CN",
    events: pd.DataFrame | None = None,
    exclude: pd.DataFrame | list | None = None,
    as_of: object = None,
    aht_sec: float | None = None,
    n_origins: int = 3,
    step_days: int = 7,
    combine: int = 3,
    progress: Callable[[int], None] | None = None,
    holiday_effects: str = "kinds",
    holiday_origins: int = 2,
) -> ForecastResult:
    """Forecast calls and handle time per queue and interval for the next ``horizon_days`` days.

    Per queue, a rolling-origin backtest (``n_origins`` origins ``step_days`` apart, the
    real horizon) ranks the models by interval WAPE; ``model="auto"`` keeps the best of
    the single models and the mean of the best ``combine``. Prediction intervals come from
    the selected model's backtest errors. Holidays, make-up workdays and events follow the
    calendar of ``country`` (see :func:`wfm.calendar.day_types`).

    Parameters
    ----------
    history
        ``[queue,] interval_start, calls[, aht_sec]`` at 5, 10, 15, 30 or 60 minutes.
    horizon_days
        Calendar days to forecast after ``as_of``.
    model
        ``"auto"``, ``"combo"`` or one of ``snaive, weighted_weeks, top_down_level,
        top_down_ets, mstl``.
    quantiles
        Quantiles of the calls forecast, e.g. ``(0.1, 0.9)`` -> ``calls_lo_80, calls_hi_80``.
    country, events
        Holiday calendar and user events (``date, event[, multiplier]``).
    exclude
        Known outliers to drop from history: a frame ``start, end`` or ``(start, end)`` pairs.
    as_of
        Last day of history to use (default: the last day in ``history``); the forecast starts the day after.
    aht_sec
        Handle time to use when ``history`` has no ``aht_sec`` column (required then).
    progress
        Called with a step count as the tournament advances (the CLI's progress bar).
    holiday_effects
        ``"kinds"`` (default): every holiday kind, eve, after-day, make-up day and event has
        its own effect, learned, pooled or from a prior (``result.special_days`` says which);
        ``"single_ratio"``: the earlier method, one median ratio for all holidays.
    holiday_origins
        Extra backtest origins placed before the last holiday periods of the history, so
        the tournament also ranks models on them (``"kinds"`` only).

    Returns
    -------
    ForecastResult

    Examples
    --------
    >>> result = forecast(history, horizon_days=14, country="CN")   # doctest: +SKIP
    >>> result.forecast.head()                                      # doctest: +SKIP
    """
    cfg = ForecastConfig(
        horizon_days=horizon_days,
        model=model,
        quantiles=tuple(quantiles),
        n_origins=n_origins,
        step_days=step_days,
        combine=combine,
        holiday_effects=holiday_effects,
        holiday_origins=holiday_origins,
    )
    if aht_sec is not None and not (np.isfinite(aht_sec) and aht_sec > 0):
        raise InvalidInputError(f"aht_sec must be a positive number of seconds, got {aht_sec!r}")
    if not isinstance(history, pd.DataFrame):
        raise InvalidInputError(f"history must be a pandas DataFrame, got {type(history).__name__}")
    with one_calendar_warning(stacklevel=4):  # one warning for the years chinesecalendar lacks, not one per queue
        return _forecast_queues(
            history,
            cfg,
            country=country,
            events=events,
            exclude=exclude,
            as_of=as_of,
            aht_sec=aht_sec,
            progress=progress,
        )


def _forecast_queues(
    history: pd.DataFrame, cfg: ForecastConfig, *, country, events, exclude, as_of, aht_sec, progress
) -> ForecastResult:
    """:func:`forecast` after its argument checks: every queue's tournament and forecast."""
    kinds_mode = cfg.holiday_effects == "kinds"
    thin: dict[str, ThinQueue] = {}
    queues = prepare_history(history, country=country, events=events, exclude=exclude, as_of=as_of, thin_queues=thin)
    notes: list[str] = []
    frames, bt_rows, selected, hours, missing, specials = [], [], [], [], [], []
    candidates = list(MODELS) if cfg.model in ("auto", COMBO) else [cfg.model]
    for name, qd in queues.items():
        sd = qd.series(exclude_special=kinds_mode)
        hours.append(qd.operating_hours())
        if len(qd.missing_intervals):
            missing.append(pd.DataFrame({"queue": name, "interval_start": qd.missing_intervals}))
        outcome = run_backtest(
            sd,
            candidates,
            horizon_days=cfg.horizon_days,
            n_origins=cfg.n_origins,
            step_days=cfg.step_days,
            combine=cfg.combine if cfg.model != "snaive" else 1,
            queue=name,
            progress=progress,
            extra_cuts=_holiday_cuts(qd, cfg.horizon_days, cfg.holiday_origins) if kinds_mode else (),
            special=_special_scorer(qd, cfg.horizon_days, country, events) if kinds_mode else None,
        )
        if outcome is None:
            members: tuple[str, ...] = ("weighted_weeks",) if cfg.model in ("auto", COMBO) else (cfg.model,)
            used = members[0]
            calib = Calibration.poisson(cfg.quantiles)
            _note(
                notes,
                f"queue {name}: too little history for a backtest over a {cfg.horizon_days}-day horizon; "
                f"using {used} with Poisson-based intervals",
            )
            score, n_orig = float("nan"), 0
        else:
            bt_rows.extend(outcome.rows)
            if cfg.model == "auto":
                used, members = outcome.selected, outcome.members
            elif cfg.model == COMBO:
                used = COMBO if COMBO in outcome.scores else outcome.selected
                members = (
                    outcome.members
                    if used != COMBO
                    else tuple(
                        sorted((m for m in outcome.scores if m != COMBO), key=lambda m: outcome.scores[m])[
                            : cfg.combine
                        ]
                    )
                )
            else:
                used, members = cfg.model, (cfg.model,)
            errs = outcome.errors.get(used) or outcome.errors.get(members[0])
            calib = Calibration.from_errors(errs, cfg.quantiles)
            score, n_orig = outcome.scores.get(used, float("nan")), len({r["origin"] for r in outcome.rows})
        ensemble = _Ensemble(members, sd, name, notes)
        label = ensemble.names[0] if len(ensemble.names) == 1 else COMBO + "(" + "+".join(ensemble.names) + ")"
        selected.append({"queue": name, "model": label, "backtest_wape": score, "origins": n_orig})
        if progress is not None:
            progress(1)

        as_of_day = sd.dates[-1] if as_of is None else np.datetime64(pd.Timestamp(as_of).normalize().date(), "D")
        as_of_day = max(as_of_day, qd.days[-1].to_datetime64().astype("datetime64[D]"))
        if kinds_mode:
            days = as_of_day + np.arange(1, cfg.horizon_days + 1).astype("timedelta64[D]")
            cal = day_types(pd.DatetimeIndex(days), country=country, events=events)
            hist = learn_special(qd, country=country)
            plan, shapes = plan_special(qd, hist, cal, country, events)
            _special_notes(name, plan, events, notes)
            if (plan["method"] != "ordinary").any():
                specials.append(plan[plan["method"] != "ordinary"].assign(queue=name))
            keep = (plan["status"] == "open").to_numpy()
            plan, shapes = plan[keep], [e for e, k in zip(shapes, keep, strict=True) if k]
            if plan.empty:
                continue
            dates = plan["date"].to_numpy().astype("datetime64[D]")
            proxy = plan["slot_weekday"].to_numpy().astype(np.int64)
            values = ensemble.predict(dates, proxy)
            sp = (plan["method"] != "ordinary").to_numpy()
            if sp.any():
                values[sp] = special_values(
                    plan[sp], [e for e, k in zip(shapes, sp, strict=True) if k], hist, qd.open_slots, ensemble.predict
                )
        else:
            plan = _plan_days(qd, sd, cfg.horizon_days, as_of_day, country, events, notes)
            plan = plan[plan["status"] == "open"]
            if plan.empty:
                continue
            dates = plan["date"].to_numpy().astype("datetime64[D]")
            proxy = plan["proxy"].to_numpy().astype(np.int64)
            values = ensemble.predict(dates, proxy) * plan["ratio"].to_numpy()[:, None]
        r, c = np.nonzero(qd.open_slots[proxy])
        calls = values[r, c]
        lead = (dates[r] - as_of_day).astype(int)
        # special days add the error of their effect (widest for prior-based, narrowest learned)
        day_sd = np.array([e.log_sd() if e is not None else 0.0 for e in shapes]) if kinds_mode else None
        bounds = calib.bounds(calls, lead, day_sd[r] if day_sd is not None and day_sd.size else None)
        aht_prof = _aht_profile(qd, cfg.aht_weeks) if qd.aht_sec is not None else None
        out = {
            "queue": name,
            "interval_start": pd.DatetimeIndex(dates[r]) + c * qd.interval,
            "calls": calls,
            # a calls-only history without a constant: no handle time (only sizing needs one)
            "aht_sec": aht_prof[proxy[r], c]
            if aht_prof is not None
            else (float(aht_sec) if aht_sec is not None else np.nan),
        }
        for j, q in enumerate(cfg.quantiles):
            out[quantile_column(q)] = bounds[j]
        out["model"] = label
        frames.append(pd.DataFrame(out))
    last_day = max((qd.days[-1] for qd in queues.values()), default=None)
    plan_from = pd.Timestamp(as_of).normalize() if as_of is not None else last_day
    for name, tq in sorted(thin.items()):
        part = _thin_forecast(tq, plan_from, cfg, aht_sec)
        label = "interval_mean"
        _note(
            notes,
            f"queue {name}: too thin to model ({tq.reason}); forecast as the mean of each interval over "
            f"its {tq.history['interval_start'].dt.normalize().nunique()} day(s) with data "
            "(same weekday where seen), with Poisson-based intervals",
        )
        selected.append({"queue": name, "model": label, "backtest_wape": float("nan"), "origins": 0})
        if not part.empty:
            frames.append(part.assign(model=label))
        if progress is not None:
            progress(cfg.n_origins + 1)
    if frames:
        fc = pd.concat(frames, ignore_index=True)
    else:  # every horizon day is closed: an empty frame with the contract's columns and dtypes
        fc = pd.DataFrame(
            {
                "queue": pd.Series([], dtype=str),
                "interval_start": pd.DatetimeIndex([]),
                "calls": pd.Series([], dtype=float),
                "aht_sec": pd.Series([], dtype=float),
                **{quantile_column(q): pd.Series([], dtype=float) for q in cfg.quantiles},
                "model": pd.Series([], dtype=str),
            }
        )
    bt = pd.DataFrame(
        bt_rows,
        columns=[
            "queue",
            "model",
            "origin",
            "horizon_days",
            "wape",
            "rmse",
            "mae",
            "bias",
            "n_intervals",
            "holiday_wape",
            "n_holiday_intervals",
        ],
    )
    miss = (
        pd.concat(missing, ignore_index=True)
        if missing
        else pd.DataFrame({"queue": pd.Series([], dtype=str), "interval_start": pd.DatetimeIndex([])})
    )
    open_note = "; ".join(
        f"{h['queue'].iloc[0]}: " + ", ".join(f"{r.weekday} {r.open}" for r in h.itertuples() if r.open != "closed")
        for h in hours
    )
    notes.insert(0, f"forecast only inside the learned operating hours ({open_note})")
    cols = ["queue", "date", "kind", "offset", "status", "method", "occurrences", "ratio", "prior"]
    special_days = (
        pd.concat(specials, ignore_index=True)[cols]
        if specials
        else pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    )
    return ForecastResult(
        fc, bt, pd.DataFrame(selected), pd.concat(hours, ignore_index=True), miss, notes, special_days
    )
