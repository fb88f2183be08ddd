"""When a finished plan needs a planner: one rule for ``wfm forecast``, ``staff``, ``schedule`` and ``run``.

A command that finishes writes its outputs and exits 0 when the plan is clean, 1 when it needs a
planner's attention. It needs one when

* a :class:`wfm.exceptions.WFMWarning` was issued on the way (a binding seat limit, a forecast
  fallback, data problems such as a stale or thin history), or
* the roster's coverage is short past the thresholds of :class:`AttentionThresholds`: an
  interval short by more than ``short_share`` of its requirement, or a total shortfall above
  ``total_short_share`` of the required agent-intervals.

Every shortfall, however small, stays in the coverage frame and the summary; the thresholds
only decide which ones stop a batch job with exit code 1.

Examples
--------
>>> import pandas as pd
>>> coverage = pd.DataFrame({"interval_start": pd.date_range("2026-11-30", periods=2, freq="h"),
...                          "required": [100, 100], "under": [0, 50]})
>>> found = shortfall_warnings(coverage, AttentionThresholds())
>>> exit_code(found)
1
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError, WFMWarning

__all__ = [
    "SHORT_SHARE",
    "TOTAL_SHORT_SHARE",
    "AttentionThresholds",
    "shortfall_warnings",
    "planner_messages",
    "exit_code",
]

#: default: an interval short by more than this share of its requirement needs a planner
SHORT_SHARE = 0.10
#: default: a total shortfall above this share of the required agent-intervals needs a planner
TOTAL_SHORT_SHARE = 0.01


@dataclass(frozen=True)
class AttentionThresholds:
    """The shortfall thresholds past which a finished roster needs a planner (exit code 1)."""

    short_share: float = SHORT_SHARE
    total_short_share: float = TOTAL_SHORT_SHARE

    def __post_init__(self) -> None:
        for name in ("short_share", "total_short_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
                raise InvalidInputError(f"attention {name} must be a share in [0, 1), got {value!r}")

    def describe(self) -> str:
        """The rule in words (for ``--help``, the report and the summary)."""
        return (
            f"a warning (seat limit binding, forecast fallback, stale or thin data), an interval short by "
            f"more than {self.short_share:.0%} of its requirement, or a total shortfall above "
            f"{self.total_short_share:.0%} of the required agent-intervals"
        )

    def as_dict(self) -> dict[str, object]:
        """The thresholds and the rule, for ``summary.json``."""
        return {
            "short_share": self.short_share,
            "total_short_share": self.total_short_share,
            "rule": "exit code 1 (needs a planner) on " + self.describe(),
        }


def shortfall_warnings(coverage: pd.DataFrame, thresholds: AttentionThresholds) -> list[str]:
    """The roster shortfalls past ``thresholds``, one sentence each (empty when none).

    ``coverage`` needs ``interval_start, required, under`` (queues, if any, are pooled per
    interval first, so a shortfall is judged on the heads the roster places).
    """
    if coverage is None or coverage.empty:
        return []
    pooled = coverage.groupby("interval_start", sort=True)[["required", "under"]].sum().reset_index()
    required = pooled["required"].to_numpy(dtype=float)
    under = pooled["under"].to_numpy(dtype=float)
    out = []
    deep = (under > thresholds.short_share * required) & (under > 0)
    if deep.any():
        worst = int(np.argmax(np.where(deep, under / np.maximum(required, 1), -1)))
        out.append(
            f"roster: {int(deep.sum())} intervals are short by more than {thresholds.short_share:.0%} "
            f"of their requirement (worst {pd.Timestamp(pooled['interval_start'].iloc[worst])}: "
            f"{int(under[worst])} of {int(required[worst])} agents missing)"
        )
    total_required = required.sum()
    if total_required > 0 and under.sum() > thresholds.total_short_share * total_required:
        out.append(
            f"roster: under-staffing is {under.sum() / total_required:.1%} of the required agent-intervals "
            f"({int(under.sum())} of {int(total_required)}), above {thresholds.total_short_share:.0%}"
        )
    return out


def planner_messages(caught: Iterable[_warnings.WarningMessage], stage: str | None = None) -> list[str]:
    """The planner-facing warnings (:class:`WFMWarning`) among ``caught``, one line each."""
    prefix = f"{stage}: " if stage else ""
    return [prefix + " ".join(str(w.message).split()) for w in caught if issubclass(w.category, WFMWarning)]


def exit_code(messages: Sequence[str]) -> int:
    """0 when nothing needs a planner, 1 otherwise."""
    return 1 if len(messages) else 0
