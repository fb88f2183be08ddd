"""Tests of the HTML planning report (wfm.report).

The frames are synthetic but shaped like a real run (a week of 15-minute intervals, queues,
named agents with overnight shifts and breaks). The page is checked by parsing it with the
standard library's HTML parser and, where Debian's ``chromium`` is installed, by rendering
it headless and checking the browser saw no errors.
"""

from __future__ import annotations

import base64
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from report_helpers import chromium_args, load_in_chromium, need_chromium, read_cards
from wfm.exceptions import InvalidInputError
from wfm.report import SECTION_IDS, render_report, write_report

QUEUES = ("retail_inquiries", "credit_cards", "phone_transactions", "complaints", "vip", "outbound_callbacks")


def make_plan(
    *,
    queues: tuple[str, ...] = QUEUES,
    n_agents: int = 120,
    days: int = 7,
    start: str = "2026-11-30",
    with_breaks: bool = True,
    seed: int = 3,
) -> dict:
    """A synthetic planning run: every frame render_report takes."""
    rng = np.random.default_rng(seed)
    step = pd.Timedelta(minutes=15)
    t0 = pd.Timestamp(start)
    fc_times = pd.date_range(t0, periods=days * 96, freq=step)
    hist_times = pd.date_range(t0 - pd.Timedelta(days=35), t0 - step, freq=step)

    def rate(times: pd.DatetimeIndex, scale: float) -> np.ndarray:
        hour = times.hour + times.minute / 60
        day = np.where(times.day_of_week >= 5, 0.6, 1.0)
        return scale * day * (0.08 + np.exp(-((hour - 11.0) ** 2) / 18.0))

    history, forecast = [], []
    for q, queue in enumerate(queues):
        scale = 400.0 / (q + 1)
        history.append(
            pd.DataFrame({"queue": queue, "interval_start": hist_times, "calls": rng.poisson(rate(hist_times, scale))})
        )
        mean = rate(fc_times, scale)
        forecast.append(
            pd.DataFrame(
                {
                    "queue": queue,
                    "interval_start": fc_times,
                    "calls": mean,
                    "aht_sec": 300.0,
                    "calls_lo_80": mean * 0.85,
                    "calls_hi_80": mean * 1.15,
                    "model": "seasonal_naive",
                }
            )
        )
    history = pd.concat(history, ignore_index=True)
    forecast = pd.concat(forecast, ignore_index=True)
    requirements = forecast.copy()
    requirements["erlangs"] = requirements["calls"] * requirements["aht_sec"] / 900.0
    requirements["agents"] = np.ceil(requirements["erlangs"] + 1.5 * np.sqrt(requirements["erlangs"]) + 1)
    requirements["agents_scheduled"] = np.ceil(requirements["agents"] / 0.7)
    requirements["service_level"] = np.clip(0.8 + rng.normal(0, 0.02, len(requirements)), 0, 1)
    requirements["asa_sec"] = 12.0
    requirements["occupancy"] = requirements["erlangs"] / requirements["agents"]

    # Agents: five shifts a week of 9 h, starts spread over the day (late ones cross midnight).
    rows = []
    for a in range(n_agents):
        start_hour = 6 + (a * 37 % 34) * 0.5
        off = {(a % 7), ((a + 1) % 7)}
        for d in range(days):
            if d % 7 in off:
                continue
            begin = t0 + pd.Timedelta(days=d, hours=start_hour)
            rows.append((f"A{a:04d}", begin.normalize().date(), begin, begin + pd.Timedelta(hours=9)))
    roster = pd.DataFrame(rows, columns=["agent_id", "date", "shift_start", "shift_end"])
    if with_breaks:
        breaks = pd.concat(
            [
                pd.DataFrame(
                    {
                        "agent_id": roster["agent_id"],
                        "break_start": roster["shift_start"] + pd.Timedelta(hours=2),
                        "break_end": roster["shift_start"] + pd.Timedelta(hours=2, minutes=15),
                        "kind": "short",
                    }
                ),
                pd.DataFrame(
                    {
                        "agent_id": roster["agent_id"],
                        "break_start": roster["shift_start"] + pd.Timedelta(hours=4),
                        "break_end": roster["shift_start"] + pd.Timedelta(hours=5),
                        "kind": "meal",
                    }
                ),
            ],
            ignore_index=True,
        )
    else:
        breaks = pd.DataFrame(columns=["agent_id", "break_start", "break_end", "kind"])

    # Coverage: agents on shift and not on break per interval, shared over queues by need.
    on = np.zeros(len(fc_times))
    idx = lambda ts: ((ts - t0) / step).to_numpy().astype(int)  # noqa: E731
    for s, e in zip(idx(roster["shift_start"]), idx(roster["shift_end"])):
        on[max(s, 0) : min(e, len(on))] += 1
    for s, e in zip(idx(breaks["break_start"]), idx(breaks["break_end"])) if len(breaks) else []:
        on[max(s, 0) : min(e, len(on))] -= 1
    need = requirements.pivot(index="interval_start", columns="queue", values="agents").reindex(columns=list(queues))
    share = need.to_numpy() / need.to_numpy().sum(axis=1, keepdims=True)
    scheduled = np.floor(share * on[:, None])
    coverage = pd.DataFrame(
        {
            "interval_start": np.repeat(fc_times, len(queues)),
            "queue": np.tile(list(queues), len(fc_times)),
            "required": need.to_numpy().ravel(),
            "scheduled": scheduled.ravel(),
        }
    )
    coverage["under"] = np.maximum(coverage["required"] - coverage["scheduled"], 0)
    coverage["over"] = np.maximum(coverage["scheduled"] - coverage["required"], 0)
    summary = {
        "as_of": str(t0.date()),
        "agents": n_agents,
        "service_level_target": 0.8,
        "seats": {"limit": 1700, "binding": False},
        "warnings": ["understaffed intervals"],
    }
    return dict(
        history=history,
        forecast=forecast,
        requirements=requirements,
        coverage=coverage,
        roster=roster,
        breaks=breaks,
        summary=summary,
    )


class _Collector(HTMLParser):
    """Collects section ids, image sources, links and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.urls: list[str] = []
        self.tables = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self.sections.append(values.get("id") or "")
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag == "table":
            self.tables += 1
        for name in ("src", "href"):
            if values.get(name):
                self.urls.append(values[name] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def plan() -> dict:
    return make_plan()


@pytest.fixture(scope="module")
def page(plan: dict) -> str:
    return render_report(**plan, title="Week 49 plan")


# ---------------------------------------------------------------- structure


def test_page_has_every_section_in_order_and_embeds_its_images(page: str) -> None:
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.sections == list(SECTION_IDS)
    assert len(parsed.images) == 5  # forecast, coverage pooled and per queue, heat map, Gantt
    for src in parsed.images:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert 'class="daily"' in page and page.count('class="heat ') == 2  # daily figures, surplus and short hours
    assert "<details" in page  # the technical summary is collapsed
    assert "Week 49 plan" in "".join(parsed.text)


def test_page_is_self_contained(page: str) -> None:
    parsed = _parse(page)
    assert not re.search(r"https?://", page)
    assert not re.search(r"<script|<link|@import|url\(", page, re.IGNORECASE)
    assert all(u.startswith(("data:", "#")) for u in parsed.urls)


def test_daily_table_matches_an_independent_computation(plan: dict, page: str) -> None:
    # One row per day of the plan, with paid hours, calls and shortfalls recomputed here.
    text = "".join(_parse(page).text)
    roster = plan["roster"]
    first_day = pd.Timestamp(roster["date"].min())
    paid = roster[pd.to_datetime(roster["date"]) == first_day]
    paid_hours = ((paid["shift_end"] - paid["shift_start"]).dt.total_seconds() / 3600).sum()
    assert f"{paid_hours:,.0f}" in text
    req = plan["requirements"]
    day_calls = req[req["interval_start"].dt.normalize() == first_day]["calls"].sum()
    assert f"{day_calls:,.0f}" in text
    sl = (req["service_level"] * req["calls"]).groupby(req["interval_start"].dt.normalize()).sum() / req.groupby(
        req["interval_start"].dt.normalize()
    )["calls"].sum()
    assert f"{100 * sl.iloc[0]:.1f} %" in text
    cov = plan["coverage"].groupby("interval_start")["under"].sum()
    under_day1 = cov[cov.index.normalize() == first_day].sum() * 0.25
    assert f"{under_day1:,.1f}" in text
    for d in range(7):
        assert f"{first_day + pd.Timedelta(days=d):%a %Y-%m-%d}" in text


def test_summary_dict_is_shown_flattened_and_escaped(plan: dict) -> None:
    page = render_report(**{**plan, "summary": {"seats": {"binding": True}, "note": "<b>x</b> & y"}})
    text = "".join(_parse(page).text)
    assert "seats.binding" in text and "True" in text
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt; &amp; y" in page


def test_same_inputs_give_identical_bytes(plan: dict, page: str) -> None:
    assert render_report(**plan, title="Week 49 plan") == page


# ---------------------------------------------------------------- robustness


def test_empty_breaks_one_queue_and_no_optional_columns() -> None:
    plan = make_plan(queues=("retail_inquiries",), n_agents=15, with_breaks=False)
    plan["forecast"] = plan["forecast"][["queue", "interval_start", "calls"]]
    plan["requirements"] = plan["requirements"][["queue", "interval_start", "calls", "agents"]]
    page = render_report(**plan)
    parsed = _parse(page)
    assert parsed.sections == list(SECTION_IDS)
    assert "No breaks were scheduled." in page
    assert len(parsed.images) == 4  # one queue: no per-queue coverage panels


def test_empty_frames_render_placeholders() -> None:
    plan = make_plan(queues=("vip",), n_agents=3, days=1)
    empty = {k: v.iloc[0:0] for k, v in plan.items() if isinstance(v, pd.DataFrame)}
    page = render_report(**empty, summary={})
    parsed = _parse(page)
    assert parsed.sections == list(SECTION_IDS)
    assert parsed.images == []
    assert "The roster is empty." in page


def test_timezone_aware_and_string_timestamps_are_accepted() -> None:
    plan = make_plan(queues=("vip",), n_agents=5, days=2)
    plan["forecast"] = plan["forecast"].assign(
        interval_start=plan["forecast"]["interval_start"].dt.tz_localize("Asia/Shanghai")
    )
    plan["roster"] = plan["roster"].assign(
        shift_start=plan["roster"]["shift_start"].astype(str), shift_end=plan["roster"]["shift_end"].astype(str)
    )
    assert "<section" in render_report(**plan)


@pytest.mark.parametrize(
    ("frame", "drop", "match"),
    [
        ("coverage", "under", "coverage frame is missing column"),
        ("roster", "shift_end", "roster frame is missing column"),
        ("breaks", "kind", "breaks frame is missing column"),
        ("forecast", "calls", "forecast frame is missing column"),
    ],
)
def test_missing_columns_are_named(plan: dict, frame: str, drop: str, match: str) -> None:
    bad = {**plan, frame: plan[frame].drop(columns=[drop])}
    with pytest.raises(InvalidInputError, match=match):
        render_report(**bad)


def test_bad_values_and_parameters_raise(plan: dict) -> None:
    bad = {**plan, "coverage": plan["coverage"].assign(required="many")}
    with pytest.raises(InvalidInputError, match="coverage column required must be numeric"):
        render_report(**bad)
    with pytest.raises(InvalidInputError, match="gantt_agents must be a positive integer"):
        render_report(**plan, gantt_agents=0)
    with pytest.raises(InvalidInputError, match="summary must be a dict"):
        render_report(**{**plan, "summary": [1, 2]})


def test_unparsable_roster_date_is_named(plan: dict) -> None:
    roster = plan["roster"].astype({"date": object})
    roster.loc[5, "date"] = "someday"
    with pytest.raises(InvalidInputError, match=r"roster column date must hold timestamps \(ISO 8601.*got 'someday'"):
        render_report(**{**plan, "roster": roster})


def test_periods_ending_before_they_start_are_rejected(plan: dict) -> None:
    roster = plan["roster"].copy()
    roster.loc[3, "shift_end"] = roster.loc[3, "shift_start"]
    with pytest.raises(InvalidInputError, match="roster row 3: shift_end must be after shift_start"):
        render_report(**{**plan, "roster": roster})


def test_write_report_writes_atomically(plan: dict, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    assert write_report(target, **plan) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(InvalidInputError):
        write_report(target, **{**plan, "roster": plan["roster"].drop(columns=["date"])})
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # old file kept
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


# ---------------------------------------------------------------- headless Chromium


@pytest.fixture(scope="module")
def browser() -> str:
    return need_chromium()


def test_chromium_check_sees_console_errors(browser: str, tmp_path: Path) -> None:
    # The check below must be able to fail: a page with a script error is caught.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>throw new Error('kaboom')</script></body></html>")
    _, console = load_in_chromium(browser, bad.as_uri(), tmp_path)
    assert any("kaboom" in line for line in console)


def test_report_renders_in_headless_chromium(browser: str, plan: dict, tmp_path: Path) -> None:
    target = write_report(tmp_path / "report.html", **plan)
    dom, console = load_in_chromium(browser, target.as_uri(), tmp_path)
    assert not console, console
    # The browser parsed the whole page: every section and image made it into the DOM.
    parsed = _parse(dom)
    assert parsed.sections == list(SECTION_IDS)
    assert len(parsed.images) == 5
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [
            browser,
            *chromium_args(tmp_path / "profile"),
            "--window-size=1280,4000",
            f"--screenshot={shot}",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_diagnosis_findings_are_shown_with_the_short_periods():
    inputs = make_plan(queues=("vip",), n_agents=10, days=1)
    findings = ["Mon 2026-11-30 06:00-08:00: 4 agent(s) short at peak <b>", "Hours: enough."]
    inputs["summary"] = {
        "agents": 3,
        "diagnosis": {"findings": findings, "checks_run": []},
        "warnings": ["skills: vip is short of skilled agents <i>"],
    }
    page = render_report(**inputs)
    parsed = _parse(page)
    assert parsed.sections == list(SECTION_IDS)
    short = page[page.index('<section id="short">') : page.index('<section id="surplus">')]
    assert "4 agent(s) short at peak &lt;b&gt;" in short and "Hours: enough." in short
    assert "vip is short of skilled agents &lt;i&gt;" in short


def test_cards_show_the_summary_values_they_name(plan: dict) -> None:
    summary = {
        "warnings": ["roster: short <x>"],
        "forecast_calls": 1234.5,
        "roster": {
            "interval_minutes": 30,
            "under_agent_intervals": 7,
            "over_agent_intervals": 0,
            "under_staffed_intervals": 3,
            "peak_seats_used": 99,
            "seats": 120,
            "status": "FEASIBLE",
            "preferences_asked": 10,
            "preferences_granted": 4,
        },
        "service": {
            "paid_hours": 800.0,
            "service_level_planned": 0.8123,
            "simulated": {"queue_days_missing_target": 2},
        },
    }
    cards = {c["key"]: c for c in read_cards(render_report(**{**plan, "summary": summary})).cards}
    assert cards["warnings"]["value"] == "1 warning" and cards["warnings"]["alert"] == "True"
    assert cards["forecast_calls"]["value"] == "1,234"  # 1234.5 to even
    assert cards["roster.under_agent_intervals"]["value"] == "3.5"  # 7 intervals of 30 minutes
    assert cards["roster.under_agent_intervals"]["raw"] == "7"
    assert cards["roster.over_agent_intervals"]["alert"] == "False"
    assert cards["roster.peak_seats_used"]["label"] == "peak seats used of 120"
    assert cards["roster.preferences_granted"]["label"] == "wishes granted of 10"
    assert cards["service.service_level_planned"]["value"] == "81.2%"
    assert cards["service.simulated.queue_days_missing_target"]["alert"] == "True"
    assert set(cards) == {
        "warnings",
        "forecast_calls",
        "roster.under_agent_intervals",
        "roster.over_agent_intervals",
        "roster.under_staffed_intervals",
        "roster.peak_seats_used",
        "roster.preferences_granted",
        "roster.status",
        "service.paid_hours",
        "service.service_level_planned",
        "service.simulated.queue_days_missing_target",
    }


def test_service_cells_follow_service_csv(plan: dict) -> None:
    days = pd.to_datetime(["2026-11-30", "2026-12-01"])
    simulated = pd.DataFrame(
        {
            "queue": ["vip", "vip", "outbound"],
            "date": [days[0], days[1], days[0]],
            "calls": [10.0, 12.0, 5.0],
            "metric": ["service_level", "service_level", "asa_sec"],
            "target": [0.8, 0.8, 600.0],
            "erlang_allocated": [0.85, 0.83, 20.0],
            "simulated": [0.812, 0.70, 4321.0],
            "simulated_lo": [0.8, 0.65, 4000.0],
            "simulated_hi": [0.83, 0.75, 4600.0],
            "misses": [False, True, True],
        }
    )
    page = render_report(**plan, simulated=simulated)
    cells = {(c["queue"], c["date"]): c for c in read_cards(page).cells}
    assert cells[("vip", "2026-11-30")]["class"] == "met" and cells[("vip", "2026-11-30")]["sim"] == "81.2%"
    assert cells[("vip", "2026-12-01")]["class"] == "miss" and cells[("vip", "2026-12-01")]["band"] == "[65.0%–75.0%]"
    assert (
        cells[("outbound", "2026-11-30")]["sim"] == "4,321 s"
        and cells[("outbound", "2026-11-30")]["plan"] == "Erlang 20 s"
    )
    assert "no calls" in page  # outbound has no row for the second day
    with pytest.raises(InvalidInputError, match="simulated frame is missing column"):
        render_report(**plan, simulated=simulated.drop(columns=["misses"]))


def test_short_periods_and_surplus_tables_add_up_to_the_coverage(plan: dict) -> None:
    from wfm.report_figures import by_day_and_hour, short_periods

    pooled = (
        plan["coverage"].groupby("interval_start", as_index=False)[["required", "scheduled", "under", "over"]].sum()
    )
    step = pd.Timedelta(minutes=15)
    periods = short_periods(pooled, step)
    assert periods["short_agent_hours"].sum() == pytest.approx(pooled["under"].sum() * 0.25)
    assert (periods["start"].dt.normalize() == (periods["end"] - step).dt.normalize()).all()  # split at midnight
    # every short interval lies in exactly one period, and no period holds an interval that is not short
    inside = sum(
        ((pooled["interval_start"] >= p.start) & (pooled["interval_start"] < p.end)).sum() for p in periods.itertuples()
    )
    assert inside == int((pooled["under"] > 0).sum())
    over = by_day_and_hour(pooled, "over", step)
    assert over.to_numpy().sum() == pytest.approx(pooled["over"].sum() * 0.25)
    monday_nine = pooled[
        (pooled["interval_start"] >= "2026-11-30 09:00") & (pooled["interval_start"] < "2026-11-30 10:00")
    ]
    assert over.loc[pd.Timestamp("2026-11-30"), 9] == pytest.approx(monday_nine["over"].sum() * 0.25)


def test_surplus_section_leads_with_the_summarys_surplus_figures(plan: dict) -> None:
    from wfm.roster.surplus import surplus_figures

    pooled = (
        plan["coverage"].groupby("interval_start", as_index=False)[["required", "scheduled", "under", "over"]].sum()
    )
    figures = surplus_figures(pooled)  # what the pipeline puts in summary.json "surplus"
    page = render_report(**{**plan, "summary": {"surplus": figures}})
    surplus = page[page.index('<section id="surplus">') : page.index('<section id="seats">')]
    cards = {c["key"]: c for c in read_cards(surplus).cards}
    assert set(cards) == {
        "surplus.over_agent_hours",
        "surplus.within_10pct_share",
        "surplus.over_share_peak_hours",
        *(f"surplus.over_agent_hours_by_daypart.{p}" for p in ("night", "morning", "afternoon", "evening")),
    }
    for key, card in cards.items():
        node = figures
        for part in key.split(".")[1:]:
            node = node[part]
        assert card["raw"] == repr(float(node)), key
    # shown values, recomputed here from the coverage
    over = pooled["over"].sum() * 0.25
    assert cards["surplus.over_agent_hours"]["value"] == f"{over:,.1f}"
    night = pooled.loc[pooled["interval_start"].dt.hour < 6, "over"].sum() * 0.25
    assert cards["surplus.over_agent_hours_by_daypart.night"]["value"] == f"{night:,.1f}"
    assert cards["surplus.over_agent_hours_by_daypart.night"]["label"].startswith(
        "surplus agent-hours, night 00-06 h ("
    )
    assert f"Surplus: {over:,.1f} agent-hours" in surplus  # the day x hour table adds up to the same
    # the dayparts in the day's order, also from summary.json's sorted keys
    resorted = {**figures, "over_agent_hours_by_daypart": dict(sorted(figures["over_agent_hours_by_daypart"].items()))}
    again = render_report(**{**plan, "summary": {"surplus": resorted}})
    parts = [c["key"].rsplit(".", 1)[1] for c in read_cards(again).cards if "_by_daypart." in c["key"]]
    assert parts == ["night", "morning", "afternoon", "evening"]
    # no summary figures: no cards, the tables still there
    bare = render_report(**plan)
    bare_surplus = bare[bare.index('<section id="surplus">') : bare.index('<section id="seats">')]
    assert read_cards(bare_surplus).cards == [] and "Surplus:" in bare_surplus


def test_reading_the_plan_explains_carried_in_coverage_shrinkage_and_the_exit_code(plan: dict) -> None:
    from wfm.staffing import Targets, TargetSet

    start = plan["coverage"]["interval_start"].min()  # Mon 2026-11-30 00:00
    history = pd.DataFrame(
        {
            "agent_id": ["N1", "N2", "N3", "D1"],
            "prev_shift_end": [start + pd.Timedelta(hours=h) for h in (2, 5.5, 7, -3)],  # D1 ended before
        }
    )
    req = plan["requirements"]
    net, gross = float(req["agents"].sum()) * 0.25, float(req["agents_scheduled"].sum()) * 0.25
    targets = TargetSet(
        Targets(service_level=0.8, answer_sec=20, shrinkage=0.3), {"vip": Targets(0.9, 10, shrinkage=0.25)}
    )
    summary = {"requirements": {"net_agent_hours": net, "gross_agent_hours": gross}}
    page = render_report(
        **{**plan, "summary": summary},
        agent_history=history,
        targets=targets,
        attention={"attention_short_share": 0.1, "attention_total_short_share": 0.01},
    )
    explain = " ".join(page[page.index('<section id="explain">') : page.index('<section id="forecast">')].split())
    # carried in: 3 agents still on shift, until Mon 07:00, 2 + 5.5 + 7 agent-hours
    assert "3 agents were still on a shift of the previous roster" in explain
    assert "ends Mon 07:00" in explain and "(14.5 agent-hours" in explain
    # shrinkage: net and gross hours of the summary, the uplift, each queue's shrinkage from the targets
    assert (
        f"{net:,.0f} agent-hours over the horizon (net)" in explain and f"{gross:,.0f} agent-hours (gross)" in explain
    )
    assert f"{gross / net - 1:.1%}".replace("%", "") in explain
    assert "<td>vip</td><td>25%</td>" in explain and "<td>complaints</td><td>30%</td>" in explain
    # the exit code: the run's thresholds
    assert "short by more than 10% of its requirement" in explain and "above 1% of the required" in explain
    # no shift running into the plan: said so
    plain = render_report(**plan, agent_history=history.iloc[3:])
    assert "No shift of the previous roster runs into this plan" in plain


def test_technical_summary_is_collapsed_and_reads_the_gap_as_a_percentage(plan: dict) -> None:
    summary = {"roster": {"status": "FEASIBLE", "gap": 0.1234, "coverage_gap": 0.02, "lower_bound": 1000.0}}
    page = render_report(**{**plan, "summary": summary})
    technical = page[page.index('<section id="technical">') :]
    assert '<details id="technical-details"><summary>Solver status FEASIBLE, gap 12.3%:' in technical
    assert "<tr><td>gap to the bound</td><td>12.3%</td></tr>" in technical
    assert "<tr><td>coverage gap</td><td>2.0%</td></tr>" in technical
    assert "<tr><td>lower bound</td><td>1,000.0</td></tr>" in technical
    bare = render_report(**{**plan, "summary": {"roster": {"status": "FEASIBLE", "gap": None}}})
    assert "Solver status FEASIBLE, gap –:" in bare and "gap None" not in bare


def test_per_queue_panels_come_from_queue_coverage_when_the_coverage_is_pooled(plan: dict) -> None:
    columns = ["required", "scheduled", "under", "over"]
    pooled = plan["coverage"].groupby("interval_start", as_index=False)[columns].sum().assign(queue="pooled")
    alone = _parse(render_report(**{**plan, "coverage": pooled}))
    assert len(alone.images) == 4  # pooled coverage only: no per-queue panels
    page = render_report(**{**plan, "coverage": pooled}, queue_coverage=plan["coverage"])
    assert len(_parse(page).images) == 5 and "queue_coverage.csv" in page
    coverage = page[page.index('<section id="coverage">') : page.index('<section id="heatmap">')]
    assert "shared among the queues they are skilled for" in coverage
    with pytest.raises(InvalidInputError, match="queue_coverage frame is missing column"):
        render_report(**plan, queue_coverage=plan["coverage"].drop(columns=["under"]))


def test_a_deferrable_queue_s_panel_says_its_overdue_work_not_a_head_shortfall(plan: dict) -> None:
    # queue_coverage.csv ``overdue``: work past its deadline at each interval's end (agent-intervals);
    # 15-minute intervals, 2, 2 and 1 agent-intervals overdue at three intervals: the peak is
    # 2 x 0.25 = 0.5 agent-hours and some work is overdue during 3 x 0.25 = 0.75 h (the sum, 5
    # agent-intervals counted once per interval the work stays late, is not shown).
    columns = ["required", "scheduled", "under", "over"]
    pooled = plan["coverage"].groupby("interval_start", as_index=False)[columns].sum().assign(queue="pooled")
    by_queue = plan["coverage"].assign(overdue=0.0)
    late = by_queue.index[by_queue["queue"] == by_queue["queue"].iloc[0]][10:13]
    by_queue.loc[late, "overdue"] = [2.0, 2.0, 1.0]
    assert (pd.to_datetime(by_queue["interval_start"]).drop_duplicates().diff().dropna() == pd.Timedelta("15min")).all()
    page = render_report(**{**plan, "coverage": pooled}, queue_coverage=by_queue)
    coverage = page[page.index('<section id="coverage">') : page.index('<section id="heatmap">')]
    queue = str(by_queue["queue"].iloc[0])
    assert f"{queue}: up to 0.5 agent-hours of work overdue, some work overdue during 0.8 h" in coverage
    # without lateness the note is absent
    plain = render_report(**{**plan, "coverage": pooled}, queue_coverage=by_queue.assign(overdue=0.0))
    assert "work overdue" not in plain
