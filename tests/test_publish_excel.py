"""roster.xlsx read back with openpyxl (a different library from the writer) against the frames."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from publish_helpers import synthetic_frames
from wfm.exceptions import InvalidInputError
from wfm.publish.excel import roster_workbook

STAMP = dt.datetime(2026, 10, 24)


def expected_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """What a planner should read: end time on the clock, '+N' days when it ends on a later day."""
    if end == end.normalize() and end > start:  # ends at midnight: 24:00 of the start day
        return f"{start:%H:%M}-24:00"
    days = (end.date() - start.date()).days
    return f"{start:%H:%M}-{end:%H:%M}" + (f" (+{days})" if days else "")


@pytest.fixture(scope="module")
def book():
    frames = synthetic_frames()
    data = roster_workbook(**frames, stamp=STAMP, dates=pd.date_range("2026-10-24", periods=3))
    return frames, data, openpyxl.load_workbook(io.BytesIO(data))


def column_width(ws, index: int) -> float:
    """The width set for a column (openpyxl keeps ranges of columns under their first letter)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max and dim.customWidth:
            return dim.width
    return 0.0


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_roster_grid_cells_dates_and_colours(book):
    frames, _, wb = book
    assert wb.sheetnames == ["Roster", "Breaks", "Coverage", "Daily service", "Agents", "Shift types"]
    ws = wb["Roster"]
    header = [c.value for c in ws[1]]
    assert header[0] == "agent_id" and header[-1] == "paid_hours"
    assert header[1:-1] == [dt.datetime(2026, 10, 24), dt.datetime(2026, 10, 25), dt.datetime(2026, 10, 26)]
    assert all(ws.cell(1, j).is_date for j in range(2, 5))
    agents = [ws.cell(i, 1).value for i in range(2, ws.max_row + 1)]
    assert agents == ["A1", "A2", "B,3;x", "C9"]  # the agents summary's order; C9 has no shift
    roster = frames["roster"]
    seen, colour_of = set(), {}
    for r in roster.itertuples():
        i, j = agents.index(r.agent_id) + 2, header.index(r.date.to_pydatetime()) + 1
        cell = ws.cell(i, j)
        assert cell.value == expected_label(r.shift_start, r.shift_end)
        colour_of.setdefault(r.shift_type, set()).add(cell.fill.fgColor.rgb)
        seen.add((i, j))
    assert all(len(c) == 1 for c in colour_of.values()), "one colour per shift type"
    assert len({next(iter(c)) for c in colour_of.values()}) == len(colour_of), "types have distinct colours"
    empty = [(i, j) for i in range(2, ws.max_row + 1) for j in range(2, 5) if (i, j) not in seen]
    assert all(ws.cell(i, j).value is None for i, j in empty)
    # the overnight shift shows on its start date with its real end
    assert ws.cell(2, 3).value == "22:00-07:00 (+1)" and ws.cell(3, 2).value == "16:00-24:00"
    hours = roster.groupby("agent_id")["paid_hours"].sum()
    for i, agent in enumerate(agents, start=2):
        assert (ws.cell(i, 5).value or 0.0) == pytest.approx(hours.get(agent, 0.0))


def test_every_sheet_has_frozen_header_filter_and_fitting_widths(book):
    _, _, wb = book
    for ws in wb.worksheets:
        assert ws.freeze_panes in ("A2", "B2"), ws.title
        assert ws.auto_filter.ref, ws.title
        for column in ws.iter_cols(min_row=1, max_row=ws.max_row):
            letter = column[0].column_letter
            texts = [str(c.value) for c in column if isinstance(c.value, str)]
            if texts:
                longest = max(len(line) for t in texts for line in t.split("\n"))
                assert column_width(ws, column[0].column) >= min(longest, 60), (ws.title, letter)


def test_breaks_sheet_matches_the_breaks_frame_with_shift_dates(book):
    frames, _, wb = book
    got = sheet_frame(wb["Breaks"])
    want = frames["breaks"].sort_values(["agent_id", "break_start"]).reset_index(drop=True)
    assert list(got["agent_id"]) == list(want["agent_id"])
    assert list(got["break_start"]) == [t.to_pydatetime() for t in want["break_start"]]
    assert list(got["break_end"]) == [t.to_pydatetime() for t in want["break_end"]]
    assert list(got["paid"]) == list(want["paid"]) and list(got["kind"]) == list(want["kind"])
    assert list(got["minutes"]) == [15, 60, 60, 15]
    # the night meal at 02:00 on the 26th belongs to the shift of the 25th
    assert got.loc[got["break_start"] == dt.datetime(2026, 10, 26, 2), "date"].item() == dt.datetime(2026, 10, 25)


def test_coverage_daily_and_agents_sheets_equal_the_frames(book):
    frames, data, wb = book
    cov = sheet_frame(wb["Coverage"])
    want = frames["coverage"].sort_values(["queue", "interval_start"]).reset_index(drop=True)
    assert list(cov["interval_start"]) == [t.to_pydatetime() for t in want["interval_start"]]
    for c in ("queue", "required", "scheduled", "under", "over"):
        assert list(cov[c]) == list(want[c])
    daily = sheet_frame(wb["Daily service"])
    assert list(daily["date"]) == [t.to_pydatetime() for t in frames["daily"]["date"]]
    assert wb["Daily service"]["D2"].number_format.endswith("%")
    assert daily["calls"].tolist() == pytest.approx(frames["daily"]["calls"].tolist())
    agents = sheet_frame(wb["Agents"])
    assert agents["agent_id"].tolist() == frames["agents_summary"]["agent_id"].tolist()
    assert agents["night_shifts"].tolist() == frames["agents_summary"]["night_shifts"].tolist()
    assert agents["granted_share"].isna().tolist() == frames["agents_summary"]["granted_share"].isna().tolist()
    # one line chart per queue, over the coverage sheet's own cells
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        xml = z.read(charts[0]).decode()
    assert "<c:lineChart>" in xml and "Coverage!$A$2:$A$73" in xml and "Coverage!$C$2:$C$73" in xml


def test_same_frames_give_the_same_bytes_in_any_row_order(book):
    frames, data, _ = book
    shuffled = dict(
        frames,
        roster=frames["roster"].sample(frac=1, random_state=3),
        breaks=frames["breaks"].sample(frac=1, random_state=4),
    )
    again = roster_workbook(**shuffled, stamp=STAMP, dates=pd.date_range("2026-10-24", periods=3))
    assert again == data
    assert (
        roster_workbook(**frames, stamp=STAMP + dt.timedelta(days=1), dates=pd.date_range("2026-10-24", periods=3))
        != data
    )


def test_bad_frames_are_refused_with_a_reason():
    frames = synthetic_frames()
    outside = frames["breaks"].copy()
    outside.loc[0, "break_start"] = pd.Timestamp("2026-10-24 18:00")
    outside.loc[0, "break_end"] = pd.Timestamp("2026-10-24 18:30")
    with pytest.raises(InvalidInputError, match="inside a shift"):
        roster_workbook(roster=frames["roster"], breaks=outside)
    with pytest.raises(InvalidInputError, match="shift_end"):
        roster_workbook(roster=frames["roster"].drop(columns=["shift_end"]))
    backwards = frames["roster"].copy()
    backwards.loc[0, "shift_end"] = backwards.loc[0, "shift_start"]
    with pytest.raises(InvalidInputError, match="end after"):
        roster_workbook(roster=backwards)
    with pytest.raises(InvalidInputError, match="within the grid"):
        roster_workbook(roster=frames["roster"], dates=pd.date_range("2026-10-24", periods=2))
    with pytest.raises(InvalidInputError, match="missing from the agents"):
        roster_workbook(roster=frames["roster"], agent_ids=["A1"])


def test_roster_read_from_csv_text_works_too(tmp_path):
    frames = synthetic_frames()
    path = tmp_path / "roster.csv"
    frames["roster"].to_csv(path, index=False)
    wb = openpyxl.load_workbook(io.BytesIO(roster_workbook(roster=pd.read_csv(path))))
    assert wb["Roster"]["B2"].value == "08:00-17:00"
    assert wb.sheetnames == ["Roster", "Shift types"]
