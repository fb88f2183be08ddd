"""Forecasting real feeds: the centre's calendar, per-call records, sparse rows, thin queues, calls-only
history (issue 12, cases 10 and 11)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.calendar import CalendarYearsWarning
from wfm.cli import main
from wfm.forecast import forecast


def _hourly(start, end, queues=("a", "b")) -> pd.DataFrame:
    ts = pd.date_range(start, end, freq="h")
    calls = 10.0 + 5 * np.sin(np.arange(len(ts)) * 2 * np.pi / 24) + 5
    return pd.concat(
        [pd.DataFrame({"queue": q, "interval_start": ts, "calls": calls, "aht_sec": 200.0}) for q in queues],
        ignore_index=True,
    )


# ---------------------------------------------------------------- case 11: calendar years and the centre's country


def test_years_the_chinese_calendar_lacks_warn_once():
    history = _hourly("2003-09-01", "2003-12-31 23:00")  # chinesecalendar starts in 2004
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecast(history, 3, model="snaive", country="CN")
    calendar = [w for w in caught if issubclass(w.category, CalendarYearsWarning)]
    assert len(calendar) == 1 and "for 2003;" in str(calendar[0].message)


def test_country_defaults_to_the_centres_configured_country(tmp_path):
    _hourly("2003-09-01", "2003-12-31 23:00").to_csv(tmp_path / "h.csv", index=False)
    args = [
        "-q",
        "forecast",
        str(tmp_path / "h.csv"),
        "-o",
        str(tmp_path / "f.csv"),
        "--horizon-days",
        "3",
        "--model",
        "snaive",
    ]
    default = CliRunner().invoke(main, args)
    assert default.stderr.count("Warning: chinesecalendar has no State Council arrangement for 2003") == 1, (
        default.output
    )
    (tmp_path / "centre.toml").write_text('[forecast]\ncountry = "NONE"\n')
    configured = CliRunner().invoke(main, args + ["--config", str(tmp_path / "centre.toml")])
    assert configured.exit_code == 0 and "chinesecalendar" not in configured.stderr, configured.output
    (tmp_path / "us.toml").write_text('[forecast]\ncountry = "US"\n')
    us = CliRunner().invoke(main, args + ["--config", str(tmp_path / "us.toml")])
    assert us.exit_code == 0 and "chinesecalendar" not in us.stderr, us.output
    # an explicit --country wins over the config
    explicit = CliRunner().invoke(main, args + ["--config", str(tmp_path / "us.toml"), "--country", "CN"])
    assert explicit.stderr.count("Warning: chinesecalendar has no State Council arrangement") == 1


# ---------------------------------------------------------------- case 10: per-call records, sparse rows, thin queues


def test_calls_to_intervals_counts_and_averages_by_hand():
    from wfm.records import calls_to_intervals

    records = pd.DataFrame(
        {
            "arrival": [
                "2026-11-30T08:01:00",
                "2026-11-30T08:29:59",
                "2026-11-30T08:30:00",
                "2026-12-01T23:59:00",
                "2026-11-30T08:10:00",
            ],
            "service_s": [120, 0, 300, 60, 240],
            "type": ["PS", "PS", "PS", "NW", "NW"],
        }
    )
    h = calls_to_intervals(records, interval_minutes=30, handle_column="service_s", queue_column="type")
    assert len(h) == 2 * 2 * 48  # two queues, every 30-min interval of 30 Nov and 1 Dec
    got = h.set_index(["queue", "interval_start"])
    assert got.loc[("PS", pd.Timestamp("2026-11-30 08:00")), "calls"] == 2
    assert got.loc[("PS", pd.Timestamp("2026-11-30 08:00")), "aht_sec"] == 120  # the abandoned call is not averaged
    assert got.loc[("PS", pd.Timestamp("2026-11-30 08:30")), "aht_sec"] == 300
    assert got.loc[("NW", pd.Timestamp("2026-12-01 23:30")), "calls"] == 1
    assert got["calls"].sum() == 5 and np.isnan(got.loc[("NW", pd.Timestamp("2026-11-30 09:00")), "aht_sec"])
    with pytest.raises(Exception, match="start-time column"):
        calls_to_intervals(records.rename(columns={"arrival": "when"}))


def test_israel_bank_calls_in_forecast_out_one_command(shared_data, tmp_path):
    source = shared_data / "israel_bank_1999-02_calls.csv"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    out = tmp_path / "fc.csv"
    result = CliRunner().invoke(
        main,
        [
            "-q",
            "forecast",
            str(source),
            "--per-call",
            "--queue-column",
            "type",
            "--handle-column",
            "service_s",
            "--interval-minutes",
            "30",
            "--country",
            "IL",
            "--horizon-days",
            "7",
            "--as-of",
            "1999-02-21",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    assert "aggregated 33,344 calls to 8,064 30-min intervals (6 queue(s))" in result.stderr
    fc = pd.read_csv(out, parse_dates=["interval_start"])
    assert set(fc["queue"]) == {"PS", "NW", "NE", "TT", "IN", "PE"}
    assert fc["interval_start"].min() >= pd.Timestamp("1999-02-22") and fc["aht_sec"].gt(0).all()
    # held-back week 22-28 February: the regular service (PS, 64% of calls) within 20% of what arrived
    records = pd.read_csv(source, parse_dates=["arrival"])
    actual = records.loc[records["arrival"] >= "1999-02-22"].groupby("type").size()
    ps = fc.loc[fc["queue"] == "PS", "calls"].sum()
    assert abs(ps / actual["PS"] - 1) < 0.2, (ps, actual["PS"])
    # handle time: the forecast's calls-weighted AHT of PS near the held-back week's mean service time
    served = records.loc[(records["arrival"] >= "1999-02-22") & (records["type"] == "PS") & (records["service_s"] > 0)]
    part = fc.loc[fc["queue"] == "PS"]
    assert abs((part["aht_sec"] * part["calls"]).sum() / part["calls"].sum() / served["service_s"].mean() - 1) < 0.25


def test_sparse_rows_are_zero_filled_inside_operating_hours_and_said_so():
    full = _hourly("2026-09-07", "2026-10-04 23:00", queues=("a",))
    full.loc[full["interval_start"].dt.hour.isin([2, 3, 4]), "calls"] = 0.0  # quiet hours with a row of 0
    full.loc[(full["interval_start"].dt.hour == 12) & (full["interval_start"].dt.day % 3 == 0), "calls"] = 0.0
    sparse = full.loc[full["calls"] > 0]
    with pytest.warns(Warning, match=r"lists only intervals with calls .* read as 0 calls"):
        got = forecast(sparse, 7, model="snaive", country=None)
    expected = forecast(full, 7, model="snaive", country=None)
    pd.testing.assert_frame_equal(got.forecast, expected.forecast)
    assert got.missing.empty


def test_a_thin_queue_is_forecast_simply_instead_of_aborting_every_queue():
    history = _hourly("2026-09-07", "2026-10-04 23:00", queues=("a",))
    new = _hourly("2026-10-01", "2026-10-04 23:00", queues=("new",))  # a queue opened four days ago
    new.loc[new["interval_start"].dt.hour < 8, "calls"] = 0.0
    with pytest.warns(Warning, match=r"queue new: too thin to model .*14 days.*mean of each interval over its 4 day"):
        result = forecast(pd.concat([history, new], ignore_index=True), 7, model="snaive", country=None)
    alone = forecast(history, 7, model="snaive", country=None)
    pd.testing.assert_frame_equal(
        result.forecast.loc[result.forecast["queue"] == "a"].reset_index(drop=True), alone.forecast
    )
    thin = result.forecast.loc[result.forecast["queue"] == "new"]
    assert (thin["model"] == "interval_mean").all() and thin["interval_start"].dt.hour.min() == 8
    # each interval's forecast is the mean of the four days' calls at that time (computed here by hand)
    by_hour = new.loc[new["calls"] > 0].groupby(new["interval_start"].dt.hour)["calls"].mean()
    assert np.allclose(thin.groupby(thin["interval_start"].dt.hour)["calls"].mean(), by_hour.loc[8:])
    assert (thin["calls_lo_80"] <= thin["calls"]).all() and (thin["calls"] <= thin["calls_hi_80"]).all()
    # a history where every queue is thin is still an error (nothing to lean on)
    with pytest.raises(Exception, match="at least 14 days"):
        forecast(new, 7, model="snaive", country=None)


def test_calls_only_history_forecasts_calls_and_only_staffing_asks_for_aht(tmp_path):
    history = _hourly("2026-09-07", "2026-10-04 23:00", queues=("a",)).drop(columns="aht_sec")
    history.to_csv(tmp_path / "h.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "-q",
            "forecast",
            str(tmp_path / "h.csv"),
            "-o",
            str(tmp_path / "f.csv"),
            "--country",
            "NONE",
            "--horizon-days",
            "3",
            "--model",
            "snaive",
        ],
    )
    assert result.exit_code == 0, result.output
    fc = pd.read_csv(tmp_path / "f.csv")
    assert fc["calls"].gt(0).all() and fc["aht_sec"].isna().all()
    staff = runner.invoke(main, ["-q", "staff", str(tmp_path / "f.csv"), "-o", str(tmp_path / "r.csv")])
    assert staff.exit_code == 2 and "aht_sec is empty" in staff.stderr and "--aht-sec" in staff.stderr
    assert not (tmp_path / "r.csv").exists()
