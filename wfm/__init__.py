"""wfm: contact-centre workforce management.

Forecast interval call volume, size the agents each interval needs with Erlang C/A, and
build named agents' rosters with OR-Tools CP-SAT. Data flows through documented pandas
frames: history -> forecast -> requirements -> roster.

The modules: :mod:`wfm.forecast` (models, tournament, intraday reforecast),
:mod:`wfm.calendar` (holidays, day types), :mod:`wfm.erlang` (queueing math),
:mod:`wfm.staffing` (forecast -> requirements), :mod:`wfm.roster` (rules, CP-SAT engine,
validator), :mod:`wfm.evaluate` (service at the rostered staffing), :mod:`wfm.report`
(HTML report), :mod:`wfm.pipeline` (the nightly run), :mod:`wfm.io` (files).
"""

from __future__ import annotations

from .version import __version__

from .calendar import day_types
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

# wfm.forecast stays the subpackage (wfm.forecast.forecast is the function), so the
# function itself is not re-exported here under the same name.
from .forecast import ForecastResult, reforecast_intraday
from .staffing import Targets, TargetSet, load_targets, requirements, seat_report

# Roster names load lazily: wfm.roster pulls in OR-Tools and SciPy (~0.4 s), which the
# forecasting and staffing commands do not need.
_ROSTER_NAMES = ("load_rules", "Rules", "schedule", "RosterResult", "validate")


def __getattr__(name: str):  # noqa: ANN202 - PEP 562 module attribute hook
    if name in _ROSTER_NAMES:
        from . import roster

        return getattr(roster, name)
    raise AttributeError(f"module 'wfm' has no attribute {name!r}")


__all__ = [
    "__version__",
    # errors
    "WFMError",
    "InvalidInputError",
    "ConfigError",
    "InsufficientHistoryError",
    "InfeasibleRosterError",
    "NotFittedError",
    "SolverError",
    "WFMWarning",
    # forecasting (wfm.calendar, wfm.forecast)
    "day_types",
    "ForecastResult",
    "reforecast_intraday",
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
    # rostering (wfm.roster)
    "load_rules",
    "Rules",
    "schedule",
    "RosterResult",
    "validate",
]
