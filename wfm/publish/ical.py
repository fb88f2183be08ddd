"""Agents' calendars: the roster and its breaks as iCalendar (RFC 5545) files.

One calendar per agent (or per group of agents, e.g. a team column of the agents file), each
shift and each break a ``VEVENT`` in the centre's time zone (``DTSTART;TZID=...``), with the
``VTIMEZONE`` built from the IANA database for the span the events cover. The text is
generated here (no calendar library at run time) and is deterministic: the same roster gives
the same bytes, so reruns are byte-identical and UIDs are stable.

UIDs name the agent, the shift's date and the break's position in the shift
(``<agent>-20261102-shift@wfm-planner``), so the next night's calendar *updates* a shift
that moved instead of adding a second one. ``DTSTAMP`` is the caller's ``stamp`` (the
pipeline passes the as-of date at midnight UTC), never the wall clock.

Roster times are the centre's wall-clock times. The roster plans in naive local time; on a
daylight-saving change inside the horizon a shift's wall-clock times are kept as planned
(a shift starting in the skipped hour is shown by the calendar app at its shifted time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from urllib.parse import quote

import pandas as pd

from ..version import __version__
from ..exceptions import ConfigError, InvalidInputError
from ..frames import require_columns
from .shifts import breaks_in_shifts, roster_shifts

__all__ = ["calendars", "calendar_file_name", "check_timezone"]

_PRODID = f"-//wfm-planner//wfm {__version__}//EN"
_UID_DOMAIN = "wfm-planner"


def check_timezone(name: object) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (e.g. ``Asia/Shanghai``), or ConfigError naming what was got."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"timezone must be an IANA time zone name like 'Asia/Shanghai', got {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"timezone must be an IANA time zone name like 'Asia/Shanghai', got {name!r}") from exc


def calendar_file_name(key: str) -> str:
    """A safe, unique ``.ics`` file name for an agent id or group value.

    Letters, digits, ``.``, ``_`` and ``-`` are kept; any other character is replaced by ``_``
    and a short hash of the original is appended, so two keys never share a file.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key).strip(".") or "_"
    if safe != key:
        safe = f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    return f"{safe}.ics"


def calendars(
    roster: pd.DataFrame,
    breaks: pd.DataFrame | None,
    *,
    timezone: str,
    stamp: dt.datetime,
    agents: pd.DataFrame | None = None,
    group_by: str | None = None,
    name: str = "Shifts",
) -> dict[str, str]:
    """The iCalendar text of each agent's (or group's) shifts and breaks, by file name.

    Parameters
    ----------
    roster, breaks
        The roster and breaks frames (README, Data contracts); ``breaks`` may be None or empty.
        Every break must lie inside one of its agent's shifts.
    timezone
        The centre's IANA time zone; the roster's naive times are wall-clock times there.
    stamp
        ``DTSTAMP`` of every event (naive = UTC). Pass a fixed time (the as-of date) so that
        reruns give identical files.
    agents
        The agents frame: with it, agents without a shift get an empty calendar (so a stale
        calendar is replaced), and ``group_by`` can name one of its columns.
    group_by
        None: one calendar per agent. A column of ``agents`` (e.g. ``team``): one calendar
        per value, each event's summary starting with the agent id.
    name
        The calendar's display name (``X-WR-CALNAME``), followed by the agent or group.

    Returns
    -------
    dict
        File name (:func:`calendar_file_name`) -> calendar text with CRLF line ends.

    Raises
    ------
    InvalidInputError
        Missing columns, unparseable times, a shift ending before it starts, a break outside
        every shift of its agent, an agent of the roster missing from ``agents``.
    ConfigError
        An unknown time zone or ``group_by`` column.
    """
    tz = check_timezone(timezone)
    shifts = roster_shifts(roster)
    pauses = breaks_in_shifts(breaks, shifts)
    shifts["uid"] = [
        _uid(a, d, "shift" if k == 0 else f"shift{k + 1}")
        for a, d, k in zip(shifts["agent_id"], shifts["date"], shifts["position"])
    ]
    pauses["uid"] = [
        _uid(a, d, ("shift" if k == 0 else f"shift{k + 1}") + f"-break{n}")
        for a, d, k, n in zip(pauses["agent_id"], pauses["date"], pauses["position"], pauses["number"])
    ]
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    owner = _owners(shifts, agents, group_by)
    span = _span(shifts, pauses, tz)

    events: dict[str, list[tuple[pd.Timestamp, str, list[str]]]] = {key: [] for key in owner["keys"]}
    show_agent = group_by is not None
    for s in shifts.itertuples(index=False):
        events[owner["of"][s.agent_id]].append((s.shift_start, s.uid, _shift_event(s, timezone, stamp, show_agent)))
    for b in pauses.itertuples(index=False):
        events[owner["of"][b.agent_id]].append((b.break_start, b.uid, _break_event(b, timezone, stamp, show_agent)))

    vtimezone = _vtimezone(timezone, tz, *span)
    out: dict[str, str] = {}
    for key in owner["keys"]:
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{_PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{_text(f'{name} {key}')}",
            f"X-WR-TIMEZONE:{timezone}",
            *vtimezone,
        ]
        for _, _, event in sorted(events[key], key=lambda e: (e[0], e[1])):
            lines.extend(event)
        lines.append("END:VCALENDAR")
        out[calendar_file_name(key)] = "".join(_fold(line) + "\r\n" for line in lines)
    if len(out) != len(owner["keys"]):  # pragma: no cover - calendar_file_name is injective
        raise AssertionError("two calendars share a file name")
    return out


# --------------------------------------------------------------------------- frames


def _owners(shifts: pd.DataFrame, agents: pd.DataFrame | None, group_by: str | None) -> dict:
    rostered = sorted(set(shifts["agent_id"]))
    if agents is None:
        if group_by is not None:
            raise ConfigError(f"calendars per {group_by!r} need the agents frame with that column, got none")
        return {"keys": rostered, "of": {a: a for a in rostered}}
    require_columns(agents, ["agent_id"], "agents")
    ids = agents["agent_id"].astype(str)
    missing = sorted(set(rostered) - set(ids))
    if missing:
        raise InvalidInputError(f"calendars: roster agent(s) {', '.join(missing[:5])} are not in the agents frame")
    if group_by is None:
        return {"keys": sorted(set(ids)), "of": {a: a for a in ids}}
    if group_by not in agents.columns:
        raise ConfigError(
            f"calendars per {group_by!r}: the agents frame has no such column; "
            f"got columns {', '.join(map(str, agents.columns))}"
        )
    values = agents[group_by]
    if values.isna().any() or (values.astype(str).str.strip() == "").any():
        first = ids[values.isna() | (values.astype(str).str.strip() == "")].iloc[0]
        raise InvalidInputError(f"calendars per {group_by!r}: every agent needs a {group_by}, got none for {first}")
    of = dict(zip(ids, values.astype(str)))
    return {"keys": sorted(set(of.values())), "of": of}


def _span(shifts: pd.DataFrame, pauses: pd.DataFrame, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC span the calendars' events cover (a day either side), for the VTIMEZONE."""
    if len(shifts):
        lo, hi = shifts["shift_start"].min(), shifts["shift_end"].max()
    else:
        lo = hi = pd.Timestamp("2000-01-01")
    lo_utc = lo.normalize().to_pydatetime().replace(tzinfo=tz).astimezone(dt.UTC) - dt.timedelta(days=1)
    hi_utc = hi.to_pydatetime().replace(tzinfo=tz).astimezone(dt.UTC) + dt.timedelta(days=1)
    return lo_utc, hi_utc


# --------------------------------------------------------------------------- events


def _uid(agent: str, date: pd.Timestamp, what: str) -> str:
    return f"{quote(agent, safe='')}-{date:%Y%m%d}-{what}@{_UID_DOMAIN}"


def _local(ts: pd.Timestamp) -> str:
    return f"{ts:%Y%m%dT%H%M%S}"


def _event(
    uid: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    timezone: str,
    stamp: dt.datetime,
    summary: str,
    description: str,
    extra: Iterable[str],
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{_text(uid)}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%S}Z",
        f"DTSTART;TZID={timezone}:{_local(start)}",
        f"DTEND;TZID={timezone}:{_local(end)}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        *extra,
        "END:VEVENT",
    ]


def _shift_event(s, timezone: str, stamp: dt.datetime, show_agent: bool) -> list[str]:
    times = s.label
    kind = f" {s.shift_type}" if s.shift_type else ""
    summary = f"{s.agent_id}: " if show_agent else ""
    summary += f"Shift {times}" + (f" ({s.shift_type})" if s.shift_type else "")
    details = [f"Agent {s.agent_id}", f"{kind.strip() or 'shift'} shift on {s.date:%a %d %b %Y}"]
    if pd.notna(s.paid_hours):
        details.append(f"paid hours {s.paid_hours:g}")
    extra = ["TRANSP:OPAQUE"] + ([f"CATEGORIES:{_text(s.shift_type)}"] if s.shift_type else [])
    return _event(s.uid, s.shift_start, s.shift_end, timezone, stamp, summary, "\n".join(details), extra)


def _break_event(b, timezone: str, stamp: dt.datetime, show_agent: bool) -> list[str]:
    minutes = int(round((b.break_end - b.break_start).total_seconds() / 60))
    paid = "" if b.paid is None else (" paid" if b.paid else " unpaid")
    summary = (f"{b.agent_id}: " if show_agent else "") + f"{b.kind.capitalize()} {minutes} min"
    description = f"Agent {b.agent_id}\n{b.kind} {b.break_start:%H:%M}-{b.break_end:%H:%M}{paid}"
    # Breaks sit inside a shift: transparent, so free/busy does not count the time twice.
    return _event(
        b.uid,
        b.break_start,
        b.break_end,
        timezone,
        stamp,
        summary,
        description,
        ["TRANSP:TRANSPARENT", f"CATEGORIES:{_text(b.kind)}"],
    )


# --------------------------------------------------------------------------- RFC 5545 text


def _text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    if len(line.encode()) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for ch in line:
        n = len(ch.encode())
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with one space
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(tz: zoneinfo.ZoneInfo, lo: dt.datetime, hi: dt.datetime) -> Iterator[dt.datetime]:
    """The UTC instants in [lo, hi] where ``tz``'s offset or name changes (to the second)."""

    def state(t: dt.datetime) -> tuple:
        local = t.astimezone(tz)
        return local.utcoffset(), local.tzname(), local.dst()

    step = dt.timedelta(hours=6)
    t = lo
    while t < hi:
        nxt = min(t + step, hi)
        if state(t) != state(nxt):
            a, b = t, nxt
            while b - a > dt.timedelta(seconds=1):
                mid = a + (b - a) / 2
                a, b = (mid, b) if state(mid) == state(a) else (a, mid)
            yield b.replace(microsecond=0)
        t = nxt


def _vtimezone(name: str, tz: zoneinfo.ZoneInfo, lo: dt.datetime, hi: dt.datetime) -> list[str]:
    """A VTIMEZONE with the offset in force at ``lo`` and every change up to ``hi``."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    before = lo.astimezone(tz)
    observances = [(lo, before.utcoffset(), before)]
    for t in _transitions(tz, lo, hi):
        observances.append((t, observances[-1][2].utcoffset(), t.astimezone(tz)))
    for when, offset_from, local in observances:
        offset_to = local.utcoffset()
        assert offset_from is not None and offset_to is not None  # aware datetimes in a ZoneInfo
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        onset = (when + offset_from).replace(tzinfo=None)  # local time in the prior offset
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(offset_from)}",
            f"TZOFFSETTO:{_offset(offset_to)}",
            f"TZNAME:{_text(local.tzname() or name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines
