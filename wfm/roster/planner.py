"""``schedule``: the public roster call, the engine with its infeasibility explanation on top.

:func:`schedule` is :func:`wfm.roster.engine.solve` wrapped by
:func:`wfm.roster.infeasible.explained`: "no legal week/roster" errors end with ``Diagnosis:``,
the rules that conflict and what to relax. The engine does not import the explanation. Its
parameters and their documentation are the engine's (one signature, one docstring).
"""

from __future__ import annotations

from .engine import solve
from .infeasible import explained

__all__ = ["schedule"]

# "no legal week/roster" errors say which rules conflict and what to relax
schedule = explained(solve)
schedule.__name__ = schedule.__qualname__ = "schedule"
schedule.__module__ = __name__
schedule.__doc__ = (
    "Build a legal named roster covering the requirement as closely as possible (the engine,\n"
    '    :func:`wfm.roster.engine.solve`, with the diagnosis of a "no legal week/roster" error).\n'
    + (solve.__doc__ or "").split("\n", 1)[1]
)
