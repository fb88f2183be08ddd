"""Reading and writing frames and configuration files.

This is the only module that touches files. Frames are read and written as CSV (optionally
compressed: ``.csv.gz``, ``.csv.bz2``, ``.csv.zip``, ``.csv.xz``) or Parquet (``.parquet``,
``.pq``), chosen by file extension. Every write is atomic: the data goes to a temporary
file in the destination folder, which is renamed over the target only once complete, so a
failed or killed run never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .exceptions import ConfigError, InvalidInputError, RunInProgressError

__all__ = [
    "read_frame",
    "write_frame",
    "read_toml",
    "write_json",
    "write_text",
    "atomic_path",
    "frame_format",
    "read_history_source",
    "file_sha256",
    "check_writable_dir",
    "resolve_sqlite_url",
    "exclusive_lock",
    "remove_stale_temporaries",
]

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".tsv")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def frame_format(path: str | os.PathLike[str]) -> str:
    """Return ``"csv"`` or ``"parquet"`` for a frame file name, or raise InvalidInputError."""
    name = str(path).lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    raise InvalidInputError(
        f"file {str(path)!r}: expected a .csv (optionally .gz/.bz2/.zip/.xz) or .parquet "
        f"file, got extension {Path(name).suffix or '(none)'!r}"
    )


def read_frame(path: str | os.PathLike[str], **csv_kwargs: Any) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path
        The file; its extension picks the format.
    **csv_kwargs
        Passed to :func:`pandas.read_csv` for CSV files.

    Raises
    ------
    InvalidInputError
        If the file is missing, has an unknown extension or cannot be parsed.

    Examples
    --------
    >>> history = read_frame("data/example/history.csv.gz")  # doctest: +SKIP
    """
    path = Path(path)
    fmt = frame_format(path)
    if not path.is_file():
        raise InvalidInputError(f"file {str(path)!r} does not exist")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        sep = "\t" if str(path).lower().endswith(".tsv") else ","
        return pd.read_csv(path, sep=sep, **csv_kwargs)
    except (OSError, ValueError, pd.errors.ParserError, ImportError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInputError(f"file {str(path)!r} could not be read as {fmt}: {first_line}") from exc


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    The parent folder is created if needed. If the body raises, the temporary file is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates the file 0600; give it the mode a plain open() would (0666 - umask).
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def check_writable_dir(path: str | os.PathLike[str], what: str = "output folder") -> Path:
    """Create ``path`` if needed and check a file can be written in it, before any work is done.

    Raises
    ------
    InvalidInputError
        Naming the folder when it cannot be created (e.g. it lies under a file) or written
        (read-only, no permission).
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise InvalidInputError(
            f"{what} {str(path)!r} cannot be created: {exc.strerror or exc} (a file is in the way); expected a folder"
        ) from exc
    except OSError as exc:
        raise InvalidInputError(f"{what} {str(path)!r} cannot be created: {exc.strerror or exc}") from exc
    if not path.is_dir():
        raise InvalidInputError(f"{what} {str(path)!r} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".wfm-write-check.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InvalidInputError(f"{what} {str(path)!r} is not writable: {exc.strerror or exc}") from exc
    return path


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], what: str) -> Iterator[Path]:
    """Hold an exclusive lock on the file ``path`` while the body runs; fail at once if another holds it.

    The lock is the operating system's (``flock``): it ends with the process, so a killed run
    leaves no stale lock behind. The file itself stays (removing it would race with a waiter).

    Raises
    ------
    RunInProgressError
        Naming ``what`` and the lock file, when another process holds the lock.
    """
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            raise RunInProgressError(
                f"{what} is already running (lock {str(path)!r} held{f' by {holder}' if holder else ''}); "
                "wait for it to finish, then run again"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        try:
            yield path
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_stale_temporaries(folder: str | os.PathLike[str], patterns: tuple[str, ...]) -> list[Path]:
    """Remove the folders and files in ``folder`` matching ``patterns`` (globs); return what was removed.

    For leftovers of an interrupted publish; call it only while holding the lock of
    :func:`exclusive_lock` (no other run can be writing them then).
    """
    import shutil

    removed = []
    for pattern in patterns:
        for path in sorted(Path(folder).glob(pattern)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            removed.append(path)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_frame(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a frame atomically as CSV or Parquet (by extension); return the path.

    CSV files are written without the index; timestamps in ISO format.
    """
    path = Path(path)
    fmt = frame_format(path)
    with atomic_path(path) as tmp:
        if fmt == "parquet":
            df.to_parquet(tmp, index=False)
        else:
            name = str(path).lower()
            sep = "\t" if name.endswith(".tsv") else ","
            suffix = name.rsplit(".", 1)[-1]
            if suffix == "gz":
                # Written through GzipFile with no file name and mtime 0, so that the same
                # frame always gives the same bytes (the temp file's name would leak in).
                with tmp.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    df.to_csv(gz, index=False, sep=sep, date_format=_DATE_FORMAT)
            else:
                compression = {"bz2": "bz2", "zip": "zip", "xz": "xz"}.get(suffix)
                df.to_csv(tmp, index=False, sep=sep, compression=compression, date_format=_DATE_FORMAT)
    return path


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a text file atomically (UTF-8); return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write an object as indented, key-sorted JSON atomically; return the path."""
    return write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", path)


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML file into a dict.

    Raises
    ------
    ConfigError
        If the file is missing or is not valid TOML (the message names the file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc


def read_history_source(
    path: str | os.PathLike[str] | None = None,
    *,
    url: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Read a history frame from a file, a folder of files, or an SQL query.

    Parameters
    ----------
    path
        A CSV or Parquet file, or a folder: every ``.csv*``/``.parquet`` file directly in it
        is read (in name order) and the frames are concatenated.
    url, query
        An SQLAlchemy database URL (``sqlite:///calls.db`` works out of the box) and the
        SQL query whose result is the history frame. Give either ``path`` or both of these.

    Raises
    ------
    InvalidInputError
        If the source is missing, empty, or cannot be read.
    """
    if (path is None) == (url is None):
        raise ConfigError(
            "history source: expected either a path (file or folder) or an SQL url with a query, "
            f"got path={path!r}, url={url!r}"
        )
    if url is not None:
        if not query:
            raise ConfigError(f"history source: an SQL url needs a query, got url={url!r} and no query")
        return _read_sql(url, query)
    folder = Path(path)  # type: ignore[arg-type]
    if folder.is_dir():
        files = sorted(p for p in folder.iterdir() if p.is_file() and _is_frame_file(p))
        if not files:
            raise InvalidInputError(f"history folder {str(folder)!r} holds no .csv or .parquet files")
        return pd.concat([read_frame(p) for p in files], ignore_index=True)
    return read_frame(folder)


def resolve_sqlite_url(url: str, base: str | os.PathLike[str]) -> str:
    """``url`` with a relative SQLite file path made absolute against ``base`` (a config file's folder).

    Other URLs, absolute paths and in-memory databases are returned unchanged.

    >>> resolve_sqlite_url("sqlite:///calls.db", "/srv/wfm")
    'sqlite:////srv/wfm/calls.db'
    """
    prefix, sep, rest = url.partition(":///")
    if not sep or prefix.split("+")[0] != "sqlite" or not rest or rest.startswith(("/", ":memory:", "file:")):
        return url
    database, query_sep, query = rest.partition("?")
    if Path(database).is_absolute():
        return url
    return f"{prefix}:///{(Path(base) / Path(database).expanduser()).as_posix()}{query_sep}{query}"


def _is_frame_file(path: Path) -> bool:
    return path.name.lower().endswith(_CSV_SUFFIXES + _PARQUET_SUFFIXES) and not path.name.startswith(".")


def _read_sql(url: str, query: str) -> pd.DataFrame:
    try:
        import sqlalchemy
    except ImportError as exc:  # pragma: no cover - sqlalchemy is a dependency
        raise ConfigError("history source: reading SQL needs the sqlalchemy package") from exc
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except (sqlalchemy.exc.ArgumentError, ValueError) as exc:
        raise ConfigError(f"history source: cannot use database url {url!r}: {exc}") from exc
    database = parsed.database or ""
    # SQLite would create a missing file and the query would fail on an empty database
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and not Path(database).is_file()
    ):
        raise InvalidInputError(f"history source: SQLite database {database!r} (url {url!r}) does not exist")
    try:
        engine = sqlalchemy.create_engine(url)
    except (sqlalchemy.exc.ArgumentError, ImportError, ValueError) as exc:
        raise ConfigError(f"history source: cannot use database url {url!r}: {exc}") from exc
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(sqlalchemy.text(query), conn)
    except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InvalidInputError(f"history source: query on {url!r} failed: {first}") from exc
    finally:
        engine.dispose()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file's bytes (for run manifests)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
