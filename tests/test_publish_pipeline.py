"""`wfm run` with the workbook, the calendars and an SQLite database on, checked against its own CSVs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import zipfile
import zoneinfo

import icalendar
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from publish_helpers import AS_OF, rfc5545_problems, run_small_centre, small_centre
from schedule_memo import remembered_schedules
from wfm import pipeline
from wfm.publish import PublishOptions
from wfm.io import read_frame
from wfm.publish import database
from wfm.publish.database import DatabasePublishError, read_run


@pytest.fixture(scope="module", autouse=True)
def plans_once():
    """Every night here re-runs the same centre to test its publishing, not its plan: each distinct
    input is planned once (tests/schedule_memo.py; the engine is deterministic)."""
    with remembered_schedules() as memo:
        yield memo


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("publish")
    url = f"sqlite:///{folder / 'wfm.db'}"
    outcome = run_small_centre(folder, publish=f'ical = true\ntimezone = "Asia/Shanghai"\ndatabase_url = "{url}"\n')
    return outcome, url, folder


def test_workbook_grid_equals_roster_csv(run):
    outcome, _, _ = run
    roster = read_frame(outcome.folder / "roster.csv")
    wb = openpyxl.load_workbook(outcome.folder / "roster.xlsx")
    ws = wb["Roster"]
    header = [c.value for c in ws[1]]
    assert header[1:-1] == list(pd.date_range(AS_OF, periods=7).to_pydatetime())
    rows = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1)}
    assert len(rows) == len(read_frame(outcome.folder / "agents_summary.csv"))
    for r in roster.itertuples():
        start, end = pd.Timestamp(r.shift_start), pd.Timestamp(r.shift_end)
        text = ws.cell(rows[r.agent_id], header.index(pd.Timestamp(r.date).to_pydatetime()) + 1).value
        assert text.startswith(f"{start:%H:%M}-") and (text[6:11] == f"{end:%H:%M}" or text[6:11] == "24:00")
    assert wb["Breaks"].max_row - 1 == len(read_frame(outcome.folder / "breaks.csv")) > 0
    assert wb["Coverage"].max_row - 1 == len(read_frame(outcome.folder / "coverage.csv"))
    assert wb["Daily service"].max_row - 1 == len(read_frame(outcome.folder / "daily.csv"))


def _sheet(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _same(got: pd.Series, want: pd.Series, what: str) -> None:
    """A sheet column equals a CSV column: times as Excel date-times, numbers to 1e-9, text as text."""
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    assert len(got) == len(want), what
    if want.name in ("date", "interval_start", "break_start", "break_end", "shift_start", "shift_end"):
        assert all(isinstance(v, dt.datetime) for v in got), f"{what}: not Excel dates"
        assert list(pd.to_datetime(got)) == list(pd.to_datetime(want)), what
    elif pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
        g, w = pd.to_numeric(got).to_numpy(dtype=float), want.to_numpy(dtype=float)
        assert ((abs(g - w) <= 1e-9) | (pd.isna(g) & pd.isna(w))).all(), what
    else:
        assert [None if pd.isna(v) else str(v) for v in got] == [None if pd.isna(v) else str(v) for v in want], what


def test_workbook_sheets_read_back_equal_the_csvs(run):
    """Every cell of the breaks, coverage, daily service and agents sheets against the run's CSVs."""
    outcome, _, _ = run
    wb = openpyxl.load_workbook(outcome.folder / "roster.xlsx")
    breaks = read_frame(outcome.folder / "breaks.csv").sort_values(["agent_id", "break_start"], kind="stable")
    got = _sheet(wb["Breaks"])
    for column in ("agent_id", "break_start", "break_end", "kind", "paid"):
        _same(got[column], breaks[column], f"Breaks.{column}")
    minutes = (pd.to_datetime(breaks["break_end"]) - pd.to_datetime(breaks["break_start"])).dt.total_seconds() / 60
    _same(got["minutes"], minutes.rename("minutes"), "Breaks.minutes")
    for name, sheet, order in (
        ("coverage.csv", "Coverage", ["queue", "interval_start"]),
        ("daily.csv", "Daily service", None),
        ("agents_summary.csv", "Agents", None),
    ):
        want = read_frame(outcome.folder / name)
        if order:
            want = want.sort_values(order, kind="stable")
        got = _sheet(wb[sheet])
        assert list(got.columns) == list(want.columns), sheet
        for column in want.columns:
            _same(got[column], want[column], f"{sheet}.{column}")
    # the per-agent summary a planner is promised: hours, nights, weekends, wishes granted
    assert {"paid_hours", "night_shifts", "weekend_days_worked", "preferences_granted"} <= set(_sheet(wb["Agents"]))
    # the grid's last column is each agent's paid hours of roster.csv
    roster = read_frame(outcome.folder / "roster.csv")
    ws = wb["Roster"]
    hours = roster.groupby("agent_id")["paid_hours"].sum()
    for i in range(2, ws.max_row + 1):
        assert (ws.cell(i, ws.max_column).value or 0.0) == pytest.approx(hours.get(ws.cell(i, 1).value, 0.0))
    # one fill colour per shift type, different types in different colours
    header = [c.value for c in ws[1]]
    row_of = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1)}
    colours: dict[str, set[str]] = {}
    for r in roster.itertuples():
        cell = ws.cell(row_of[r.agent_id], header.index(pd.Timestamp(r.date).to_pydatetime()) + 1)
        colours.setdefault(r.shift_type, set()).add(cell.fill.fgColor.rgb)
    assert all(len(c) == 1 for c in colours.values()) and len({min(c) for c in colours.values()}) == len(colours)
    # a chart of required against scheduled per queue, over the coverage sheet's cells
    with zipfile.ZipFile(outcome.folder / "roster.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    queues = read_frame(outcome.folder / "coverage.csv")["queue"].nunique()
    assert len(charts) == min(queues, 12) and all("<c:lineChart>" in c and "Coverage!$" in c for c in charts)


def test_calendars_hold_every_shift_and_break(run):
    outcome, _, _ = run
    roster = read_frame(outcome.folder / "roster.csv")
    breaks = read_frame(outcome.folder / "breaks.csv")
    files = sorted((outcome.folder / "calendars").glob("*.ics"))
    assert len(files) == len(read_frame(outcome.folder / "agents_summary.csv"))
    for f in files:
        assert rfc5545_problems(f.read_bytes().decode("utf-8")) == [], f.name
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    starts = sorted(
        ev.decoded("DTSTART") for f in files for ev in icalendar.Calendar.from_ical(f.read_bytes()).walk("VEVENT")
    )
    want = sorted(
        pd.Timestamp(t).to_pydatetime().replace(tzinfo=tz)
        for t in list(roster["shift_start"]) + list(breaks["break_start"])
    )
    assert starts == want


def test_manifest_hashes_the_new_files_and_database_holds_the_run(run):
    outcome, url, _ = run
    manifest = json.loads((outcome.folder / "manifest.json").read_text())
    assert "roster.xlsx" in manifest["outputs"] and any(k.startswith("calendars/") for k in manifest["outputs"])
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((outcome.folder / name).read_bytes()).hexdigest() == digest
    assert manifest["settings"]["publish"]["timezone"] == "Asia/Shanghai"
    back = read_run(url, dt.date.fromisoformat(AS_OF))
    for name in ("roster", "breaks", "coverage", "requirements", "forecast"):
        assert len(back[name]) == len(read_frame(outcome.folder / f"{name}.csv")), name
    (row,) = back["runs"].to_dict("records")
    assert row["status"] == ("attention" if outcome.exit_code else "ok") and row["exit_code"] == outcome.exit_code
    assert json.loads(row["inputs"])["agents"] == manifest["inputs"]["agents"]["sha256"]


def test_a_failed_folder_publish_writes_nothing_to_the_database(run, monkeypatch):
    outcome, url, folder = run
    before = {k: len(v) for k, v in read_run(url, dt.date.fromisoformat(AS_OF)).items()}
    published = read_run(url, dt.date.fromisoformat(AS_OF))["runs"]["published_at"].item()

    def broken(tmp, final):
        raise OSError("rename failed")

    monkeypatch.setattr(pipeline, "_swap_into_place", broken)
    with pytest.raises(OSError, match="rename failed"):
        pipeline.run(pipeline.load_config(folder / "wfm.toml"))
    after = read_run(url, dt.date.fromisoformat(AS_OF))
    assert {k: len(v) for k, v in after.items()} == before
    assert after["runs"]["published_at"].item() == published


def _state(url, folder):
    """The run's database rows (counts, publish time) and its folder's files, bytes and all."""
    back = read_run(url, dt.date.fromisoformat(AS_OF))
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {k: len(v) for k, v in back.items()}, back["runs"]["published_at"].item(), files


def test_a_failed_commit_after_the_rename_puts_the_previous_folder_back(run, monkeypatch):
    """The failure is forced between the two: the folder is renamed in, then the commit fails."""
    outcome, url, folder = run
    before = _state(url, outcome.folder)
    real_engine = database._engine
    renamed = []
    real_swap = pipeline._swap_into_place

    def swap(tmp, final):
        renamed.append(final)
        return real_swap(tmp, final)

    def engine_failing_at_commit(u):
        engine = real_engine(u)

        def fail(conn):
            assert renamed, "the commit came before the folder was renamed in"
            raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

        sa.event.listen(engine, "commit", fail)
        return engine

    monkeypatch.setattr(database, "_engine", engine_failing_at_commit)
    monkeypatch.setattr(pipeline, "_swap_into_place", swap)
    with pytest.raises(DatabasePublishError, match="disk I/O error"):
        pipeline.run(pipeline.load_config(folder / "wfm.toml"))
    assert renamed  # the folder had been swapped in before the commit failed
    assert _state(url, outcome.folder) == before
    assert [p.name for p in outcome.folder.parent.iterdir() if not p.name.endswith(".lock")] == [AS_OF]


def test_a_relative_sqlite_url_is_the_config_folders_file_like_the_historys(tmp_path):
    options = PublishOptions.from_table({"database_url": "sqlite:///wfm.db"}, tmp_path / "cfg")
    assert options.database_url == f"sqlite:///{(tmp_path / 'cfg' / 'wfm.db').as_posix()}"
    assert PublishOptions.from_table({"database_url": "sqlite:////abs/wfm.db"}, tmp_path).database_url == (
        "sqlite:////abs/wfm.db"
    )
    assert PublishOptions.from_table({"database_url": "sqlite://"}, tmp_path).database_url == "sqlite://"


def test_history_and_results_share_the_one_sqlite_url_whatever_the_working_directory(tmp_path, monkeypatch):
    """The issue's set-up: `wfm run` reads history from a database and publishes into the same URL."""
    folder = tmp_path / "centre"
    folder.mkdir()
    config = small_centre(folder, publish='database_url = "sqlite:///centre.db"\n')
    history = read_frame(folder / "history.csv")
    history["interval_start"] = pd.to_datetime(history["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    with sqlite3.connect(folder / "centre.db") as conn:
        history.to_sql("calls", conn, index=False)
    (folder / "history.csv").unlink()
    text = config.read_text()
    assert '[history]\npath = "history.csv"' in text
    config.write_text(
        text.replace(
            '[history]\npath = "history.csv"',
            '[history]\nurl = "sqlite:///centre.db"\nquery = "SELECT * FROM calls ORDER BY queue, interval_start"',
        ).replace("time_limit_sec = 5\n", "time_limit_sec = 20\n")  # two nights in a row on a loaded machine
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a relative URL must not mean a file here
    url = f"sqlite:///{folder / 'centre.db'}"
    for night in (1, 2):  # the second night reads its history from the file the first one published into
        outcome = pipeline.run(pipeline.load_config(config))
        assert list(elsewhere.iterdir()) == [], night
        back = read_run(url, dt.date.fromisoformat(AS_OF))
        for name in ("roster", "breaks", "coverage", "requirements", "forecast"):
            assert len(back[name]) == len(read_frame(outcome.folder / f"{name}.csv")) > 0, (night, name)
        assert len(back["runs"]) == 1
        with sqlite3.connect(folder / "centre.db") as conn:
            assert conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == len(history)  # history untouched
