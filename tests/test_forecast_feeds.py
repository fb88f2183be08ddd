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
    return pd.concat([pd.DataFrame({"queue": q, "interval_start": ts, "calls": calls, "aht_sec": 200.0}) for q in queues],
                     ignore_index=True)


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
    args = ["-q", "forecast", str(tmp_path / "h.csv"), "-o", str(tmp_path / "f.csv"), "--horizon-days", "3",
            "--model", "snaive"]
    default = CliRunner().invoke(main, args)
    assert default.stderr.count("Warning: chinesecalendar has no State Council arrangement for 2003") == 1, default.output
    (tmp_path / "centre.toml").write_text('[forecast]\ncountry = "NONE"\n')
    configured = CliRunner().invoke(main, args + ["--config", str(tmp_path / "centre.toml")])
    assert configured.exit_code == 0 and "chinesecalendar" not in configured.stderr, configured.output
    (tmp_path / "us.toml").write_text('[forecast]\ncountry = "US"\n')
    us = CliRunner().invoke(main, args + ["--config", str(tmp_path / "us.toml")])
    assert us.exit_code == 0 and "chinesecalendar" not in us.stderr, us.output
    # an explicit --country wins over the config
    explicit = CliRunner().invoke(main, args + ["--config", str(tmp_path / "us.toml"), "--country", "CN"])
    assert explicit.stderr.count("Warning: chinesecalendar has no State Council arrangement") == 1
