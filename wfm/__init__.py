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
    "load_rules",
    "Rules",
    "schedule",
    "RosterResult",
    "validate",
    "WFMError",
    "InvalidInputError",
    "ConfigError",
    "InsufficientHistoryError",
    "InfeasibleRosterError",
    "NotFittedError",
    "SolverError",
    "WFMWarning",
]
