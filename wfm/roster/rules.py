"""Labour rules, contracts, shift templates and objective weights: frozen dataclasses.

Rules are validated once, here, when they are built (from a TOML file, a dict or in code);
every later stage trusts them. Messages follow *what, expected, got*.

Examples
--------
>>> rules = Rules.from_dict({
...     "contracts": {"full_time": {"min_hours_week": 40, "max_hours_week": 40,
...         "shifts": [{"length_hours": 9, "unpaid_minutes": 60}]}},
...     "seats": 100})
>>> rules.contracts["full_time"].shifts[0].paid_minutes
480
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ConfigError
from ..io import read_toml
from .settings import FairnessSettings, PreferenceWeights, SolverSettings

__all__ = [
    "BreakRule",
    "ShiftTemplate",
    "Contract",
    "UnderSegment",
    "ObjectiveWeights",
    "SolverSettings",
    "ShiftType",
    "DEFAULT_SHIFT_TYPES",
    "Rules",
    "load_rules",
    "parse_clock",
]

_MINUTES_PER_DAY = 1440


def parse_clock(value: Any, what: str) -> int:
    """Parse ``"HH:MM"`` (00:00 to 24:00) into minutes after midnight."""
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            hours, minutes = int(parts[0]), int(parts[1])
            if 0 <= hours <= 24 and 0 <= minutes < 60 and hours * 60 + minutes <= _MINUTES_PER_DAY:
                return hours * 60 + minutes
    raise ConfigError(f"{what} must be a clock time HH:MM between 00:00 and 24:00, got {value!r}")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _number(
    value: Any, what: str, *, minimum: float | None = None, maximum: float | None = None, integer: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number, got {value!r}")
    if integer and float(value) != int(value):
        raise ConfigError(f"{what} must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{what} must be >= {minimum:g}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{what} must be <= {maximum:g}, got {value!r}")
    return float(value)


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class BreakRule:
    """One break of a shift template: its kind, duration, pay and start window.

    The break starts between ``earliest_minute`` and ``latest_minute`` after the shift start
    (both inclusive). A template lists its breaks in time order; ``kind`` is free text
    ("meal", "break"), reported in the breaks frame.
    """

    kind: str
    minutes: int
    earliest_minute: int
    latest_minute: int
    paid: bool = True
    # break start granularity: the break starts a multiple of this many minutes after the shift
    # start (0: any start on the requirement's interval grid)
    start_step_minutes: int = 0

    def __post_init__(self) -> None:
        if not self.kind.strip():
            raise ConfigError(f"break kind must be a non-empty name, got {self.kind!r}")
        if not 5 <= self.minutes <= 120:
            raise ConfigError(f"break {self.kind}: minutes must be in [5, 120], got {self.minutes}")
        if self.start_step_minutes < 0 or self.start_step_minutes > 120:
            raise ConfigError(
                f"break {self.kind}: start_step_minutes must be in [0, 120] (0: the interval grid), "
                f"got {self.start_step_minutes}"
            )
        if not 0 <= self.earliest_minute <= self.latest_minute:
            raise ConfigError(
                f"break {self.kind}: start_window must be [earliest, latest] with earliest <= latest, "
                f"got {_clock(self.earliest_minute)}-{_clock(self.latest_minute)}"
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> BreakRule:
        """Build from ``{kind, minutes, paid, start_window = ["HH:MM", "HH:MM"]}`` (after the shift start)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where} must be a table {{kind, minutes, paid, start_window}}, got {data!r}")
        _check_keys(data, {"kind", "minutes", "paid", "start_window", "start_step_minutes"}, where)
        for key in ("kind", "minutes", "start_window"):
            if key not in data:
                raise ConfigError(f"{where}.{key} is required, got keys {sorted(data)}")
        window = data["start_window"]
        if not isinstance(window, Sequence) or isinstance(window, str) or len(window) != 2:
            raise ConfigError(f'{where}.start_window must be ["HH:MM", "HH:MM"] after the shift start, got {window!r}')
        return cls(
            kind=str(data["kind"]),
            minutes=int(_number(data["minutes"], f"{where}.minutes", minimum=1, integer=True)),
            earliest_minute=parse_clock(window[0], f"{where}.start_window[0]"),
            latest_minute=parse_clock(window[1], f"{where}.start_window[1]"),
            paid=_bool(data.get("paid", True), f"{where}.paid"),
            start_step_minutes=int(
                _number(data.get("start_step_minutes", 0), f"{where}.start_step_minutes", minimum=0, integer=True)
            ),
        )


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift a contract may work: its length, unpaid meal and allowed start times.

    Starts are every ``start_step_minutes`` from ``earliest_start`` to ``latest_start``
    (clock times of the shift's own day; a shift crossing midnight belongs to the day it
    starts). ``paid_minutes`` = length - unpaid meal.
    """

    length_minutes: int
    unpaid_minutes: int = 0
    earliest_start_minute: int = 0
    latest_start_minute: int = _MINUTES_PER_DAY - 15
    start_step_minutes: int = 15
    breaks: tuple[BreakRule, ...] = ()
    min_work_minutes: int = 0

    def __post_init__(self) -> None:
        what = f"shift template of {self.length_minutes / 60:g} h"
        self._check_breaks(what)
        if not 60 <= self.length_minutes <= 16 * 60:
            raise ConfigError(f"{what}: length_hours must be in [1, 16], got {self.length_minutes / 60:g}")
        if not 0 <= self.unpaid_minutes < self.length_minutes:
            raise ConfigError(f"{what}: unpaid_minutes must be in [0, length), got {self.unpaid_minutes}")
        if self.start_step_minutes not in (5, 10, 15, 20, 30, 60):
            raise ConfigError(
                f"{what}: start_step_minutes must be one of 5, 10, 15, 20, 30, 60, got {self.start_step_minutes}"
            )
        if not 0 <= self.earliest_start_minute <= self.latest_start_minute < _MINUTES_PER_DAY:
            raise ConfigError(
                f"{what}: expected 00:00 <= earliest_start <= latest_start < 24:00, got "
                f"{_clock(self.earliest_start_minute)} and {_clock(self.latest_start_minute)}"
            )

    def _check_breaks(self, what: str) -> None:
        if self.min_work_minutes < 0:
            raise ConfigError(f"{what}: min_work_minutes must be >= 0, got {self.min_work_minutes}")
        if not self.breaks:
            return
        unpaid = sum(b.minutes for b in self.breaks if not b.paid)
        if unpaid != self.unpaid_minutes:
            raise ConfigError(
                f"{what}: unpaid_minutes must equal the unpaid breaks' minutes, got "
                f"{self.unpaid_minutes} and breaks totalling {unpaid}"
            )
        for prev, nxt in zip(self.breaks, self.breaks[1:]):
            if nxt.earliest_minute < prev.earliest_minute:
                raise ConfigError(
                    f"{what}: breaks must be listed in time order, got {nxt.kind} window from "
                    f"{_clock(nxt.earliest_minute)} after {prev.kind} from "
                    f"{_clock(prev.earliest_minute)}"
                )
        earliest, latest = self.break_bounds()
        for b, lo, hi in zip(self.breaks, earliest, latest):
            if lo > hi:
                raise ConfigError(
                    f"{what}: no legal place for the {b.kind} break: its start_window "
                    f"{_clock(b.earliest_minute)}-{_clock(b.latest_minute)}, the other breaks and min_work_minutes "
                    f"{self.min_work_minutes} inside a {self.length_minutes / 60:g} h shift leave nothing; expected "
                    "windows that fit"
                )

    def break_bounds(self) -> tuple[list[int], list[int]]:
        """Earliest and latest start (minutes after the shift start) of each break, all rules applied.

        Forward: a break starts after the previous one's earliest end plus ``min_work_minutes``;
        backward: it ends early enough for the later ones and the final work stretch. A break
        placed anywhere in its range leaves a legal place for every later break.
        """
        mw = self.min_work_minutes
        earliest: list[int] = []
        for k, b in enumerate(self.breaks):
            lo = max(b.earliest_minute, mw if not k else earliest[-1] + self.breaks[k - 1].minutes + mw)
            earliest.append(lo)
        latest = [0] * len(self.breaks)
        limit = self.length_minutes - mw
        for k in range(len(self.breaks) - 1, -1, -1):
            b = self.breaks[k]
            latest[k] = min(b.latest_minute, limit - b.minutes)
            limit = latest[k] - mw
        return earliest, latest

    @property
    def paid_minutes(self) -> int:
        """Paid minutes of one shift (length minus the unpaid meal)."""
        return self.length_minutes - self.unpaid_minutes

    def start_minutes(self) -> list[int]:
        """Every allowed start, in minutes after the shift day's midnight."""
        return list(range(self.earliest_start_minute, self.latest_start_minute + 1, self.start_step_minutes))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> ShiftTemplate:
        """Build from a TOML table (keys documented in docs/roster.md)."""
        _check_keys(
            data,
            {
                "length_hours",
                "unpaid_minutes",
                "earliest_start",
                "latest_start",
                "start_step_minutes",
                "breaks",
                "min_work_minutes",
            },
            where,
        )
        breaks_raw = data.get("breaks", [])
        if not isinstance(breaks_raw, Sequence) or isinstance(breaks_raw, str):
            raise ConfigError(
                f"{where}.breaks must be an array of {{kind, minutes, paid, start_window}}, got {breaks_raw!r}"
            )
        breaks = tuple(BreakRule.from_dict(b, f"{where}.breaks[{i}]") for i, b in enumerate(breaks_raw))
        # Without an explicit unpaid_minutes, a template with breaks is paid for all but its unpaid breaks.
        default_unpaid = sum(b.minutes for b in breaks if not b.paid)
        if "length_hours" not in data:
            raise ConfigError(f"{where}: length_hours is required, got keys {sorted(data)}")
        length = _number(data["length_hours"], f"{where}.length_hours", minimum=1, maximum=16) * 60
        if length != int(length):
            raise ConfigError(f"{where}.length_hours must be a whole number of minutes, got {data['length_hours']}")
        return cls(
            length_minutes=int(length),
            unpaid_minutes=int(
                _number(data.get("unpaid_minutes", default_unpaid), f"{where}.unpaid_minutes", minimum=0, integer=True)
            ),
            earliest_start_minute=parse_clock(data.get("earliest_start", "00:00"), f"{where}.earliest_start"),
            latest_start_minute=parse_clock(data.get("latest_start", "23:45"), f"{where}.latest_start"),
            start_step_minutes=int(
                _number(data.get("start_step_minutes", 15), f"{where}.start_step_minutes", minimum=1, integer=True)
            ),
            breaks=breaks,
            min_work_minutes=int(
                _number(data.get("min_work_minutes", 0), f"{where}.min_work_minutes", minimum=0, integer=True)
            ),
        )


@dataclass(frozen=True)
class Contract:
    """A contract: weekly paid-hour bounds and the shift templates its agents may work."""

    name: str
    min_hours_week: float
    max_hours_week: float
    shifts: tuple[ShiftTemplate, ...]
    #: comprehensive working hours: the cycle's paid hours average this per week (None: no cycle target)
    avg_hours_week: float | None = None
    #: the cycle total may differ from avg_hours_week x cycle_weeks by at most this many hours
    cycle_tolerance_hours: float = 0.0
    #: at most this many night shifts a week for the contract's agents (None: rules.max_night_shifts_per_week)
    max_night_shifts_week: int | None = None

    def __post_init__(self) -> None:
        if self.max_night_shifts_week is not None and not 0 <= self.max_night_shifts_week <= 7:
            raise ConfigError(
                f"contract {self.name}: max_night_shifts_week must be in [0, 7], got {self.max_night_shifts_week}"
            )
        if not self.shifts:
            raise ConfigError(f"contract {self.name}: no legal shift, expected at least one [[shifts]] template")
        if self.min_hours_week < 0 or self.max_hours_week < 0:
            raise ConfigError(
                f"contract {self.name}: weekly hours must be >= 0, got {self.min_hours_week:g}-{self.max_hours_week:g}"
            )
        if self.min_hours_week > self.max_hours_week:
            raise ConfigError(
                f"contract {self.name}: min_hours_week must be <= max_hours_week, got "
                f"{self.min_hours_week:g} > {self.max_hours_week:g}"
            )
        if self.avg_hours_week is not None and not self.min_hours_week <= self.avg_hours_week <= self.max_hours_week:
            raise ConfigError(
                f"contract {self.name}: avg_hours_week must lie within min_hours_week-max_hours_week "
                f"{self.min_hours_week:g}-{self.max_hours_week:g}, got {self.avg_hours_week:g}"
            )
        if self.cycle_tolerance_hours < 0:
            raise ConfigError(
                f"contract {self.name}: cycle_tolerance_hours must be >= 0, got {self.cycle_tolerance_hours:g}"
            )
        lengths = [s.length_minutes for s in self.shifts]
        if len(set(lengths)) != len(lengths):
            raise ConfigError(
                f"contract {self.name}: shift lengths must be distinct, got {sorted(x / 60 for x in lengths)} h"
            )

    def template(self, length_minutes: int) -> ShiftTemplate | None:
        """The template of that length, or None."""
        for s in self.shifts:
            if s.length_minutes == length_minutes:
                return s
        return None


@dataclass(frozen=True)
class UnderSegment:
    """One piece of the convex under-staffing penalty: ``width`` agents short at ``weight`` each.

    ``width`` None means unbounded (the last segment).
    """

    weight: float
    width: int | None = None


@dataclass(frozen=True)
class ObjectiveWeights:
    """Objective weights, per agent-interval short/over and per paid hour.

    The under-staffing penalty per interval is piecewise linear and convex: the first
    ``segments[0].width`` missing agents cost ``segments[0].weight`` each, the next ones more.
    """

    under_segments: tuple[UnderSegment, ...] = (
        UnderSegment(100, 2),
        UnderSegment(150, 3),
        UnderSegment(250, 5),
        UnderSegment(400, None),
    )
    over_weight: float = 10.0
    paid_hour_weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.under_segments:
            raise ConfigError("objective.under_segments must list at least one segment, got none")
        previous = 0.0
        for i, seg in enumerate(self.under_segments):
            last = i == len(self.under_segments) - 1
            if seg.weight <= previous if i else seg.weight <= 0:
                raise ConfigError(
                    "objective.under_segments weights must be positive and strictly increasing (convex), "
                    f"got {[s.weight for s in self.under_segments]}"
                )
            if (seg.width is None) != last or (seg.width is not None and seg.width < 1):
                raise ConfigError(
                    "objective.under_segments: every segment but the last needs a width >= 1 and the last "
                    f"none, got widths {[s.width for s in self.under_segments]}"
                )
            previous = seg.weight
        if self.over_weight < 0 or self.paid_hour_weight < 0:
            raise ConfigError(
                f"objective weights must be >= 0, got over_weight {self.over_weight:g}, "
                f"paid_hour_weight {self.paid_hour_weight:g}"
            )

    def under_penalty(self, short: float) -> float:
        """Penalty of one interval ``short`` agents below requirement."""
        total, left = 0.0, max(0.0, short)
        for seg in self.under_segments:
            take = left if seg.width is None else min(left, seg.width)
            total += take * seg.weight
            left -= take
            if left <= 0:
                break
        return total


@dataclass(frozen=True)
class ShiftType:
    """A named type of shift ("early", "late", ...) by its start clock time.

    A shift is of this type when it starts in ``[start_minute, end_minute)`` of its own day; a
    window with ``end_minute <= start_minute`` wraps midnight (``["20:00", "04:00"]``). Types
    feed preferences, fairness and forbidden successions. The night *rule* (a shift touching
    ``night_window``) is separate: a 16:00-01:00 shift is of type "late" and is a night shift.
    """

    name: str
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError(f"shift type name must be non-empty, got {self.name!r}")
        if self.start_minute == self.end_minute:
            raise ConfigError(
                f"shift_types.{self.name}: expected a window [from, to) with from != to, got "
                f"{_clock(self.start_minute)}-{_clock(self.end_minute)}"
            )

    def contains(self, start_minute: int) -> bool:
        """Whether a shift starting ``start_minute`` after its day's midnight is of this type."""
        m = start_minute % _MINUTES_PER_DAY
        if self.start_minute < self.end_minute:
            return self.start_minute <= m < self.end_minute
        return m >= self.start_minute or m < self.end_minute


# Used when the rules file has no [shift_types] table: the whole day, split at 04, 10, 14, 20 h.
DEFAULT_SHIFT_TYPES: tuple[ShiftType, ...] = (
    ShiftType("early", 4 * 60, 10 * 60),
    ShiftType("day", 10 * 60, 14 * 60),
    ShiftType("late", 14 * 60, 20 * 60),
    ShiftType("night", 20 * 60, 4 * 60),
)


@dataclass(frozen=True)
class Rules:
    """Every labour rule the roster must respect, the contracts, objective and solver settings.

    Weeks are 7-day blocks from the first day of the horizon. A shorter final block (a
    horizon that is not whole weeks) keeps ``max_hours_week`` but has no minimum (the rest of
    its week is unknown) and needs only the days off that cannot fall outside it:
    ``max(0, min_days_off_per_week - (7 - days))``.
    """

    contracts: Mapping[str, Contract]
    seats: int
    min_days_off_per_week: int = 2
    days_off_consecutive: bool = False
    max_consecutive_days: int = 6
    min_rest_hours: float = 11.0
    max_night_shifts_per_week: int = 5
    night_start_minute: int = 0
    night_end_minute: int = 300
    start_stability_hours: float = 2.0
    shift_types: tuple[ShiftType, ...] = DEFAULT_SHIFT_TYPES
    objective: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    solver: SolverSettings = field(default_factory=SolverSettings)
    # Rules spanning weeks (docs/roster.md, "Rules spanning weeks"); the defaults switch them off.
    cycle_weeks: int = 1
    max_weekends_worked_per_cycle: int | None = None
    min_work_stretch_days: int = 1
    forbidden_successions: tuple[tuple[str, str], ...] = ()
    standard_day_hours: float = 8.0
    max_overtime_hours_per_day: float | None = None
    max_overtime_hours_per_cycle: float | None = None
    preferences: PreferenceWeights = field(default_factory=PreferenceWeights)
    fairness: FairnessSettings = field(default_factory=FairnessSettings)
    # More labour rules (docs/roster.md, "More labour rules"); the defaults switch them off.
    start_stability_clock: str = "circular"
    min_consecutive_days_off: int = 1
    max_consecutive_nights: int | None = None
    min_rest_after_nights_hours: float = 0.0
    weekly_rest_hours: float = 0.0

    def __post_init__(self) -> None:
        check_labour_rules(self)
        if not self.contracts:
            raise ConfigError("rules: expected at least one contract under [contracts], got none")
        if self.seats < 1:
            raise ConfigError(f"rules.seats must be >= 1, got {self.seats}")
        if not 0 <= self.min_days_off_per_week <= 6:
            raise ConfigError(f"rules.min_days_off_per_week must be in [0, 6], got {self.min_days_off_per_week}")
        if not 1 <= self.max_consecutive_days <= 31:
            raise ConfigError(f"rules.max_consecutive_days must be in [1, 31], got {self.max_consecutive_days}")
        if not 0 <= self.min_rest_hours <= 24:
            raise ConfigError(f"rules.min_rest_hours must be in [0, 24], got {self.min_rest_hours:g}")
        if not 0 <= self.max_night_shifts_per_week <= 7:
            raise ConfigError(
                f"rules.max_night_shifts_per_week must be in [0, 7], got {self.max_night_shifts_per_week}"
            )
        if not 0 <= self.start_stability_hours <= 24:
            raise ConfigError(f"rules.start_stability_hours must be in [0, 24], got {self.start_stability_hours:g}")
        if self.night_start_minute == self.night_end_minute:
            raise ConfigError(
                "rules.night_window must have a start different from its end, got "
                f"{_clock(self.night_start_minute)}-{_clock(self.night_end_minute)}"
            )
        names = [t.name for t in self.shift_types]
        if len(set(names)) != len(names):
            raise ConfigError(f"shift_types: names must be unique, got {', '.join(names)}")
        for m in range(_MINUTES_PER_DAY):
            hits = [t.name for t in self.shift_types if t.contains(m)]
            if len(hits) > 1:
                raise ConfigError(
                    f"shift_types: windows must not overlap, got {hits[0]} and {hits[1]} both containing {_clock(m)}"
                )
        self._check_cycle_rules(names)
        for name, contract in self.contracts.items():
            for tpl in contract.shifts:
                if tpl.length_minutes + self.min_rest_hours * 60 > _MINUTES_PER_DAY:
                    raise ConfigError(
                        f"contract {name}: a {tpl.length_minutes / 60:g} h shift plus the "
                        f"{self.min_rest_hours:g} h min_rest_hours exceeds 24 h, so no two consecutive days "
                        "could be worked; expected length + rest <= 24 h"
                    )

    def _check_cycle_rules(self, type_names: list[str]) -> None:
        if not 1 <= self.cycle_weeks <= 13:
            raise ConfigError(f"rules.cycle_weeks must be in [1, 13], got {self.cycle_weeks}")
        if (
            self.max_weekends_worked_per_cycle is not None
            and not 0 <= self.max_weekends_worked_per_cycle <= self.cycle_weeks
        ):
            raise ConfigError(
                f"rules.max_weekends_worked_per_cycle must be in [0, cycle_weeks = {self.cycle_weeks}], "
                f"got {self.max_weekends_worked_per_cycle}"
            )
        if not 1 <= self.min_work_stretch_days <= min(7, self.max_consecutive_days):
            raise ConfigError(
                f"rules.min_work_stretch_days must be in [1, min(7, max_consecutive_days = "
                f"{self.max_consecutive_days})], got {self.min_work_stretch_days}"
            )
        for pair in self.forbidden_successions:
            for name in pair:
                if name not in type_names:
                    raise ConfigError(
                        f"rules.forbidden_successions: {name!r} is not a shift type; expected one of "
                        f"{', '.join(type_names)}, got the pair {list(pair)}"
                    )
        if not 1 <= self.standard_day_hours <= 16:
            raise ConfigError(f"rules.standard_day_hours must be in [1, 16], got {self.standard_day_hours:g}")
        for key in ("max_overtime_hours_per_day", "max_overtime_hours_per_cycle"):
            value = getattr(self, key)
            if value is not None and value < 0:
                raise ConfigError(f"rules.{key} must be >= 0, got {value:g}")
        cap = self.max_overtime_hours_per_day
        for name, contract in self.contracts.items():
            for tpl in contract.shifts:
                if cap is not None and tpl.paid_minutes > (self.standard_day_hours + cap) * 60 + 1e-9:
                    raise ConfigError(
                        f"contract {name}: the {tpl.length_minutes / 60:g} h shift pays {tpl.paid_minutes / 60:g} h, "
                        f"above standard_day_hours {self.standard_day_hours:g} + max_overtime_hours_per_day {cap:g}; "
                        "expected shorter paid shifts (overtime_day)"
                    )
            if contract.avg_hours_week is not None:
                self._check_cycle_reachable(contract)

    def _check_cycle_reachable(self, contract: Contract) -> None:
        """A contract whose weekly hours can never add up to its cycle target is a ConfigError."""
        lo, hi = self.cycle_bounds_minutes(contract)
        weekly = self.weekly_paid_minutes(
            int(round(contract.min_hours_week * 60)), int(round(contract.max_hours_week * 60)), contract.shifts
        )
        reach = {0}
        for _ in range(self.cycle_weeks):
            reach = {a + b for a in reach for b in weekly}
        if not any(lo <= total <= hi for total in reach):
            raise ConfigError(
                f"contract {contract.name}: no cycle of {self.cycle_weeks} week(s) reaches avg_hours_week "
                f"{contract.avg_hours_week:g} (total {lo / 60:g}-{hi / 60:g} h with cycle_tolerance_hours and "
                f"max_overtime_hours_per_cycle): its weeks can pay "
                f"{', '.join(f'{m / 60:g}' for m in sorted(weekly)) or 'nothing'} h; expected a reachable target"
            )

    def cycle_bounds_minutes(self, contract: Contract) -> tuple[int, int]:
        """Least and most paid minutes of a whole cycle of the contract (its target, tolerance and overtime cap)."""
        assert contract.avg_hours_week is not None
        norm = contract.avg_hours_week * self.cycle_weeks
        hi = norm + contract.cycle_tolerance_hours
        if self.max_overtime_hours_per_cycle is not None:
            hi = min(hi, norm + self.max_overtime_hours_per_cycle)
        return int(round((norm - contract.cycle_tolerance_hours) * 60)), int(round(hi * 60))

    def weekly_paid_minutes(self, min_minutes: int, max_minutes: int, templates: Sequence[ShiftTemplate]) -> set[int]:
        """Paid minutes a whole 7-day week can hold: one template, a count of days the weekly rules allow."""
        most_days = min(7 - self.min_days_off_per_week, 7 - 7 // (self.max_consecutive_days + 1))
        out = {0} if min_minutes == 0 else set()
        for tpl in templates:
            for days in range(1, most_days + 1):
                paid = tpl.paid_minutes * days
                if min_minutes <= paid <= max_minutes:
                    out.add(paid)
        return out

    @property
    def min_rest_minutes(self) -> int:
        """Minimum rest in whole minutes."""
        return int(round(self.min_rest_hours * 60))

    @property
    def stability_minutes(self) -> int:
        """Start-time stability window in whole minutes."""
        return int(round(self.start_stability_hours * 60))

    def is_night(self, start_minute: int, length_minutes: int) -> bool:
        """Whether a shift starting ``start_minute`` after its day's midnight touches the night window."""
        ns, ne = self.night_start_minute, self.night_end_minute
        if ne <= ns:
            ne += _MINUTES_PER_DAY
        end = start_minute + length_minutes
        # The window repeats every day; a shift spans at most two midnights' worth of windows.
        return any(start_minute < ne + k * _MINUTES_PER_DAY and ns + k * _MINUTES_PER_DAY < end for k in (-1, 0, 1))

    def shift_type(self, start_minute: int) -> str:
        """The type name of a shift starting ``start_minute`` after its day's midnight ("" when untyped)."""
        index = self.shift_type_index(start_minute)
        return self.shift_types[index].name if index >= 0 else ""

    def shift_type_index(self, start_minute: int) -> int:
        """Index into ``shift_types`` of a shift's type, -1 when no window contains its start."""
        for i, t in enumerate(self.shift_types):
            if t.contains(start_minute):
                return i
        return -1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rules:
        """Build and validate rules from a dict shaped like the TOML file (docs/roster.md)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"rules must be a table/dict, got {type(data).__name__}")
        _check_keys(
            data,
            {"rules", "contracts", "objective", "solver", "seats", "shift_types", "preferences", "fairness"},
            "rules file",
        )
        section = dict(data.get("rules", {}))
        if "seats" in data:
            section.setdefault("seats", data["seats"])
        _check_keys(
            section,
            {
                "seats",
                "min_days_off_per_week",
                "days_off_consecutive",
                "max_consecutive_days",
                "min_rest_hours",
                "max_night_shifts_per_week",
                "night_window",
                "start_stability_hours",
                "cycle_weeks",
                "max_weekends_worked_per_cycle",
                "min_work_stretch_days",
                "forbidden_successions",
                "standard_day_hours",
                "max_overtime_hours_per_day",
                "max_overtime_hours_per_cycle",
                *LABOUR_KEYS,
            },
            "[rules]",
        )
        if "seats" not in section:
            raise ConfigError("rules: seats is required (the seat limit), got none")
        contracts_raw = data.get("contracts")
        if not isinstance(contracts_raw, Mapping) or not contracts_raw:
            raise ConfigError("rules: expected at least one [contracts.<name>] table, got none")
        contracts: dict[str, Contract] = {}
        for name, raw in contracts_raw.items():
            where = f"contracts.{name}"
            if not isinstance(raw, Mapping):
                raise ConfigError(f"{where} must be a table, got {raw!r}")
            _check_keys(
                raw,
                {
                    "min_hours_week",
                    "max_hours_week",
                    "shifts",
                    "avg_hours_week",
                    "cycle_tolerance_hours",
                    "max_night_shifts_week",
                },
                where,
            )
            for key in ("min_hours_week", "max_hours_week"):
                if key not in raw:
                    raise ConfigError(f"{where}.{key} is required, got keys {sorted(raw)}")
            shifts_raw = raw.get("shifts", [])
            if not isinstance(shifts_raw, Sequence) or isinstance(shifts_raw, str):
                raise ConfigError(f"{where}.shifts must be an array of tables, got {shifts_raw!r}")
            contracts[str(name)] = Contract(
                name=str(name),
                min_hours_week=_number(raw["min_hours_week"], f"{where}.min_hours_week", minimum=0),
                max_hours_week=_number(raw["max_hours_week"], f"{where}.max_hours_week", minimum=0),
                shifts=tuple(ShiftTemplate.from_dict(s, f"{where}.shifts[{i}]") for i, s in enumerate(shifts_raw)),
                avg_hours_week=(
                    None
                    if "avg_hours_week" not in raw
                    else _number(raw["avg_hours_week"], f"{where}.avg_hours_week", minimum=0)
                ),
                cycle_tolerance_hours=_number(
                    raw.get("cycle_tolerance_hours", 0), f"{where}.cycle_tolerance_hours", minimum=0
                ),
                max_night_shifts_week=(
                    None
                    if "max_night_shifts_week" not in raw
                    else int(_number(raw["max_night_shifts_week"], f"{where}.max_night_shifts_week", integer=True))
                ),
            )
        night = section.get("night_window", ["00:00", "05:00"])
        if not isinstance(night, Sequence) or isinstance(night, str) or len(night) != 2:
            raise ConfigError(f'rules.night_window must be ["HH:MM", "HH:MM"], got {night!r}')
        objective_raw = dict(data.get("objective", {}))
        _check_keys(objective_raw, {"under_segments", "over_weight", "paid_hour_weight"}, "[objective]")
        objective_kwargs: dict[str, Any] = {}
        if "under_segments" in objective_raw:
            segs = objective_raw["under_segments"]
            if not isinstance(segs, Sequence) or isinstance(segs, str):
                raise ConfigError(f"objective.under_segments must be an array of {{width, weight}}, got {segs!r}")
            parsed = []
            for i, seg in enumerate(segs):
                if not isinstance(seg, Mapping):
                    raise ConfigError(f"objective.under_segments[{i}] must be {{width = .., weight = ..}}, got {seg!r}")
                _check_keys(seg, {"width", "weight"}, f"objective.under_segments[{i}]")
                width = seg.get("width")
                parsed.append(
                    UnderSegment(
                        weight=_number(seg.get("weight"), f"objective.under_segments[{i}].weight", minimum=0),
                        width=None
                        if width is None
                        else int(_number(width, f"objective.under_segments[{i}].width", minimum=1, integer=True)),
                    )
                )
            objective_kwargs["under_segments"] = tuple(parsed)
        for key in ("over_weight", "paid_hour_weight"):
            if key in objective_raw:
                objective_kwargs[key] = _number(objective_raw[key], f"objective.{key}", minimum=0)
        solver_raw = dict(data.get("solver", {}))
        _check_keys(
            solver_raw,
            {"band_width_minutes", "aggregate_time_share", "legal_bound", "skill_block_minutes", "merge_history"},
            "[solver]",
        )
        solver_kwargs: dict[str, Any] = {}
        if "legal_bound" in solver_raw:
            solver_kwargs["legal_bound"] = _bool(solver_raw["legal_bound"], "solver.legal_bound")
        if "merge_history" in solver_raw:
            solver_kwargs["merge_history"] = _bool(solver_raw["merge_history"], "solver.merge_history")
        if "band_width_minutes" in solver_raw:
            solver_kwargs["band_width_minutes"] = int(
                _number(solver_raw["band_width_minutes"], "solver.band_width_minutes", integer=True)
            )
        if "skill_block_minutes" in solver_raw:
            solver_kwargs["skill_block_minutes"] = int(
                _number(solver_raw["skill_block_minutes"], "solver.skill_block_minutes", minimum=0, integer=True)
            )
        if "aggregate_time_share" in solver_raw:
            solver_kwargs["aggregate_time_share"] = _number(
                solver_raw["aggregate_time_share"], "solver.aggregate_time_share"
            )
        types = DEFAULT_SHIFT_TYPES
        if "shift_types" in data:
            raw_types = data["shift_types"]
            if not isinstance(raw_types, Mapping) or not raw_types:
                raise ConfigError(f'[shift_types] must be a table of name = ["HH:MM", "HH:MM"], got {raw_types!r}')
            types_list = []
            for name, window in raw_types.items():
                if not isinstance(window, Sequence) or isinstance(window, str) or len(window) != 2:
                    raise ConfigError(
                        f'shift_types.{name} must be ["HH:MM", "HH:MM"] (start clock times, '
                        f"from inclusive, to exclusive), got {window!r}"
                    )
                types_list.append(
                    ShiftType(
                        str(name),
                        parse_clock(window[0], f"shift_types.{name}[0]") % _MINUTES_PER_DAY,
                        parse_clock(window[1], f"shift_types.{name}[1]") % _MINUTES_PER_DAY,
                    )
                )
            types = tuple(types_list)
        return cls(
            contracts=contracts,
            shift_types=types,
            seats=int(_number(section["seats"], "rules.seats", minimum=1, integer=True)),
            min_days_off_per_week=int(
                _number(section.get("min_days_off_per_week", 2), "rules.min_days_off_per_week", integer=True)
            ),
            days_off_consecutive=_bool(section.get("days_off_consecutive", False), "rules.days_off_consecutive"),
            max_consecutive_days=int(
                _number(section.get("max_consecutive_days", 6), "rules.max_consecutive_days", integer=True)
            ),
            min_rest_hours=_number(section.get("min_rest_hours", 11), "rules.min_rest_hours"),
            max_night_shifts_per_week=int(
                _number(section.get("max_night_shifts_per_week", 5), "rules.max_night_shifts_per_week", integer=True)
            ),
            night_start_minute=parse_clock(night[0], "rules.night_window[0]") % _MINUTES_PER_DAY,
            night_end_minute=parse_clock(night[1], "rules.night_window[1]") % _MINUTES_PER_DAY,
            start_stability_hours=_number(section.get("start_stability_hours", 2), "rules.start_stability_hours"),
            **_cycle_kwargs(section),
            **labour_kwargs(section),
            objective=ObjectiveWeights(**objective_kwargs),
            solver=SolverSettings(**solver_kwargs),
            preferences=PreferenceWeights.from_dict(data.get("preferences", {})),
            fairness=(
                FairnessSettings.from_dict(data["fairness"], tuple(t.name for t in types))
                if "fairness" in data
                else FairnessSettings()
            ),
        )


def _cycle_kwargs(section: Mapping[str, Any]) -> dict[str, Any]:
    """The [rules] keys of rules spanning weeks, parsed (absent keys keep the dataclass defaults)."""
    out: dict[str, Any] = {}
    if "cycle_weeks" in section:
        out["cycle_weeks"] = int(_number(section["cycle_weeks"], "rules.cycle_weeks", integer=True))
    if "max_weekends_worked_per_cycle" in section:
        out["max_weekends_worked_per_cycle"] = int(
            _number(section["max_weekends_worked_per_cycle"], "rules.max_weekends_worked_per_cycle", integer=True)
        )
    if "min_work_stretch_days" in section:
        out["min_work_stretch_days"] = int(
            _number(section["min_work_stretch_days"], "rules.min_work_stretch_days", integer=True)
        )
    if "forbidden_successions" in section:
        raw = section["forbidden_successions"]
        pairs = []
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            raise ConfigError(
                f'rules.forbidden_successions must be an array of ["from type", "to type"] pairs, got {raw!r}'
            )
        for pair in raw:
            if (
                not isinstance(pair, Sequence)
                or isinstance(pair, str)
                or len(pair) != 2
                or not all(isinstance(x, str) for x in pair)
            ):
                raise ConfigError(f'rules.forbidden_successions entries must be ["from type", "to type"], got {pair!r}')
            pairs.append((pair[0], pair[1]))
        out["forbidden_successions"] = tuple(pairs)
    for key in ("standard_day_hours", "max_overtime_hours_per_day", "max_overtime_hours_per_cycle"):
        if key in section:
            out[key] = _number(section[key], f"rules.{key}")
    return out


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(allowed))}"
        )


def load_rules(path: str | os.PathLike[str]) -> Rules:
    """Read and validate a rules TOML file.

    Parameters
    ----------
    path
        The TOML file; its schema is documented in ``docs/roster.md`` (see ``examples/rules.toml``).

    Raises
    ------
    ConfigError
        If the file is missing, not TOML, or a rule is out of range or contradictory.

    Examples
    --------
    >>> rules = load_rules("examples/rules.toml")  # doctest: +SKIP
    >>> rules.max_consecutive_days                  # doctest: +SKIP
    6
    """
    return Rules.from_dict(read_toml(path))


LABOUR_KEYS = (
    "start_stability_clock",
    "min_consecutive_days_off",
    "max_consecutive_nights",
    "min_rest_after_nights_hours",
    "weekly_rest_hours",
)


def labour_kwargs(section: Mapping[str, Any]) -> dict[str, Any]:
    """The [rules] keys of the further labour rules, parsed (absent keys keep the dataclass defaults)."""
    out: dict[str, Any] = {}
    if "start_stability_clock" in section:
        clock = section["start_stability_clock"]
        if clock not in ("circular", "linear"):
            raise ConfigError(f'rules.start_stability_clock must be "circular" or "linear", got {clock!r}')
        out["start_stability_clock"] = clock
    for key in ("min_consecutive_days_off", "max_consecutive_nights"):
        if key in section:
            out[key] = int(_number(section[key], f"rules.{key}", integer=True))
    for key in ("min_rest_after_nights_hours", "weekly_rest_hours"):
        if key in section:
            out[key] = _number(section[key], f"rules.{key}")
    return out


def check_labour_rules(rules: Rules) -> None:
    """Range checks of the further labour rules (raise ConfigError naming the key)."""
    if rules.start_stability_clock not in ("circular", "linear"):
        raise ConfigError(
            f'rules.start_stability_clock must be "circular" or "linear", got {rules.start_stability_clock!r}'
        )
    if not 1 <= rules.min_consecutive_days_off <= 7:
        raise ConfigError(f"rules.min_consecutive_days_off must be in [1, 7], got {rules.min_consecutive_days_off}")
    if rules.max_consecutive_nights is not None and not 1 <= rules.max_consecutive_nights <= 31:
        raise ConfigError(f"rules.max_consecutive_nights must be in [1, 31], got {rules.max_consecutive_nights}")
    if not 0 <= rules.min_rest_after_nights_hours <= 168:
        raise ConfigError(
            f"rules.min_rest_after_nights_hours must be in [0, 168], got {rules.min_rest_after_nights_hours:g}"
        )
    if not 0 <= rules.weekly_rest_hours <= 168:
        raise ConfigError(f"rules.weekly_rest_hours must be in [0, 168], got {rules.weekly_rest_hours:g}")
