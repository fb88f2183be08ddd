"""The HTML planning report: one self-contained file that shows planners their plan.

:func:`render_report` turns the frames of one planning run (history, forecast,
requirements, coverage, roster, breaks) and its summary figures into a single HTML string;
:func:`write_report` writes it atomically. The page needs no network and no JavaScript:
charts are matplotlib PNGs embedded as base64 ``data:`` URIs and the styling is inline CSS.
The same inputs give byte-identical output (no clock in the page, PNG metadata stripped),
so a rerun of the same as-of date reproduces the report.

Sections
--------
1. key figures (computed from the frames, then every entry of ``summary``);
2. forecast against recent history, one panel per queue;
3. requirement against scheduled coverage per interval, pooled over queues;
4. a weekday x time-of-day heat map of under/over-staffing;
5. a Gantt of a sample of agents' shifts and breaks;
6. a table per day: calls, planned service level, occupancy, paid hours, shortfalls.

Examples
--------
>>> html = render_report(history=history, forecast=forecast, requirements=requirements,
...                      coverage=coverage, roster=roster, breaks=breaks,
...                      summary={"agents": 1400})  # doctest: +SKIP
>>> write_report("out/report.html", history=history, ...)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io as _bytes_io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from .evaluate import paid_hours_by_day
from .exceptions import InvalidInputError
from .frames import require_columns, to_numeric, to_timestamps
from .io import write_text
from .roster.surplus import DAYPARTS
from .simulate import SERVICE_COLUMNS
from . import report_figures as figures

__all__ = ["render_report", "write_report", "SECTION_IDS"]

#: ids of the report's sections, in page order (tests and links rely on them)
SECTION_IDS: tuple[str, ...] = (
    "summary",
    "service",
    "short",
    "surplus",
    "seats",
    "fairness",
    "explain",
    "forecast",
    "coverage",
    "heatmap",
    "gantt",
    "daily",
    "technical",
)

_HEADINGS = {
    "summary": "What needs you",
    "service": "Service per queue and day: target, plan, simulation",
    "short": "Periods short, and why",
    "surplus": "Where the surplus and short hours sit",
    "seats": "Seats and wishes",
    "explain": "Reading this plan",
    "technical": "Technical summary",
    "forecast": "Forecast against recent history",
    "coverage": "Requirement against scheduled coverage",
    "heatmap": "Under- and over-staffing by weekday and time of day",
    "gantt": "Shifts and breaks of a sample of agents",
    "daily": "Daily figures",
    "fairness": "Fairness",
}
_NAV = {
    "summary": "needs you",
    "short": "short periods",
    "surplus": "surplus hours",
    "explain": "reading the plan",
    "heatmap": "heat map",
    "gantt": "shifts",
    "technical": "technical",
}
# Columns each input must have (only those the report uses; see the frame contracts).
_SERIES_COLUMNS = ["queue", "interval_start", "calls"]
_COVERAGE_COLUMNS = ["interval_start", "queue", "required", "scheduled", "under", "over"]
_ROSTER_COLUMNS = ["agent_id", "date", "shift_start", "shift_end"]
_BREAK_COLUMNS = ["agent_id", "break_start", "break_end", "kind"]
_OPTIONAL_REQUIREMENT_COLUMNS = ("erlangs", "agents", "agents_scheduled", "service_level", "occupancy")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DPI = 96
_COLOR_REQUIRED = "#1f3b73"
_COLOR_SCHEDULED = "#2a9d8f"
_COLOR_UNDER = "#d62828"
_COLOR_OVER = "#90be6d"
_BREAK_COLORS = ("#f4a261", "#e76f51", "#8d99ae", "#ffb703")


# ------------------------------------------------------------------------- public API


def render_report(
    *,
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    coverage: pd.DataFrame,
    roster: pd.DataFrame,
    breaks: pd.DataFrame,
    summary: Mapping[str, Any],
    title: str = "wfm planning report",
    history_days: int = 28,
    gantt_agents: int = 40,
    service: pd.DataFrame | None = None,
    fairness: pd.DataFrame | None = None,
    agent_summary: pd.DataFrame | None = None,
    simulated: pd.DataFrame | None = None,
    correction: pd.DataFrame | None = None,
    diagnosis: pd.DataFrame | None = None,
    agent_history: pd.DataFrame | None = None,
    targets: Any = None,
    attention: Mapping[str, Any] | None = None,
    timings_file: str | None = None,
    queue_coverage: pd.DataFrame | None = None,
) -> str:
    """Render the planning report as one self-contained HTML string.

    Parameters
    ----------
    history
        Actuals: ``queue, interval_start, calls``; only the last ``history_days`` days
        before the forecast starts are drawn.
    forecast
        ``queue, interval_start, calls`` and optionally ``calls_lo_<p>, calls_hi_<p>``
        (the widest band found is shaded) and ``model`` (named in the panel title).
    requirements
        ``queue, interval_start, calls`` plus any of ``erlangs, agents, agents_scheduled,
        service_level, occupancy`` (absent ones leave their table column blank).
    coverage
        ``interval_start, queue, required, scheduled, under, over`` (agents per interval);
        queues are summed per interval.
    roster
        ``agent_id, date, shift_start, shift_end``.
    breaks
        ``agent_id, break_start, break_end, kind``; may be empty.
    summary
        Key figures of the run (a possibly nested dict); shown as a table.
    title
        Page title and heading.
    history_days
        Days of history drawn before the forecast (positive).
    service
        Optional daily figures at the *rostered* staffing, from
        :func:`wfm.evaluate.daily_service` (``date, queue, service_level, occupancy,
        paid_hours, ...``; its ``queue == "ALL"`` rows are used). Given, the daily table
        shows the service level and occupancy the roster delivers and the paid hours net of
        unpaid breaks, instead of the values expected at the required staffing.
    gantt_agents
        Number of agents in the Gantt sample (positive); picked evenly over the sorted ids
        so the sample is deterministic.
    fairness, agent_summary
        Optional :attr:`wfm.roster.RosterResult.fairness` (the distribution of weekend days,
        nights, late shifts and short weeks per contract) and ``agent_summary`` (wishes asked
        and granted per agent); shown in the "fairness" section when given.
    simulated
        Optional ``service.csv`` (:func:`wfm.simulate.compare_to_plan`: per queue and day
        ``metric, target, planned, simulated, simulated_lo, simulated_hi, misses``): the
        "service" section. Without it the section shows ``service``'s per-queue rows.
    correction
        Optional ``correction.csv`` (:attr:`wfm.correct.CorrectionResult.rounds`), shown with
        ``summary["correction"]["findings"]``.
    diagnosis
        Optional ``diagnosis.csv`` (the diagnosed short periods), shown with
        ``summary["diagnosis"]["findings"]``.
    agent_history
        Optional ``agent_history.csv`` (``agent_id, prev_shift_end, ...``): the previous
        roster's shifts still running at the start explain the first hours' coverage.
    targets
        Optional :class:`wfm.staffing.Targets` / ``TargetSet`` the plan was sized with (the
        shrinkage per queue).
    attention
        Optional ``{"attention_short_share": .., "attention_total_short_share": ..}``: the
        run's thresholds for exit code 1, explained in the page.
    queue_coverage
        Optional per-queue coverage (``queue_coverage.csv``: the roster's heads shared among
        the queues by skill, ``queue, interval_start, required, scheduled, under``) for the
        per-queue panels of the coverage section; without it the panels are ``coverage``'s
        own queues (none when it is pooled).

    Every card of the "summary" section is read from ``summary`` (``summary.json``), with
    ``data-key``/``data-value`` attributes naming the key and its raw value.

    Returns
    -------
    str
        The HTML document. It references nothing outside itself.

    Raises
    ------
    InvalidInputError
        If a frame lacks a required column or holds unparsable values, or a parameter is
        out of range.

    Examples
    --------
    >>> html = render_report(history=h, forecast=f, requirements=r, coverage=c,
    ...                      roster=ro, breaks=b, summary={"agents": 1400})  # doctest: +SKIP
    >>> html.startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
    """
    if not isinstance(history_days, int) or history_days < 1:
        raise InvalidInputError(f"history_days must be a positive integer, got {history_days!r}")
    if not isinstance(gantt_agents, int) or gantt_agents < 1:
        raise InvalidInputError(f"gantt_agents must be a positive integer, got {gantt_agents!r}")
    if not isinstance(summary, Mapping):
        raise InvalidInputError(f"summary must be a dict, got {type(summary).__name__}")

    history = _clean(history, "history", _SERIES_COLUMNS, ["interval_start"], ["calls"])
    forecast = _clean(forecast, "forecast", _SERIES_COLUMNS, ["interval_start"], ["calls"])
    requirements = _clean(requirements, "requirements", _SERIES_COLUMNS, ["interval_start"], ["calls"])
    coverage = _clean(coverage, "coverage", _COVERAGE_COLUMNS, ["interval_start"], _COVERAGE_COLUMNS[2:])
    roster = _clean(roster, "roster", _ROSTER_COLUMNS, ["date", "shift_start", "shift_end"], [])
    breaks = _clean(breaks, "breaks", _BREAK_COLUMNS, ["break_start", "break_end"], [])
    _check_order(roster, "roster", "shift_start", "shift_end")
    _check_order(breaks, "breaks", "break_start", "break_end")
    for column in _OPTIONAL_REQUIREMENT_COLUMNS:
        if column in requirements.columns:
            requirements[column] = to_numeric(
                requirements[column], column, "requirements", minimum=None, allow_nan=True
            )

    interval = _interval(coverage, requirements, forecast)
    if queue_coverage is not None and not isinstance(queue_coverage, pd.DataFrame):
        raise InvalidInputError(f"queue_coverage must be a DataFrame or None, got {type(queue_coverage).__name__}")
    by_queue = (
        _clean(queue_coverage, "queue_coverage", _COVERAGE_COLUMNS[:5], ["interval_start"], _COVERAGE_COLUMNS[2:5])
        if queue_coverage is not None and not queue_coverage.empty
        else coverage
    )
    pooled = _pooled_coverage(coverage)
    daily = _daily_table(requirements, pooled, roster, breaks, interval)
    rostered = service is not None and not service.empty
    if rostered:
        daily = _with_rostered_service(daily, service)

    for name, frame in (
        ("simulated", simulated),
        ("correction", correction),
        ("diagnosis", diagnosis),
        ("agent_history", agent_history),
    ):
        if frame is not None and not isinstance(frame, pd.DataFrame):
            raise InvalidInputError(f"{name} must be a DataFrame or None, got {type(frame).__name__}")
    if simulated is not None and not simulated.empty:
        require_columns(simulated, [c for c in SERVICE_COLUMNS if c != "calls"], "simulated")
    if correction is not None and not correction.empty:
        require_columns(
            correction,
            [
                "round",
                "queue",
                "metric",
                "target",
                "simulated",
                "simulated_lo",
                "simulated_hi",
                "days_missing",
                "added_agent_intervals",
                "status",
            ],
            "correction",
        )
    bodies = {
        "summary": (
            figures.cards_html(figures.summary_cards(summary))
            + "\n"
            + _attention_html(summary)
            + figures.warnings_html(summary)
        ),
        "service": figures.service_html(simulated, service),
        "short": figures.short_html(pooled, interval, summary, diagnosis),
        "surplus": figures.surplus_html(pooled, interval, summary, DAYPARTS),
        "seats": figures.seats_html(summary),
        "explain": figures.explain_html(
            summary=summary,
            pooled=pooled,
            requirements=requirements,
            interval=interval,
            agent_history=agent_history,
            targets=targets,
            attention=attention,
            correction=correction,
        ),
        "technical": figures.technical_html(summary, timings_file=timings_file),
        "forecast": _forecast_html(history, forecast, history_days),
        "coverage": _coverage_html(pooled) + _queue_coverage_html(by_queue, shared=by_queue is not coverage),
        "heatmap": _heatmap_html(pooled, interval),
        "gantt": _gantt_html(roster, breaks, gantt_agents),
        "daily": _daily_html(daily, rostered=rostered),
        "fairness": _fairness_html(fairness, agent_summary),
    }
    ids = list(SECTION_IDS)
    sections = [_section(sid, _HEADINGS[sid], bodies[sid]) for sid in ids]
    nav = " · ".join(f'<a href="#{sid}">{html.escape(_NAV.get(sid, sid))}</a>' for sid in ids)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1><nav>{nav}</nav></header>\n<main>\n"
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )


def write_report(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Render the report (same keyword arguments as :func:`render_report`) and write it atomically.

    Examples
    --------
    >>> write_report("out/report.html", history=h, forecast=f, requirements=r,
    ...              coverage=c, roster=ro, breaks=b, summary={})  # doctest: +SKIP
    """
    return write_text(render_report(**kwargs), path)


# ------------------------------------------------------------------------- frame layer


def _clean(
    df: pd.DataFrame,
    frame: str,
    required: Sequence[str],
    time_columns: Sequence[str],
    number_columns: Sequence[str],
) -> pd.DataFrame:
    """Check columns, parse times and numbers; return a private copy."""
    require_columns(df, required, frame)
    out = df.copy()
    if out.empty:
        for column in time_columns:
            out[column] = pd.to_datetime(out[column])
        return out
    for column in time_columns:
        out[column] = _naive_local(to_timestamps(out[column], column, frame))
    for column in number_columns:
        out[column] = to_numeric(out[column], column, frame, minimum=None)
    if "queue" in out.columns:
        out["queue"] = out["queue"].astype(str)
    return out


def _check_order(df: pd.DataFrame, frame: str, start: str, end: str) -> None:
    """Raise if any period ends before or when it starts."""
    if df.empty:
        return
    bad = (df[end] <= df[start]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"{frame} row {i}: {end} must be after {start}, got {df[start].iloc[i]} to {df[end].iloc[i]}"
        )


def _naive_local(values: pd.Series) -> pd.Series:
    """Drop a timezone after converting nothing: times stay the site's wall clock."""
    if getattr(values.dt, "tz", None) is not None:
        return values.dt.tz_localize(None)
    return values


def _interval(*frames: pd.DataFrame) -> pd.Timedelta:
    """The planning interval: the smallest positive spacing of interval_start in any frame."""
    for frame in frames:
        if frame.empty:
            continue
        times = np.sort(frame["interval_start"].drop_duplicates().to_numpy())
        steps = np.diff(times)
        steps = steps[steps > np.timedelta64(0, "ns")]
        if steps.size:
            return pd.Timedelta(steps.min())
    return pd.Timedelta(minutes=15)


def _pooled_coverage(coverage: pd.DataFrame) -> pd.DataFrame:
    """Coverage summed over queues per interval, sorted by time."""
    columns = ["required", "scheduled", "under", "over"]
    if coverage.empty:
        return pd.DataFrame({"interval_start": pd.to_datetime([]), **{c: [] for c in columns}})
    return coverage.groupby("interval_start", as_index=False)[columns].sum().sort_values("interval_start")


def _daily_table(
    requirements: pd.DataFrame,
    pooled: pd.DataFrame,
    roster: pd.DataFrame,
    breaks: pd.DataFrame,
    interval: pd.Timedelta,
) -> pd.DataFrame:
    """One row per day of the plan: calls, SL, occupancy, hours, shortfalls."""
    hours_per_interval = interval.total_seconds() / 3600.0
    parts: list[pd.DataFrame] = []
    if not requirements.empty:
        req = requirements.assign(day=requirements["interval_start"].dt.normalize())
        grouped = req.groupby("day")
        part = grouped["calls"].sum().rename("calls").to_frame()
        if "service_level" in req.columns:
            # calls-weighted: a quiet night interval must not count like the morning peak
            weighted = (req["service_level"] * req["calls"]).groupby(req["day"]).sum()
            part["service_level"] = weighted / part["calls"].where(part["calls"] > 0)
        if "erlangs" in req.columns and "agents" in req.columns:
            agents = grouped["agents"].sum()
            part["occupancy"] = grouped["erlangs"].sum() / agents.where(agents > 0)
        elif "occupancy" in req.columns:
            weighted = (req["occupancy"] * req["calls"]).groupby(req["day"]).sum()
            part["occupancy"] = weighted / part["calls"].where(part["calls"] > 0)
        if "agents" in req.columns:
            part["required_hours"] = grouped["agents"].sum() * hours_per_interval
        if "agents_scheduled" in req.columns:
            # gross: after shrinkage, the paid time the requirement implies
            part["gross_hours"] = grouped["agents_scheduled"].sum() * hours_per_interval
        parts.append(part)
    if not roster.empty:
        ros = roster.assign(day=pd.to_datetime(roster["date"]).dt.normalize())
        part = pd.DataFrame(
            {
                "agents_rostered": ros.groupby("day")["agent_id"].nunique(),
                "paid_hours": paid_hours_by_day(roster, breaks),
            }
        )
        if not breaks.empty:
            brk = _breaks_by_shift_day(breaks, ros)
            brk_hours = (brk["break_end"] - brk["break_start"]).dt.total_seconds() / 3600.0
            part = part.join(brk_hours.groupby(brk["day"]).sum().rename("break_hours"), how="left")
        parts.append(part)
    if not pooled.empty:
        cov = pooled.assign(day=pooled["interval_start"].dt.normalize())
        grouped = cov.groupby("day")
        parts.append(
            pd.DataFrame(
                {
                    "under_hours": grouped["under"].sum() * hours_per_interval,
                    "short_intervals": grouped["under"].apply(lambda s: int((s > 1e-9).sum())),
                    "over_hours": grouped["over"].sum() * hours_per_interval,
                }
            )
        )
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, axis=1).sort_index()
    table.index.name = "day"
    return table


def _breaks_by_shift_day(breaks: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Breaks with the ``day`` of the shift that contains them (a break after midnight in an
    overnight shift belongs to the shift's day); breaks outside every shift are dropped."""
    left = breaks.assign(agent_id=breaks["agent_id"].astype(str)).sort_values("break_start")
    right = roster.assign(agent_id=roster["agent_id"].astype(str))[
        ["agent_id", "shift_start", "shift_end", "day"]
    ].sort_values("shift_start")
    matched = pd.merge_asof(left, right, left_on="break_start", right_on="shift_start", by="agent_id")
    inside = matched["shift_start"].notna() & (matched["break_start"] < matched["shift_end"])
    return matched.loc[inside]


# ------------------------------------------------------------------------- sections


def _section(section_id: str, heading: str, body: str) -> str:
    return f'<section id="{section_id}">\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>'


def _empty(message: str) -> str:
    return f'<p class="empty">{html.escape(message)}</p>'


def _attention_html(summary: Mapping[str, Any]) -> str:
    """Whether the plan needs a planner and the rule with its thresholds (wfm.attention); the warnings follow."""
    rule = summary.get("attention")
    if not isinstance(rule, Mapping) or "rule" not in rule:
        return ""
    found = [str(w) for w in (summary.get("warnings") or [])]
    verdict = f"Needs a planner: {len(found)} warning(s)." if found else "Clean: nothing needs a planner."
    return f'<p class="attention"><strong>{html.escape(verdict)}</strong> Rule: {html.escape(str(rule["rule"]))}.</p>\n'


def _forecast_html(history: pd.DataFrame, forecast: pd.DataFrame, history_days: int, max_queues: int = 12) -> str:
    if forecast.empty and history.empty:
        return _empty("No forecast and no history to show.")
    start = forecast["interval_start"].min() if not forecast.empty else history["interval_start"].max()
    recent = history[
        (history["interval_start"] >= start - pd.Timedelta(days=history_days)) & (history["interval_start"] < start)
    ]
    queues = sorted(set(forecast["queue"]) | set(recent["queue"]))
    hidden = 0
    if len(queues) > max_queues:
        # Dozens of panels are unreadable: show the busiest queues and say how many are left out.
        volume = pd.concat([forecast, recent]).groupby("queue")["calls"].sum().sort_values(ascending=False)
        keep = set(volume.index[:max_queues])
        hidden = len(queues) - len(keep)
        queues = [q for q in queues if q in keep]
    band = _widest_band(forecast)
    n = len(queues)
    fig = _new_figure(figsize=(11, 1.9 * n + 0.6), dpi=_DPI)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, queue in zip(axes, queues):
        hist_q = recent[recent["queue"] == queue].sort_values("interval_start")
        fc_q = forecast[forecast["queue"] == queue].sort_values("interval_start")
        # Hourly sums keep a month of 15-minute data readable at page width.
        if not hist_q.empty:
            hourly = hist_q.set_index("interval_start")["calls"].resample("1h").sum()
            ax.plot(hourly.index, hourly.to_numpy(), color="#6c757d", lw=0.7, label="history")
        if not fc_q.empty:
            hourly = fc_q.set_index("interval_start")
            ax.plot(
                hourly["calls"].resample("1h").sum().index,
                hourly["calls"].resample("1h").sum().to_numpy(),
                color=_COLOR_REQUIRED,
                lw=0.9,
                label="forecast",
            )
            if band is not None:
                lo = hourly[band[0]].resample("1h").sum()
                hi = hourly[band[1]].resample("1h").sum()
                ax.fill_between(
                    lo.index,
                    lo.to_numpy(),
                    hi.to_numpy(),
                    color=_COLOR_REQUIRED,
                    alpha=0.18,
                    lw=0,
                    label=f"{band[2]} % interval",
                )
        model = ""
        if "model" in fc_q.columns and not fc_q.empty:
            names = sorted(map(str, fc_q["model"].dropna().unique()))
            model = f"  (model: {', '.join(names[:3])}{'…' if len(names) > 3 else ''})"
        ax.set_title(f"{queue}{model}", loc="left", fontsize=9)
        _concise_dates(ax)
        ax.set_ylabel("calls / hour", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if not forecast.empty:
            ax.axvline(start, color="black", lw=0.6, ls="--")
    axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, ncol=3, frameon=False)
    fig.tight_layout()
    note = (
        f"<p>Calls per hour: the last {history_days} days of history (grey) and the forecast (blue, "
        "with its widest prediction interval shaded where the forecast has one). "
        "The dashed line marks the start of the forecast.</p>"
    )
    if hidden:
        note += f"<p>Showing the {len(queues)} busiest queues; {hidden} smaller queues are left out.</p>"
    return note + _figure_html(fig, "forecast against history per queue")


def _coverage_html(pooled: pd.DataFrame) -> str:
    if pooled.empty:
        return _empty("No coverage to show.")
    t = pooled["interval_start"].to_numpy()
    required = pooled["required"].to_numpy(dtype=float)
    scheduled = pooled["scheduled"].to_numpy(dtype=float)
    fig = _new_figure(figsize=(11, 3.6), dpi=_DPI)
    ax = fig.subplots()
    ax.step(t, required, where="post", color=_COLOR_REQUIRED, lw=0.9, label="required")
    ax.step(t, scheduled, where="post", color=_COLOR_SCHEDULED, lw=0.9, label="scheduled")
    ax.fill_between(
        t,
        required,
        scheduled,
        where=scheduled < required,
        step="post",
        color=_COLOR_UNDER,
        alpha=0.45,
        lw=0,
        label="under",
    )
    ax.fill_between(
        t,
        required,
        scheduled,
        where=scheduled >= required,
        step="post",
        color=_COLOR_OVER,
        alpha=0.35,
        lw=0,
        label="over",
    )
    ax.set_ylabel("agents on the phones", fontsize=8)
    _concise_dates(ax)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7, ncol=4, frameon=False)
    ax.margins(x=0)
    fig.tight_layout()
    return (
        "<p>Agents required and scheduled per interval, summed over queues. Red: under-staffed; "
        "green: over-staffed.</p>" + _figure_html(fig, "required against scheduled agents per interval")
    )


def _queue_coverage_html(coverage: pd.DataFrame, max_queues: int = 12, *, shared: bool = False) -> str:
    """Small multiples of required against scheduled agents, one panel per queue.

    ``shared``: the frame is the per-queue coverage of a pooled roster (heads shared by skill).
    """
    queues = sorted(coverage["queue"].unique()) if not coverage.empty else []
    if len(queues) < 2:
        return ""  # one queue: the pooled chart above is that queue
    hidden = 0
    if len(queues) > max_queues:
        shortfall = coverage["under"] + (coverage["overdue"] if "overdue" in coverage.columns else 0.0)
        short = shortfall.groupby(coverage["queue"]).sum().sort_values(ascending=False)
        keep = set(short.index[:max_queues])
        hidden = len(queues) - len(keep)
        queues = [q for q in queues if q in keep]
    columns = 2
    rows = math.ceil(len(queues) / columns)
    fig = _new_figure(figsize=(11, 1.8 * rows + 0.4), dpi=_DPI)
    axes = fig.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    overdue_notes: list[str] = []
    for ax, queue in zip(axes, queues):
        part = coverage[coverage["queue"] == queue].sort_values("interval_start")
        t = part["interval_start"].to_numpy()
        required = part["required"].to_numpy(dtype=float)
        scheduled = part["scheduled"].to_numpy(dtype=float)
        ax.step(t, required, where="post", color=_COLOR_REQUIRED, lw=0.7)
        ax.step(t, scheduled, where="post", color=_COLOR_SCHEDULED, lw=0.7)
        ax.fill_between(
            t, required, scheduled, where=scheduled < required, step="post", color=_COLOR_UNDER, alpha=0.45, lw=0
        )
        step_h = _interval(part).total_seconds() / 3600.0
        late = _overdue_text(part, step_h)
        if late is not None:
            ax.set_title(f"{queue}: {late}", loc="left", fontsize=8)
            overdue_notes.append(f"{html.escape(str(queue))}: {late}")
        else:
            hours = float(part["under"].sum()) * step_h
            ax.set_title(f"{queue}: {hours:,.1f} understaffed agent-hours", loc="left", fontsize=8)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3)
        ax.margins(x=0)
        _concise_dates(ax)
    for ax in axes[len(queues) :]:
        ax.set_visible(False)
    fig.tight_layout()
    note = "<p>The same per queue (blue required, green scheduled, red short).</p>"
    if shared:
        note = (
            "<p>The same per queue (blue required, green scheduled, red short): each interval's heads on shift "
            "shared among the queues they are skilled for (queue_coverage.csv), so a queue can be short while "
            "the pooled line above is covered.</p>"
        )
    if overdue_notes:
        note += (
            "<p>Deferrable work (queue_coverage.csv <code>overdue</code>: work past its deadline at the end of "
            "each interval): " + "; ".join(overdue_notes) + ".</p>"
        )
    if hidden:
        note += f"<p>Showing the {len(queues)} queues with the largest shortfall; {hidden} more are left out.</p>"
    return note + _figure_html(fig, "required against scheduled agents per queue")


def _overdue_text(part: pd.DataFrame, step_h: float) -> str | None:
    """A deferrable queue's lateness in words, or None when none of its work is overdue.

    ``overdue`` is agent-intervals of work past its deadline at each interval's end; its sum
    counts late work once per interval it stays late, so the text gives the peak (in
    agent-hours) and how long some work is overdue, never the sum.
    """
    if "overdue" not in part.columns or not float(part["overdue"].max()) > 1e-9:
        return None
    peak = float(part["overdue"].max()) * step_h
    hours = float((part["overdue"] > 1e-9).sum()) * step_h
    return f"up to {peak:,.1f} agent-hours of work overdue, some work overdue during {hours:,.1f} h"


def _heatmap_html(pooled: pd.DataFrame, interval: pd.Timedelta) -> str:
    if pooled.empty:
        return _empty("No coverage to show.")
    minutes = max(int(interval.total_seconds() // 60), 1)
    slots_per_day = max(24 * 60 // minutes, 1)
    times = pooled["interval_start"]
    slot = ((times.dt.hour * 60 + times.dt.minute) // minutes).to_numpy()
    weekday = times.dt.day_of_week.to_numpy()
    gap = (pooled["scheduled"] - pooled["required"]).to_numpy(dtype=float)
    total = np.zeros((7, slots_per_day))
    count = np.zeros((7, slots_per_day))
    np.add.at(total, (weekday, slot), gap)
    np.add.at(count, (weekday, slot), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(count > 0, total / np.maximum(count, 1.0), np.nan)
    bound = float(np.nanmax(np.abs(mean_gap))) if np.isfinite(mean_gap).any() else 1.0
    bound = max(bound, 1.0)
    fig = _new_figure(figsize=(11, 3.2), dpi=_DPI)
    ax = fig.subplots()
    image = ax.imshow(
        np.ma.masked_invalid(mean_gap),
        aspect="auto",
        cmap="RdBu",
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound),
        interpolation="nearest",
        extent=(0, 24, 6.5, -0.5),
    )
    ax.set_yticks(range(7), _WEEKDAYS, fontsize=8)
    ax.set_xticks(range(0, 25, 2), [f"{h:02d}:00" for h in range(0, 25, 2)], fontsize=7)
    ax.set_xlabel("time of day", fontsize=8)
    colorbar = fig.colorbar(image, ax=ax, pad=0.01)
    colorbar.set_label("scheduled − required (agents)", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    fig.tight_layout()
    return (
        "<p>Mean of scheduled minus required agents for each weekday and time of day over the plan: "
        "red cells are under-staffed, blue cells over-staffed, blank cells have no data.</p>"
        + _figure_html(fig, "weekday by time-of-day heat map of staffing gaps")
    )


def _gantt_html(roster: pd.DataFrame, breaks: pd.DataFrame, gantt_agents: int) -> str:
    if roster.empty:
        return _empty("The roster is empty.")
    agent_ids = sorted(roster["agent_id"].astype(str).unique())
    if len(agent_ids) > gantt_agents:
        picks = np.linspace(0, len(agent_ids) - 1, gantt_agents).round().astype(int)
        agent_ids = [agent_ids[i] for i in np.unique(picks)]
    row_of = {agent: i for i, agent in enumerate(agent_ids)}
    origin = roster["shift_start"].min().normalize()
    # One week at most: longer horizons make the bars too thin to read.
    window_end = origin + pd.Timedelta(days=7)
    shifts = roster[roster["agent_id"].astype(str).isin(row_of) & (roster["shift_start"] < window_end)]
    shifts = shifts.assign(shift_end=shifts["shift_end"].clip(upper=window_end + pd.Timedelta(days=1)))
    brks = breaks[breaks["agent_id"].astype(str).isin(row_of)] if not breaks.empty else breaks
    n = len(agent_ids)
    fig = _new_figure(figsize=(11, 0.22 * n + 1.3), dpi=_DPI)
    ax = fig.subplots()

    def days(values: pd.Series) -> np.ndarray:
        return (values - origin).dt.total_seconds().to_numpy() / 86400.0

    rows = shifts["agent_id"].astype(str).map(row_of).to_numpy()
    starts = days(shifts["shift_start"])
    ax.barh(
        rows,
        days(shifts["shift_end"]) - starts,
        left=starts,
        height=0.62,
        color=_COLOR_SCHEDULED,
        edgecolor="none",
        label="shift",
    )
    if not brks.empty:
        kinds = sorted(map(str, brks["kind"].unique()))
        for k, kind in enumerate(kinds):
            part = brks[brks["kind"].astype(str) == kind]
            b_start = days(part["break_start"])
            ax.barh(
                part["agent_id"].astype(str).map(row_of).to_numpy(),
                days(part["break_end"]) - b_start,
                left=b_start,
                height=0.62,
                color=_BREAK_COLORS[k % len(_BREAK_COLORS)],
                edgecolor="none",
                label=f"break: {kind}",
            )
    horizon = max(int(math.ceil(float(days(shifts["shift_end"]).max()))), 1)
    ax.set_xlim(0, horizon)
    ax.set_xticks(range(horizon + 1))
    ax.set_xticklabels([f"{(origin + pd.Timedelta(days=d)):%a %d %b}" for d in range(horizon + 1)], fontsize=7)
    ax.set_xticks(np.arange(0, horizon, 0.25), minor=True)
    ax.grid(axis="x", which="major", alpha=0.5)
    ax.grid(axis="x", which="minor", alpha=0.12)
    ax.set_yticks(range(n), agent_ids, fontsize=6)
    ax.set_ylim(n - 0.5, -0.5)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7, ncol=6, frameon=False)
    fig.tight_layout()
    total = roster["agent_id"].nunique()
    note = (
        f"<p>{n} of {total} agents (evenly spaced over the sorted agent ids), first week of the roster; "
        "grid lines every 6 hours.</p>"
    )
    if breaks.empty:
        note += "<p>No breaks were scheduled.</p>"
    return note + _figure_html(fig, "Gantt chart of sample agents' shifts and breaks")


def _with_rostered_service(daily: pd.DataFrame, service: pd.DataFrame) -> pd.DataFrame:
    """Replace the planned service level, occupancy and paid hours by the rostered ones."""
    require_columns(service, ["date", "queue", "service_level", "occupancy"], "service")
    total = service.loc[service["queue"] == "ALL"].copy()
    total.index = pd.to_datetime(total["date"]).dt.normalize()
    out = daily.copy()
    for column in ("service_level", "occupancy", "paid_hours"):
        if column in total.columns:
            values = pd.to_numeric(total[column], errors="coerce")
            out[column] = values.reindex(out.index) if not out.empty else values
    return out


def _fairness_html(fairness: pd.DataFrame | None, agent_summary: pd.DataFrame | None) -> str:
    if fairness is None or fairness.empty:
        return _empty("No fairness figures to show.")
    parts = []
    if agent_summary is not None and "preferences_asked" in agent_summary.columns:
        asked = int(agent_summary["preferences_asked"].sum())
        granted = int(agent_summary["preferences_granted"].sum())
        wishing = int((agent_summary["preferences_asked"] > 0).sum())
        share = f" ({granted / asked:.1%})" if asked else ""
        parts.append(
            f"<p>Preferences granted: {granted:,} of {asked:,}{share}, from {wishing:,} agents with "
            "wishes (per agent in agents_summary.csv).</p>"
        )
    labels = {
        "weekend_days_worked": "weekend days worked",
        "night_shifts": "night shifts",
        "late_shifts": "late shifts",
        "short_weeks": "short weeks",
    }
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "per agent over the horizon",
            "contract",
            "agents",
            "min",
            "mean",
            "max",
            "spread",
            "least possible spread",
        )
    )
    body = []
    for row in fairness.itertuples(index=False):
        cells = [
            labels.get(row.metric, row.metric),
            row.contract,
            _fmt(row.agents, 0),
            _fmt(row.min, 0),
            _fmt(row.mean, 2),
            _fmt(row.max, 0),
            _fmt(row.spread, 0),
            _fmt(row.least_spread, 0),
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    parts.append(
        "<p>Spread is max - min over the agents of a contract who can work the shifts (night shifts: "
        "agents allowed nights); the least possible spread is 0 when the total divides evenly, else 1.</p>"
    )
    return "\n".join(parts)


def _daily_html(daily: pd.DataFrame, *, rostered: bool = False) -> str:
    if daily.empty:
        return _empty("No daily figures to show.")
    basis = "rostered" if rostered else "planned"
    columns = [
        ("calls", "calls", lambda v: _fmt(v, 0)),
        ("service_level", f"service level ({basis})", lambda v: _pct(v)),
        ("occupancy", f"occupancy ({basis})", lambda v: _pct(v)),
        ("required_hours", "required agent-hours (net)", lambda v: _fmt(v, 0)),
        ("gross_hours", "required agent-hours (gross)", lambda v: _fmt(v, 0)),
        ("agents_rostered", "agents rostered", lambda v: _fmt(v, 0)),
        ("paid_hours", "paid hours", lambda v: _fmt(v, 0)),
        ("break_hours", "break hours", lambda v: _fmt(v, 0)),
        ("under_hours", "understaffed agent-hours", lambda v: _fmt(v, 1)),
        ("short_intervals", "intervals short", lambda v: _fmt(v, 0)),
        ("over_hours", "overstaffed agent-hours", lambda v: _fmt(v, 1)),
    ]
    present = [c for c in columns if c[0] in daily.columns]
    head = "<th>day</th>" + "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in present)
    body = []
    for day, row in daily.iterrows():
        cells = [f"<td>{pd.Timestamp(day):%a %Y-%m-%d}</td>"]
        for column, _, fmt in present:
            value = row[column]
            short = column in ("under_hours", "short_intervals") and _finite(value) and float(value) > 1e-9
            klass = ' class="short"' if short else ""
            cells.append(f"<td{klass}>{html.escape(fmt(value) if _finite(value) else '–')}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if rostered:
        notes = (
            "<p>Service level and occupancy are what the rostered agents deliver: each interval's heads "
            "on shift are shared among the queues in proportion to their requirement, net of shrinkage, "
            "and evaluated with Erlang C/A (calls-weighted service level; occupancy = workload / agents "
            "available). Paid hours are shift time less unpaid breaks; shortfalls come from the coverage.</p>"
        )
    else:
        notes = (
            "<p>Service level and occupancy are the values expected at the required staffing "
            "(calls-weighted from the requirements; occupancy = workload / agents required). Paid hours "
            "are the rostered shift lengths, breaks included; shortfalls come from the coverage.</p>"
        )
    return notes + f'<table class="daily"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


# ------------------------------------------------------------------------- helpers


def _new_figure(figsize: tuple[float, float], dpi: int) -> Figure:
    """A figure drawn on its own Agg canvas: no pyplot, no global state, no display needed,
    and the caller's matplotlib backend is left alone."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _figure_html(fig: Figure, alt: str) -> str:
    """Embed a figure as a base64 PNG and release it."""
    buffer = _bytes_io.BytesIO()
    # No Software/date metadata: identical inputs must give identical bytes.
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    fig.clear()
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}"></figure>'


def _concise_dates(ax: Any) -> None:
    """Short, non-overlapping date ticks."""
    locator = mdates.AutoDateLocator(minticks=5, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _widest_band(forecast: pd.DataFrame) -> tuple[str, str, str] | None:
    """(lo column, hi column, level) of the widest prediction interval present, if any."""
    levels = []
    for column in forecast.columns:
        if str(column).startswith("calls_lo_"):
            level = str(column)[len("calls_lo_") :]
            if f"calls_hi_{level}" in forecast.columns:
                try:
                    levels.append((float(level), level))
                except ValueError:
                    continue
    if not levels:
        return None
    level = max(levels)[1]
    return f"calls_lo_{level}", f"calls_hi_{level}", level


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _fmt(value: Any, decimals: int) -> str:
    if not _finite(value):
        return "–"
    return f"{float(value):,.{decimals}f}"


def _pct(value: Any) -> str:
    return f"{100 * float(value):.1f} %" if _finite(value) else "–"


_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1f3b73;color:#fff;padding:14px 28px}
header h1{margin:0 0 4px 0;font-size:22px}
header nav a{color:#cfe0ff;text-decoration:none;font-size:13px}
main{padding:8px 28px 40px;max-width:1180px}
section{background:#fff;border-radius:6px;padding:10px 18px 14px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:6px 0 8px}
h3{font-size:14px;margin:14px 0 6px}
p{font-size:13px;line-height:1.45;margin:4px 0 8px}
p.empty{color:#6c757d;font-style:italic}
figure{margin:0}
figure img{max-width:100%;height:auto}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#eef3fb;border-radius:6px;padding:8px 14px;min-width:150px}
.card .value{font-size:19px;font-weight:600}
.card .label{font-size:12px;color:#4a5568}
table{border-collapse:collapse;font-size:12.5px}
th,td{border-bottom:1px solid #e2e6ec;padding:4px 9px;text-align:right}
th{background:#f0f2f5;font-weight:600}
td:first-child,th:first-child{text-align:left;white-space:nowrap}
table.kv td:last-child{text-align:left}
td.short{color:#b00020;font-weight:600}
.card.alert{background:#fde8e8}
.card.alert .value{color:#b00020}
p.ok{color:#1b6e3a;font-weight:600}
.attention{border-left:4px solid #d62828;background:#fff5f5;padding:6px 12px;margin:10px 0}
ul.warnings{font-size:13px;line-height:1.45;margin:4px 0 6px;padding-left:20px}
ul{font-size:13px;line-height:1.45}
code{font-size:12px;background:#f0f2f5;padding:0 3px;border-radius:3px}
table.service td{vertical-align:top;min-width:92px}
table.service td span{display:block}
table.service td .sim{font-weight:600}
table.service td .band{font-size:11px;color:#4a5568}
table.service td .plan{font-size:11px;color:#1f3b73}
table.service td.miss{background:#fde8e8}
table.service td.miss .sim{color:#b00020}
table.service td.none{color:#9aa3ae}
table.heat{font-size:11px}
table.heat th,table.heat td{padding:2px 4px;min-width:22px;text-align:center}
table.heat td:first-child,table.heat td:last-child{text-align:right}
details summary{cursor:pointer;font-size:13.5px;font-weight:600;padding:4px 0}
""".strip()
