"""`wfm staff`: the thin CLI over wfm.staffing.requirements."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import main

EXAMPLE_TARGETS = Path(__file__).resolve().parents[1] / "examples" / "targets.toml"


def _write_forecast(path: Path, queues=("retail",), calls=100.0) -> Path:
    frames = [
        pd.DataFrame(
            {
                "queue": q,
                "interval_start": pd.date_range("2026-03-02 09:00", periods=4, freq="30min"),
                "calls": calls,
                "aht_sec": 180.0,
            }
        )
        for q in queues
    ]
    df = pd.concat(frames, ignore_index=True)
    if str(path).endswith(".parquet"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def _run(*args):
    return CliRunner().invoke(main, ["staff", *map(str, args)])


def test_staff_csv_default_80_20(tmp_path):
    src = _write_forecast(tmp_path / "forecast.csv")
    out = tmp_path / "req.csv"
    result = _run(src, "-o", out)
    assert result.exit_code == 0, result.output
    req = pd.read_csv(out)
    assert req["agents"].tolist() == [14] * 4
    assert req["service_level"].iloc[0] == pytest.approx(0.8883500192, abs=1e-9)


def test_staff_parquet_with_options(tmp_path):
    src = _write_forecast(tmp_path / "forecast.parquet")
    out = tmp_path / "req.parquet"
    result = _run(
        src, "--service-level", "0.9", "--answer-sec", "10", "--shrinkage", "0.3", "--max-occupancy", "0.9", "-o", out
    )
    assert result.exit_code == 0, result.output
    req = pd.read_parquet(out)
    assert (req["service_level"] >= 0.9).all() and (req["occupancy"] <= 0.9).all()
    assert (req["agents_scheduled"] >= req["agents"] / 0.7 - 1e-9).all()


def test_staff_erlang_a_and_asa_only(tmp_path):
    src = _write_forecast(tmp_path / "f.csv")
    out = tmp_path / "r.csv"
    result = _run(src, "--patience-sec", "120", "--max-abandon", "0.02", "-o", out)
    assert result.exit_code == 0, result.output
    req = pd.read_csv(out)
    assert (req["abandon_rate"] <= 0.02).all()
    result = _run(src, "--service-level", "none", "--asa-sec", "30", "-o", out)
    assert result.exit_code == 0, result.output
    req = pd.read_csv(out)
    assert (req["asa_sec"] <= 30).all() and req["agents"].iloc[0] < 14


def test_staff_targets_file_and_seats_exit_1(tmp_path):
    src = _write_forecast(tmp_path / "f.csv", queues=("retail", "vip", "transactions"))
    out = tmp_path / "r.csv"
    result = _run(src, "--targets", EXAMPLE_TARGETS, "--seats", "40", "-o", out)
    assert result.exit_code == 1, result.output
    assert "Warning: seat limit of 40 binds" in result.output
    req = pd.read_csv(out)
    assert req["seat_limited"].all()
    assert req.groupby("interval_start")["agents_seated"].sum().eq(40).all()


@pytest.mark.parametrize(
    "args, match",
    [
        (["--service-level", "1.5"], "service_level must be in (0, 1], got 1.5"),
        (["--answer-sec", "-1"], "answer_sec must be >= 0, got -1"),
        (["--max-occupancy", "1.5"], "max_occupancy must be in (0, 1], got 1.5"),
        (["--shrinkage", "1"], "shrinkage must be in [0, 1), got 1.0"),
        (["--max-abandon", "0.1"], "max_abandon needs patience_sec"),
    ],
)
def test_staff_bad_targets_exit_2_no_output(tmp_path, args, match):
    src = _write_forecast(tmp_path / "f.csv")
    out = tmp_path / "r.csv"
    result = _run(src, *args, "-o", out)
    assert result.exit_code == 2
    assert match in result.output and result.output.count("\n") == 1
    assert not out.exists()


def test_staff_bad_forecasts_exit_2_no_output(tmp_path):
    out = tmp_path / "r.csv"
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"queue": ["a"], "interval_start": ["2026-03-02 09:00"], "calls": [-5.0], "aht_sec": [180.0]}).to_csv(
        bad, index=False
    )
    result = _run(bad, "-o", out, "--interval-minutes", "30")
    assert result.exit_code == 2 and "calls must be >= 0, got -5" in result.output and not out.exists()
    pd.DataFrame({"queue": ["a"], "calls": [5.0]}).to_csv(bad, index=False)
    result = _run(bad, "-o", out)
    assert result.exit_code == 2 and "missing column(s) interval_start, aht_sec" in result.output
    result = _run(tmp_path / "nope.csv", "-o", out)
    assert result.exit_code == 2 and "does not exist" in result.output
    src = _write_forecast(tmp_path / "f.csv")
    targets = tmp_path / "t.toml"
    targets.write_text("[queues.vip]\nservice_level = 0.9\nanswer_sec = 10\n", encoding="utf-8")
    result = _run(src, "--targets", targets, "-o", out)
    assert result.exit_code == 2 and "vip not in the forecast" in result.output and not out.exists()


def test_staff_empty_forecast_writes_empty_file(tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("queue,interval_start,calls,aht_sec\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = _run(src, "-o", out)
    assert result.exit_code == 0, result.output
    req = pd.read_csv(out)
    assert req.empty and "agents_scheduled" in req.columns


def test_failed_run_keeps_previous_output(tmp_path):
    src = _write_forecast(tmp_path / "f.csv")
    out = tmp_path / "r.csv"
    out.write_text("previous\n", encoding="utf-8")
    result = _run(src, "--service-level", "2", "-o", out)
    assert result.exit_code == 2 and out.read_text(encoding="utf-8") == "previous\n"
