"""Intraday reforecast: the morning reveals the day's level; rescale the rest of the day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError
from ..frames import require_columns, to_numeric, to_timestamps

__all__ = ["reforecast_intraday"]


def reforecast_intraday(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: object,
    *,
    half_life_min: float = 20.0,
    prior_calls: float = 50.0,
    max_ratio: float = 3.0,
) -> pd.DataFrame:
    """Update the rest of today's forecast from today's actuals up to ``now``.

    For each queue, the ratio of actual to forecast calls over today's elapsed intervals
    (those starting before ``now``) estimates how far the day runs above or below plan.
    Recent intervals count most (weights halve every ``half_life_min`` minutes back): the
    level drifts within a day, and on the US bank test weeks the last hour predicts the
    afternoon better than the whole morning (rest-of-day RMSE 15.0 against 16.2; see
    docs/forecasting.md). The ratio is shrunk towards 1 by ``prior_calls`` forecast calls
    of evidence (an early morning with a handful of calls says little), clipped to
    ``[1/max_ratio, max_ratio]``, and applied to every remaining interval of today,
    including the quantile columns. Other days and past intervals are returned unchanged.

    Parameters
    ----------
    forecast
        A forecast contract frame (``queue, interval_start, calls, ...``).
    actuals
        ``[queue,] interval_start, calls`` of today so far (a history frame).
    now
        The time of the update; intervals starting at or after it are reforecast.

    Returns
    -------
    pandas.DataFrame
        The forecast frame with ``calls`` (and ``calls_lo_*``/``calls_hi_*``) updated for
        the rest of today.

    Examples
    --------
    >>> updated = reforecast_intraday(fc, today_so_far, "2003-05-07 11:00")  # doctest: +SKIP
    """
    require_columns(forecast, ["queue", "interval_start", "calls"], "forecast")
    require_columns(actuals, ["interval_start", "calls"], "actuals")
    if prior_calls < 0 or max_ratio < 1 or not half_life_min > 0:
        raise InvalidInputError(
            f"half_life_min must be > 0, prior_calls >= 0 and max_ratio >= 1, got {half_life_min}, {prior_calls}, {max_ratio}"
        )
    try:
        now_ts = pd.Timestamp(now)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"now must be a timestamp, got {now!r}") from exc
    out = forecast.copy()
    out["interval_start"] = to_timestamps(out["interval_start"].reset_index(drop=True), "interval_start", "forecast")
    act = pd.DataFrame(
        {
            "queue": actuals["queue"].astype(str).to_numpy() if "queue" in actuals.columns else None,
            "interval_start": to_timestamps(
                actuals["interval_start"].reset_index(drop=True), "interval_start", "actuals"
            ),
            "actual": to_numeric(actuals["calls"].reset_index(drop=True), "calls", "actuals", allow_nan=True),
        }
    )
    queues = out["queue"].astype(str)
    if act["queue"].isna().all():
        if queues.nunique() != 1:
            raise InvalidInputError("actuals frame has no queue column but the forecast has several queues")
        act["queue"] = queues.iloc[0]
    day_start = now_ts.normalize()
    today = (out["interval_start"] >= day_start) & (out["interval_start"] < day_start + pd.Timedelta(days=1))
    merged = out.loc[today, ["queue", "interval_start", "calls"]].assign(queue=lambda d: d["queue"].astype(str))
    merged = merged.merge(act, on=["queue", "interval_start"], how="left")
    elapsed = (merged["interval_start"] < now_ts) & merged["actual"].notna()
    value_cols = [c for c in out.columns if c == "calls" or c.startswith(("calls_lo_", "calls_hi_"))]
    rest = today & (out["interval_start"] >= now_ts)
    for queue, part in merged[elapsed].groupby("queue"):
        age_min = (now_ts - part["interval_start"]) / pd.Timedelta(minutes=1)
        weight = 0.5 ** (age_min.to_numpy() / half_life_min)
        f_sum = float((weight * part["calls"].to_numpy()).sum())
        a_sum = float((weight * part["actual"].to_numpy()).sum())
        # shrink towards plan: ratio = (actual + prior) / (forecast + prior)
        ratio = (a_sum + prior_calls) / (f_sum + prior_calls)
        ratio = float(np.clip(ratio, 1.0 / max_ratio, max_ratio))
        sel = rest & (queues == queue)
        for col in value_cols:
            out.loc[sel, col] = out.loc[sel, col].to_numpy() * ratio
    return out
