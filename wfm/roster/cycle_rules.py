"""Rules spanning weeks decidable from the rules alone: whether any is on, successions, stretches inside a week.

The lowest part of the cycle rules (docs/roster.md, "Rules spanning weeks"): the tour catalogue
filters week patterns and tours with :func:`inner_stretch_ok` and :func:`band_repeats_forbidden`;
:mod:`wfm.roster.cycle` does the accounting across weeks.
"""

from __future__ import annotations

import numpy as np

from .labour_rules import runs_of
from .rules import Rules

__all__ = ["active", "band_repeats_forbidden", "forbidden_pairs", "inner_stretch_ok"]


def active(rules: Rules) -> bool:
    """Whether any rule spanning weeks is switched on."""
    return (
        any(c.avg_hours_week is not None for c in rules.contracts.values())
        or rules.max_weekends_worked_per_cycle is not None
        or rules.min_work_stretch_days > 1
        or bool(rules.forbidden_successions)
    )


def forbidden_pairs(rules: Rules) -> set[tuple[int, int]]:
    """Forbidden successions as (type index on a day, type index on the next day)."""
    index = {t.name: i for i, t in enumerate(rules.shift_types)}
    return {(index[a], index[b]) for a, b in rules.forbidden_successions}


def inner_stretch_ok(on: np.ndarray, min_days: int) -> bool:
    """No run of working days strictly inside the block (touching neither edge) is shorter than ``min_days``."""
    if min_days <= 1:
        return True
    n = len(on)
    return all(d == 0 or d + length == n or length >= min_days for d, length in runs_of(on))


def band_repeats_forbidden(rules: Rules, type_index: int) -> bool:
    """Whether a shift type may not follow itself (then a tour of it cannot work two days in a row)."""
    return type_index >= 0 and (type_index, type_index) in forbidden_pairs(rules)
