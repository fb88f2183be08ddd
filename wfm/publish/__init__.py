"""Planners' outputs beyond the CSVs: the Excel workbook, agents' calendars, a database.

- :mod:`wfm.publish.excel`: ``roster.xlsx`` (roster grid, breaks, coverage with charts,
  daily service, per-agent summary).
- :mod:`wfm.publish.ical`: one RFC 5545 calendar per agent (or per team) with shifts and breaks.
- :mod:`wfm.publish.database`: the run's frames in SQL tables, one transaction per run,
  idempotent per as-of date.

:class:`PublishOptions` is the ``[publish]`` table of the run configuration
(``docs/pipeline.md``); :func:`write_files` and :func:`database_transaction` are what ``wfm run`` calls
in its publish step. Everything here takes the documented frames (README, Data contracts).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import ConfigError
from ..io import atomic_path, resolve_sqlite_url
from .database import DEFAULT_PREFIX, RUN_TABLES, check_url, publishing, safe_url
from .excel import write_roster_workbook
from .ical import calendars, check_timezone

__all__ = [
    "PublishOptions",
    "PUBLISH_KEYS",
    "write_files",
    "write_calendars",
    "database_transaction",
    "WORKBOOK_NAME",
    "CALENDAR_FOLDER",
]

#: the keys of the ``[publish]`` configuration table
PUBLISH_KEYS: frozenset[str] = frozenset(
    {"excel", "ical", "ical_group_by", "timezone", "database_url", "database_url_env", "table_prefix"}
)
#: the workbook's file name in a run folder
WORKBOOK_NAME = "roster.xlsx"
#: the calendars' folder in a run folder
CALENDAR_FOLDER = "calendars"


@dataclass(frozen=True)
class PublishOptions:
    """Which extra outputs a run publishes (the ``[publish]`` table).

    Attributes
    ----------
    excel
        Write ``roster.xlsx`` beside the CSVs (default True).
    ical
        Write ``calendars/<agent>.ics`` (default False); needs ``timezone``.
    ical_group_by
        None: one calendar per agent; an agents-file column (e.g. ``team``): one per value.
    timezone
        The centre's IANA time zone (``Asia/Shanghai``): the roster's times are wall-clock
        times there.
    database_url
        An SQLAlchemy URL to publish the run to (may be the history's URL); None: no database.
        In a config file a relative SQLite path is the config folder's (:meth:`from_table`).
    table_prefix
        Prefix of the database tables (default ``wfm_``).
    """

    excel: bool = True
    ical: bool = False
    ical_group_by: str | None = None
    timezone: str | None = None
    database_url: str | None = None
    table_prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        for name in ("excel", "ical"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"[publish] {name} must be true or false, got {getattr(self, name)!r}")
        if self.timezone is not None:
            check_timezone(self.timezone)
        if self.ical and self.timezone is None:
            raise ConfigError(
                "[publish] ical = true needs timezone = the centre's IANA time zone (e.g. 'Asia/Shanghai'), got none"
            )
        if self.ical_group_by is not None and (not isinstance(self.ical_group_by, str) or not self.ical_group_by):
            raise ConfigError(f"[publish] ical_group_by must be an agents column name, got {self.ical_group_by!r}")
        if self.database_url is not None:
            check_url(self.database_url, "[publish] database_url")
        if not isinstance(self.table_prefix, str) or not all(c.isalnum() or c == "_" for c in self.table_prefix):
            raise ConfigError(
                f"[publish] table_prefix must be letters, digits and underscores, got {self.table_prefix!r}"
            )

    @classmethod
    def from_table(cls, table: Mapping[str, Any], base: str | os.PathLike[str] | None = None) -> PublishOptions:
        """Options from a ``[publish]`` table (unknown keys are errors).

        ``base`` is the config file's folder: a relative SQLite path in ``database_url``
        (``sqlite:///wfm.db``) is taken from there, as ``[history] url`` is, so the same URL
        in both tables names the same file whatever the working directory.
        """
        unknown = sorted(set(table) - PUBLISH_KEYS)
        if unknown:
            raise ConfigError(
                f"config: unknown key(s) {', '.join(unknown)} in [publish]; "
                f"expected some of {', '.join(sorted(PUBLISH_KEYS))}"
            )
        url = table.get("database_url")
        env = table.get("database_url_env")
        if env is not None:
            if url is not None:
                raise ConfigError("[publish]: give database_url or database_url_env, not both")
            if not isinstance(env, str) or not os.environ.get(env):
                raise ConfigError(
                    f"[publish] database_url_env: expected the name of a set environment variable "
                    f"holding the database URL, got {env!r} (not set)"
                )
            url = os.environ[env]
        elif isinstance(url, str) and base is not None:
            url = resolve_sqlite_url(url, base)
        return cls(
            excel=table.get("excel", True),
            ical=table.get("ical", False),
            ical_group_by=table.get("ical_group_by"),
            timezone=table.get("timezone"),
            database_url=url,
            table_prefix=table.get("table_prefix", DEFAULT_PREFIX),
        )

    def settings(self) -> dict[str, Any]:
        """The options for a manifest (the database password hidden)."""
        return {
            "excel": self.excel,
            "ical": self.ical,
            "ical_group_by": self.ical_group_by,
            "timezone": self.timezone,
            "database_url": None if self.database_url is None else safe_url(self.database_url),
            "table_prefix": self.table_prefix,
        }


def _stamp(as_of: dt.date) -> dt.datetime:
    return dt.datetime(as_of.year, as_of.month, as_of.day)


def write_calendars(
    folder: str | os.PathLike[str],
    roster: pd.DataFrame,
    breaks: pd.DataFrame | None,
    *,
    timezone: str,
    stamp: dt.datetime,
    agents: pd.DataFrame | None = None,
    group_by: str | None = None,
) -> list[Path]:
    """Write :func:`wfm.publish.ical.calendars` into ``folder`` (one file each, atomically)."""
    folder = Path(folder)
    texts = calendars(roster, breaks, timezone=timezone, stamp=stamp, agents=agents, group_by=group_by)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        with atomic_path(folder / name) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
        paths.append(folder / name)
    return paths


def write_files(
    folder: str | os.PathLike[str],
    options: PublishOptions,
    frames: Mapping[str, pd.DataFrame | None],
    *,
    as_of: dt.date,
    horizon_days: int,
    agents: pd.DataFrame | None = None,
    title: str = "Roster",
) -> list[Path]:
    """Write the workbook and the calendars the options ask for into a run folder.

    ``frames`` holds the run's frames by name (``roster``, ``breaks``, ``coverage``, ``daily``,
    ``agents_summary``; extra names are ignored). Returns the files written.
    """
    folder = Path(folder)
    written: list[Path] = []
    roster = frames.get("roster")
    if roster is None:
        raise ConfigError("publish: the roster frame is needed for the workbook and calendars, got none")
    stamp = _stamp(as_of)
    if options.excel:
        dates = pd.date_range(pd.Timestamp(as_of), periods=horizon_days, freq="D")
        summary = frames.get("agents_summary")
        ids = (
            list(summary["agent_id"])
            if summary is not None and "agent_id" in summary
            else (list(agents["agent_id"]) if agents is not None and "agent_id" in agents else None)
        )
        written.append(
            write_roster_workbook(
                folder / WORKBOOK_NAME,
                roster=roster,
                breaks=frames.get("breaks"),
                coverage=frames.get("coverage"),
                daily=frames.get("daily"),
                agents_summary=summary,
                dates=dates,
                agent_ids=ids,
                stamp=stamp,
                title=title,
            )
        )
    if options.ical:
        assert options.timezone is not None  # checked by PublishOptions
        written += write_calendars(
            folder / CALENDAR_FOLDER,
            roster,
            frames.get("breaks"),
            timezone=options.timezone,
            stamp=stamp,
            agents=agents,
            group_by=options.ical_group_by,
        )
    return written


@contextlib.contextmanager
def database_transaction(
    options: PublishOptions,
    frames: Mapping[str, pd.DataFrame | None],
    *,
    as_of: dt.date,
    run: Mapping[str, Any],
) -> Iterator[dict[str, int] | None]:
    """Publish the run's tables to ``options.database_url`` when the block ends cleanly.

    Does nothing when no database is configured. See :func:`wfm.publish.database.publishing`.
    """
    if options.database_url is None:
        yield None
        return
    tables = {name: frames.get(name) for name in RUN_TABLES}
    with publishing(options.database_url, as_of=as_of, frames=tables, run=run, prefix=options.table_prefix) as counts:
        yield counts
