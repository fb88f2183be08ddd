"""wfm: contact-centre workforce management.

Forecast interval call volume, size the agents each interval needs with Erlang C/A, and
build named agents' rosters with OR-Tools CP-SAT. Data flows through documented pandas
frames: history -> forecast -> requirements -> roster.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .exceptions import (
    ConfigError,
    InfeasibleRosterError,
    InsufficientHistoryError,
    InvalidInputError,
    NotFittedError,
    SolverError,
    WFMError,
    WFMWarning,
)
from .calendar import day_types
# wfm.forecast stays the subpackage (wfm.forecast.forecast is the function), so the
# function itself is not re-exported here under the same name
from .forecast import ForecastResult, reforecast_intraday

__all__ = [
    "__version__",
    "WFMError",
    "InvalidInputError",
    "ConfigError",
    "InsufficientHistoryError",
    "InfeasibleRosterError",
    "NotFittedError",
    "SolverError",
    "WFMWarning",
    "day_types",
    "ForecastResult",
    "reforecast_intraday",
]
