"""wfm run and the commands: output folders, SQL history sources, publish leftovers, locks, stale feeds
(issue 12, cases 7, 8, 9 and 12)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from centre_helpers import AS_OF, ONE_FORECAST_MODEL, write_centre
from click.testing import CliRunner

from wfm import pipeline
from wfm.cli import main
from wfm.datasets import example_dir
from wfm.exceptions import InvalidInputError
from wfm.io import check_writable_dir, write_frame


@pytest.fixture()
def centre(tmp_path) -> Path:
    folder = tmp_path / "centre"
    folder.mkdir()
    write_centre(folder, targets=None, seed=None, extra=ONE_FORECAST_MODEL)
    return folder


def _no_work(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the run started working before checking its output folder")

    monkeypatch.setattr("wfm.io.read_history_source", refuse)


# ---------------------------------------------------------------- case 7: output folder checked first


def test_output_folder_under_a_file_is_exit_two_before_any_work(centre, monkeypatch):
    (centre / "blocker").write_text("a file, not a folder")
    _no_work(monkeypatch)
    result = CliRunner().invoke(main, ["-q", "run", str(centre / "wfm.toml"), "-o", str(centre / "blocker" / "runs")])
    assert result.exit_code == 2, result.output
    assert "output_dir" in result.stderr and "blocker" in result.stderr and "Internal error" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_an_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(InvalidInputError, match="is not writable"):
            check_writable_dir(folder)
    finally:
        folder.chmod(0o755)


def test_check_writable_dir_probe_leaves_nothing(tmp_path):
    assert check_writable_dir(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert list((tmp_path / "new" / "deep").iterdir()) == []


def test_commands_check_their_output_folders_first(tmp_path):
    (tmp_path / "f").write_text("x")
    fc = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": pd.date_range("2026-11-30", periods=4, freq="15min"),
            "calls": 10.0,
            "aht_sec": 200.0,
        }
    )
    write_frame(fc, tmp_path / "fc.csv")
    result = CliRunner().invoke(main, ["-q", "staff", str(tmp_path / "fc.csv"), "-o", str(tmp_path / "f" / "r.csv")])
    assert result.exit_code == 2 and "output folder" in result.stderr and "Internal error" not in result.stderr
    result = CliRunner().invoke(
        main,
        [
            "-q",
            "schedule",
            str(tmp_path / "fc.csv"),
            "--agents",
            str(tmp_path / "fc.csv"),
            "--rules",
            str(example_dir() / "rules.toml"),
            "-o",
            str(tmp_path / "r.csv"),
            "--coverage",
            str(tmp_path / "f" / "c.csv"),
        ],
    )
    assert result.exit_code == 2 and "output folder" in result.stderr and str(tmp_path / "f") in result.stderr


# ---------------------------------------------------------------- case 8: relative sqlite:/// URLs, missing databases


def test_relative_sqlite_url_resolves_against_the_config_folder(centre, tmp_path, monkeypatch):
    import sqlite3

    history = pd.read_csv(centre / "history.csv")
    with sqlite3.connect(centre / "calls.db") as conn:
        history.to_sql("calls", conn, index=False)
    text = (
        (centre / "wfm.toml")
        .read_text()
        .replace('path = "history.csv"', 'url = "sqlite:///calls.db"\nquery = "SELECT * FROM calls"')
    )
    (centre / "sql.toml").write_text(text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = pipeline.load_config(centre / "sql.toml")
    assert config.history_url == f"sqlite:///{(centre / 'calls.db').as_posix()}"
    from wfm.io import read_history_source

    assert len(read_history_source(url=config.history_url, query=config.history_query)) == len(history)
    assert not (elsewhere / "calls.db").exists()


def test_missing_sqlite_database_is_an_error_and_is_not_created(tmp_path):
    from wfm.io import read_history_source

    with pytest.raises(InvalidInputError, match=r"SQLite database .*nowhere.db.* does not exist"):
        read_history_source(url=f"sqlite:///{tmp_path / 'nowhere.db'}", query="SELECT 1")
    assert not (tmp_path / "nowhere.db").exists()
    # in-memory databases and other URLs are left alone
    assert len(read_history_source(url="sqlite://", query="SELECT 1 AS x")) == 1


# ---------------------------------------------------------------- case 9: publish leftovers and concurrent runs


def test_second_run_for_the_same_date_exits_with_a_clear_message(centre, monkeypatch):
    from wfm.exceptions import RunInProgressError
    from wfm.io import exclusive_lock

    lock = centre / "runs" / f".{AS_OF}.lock"
    with exclusive_lock(lock, "first run"):
        with pytest.raises(RunInProgressError, match="first run is already running"):
            with exclusive_lock(lock, "first run"):
                pass
        _no_work(monkeypatch)
        result = CliRunner().invoke(main, ["-q", "run", str(centre / "wfm.toml")])
        assert result.exit_code == 2, result.output
        assert f"another wfm run for as-of {AS_OF}" in result.stderr and "already running" in result.stderr
        assert f"pid {os.getpid()}" in result.stderr
    with exclusive_lock(lock, "first run"):  # released with the first holder
        pass


def test_stale_publish_leftovers_are_removed_by_the_next_run(centre):
    runs = centre / "runs"
    stale_tmp = runs / f".{AS_OF}.k1ll3d.tmp"
    stale_old = runs / f".{AS_OF}.old-4242"
    other_day = runs / ".2026-10-19.x.tmp"
    for folder in (stale_tmp, stale_old, other_day):
        folder.mkdir(parents=True)
        (folder / "roster.csv").write_text("half-written")
    outcome = pipeline.run(pipeline.load_config(centre / "wfm.toml"))
    assert outcome.folder == runs / AS_OF and (outcome.folder / "manifest.json").is_file()
    left = {p.name for p in runs.iterdir()}
    assert left == {".2026-10-19.x.tmp", f".{AS_OF}.lock", AS_OF}  # another date's folder is not this run's


# ---------------------------------------------------------------- case 12: a stale feed


def test_stale_history_warning_names_the_last_date():
    history = pd.DataFrame({"interval_start": pd.date_range("2026-09-01", "2026-10-01 23:45", freq="15min")})
    assert pipeline.stale_history_warning(history, pd.Timestamp("2026-10-02"), 3) is None  # yesterday's data is in
    assert pipeline.stale_history_warning(history, pd.Timestamp("2026-10-05"), 3) is None  # a long weekend
    text = pipeline.stale_history_warning(history, pd.Timestamp("2026-10-12"), 3)
    assert "stale feed" in text and "2026-10-01 23:45" in text and "10 days with no data" in text


def test_run_on_a_stale_feed_exits_one_naming_the_last_date(centre):
    history = pd.read_csv(centre / "history.csv")
    history = history.loc[pd.to_datetime(history["interval_start"]) < "2026-10-03"]  # the feed stopped 2 October
    history.to_csv(centre / "history.csv", index=False)
    result = CliRunner().invoke(main, ["-q", "run", str(centre / "wfm.toml")])
    assert result.exit_code == 1, result.output
    assert "Attention: history: stale feed: the last data is from 2026-10-02 23:45" in result.stderr
    import json

    summary = json.loads((centre / "runs" / AS_OF / "summary.json").read_text())
    assert any("stale feed" in w for w in summary["warnings"])
