"""The planners' workbook, ``roster.xlsx``: the roster grid and the figures beside it.

Sheets:

- **Roster**: agents down, dates across (real Excel dates), each shift as ``08:00-17:00``
  (``22:00-07:00 (+1)`` when it ends the next day) on its start date, filled with its shift
  type's colour; a last column with each agent's paid hours. Empty cell = day off.
- **Breaks**: one row per break with its shift's date, start, end, minutes and paid flag.
- **Coverage**: the coverage frame per interval and queue, with a chart of required against
  scheduled agents per queue.
- **Daily service**: the daily service frame (per day and queue).
- **Agents**: the per-agent summary (paid hours, nights, weekends, wishes granted).
- **Shift types**: the colour legend and the number of shifts of each type.

Every sheet has a frozen header row, an autofilter and column widths fitted to the content.
Times are Excel date-times (the roster's wall-clock times, no time zone). The file is
written with XlsxWriter from memory with fixed zip timestamps and its creation date set to
``stamp``, so the same frames give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..exceptions import InvalidInputError
from ..frames import require_columns, to_timestamps
from ..io import atomic_path
from .shifts import breaks_in_shifts, roster_shifts

__all__ = ["roster_workbook", "write_roster_workbook", "SHEETS", "SHIFT_TYPE_COLOURS"]

#: the workbook's sheet names, in order (sheets whose frame is not given are left out)
SHEETS: tuple[str, ...] = ("Roster", "Breaks", "Coverage", "Daily service", "Agents", "Shift types")

#: fill colours given to the shift types in order of their median start time of day
SHIFT_TYPE_COLOURS: tuple[str, ...] = (
    "#FFF2CC",
    "#E2EFDA",
    "#FCE4D6",
    "#DDEBF7",
    "#EDE1F5",
    "#D0E0E3",
    "#F8CBAD",
    "#C6E0B4",
    "#D9D9D9",
    "#FFE699",
)

_DATE = "yyyy-mm-dd"
_DATETIME = "yyyy-mm-dd hh:mm"
_DAY_HEADER = "ddd dd mmm"
#: column-name hints for number formats
_SHARE_COLUMNS = {"service_level", "occupancy", "abandon_rate", "granted_share"}
_MAX_WIDTH = 60
_CHART_QUEUES = 12


def write_roster_workbook(path: str | os.PathLike[str], **frames: Any) -> Path:
    """Write :func:`roster_workbook` to ``path`` atomically; return the path."""
    path = Path(path)
    data = roster_workbook(**frames)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def roster_workbook(
    *,
    roster: pd.DataFrame,
    breaks: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    daily: pd.DataFrame | None = None,
    agents_summary: pd.DataFrame | None = None,
    dates: Sequence[Any] | None = None,
    agent_ids: Sequence[Any] | None = None,
    stamp: dt.datetime = dt.datetime(2000, 1, 1),
    title: str = "Roster",
) -> bytes:
    """The planners' workbook as ``.xlsx`` bytes.

    Parameters
    ----------
    roster, breaks, coverage, daily, agents_summary
        The run's frames (README, Data contracts; ``daily`` from
        :func:`wfm.evaluate.daily_service`, ``agents_summary`` from the roster result). Only
        ``roster`` is required; a sheet whose frame is None is left out.
    dates
        The grid's dates (the planning horizon); default: the roster's first to last date.
    agent_ids
        The grid's agents, in order; default: the agents summary's, else the roster's (sorted).
        Agents without a shift get an empty row.
    stamp
        The workbook's creation date (pass the as-of date for reproducible files).
    title
        The workbook's title property.

    Raises
    ------
    InvalidInputError
        Missing columns, unparseable times, a break outside its agent's shifts, a roster date
        outside ``dates`` or a rostered agent missing from ``agent_ids``.
    """
    shifts = roster_shifts(roster)
    pauses = breaks_in_shifts(breaks, shifts)
    days = _grid_dates(shifts, dates)
    agents = _grid_agents(shifts, agent_ids, agents_summary)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": title, "author": "wfm-planner", "created": stamp})
    fmt = _Formats(book)
    colours = _type_colours(shifts)

    _roster_sheet(book, fmt, shifts, days, agents, colours)
    if breaks is not None:
        _breaks_sheet(book, fmt, pauses)
    if coverage is not None:
        _coverage_sheet(book, fmt, coverage)
    if daily is not None:
        _table_sheet(book.add_worksheet("Daily service"), fmt, _with_dates(daily, "daily", ["date"]))
    if agents_summary is not None:
        require_columns(agents_summary, ["agent_id"], "agents summary")
        _table_sheet(book.add_worksheet("Agents"), fmt, agents_summary.reset_index(drop=True))
    _legend_sheet(book, fmt, shifts, colours)
    book.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------- inputs


def _grid_dates(shifts: pd.DataFrame, dates: Sequence[Any] | None) -> list[pd.Timestamp]:
    if dates is None:
        if shifts.empty:
            return []
        return list(pd.date_range(shifts["date"].min(), shifts["date"].max(), freq="D"))
    days = [pd.Timestamp(d).normalize() for d in dates]
    outside = sorted(set(shifts["date"]) - set(days))
    if outside:
        raise InvalidInputError(
            f"workbook: roster dates must lie within the grid's dates "
            f"{days[0].date() if days else '(none)'}..{days[-1].date() if days else ''}, "
            f"got {outside[0].date()}"
        )
    return days


def _grid_agents(
    shifts: pd.DataFrame, agent_ids: Sequence[Any] | None, agents_summary: pd.DataFrame | None
) -> list[str]:
    if agent_ids is None and agents_summary is not None and "agent_id" in agents_summary:
        agent_ids = list(agents_summary["agent_id"])
    if agent_ids is None:
        return sorted(set(shifts["agent_id"]))
    ids = list(dict.fromkeys(str(a) for a in agent_ids))
    missing = sorted(set(shifts["agent_id"]) - set(ids))
    if missing:
        raise InvalidInputError(
            f"workbook: rostered agent(s) {', '.join(missing[:5])} are missing from the agents list ({len(ids)} agents)"
        )
    return ids


def _with_dates(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.reset_index(drop=True)
    for column in columns:
        if column in out.columns:
            out[column] = to_timestamps(out[column], column, name)
    return out


def _type_colours(shifts: pd.DataFrame) -> dict[str, str]:
    """Shift type -> fill colour, types in order of their median start time of day."""
    if shifts.empty:
        return {}
    minutes = shifts["shift_start"].dt.hour * 60 + shifts["shift_start"].dt.minute
    order = minutes.groupby(shifts["shift_type"]).median().sort_values(kind="stable")
    types = sorted(order.index, key=lambda t: (order[t], t))
    return {t: SHIFT_TYPE_COLOURS[i % len(SHIFT_TYPE_COLOURS)] for i, t in enumerate(types)}


# --------------------------------------------------------------------------- sheets


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.header_day = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "num_format": _DAY_HEADER, "align": "center"}
        )
        self.date = book.add_format({"num_format": _DATE})
        self.datetime = book.add_format({"num_format": _DATETIME})
        self.share = book.add_format({"num_format": "0.0%"})
        self.number = book.add_format({"num_format": "#,##0.00"})
        self.integer = book.add_format({"num_format": "#,##0"})
        self._fills: dict[str, Any] = {}

    def fill(self, colour: str) -> Any:
        if colour not in self._fills:
            self._fills[colour] = self.book.add_format(
                {"bg_color": colour, "border": 1, "border_color": "#BFBFBF", "align": "center"}
            )
        return self._fills[colour]


def _roster_sheet(
    book: xlsxwriter.Workbook,
    fmt: _Formats,
    shifts: pd.DataFrame,
    days: list[pd.Timestamp],
    agents: list[str],
    colours: dict[str, str],
) -> None:
    ws = book.add_worksheet("Roster")
    ws.write_string(0, 0, "agent_id", fmt.header)
    for j, day in enumerate(days, start=1):
        ws.write_datetime(0, j, day.to_pydatetime(), fmt.header_day)
    total_col = len(days) + 1
    ws.write_string(0, total_col, "paid_hours", fmt.header)
    row_of = {a: i for i, a in enumerate(agents, start=1)}
    col_of = {d: j for j, d in enumerate(days, start=1)}
    for i, agent in enumerate(agents, start=1):
        ws.write_string(i, 0, agent)
    cells: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for s in shifts.itertuples(index=False):
        cells.setdefault((row_of[s.agent_id], col_of[s.date]), []).append((s.label, s.shift_type))
    label_width = 11
    for (i, j), entries in cells.items():
        text = "\n".join(label for label, _ in entries)
        label_width = max(label_width, max(len(label) for label, _ in entries))
        ws.write_string(i, j, text, fmt.fill(colours.get(entries[0][1], "#FFFFFF")))
    hours = shifts.groupby("agent_id")["paid_hours"].sum(min_count=1)
    for agent, i in row_of.items():
        value = hours.get(agent, 0.0 if not shifts["paid_hours"].isna().all() else np.nan)
        if pd.notna(value):
            ws.write_number(i, total_col, float(value), fmt.number)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, len(agents), total_col)
    ws.set_column(0, 0, _width([*agents, "agent_id"]) + 2)
    if days:
        ws.set_column(1, len(days), label_width + 2)
    ws.set_column(total_col, total_col, 12)


def _breaks_sheet(book: xlsxwriter.Workbook, fmt: _Formats, pauses: pd.DataFrame) -> None:
    frame = (
        pd.DataFrame(
            {
                "agent_id": pauses["agent_id"],
                "date": pauses["date"],
                "kind": pauses["kind"],
                "break_start": pauses["break_start"],
                "break_end": pauses["break_end"],
                "minutes": ((pauses["break_end"] - pauses["break_start"]).dt.total_seconds() / 60)
                .round()
                .astype("Int64")
                if len(pauses)
                else pd.Series(dtype="Int64"),
                "paid": pauses["paid"],
            }
        )
        .sort_values(["agent_id", "break_start"], kind="stable")
        .reset_index(drop=True)
    )
    _table_sheet(book.add_worksheet("Breaks"), fmt, frame)


def _coverage_sheet(book: xlsxwriter.Workbook, fmt: _Formats, coverage: pd.DataFrame) -> None:
    require_columns(coverage, ["interval_start", "queue", "required", "scheduled"], "coverage")
    frame = _with_dates(coverage, "coverage", ["interval_start"])
    frame = frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    ws = book.add_worksheet("Coverage")
    _table_sheet(ws, fmt, frame)
    columns = list(frame.columns)
    x, req, sch = (columns.index(c) for c in ("interval_start", "required", "scheduled"))
    chart_col = len(columns) + 1
    queues = list(dict.fromkeys(frame["queue"].astype(str)))
    for k, queue in enumerate(queues[:_CHART_QUEUES]):
        rows = np.flatnonzero(frame["queue"].astype(str).to_numpy() == queue)
        first, last = int(rows[0]) + 1, int(rows[-1]) + 1  # sorted by queue: one block of rows
        chart = book.add_chart({"type": "line"})
        for column, name, colour in ((req, "required", "#C00000"), (sch, "scheduled", "#2F5597")):
            chart.add_series(
                {
                    "name": name,
                    "categories": ["Coverage", first, x, last, x],
                    "values": ["Coverage", first, column, last, column],
                    "line": {"color": colour, "width": 1.25},
                }
            )
        chart.set_title({"name": f"Agents per interval: {queue}"})
        chart.set_x_axis({"date_axis": True, "num_format": "ddd dd mmm", "major_unit": 1, "major_unit_type": "days"})
        chart.set_y_axis({"name": "agents", "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 960, "height": 320})
        ws.insert_chart(1 + 17 * k, chart_col, chart)


def _legend_sheet(book: xlsxwriter.Workbook, fmt: _Formats, shifts: pd.DataFrame, colours: dict[str, str]) -> None:
    ws = book.add_worksheet("Shift types")
    headers = ["shift_type", "shifts", "example"]
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, fmt.header)
    counts = shifts["shift_type"].value_counts()
    for i, (kind, colour) in enumerate(colours.items(), start=1):
        ws.write_string(i, 0, kind or "(none)", fmt.fill(colour))
        ws.write_number(i, 1, int(counts.get(kind, 0)), fmt.integer)
        example = shifts.loc[shifts["shift_type"] == kind, "label"]
        ws.write_string(i, 2, str(example.mode().iloc[0]) if len(example) else "")
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(colours), 1), len(headers) - 1)
    ws.set_column(0, 0, _width([*colours, "shift_type"]) + 2)
    ws.set_column(1, 2, 18)


def _table_sheet(ws: Any, fmt: _Formats, frame: pd.DataFrame) -> None:
    """A frame as a table: header row, typed cells, frozen header, autofilter, fitted widths."""
    columns = [str(c) for c in frame.columns]
    for j, name in enumerate(columns):
        ws.write_string(0, j, name, fmt.header)
    for j, name in enumerate(columns):
        values = frame.iloc[:, j]
        writer, cell_format, width = _column_writer(ws, fmt, name, values)
        for i, value in enumerate(values.tolist(), start=1):
            if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                continue
            writer(i, j, value, cell_format)
        ws.set_column(j, j, max(width, len(name) + 2) + 1)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))


def _column_writer(ws: Any, fmt: _Formats, name: str, values: pd.Series) -> tuple[Any, Any, int]:
    """How to write one column: (writer, format, width in characters)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        ok = values.dropna()
        dates_only = (
            bool(len(ok))
            and bool((ok == ok.dt.normalize()).all())
            and name in {"date"} | {c for c in [name] if c.endswith("_date")}
        )
        return (
            lambda i, j, v, f: ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), f),
            fmt.date if dates_only else fmt.datetime,
            10 if dates_only else 16,
        )
    if pd.api.types.is_bool_dtype(values):
        return (lambda i, j, v, f: ws.write_boolean(i, j, bool(v), f), None, 6)
    if pd.api.types.is_integer_dtype(values):
        width = _width(values.dropna().astype(str).tolist())
        return (lambda i, j, v, f: ws.write_number(i, j, int(v), f), fmt.integer, width + 2)
    if pd.api.types.is_float_dtype(values):
        if name in _SHARE_COLUMNS:
            return (lambda i, j, v, f: ws.write_number(i, j, float(v), f), fmt.share, 8)
        finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]
        whole = bool(len(finite)) and bool((finite == finite.round()).all())
        width = _width([f"{v:,.2f}" for v in finite.tolist()[:5000]])
        return (
            lambda i, j, v, f: ws.write_number(i, j, float(v), f) if np.isfinite(v) else ws.write_string(i, j, str(v)),
            fmt.integer if whole and name not in {"paid_hours"} else fmt.number,
            width + 1,
        )
    # object columns: booleans (e.g. paid with gaps), else text
    kinds = {type(v) for v in values.dropna().tolist()}
    if kinds and kinds <= {bool, np.bool_}:
        return (lambda i, j, v, f: ws.write_boolean(i, j, bool(v), f), None, 6)
    if kinds and all(issubclass(k, dt.date) for k in kinds):
        return (lambda i, j, v, f: ws.write_datetime(i, j, pd.Timestamp(v).to_pydatetime(), f), fmt.date, 10)
    text = values.dropna().astype(str)
    return (lambda i, j, v, f: ws.write_string(i, j, str(v), f), None, _width(text.tolist()[:5000]))


def _width(texts: Sequence[str]) -> int:
    longest = max((max(len(line) for line in str(t).split("\n")) for t in texts), default=4)
    return int(min(max(longest, 4), _MAX_WIDTH))
