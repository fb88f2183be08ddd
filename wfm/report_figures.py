"""The planner-facing sections of the HTML report: what to act on, and what would puzzle.

:mod:`wfm.report` draws the charts; this module builds the HTML of the sections a planner
reads first, from the run's own published figures only:

* the key-figure cards, read from ``summary.json`` (never recomputed from the frames, so a
  card cannot disagree with the summary), each card carrying ``data-key`` (the summary key it
  shows) and ``data-value`` (the raw value) so a test or a script can check it;
* the warnings that set the exit code, grouped by stage;
* per queue and day: target, what the plan promises and what the simulation of the plan
  gives (``service.csv``, :func:`wfm.simulate.compare_to_plan`), misses highlighted;
* the short periods (contiguous runs of short intervals in the coverage frame) with the
  roster's diagnosis and the skills findings;
* where the surplus sits (``summary["surplus"]``, :func:`wfm.roster.surplus.surplus_figures`:
  by daypart, within 10%, at the peak hours), then short and surplus agent-hours by day and
  hour of day (the coverage frame's ``under`` and ``over``; the grand totals are the summary's);
* seat use and wishes granted (summary);
* explanations: coverage carried in from the previous week's shifts (the agents'
  ``prev_shift_end``), shrinkage, the simulation-correction rounds (``correction.csv``), the
  attention thresholds;
* the technical summary (solver status, bound, gap, the roster stages' figures, every
  summary key) in a collapsed ``<details>`` element.

Every function returns an HTML fragment; all text is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Card",
    "lookup",
    "summary_cards",
    "cards_html",
    "warnings_html",
    "service_html",
    "short_periods",
    "short_html",
    "by_day_and_hour",
    "surplus_cards",
    "surplus_html",
    "seats_html",
    "carry_in",
    "explain_html",
    "technical_html",
    "format_metric",
]

_MISSING = object()


# ------------------------------------------------------------------------ formatting


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any, decimals: int = 0) -> str:
    return f"{float(value):,.{decimals}f}" if _finite(value) else "–"


def _share(value: Any, decimals: int = 1) -> str:
    return f"{100 * float(value):.{decimals}f}%" if _finite(value) else "–"


def _e(value: Any) -> str:
    return html.escape(str(value))


def format_metric(metric: str, value: Any) -> str:
    """A service figure as a planner reads it: a share for service levels, seconds for ASA."""
    if not _finite(value):
        return "–"
    if metric == "asa_sec":
        return f"{float(value):,.0f} s"
    return _share(value)


def _metric_name(metric: str) -> str:
    return {"service_level": "service level", "asa_sec": "ASA", "within_deadline": "started within deadline"}.get(
        metric, metric
    )


# ------------------------------------------------------------------------ summary cards


def lookup(summary: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``summary["a"]["b"]`` for the dotted key ``"a.b"``; ``default`` when a part is absent."""
    node: Any = summary
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


class Card:
    """One key figure: the label, the text shown, and the summary key and raw value it shows."""

    __slots__ = ("label", "text", "key", "value", "alert")

    def __init__(self, label: str, text: str, key: str, value: Any, alert: bool = False) -> None:
        self.label, self.text, self.key, self.value, self.alert = label, text, key, value, alert

    def html(self) -> str:
        klass = "card alert" if self.alert else "card"
        raw = (
            ""
            if self.value is None
            else (repr(float(self.value)) if isinstance(self.value, float) else str(self.value))
        )
        return (
            f'<div class="{klass}" data-key="{_e(self.key)}" data-value="{_e(raw)}">'
            f'<div class="value">{_e(self.text)}</div><div class="label">{_e(self.label)}</div></div>'
        )


def summary_cards(summary: Mapping[str, Any]) -> list[Card]:
    """The headline cards, every one read from ``summary`` (the run's ``summary.json``).

    Agent-intervals are turned into agent-hours with the summary's own
    ``roster.interval_minutes``; nothing else is derived.
    """
    cards: list[Card] = []
    minutes = lookup(summary, "roster.interval_minutes")
    hours_per_interval = float(minutes) / 60.0 if _finite(minutes) else None

    def add(label: str, key: str, render: Any, alert: Any = None) -> None:
        value = lookup(summary, key, _MISSING)
        if value is _MISSING or value is None:
            return
        cards.append(Card(label, render(value), key, value, bool(alert(value)) if alert else False))

    warnings = summary.get("warnings")
    if isinstance(warnings, list):
        cards.append(
            Card(
                "exit code: " + ("1, needs a planner" if warnings else "0, clean"),
                f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}",
                "warnings",
                len(warnings),
                alert=bool(warnings),
            )
        )
    add("forecast calls", "forecast_calls", lambda v: _num(v))
    add(
        "simulated queue-days missing target",
        "service.simulated.queue_days_missing_target",
        lambda v: _num(v),
        alert=lambda v: v > 0,
    )
    add("planned service level (calls-weighted)", "service.service_level_planned", _share)
    if hours_per_interval is not None:
        add(
            "understaffed agent-hours",
            "roster.under_agent_intervals",
            lambda v: _num(float(v) * hours_per_interval, 1),
            alert=lambda v: v > 0,
        )
        add("surplus agent-hours", "roster.over_agent_intervals", lambda v: _num(float(v) * hours_per_interval, 1))
    add("intervals short", "roster.under_staffed_intervals", lambda v: _num(v), alert=lambda v: v > 0)
    add("peak gross requirement (agents)", "requirements.peak_gross_agents", lambda v: _num(v))
    add("paid hours", "service.paid_hours", lambda v: _num(v))
    seats = lookup(summary, "roster.seats")
    add(
        "peak seats used" + (f" of {_num(seats)}" if _finite(seats) else ""),
        "roster.peak_seats_used",
        lambda v: _num(v),
    )
    asked = lookup(summary, "roster.preferences_asked")
    if _finite(asked) and float(asked) > 0:
        add(f"wishes granted of {_num(asked)}", "roster.preferences_granted", lambda v: _num(v))
    add("roster solver status", "roster.status", str, alert=lambda v: v not in ("OPTIMAL", "FEASIBLE"))
    return cards


def cards_html(cards: Sequence[Card]) -> str:
    if not cards:
        return '<p class="empty">The run reported no summary figures.</p>'
    return '<div class="cards">' + "".join(c.html() for c in cards) + "</div>"


def warnings_html(summary: Mapping[str, Any]) -> str:
    """The planner warnings (they set exit code 1), grouped by the stage that raised them."""
    warnings = summary.get("warnings")
    if not isinstance(warnings, list):
        return ""
    if not warnings:
        return '<p class="ok">No warnings: the plan meets every attention threshold (exit code 0).</p>'
    groups: dict[str, list[str]] = {}
    for w in warnings:
        stage, _, text = str(w).partition(": ")
        if not text:
            stage, text = "run", str(w)
        groups.setdefault(stage, []).append(text)
    items = "".join(f"<li><b>{_e(stage)}</b>: {_e(text)}</li>" for stage, texts in groups.items() for text in texts)
    return (
        f'<div class="attention"><p><b>Needs a planner</b> (exit code 1): {len(warnings)} warning'
        f"{'s' if len(warnings) != 1 else ''}, listed in summary.json <code>warnings</code>. "
        'What decides them: <a href="#explain">Reading this plan</a>.</p>'
        f'<ul class="warnings">{items}</ul></div>'
    )


# ------------------------------------------------------------------------ service per queue and day


def service_html(simulated: pd.DataFrame | None, planned: pd.DataFrame | None) -> str:
    """Per queue (rows) and day (columns): target, promised and simulated figure.

    ``simulated`` is ``service.csv`` (``queue, date, metric, target, planned, simulated,
    simulated_lo, simulated_hi, misses``). Without it (simulation off), ``planned`` (the
    per-queue rows of ``daily.csv``) gives the rostered Erlang figures alone.
    """
    if simulated is not None and not simulated.empty:
        frame = simulated.assign(
            date=pd.to_datetime(simulated["date"]).dt.normalize(), queue=simulated["queue"].astype(str)
        )
        days = sorted(frame["date"].unique())
        head = "<th>queue</th><th>target</th>" + "".join(f"<th>{pd.Timestamp(d):%a %m-%d}</th>" for d in days)
        rows = []
        for queue, block in frame.groupby("queue", sort=True):
            metric = str(block["metric"].iloc[0])
            target = float(block["target"].iloc[0])
            op = "≤" if metric == "asa_sec" else "≥"
            goal = (
                "every item within its deadline"
                if metric == "within_deadline"
                else f"{_metric_name(metric)} {op} {format_metric(metric, target)}"
            )
            cells = [f"<td>{_e(queue)}</td>", f"<td>{_e(goal)}</td>"]
            by_day = block.set_index("date")
            for d in days:
                if d not in by_day.index:
                    cells.append('<td class="none">no calls</td>')
                    continue
                r = by_day.loc[d]
                miss = bool(r["misses"])
                sim = format_metric(metric, r["simulated"])
                band = f"{format_metric(metric, r['simulated_lo'])}–{format_metric(metric, r['simulated_hi'])}"
                cells.append(
                    f'<td class="{"miss" if miss else "met"}" data-queue="{_e(queue)}" data-date="{pd.Timestamp(d):%Y-%m-%d}">'
                    f'<span class="sim">{_e(sim)}</span><span class="band">[{_e(band)}]</span>'
                    f'<span class="plan">Erlang {_e(format_metric(metric, r["erlang_allocated"]))}</span></td>'
                )
            rows.append("<tr>" + "".join(cells) + "</tr>")
        misses = int(frame["misses"].sum())
        note = (
            "<p>Each cell: the <b>simulated</b> figure of the published roster and breaks (discrete-event "
            "simulation against this run's forecast, mean over the replications), what the run promises, with "
            "its 95% interval in brackets, and below it the narrower <b>Erlang</b> figure (each queue alone at "
            "the heads allocated to it, as if they answered no other queue; service.csv erlang_allocated). Red: "
            "simulated more than 2 points under the target (ASA: more than 2% over it), a planner warning. "
            f"{misses} of {len(frame)} queue-days miss. From service.csv.</p>"
        )
        return note + f'<table class="service"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    if planned is not None and not planned.empty and "queue" in planned.columns:
        frame = planned.loc[planned["queue"].astype(str) != "ALL"]
        if frame.empty or "service_level" not in frame.columns:
            return '<p class="empty">No service figures per queue.</p>'
        frame = frame.assign(date=pd.to_datetime(frame["date"]).dt.normalize(), queue=frame["queue"].astype(str))
        days = sorted(frame["date"].unique())
        head = "<th>queue</th>" + "".join(f"<th>{pd.Timestamp(d):%a %m-%d}</th>" for d in days)
        rows = []
        for queue, block in frame.groupby("queue", sort=True):
            by_day = block.set_index("date")["service_level"]
            rows.append(
                f"<tr><td>{_e(queue)}</td>" + "".join(f"<td>{_e(_share(by_day.get(d)))}</td>" for d in days) + "</tr>"
            )
        return (
            "<p>The run was not simulated (<code>[simulate] replications = 0</code>): the service level the "
            "rostered staffing gives by Erlang, per queue and day (daily.csv).</p>"
            f'<table class="service"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        )
    return '<p class="empty">No service figures per queue.</p>'


# ------------------------------------------------------------------------ short periods


def short_periods(pooled: pd.DataFrame, interval: pd.Timedelta) -> pd.DataFrame:
    """Runs of consecutive short intervals within a day in the pooled coverage, largest shortfall first.

    Columns ``start, end, intervals, peak_short, required_at_peak, short_agent_hours``; the
    ``short_agent_hours`` of all periods add up to the coverage's total ``under``.
    """
    cols = ["start", "end", "intervals", "peak_short", "required_at_peak", "short_agent_hours"]
    if pooled.empty:
        return pd.DataFrame(columns=cols)
    frame = pooled.sort_values("interval_start").reset_index(drop=True)
    short = frame["under"].to_numpy(dtype=float) > 1e-9
    if not short.any():
        return pd.DataFrame(columns=cols)
    times = frame["interval_start"]
    # A period ends at midnight too: planners read shortfalls day by day.
    follows = ((times.diff() == interval) & (times.dt.normalize() == times.shift().dt.normalize())).to_numpy()
    new_run = short & ~(np.r_[False, short[:-1]] & follows)
    run_id = np.cumsum(new_run)
    part = frame.loc[short].assign(run=run_id[short])
    hours = interval.total_seconds() / 3600.0
    rows = []
    for _, block in part.groupby("run", sort=True):
        peak = block.loc[block["under"].idxmax()]
        rows.append(
            {
                "start": block["interval_start"].iloc[0],
                "end": block["interval_start"].iloc[-1] + interval,
                "intervals": len(block),
                "peak_short": float(peak["under"]),
                "required_at_peak": float(peak["required"]),
                "short_agent_hours": float(block["under"].sum()) * hours,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["short_agent_hours", "start"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def short_html(
    pooled: pd.DataFrame,
    interval: pd.Timedelta,
    summary: Mapping[str, Any],
    diagnosis: pd.DataFrame | None = None,
    max_rows: int = 12,
) -> str:
    """The periods short, then the diagnosis sentences (roster and skills) when the run has them."""
    periods = short_periods(pooled, interval)
    parts = []
    if periods.empty:
        parts.append('<p class="ok">No interval of the plan is short of its requirement.</p>')
    else:
        total = float(periods["short_agent_hours"].sum())
        shown = periods.head(max_rows)
        head = "".join(
            f"<th>{h}</th>"
            for h in ("period", "intervals", "peak short (agents)", "required at peak", "short agent-hours")
        )
        body = "".join(
            f"<tr><td>{p.start:%a %Y-%m-%d %H:%M}–{'24:00' if p.end == p.start.normalize() + pd.Timedelta(days=1) else f'{p.end:%H:%M}'}</td>"
            f'<td>{p.intervals}</td><td class="short">{_num(p.peak_short)}</td><td>{_num(p.required_at_peak)}</td>'
            f"<td>{_num(p.short_agent_hours, 1)}</td></tr>"
            for p in shown.itertuples(index=False)
        )
        more = f" The {len(shown)} largest are shown." if len(periods) > len(shown) else ""
        parts.append(
            f"<p>{len(periods)} period{'s' if len(periods) != 1 else ''} of consecutive short intervals (split at midnight), "
            f"{_num(total, 1)} agent-hours short in all (coverage.csv <code>under</code>, summed over queues).{more}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    findings = lookup(summary, "diagnosis.findings")
    if isinstance(findings, list) and findings:
        parts.append(
            "<h3>Why: the roster's diagnosis</h3><ul>" + "".join(f"<li>{_e(f)}</li>" for f in findings) + "</ul>"
        )
        if (
            diagnosis is not None
            and not diagnosis.empty
            and {"label", "binding_rule", "more_agents"} <= set(diagnosis.columns)
        ):
            rows = "".join(
                f"<tr><td>{_e(r.label)}</td><td>{_e(_num(r.short_agent_hours, 1))}</td>"
                f"<td>{_e(r.binding_rule if isinstance(r.binding_rule, str) and r.binding_rule else '–')}</td>"
                f"<td>{_e(_num(r.more_agents) if _finite(r.more_agents) else '–')}</td></tr>"
                for r in diagnosis.itertuples(index=False)
            )
            parts.append(
                "<table><thead><tr><th>diagnosed period</th><th>short agent-hours</th><th>binding rule</th>"
                f"<th>more agents closing it</th></tr></thead><tbody>{rows}</tbody></table>"
            )
    elif not periods.empty:
        parts.append(
            "<p>The roster's shortfall was not diagnosed (<code>[roster] diagnose = true</code> names the "
            "rule binding in each short period and what would close it).</p>"
        )
    skills = [str(w).partition(": ")[2] for w in summary.get("warnings", []) if str(w).startswith("skills: ")]
    if skills:
        parts.append("<h3>Skills</h3><ul>" + "".join(f"<li>{_e(s)}</li>" for s in skills) + "</ul>")
    return "\n".join(parts)


# ------------------------------------------------------------------------ where short and surplus hours sit


def by_day_and_hour(pooled: pd.DataFrame, column: str, interval: pd.Timedelta) -> pd.DataFrame:
    """Agent-hours of ``column`` (``under`` or ``over``) per day (rows) and hour of day (0-23)."""
    if pooled.empty:
        return pd.DataFrame(columns=list(range(24)))
    hours = interval.total_seconds() / 3600.0
    times = pooled["interval_start"]
    values = pooled[column].astype(float) * hours
    table = values.groupby([times.dt.normalize().rename("day"), times.dt.hour.rename("hour")]).sum().unstack("hour")
    return table.reindex(columns=range(24), fill_value=0.0).fillna(0.0).sort_index()


def _heat_table(table: pd.DataFrame, kind: str, label: str) -> str:
    peak = float(table.to_numpy().max()) if table.size else 0.0
    head = "<th>day</th>" + "".join(f"<th>{h:02d}</th>" for h in range(24)) + "<th>day total</th>"
    body = []
    for day, row in table.iterrows():
        cells = [f"<td>{pd.Timestamp(day):%a %m-%d}</td>"]
        for value in row.to_numpy(dtype=float):
            alpha = 0.0 if peak <= 0 else min(value / peak, 1.0)
            style = (
                f' style="background:rgba({"214,40,40" if kind == "short" else "42,157,143"},{alpha * 0.85:.2f})"'
                if value > 0
                else ""
            )
            cells.append(f"<td{style}>{_num(value) if value >= 0.5 else ('·' if value > 0 else '')}</td>")
        cells.append(f"<td><b>{_num(float(row.sum()), 1)}</b></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    total = float(table.to_numpy().sum()) if table.size else 0.0
    foot = (
        f"<tr><td>hour total</td>{''.join(f'<td>{_num(v)}</td>' for v in table.sum(axis=0).to_numpy())}"
        f"<td><b>{_num(total, 1)}</b></td></tr>"
    )
    return (
        f"<h3>{_e(label)}: {_num(total, 1)} agent-hours</h3>"
        f'<table class="heat {kind}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}{foot}</tbody></table>'
    )


def surplus_cards(summary: Mapping[str, Any], dayparts: Mapping[str, tuple[int, int]] | None = None) -> list[Card]:
    """Where the surplus sits, from ``summary["surplus"]`` (:func:`wfm.roster.surplus.surplus_figures`).

    The surplus agent-hours of each daypart (with its share of the daypart's requirement), the
    share of intervals within 10% of their requirement and the over-staffing share at the peak
    hours; nothing is recomputed here. ``dayparts`` (name -> first hour, last hour + 1;
    :data:`wfm.roster.surplus.DAYPARTS`) puts each daypart's clock hours in its label.
    """
    found = summary.get("surplus")
    figures: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    cards: list[Card] = []
    value = figures.get("over_agent_hours")
    if _finite(value):
        cards.append(Card("surplus agent-hours in all", _num(value, 1), "surplus.over_agent_hours", value))
    value = figures.get("within_10pct_share")
    if _finite(value):
        cards.append(
            Card("intervals within 10% of the requirement", _share(value), "surplus.within_10pct_share", value)
        )
    by_part = figures.get("over_agent_hours_by_daypart")
    if isinstance(by_part, Mapping):
        # in the day's order (summary.json's keys are sorted by name), unknown dayparts last
        order = list(dayparts or {})
        parts = sorted(by_part, key=lambda k: (order.index(k) if k in order else len(order), str(k)))
        for part in parts:
            hours = by_part[part]
            if not _finite(hours):
                continue
            hours_of = (dayparts or {}).get(str(part))
            span = f" {hours_of[0]:02d}-{hours_of[1]:02d} h" if hours_of else ""
            share = figures.get(f"over_share_{part}")
            label = f"surplus agent-hours, {part}{span}" + (
                f" ({_share(share)} of its requirement)" if _finite(share) else ""
            )
            cards.append(Card(label, _num(hours, 1), f"surplus.over_agent_hours_by_daypart.{part}", hours))
    value, peak = figures.get("over_share_peak_hours"), figures.get("peak_hours")
    if _finite(value):
        hours_text = ", ".join(f"{int(h):02d}" for h in peak) if isinstance(peak, list) else "–"
        cards.append(
            Card(
                f"surplus share at the peak hours ({hours_text} h)",
                _share(value),
                "surplus.over_share_peak_hours",
                value,
            )
        )
    return cards


def surplus_html(
    pooled: pd.DataFrame,
    interval: pd.Timedelta,
    summary: Mapping[str, Any] | None = None,
    dayparts: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """Where the surplus sits (summary cards), then surplus and short agent-hours by day and hour."""
    if pooled.empty:
        return '<p class="empty">No coverage to show.</p>'
    over = by_day_and_hour(pooled, "over", interval)
    under = by_day_and_hour(pooled, "under", interval)
    cards = surplus_cards(summary or {}, dayparts)
    lead = (
        "<p>Where the surplus sits, by daypart (summary.json <code>surplus</code>): agent-hours scheduled "
        "beyond the requirement, and the share of intervals staffed within 10% of it.</p>" + cards_html(cards)
        if cards
        else ""
    )
    note = (
        "<p>Agent-hours scheduled beyond the requirement (surplus) and missing from it (short), summed over "
        "queues, by day and hour of day (hour 08 = 08:00-08:59; '·' under half an hour). Surplus sits where "
        "shifts are longer than the peak they cover or contracts' minimum hours force more time than needed; "
        "it is the first place to look for hours to move into the short periods.</p>"
    )
    return lead + note + _heat_table(over, "over", "Surplus") + _heat_table(under, "short", "Short")


# ------------------------------------------------------------------------ seats and wishes


def seats_html(summary: Mapping[str, Any]) -> str:
    """Seat use and wishes granted, from the summary."""
    parts = []
    peak, seats = lookup(summary, "roster.peak_seats_used"), lookup(summary, "roster.seats")
    limited = lookup(summary, "requirements.seat_limited_intervals")
    if _finite(peak):
        text = f"Peak seats used: <b>{_num(peak)}</b>"
        if _finite(seats) and float(seats) > 0:
            text += f" of {_num(seats)} ({_share(float(peak) / float(seats))})"
        text += " (the most agents on shift in one interval, previous-week shifts still running included)."
        if _finite(limited):
            text += (
                f" The requirement was capped by the seat limit in <b>{_num(limited)}</b> interval"
                f"{'s' if limited != 1 else ''}" + (": more agents than seats were needed there." if limited else ".")
            )
        parts.append(f"<p>{text}</p>")
    asked = lookup(summary, "roster.preferences_asked")
    if _finite(asked):
        granted = lookup(summary, "roster.preferences_granted", 0)
        if float(asked) <= 0:
            parts.append("<p>No agent asked for a day off, a start window or a shift type this horizon.</p>")
        else:
            rows = []
            for kind, label in (
                ("days_off", "days off"),
                ("start_window", "start windows"),
                ("shift_type", "shift types"),
            ):
                a = lookup(summary, f"roster.preferences_{kind}_asked")
                g = lookup(summary, f"roster.preferences_{kind}_granted")
                if _finite(a) and float(a) > 0:
                    rows.append(
                        f"<tr><td>{label}</td><td>{_num(g)}</td><td>{_num(a)}</td>"
                        f"<td>{_share(float(g) / float(a))}</td></tr>"
                    )
            parts.append(
                f"<p>Wishes granted: <b>{_num(granted)}</b> of {_num(asked)} "
                f"({_share(lookup(summary, 'roster.preferences_granted_share'))}), from "
                f"{_num(lookup(summary, 'roster.agents_with_preferences'))} agents with wishes.</p>"
                "<table><thead><tr><th>wish</th><th>granted</th><th>asked</th><th>share</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
    return "\n".join(parts) or '<p class="empty">No seat or wish figures.</p>'


# ------------------------------------------------------------------------ explanations


def carry_in(agent_history: pd.DataFrame | None, start: pd.Timestamp) -> dict[str, Any] | None:
    """Agents whose previous shift is still running at ``start`` (the first planned moment).

    Returns ``agents``, ``until`` (the last such shift's end) and ``agent_hours`` carried into
    the horizon, or None without history or without such shifts.
    """
    if agent_history is None or agent_history.empty or "prev_shift_end" not in agent_history.columns:
        return None
    ends = pd.to_datetime(agent_history["prev_shift_end"], errors="coerce")
    if getattr(ends.dt, "tz", None) is not None:
        ends = ends.dt.tz_localize(None)
    running = ends[ends > start]
    if running.empty:
        return None
    return {
        "agents": int(len(running)),
        "until": running.max(),
        "agent_hours": float((running - start).dt.total_seconds().sum() / 3600.0),
    }


def _shrinkage_rows(requirements: pd.DataFrame, targets: Any) -> list[tuple[str, float, float, float, float]]:
    """(queue, min, max shrinkage over the horizon, net agent-hours, gross agent-hours) per queue."""
    if requirements.empty or not {"agents", "agents_scheduled"} <= set(requirements.columns):
        return []
    out = []
    for queue, block in requirements.groupby("queue", sort=True):
        lo = hi = float("nan")
        if targets is not None:
            t = targets.for_queue(str(queue)) if hasattr(targets, "for_queue") else targets
            if hasattr(t, "shrinkage_at"):
                values = np.asarray(t.shrinkage_at(block["interval_start"]), dtype=float)
                if values.size:
                    lo, hi = float(values.min()), float(values.max())
        out.append((str(queue), lo, hi, float(block["agents"].sum()), float(block["agents_scheduled"].sum())))
    return out


def explain_html(
    *,
    summary: Mapping[str, Any],
    pooled: pd.DataFrame,
    requirements: pd.DataFrame,
    interval: pd.Timedelta,
    agent_history: pd.DataFrame | None = None,
    targets: Any = None,
    attention: Mapping[str, Any] | None = None,
    correction: pd.DataFrame | None = None,
) -> str:
    """What would otherwise puzzle: carried-in coverage, shrinkage, correction rounds, thresholds."""
    parts = []
    hours = interval.total_seconds() / 3600.0
    # --- carried-in coverage
    start = pooled["interval_start"].min() if not pooled.empty else None
    carried = carry_in(agent_history, start) if start is not None else None
    parts.append("<h3>Coverage carried in from last week</h3>")
    if carried:
        parts.append(
            f"<p>{carried['agents']} agent{'s' if carried['agents'] != 1 else ''} were still on a shift of the previous "
            f"roster when this plan starts ({start:%a %Y-%m-%d %H:%M}); the last of those shifts ends "
            f"{carried['until']:%a %H:%M}. They count in the coverage of the first hours ({_num(carried['agent_hours'], 1)} "
            "agent-hours, whole: their breaks belong to the previous plan) and occupy seats, but are not rows of "
            "roster.csv: their shifts were published by the previous run. Each agent's prev_shift_end is in "
            "agent_history.csv.</p>"
        )
    else:
        parts.append(
            "<p>No shift of the previous roster runs into this plan: the first hours are covered by this "
            "roster's shifts alone.</p>"
        )
    # --- shrinkage
    parts.append("<h3>Shrinkage: why the roster schedules more agents than the Erlang requirement</h3>")
    net, gross = lookup(summary, "requirements.net_agent_hours"), lookup(summary, "requirements.gross_agent_hours")
    if _finite(net) and _finite(gross):
        parts.append(
            f"<p>Erlang sizing says how many agents must be <i>on the phones</i>: {_num(net)} agent-hours over the "
            f"horizon (net). Agents on shift are not all on the phones (absence, training, meetings, coaching), so each "
            f"interval is scheduled at net / (1 − shrinkage), rounded up: {_num(gross)} agent-hours (gross), "
            f"{_share(float(gross) / float(net) - 1) if float(net) > 0 else '–'} more. Coverage and the short/surplus "
            "figures compare scheduled heads with the gross requirement; the simulation takes the shrinkage off "
            "again at random.</p>"
        )
    rows = _shrinkage_rows(requirements, targets)
    if rows:
        body = "".join(
            f"<tr><td>{_e(q)}</td><td>{_e(_share(lo, 0) if lo == hi else f'{_share(lo, 0)}–{_share(hi, 0)}')}</td>"
            f"<td>{_num(n * hours)}</td><td>{_num(g * hours)}</td></tr>"
            for q, lo, hi, n, g in rows
        )
        parts.append(
            "<table><thead><tr><th>queue</th><th>shrinkage</th><th>net agent-hours</th>"
            f"<th>gross agent-hours</th></tr></thead><tbody>{body}</tbody></table>"
        )
    # --- correction rounds
    parts.append("<h3>Simulation-corrected requirements</h3>")
    steps = lookup(summary, "correction.findings")
    if isinstance(steps, list) and steps:
        parts.append(
            "<p>The Erlang requirement assumes a constant number of agents on the phones; breaks, shrinkage and "
            "skills make a roster do worse. The run simulated the plan, raised the requirement where the "
            "simulation fell short and re-planned (requirements.csv <code>agents_added</code>):</p>"
            "<ul>" + "".join(f"<li>{_e(s)}</li>" for s in steps) + "</ul>"
        )
        if correction is not None and not correction.empty:
            body = "".join(
                f"<tr><td>{int(r.round)}</td><td>{_e(r.queue)}</td><td>{_e(format_metric(r.metric, r.target))}</td>"
                f"<td>{_e(format_metric(r.metric, r.simulated))} [{_e(format_metric(r.metric, r.simulated_lo))}–"
                f"{_e(format_metric(r.metric, r.simulated_hi))}]</td><td>{int(r.days_missing)}</td>"
                f"<td>{_num(r.added_agent_intervals)}</td><td>{_e(r.status)}</td></tr>"
                for r in correction.itertuples(index=False)
            )
            parts.append(
                "<table><thead><tr><th>round</th><th>queue</th><th>target</th><th>simulated [95%]</th>"
                "<th>days missing</th><th>agent-intervals added</th><th>status</th></tr></thead>"
                f"<tbody>{body}</tbody></table><p>From correction.csv; the published plan is round "
                f"{_e(lookup(summary, 'correction.chosen_round', '–'))}.</p>"
            )
    else:
        parts.append(
            "<p>Not run (<code>[simulate] correct_rounds = 0</code> or no simulation): the requirement is "
            "the Erlang figure.</p>"
        )
    # --- attention thresholds
    parts.append("<h3>What sets the exit code</h3>")
    items = []
    if attention:
        short = attention.get("attention_short_share")
        total = attention.get("attention_total_short_share")
        if _finite(short):
            items.append(
                f"an interval short by more than {_share(short, 0)} of its requirement "
                "(<code>attention_short_share</code>);"
            )
        if _finite(total):
            items.append(
                f"under-staffing above {_share(total, 0)} of the required agent-intervals in all "
                "(<code>attention_total_short_share</code>), or a queue short of skilled agents by more "
                "than that share of its own requirement;"
            )
    items.append("a queue-day whose simulated service misses its target by more than 2 points (ASA: 2%);")
    items.append("the seat limit binding, forecast fallbacks, data problems and other warnings of the stages.")
    parts.append(
        "<p>The run exits 1 (a planner must look) when any of these holds, else 0:</p><ul>"
        + "".join(f"<li>{i}</li>" for i in items)
        + "</ul>"
        "<p>Smaller shortfalls are still in coverage.csv and the tables above, they just do not stop the "
        "night's run. The thresholds are in the run's config ([run]) and manifest.json.</p>"
    )
    return "\n".join(parts)


# ------------------------------------------------------------------------ technical summary


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key in sorted(mapping, key=str):
        value, name = mapping[key], f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, prefix=f"{name}."))
        elif isinstance(value, (list, tuple)):
            shown = ", ".join(_value(v) for v in value[:12])
            rows.append((name, shown + (f", … ({len(value)} in all)" if len(value) > 12 else "")))
        else:
            rows.append((name, _value(value)))
    return rows


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return _num(float(value), 3 if abs(float(value)) < 10 else 1)
    return str(value)


def technical_html(summary: Mapping[str, Any], *, timings_file: str | None = None) -> str:
    """Solver status, bound, gap and the roster stages' figures, then every summary key: collapsed.

    ``timings_file``: the name of the step-timings file beside the report (``wfm run``'s
    ``timings.json``); the page shows it in a frame, so the page's own bytes do not depend on
    the wall-clock times.
    """
    keys = [
        ("status", "solver status"),
        ("objective", "objective"),
        ("lower_bound", "lower bound"),
        ("lower_bound_kind", "bound from"),
        ("gap", "gap to the bound"),
        ("coverage_gap", "coverage gap"),
        ("aggregate_status", "covering model status"),
        ("plan_used", "plan used"),
        ("repair_passes", "repair passes"),
        ("repair_moves", "repair moves"),
        ("repair_stopped_by_time", "repair stopped by time"),
        ("break_moves", "break moves"),
        ("agent_weeks_replaced", "agent-weeks replaced"),
        ("num_workers", "solver workers"),
        ("seed", "seed"),
    ]
    found = summary.get("roster")
    roster: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    ratios = {"gap", "coverage_gap"}  # (objective - bound) / bound: read as a percentage

    def shown(key: str) -> str:
        value = roster.get(key)
        if value is None:
            return "–"
        return _share(value) if key in ratios and _finite(value) else _value(value)

    rows = "".join(f"<tr><td>{_e(label)}</td><td>{_e(shown(k))}</td></tr>" for k, label in keys if k in roster)
    brief = (
        f'<table class="kv"><thead><tr><th>roster solver</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>'
        if rows
        else ""
    )
    every = _flatten(
        {
            k: (v if k != "correction" else {x: y for x, y in v.items() if x != "findings"})
            for k, v in summary.items()
            if k not in ("diagnosis", "warnings")
        }
    )
    table = (
        '<table class="kv"><thead><tr><th>summary.json key</th><th>value</th></tr></thead><tbody>'
        + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in every)
        + "</tbody></table>"
    )
    note = (
        "<p>The gap is (objective − lower bound) / lower bound of the roster's weighted cost (under-staffing, "
        "surplus, wishes); 0 means no roster of these agents under these rules does better.</p>"
    )
    if timings_file is None:
        note += (
            "<p>Stage timings are wall-clock times: they are in the run's log (<code>timing &lt;step&gt;</code> "
            "lines), not in this page, so that rerunning the same inputs gives a byte-identical report.</p>"
        )
    else:
        name = _e(timings_file)
        note += (
            f'<p>Stage timings (wall-clock seconds per step) are in <a href="{name}"><code>{name}</code></a> '
            "beside this page, shown below; they are kept out of the page and out of "
            "<code>manifest.json</code> so that rerunning the same inputs gives byte-identical files.</p>"
            f'<iframe id="stage-timings" src="{name}" title="stage timings" '
            'style="width:100%;height:12em;border:1px solid #ccc;background:#fff"></iframe>'
        )
    return (
        f'<details id="technical-details"><summary>Solver status {_e(roster.get("status", "–"))}, '
        f"gap {_e(shown('gap'))}: show the technical summary ({len(every)} figures)</summary>"
        f"{note}{brief}{table}</details>"
    )
