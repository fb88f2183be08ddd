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
            raise ConfigError(
                f"[preferences]: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(allowed))}"
            )
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
        allowed = {
            "enabled",
            "objective",
            "weekend_weight",
            "night_weight",
            "late_weight",
            "short_week_weight",
            "late_types",
            "max_sweeps",
        }
        unknown = sorted(set(map(str, data)) - allowed)
        if unknown:
            raise ConfigError(
                f"[fairness]: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(allowed))}"
            )
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
                    raise ConfigError(
                        f"fairness.late_types must name shift types ({', '.join(shift_type_names)}), got {name!r}"
                    )
            kwargs["late_types"] = tuple(str(t) for t in types)
        return cls(enabled=enabled, **kwargs)


@dataclass(frozen=True)
class SolverSettings:
    """Solver tuning, kept apart from the labour rules: the decomposition's knobs and budgets.

    ``band_width_minutes`` and ``aggregate_time_share`` come from the rules file's ``[solver]``
    table (:class:`~wfm.roster.rules.Rules` carries them as ``rules.solver``); the other fields
    are the engine's time and size constants, with the values measured in docs/roster.md, and
    can be set in code (``schedule(..., solver=SolverSettings(...))``). CP-SAT gets
    ``time_limit_sec * aggregate_time_share * deterministic_per_second`` deterministic time
    units (reproducible), with the wall clock as a safety net.
    """

    band_width_minutes: int = 120
    aggregate_time_share: float = 0.6
    #: CP-SAT deterministic time units granted per second of the time limit's aggregate share.
    #: Measured on the shared 2-core machine: 1.5-2 units per wall second idle, 0.65 under load
    #: average 5; at 0.6 the deterministic limit ends the search well before the wall-clock
    #: safety net even under load, so the same inputs give the same plan. The benchmark week
    #: needs ~17 units to prove its restricted master optimal (60 s x 0.6 x 0.6 = 21.6 granted).
    deterministic_per_second: float = 0.6
    #: the break stage's safety net lets every day's exact model reach its deterministic limit at
    #: this rate (measured ~0.2 units per wall second at load average 9.5 on the shared machine;
    #: at a 70 s net one day of seven was cut and a repeat run differed)
    loaded_deterministic_per_second: float = 0.2
    #: wall-clock safety nets allow this many times the nominal time budget ...
    wall_safety: float = 3.0
    #: ... and never less than this: with small time limits (tests, quick what-ifs) on a loaded
    #: machine the deterministic limits, not the wall clock, must still end every stage, or
    #: identical runs could differ (seen once in the pipeline rerun test at load average ~7)
    wall_floor_sec: float = 30.0
    #: the skill-aware model sums its interval queues' allocation, cover and excess rows over
    #: blocks of this many minutes (a relaxation: docs/roster.md, "Skill rows by block"); the
    #: grid's interval (or 0) keeps one row per interval
    skill_block_minutes: int = 30
    #: compute the bound over every legal agent-week (column generation, wfm.roster.legal_bound)
    #: after the roster and report it as ``lower_bound`` when proven (> 0); opt-in: on the
    #: 1,400-agent week its pricing does not finish one round in the nightly budget yet
    legal_bound: bool = False
    #: skill-aware model: first-week agents differing only in their history (days worked before
    #: the horizon, rest after last week's shift) share one class; the history's effect enters
    #: the aggregate model as counting rows (docs/roster.md, "History in the first week");
    #: False: a class per history, as the pooled model always has
    merge_history: bool = True
    #: break placement always gets at least this long, even when the shifts used the whole limit
    break_min_sec: float = 5.0
    #: share of the time limit for the exact per-day break model (as deterministic time)
    break_share: float = 0.3
    #: CP-SAT deterministic time per day of the exact break model, at most
    break_day_deterministic_limit: float = 2.0
    #: with breaks, each LP (the bound, the cut model's) gets this share of the time limit, times
    #: wall_safety; past it the bound is the Lagrangian one of the LP's last multipliers
    lp_share: float = 0.3
    #: the history-cut LP (a vertex for the dive) stops after this many interior-point or simplex
    #: iterations (a deterministic stop; crossover's own iterations do not count): on the benchmark
    #: week it needs 76 and no simplex clean-up, on the example centre the clean-up after an
    #: imprecise interior point stalled for minutes; the rounded LP plan is then used instead
    cut_lp_iterations: int = 5_000
    #: the LP dive (one LP per round) runs on models up to this size: the benchmark week has 68,614
    #: variables (dive ~30-40 s), four weeks 162,214 (one LP alone took ~100 s)
    dive_max_variables: int = 100_000
    #: above this many aggregate variables CP-SAT searches only the tours the LP uses
    restrict_above_variables: int = 20_000

    def __post_init__(self) -> None:
        if not 15 <= self.band_width_minutes <= 240:
            raise ConfigError(f"solver.band_width_minutes must be in [15, 240], got {self.band_width_minutes}")
        if not 0.1 <= self.aggregate_time_share <= 0.95:
            raise ConfigError(f"solver.aggregate_time_share must be in [0.1, 0.95], got {self.aggregate_time_share}")
        for key in (
            "deterministic_per_second",
            "loaded_deterministic_per_second",
            "wall_safety",
            "break_share",
            "break_day_deterministic_limit",
            "lp_share",
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
                raise ConfigError(f"solver.{key} must be a number > 0, got {value!r}")
        for key in ("wall_floor_sec", "break_min_sec"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise ConfigError(f"solver.{key} must be a number >= 0, got {value!r}")
        for key in ("legal_bound", "merge_history"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"solver.{key} must be true or false, got {getattr(self, key)!r}")
        for key in ("cut_lp_iterations", "dive_max_variables", "restrict_above_variables", "skill_block_minutes"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"solver.{key} must be a whole number >= 0, got {value!r}")

    def safety(self, nominal_sec: float) -> float:
        """Wall-clock safety net of a stage whose nominal budget is ``nominal_sec``."""
        return max(self.wall_floor_sec, self.wall_safety * nominal_sec)

    def stage_deadline(self, deadline: float, now: float, time_limit_sec: float) -> float:
        """Wall-clock safety net of a late stage (breaks, polish): its own deterministic limits
        and convergence should end it, so it gets at least ``wall_safety`` times a nominal share
        even when earlier stages used up the time limit on a loaded machine."""
        return max(deadline, now + self.safety(max(self.break_min_sec, 0.2 * time_limit_sec)))
