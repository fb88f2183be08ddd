"""Settings of the soft goals and of the solver: frozen dataclasses that import nothing else in the roster.

The bottom layer of :mod:`wfm.roster` (ARCHITECTURE.md): :class:`PreferenceWeights` (the price of
a denied wish, the rules' ``[preferences]`` table), :class:`FairnessSettings` (the fairness
pass, ``[fairness]``) and :class:`SolverSettings` (solver tuning, ``[solver]``, kept apart from
the labour rules). :mod:`wfm.roster.rules` composes them into :class:`~wfm.roster.rules.Rules`;
the modules that use them (:mod:`.preferences`, :mod:`.fairness`, the stages) re-export them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import ConfigError

__all__ = ["FAIRNESS_METRICS", "FairnessSettings", "PreferenceWeights", "SolverSettings"]

FAIRNESS_METRICS = ("weekend_days_worked", "night_shifts", "late_shifts", "short_weeks")
_OBJECTIVES = ("spread", "max")


@dataclass(frozen=True)
class PreferenceWeights:
    """Price of one denied wish, in objective units (multiplied by the agent's ``priority``).

    TOML::

        [preferences]
        day_off_weight = 50        # per worked preferred day off
        start_window_weight = 20   # per shift starting outside the preferred start window
        shift_type_weight = 20     # per shift of a non-preferred type
    """

    day_off_weight: float = 50.0
    start_window_weight: float = 20.0
    shift_type_weight: float = 20.0

    def __post_init__(self) -> None:
        for key in ("day_off_weight", "start_window_weight", "shift_type_weight"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise ConfigError(f"preferences.{key} must be a number >= 0, got {value!r}")

    @classmethod
    def from_dict(cls, data: Any) -> PreferenceWeights:
        """Build from the ``[preferences]`` table."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"[preferences] must be a table of weights, got {data!r}")
        allowed = {"day_off_weight", "start_window_weight", "shift_type_weight"}
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise ConfigError(f"[preferences]: unknown key(s) {', '.join(unknown)}; expected some of "
                              f"{', '.join(sorted(allowed))}")
        return cls(**{k: data[k] for k in allowed if k in data})


@dataclass(frozen=True)
class FairnessSettings:
    """Weights and objective of the fairness pass (see the module docstring)."""

    enabled: bool = False
    objective: str = "spread"
    weekend_weight: float = 20.0
    night_weight: float = 20.0
    late_weight: float = 10.0
    short_week_weight: float = 20.0
    late_types: tuple[str, ...] = ("late",)
    max_sweeps: int = 20

    def __post_init__(self) -> None:
        if self.objective not in _OBJECTIVES:
            raise ConfigError(f"fairness.objective must be one of {', '.join(_OBJECTIVES)}, got {self.objective!r}")
        for key in ("weekend_weight", "night_weight", "late_weight", "short_week_weight"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise ConfigError(f"fairness.{key} must be a number >= 0, got {value!r}")
        if not isinstance(self.max_sweeps, int) or isinstance(self.max_sweeps, bool) or not 1 <= self.max_sweeps <= 50:
            raise ConfigError(f"fairness.max_sweeps must be a whole number in [1, 50], got {self.max_sweeps!r}")

    @property
    def weights(self) -> np.ndarray:
        """Weight per metric, in FAIRNESS_METRICS order."""
        return np.array([self.weekend_weight, self.night_weight, self.late_weight, self.short_week_weight])

    @classmethod
    def from_dict(cls, data: Any, shift_type_names: tuple[str, ...]) -> FairnessSettings:
        """Build from the ``[fairness]`` table (its presence enables the pass)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"[fairness] must be a table, got {data!r}")
        allowed = {"enabled", "objective", "weekend_weight", "night_weight", "late_weight", "short_week_weight",
                   "late_types", "max_sweeps"}
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise ConfigError(f"[fairness]: unknown key(s) {', '.join(unknown)}; expected some of "
                              f"{', '.join(sorted(allowed))}")
        kwargs = dict(data)
        enabled = kwargs.pop("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigError(f"fairness.enabled must be true or false, got {enabled!r}")
        if "late_types" in kwargs:
            types = kwargs["late_types"]
            if isinstance(types, str) or not isinstance(types, (list, tuple)):
                raise ConfigError(f"fairness.late_types must be an array of shift type names, got {types!r}")
            for name in types:
                if name not in shift_type_names:
                    raise ConfigError(f"fairness.late_types must name shift types ({', '.join(shift_type_names)}), "
                                      f"got {name!r}")
            kwargs["late_types"] = tuple(str(t) for t in types)
        return cls(enabled=enabled, **kwargs)


@dataclass(frozen=True)
class SolverSettings:
    """Decomposition knobs: start-time band width and CP-SAT's share of the time limit.

    CP-SAT gets ``time_limit_sec * aggregate_time_share * 0.6`` deterministic time units
    (reproducible), with the wall clock as a safety net.
    """

    band_width_minutes: int = 120
    aggregate_time_share: float = 0.6

    def __post_init__(self) -> None:
        if not 15 <= self.band_width_minutes <= 240:
            raise ConfigError(f"solver.band_width_minutes must be in [15, 240], got {self.band_width_minutes}")
        if not 0.1 <= self.aggregate_time_share <= 0.95:
            raise ConfigError(f"solver.aggregate_time_share must be in [0.1, 0.95], got {self.aggregate_time_share}")
