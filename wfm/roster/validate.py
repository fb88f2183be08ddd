"""An independent re-check of every hard rule on a roster frame.

Written apart from the model on purpose: it re-reads the agents frame itself and re-derives
each rule from the shifts' timestamps with plain pandas and datetime arithmetic, sharing no
code with the tour catalogue, the aggregate model or the repair moves. A roster from any
source (ours, pyworkforce's, a planner's spreadsheet) can be checked.

Rules checked (the ``rule`` column of the result):

``unknown_agent``, ``shift_date`` (a shift's date is the day it starts), ``one_shift_per_day``,
``shift_template`` (length and start time allowed by the agent's contract and lengths),
``unavailable``, ``unavailable_window`` (a shift overlapping an agent's unavailable time
window), ``night_not_allowed``, ``min_rest`` (previous-week last shift included),
``max_consecutive_days`` (previous-week run included), ``days_off`` and ``days_off_consecutive``,
``weekly_hours`` (paid hours per 7-day block from the horizon start; a short final block
has only the maximum), ``max_night_shifts``, ``start_stability``, ``seats`` (heads on shift at
any instant, previous-week shifts still running included), the rules spanning weeks
(``cycle_hours``, ``overtime_day``, ``overtime_cycle``, ``weekends_worked``, ``min_work_stretch``,
``forbidden_succession``; see :func:`_cycle_violations`), the further labour rules
(``min_consecutive_days_off``, ``max_consecutive_nights``, ``rest_after_nights``; see
:mod:`wfm.roster.validate_labour`), and with a breaks frame the break
rules (``break_*``, see :func:`validate`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError
from ..frames import require_columns, to_timestamps
from .rules import Rules
from .validate_labour import labour_violations, night_overlap, start_spread_hours

__all__ = ["validate", "VIOLATION_COLUMNS"]

VIOLATION_COLUMNS = ("agent_id", "date", "rule", "detail")


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _items(value: object) -> list[str]:
    if _blank(value):
        return []
    if isinstance(value, (int, float, np.integer, np.floating)):
        return [str(float(value))]
    return [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]


def _truthy(value: object) -> bool:
    if _blank(value):
        return True
    return str(value).strip().lower() not in {"false", "0", "no", "n", "f", "0.0"}


def _agent_terms(row: pd.Series, rules: Rules) -> dict:
    contract = rules.contracts.get(str(row["contract"]).strip())
    if contract is None:
        return {}
    lengths = {round(float(x) * 60) for x in _items(row.get("shift_lengths_h"))}
    templates = {s.length_minutes: s for s in contract.shifts if not lengths or s.length_minutes in lengths}

    def hours(name: str, default: float) -> float:
        value = row.get(name)
        return default if _blank(value) else float(value)

    prev_end = row.get("prev_shift_end")

    def whole(name: str) -> float:
        value = row.get(name)
        return 0.0 if _blank(value) else float(value)

    return {
        "avg_minutes": None if contract.avg_hours_week is None else contract.avg_hours_week * 60,
        "tolerance_minutes": contract.cycle_tolerance_hours * 60,
        "prev_type": "" if _blank(row.get("prev_shift_type")) else str(row.get("prev_shift_type")).strip(),
        "cycle_done": int(whole("cycle_weeks_done")),
        "cycle_minutes_so_far": whole("cycle_hours_so_far") * 60,
        "cycle_weekends_so_far": int(whole("cycle_weekends_worked")),
        "templates": templates,
        "min_minutes": round(hours("min_hours_week", contract.min_hours_week) * 60),
        "max_minutes": round(hours("max_hours_week", contract.max_hours_week) * 60),
        "night_allowed": _truthy(row.get("night_allowed")),
        "unavailable": {pd.Timestamp(x).date() for x in _items(row.get("unavailable_dates"))},
        "windows": [tuple(pd.Timestamp(p) for p in x.split("/")) for x in _items(row.get("unavailable_windows"))],
        "prev_end": None if _blank(prev_end) else pd.Timestamp(prev_end),
        "prev_run": 0 if _blank(row.get("prev_consecutive_days")) else int(float(row.get("prev_consecutive_days"))),
        "night_cap": min(
            rules.max_night_shifts_per_week,
            7 if contract.max_night_shifts_week is None else contract.max_night_shifts_week,
            _whole_cap(row.get("max_night_shifts_week"), str(row["agent_id"])),
        ),
    }


def _whole_cap(value: object, agent_id: str) -> int:
    """An agents-frame cap on night shifts a week (7 when blank)."""
    if _blank(value):
        return 7
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number != int(number) or not 0 <= number <= 7:
        raise InvalidInputError(
            f"agents column max_night_shifts_week must be a whole number in [0, 7], got {value!r} (agent {agent_id})"
        )
    return int(number)


def validate(
    roster: pd.DataFrame,
    agents: pd.DataFrame,
    rules: Rules,
    *,
    horizon_start: pd.Timestamp | str | None = None,
    horizon_days: int | None = None,
    breaks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """List every hard-rule violation of a roster (and of its breaks when given).

    Parameters
    ----------
    roster
        ``agent_id, date, shift_start, shift_end``.
    agents
        The agents frame the roster was built for (columns in :mod:`wfm.roster.agents`).
    rules
        The rules the roster must meet.
    horizon_start, horizon_days
        First day and length of the horizon (weeks are 7-day blocks from its start). Default:
        the roster's first and last dates.
    breaks
        ``agent_id, break_start, break_end, kind`` (``paid`` optional). When given, every
        shift's breaks are checked against its template's break rules: ``break_outside_shift``,
        ``break_count`` (kinds and number, in time order), ``break_duration``, ``break_window``
        (start measured from the shift start), ``break_overlap``, ``break_min_work`` (work
        before, between and after breaks), ``break_paid``, ``break_step`` (a start that is not a
        multiple of the break's ``start_step_minutes`` into the shift). None skips the break rules.

    Returns
    -------
    pandas.DataFrame
        ``agent_id, date, rule, detail``: one row per violation; empty when the roster is legal.
        Seat violations have an empty ``agent_id``.

    Examples
    --------
    >>> bad = validate(result.roster, agents, rules)  # doctest: +SKIP
    >>> bad.empty                                     # doctest: +SKIP
    True
    """
    require_columns(roster, ["agent_id", "date", "shift_start", "shift_end"], "roster")
    require_columns(agents, ["agent_id", "contract"], "agents")
    shifts = (
        pd.DataFrame(
            {
                "agent_id": roster["agent_id"].astype(str).to_numpy(),
                "date": pd.to_datetime(to_timestamps(roster["date"], "date", "roster")).dt.normalize().to_numpy(),
                "start": to_timestamps(roster["shift_start"], "shift_start", "roster").to_numpy(),
                "end": to_timestamps(roster["shift_end"], "shift_end", "roster").to_numpy(),
            }
        )
        .sort_values(["agent_id", "start"], kind="stable")
        .reset_index(drop=True)
    )
    out: list[tuple[str | None, object, str, str]] = []

    if horizon_start is None:
        if shifts.empty:
            return pd.DataFrame(columns=list(VIOLATION_COLUMNS))
        horizon_start = shifts["date"].min()
    origin = pd.Timestamp(horizon_start).normalize()
    if horizon_days is None:
        horizon_days = int((shifts["date"].max() - origin).days) + 1 if not shifts.empty else 7
    if horizon_days < 1:
        raise InvalidInputError(f"horizon_days must be >= 1, got {horizon_days}")

    terms_by_id: dict[str, dict] = {}
    for _, row in agents.iterrows():
        terms = _agent_terms(row, rules)
        terms_by_id[str(row["agent_id"])] = terms

    rest = pd.Timedelta(hours=rules.min_rest_hours)
    blocks = [(origin + pd.Timedelta(days=d), min(7, horizon_days - d)) for d in range(0, horizon_days, 7)]
    for agent_id, group in shifts.groupby("agent_id", sort=True):
        found = terms_by_id.get(agent_id)
        if not found:
            out.append(
                (
                    agent_id,
                    group["date"].iloc[0],
                    "unknown_agent",
                    "agent not in the agents frame (or its contract is not in the rules)",
                )
            )
            continue
        terms = found
        group = group.reset_index(drop=True)
        paid = []
        for _, s in group.iterrows():
            day = s["date"].date()
            length = int((s["end"] - s["start"]) / pd.Timedelta(minutes=1))
            clock = int((s["start"] - s["date"]) / pd.Timedelta(minutes=1))
            if s["start"].normalize() != s["date"]:
                out.append((agent_id, day, "shift_date", f"shift starting {s['start']} is dated {day}"))
            tpl = terms["templates"].get(length)
            if tpl is None:
                out.append(
                    (
                        agent_id,
                        day,
                        "shift_template",
                        f"shift of {length / 60:g} h is not an allowed length "
                        f"({', '.join(f'{m / 60:g}' for m in sorted(terms['templates']))} h)",
                    )
                )
                paid.append(length)
            else:
                paid.append(length - tpl.unpaid_minutes)
                if not (
                    tpl.earliest_start_minute <= clock <= tpl.latest_start_minute
                    and (clock - tpl.earliest_start_minute) % tpl.start_step_minutes == 0
                ):
                    out.append(
                        (
                            agent_id,
                            day,
                            "shift_template",
                            f"start {s['start'].strftime('%H:%M')} outside the template's starts",
                        )
                    )
            if day in terms["unavailable"]:
                out.append((agent_id, day, "unavailable", f"shift on unavailable date {day}"))
            for ws, we in terms["windows"]:
                if s["start"] < we and s["end"] > ws:
                    out.append(
                        (
                            agent_id,
                            day,
                            "unavailable_window",
                            f"shift {s['start']}-{s['end']} overlaps unavailable window {ws}-{we}",
                        )
                    )
            if not terms["night_allowed"] and night_overlap(s["start"], s["end"], rules):
                out.append(
                    (
                        agent_id,
                        day,
                        "night_not_allowed",
                        f"shift {s['start']:%H:%M}-{s['end']:%H:%M} touches the night window",
                    )
                )
        group["paid"] = paid
        group["night"] = [night_overlap(a, b, rules) for a, b in zip(group["start"], group["end"])]
        # One shift per day.
        for day, count in group["date"].value_counts().items():
            if count > 1:
                out.append((agent_id, day.date(), "one_shift_per_day", f"{count} shifts start on {day.date()}"))
        # Rest between consecutive shifts, starting from the previous week's last shift.
        previous_end = terms["prev_end"]
        for _, s in group.iterrows():
            if previous_end is not None and s["start"] - previous_end < rest:
                gap = (s["start"] - previous_end) / pd.Timedelta(hours=1)
                out.append(
                    (
                        agent_id,
                        s["date"].date(),
                        "min_rest",
                        f"{gap:g} h rest before the shift at {s['start']}, need {rules.min_rest_hours:g} h",
                    )
                )
            previous_end = s["end"] if previous_end is None else max(previous_end, s["end"])
        # Consecutive working days, continuing the previous week's run.
        worked = sorted(set(group["date"]))
        run, last = 0, None
        for day in worked:
            if last is not None and (day - last) == pd.Timedelta(days=1):
                run += 1
            else:
                run = 1 + (terms["prev_run"] if day == origin else 0)
            if run > rules.max_consecutive_days:
                out.append(
                    (
                        agent_id,
                        day.date(),
                        "max_consecutive_days",
                        f"day {run} in a row, limit {rules.max_consecutive_days}",
                    )
                )
            last = day
        # Weekly rules, per 7-day block of the horizon.
        for block_start, n_days in blocks:
            block_end = block_start + pd.Timedelta(days=n_days)
            week = group[(group["date"] >= block_start) & (group["date"] < block_end)]
            days_on = set(week["date"])
            off_needed = max(0, rules.min_days_off_per_week - (7 - n_days))
            off_days = n_days - len(days_on)
            d = block_start.date()
            if off_days < off_needed:
                out.append((agent_id, d, "days_off", f"{off_days} day(s) off in the week of {d}, need {off_needed}"))
            elif rules.days_off_consecutive and off_needed >= 2:
                longest = current = 0
                for k in range(n_days):
                    current = 0 if (block_start + pd.Timedelta(days=k)) in days_on else current + 1
                    longest = max(longest, current)
                if longest < off_needed:
                    out.append(
                        (
                            agent_id,
                            d,
                            "days_off_consecutive",
                            f"longest run of days off {longest} in the week of {d}, need {off_needed}",
                        )
                    )
            paid_minutes = int(week["paid"].sum())
            min_minutes = terms["min_minutes"] if n_days == 7 else 0
            if not min_minutes <= paid_minutes <= terms["max_minutes"]:
                out.append(
                    (
                        agent_id,
                        d,
                        "weekly_hours",
                        f"{paid_minutes / 60:g} paid h in the week of {d}, expected "
                        f"{min_minutes / 60:g}-{terms['max_minutes'] / 60:g}",
                    )
                )
            nights = int(week["night"].sum())
            if nights > terms["night_cap"]:
                out.append(
                    (
                        agent_id,
                        d,
                        "max_night_shifts",
                        f"{nights} night shifts in the week of {d}, limit {terms['night_cap']}",
                    )
                )
            if len(week) > 1:
                clocks = (week["start"] - week["date"]) / pd.Timedelta(hours=1)
                spread = start_spread_hours(clocks.to_numpy(), rules.start_stability_clock == "circular")
                if spread > rules.start_stability_hours + 1e-9:
                    out.append(
                        (
                            agent_id,
                            d,
                            "start_stability",
                            f"starts {spread:g} h apart in the week of {d}, limit {rules.start_stability_hours:g} h",
                        )
                    )

    out += _cycle_violations(shifts, terms_by_id, rules, origin, horizon_days)
    out += labour_violations(shifts, terms_by_id, rules, origin, horizon_days)

    # Seats: heads on shift at any instant, previous-week shifts still running included.
    events: list[tuple[pd.Timestamp, int]] = []
    for s, e in zip(shifts["start"], shifts["end"]):
        events += [(s, 1), (e, -1)]
    for terms in terms_by_id.values():
        if terms and terms["prev_end"] is not None and terms["prev_end"] > origin:
            events += [(origin, 1), (terms["prev_end"], -1)]
    events.sort(key=lambda ev: (ev[0], ev[1]))  # ends before starts at the same instant
    heads, worst, worst_at = 0, 0, origin
    for when, change in events:
        heads += change
        if heads > worst:
            worst, worst_at = heads, when
    if worst > rules.seats:
        out.append((None, worst_at.date(), "seats", f"{worst} agents on shift at {worst_at}, seats {rules.seats}"))

    if breaks is not None:
        out += _break_violations(shifts, breaks, terms_by_id)

    frame = pd.DataFrame(out, columns=list(VIOLATION_COLUMNS))
    return frame.sort_values(["rule", "agent_id", "date"], kind="stable", na_position="first").reset_index(drop=True)


def _break_violations(shifts: pd.DataFrame, breaks: pd.DataFrame, terms_by_id: dict[str, dict]) -> list[tuple]:
    """Every break rule, re-derived from the timestamps of the shifts and breaks."""
    require_columns(breaks, ["agent_id", "break_start", "break_end", "kind"], "breaks")
    frame = pd.DataFrame(
        {
            "agent_id": breaks["agent_id"].astype(str).to_numpy(),
            "start": to_timestamps(breaks["break_start"], "break_start", "breaks").to_numpy(),
            "end": to_timestamps(breaks["break_end"], "break_end", "breaks").to_numpy(),
            "kind": breaks["kind"].astype(str).to_numpy(),
            "paid": breaks["paid"].map(_truthy).to_numpy() if "paid" in breaks.columns else None,
        }
    )
    out: list[tuple] = []
    minute = pd.Timedelta(minutes=1)
    by_agent = {a: g.sort_values("start", kind="stable") for a, g in frame.groupby("agent_id", sort=True)}
    owned: set[int] = set()
    for agent_id, group in shifts.groupby("agent_id", sort=True):
        terms = terms_by_id.get(agent_id)
        agent_breaks = by_agent.get(agent_id, frame.iloc[:0])
        for _, s in group.iterrows():
            day = s["date"].date()
            mine = agent_breaks[(agent_breaks["start"] >= s["start"]) & (agent_breaks["end"] <= s["end"])]
            owned.update(mine.index.tolist())
            tpl = terms["templates"].get(int((s["end"] - s["start"]) / minute)) if terms else None
            if tpl is None:
                continue  # the shift itself is already reported (unknown agent or template)
            rules_ = list(tpl.breaks)
            kinds = mine["kind"].tolist()
            expected = [b.kind for b in rules_]
            if kinds != expected:
                out.append(
                    (
                        agent_id,
                        day,
                        "break_count",
                        f"shift at {s['start']} has breaks [{', '.join(kinds)}], expected "
                        f"[{', '.join(expected)}] in that order",
                    )
                )
            else:
                for (_, b), rule in zip(mine.iterrows(), rules_):
                    length = (b["end"] - b["start"]) / minute
                    if length != rule.minutes:
                        out.append(
                            (
                                agent_id,
                                day,
                                "break_duration",
                                f"{rule.kind} at {b['start']} lasts {length:g} min, expected {rule.minutes}",
                            )
                        )
                    offset = (b["start"] - s["start"]) / minute
                    if not rule.earliest_minute <= offset <= rule.latest_minute:
                        out.append(
                            (
                                agent_id,
                                day,
                                "break_window",
                                f"{rule.kind} starts {offset / 60:g} h into the shift at {s['start']}, "
                                f"expected {rule.earliest_minute / 60:g}-{rule.latest_minute / 60:g} h",
                            )
                        )
                    if rule.start_step_minutes and offset % rule.start_step_minutes:
                        out.append(
                            (
                                agent_id,
                                day,
                                "break_step",
                                f"{rule.kind} starts {offset:g} min into the shift at {s['start']}, expected a "
                                f"multiple of {rule.start_step_minutes} min",
                            )
                        )
                    if b["paid"] is not None and bool(b["paid"]) != rule.paid:
                        out.append(
                            (
                                agent_id,
                                day,
                                "break_paid",
                                f"{rule.kind} at {b['start']} marked paid={bool(b['paid'])}, rule says {rule.paid}",
                            )
                        )
            # Overlaps and work stretches, whatever the kinds.
            edges = [s["start"]] + [t for pair in zip(mine["start"], mine["end"]) for t in pair] + [s["end"]]
            for k in range(len(mine)):
                if k and mine["start"].iloc[k] < mine["end"].iloc[k - 1]:
                    out.append(
                        (
                            agent_id,
                            day,
                            "break_overlap",
                            f"break at {mine['start'].iloc[k]} overlaps the one ending {mine['end'].iloc[k - 1]}",
                        )
                    )
            if tpl.min_work_minutes and len(mine):
                for k in range(0, len(edges), 2):
                    work = (edges[k + 1] - edges[k]) / minute
                    if 0 <= work < tpl.min_work_minutes:
                        out.append(
                            (
                                agent_id,
                                day,
                                "break_min_work",
                                f"{work:g} min of work from {edges[k]} to {edges[k + 1]}, need {tpl.min_work_minutes}",
                            )
                        )
    for idx, b in frame.iterrows():
        if idx not in owned:
            out.append(
                (
                    b["agent_id"],
                    pd.Timestamp(b["start"]).date(),
                    "break_outside_shift",
                    f"{b['kind']} {b['start']}-{b['end']} is not inside one of the agent's shifts",
                )
            )
    return out


def _type_of(clock_minutes: int, rules: Rules) -> str:
    """The shift type whose [from, to) start window holds this clock time ("" when none)."""
    for t in rules.shift_types:
        lo, hi = t.start_minute, t.end_minute
        inside = lo <= clock_minutes < hi if lo < hi else (clock_minutes >= lo or clock_minutes < hi)
        if inside:
            return t.name
    return ""


def _cycle_violations(
    shifts: pd.DataFrame, terms_by_id: dict[str, dict], rules: Rules, origin: pd.Timestamp, horizon_days: int
) -> list[tuple]:
    """Rules spanning weeks, for every agent (also those without shifts), from the timestamps.

    ``overtime_day`` (a shift paying more than standard_day_hours + max_overtime_hours_per_day);
    ``cycle_hours`` (paid hours of a cycle, with the agent's ``cycle_hours_so_far``, outside
    avg_hours_week x cycle_weeks +/- cycle_tolerance_hours: a cycle running past the horizon
    fails only if its remaining weeks, at min/max_hours_week, could not bring it back; a cycle
    holding a shorter final block has only the maximum); ``overtime_cycle`` (more than
    max_overtime_hours_per_cycle above that norm, counting the remaining weeks at their minimum);
    ``weekends_worked`` (a weekend is worked when its Saturday or Sunday is; counted in the cycle
    of the 7-day block holding its Saturday); ``min_work_stretch`` (a run of working days shorter
    than min_work_stretch_days, its days before the horizon counted; runs reaching the horizon end
    are open, and the previous roster's run ending the day before the horizon is not judged);
    ``forbidden_succession`` (shift types on consecutive days, from prev_shift_type too).
    """
    out: list[tuple] = []
    one_day = pd.Timedelta(days=1)
    last_day = origin + pd.Timedelta(days=horizon_days - 1)
    n_blocks = -(-horizon_days // 7)
    short = horizon_days % 7 != 0
    pairs = set(map(tuple, rules.forbidden_successions))
    by_agent = {a: g for a, g in shifts.groupby("agent_id", sort=True)}
    for agent_id, terms in sorted(terms_by_id.items()):
        if not terms:
            continue
        group = by_agent.get(agent_id, shifts.iloc[:0])
        paid_by_date: dict[pd.Timestamp, float] = {}
        type_by_date: dict[pd.Timestamp, str] = {}
        for _, s in group.iterrows():
            length = (s["end"] - s["start"]) / pd.Timedelta(minutes=1)
            tpl = terms["templates"].get(int(length))
            paid = length - (tpl.unpaid_minutes if tpl is not None else 0)
            paid_by_date[s["date"]] = paid_by_date.get(s["date"], 0.0) + paid
            type_by_date[s["date"]] = _type_of(int((s["start"] - s["date"]) / pd.Timedelta(minutes=1)), rules)
            if (
                rules.max_overtime_hours_per_day is not None
                and paid - rules.standard_day_hours * 60 > rules.max_overtime_hours_per_day * 60 + 1e-6
            ):
                out.append(
                    (
                        agent_id,
                        s["date"].date(),
                        "overtime_day",
                        f"{paid / 60:g} paid h on {s['date'].date()}: "
                        f"{paid / 60 - rules.standard_day_hours:g} h above standard_day_hours "
                        f"{rules.standard_day_hours:g}, limit {rules.max_overtime_hours_per_day:g}",
                    )
                )
        done = terms["cycle_done"]
        # Cycles of this agent: block b belongs to cycle (b + done) // cycle_weeks.
        cycles: dict[int, list[int]] = {}
        for b in range(n_blocks):
            cycles.setdefault((b + done) // rules.cycle_weeks, []).append(b)
        for c, blocks in cycles.items():
            first = origin + pd.Timedelta(days=7 * blocks[0])
            if terms["avg_minutes"] is None:
                continue
            total = terms["cycle_minutes_so_far"] if c == 0 else 0.0
            total += sum(m for d, m in paid_by_date.items() if (d - origin).days // 7 in blocks)
            after = rules.cycle_weeks - (done if c == 0 else 0) - len(blocks)
            norm = terms["avg_minutes"] * rules.cycle_weeks
            lowest = total + terms["min_minutes"] * after
            highest = total + terms["max_minutes"] * after
            has_short = short and (n_blocks - 1) in blocks
            if lowest > norm + terms["tolerance_minutes"] + 1e-6 or (
                not has_short and highest < norm - terms["tolerance_minutes"] - 1e-6
            ):
                out.append(
                    (
                        agent_id,
                        first.date(),
                        "cycle_hours",
                        f"{total / 60:g} paid h in the cycle from {first.date()} (cycle_hours_so_far included"
                        f"{f', {after} week(s) after the horizon' if after else ''}), expected "
                        f"{(norm - terms['tolerance_minutes']) / 60:g}-{(norm + terms['tolerance_minutes']) / 60:g}",
                    )
                )
            cap = rules.max_overtime_hours_per_cycle
            if cap is not None and lowest - norm > cap * 60 + 1e-6:
                out.append(
                    (
                        agent_id,
                        first.date(),
                        "overtime_cycle",
                        f"{(lowest - norm) / 60:g} h above the cycle norm {norm / 60:g} h in the cycle from "
                        f"{first.date()}, limit {cap:g}",
                    )
                )
        worked = sorted(paid_by_date)
        if rules.max_weekends_worked_per_cycle is not None:
            counts: dict[int, int] = {}
            for d in range(-1, horizon_days):
                sat = origin + pd.Timedelta(days=d)
                if sat.weekday() != 5:
                    continue
                days = [x for x in (sat, sat + one_day) if origin <= x <= last_day]
                c = (max(d, 0) // 7 + done) // rules.cycle_weeks
                counts[c] = counts.get(c, terms["cycle_weekends_so_far"] if c == 0 else 0) + int(
                    any(x in paid_by_date for x in days)
                )
            for c, count in sorted(counts.items()):
                if count > rules.max_weekends_worked_per_cycle:
                    block = max(0, c * rules.cycle_weeks - done)
                    out.append(
                        (
                            agent_id,
                            (origin + pd.Timedelta(days=7 * block)).date(),
                            "weekends_worked",
                            f"{count} weekends worked in the cycle from "
                            f"{(origin + pd.Timedelta(days=7 * block)).date()} (cycle_weekends_worked included), "
                            f"limit {rules.max_weekends_worked_per_cycle}",
                        )
                    )
        if rules.min_work_stretch_days > 1:
            k = 0
            while k < len(worked):
                j = k
                while j + 1 < len(worked) and worked[j + 1] - worked[j] == one_day:
                    j += 1
                length = j - k + 1 + (terms["prev_run"] if worked[k] == origin else 0)
                if worked[j] < last_day and length < rules.min_work_stretch_days:
                    out.append(
                        (
                            agent_id,
                            worked[k].date(),
                            "min_work_stretch",
                            f"{length} working day(s) in a row from {worked[k].date()}, need "
                            f"{rules.min_work_stretch_days}",
                        )
                    )
                k = j + 1
        if pairs:
            previous = (origin - one_day, terms["prev_type"]) if terms["prev_run"] >= 1 and terms["prev_type"] else None
            for d in worked:
                if previous is not None and d - previous[0] == one_day and (previous[1], type_by_date[d]) in pairs:
                    out.append(
                        (
                            agent_id,
                            d.date(),
                            "forbidden_succession",
                            f"{type_by_date[d]} shift on {d.date()} after a {previous[1]} shift the day before",
                        )
                    )
                previous = (d, type_by_date[d])
    return out
