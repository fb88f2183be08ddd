"""Run tables in SQLite and, when WFM_TEST_POSTGRES_URL names a server (.ci/run starts one), PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from publish_helpers import synthetic_frames
from wfm.exceptions import InvalidInputError
from wfm.publish import database as db

AS_OF = dt.date(2026, 10, 24)


def _postgres_url() -> str:
    url = os.environ.get("WFM_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need WFM_TEST_POSTGRES_URL (.ci/run starts a local server and sets it)")
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any reason the server is unusable is a reason to skip
        pytest.skip(f"PostgreSQL at WFM_TEST_POSTGRES_URL is not reachable: {str(exc).splitlines()[0]}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """(url, table prefix): a fresh SQLite file, or the PostgreSQL server with a prefix of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wfm.db'}", "wfm_"
    return _postgres_url(), f"t{uuid.uuid4().hex[:10]}_"


def run_frames(shift: int = 0):
    f = synthetic_frames()
    req = f["coverage"].rename(columns={"required": "agents_scheduled"})[
        ["queue", "interval_start", "agents_scheduled"]
    ]
    req = req.assign(calls=1.5 + shift, aht_sec=300.0, seat_limited=False, model="ets")
    forecast = req[["queue", "interval_start", "calls", "aht_sec", "model"]].assign(calls_lo_80=1.0, calls_hi_80=2.0)
    roster = f["roster"].assign(paid_hours=f["roster"]["paid_hours"] + shift)
    return {
        "roster": roster,
        "breaks": f["breaks"],
        "coverage": f["coverage"],
        "requirements": req,
        "forecast": forecast,
    }


def counts(url, prefix, as_of):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for name in ("runs", *db.RUN_TABLES):
                if not sa.inspect(conn).has_table(prefix + name):
                    out[name] = 0
                    continue
                table = sa.Table(prefix + name, sa.MetaData(), autoload_with=conn)
                out[name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.as_of == as_of)
                ).scalar()
            return out
    finally:
        engine.dispose()


def test_published_rows_read_back_equal_the_frames(target):
    url, prefix = target
    frames = run_frames()
    run = {"status": "ok", "exit_code": 0, "wfm_version": "0.1.0", "inputs": {"agents": "ab" * 32}}
    got_counts = db.publish_run(url, as_of=AS_OF, frames=frames, run=run, prefix=prefix)
    assert got_counts == {name: len(frames[name]) for name in db.RUN_TABLES}
    back = db.read_run(url, AS_OF, prefix=prefix)
    roster = back["roster"].sort_values(["agent_id", "shift_start"]).reset_index(drop=True)
    want = frames["roster"].sort_values(["agent_id", "shift_start"]).reset_index(drop=True)
    assert roster["agent_id"].tolist() == want["agent_id"].tolist()
    assert [pd.Timestamp(d) for d in roster["date"]] == want["date"].tolist()
    assert pd.to_datetime(roster["shift_end"]).tolist() == want["shift_end"].tolist()
    assert roster["paid_hours"].tolist() == want["paid_hours"].tolist()
    breaks = back["breaks"].sort_values(["agent_id", "break_start"]).reset_index(drop=True)
    want_b = frames["breaks"].sort_values(["agent_id", "break_start"]).reset_index(drop=True)
    assert [bool(v) for v in breaks["paid"]] == want_b["paid"].tolist()
    assert pd.to_datetime(breaks["break_start"]).tolist() == want_b["break_start"].tolist()
    assert back["coverage"]["scheduled"].sum() == frames["coverage"]["scheduled"].sum()
    assert back["forecast"]["calls_hi_80"].tolist() == frames["forecast"]["calls_hi_80"].tolist()
    (row,) = back["runs"].to_dict("records")
    assert row["status"] == "ok" and row["exit_code"] == 0 and "ab" * 32 in row["inputs"]
    assert '"roster": 5' in row["row_counts"]


def test_rerun_replaces_only_its_own_rows(target):
    url, prefix = target
    other = AS_OF + dt.timedelta(days=1)
    db.publish_run(url, as_of=AS_OF, frames=run_frames(), prefix=prefix)
    db.publish_run(url, as_of=other, frames=run_frames(), prefix=prefix)
    smaller = run_frames(shift=1)
    smaller["roster"] = smaller["roster"].iloc[:2]
    smaller["breaks"] = smaller["breaks"].iloc[:0]
    db.publish_run(url, as_of=AS_OF, frames=smaller, prefix=prefix)
    db.publish_run(url, as_of=AS_OF, frames=smaller, prefix=prefix)  # twice: idempotent
    assert counts(url, prefix, AS_OF) == {
        "runs": 1,
        "roster": 2,
        "breaks": 0,
        "coverage": 144,
        "requirements": 144,
        "forecast": 144,
    }
    assert counts(url, prefix, other) == {
        "runs": 1,
        "roster": 5,
        "breaks": 4,
        "coverage": 144,
        "requirements": 144,
        "forecast": 144,
    }
    assert db.read_run(url, AS_OF, prefix=prefix)["roster"]["paid_hours"].tolist() == [9.0, 9.0]


def test_a_failure_mid_publish_leaves_nothing_of_the_run_visible(target, monkeypatch):
    url, prefix = target
    db.publish_run(url, as_of=AS_OF, frames=run_frames(), prefix=prefix)
    before = counts(url, prefix, AS_OF)
    original = db.write_rows
    seen_meanwhile = {}

    def failing(conn, table, frame, as_of):
        if table.name == prefix + "coverage":
            # the roster and breaks are written (deleted and re-inserted) inside the transaction:
            # another connection still sees the previous run, complete
            seen_meanwhile.update(counts(url, prefix, AS_OF))
            raise sa.exc.OperationalError("INSERT", {}, RuntimeError("disk full while writing coverage"))
        return original(conn, table, frame, as_of)

    monkeypatch.setattr(db, "write_rows", failing)
    changed = run_frames(shift=2)
    changed["roster"] = changed["roster"].iloc[:1]
    with pytest.raises(db.DatabasePublishError, match="nothing of run 2026-10-24 was written.*disk full"):
        db.publish_run(url, as_of=AS_OF, frames=changed, prefix=prefix)
    assert seen_meanwhile == before
    assert counts(url, prefix, AS_OF) == before
    assert db.read_run(url, AS_OF, prefix=prefix)["roster"]["paid_hours"].tolist() != [10.0]


def test_an_error_in_the_block_rolls_the_run_back(target):
    url, prefix = target
    with pytest.raises(RuntimeError, match="folder rename failed"):
        with db.publishing(url, as_of=AS_OF, frames=run_frames(), prefix=prefix):
            raise RuntimeError("folder rename failed")
    assert counts(url, prefix, AS_OF) == dict.fromkeys(("runs", *db.RUN_TABLES), 0)


def test_a_new_frame_column_is_added_and_a_foreign_table_is_refused(target):
    url, prefix = target
    db.publish_run(url, as_of=AS_OF, frames=run_frames(), prefix=prefix)
    frames = run_frames()
    frames["forecast"] = frames["forecast"].assign(calls_lo_95=0.5)
    db.publish_run(url, as_of=AS_OF + dt.timedelta(days=1), frames=frames, prefix=prefix)
    back = db.read_run(url, AS_OF + dt.timedelta(days=1), prefix=prefix)["forecast"]
    assert back["calls_lo_95"].tolist() == [0.5] * len(frames["forecast"])
    assert db.read_run(url, AS_OF, prefix=prefix)["forecast"]["calls_lo_95"].isna().all()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {prefix}x_roster (agent_id TEXT)"))
    engine.dispose()
    with pytest.raises(db.DatabasePublishError, match="not a wfm table"):
        db.publish_run(url, as_of=AS_OF, frames=run_frames(), prefix=prefix + "x_")


def test_bad_arguments_are_refused():
    with pytest.raises(InvalidInputError, match="unknown table"):
        db.publish_run("sqlite://", as_of=AS_OF, frames={"rosters": pd.DataFrame()})
    with pytest.raises(InvalidInputError, match="as_of column"):
        db.publish_run("sqlite://", as_of=AS_OF, frames={"roster": pd.DataFrame({"as_of": [1]})})
    with pytest.raises(Exception, match="SQLAlchemy URL"):
        db.check_url("not a url")
    assert "secret" not in db.safe_url("postgresql+psycopg://u:secret@host/db")
