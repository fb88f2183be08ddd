"""Day types against the published State Council arrangement and the holidays package."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from wfm.calendar import day_types
from wfm.exceptions import InvalidInputError, WFMWarning


def test_china_2026_spring_festival_bridge_and_makeup_day():
    # State Council 2026 notice: 15-23 Feb off; Sat 14 Feb and Sat 28 Feb are workdays
    t = day_types(pd.date_range("2026-02-13", "2026-02-28"), country="CN")
    by_date = dict(zip(t["date"].dt.strftime("%m-%d"), t["day_type"]))
    assert by_date["02-13"] == "Fri"
    assert by_date["02-14"] == "makeup_workday"
    for d in range(15, 24):
        assert by_date[f"02-{d}"] == "holiday", d
    assert by_date["02-24"] == "Tue"
    assert by_date["02-28"] == "makeup_workday"
    assert t.loc[t["date"] == "2026-02-17", "holiday_name"].item() == "Spring Festival"


def test_china_golden_week_2025():
    t = day_types(pd.date_range("2025-10-01", "2025-10-08"))
    assert (t["day_type"] == "holiday").all()


def test_china_beyond_chinesecalendar_falls_back_with_warning():
    with pytest.warns(WFMWarning, match="holidays.China"):
        t = day_types(["2027-01-01", "2027-01-04"])
    assert t["day_type"].tolist() == ["holiday", "Mon"]


def test_other_country_and_events_take_precedence():
    events = pd.DataFrame({"date": ["2003-05-27"], "event": ["campaign"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = day_types(pd.date_range("2003-05-23", "2003-05-27"), country="US", events=events)
    assert t["day_type"].tolist() == ["Fri", "Sat", "Sun", "holiday", "event:campaign"]
    assert t["holiday_name"].iloc[3] == "Memorial Day"


def test_no_country_gives_plain_weekdays():
    t = day_types(pd.to_datetime(["2026-02-17 10:30"]), country=None)
    assert t["day_type"].tolist() == ["Tue"]


def test_bad_inputs_are_clear_errors():
    with pytest.raises(InvalidInputError, match="country"):
        day_types(["2026-01-01"], country="XX")
    with pytest.raises(InvalidInputError, match="timestamps"):
        day_types(["not a date"])
    with pytest.raises(InvalidInputError, match="one event per date"):
        day_types(["2026-01-01"], events=pd.DataFrame({"date": ["2026-01-01"] * 2, "event": ["a", "b"]}))


def test_china_holiday_kinds_offsets_eves_after_days_and_borrowed_weekdays():
    # State Council 2026: 15-23 Feb off (lunar new year's day 17 Feb); Sat 14 Feb works in
    # place of Fri 20 Feb, Sat 28 Feb in place of Mon 23 Feb
    t = day_types(pd.date_range("2026-02-10", "2026-03-02"), country="CN").set_index("date")
    for d in range(15, 24):
        assert t.loc[f"2026-02-{d}", "kind"] == "holiday:Spring Festival"
    assert t.loc["2026-02-17", "offset"] == 0 and t.loc["2026-02-15", "offset"] == -2
    assert t.loc["2026-02-23", "offset"] == 6
    assert t.loc["2026-02-14", "kind"] == "makeup:Spring Festival" and t.loc["2026-02-14", "borrows"] == 4
    assert t.loc["2026-02-28", "borrows"] == 0
    assert t.loc["2026-02-24", "kind"] == "after1:Spring Festival"
    assert t.loc["2026-02-25", "kind"] == "after2:Spring Festival"
    assert t.loc["2026-02-26", "kind"] == "" and t.loc["2026-02-13", "kind"] == ""  # 13 Feb: 14 Feb is worked
    # golden week 2025: 1-8 Oct incl. Mid-Autumn on 6 Oct is one National Day period
    g = day_types(pd.date_range("2025-09-29", "2025-10-10")).set_index("date")
    assert g.loc["2025-09-30", "kind"] == "eve:National Day"
    assert (g.loc["2025-10-01":"2025-10-08", "kind"] == "holiday:National Day").all()
    assert g.loc["2025-10-01", "offset"] == 0 and g.loc["2025-10-09", "kind"] == "after1:National Day"


def test_us_period_joins_the_weekend_and_padding_does_not_warn():
    t = day_types(pd.date_range("2003-05-23", "2003-05-28"), country="US").set_index("date")
    assert t["kind"].tolist() == [
        "eve:Memorial Day",
        "",
        "",
        "holiday:Memorial Day",
        "after1:Memorial Day",
        "after2:Memorial Day",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the lookahead into 2027 must not warn about 2027
        day_types(["2026-12-30", "2026-12-31"], country="CN")


def test_event_kind_and_like_column():
    ev = pd.DataFrame({"date": ["2026-03-03"], "event": ["fee change"], "like": ["Mon"]})
    t = day_types(["2026-03-03"], country="CN", events=ev)
    assert t["kind"].tolist() == ["event:fee change"]
    with pytest.raises(InvalidInputError, match="like"):
        day_types(["2026-03-03"], events=ev.assign(like="Monday"))
