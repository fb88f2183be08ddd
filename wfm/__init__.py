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

from .roster import RosterResult, Rules, load_rules, schedule, validate

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
