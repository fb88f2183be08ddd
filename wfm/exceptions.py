"""Exceptions raised by wfm.

Every error the library raises on purpose derives from :class:`WFMError`. Messages follow
one pattern, *what, expected, got*: ``service_level must be in (0, 1], got 1.5``. Each class
carries the process exit code the CLI uses for it.
"""

from __future__ import annotations

__all__ = [
    "WFMError",
    "InvalidInputError",
    "ConfigError",
    "InsufficientHistoryError",
    "InfeasibleRosterError",
    "NotFittedError",
    "SolverError",
    "RunInProgressError",
    "WFMWarning",
]


class WFMError(Exception):
    """Base class of every error raised by wfm."""

    #: exit code of the ``wfm`` command when this error stops it
    exit_code: int = 3


class InvalidInputError(WFMError, ValueError):
    """Bad data or arguments: a missing column, a negative count, a target out of range."""

    exit_code = 2


class ConfigError(InvalidInputError):
    """A configuration, targets or rules file that cannot be read or is contradictory."""


class InsufficientHistoryError(InvalidInputError):
    """Too little history to fit a model, with no sensible fallback."""


class InfeasibleRosterError(WFMError):
    """The hard labour rules cannot all be met by the agents given.

    Under-staffing is a result, not an error; this is raised only when no legal roster
    exists at all (or a contract admits no legal shift).
    """

    exit_code = 2


class NotFittedError(WFMError, AttributeError):
    """A model was asked to predict before ``fit`` was called."""


class SolverError(WFMError):
    """The optimiser stopped without any usable solution (e.g. the time limit was too short)."""


class RunInProgressError(WFMError):
    """Another run holds the lock for the same outputs (e.g. two ``wfm run`` for one as-of date)."""

    exit_code = 2


class WFMWarning(UserWarning):
    """A condition a planner should see, that does not stop the work (a fallback, a binding seat limit)."""
