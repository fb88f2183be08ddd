from __future__ import annotations

import pandas as pd
import pytest

from wfm.exceptions import ConfigError, InvalidInputError
from wfm.frames import check_unique, infer_interval, require_columns, to_numeric, to_timestamps
from wfm.io import atomic_path, read_frame, read_toml, write_frame


def test_csv_and_parquet_round_trip(tmp_path):
    df = pd.DataFrame(
        {"interval_start": pd.date_range("2026-01-05", periods=3, freq="15min"), "calls": [1.0, 2.0, 3.0]}
    )
    for name in ("f.csv", "f.csv.gz", "f.parquet"):
        write_frame(df, tmp_path / name)
        back = read_frame(tmp_path / name)
        assert list(back["calls"]) == [1.0, 2.0, 3.0]
        assert pd.to_datetime(back["interval_start"]).equals(df["interval_start"])


def test_gzip_output_is_byte_identical(tmp_path):
    df = pd.DataFrame({"a": [1, 2]})
    write_frame(df, tmp_path / "a.csv.gz")
    first = (tmp_path / "a.csv.gz").read_bytes()
    write_frame(df, tmp_path / "a.csv.gz")
    assert (tmp_path / "a.csv.gz").read_bytes() == first


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match=r"expected a \.csv.*got extension '\.xlsx'"):
        read_frame(tmp_path / "x.xlsx")
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_frame(tmp_path / "missing.csv")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_read_toml_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("a = [1,\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        read_toml(tmp_path / "none.toml")


def test_frame_validators():
    df = pd.DataFrame({"interval_start": ["2026-01-05 00:00", "2026-01-05 00:15", "nope"], "calls": ["1", "x", "3"]})
    with pytest.raises(InvalidInputError, match="missing column.*aht_sec"):
        require_columns(df, ["calls", "aht_sec"], "forecast")
    with pytest.raises(InvalidInputError, match=r"must hold timestamps \(ISO 8601.*got 'nope'"):
        to_timestamps(df["interval_start"], "interval_start", "forecast")
    with pytest.raises(InvalidInputError, match="must be numeric, got 'x'"):
        to_numeric(df["calls"], "calls", "forecast")
    with pytest.raises(InvalidInputError, match=r"must be >= 0, got -1"):
        to_numeric(pd.Series([1.0, -1.0]), "calls", "forecast")
    with pytest.raises(InvalidInputError, match="must not be NaN"):
        to_numeric(pd.Series([1.0, float("nan")]), "calls", "forecast")
    with pytest.raises(InvalidInputError, match="duplicated rows"):
        check_unique(pd.DataFrame({"q": ["a", "a"], "t": [1, 1]}), ["q", "t"], "forecast")


def test_infer_interval():
    ts = pd.Series(pd.date_range("2026-01-05", periods=8, freq="30min")).drop(index=[3, 4])
    assert infer_interval(ts) == pd.Timedelta("30min")
    with pytest.raises(InvalidInputError, match="irregular"):
        infer_interval(pd.Series(pd.to_datetime(["2026-01-05 00:00", "2026-01-05 00:15", "2026-01-05 00:35"])))
    with pytest.raises(InvalidInputError, match="must be one of"):
        infer_interval(pd.Series(pd.to_datetime(["2026-01-05 00:00", "2026-01-05 00:07"])))


def test_written_files_get_normal_permissions(tmp_path):
    import os
    import stat

    path = write_frame(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
