"""Accuracy metrics on numpy arrays (NaN actuals are ignored: a missing interval is not a zero)."""

from __future__ import annotations

import numpy as np

__all__ = ["wape", "rmse", "mae", "bias", "coverage", "accuracy"]


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    keep = ~np.isnan(a) & ~np.isnan(f)
    return a[keep], f[keep]


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |a - f| / sum a (NaN when the actuals sum to 0).

    >>> wape([10, 10], [8, 13])
    0.25
    """
    a, f = _pair(actual, forecast)
    total = a.sum()
    return float(np.abs(a - f).sum() / total) if total > 0 else float("nan")


def rmse(actual, forecast) -> float:
    """Root mean squared error.

    >>> round(rmse([0, 0], [3, 4]) ** 2, 9)
    12.5
    """
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2))) if a.size else float("nan")


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f))) if a.size else float("nan")


def bias(actual, forecast) -> float:
    """Mean of forecast - actual (positive = over-forecast)."""
    a, f = _pair(actual, forecast)
    return float(np.mean(f - a)) if a.size else float("nan")


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper]."""
    a = np.asarray(actual, dtype=float).ravel()
    lo = np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    keep = ~np.isnan(a) & ~np.isnan(lo) & ~np.isnan(hi)
    return float(np.mean((a[keep] >= lo[keep]) & (a[keep] <= hi[keep]))) if keep.any() else float("nan")


def accuracy(actual, forecast) -> dict[str, float]:
    """WAPE, RMSE, MAE and bias in one dict."""
    return {
        "wape": wape(actual, forecast),
        "rmse": rmse(actual, forecast),
        "mae": mae(actual, forecast),
        "bias": bias(actual, forecast),
    }
