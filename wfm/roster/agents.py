"""The agents frame: validation and conversion to per-agent records.

Columns (CSV-friendly; only ``agent_id`` and ``contract`` are required):

========================  ==========================================================
``agent_id``              unique id (any text)
``contract``              a contract name from the rules file
``min_hours_week``        paid hours per week, lower bound (default: the contract's)
``max_hours_week``        paid hours per week, upper bound (default: the contract's)
``shift_lengths_h``       allowed shift lengths, ``"9"`` or ``"4;5;6"`` (default: all of the contract's)
``night_allowed``         true/false (default true); false bars shifts touching the night window
``unavailable_dates``     ``"2026-12-01;2026-12-03"``: no shift may start on these dates
``unavailable_windows``   ``"2026-12-01T08:00/2026-12-01T12:00;..."``: no shift may overlap these
                          time windows (approved leave, appointments); hard
``prev_shift_end``        end of the agent's last shift before the horizon (for rest, and it covers
                          the horizon's first intervals up to that time)
``prev_consecutive_days`` days worked in a row up to the day before the horizon (default 0)
``prev_shift_type``       the ``[shift_types]`` name of the last shift before the horizon; with
                          ``prev_consecutive_days >= 1`` it was on the day before, for
                          ``forbidden_successions`` (default: none)
``cycle_weeks_done``      whole weeks of the current hour-balancing cycle already worked before the
                          horizon (default 0: the cycle starts with the horizon)
``cycle_hours_so_far``    paid hours worked in those weeks (default 0)
``cycle_weekends_worked`` weekends worked in those weeks (default 0)
========================  ==========================================================

Soft wishes (optional; priced by the rules' ``[preferences]`` weights, see
:mod:`wfm.roster.preferences`): ``preferred_days_off`` (``"Sat;Sun"`` and/or dates),
``preferred_earliest_start`` / ``preferred_latest_start`` (clock ``"07:00"``),
``preferred_shift_types`` (``"early;day"``, names of the rules' ``[shift_types]``) and
``priority`` (multiplier of the agent's wish prices, default 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConfigError, InvalidInputError
from ..frames import check_unique, is_missing as _missing, require_columns, split_list as _parse_list
from .preferences import NO_PREFERENCES, PREFERENCE_COLUMNS, AgentPreferences, parse_preferences
from .rules import Rules, ShiftTemplate

__all__ = ["Agent", "parse_agents", "AGENT_COLUMNS"]

AGENT_COLUMNS = (
    "agent_id",
    "contract",
    "min_hours_week",
    "max_hours_week",
    "shift_lengths_h",
    "night_allowed",
    "unavailable_dates",
    "unavailable_windows",
    "prev_shift_end",
    "prev_consecutive_days",
    "prev_shift_type",
    "cycle_weeks_done",
    "cycle_hours_so_far",
    "cycle_weekends_worked",
    "max_night_shifts_week",
) + PREFERENCE_COLUMNS

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


@dataclass(frozen=True)
class Agent:
    """One agent's contract terms and history, resolved against the rules."""

    agent_id: str
    contract: str
    min_paid_minutes_week: int
    max_paid_minutes_week: int
    templates: tuple[ShiftTemplate, ...]
    night_allowed: bool
    unavailable_dates: frozenset[dt.date]
    prev_shift_end: pd.Timestamp | None
    prev_consecutive_days: int
    unavailable_windows: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    prev_shift_type: str = ""
    cycle_weeks_done: int = 0
    cycle_minutes_so_far: int = 0
    cycle_weekends_worked: int = 0
    preferences: AgentPreferences = NO_PREFERENCES
    #: the agent's own cap on night shifts a week (None: none; the rules' and contract's caps also apply)
    max_night_shifts_week: int | None = None


def _parse_bool(value: object, agent_id: str) -> bool:
    if _missing(value):
        return True
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInputError(f"agents column night_allowed must be true/false, got {value!r} (agent {agent_id})")


def parse_agents(agents: pd.DataFrame, rules: Rules) -> list[Agent]:
    """Validate the agents frame against the rules and return one :class:`Agent` per row.

    Raises
    ------
    InvalidInputError
        On a missing column, duplicated ``agent_id``, unknown contract or unparsable value.
    ConfigError
        When an agent's rules contradict (min hours above max, no legal shift length), naming
        the agent and the rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from wfm.roster import Rules
    >>> rules = Rules.from_dict({"seats": 5, "contracts": {"ft": {"min_hours_week": 8,
    ...     "max_hours_week": 40, "shifts": [{"length_hours": 9, "unpaid_minutes": 60}]}}})
    >>> parse_agents(pd.DataFrame({"agent_id": ["a1"], "contract": ["ft"]}), rules)[0].max_paid_minutes_week
    2400
    """
    require_columns(agents, ["agent_id", "contract"], "agents")
    if agents.empty:
        raise InvalidInputError("agents frame must list at least one agent, got 0 rows")
    frame = agents.reset_index(drop=True)
    if frame["agent_id"].isna().any():
        raise InvalidInputError(
            f"agents column agent_id must not be empty, got a missing id at row "
            f"{int(np.flatnonzero(frame['agent_id'].isna().to_numpy())[0])}"
        )
    ids = frame["agent_id"].astype(str)
    check_unique(pd.DataFrame({"agent_id": ids}), ["agent_id"], "agents")
    out: list[Agent] = []
    for row, agent_id in enumerate(ids):
        rec = frame.iloc[row]
        contract_name = str(rec["contract"]).strip()
        contract = rules.contracts.get(contract_name)
        if contract is None:
            raise InvalidInputError(
                f"agent {agent_id}: contract must be one of {', '.join(sorted(rules.contracts))}, got {contract_name!r}"
            )

        def hours(column: str, default: float, rec: pd.Series = rec, agent_id: str = agent_id) -> float:
            value = rec.get(column, None) if column in frame.columns else None
            if _missing(value):
                return default
            try:
                number = float(value)  # type: ignore[arg-type]  # not missing: a value, checked here
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"agents column {column} must be numeric, got {value!r} (agent {agent_id})"
                ) from None
            if not np.isfinite(number) or number < 0:
                raise InvalidInputError(f"agents column {column} must be >= 0, got {value!r} (agent {agent_id})")
            return number

        min_h = hours("min_hours_week", contract.min_hours_week)
        max_h = hours("max_hours_week", contract.max_hours_week)
        if min_h > max_h:
            raise ConfigError(f"agent {agent_id}: min_hours_week must be <= max_hours_week, got {min_h:g} > {max_h:g}")
        templates = contract.shifts
        lengths_raw = _parse_list(rec.get("shift_lengths_h")) if "shift_lengths_h" in frame.columns else []
        if lengths_raw:
            wanted: list[int] = []
            for text in lengths_raw:
                try:
                    wanted.append(int(round(float(text) * 60)))
                except ValueError:
                    raise InvalidInputError(
                        f'agents column shift_lengths_h must be hours like "4;5;6", got '
                        f"{rec.get('shift_lengths_h')!r} (agent {agent_id})"
                    ) from None
            templates = tuple(t for t in contract.shifts if t.length_minutes in wanted)
            if not templates:
                raise ConfigError(
                    f"agent {agent_id}: no legal shift: shift_lengths_h {rec.get('shift_lengths_h')!r} matches none "
                    f"of contract {contract_name}'s lengths "
                    f"{', '.join(f'{t.length_minutes / 60:g}' for t in contract.shifts)} h"
                )
        night_allowed = _parse_bool(rec.get("night_allowed"), agent_id) if "night_allowed" in frame.columns else True
        unavailable: set[dt.date] = set()
        if "unavailable_dates" in frame.columns:
            for text in _parse_list(rec.get("unavailable_dates")):
                stamp = pd.to_datetime(text, errors="coerce")
                if pd.isna(stamp):
                    raise InvalidInputError(
                        f"agents column unavailable_dates must hold dates like 2026-12-01;"
                        f"2026-12-03, got {text!r} (agent {agent_id})"
                    )
                unavailable.add(stamp.date())
        windows: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        if "unavailable_windows" in frame.columns:
            for text in _parse_list(rec.get("unavailable_windows")):
                parts = text.split("/")
                stamps = [pd.to_datetime(p.strip(), errors="coerce") for p in parts] if len(parts) == 2 else []
                if len(stamps) != 2 or any(pd.isna(x) for x in stamps) or not stamps[0] < stamps[1]:
                    raise InvalidInputError(
                        "agents column unavailable_windows must hold start/end pairs like "
                        f"2026-12-01T08:00/2026-12-01T12:00 with start < end, got {text!r} (agent {agent_id})"
                    )
                windows.append(
                    tuple(
                        pd.Timestamp(x).tz_localize(None) if pd.Timestamp(x).tzinfo else pd.Timestamp(x) for x in stamps
                    )
                )
        prev_end = None
        if "prev_shift_end" in frame.columns and not _missing(rec.get("prev_shift_end")):
            prev_end = pd.to_datetime(rec.get("prev_shift_end"), errors="coerce")
            if pd.isna(prev_end):
                raise InvalidInputError(
                    f"agents column prev_shift_end must be a timestamp, got "
                    f"{rec.get('prev_shift_end')!r} (agent {agent_id})"
                )
            prev_end = pd.Timestamp(prev_end)
            if prev_end.tzinfo is not None:
                # Rosters are planned in the site's wall-clock time, like the requirements.
                prev_end = prev_end.tz_localize(None)
        prev_days = 0
        if "prev_consecutive_days" in frame.columns and not _missing(rec.get("prev_consecutive_days")):
            value = rec.get("prev_consecutive_days")
            try:
                prev_days = int(float(value))
            except (TypeError, ValueError):
                prev_days = -1
            if prev_days < 0 or prev_days != float(value):
                raise InvalidInputError(
                    f"agents column prev_consecutive_days must be a whole number >= 0, got {value!r} (agent {agent_id})"
                )
        cycle = _cycle_columns(frame, rec, rules, agent_id)
        night_cap: int | None = None
        if "max_night_shifts_week" in frame.columns and not _missing(rec.get("max_night_shifts_week")):
            cap = hours("max_night_shifts_week", 0)
            if cap != int(cap) or cap > 7:
                raise InvalidInputError(
                    "agents column max_night_shifts_week must be a whole number in [0, 7], got "
                    f"{rec.get('max_night_shifts_week')!r} (agent {agent_id})"
                )
            night_cap = int(cap)
        out.append(
            Agent(
                agent_id=agent_id,
                contract=contract_name,
                min_paid_minutes_week=int(round(min_h * 60)),
                max_paid_minutes_week=int(round(max_h * 60)),
                templates=templates,
                night_allowed=night_allowed,
                unavailable_dates=frozenset(unavailable),
                prev_shift_end=prev_end,
                prev_consecutive_days=prev_days,
                unavailable_windows=tuple(sorted(windows)),
                preferences=parse_preferences(
                    {c: rec.get(c) for c in PREFERENCE_COLUMNS if c in frame.columns},
                    agent_id,
                    tuple(t.name for t in rules.shift_types),
                ),
                **cycle,
                max_night_shifts_week=night_cap,
            )
        )
    return out


def _cycle_columns(frame: pd.DataFrame, rec: pd.Series, rules: Rules, agent_id: str) -> dict:
    """The history columns of rules spanning weeks: previous shift type and the cycle so far."""
    out: dict = {}
    if "prev_shift_type" in frame.columns and not _missing(rec.get("prev_shift_type")):
        name = str(rec.get("prev_shift_type")).strip()
        names = [t.name for t in rules.shift_types]
        if name not in names:
            raise InvalidInputError(
                f"agents column prev_shift_type must be one of {', '.join(names)}, got {name!r} (agent {agent_id})"
            )
        out["prev_shift_type"] = name

    def whole(column: str) -> int | None:
        if column not in frame.columns or _missing(rec.get(column)):
            return None
        value = rec.get(column)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if not np.isfinite(number) or number < 0 or number != int(number):
            raise InvalidInputError(
                f"agents column {column} must be a whole number >= 0, got {value!r} (agent {agent_id})"
            )
        return int(number)

    done = whole("cycle_weeks_done")
    weekends = whole("cycle_weekends_worked")
    hours = None
    if "cycle_hours_so_far" in frame.columns and not _missing(rec.get("cycle_hours_so_far")):
        value = rec.get("cycle_hours_so_far")
        try:
            hours = float(value)
        except (TypeError, ValueError):
            hours = -1.0
        if not np.isfinite(hours) or hours < 0:
            raise InvalidInputError(
                f"agents column cycle_hours_so_far must be a number of hours >= 0, got {value!r} (agent {agent_id})"
            )
    done = done or 0
    if done >= rules.cycle_weeks:
        raise InvalidInputError(
            f"agents column cycle_weeks_done must be below rules.cycle_weeks = "
            f"{rules.cycle_weeks}, got {done} (agent {agent_id})"
        )
    if done == 0 and (hours or weekends):
        raise InvalidInputError(
            f"agents columns cycle_hours_so_far and cycle_weekends_worked need "
            f"cycle_weeks_done >= 1, got {hours or 0:g} h and {weekends or 0} weekend(s) "
            f"after 0 weeks (agent {agent_id})"
        )
    if weekends and weekends > done:
        raise InvalidInputError(
            f"agents column cycle_weekends_worked must be <= cycle_weeks_done = {done}, got "
            f"{weekends} (agent {agent_id})"
        )
    out.update(
        cycle_weeks_done=done, cycle_minutes_so_far=int(round((hours or 0) * 60)), cycle_weekends_worked=weekends or 0
    )
    return out
