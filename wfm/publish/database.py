"""Results in a database: a run's frames written to SQL tables in one transaction.

:func:`publish_run` writes the roster, breaks, coverage, requirements and forecast frames of
one run, each row tagged with the run's ``as_of`` date, and one row of the runs table (as-of
date, library version, input hashes, status, row counts). Any SQLAlchemy URL works; SQLite
(``sqlite:///wfm.db``) needs nothing more, PostgreSQL needs a driver (``psycopg``).

- **One transaction per run.** Every delete and insert of a run happens in one transaction;
  readers see the previous state until it commits, then all of the new run. A failure
  anywhere rolls everything back.
- **Idempotent per as-of date.** Publishing an as-of date again first deletes that date's
  rows (and only those) from every table, so a rerun replaces its own rows and leaves every
  other run's rows alone.
- **Concurrent publishers** of the same date are serialised (SQLite: ``BEGIN IMMEDIATE``;
  PostgreSQL: a transaction-level advisory lock), and the runs table's primary key refuses a
  second row for one date in any case.

Tables are created on first use (named ``<prefix>runs``, ``<prefix>roster``, ...; prefix
``wfm_`` by default, so the tables cannot clash with a history table in the same database).
A frame column the table lacks is added (nullable), so a frame that gains a column, e.g.
another forecast quantile, still publishes. Timestamps are stored as the centre's wall-clock
times (``TIMESTAMP WITHOUT TIME ZONE``).

:func:`publishing` is the same as a context manager: the rows are written on entry and
committed when the block ends without an error (the pipeline renames its output folder into
place inside the block, so files and database stay together).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..exceptions import ConfigError, InvalidInputError, WFMError
from ..frames import to_timestamps

__all__ = [
    "publish_run",
    "publishing",
    "read_run",
    "DatabasePublishError",
    "RUN_TABLES",
    "DEFAULT_PREFIX",
    "safe_url",
    "check_url",
]

#: the frames a run publishes, in write order (the runs table is written last)
RUN_TABLES: tuple[str, ...] = ("roster", "breaks", "coverage", "requirements", "forecast")
#: default table name prefix
DEFAULT_PREFIX = "wfm_"

_AS_OF = "as_of"
#: columns stored as dates (not date-times)
_DATE_COLUMNS = {"date"}
#: the contract columns' types (README, Data contracts), whatever dtype a frame holds them in
_KNOWN_TYPES: dict[str, Any] = {
    **{c: sa.DateTime for c in ("shift_start", "shift_end", "break_start", "break_end", "interval_start")},
    "date": sa.Date,
    **{c: sa.Text for c in ("agent_id", "shift_type", "kind", "queue", "model")},
    **{c: sa.Boolean for c in ("paid", "seat_limited")},
}


class DatabasePublishError(WFMError):
    """The database refused the run (connection, permissions, a conflicting table)."""


def safe_url(url: str) -> str:
    """The URL with its password hidden (for logs, messages and the manifest)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return "(unparseable url)"


def check_url(url: object, key: str = "database_url") -> str:
    """``url`` if it is an SQLAlchemy URL whose driver is installed, else ConfigError."""
    if not isinstance(url, str) or not url:
        raise ConfigError(f"{key} must be an SQLAlchemy URL like 'sqlite:///wfm.db', got {url!r}")
    try:
        parsed = sa.engine.make_url(url)
        parsed.get_dialect()
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"{key} must be an SQLAlchemy URL like 'sqlite:///wfm.db', got {url!r}: {exc}") from exc
    except ImportError as exc:
        raise ConfigError(
            f"{key} {safe_url(url)!r}: the database driver is not installed ({exc}); "
            f"for PostgreSQL: pip install 'psycopg[binary]'"
        ) from exc
    return url


def publish_run(
    url: str,
    *,
    as_of: dt.date,
    frames: Mapping[str, pd.DataFrame | None],
    run: Mapping[str, Any] | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> dict[str, int]:
    """Publish one run's frames and its runs-table row in one transaction.

    Parameters
    ----------
    url
        SQLAlchemy URL.
    as_of
        The run's as-of date: its rows replace earlier rows of that date only.
    frames
        Frames by table name (a subset of :data:`RUN_TABLES`; None or missing: the table gets
        no rows for this run, and earlier rows of the date are still removed).
    run
        The runs-table row's other fields: ``wfm_version``, ``status``, ``exit_code``,
        ``inputs`` (role -> sha256), ``warnings`` (list), ``settings`` (dict).
    prefix
        Table name prefix.

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    InvalidInputError
        An unknown table name or a frame with an ``as_of`` column.
    DatabasePublishError
        The database failed; nothing of the run was written.
    """
    with publishing(url, as_of=as_of, frames=frames, run=run, prefix=prefix) as counts:
        pass
    return counts


@contextlib.contextmanager
def publishing(
    url: str,
    *,
    as_of: dt.date,
    frames: Mapping[str, pd.DataFrame | None],
    run: Mapping[str, Any] | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> Iterator[dict[str, int]]:
    """:func:`publish_run` as a context manager: committed when the block ends cleanly.

    The rows are written before the block runs; an exception in the block (or in the
    writing) rolls the whole run back and propagates.
    """
    unknown = sorted(set(frames) - set(RUN_TABLES))
    if unknown:
        raise InvalidInputError(
            f"database publish: unknown table(s) {', '.join(unknown)}; expected some of {', '.join(RUN_TABLES)}"
        )
    _check_prefix(prefix)
    as_of = _day(as_of)
    prepared = {name: _prepare(name, frames.get(name)) for name in RUN_TABLES}
    engine = _engine(url)
    shown = safe_url(url)
    try:
        with engine.connect() as conn:
            with conn.begin():
                _lock(conn, prefix, as_of)
                meta = sa.MetaData()
                counts: dict[str, int] = {}
                runs = _runs_table(meta, prefix)
                _ensure_table(conn, runs)
                conn.execute(sa.delete(runs).where(runs.c[_AS_OF] == as_of))
                for name in RUN_TABLES:
                    frame = prepared[name]
                    table = _ensure_table(conn, _frame_table(meta, prefix + name, frame))
                    conn.execute(sa.delete(table).where(table.c[_AS_OF] == as_of))
                    counts[name] = write_rows(conn, table, frame, as_of)
                conn.execute(sa.insert(runs), [_run_row(as_of, run or {}, counts)])
                yield counts
    except sa.exc.SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabasePublishError(
            f"database publish to {shown!r} failed, nothing of run {as_of} was written: {first}"
        ) from exc
    finally:
        engine.dispose()


def read_run(url: str, as_of: dt.date, *, prefix: str = DEFAULT_PREFIX) -> dict[str, pd.DataFrame]:
    """Read one run's rows back (``runs`` plus every table of :data:`RUN_TABLES`), without ``as_of``."""
    as_of = _day(as_of)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            out = {}
            for name in ("runs", *RUN_TABLES):
                table = sa.Table(prefix + name, meta, autoload_with=conn)
                query = sa.select(table).where(table.c[_AS_OF] == as_of)
                out[name] = pd.read_sql_query(query, conn).drop(columns=[_AS_OF])
            return out
    finally:
        engine.dispose()


def write_rows(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, as_of: dt.date) -> int:
    """Insert a prepared frame's rows into ``table`` tagged with ``as_of``; return the count."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    records = [dict(zip(columns, row), **{_AS_OF: as_of}) for row in zip(*(_plain_column(frame[c]) for c in columns))]
    for start in range(0, len(records), 10_000):
        conn.execute(sa.insert(table), records[start : start + 10_000])
    return len(records)


# --------------------------------------------------------------------------- engine


def _engine(url: str) -> sa.Engine:
    url = check_url(url)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        # pysqlite's own transaction handling starts transactions late and commits DDL; take
        # it over so the whole run, table creation included, is one BEGIN IMMEDIATE ... COMMIT.
        @sa.event.listens_for(engine, "connect")
        def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin_immediate(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _lock(conn: sa.Connection, prefix: str, as_of: dt.date) -> None:
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"wfm-publish:{prefix}:{as_of}".encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# --------------------------------------------------------------------------- tables


def _check_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or not all(ch.isalnum() or ch == "_" for ch in prefix):
        raise ConfigError(f"table prefix must be letters, digits and underscores, got {prefix!r}")


def _runs_table(meta: sa.MetaData, prefix: str) -> sa.Table:
    return sa.Table(
        prefix + "runs",
        meta,
        sa.Column(_AS_OF, sa.Date, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("exit_code", sa.Integer),
        sa.Column("wfm_version", sa.Text),
        sa.Column("inputs", sa.Text),
        sa.Column("settings", sa.Text),
        sa.Column("warnings", sa.Text),
        sa.Column("row_counts", sa.Text),
        sa.Column("published_at", sa.DateTime),
    )


def _frame_table(meta: sa.MetaData, name: str, frame: pd.DataFrame) -> sa.Table:
    columns = [sa.Column(_AS_OF, sa.Date, nullable=False, index=True)]
    columns += [sa.Column(c, _sql_type(c, frame[c])) for c in frame.columns]
    return sa.Table(name, meta, *columns)


def _sql_type(name: str, values: pd.Series) -> Any:
    if name in _KNOWN_TYPES:
        return _KNOWN_TYPES[name]
    if name in _DATE_COLUMNS and pd.api.types.is_datetime64_any_dtype(values):
        return sa.Date
    if pd.api.types.is_datetime64_any_dtype(values):
        return sa.DateTime
    if pd.api.types.is_bool_dtype(values):
        return sa.Boolean
    if pd.api.types.is_integer_dtype(values):
        return sa.BigInteger
    if pd.api.types.is_float_dtype(values):
        return sa.Float(precision=53)
    kinds = {type(v) for v in values.dropna().tolist()}
    if kinds and kinds <= {bool, np.bool_}:
        return sa.Boolean
    return sa.Text


def _ensure_table(conn: sa.Connection, table: sa.Table) -> sa.Table:
    """Create ``table`` if missing; add the columns an existing one lacks; return it as it is now."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(table.name):
        table.create(conn)
        return table
    existing = {c["name"] for c in inspector.get_columns(table.name)}
    if _AS_OF not in existing:
        raise DatabasePublishError(
            f"table {table.name!r} exists but has no {_AS_OF} column: it is not a wfm "
            f"table; choose another table prefix"
        )
    preparer = conn.dialect.identifier_preparer
    for column in table.columns:
        if column.name not in existing:
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(
                sa.text(f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN {preparer.quote(column.name)} {kind}")
            )
    return table


# --------------------------------------------------------------------------- values


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"database publish: as_of must be a date, got {value!r}") from exc


def _prepare(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"database publish: {name} must be a DataFrame, got {type(frame).__name__}")
    if _AS_OF in frame.columns:
        raise InvalidInputError(
            f"database publish: the {name} frame must not have an {_AS_OF} column "
            f"(the run's as-of date is added to every row)"
        )
    out = frame.reset_index(drop=True).copy()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        kind = _KNOWN_TYPES.get(column)
        if kind in (sa.DateTime, sa.Date) and len(out) and not pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = to_timestamps(out[column], column, name)
        if getattr(out[column].dtype, "tz", None) is not None:
            out[column] = out[column].dt.tz_localize(None)
        if kind is sa.Date:
            out[column] = out[column].dt.normalize()
    return out


def _plain_column(values: pd.Series) -> list[Any]:
    """Python values for the driver: None for missing, datetime/date, int, float, bool, str."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.name in _DATE_COLUMNS:
            return [None if pd.isna(v) else v.date() for v in values]
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if pd.api.types.is_bool_dtype(values):
        return [bool(v) for v in values]
    if pd.api.types.is_integer_dtype(values):
        return [None if pd.isna(v) else int(v) for v in values]
    if pd.api.types.is_float_dtype(values):
        return [None if not np.isfinite(v) else float(v) for v in values.to_numpy(dtype=float, na_value=np.nan)]
    out: list[Any] = []
    for v in values.tolist():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif isinstance(v, np.generic):
            out.append(v.item())
        elif isinstance(v, bool | int | float | dt.date):
            out.append(v)
        else:
            out.append(str(v))
    return out


def _run_row(as_of: dt.date, run: Mapping[str, Any], counts: Mapping[str, int]) -> dict[str, Any]:
    def text(value: Any) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True, default=str)

    return {
        _AS_OF: as_of,
        "status": str(run.get("status", "published")),
        "exit_code": None if run.get("exit_code") is None else int(run["exit_code"]),
        "wfm_version": run.get("wfm_version"),
        "inputs": text(run.get("inputs")),
        "settings": text(run.get("settings")),
        "warnings": text(list(run.get("warnings", []))),
        "row_counts": text(dict(counts)),
        "published_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
