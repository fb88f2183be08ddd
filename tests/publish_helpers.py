"""A small centre run end to end with every planners' output on (workbook, calendars, SQLite)."""

from __future__ import annotations

from pathlib import Path

from centre_helpers import AS_OF, ONE_FORECAST_MODEL, write_centre
from wfm import pipeline
from wfm.datasets import make_example_agents

__all__ = ["AS_OF", "rfc5545_problems", "run_small_centre", "small_centre", "synthetic_frames"]

REPO = Path(__file__).resolve().parents[1]


def small_centre(folder: Path, *, publish: str = "") -> Path:
    """The VIP queue with 16 agents in two teams and the example rules *with breaks*, one forecasting model
    (the publishing is what is tested); returns the config path."""
    agents = make_example_agents(n_full_time=12, n_part_time=4, as_of=AS_OF)
    agents["team"] = ["north" if i % 2 else "south" for i in range(len(agents))]
    return write_centre(
        folder,
        agents=agents,
        targets="[default]\nservice_level = 0.8\nanswer_sec = 20\nshrinkage = 0.2\n",
        seed=1,
        extra=f"{ONE_FORECAST_MODEL}\n[publish]\n{publish}\n",
        rules=REPO / "examples" / "rules.toml",
    )


def run_small_centre(folder: Path, *, publish: str = "") -> pipeline.RunOutcome:
    return pipeline.run(pipeline.load_config(small_centre(folder, publish=publish)))


def synthetic_frames():
    """Hand-made frames: day, late, overnight and midnight-ending shifts, breaks, two queues."""
    import pandas as pd

    ts = pd.Timestamp
    roster = pd.DataFrame(
        [
            ("A1", "2026-10-24", "2026-10-24 08:00", "2026-10-24 17:00", 8.0, "day"),
            ("A1", "2026-10-25", "2026-10-25 22:00", "2026-10-26 07:00", 8.0, "night"),
            ("A2", "2026-10-24", "2026-10-24 16:00", "2026-10-25 00:00", 7.5, "late"),
            ("A2", "2026-10-26", "2026-10-26 01:30", "2026-10-26 10:30", 8.0, "night"),
            ("B,3;x", "2026-10-25", "2026-10-25 09:15", "2026-10-25 13:15", 4.0, "day"),
        ],
        columns=["agent_id", "date", "shift_start", "shift_end", "paid_hours", "shift_type"],
    )
    for c in ("date", "shift_start", "shift_end"):
        roster[c] = pd.to_datetime(roster[c])
    breaks = pd.DataFrame(
        [
            ("A1", ts("2026-10-24 12:00"), ts("2026-10-24 13:00"), "meal", False),
            ("A1", ts("2026-10-24 10:00"), ts("2026-10-24 10:15"), "break", True),
            ("A1", ts("2026-10-26 02:00"), ts("2026-10-26 03:00"), "meal", False),
            ("A2", ts("2026-10-24 23:30"), ts("2026-10-24 23:45"), "break", True),
        ],
        columns=["agent_id", "break_start", "break_end", "kind", "paid"],
    )
    starts = pd.date_range("2026-10-24", "2026-10-27", freq="60min", inclusive="left")
    coverage = pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": q,
                    "required": (i + 1) * 2,
                    "scheduled": (i + 1) * 2 + 1,
                    "under": 0,
                    "over": 1,
                }
            )
            for i, q in enumerate(["retail", "vip"])
        ],
        ignore_index=True,
    )
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-24", "2026-10-25", "2026-10-26"]),
            "queue": "ALL",
            "calls": [1000.5, 900.0, 800.25],
            "service_level": [0.8, 0.9, 0.85],
            "paid_hours": [15.5, 12.0, 8.0],
        }
    )
    summary = pd.DataFrame(
        {
            "agent_id": ["A1", "A2", "B,3;x", "C9"],
            "paid_hours": [16.0, 15.5, 4.0, 0.0],
            "night_shifts": [1, 1, 0, 0],
            "weekend_days_worked": [2, 1, 1, 0],
            "preferences_granted": [1, 0, 0, 0],
            "granted_share": [1.0, float("nan"), 0.5, 0.0],
        }
    )
    return {"roster": roster, "breaks": breaks, "coverage": coverage, "daily": daily, "agents_summary": summary}


def rfc5545_problems(text: str) -> list[str]:
    """What makes ``text`` not a valid RFC 5545 calendar, as read by the ``icalendar`` package.

    ``icalendar.Calendar.from_ical`` is lenient: a line it cannot parse or a value of the wrong
    type is recorded in the component's ``errors`` and parsing goes on. This collects those, and
    checks what the RFC requires of the file: CRLF line ends and lines of at most 75 octets
    (3.1), one VCALENDAR with VERSION 2.0 and PRODID (3.6), every VEVENT with one UID, DTSTAMP
    and DTSTART and a DTEND after it (3.6.1), UIDs unique, every TZID used defined by a
    VTIMEZONE with at least one STANDARD or DAYLIGHT observance holding DTSTART, TZOFFSETFROM
    and TZOFFSETTO (3.6.5, 3.2.19).
    """
    import icalendar

    problems: list[str] = []
    if not text.endswith("\r\n") or "\n" in text.replace("\r\n", ""):
        problems.append("lines must end with CRLF")
    long = [line for line in text.split("\r\n") if len(line.encode("utf-8")) > 75]
    if long:
        problems.append(f"{len(long)} line(s) longer than 75 octets, e.g. {long[0][:40]!r}")
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        return [*problems, f"unparseable: {exc}"]
    if cal.name != "VCALENDAR":
        problems.append(f"top component is {cal.name}, not VCALENDAR")
    for component in cal.walk():
        problems += [f"{component.name}: {prop}: {message}" for prop, message in component.errors]
    if str(cal.get("VERSION")) != "2.0" or not str(cal.get("PRODID", "")):
        problems.append("VCALENDAR needs VERSION:2.0 and a PRODID")
    zones = {}
    for vtz in cal.walk("VTIMEZONE"):
        observances = [c for c in vtz.subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
        if not observances:
            problems.append(f"VTIMEZONE {vtz.get('TZID')} has no STANDARD or DAYLIGHT observance")
        for obs in observances:
            missing = [p for p in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO") if p not in obs]
            if missing:
                problems.append(f"VTIMEZONE {vtz.get('TZID')} {obs.name} lacks {', '.join(missing)}")
        zones[str(vtz.get("TZID"))] = vtz
    uids: list[str] = []
    for ev in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            if prop not in ev:
                problems.append(f"VEVENT {ev.get('UID')} lacks {prop}")
            elif isinstance(ev[prop], list):
                problems.append(f"VEVENT {ev.get('UID')} has {prop} more than once")
        uids.append(str(ev.get("UID")))
        for prop in ("DTSTART", "DTEND"):
            tzid = ev[prop].params.get("TZID") if prop in ev and not isinstance(ev[prop], list) else None
            if tzid is not None and tzid not in zones:
                problems.append(f"VEVENT {ev.get('UID')} {prop} uses TZID {tzid} that no VTIMEZONE defines")
        if "DTSTART" in ev and "DTEND" in ev and not ev.errors:
            try:
                if ev.decoded("DTEND") <= ev.decoded("DTSTART"):
                    problems.append(f"VEVENT {ev.get('UID')} ends before it starts")
            except TypeError:  # one of them floating, the other in a zone
                problems.append(f"VEVENT {ev.get('UID')}: DTSTART and DTEND are not both in a time zone")
    if len(uids) != len(set(uids)):
        problems.append("UIDs are not unique")
    return problems
