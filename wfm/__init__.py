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

from .erlang import (
    ErlangAResult,
    agents_required,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
)
from .staffing import Targets, TargetSet, load_targets, requirements, seat_report

__all__ = [
    "__version__",
    # staffing (wfm.erlang, wfm.staffing)
    "erlang_b",
    "erlang_c",
    "service_level",
    "asa",
    "occupancy",
    "erlang_a",
    "ErlangAResult",
    "agents_required",
    "Targets",
    "TargetSet",
    "load_targets",
    "requirements",
    "seat_report",
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
