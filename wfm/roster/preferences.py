"""Soft preferences of agents: parsing, weights, and their price in the roster objective.

An agent may wish for (agents-frame columns, all optional, CSV-friendly):

===============================  ==========================================================
``preferred_days_off``           weekdays and/or dates, ``"Sat;Sun"`` or ``"Fri;2026-12-24"``:
                                 each such day of the horizon is one wish, granted when the
                                 agent starts no shift that day
``preferred_earliest_start``     clock time ``"07:00"``: every worked shift is one wish, granted
``preferred_latest_start``       when its start clock time is inside [earliest, latest] (a window
                                 with earliest > latest wraps midnight; one bound alone is open)
``preferred_shift_types``        names from the rules' ``[shift_types]``, ``"early;day"``: every
                                 worked shift is one wish, granted when its type is one of them
``priority``                     seniority/priority multiplier of the agent's wish prices (>= 0,
                                 default 1; 2 = this agent's wishes weigh double)
===============================  ==========================================================

The prices are set per wish in the rules' ``[preferences]`` table, in the units of the
coverage objective (``over_weight`` per over-staffed agent-interval, ``paid_hour_weight`` per
paid hour), so "a wish is worth N over-staffed agent-intervals". A denied wish costs
``weight x priority``. Prices are >= 0, so the aggregate model's lower bound (which does not see
them) stays a valid lower bound of coverage + preference cost.

Where they are priced: the assignment's min-cost flow (agent x tour arcs), the start handed to
an agent within its band, and the exact one-agent-week move of the repair and the
net-of-breaks polish (every start of every day carries the agent's price), so the polishing
trades coverage against wishes exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError
from ..frames import is_missing as _missing, split_list
from .settings import PreferenceWeights

__all__ = [
    "PreferenceWeights",
    "AgentPreferences",
    "PREFERENCE_COLUMNS",
    "parse_preferences",
    "PreferencePricing",
    "granted_counts",
]

PREFERENCE_COLUMNS = (
    "preferred_days_off",
    "preferred_earliest_start",
    "preferred_latest_start",
    "preferred_shift_types",
    "priority",
)

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY = 1440


@dataclass(frozen=True)
class AgentPreferences:
    """One agent's wishes, resolved (weekdays 0 = Monday; clock times in minutes)."""

    weekdays_off: frozenset[int] = frozenset()
    dates_off: frozenset[dt.date] = frozenset()
    earliest_start: int | None = None
    latest_start: int | None = None
    shift_types: frozenset[str] = frozenset()
    priority: float = 1.0

    @property
    def any(self) -> bool:
        """Whether the agent has any wish at all."""
        return bool(
            self.weekdays_off
            or self.dates_off
            or self.earliest_start is not None
            or self.latest_start is not None
            or self.shift_types
        )

    def day_off_wished(self, date: dt.date) -> bool:
        return date.weekday() in self.weekdays_off or date in self.dates_off

    @property
    def has_window(self) -> bool:
        return self.earliest_start is not None or self.latest_start is not None

    def in_window(self, clock_minute: np.ndarray | int) -> np.ndarray | bool:
        """Whether starts at these clock minutes are inside the preferred start window."""
        m = np.asarray(clock_minute)
        lo, hi = self.earliest_start, self.latest_start
        if lo is None and hi is None:
            return np.ones(m.shape, dtype=bool) if m.ndim else True
        if lo is None:
            return m <= hi
        if hi is None:
            return m >= lo
        return (m >= lo) & (m <= hi) if lo <= hi else (m >= lo) | (m <= hi)


NO_PREFERENCES = AgentPreferences()


def _clock(value: object, column: str, agent_id: str) -> int | None:
    if _missing(value):
        return None
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
        hours, minutes = int(parts[0]), int(parts[1])
        if 0 <= hours < 24 and 0 <= minutes < 60:
            return hours * 60 + minutes
    raise InvalidInputError(f"agents column {column} must be a clock time HH:MM, got {value!r} (agent {agent_id})")


def parse_preferences(rec: Mapping[str, Any], agent_id: str, shift_type_names: tuple[str, ...]) -> AgentPreferences:
    """One agents-frame row's wishes (columns in :data:`PREFERENCE_COLUMNS`; absent ones mean none).

    Raises
    ------
    InvalidInputError
        On an unknown weekday or date, a bad clock time, an unknown shift type or a negative
        priority, naming the agent, the column and the value.

    Examples
    --------
    >>> wish = parse_preferences({"preferred_days_off": "Sat;Sun", "preferred_earliest_start": "07:00",
    ...                           "priority": 2}, "a1", ("early", "day", "late", "night"))
    >>> sorted(wish.weekdays_off), wish.earliest_start, wish.priority
    ([5, 6], 420, 2.0)
    """
    weekdays: set[int] = set()
    dates: set[dt.date] = set()
    raw = rec.get("preferred_days_off")
    if not _missing(raw):
        for text in split_list(raw):
            if text[:3].lower() in WEEKDAYS and text.isalpha():
                weekdays.add(WEEKDAYS[text[:3].lower()])
                continue
            stamp = pd.to_datetime(text, errors="coerce")
            if pd.isna(stamp):
                raise InvalidInputError(
                    "agents column preferred_days_off must hold weekdays (Mon..Sun) and/or dates like "
                    f'"Sat;Sun;2026-12-24", got {text!r} (agent {agent_id})'
                )
            dates.add(stamp.date())
    earliest = _clock(rec.get("preferred_earliest_start"), "preferred_earliest_start", agent_id)
    latest = _clock(rec.get("preferred_latest_start"), "preferred_latest_start", agent_id)
    types: set[str] = set()
    raw = rec.get("preferred_shift_types")
    if not _missing(raw):
        for text in split_list(raw):
            if text not in shift_type_names:
                raise InvalidInputError(
                    f"agents column preferred_shift_types must name shift types of the rules "
                    f"({', '.join(shift_type_names)}), got {text!r} (agent {agent_id})"
                )
            types.add(text)
    priority = 1.0
    raw = rec.get("priority")
    if not _missing(raw):
        try:
            priority = float(raw)  # type: ignore[arg-type]  # not missing: a value, checked here
        except (TypeError, ValueError):
            priority = float("nan")
        if not np.isfinite(priority) or priority < 0:
            raise InvalidInputError(f"agents column priority must be a number >= 0, got {raw!r} (agent {agent_id})")
    prefs = AgentPreferences(frozenset(weekdays), frozenset(dates), earliest, latest, frozenset(types), priority)
    return prefs if prefs.any or priority != 1.0 else NO_PREFERENCES


class PreferencePricing:
    """Per agent with wishes: the price of working each day and of each start of each template.

    ``day[a]`` (n_days,) is the price of working day d (a denied preferred day off);
    ``clock[a][t]`` (starts of template t,) is the price of a start at that clock time (outside
    the window, non-preferred type). A shift's price is ``day[d] + clock[t][start]``. Agents
    without wishes are absent, and then every price is 0 and nothing changes.
    """

    def __init__(self, cat: Any) -> None:
        rules = cat.rules
        weights: PreferenceWeights = getattr(rules, "preferences", None) or PreferenceWeights()
        type_names = np.array([t.name for t in rules.shift_types] + [""], dtype=object)
        self.day: dict[int, np.ndarray] = {}
        self.clock: dict[int, list[np.ndarray]] = {}
        self.flat: dict[int, np.ndarray] = {}
        dates = [cat.grid.date(d) for d in range(cat.grid.n_days)]
        for a, agent in enumerate(cat.agents):
            prefs: AgentPreferences = getattr(agent, "preferences", NO_PREFERENCES)
            if not prefs.any or prefs.priority == 0:
                continue
            scale = prefs.priority
            day = np.array([weights.day_off_weight * scale if prefs.day_off_wished(d) else 0.0 for d in dates])
            clock = []
            for plan in cat.templates:
                price = np.zeros(len(plan.starts))
                if prefs.has_window:
                    price += np.where(prefs.in_window(plan.starts % _DAY), 0.0, weights.start_window_weight * scale)
                if prefs.shift_types:
                    kinds = type_names[plan.band_type[plan.band_of_start]]
                    price += np.where(np.isin(kinds, list(prefs.shift_types)), 0.0, weights.shift_type_weight * scale)
                clock.append(price)
            if day.any() or any(c.any() for c in clock):
                self.day[a] = day
                self.clock[a] = clock
                self.flat[a] = np.concatenate(clock)
        # offset of each template's starts in an agent's flat clock prices
        self.offsets = np.cumsum([0] + [len(p.starts) for p in cat.templates])[:-1]

    def __bool__(self) -> bool:
        return bool(self.day)

    def start_prices(self, agent: int, template: int, d0: int, n: int) -> np.ndarray | None:
        """(n, starts) price of each start of the template on each day of the week, or None."""
        if agent not in self.day:
            return None
        return self.day[agent][d0 : d0 + n, None] + self.clock[agent][template][None, :]

    def shift_price(self, cat: Any, agent: int, day: int, start_abs: int, template: int) -> float:
        """Price of one shift (0 for agents without wishes)."""
        if agent not in self.day:
            return 0.0
        pos = int(np.searchsorted(cat.templates[template].starts, start_abs - day * _DAY))
        return float(self.day[agent][day] + self.clock[agent][template][pos])

    def week_price(self, cat: Any, agent: int, starts: np.ndarray, templates: np.ndarray, d0: int) -> float:
        """Price of a week plan (arrays of absolute starts and templates per day, -1 off)."""
        if agent not in self.day:
            return 0.0
        return sum(
            self.shift_price(cat, agent, d0 + i, int(s), int(t))
            for i, (s, t) in enumerate(zip(starts, templates))
            if s >= 0
        )

    def plan_index(self, cat: Any, plans_s: np.ndarray, plans_t: np.ndarray, d0: int) -> tuple[np.ndarray, np.ndarray]:
        """(flat start index, worked) per plan and day, for :meth:`plans_price` (any agent)."""
        on = plans_s >= 0
        index = np.zeros(plans_s.shape, dtype=np.int64)
        clock = plans_s - (d0 + np.arange(plans_s.shape[1]))[None, :] * _DAY
        for t in np.unique(plans_t[on]):
            here = on & (plans_t == t)
            index[here] = self.offsets[t] + np.searchsorted(cat.templates[t].starts, clock[here])
        return index, on

    def plans_price(self, agent: int, index: np.ndarray, on: np.ndarray, d0: int) -> np.ndarray:
        """Price of each of several week plans for one agent (zeros without wishes)."""
        if agent not in self.day:
            return np.zeros(len(on))
        n = on.shape[1]
        return np.where(on, self.day[agent][d0 : d0 + n][None, :] + self.flat[agent][index], 0.0).sum(axis=1)

    def total(self, cat: Any, state: Any) -> float:
        """The roster's preference cost."""
        return sum(self.week_price(cat, a, state.start[a], state.template[a], 0) for a in self.day)

    def tour_prices(self, cat: Any, agents: np.ndarray, tours: np.ndarray, week: int) -> np.ndarray:
        """(agents, tours) least price of each tour for each agent (best start of the band each day)."""
        d0, n = cat.grid.weeks[week]
        on = cat.patterns[week].on[tours[:, 0]].astype(float)  # (tours, n)
        out = np.zeros((len(agents), len(tours)))
        for i, a in enumerate(agents):
            a = int(a)
            if a not in self.day:
                continue
            out[i] = on @ self.day[a][d0 : d0 + n]
            for t in np.unique(tours[:, 1]):
                if t < 0:
                    continue
                plan = cat.templates[t]
                band_min = np.minimum.reduceat(
                    self.clock[a][t], np.flatnonzero(np.r_[True, np.diff(plan.band_of_start) != 0])
                )
                rows = tours[:, 1] == t
                out[i, rows] += on[rows].sum(axis=1) * band_min[tours[rows, 2]]
        return out

    def pick_start(self, cat: Any, agent: int, template: int, day: int, pool: list[int], k: int) -> int:
        """Index in the sorted pool (from k on, all legal) of the start this agent prefers (earliest on ties)."""
        if agent not in self.day or k >= len(pool):
            return k
        clock = self.clock[agent][template]
        starts = cat.templates[template].starts
        best, best_price = k, None
        for i in range(k, len(pool)):
            if i > k and pool[i] == pool[i - 1]:
                continue
            price = clock[int(np.searchsorted(starts, pool[i] - day * _DAY))]
            if best_price is None or price < best_price - 1e-12:
                best, best_price = i, price
        return best


def granted_counts(roster: pd.DataFrame, agents: list[Any], horizon_start: pd.Timestamp, n_days: int) -> pd.DataFrame:
    """Per agent: preferences asked and granted, from the roster frame and the agents' wishes.

    Columns: ``agent_id, days_off_asked, days_off_granted, start_window_asked,
    start_window_granted, shift_type_asked, shift_type_granted, preferences_asked,
    preferences_granted``. A preferred day off is asked once per matching day of the horizon;
    a start window and preferred types are asked once per worked shift.
    """
    dates = [(horizon_start + pd.Timedelta(days=d)).date() for d in range(n_days)]
    by_agent = {k: g for k, g in roster.groupby(roster["agent_id"].astype(str))} if len(roster) else {}
    rows = []
    for agent in agents:
        prefs: AgentPreferences = getattr(agent, "preferences", NO_PREFERENCES)
        shifts = by_agent.get(agent.agent_id)
        wished = [d for d in dates if prefs.day_off_wished(d)]
        days_asked = days_granted = 0
        if wished:  # the worked dates only for an agent who wished days off (1,400 agents: 0.6 s otherwise)
            worked = set(pd.to_datetime(shifts["date"]).dt.date) if shifts is not None else set()
            days_asked, days_granted = len(wished), sum(d not in worked for d in wished)
        win_asked = win_granted = type_asked = type_granted = 0
        if shifts is not None and prefs.has_window:
            clock = (
                pd.to_datetime(shifts["shift_start"]).dt.hour * 60 + pd.to_datetime(shifts["shift_start"]).dt.minute
            ).to_numpy()
            win_asked, win_granted = len(clock), int(np.sum(prefs.in_window(clock)))
        if shifts is not None and prefs.shift_types:
            type_asked = len(shifts)
            type_granted = int(shifts["shift_type"].astype(str).isin(prefs.shift_types).sum())
        rows.append(
            (
                agent.agent_id,
                days_asked,
                days_granted,
                win_asked,
                win_granted,
                type_asked,
                type_granted,
                days_asked + win_asked + type_asked,
                days_granted + win_granted + type_granted,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "agent_id",
            "days_off_asked",
            "days_off_granted",
            "start_window_asked",
            "start_window_granted",
            "shift_type_asked",
            "shift_type_granted",
            "preferences_asked",
            "preferences_granted",
        ],
    )
