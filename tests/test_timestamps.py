"""Timestamps: strict ISO 8601, explicit formats, mixed UTC offsets (issue 12, cases 4 and 6)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import main
from wfm.exceptions import InvalidInputError, WFMWarning
from wfm.frames import to_timestamps


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-01T08:30:00",
        "2026-11-01 08:30",
        "2026-11-01T08:30",
        "2026-11-01 08:30:00.000",
        "2026-11-01T08:30:00+08:00",
    ],
)
def test_iso_8601_variants_parse(text):
    got = to_timestamps(pd.Series([text]), "interval_start", "history")
    assert got.dt.tz_localize(None).iloc[0] == pd.Timestamp("2026-11-01 08:30")


def test_day_first_dates_are_an_error_not_a_guess():
    # format="mixed" read 01/02/2026 as 2 January: the forecast started on the wrong date
    values = pd.Series(["01/02/2026 00:00", "01/02/2026 00:30", "13/02/2026 00:00"])
    with pytest.raises(
        InvalidInputError,
        match=r"history column interval_start must hold timestamps \(ISO 8601 .*got '01/02/2026 00:00' "
        r"\(row 0\).*--date-format",
    ):
        to_timestamps(values, "interval_start", "history")
    got = to_timestamps(values, "interval_start", "history", date_format="%d/%m/%Y %H:%M")
    assert got.tolist() == [
        pd.Timestamp("2026-02-01 00:00"),
        pd.Timestamp("2026-02-01 00:30"),
        pd.Timestamp("2026-02-13"),
    ]
    with pytest.raises(InvalidInputError, match=r"format '%d/%m/%Y %H:%M'\), got '2026-02-01'"):
        to_timestamps(pd.Series(["2026-02-01"]), "interval_start", "history", date_format="%d/%m/%Y %H:%M")


def _history(stamps) -> pd.DataFrame:
    return pd.DataFrame({"queue": "q", "interval_start": stamps, "calls": 10.0, "aht_sec": 200.0})


def test_cli_forecast_rejects_day_first_and_accepts_the_explicit_format(tmp_path):
    stamps = pd.date_range("2026-01-05", "2026-02-15 23:00", freq="h")  # six weeks, ends 15 February
    hist = _history(stamps.strftime("%d/%m/%Y %H:%M"))
    hist.to_csv(tmp_path / "h.csv", index=False)
    runner = CliRunner()
    bad = runner.invoke(
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
            "2",
            "--model",
            "snaive",
        ],
    )
    assert bad.exit_code == 2 and "'05/01/2026 00:00'" in bad.stderr and bad.stderr.strip().count("\n") == 0
    good = runner.invoke(
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
            "2",
            "--model",
            "snaive",
            "--date-format",
            "%d/%m/%Y %H:%M",
        ],
    )
    assert good.exit_code in (0, 1), good.output
    assert pd.to_datetime(pd.read_csv(tmp_path / "f.csv")["interval_start"]).min() == pd.Timestamp("2026-02-16")


def test_run_config_date_format_is_checked():
    from wfm.exceptions import ConfigError
    from wfm.pipeline import example_config

    assert example_config(history_date_format="%d/%m/%Y %H:%M").history_date_format == "%d/%m/%Y %H:%M"
    with pytest.raises(ConfigError, match="date_format must be a strftime format"):
        example_config(history_date_format="dd/mm/yyyy")


# ---------------------------------------------------------------- case 6: mixed UTC offsets (a feed across DST)

DST = [
    "2026-03-08T00:00:00-05:00",
    "2026-03-08T01:00:00-05:00",
    "2026-03-08T03:00:00-04:00",
    "2026-03-08T04:00:00-04:00",
]


def test_mixed_offsets_default_to_their_own_wall_clock_with_a_warning():
    with pytest.warns(WFMWarning, match=r"mixed UTC offsets \(-04:00, -05:00\).*own local wall-clock"):
        got = to_timestamps(pd.Series(DST), "interval_start", "history")
    assert got.tolist() == [
        pd.Timestamp("2026-03-08 00:00"),
        pd.Timestamp("2026-03-08 01:00"),
        pd.Timestamp("2026-03-08 03:00"),
        pd.Timestamp("2026-03-08 04:00"),
    ]


def test_mixed_offsets_convert_to_the_centres_timezone():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = to_timestamps(pd.Series(DST), "interval_start", "history", timezone="Europe/Berlin")
    # independent: 00:00 at UTC-5 is 05:00 UTC, 06:00 in Berlin (CET, UTC+1)
    assert got.tolist() == [
        pd.Timestamp("2026-03-08 06:00"),
        pd.Timestamp("2026-03-08 07:00"),
        pd.Timestamp("2026-03-08 08:00"),
        pd.Timestamp("2026-03-08 09:00"),
    ]
    with pytest.raises(InvalidInputError, match="timezone must be an IANA time zone.*'Mars/Olympus'"):
        to_timestamps(pd.Series(DST), "interval_start", "history", timezone="Mars/Olympus")
    with pytest.raises(InvalidInputError, match="mixes timestamps with and without a UTC offset"):
        to_timestamps(pd.Series(DST + ["2026-03-08 05:00"]), "interval_start", "history")


def test_cli_forecast_on_a_history_across_dst_is_not_an_internal_error(tmp_path):
    stamps = pd.date_range("2026-02-01", "2026-03-28 23:00", freq="h", tz="America/New_York")
    hist = _history([t.isoformat() for t in stamps])
    hist.to_csv(tmp_path / "h.csv", index=False)
    args = [
        "-q",
        "forecast",
        str(tmp_path / "h.csv"),
        "-o",
        str(tmp_path / "f.csv"),
        "--country",
        "NONE",
        "--horizon-days",
        "2",
        "--model",
        "snaive",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output  # written, and the planner is told
    assert "Attention: history: " in result.stderr and "mixed UTC offsets" in result.stderr
    assert (tmp_path / "f.csv").is_file()
    result = CliRunner().invoke(main, args + ["--timezone", "America/New_York"])
    # converted without a warning; the hour the clocks skip is still reported (a row-less interval, read as 0)
    assert result.exit_code == 1 and "mixed UTC offsets" not in result.stderr, result.output
    assert "1 interval(s) inside operating hours without a row" in result.stderr


def test_run_config_timezone_is_checked():
    from wfm.exceptions import ConfigError
    from wfm.pipeline import example_config

    assert example_config(timezone="Asia/Shanghai").timezone == "Asia/Shanghai"
    with pytest.raises(ConfigError, match=r"\[history\] timezone must be an IANA time zone"):
        example_config(timezone="Mars/Olympus")
