"""Agents' calendars parsed back with the icalendar package and checked against the roster."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pandas as pd
import pytest

from publish_helpers import rfc5545_problems, synthetic_frames
from wfm.exceptions import ConfigError, InvalidInputError
from wfm.publish import PublishOptions
from wfm.publish.ical import calendar_file_name, calendars

STAMP = dt.datetime(2026, 10, 24)


def events(text: str) -> list:
    return icalendar.Calendar.from_ical(text).walk("VEVENT")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_one_calendar_per_agent_with_every_shift_and_break_at_its_time(zone):
    frames = synthetic_frames()
    roster, breaks = frames["roster"], frames["breaks"]
    cals = calendars(roster, breaks, timezone=zone, stamp=STAMP)
    assert set(cals) == {calendar_file_name(a) for a in roster["agent_id"].unique()}
    tz = zoneinfo.ZoneInfo(zone)
    total = 0
    for agent in roster["agent_id"].unique():
        text = cals[calendar_file_name(agent)]
        assert rfc5545_problems(text) == []
        cal = icalendar.Calendar.from_ical(text)
        assert cal["VERSION"] == "2.0" and cal["PRODID"]
        (vtz,) = cal.walk("VTIMEZONE")
        assert vtz["TZID"] == zone
        evs = cal.walk("VEVENT")
        total += len(evs)
        want = sorted(
            [
                (s.to_pydatetime().replace(tzinfo=tz), e.to_pydatetime().replace(tzinfo=tz))
                for s, e in roster.loc[roster["agent_id"] == agent, ["shift_start", "shift_end"]].itertuples(
                    index=False
                )
            ]
            + [
                (s.to_pydatetime().replace(tzinfo=tz), e.to_pydatetime().replace(tzinfo=tz))
                for s, e in breaks.loc[breaks["agent_id"] == agent, ["break_start", "break_end"]].itertuples(
                    index=False
                )
            ]
        )
        got = sorted((ev.decoded("DTSTART"), ev.decoded("DTEND")) for ev in evs)
        assert got == want
        for ev in evs:
            assert ev["DTSTART"].params["TZID"] == zone and ev["DTEND"].params["TZID"] == zone
            assert ev.decoded("DTSTAMP") == STAMP.replace(tzinfo=dt.UTC)
            assert str(ev["SUMMARY"]) and str(ev["UID"])
    assert total == len(roster) + len(breaks)


def test_the_validity_check_finds_what_breaks_rfc_5545():
    frames = synthetic_frames()
    text = calendars(frames["roster"], frames["breaks"], timezone="Europe/Berlin", stamp=STAMP)["A1.ics"]
    assert rfc5545_problems(text) == []
    first_stamp = text.index("DTSTAMP:")
    broken = {
        "LF line ends": text.replace("\r\n", "\n"),
        "no DTSTAMP": text[:first_stamp] + text[text.index("\r\n", first_stamp) + 2 :],
        "bad time": text.replace("T080000", "T08XX00", 1),
        "unparseable line": text.replace("TRANSP:OPAQUE", "TRANSP OPAQUE", 1),
        "undefined zone": text.replace(
            "DTSTART;TZID=Europe/Berlin:20261024T080000", "DTSTART;TZID=Mars:20261024T080000"
        ),
        "long line": text.replace("SUMMARY:Shift 08:00-17:00 (day)", "SUMMARY:" + "x" * 80, 1),
        "ends before start": text.replace(
            "DTEND;TZID=Europe/Berlin:20261024T170000", "DTEND;TZID=Europe/Berlin:20261024T070000"
        ),
        "duplicate UID": text.replace("UID:A1-20261024-shift-break1@", "UID:A1-20261024-shift@", 1),
    }
    for what, bad in broken.items():
        assert bad != text, what
        assert rfc5545_problems(bad), what


def test_vtimezone_gives_the_zone_offsets_across_a_daylight_saving_change():
    frames = synthetic_frames()  # spans 2026-10-25, when Berlin goes from +02:00 to +01:00
    text = calendars(frames["roster"], frames["breaks"], timezone="Europe/Berlin", stamp=STAMP)["A1.ics"]
    (vtz,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    assert {c.name for c in vtz.subcomponents} == {"STANDARD", "DAYLIGHT"}
    ours = vtz.to_tz()  # a tzinfo built from our VTIMEZONE only
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    for hours in range(0, 72):
        instant = dt.datetime(2026, 10, 24, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
        assert instant.astimezone(ours).utcoffset() == instant.astimezone(berlin).utcoffset(), instant


def test_uids_are_stable_unique_and_order_independent():
    frames = synthetic_frames()
    cals = calendars(frames["roster"], frames["breaks"], timezone="Asia/Shanghai", stamp=STAMP)
    shuffled = calendars(
        frames["roster"].sample(frac=1, random_state=1),
        frames["breaks"].sample(frac=1, random_state=2),
        timezone="Asia/Shanghai",
        stamp=STAMP,
    )
    assert cals == shuffled
    uids = [str(ev["UID"]) for text in cals.values() for ev in events(text)]
    assert len(uids) == len(set(uids))
    # a shift that moves keeps its UID (calendar apps update it instead of adding a second one)
    moved = frames["roster"].copy()
    moved.loc[0, ["shift_start", "shift_end"]] = [pd.Timestamp("2026-10-24 09:00"), pd.Timestamp("2026-10-24 18:00")]
    again = calendars(moved, frames["breaks"], timezone="Asia/Shanghai", stamp=STAMP)
    assert sorted(str(e["UID"]) for e in events(again["A1.ics"])) == sorted(
        str(e["UID"]) for e in events(cals["A1.ics"])
    )
    assert again["A1.ics"] != cals["A1.ics"]


def test_calendars_per_team_and_agents_without_shifts():
    frames = synthetic_frames()
    agents = pd.DataFrame({"agent_id": ["A1", "A2", "B,3;x", "C9"], "team": ["north", "south", "north", "east"]})
    cals = calendars(
        frames["roster"], frames["breaks"], timezone="Asia/Shanghai", stamp=STAMP, agents=agents, group_by="team"
    )
    assert set(cals) == {"north.ics", "south.ics", "east.ics"}
    north = events(cals["north.ics"])
    a1 = frames["roster"]["agent_id"].isin(["A1", "B,3;x"])
    assert len(north) == a1.sum() + frames["breaks"]["agent_id"].eq("A1").sum()
    assert all(str(e["SUMMARY"]).split(":")[0] in {"A1", "B,3;x"} for e in north)
    assert events(cals["east.ics"]) == []  # C9 has no shift: an empty calendar, not a missing file
    per_agent = calendars(frames["roster"], None, timezone="Asia/Shanghai", stamp=STAMP, agents=agents)
    assert len(per_agent) == 4 and events(per_agent["C9.ics"]) == []
    with pytest.raises(ConfigError, match="no such column"):
        calendars(frames["roster"], None, timezone="Asia/Shanghai", stamp=STAMP, agents=agents, group_by="site")
    with pytest.raises(InvalidInputError, match="not in the agents"):
        calendars(frames["roster"], None, timezone="Asia/Shanghai", stamp=STAMP, agents=agents.iloc[:1])


def test_long_and_unusual_text_is_escaped_folded_and_file_names_are_safe():
    frames = synthetic_frames()
    roster = frames["roster"].copy()
    odd = "坐席-" + "é" * 60 + "/..;,\\"
    roster.loc[4, "agent_id"] = odd
    cals = calendars(roster, None, timezone="Asia/Shanghai", stamp=STAMP)
    name = calendar_file_name(odd)
    assert "/" not in name and name.endswith(".ics") and name != calendar_file_name(odd + "x")
    text = cals[name]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (ev,) = events(text)
    assert str(ev["DESCRIPTION"]).startswith(f"Agent {odd}\n")


def test_bad_time_zones_and_options_are_refused():
    frames = synthetic_frames()
    with pytest.raises(ConfigError, match="IANA"):
        calendars(frames["roster"], None, timezone="Mars/Olympus", stamp=STAMP)
    with pytest.raises(ConfigError, match="timezone"):
        PublishOptions(ical=True)
    with pytest.raises(ConfigError, match="unknown key"):
        PublishOptions.from_table({"icall": True})
    assert PublishOptions.from_table({"ical": True, "timezone": "Asia/Shanghai"}).ical
