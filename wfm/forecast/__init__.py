"""Interval forecasting: a backtested model tournament per queue, holiday-aware, with
calibrated prediction intervals and an intraday reforecast.

>>> from wfm.forecast import forecast                       # doctest: +SKIP
>>> result = forecast(history, horizon_days=14, country="CN")  # doctest: +SKIP
"""

from .backtest import Calibration
from .core import ForecastConfig, ForecastResult, forecast
from .intraday import reforecast_intraday
from .metrics import accuracy, bias, coverage, mae, rmse, wape
from .models import MODELS, MSTLModel, SeasonalNaive, TopDown, WeightedWeeks, make_model

__all__ = [
    "forecast",
    "reforecast_intraday",
    "ForecastConfig",
    "ForecastResult",
    "Calibration",
    "SeasonalNaive",
    "WeightedWeeks",
    "TopDown",
    "MSTLModel",
    "MODELS",
    "make_model",
    "wape",
    "rmse",
    "mae",
    "bias",
    "coverage",
    "accuracy",
]
