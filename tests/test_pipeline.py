"""End-to-end tests of the nightly run on a small centre (one queue, a few dozen agents).

The roster each run publishes is re-checked by the independent validator, the manifest's
hashes are recomputed from the files, and reruns are compared byte for byte.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from centre_helpers import AS_OF, ONE_FORECAST_MODEL, write_centre
from click.testing import CliRunner

from wfm import pipeline
from wfm.cli import main
from wfm.datasets import make_example_agents, make_example_history
from wfm.exceptions import ConfigError, InvalidInputError
from wfm.io import read_frame, read_history_source, write_frame
from wfm.roster import load_rules, validate


@pytest.fixture(scope="module")
def centre(tmp_path_factory) -> Path:
    """A small centre: the VIP queue's six weeks of history, 16 agents, the example rules."""
    folder = tmp_path_factory.mktemp("centre")
    write_centre(folder)
    return folder


@pytest.fixture(scope="module")
def two_runs(centre: Path) -> tuple[Path, Path, object]:
    """The same configuration run twice through the CLI into two output folders."""
    runner = CliRunner()
    results = []
    for name in ("a", "b"):
        result = runner.invoke(main, ["-q", "run", str(centre / "wfm.toml"), "-o", str(centre / name)])
        results.append(result)
    return centre / "a" / AS_OF, centre / "b" / AS_OF, results


def test_run_publishes_every_output(two_runs, centre):
    folder, _, results = two_runs
    result = results[0]
    assert result.exit_code in (0, 1), result.output + str(result.exception)
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "forecast.csv",
        "backtest.csv",
        "requirements.csv",
        "roster.csv",
        "breaks.csv",
        "queue_coverage.csv",
        "agent_history.csv",
        "coverage.csv",
        "daily.csv",
        "service.csv",
        "correction.csv",
        "agents_summary.csv",
        "summary.json",
        "report.html",
        "manifest.json",
        "roster.xlsx",
        "timings.json",
        "surplus.csv",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "agents_summary.csv" in manifest["outputs"]
    per_agent = read_frame(folder / "agents_summary.csv")
    roster = read_frame(folder / "roster.csv")
    assert len(per_agent) == len(read_frame(centre / "agents.csv"))
    shifts = roster.groupby("agent_id").size()
    assert (per_agent.set_index("agent_id").loc[shifts.index, "shifts"] == shifts).all()
    assert "fairness" in (folder / "report.html").read_text()
    forecast = read_frame(folder / "forecast.csv")
    ts = pd.to_datetime(forecast["interval_start"])
    assert ts.min() >= pd.Timestamp(AS_OF) and ts.max() < pd.Timestamp(AS_OF) + pd.Timedelta(days=7)
    # no temporary folders are left behind
    assert [p.name for p in folder.parent.iterdir() if p.name != f".{AS_OF}.lock"] == [AS_OF]


def test_published_roster_passes_the_independent_validator(two_runs, centre):
    folder, _, _ = two_runs
    roster = read_frame(folder / "roster.csv")
    for column in ("date", "shift_start", "shift_end"):
        roster[column] = pd.to_datetime(roster[column])
    agents = read_frame(centre / "agents.csv")
    violations = validate(roster, agents, load_rules(centre / "rules.toml"))
    assert violations.empty, violations.head().to_string()
    assert len(roster) > 0


def test_manifest_hashes_match_inputs_and_outputs(two_runs, centre):
    folder, _, _ = two_runs
    manifest = json.loads((folder / "manifest.json").read_text())
    for role in ("config", "history", "targets", "agents", "rules"):
        entry = manifest["inputs"][role]
        assert entry["sha256"] == hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest()
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert manifest["wfm_version"]


def test_summary_matches_the_published_frames(two_runs):
    folder, _, _ = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    coverage = read_frame(folder / "coverage.csv")
    assert summary["roster"]["under_agent_intervals"] == pytest.approx(coverage["under"].sum())
    assert summary["roster"]["under_staffed_intervals"] == int((coverage["under"] > 0).sum())
    req = read_frame(folder / "requirements.csv")
    assert summary["requirements"]["peak_gross_agents"] == int(
        req.groupby("interval_start")["agents_scheduled"].sum().max()
    )
    assert not any(k.endswith("_sec") for k in summary["roster"]), "wall-clock timings must stay out of published files"


def test_exit_code_one_when_the_plan_needs_a_planner(two_runs):
    folder, _, results = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    # 16 agents cannot cover a 90/10 VIP line around the clock: under-staffing is a result
    assert summary["roster"]["under_staffed_intervals"] > 0
    assert results[0].exit_code == 1
    assert "Attention: roster:" in results[0].stderr


def test_service_csv_holds_promised_and_simulated_service(two_runs):
    folder, _, results = two_runs
    service = read_frame(folder / "service.csv")
    assert list(service.columns) == [
        "queue",
        "date",
        "calls",
        "metric",
        "target",
        "erlang_allocated",
        "simulated",
        "simulated_lo",
        "simulated_hi",
        "misses",
    ]
    assert set(service["queue"]) == {"vip"} and (service["target"] == 0.9).all()
    assert (service["simulated_lo"] <= service["simulated"]).all() and (
        service["simulated"] <= service["simulated_hi"]
    ).all()
    # the misses are exactly the days simulated more than 2 points under the target, and are named
    assert (service["misses"] == (service["simulated"] < 0.9 - 0.02)).all()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["service"]["simulated"]["queue_days_missing_target"] == int(service["misses"].sum())
    if service["misses"].any():
        assert "Attention: simulate: vip misses its service level 90% target" in results[0].stderr


def test_correction_csv_and_summary_say_what_the_loop_did(two_runs):
    folder, _, _ = two_runs
    rounds = read_frame(folder / "correction.csv")
    from wfm.correct import CORRECTION_COLUMNS

    assert list(rounds.columns) == list(CORRECTION_COLUMNS)
    summary = json.loads((folder / "summary.json").read_text())["correction"]
    assert summary["rounds_run"] == rounds["round"].max() <= 2
    assert "plan_sec" not in summary  # wall-clock times are not published
    assert summary["stop_reason"] in ("converged", "round_limit", "no_progress", "nothing_to_raise")
    chosen = rounds.loc[rounds["round"] == summary["chosen_round"]]
    assert summary["added_agent_intervals"] == chosen["added_agent_intervals"].sum()
    # The published requirement is the chosen round's: the Erlang figure plus what was added.
    req = read_frame(folder / "requirements.csv")
    assert req["agents_added"].sum() == summary["added_agent_intervals"]
    assert (req["agents_added"] >= 0).all()
    assert "Simulation-corrected requirements" in (folder / "report.html").read_text()


def test_report_and_summary_state_the_attention_rule(two_runs):
    folder, _, _ = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["attention"]["short_share"] == 0.1 and summary["attention"]["total_short_share"] == 0.01
    text = " ".join((folder / "report.html").read_text().split())
    assert (
        "Needs a planner: " in text
        and "more than 10% of its requirement" in text
        and "above 1% of the required" in text
    )


def _report_cards(html_text: str) -> dict[str, str]:
    from report_helpers import read_cards

    return {card["label"]: card["value"] for card in read_cards(html_text).cards}


def test_report_cards_equal_summary_json(two_runs):
    # The example rules have unpaid meals: shift time would overstate paid hours by an hour a shift.
    folder, _, _ = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    cards = _report_cards((folder / "report.html").read_text())
    roster = read_frame(folder / "roster.csv")
    span = (pd.to_datetime(roster["shift_end"]) - pd.to_datetime(roster["shift_start"])).dt.total_seconds().sum() / 3600
    assert summary["service"]["paid_hours"] < span - len(roster) * 0.5  # meals are unpaid
    assert cards["paid hours"] == f"{summary['service']['paid_hours']:,.0f}"
    assert cards["paid hours"] == f"{roster['paid_hours'].sum():,.0f}"
    assert cards["forecast calls"] == f"{summary['forecast_calls']:,.0f}"
    daily = read_frame(folder / "daily.csv")
    assert daily.loc[daily["queue"] == "ALL", "paid_hours"].sum() == pytest.approx(summary["service"]["paid_hours"])


def test_rerun_gives_identical_files(two_runs):
    a, b, _ = two_runs
    manifest = json.loads((a / "manifest.json").read_text())
    # every file but the manifest itself and timings.json is hashed in the manifest
    assert {p.name for p in a.iterdir()} - set(manifest["outputs"]) == {"manifest.json", "timings.json"}
    for path in sorted(a.iterdir()):
        if path.name == "timings.json":
            continue
        assert path.read_bytes() == (b / path.name).read_bytes(), f"{path.name} differs between identical runs"


def test_timings_file_holds_every_step_before_publish_and_the_report_points_at_it(two_runs):
    a, b, _ = two_runs
    log_steps = [s for s in pipeline.STEPS if s != "publish"]
    for folder in (a, b):
        steps = json.loads((folder / "timings.json").read_text())["steps"]
        # steps that ran (simulate/correct may be off in this config) have a time >= 0; none is invented
        assert set(steps) <= set(log_steps) and {"load", "forecast", "staff", "schedule", "report"} <= set(steps)
        assert all(isinstance(v, float) and v >= 0 for v in steps.values())
    assert 'src="timings.json"' in (a / "report.html").read_text()


def test_failed_run_leaves_previous_outputs_untouched(two_runs, centre, monkeypatch):
    folder, _, _ = two_runs
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken_report(**kwargs):
        raise RuntimeError("killed while writing the report")

    monkeypatch.setattr("wfm.report.render_report", broken_report)
    # one forecasting model: the run fails at its report all the same, past every step before it
    config = pipeline.load_config(
        centre / "wfm.toml", overrides={"output_dir": centre / "a", "model": "weighted_weeks"}
    )
    with pytest.raises(RuntimeError, match="killed"):
        pipeline.run(config)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir() if p.name != f".{AS_OF}.lock"] == [AS_OF]


def test_cli_bad_config_is_one_line_exit_two(centre, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (centre / "wfm.toml")
        .read_text()
        .replace('agents = "agents.csv"', 'agents = "nobody.csv"')
        .replace('path = "history.csv"', f'path = "{centre / "history.csv"}"')
    )
    shutil.copy(centre / "rules.toml", tmp_path / "rules.toml")
    shutil.copy(centre / "targets.toml", tmp_path / "targets.toml")
    result = CliRunner().invoke(main, ["-q", "run", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "nobody.csv" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / AS_OF).exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("horizon_days = 7", "horizon_days = 0"), r"horizon_days must be a whole number from 1 to 62, got 0"),
        (("seed = 3", "seed = 3\ncolour = 1"), r"unknown key\(s\) colour in \[run\]"),
        (('as_of = "2026-10-12"', 'as_of = "12/10/2026"'), r"as_of must be a date"),
        (("[history]", "[histroy]"), r"unknown table\(s\) histroy"),
        (('path = "history.csv"', 'path = "history.csv"\nurl = "sqlite://"'), r"either path"),
        (
            ("seed = 3", "seed = 3\n[simulate]\ncorrect_rounds = -1"),
            r"correct_rounds must be a whole number from 0 to 10, got -1",
        ),
        (
            ("seed = 3", "seed = 3\n[simulate]\ncorrect_time_limit_sec = 0"),
            r"correct_time_limit_sec must be > 0, got 0",
        ),
        (("seed = 3", "seed = 3\n[simulate]\ncorrect_round = 1"), r"unknown key\(s\) correct_round in \[simulate\]"),
    ],
)
def test_config_errors_name_the_key(centre, tmp_path, edit, message):
    text = (centre / "wfm.toml").read_text().replace(*edit)
    path = tmp_path / "wfm.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        pipeline.load_config(path)


def test_history_from_sqlite_and_from_a_folder(tmp_path):
    history = make_example_history(start="2026-10-05", end="2026-10-06")
    history["interval_start"] = history["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    db = tmp_path / "calls.db"
    with sqlite3.connect(db) as conn:
        history.to_sql("calls", conn, index=False)
    got = read_history_source(url=f"sqlite:///{db}", query="SELECT * FROM calls ORDER BY queue, interval_start")
    pd.testing.assert_frame_equal(
        got, history.sort_values(["queue", "interval_start"]).reset_index(drop=True), check_dtype=False
    )

    folder = tmp_path / "hist"
    for queue, part in history.groupby("queue"):
        write_frame(part, folder / f"{queue}.csv")
    (folder / "notes.txt").write_text("ignored")
    got = read_history_source(folder)
    assert len(got) == len(history) and set(got["queue"]) == set(history["queue"])

    with pytest.raises(InvalidInputError, match="query on .* failed"):
        read_history_source(url=f"sqlite:///{db}", query="SELECT * FROM nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="holds no .csv or .parquet"):
        read_history_source(tmp_path / "empty")
    with pytest.raises(ConfigError, match="either a path"):
        read_history_source(None)


def test_bundled_example_config_resolves():
    config = pipeline.example_config()
    assert config.agents_path.is_file() and config.rules_path.is_file() and config.history_path.is_file()
    assert config.as_of.isoformat() == "2026-11-01"
    assert len(read_frame(config.agents_path)) == 1400


@pytest.mark.slow
def test_wfm_run_without_arguments_plans_the_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["-q", "run", "--time-limit", "20"])
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "runs" / "2026-11-01" / "report.html").is_file()


def test_attention_thresholds_for_shortfalls(centre):
    config = pipeline.load_config(centre / "wfm.toml")
    coverage = pd.DataFrame(
        {
            "interval_start": pd.date_range("2026-10-12", periods=4, freq="15min"),
            "required": [100, 100, 100, 100],
            "under": [5, 0, 0, 0],
        }
    )
    # 5% short in one interval, 1.25% in total: past the total threshold only
    warnings_ = pipeline._shortfall_warnings(coverage, config)
    assert len(warnings_) == 1 and "1.2% of the required" in warnings_[0]
    coverage.loc[1, "under"] = 11  # 11% short: past the interval threshold too
    warnings_ = pipeline._shortfall_warnings(coverage, config)
    assert any("short by more than 10%" in w and "11 of 100" in w for w in warnings_)
    relaxed = pipeline.with_overrides(config, attention_short_share=0.2, attention_total_short_share=0.05)
    assert pipeline._shortfall_warnings(coverage, relaxed) == []
    with pytest.raises(ConfigError, match="attention_short_share must be a share"):
        pipeline.with_overrides(config, attention_short_share=1.5)


def test_bad_history_and_agents_name_the_file(centre, tmp_path):
    for name in ("wfm.toml", "targets.toml", "rules.toml", "agents.csv"):
        shutil.copy(centre / name, tmp_path / name)
    history = read_frame(centre / "history.csv")
    history.loc[5, "calls"] = -3
    write_frame(history, tmp_path / "history.csv")
    result = CliRunner().invoke(main, ["-q", "run", str(tmp_path / "wfm.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "history.csv" in result.stderr and "calls" in result.stderr and "-3" in result.stderr
    assert not (tmp_path / "out" / AS_OF).exists()

    write_frame(read_frame(centre / "history.csv"), tmp_path / "history.csv")
    agents = read_frame(centre / "agents.csv")
    agents.loc[0, "contract"] = "no_such_contract"
    write_frame(agents, tmp_path / "agents.csv")
    result = CliRunner().invoke(main, ["-q", "run", str(tmp_path / "wfm.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "agents.csv" in result.stderr and "no_such_contract" in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.slow
def test_next_night_respects_the_previous_roster(two_runs, centre, tmp_path):
    """An agents file without history: the previous night's published roster gives it."""
    from wfm.roster.history import fill_history, history_from_roster

    folder, _, _ = two_runs
    out = tmp_path / "runs"
    shutil.copytree(folder, out / AS_OF)
    original = read_frame(centre / "agents.csv")
    write_frame(original.drop(columns=["prev_shift_end", "prev_consecutive_days"]), tmp_path / "agents.csv")
    next_day = (pd.Timestamp(AS_OF) + pd.Timedelta(days=1)).date()
    config = pipeline.load_config(
        centre / "wfm.toml", overrides={"output_dir": out, "as_of": next_day, "agents_path": tmp_path / "agents.csv"}
    )
    outcome = pipeline.run(config)
    rules = load_rules(centre / "rules.toml")

    def shifts(path: Path) -> pd.DataFrame:
        frame = read_frame(path)
        for column in ("date", "shift_start", "shift_end"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    new, old = shifts(outcome.folder / "roster.csv"), shifts(out / AS_OF / "roster.csv")
    derived, filled = fill_history(read_frame(tmp_path / "agents.csv"), history_from_roster(old, next_day, rules))
    assert filled > 0
    assert validate(new, derived, rules, horizon_start=next_day, horizon_days=7).empty
    # Yesterday's shifts and the new roster together keep the rules across the boundary.
    both = pd.concat([old[old["date"] < pd.Timestamp(next_day)], new], ignore_index=True)
    found = validate(both, original, rules, horizon_start=AS_OF, horizon_days=8)
    across = found[found["rule"].isin(["min_rest", "max_consecutive_days", "one_shift_per_day", "seats"])]
    assert across.empty, across.to_string()


def test_diagnose_option_is_read_and_checked(centre, tmp_path):
    text = (centre / "wfm.toml").read_text().replace("time_limit_sec = 5", "time_limit_sec = 5\ndiagnose = true")
    path = tmp_path / "wfm.toml"
    path.write_text(text)
    config = pipeline.load_config(path)
    assert config.diagnose is True and config.diagnose_time_limit_sec == 120.0
    path.write_text(text.replace("diagnose = true", 'diagnose = "yes"'))
    with pytest.raises(ConfigError, match=r"\[roster\] diagnose must be true or false, got 'yes'"):
        pipeline.load_config(path)


@pytest.mark.slow
def test_run_with_diagnose_publishes_the_findings(centre, tmp_path):
    text = (
        (centre / "wfm.toml")
        .read_text()
        .replace("time_limit_sec = 5", "time_limit_sec = 5\ndiagnose = true\ndiagnose_time_limit_sec = 10")
    )
    path = centre / "wfm_diagnose.toml"
    path.write_text(text)
    outcome = pipeline.run(pipeline.load_config(path, overrides={"output_dir": tmp_path}))
    # The VIP line is short (see test_exit_code_one_when_the_plan_needs_a_planner): it is diagnosed.
    periods = read_frame(outcome.folder / "diagnosis.csv")
    assert len(periods) > 0 and {"label", "binding_rule", "more_agents"} <= set(periods.columns)
    findings = outcome.summary["diagnosis"]["findings"]
    assert any("short at peak" in f for f in findings)
    assert "all_rules" in outcome.summary["diagnosis"]["checks_run"] + list(
        outcome.summary["diagnosis"]["checks_skipped"]
    )
    # the report's short-periods section gives every diagnosis sentence and diagnosed period
    page = (outcome.folder / "report.html").read_text()
    short = page[page.index('<section id="short">') : page.index('<section id="surplus">')]
    for sentence in findings:
        assert html.escape(sentence) in short, sentence
    for label in periods["label"]:
        assert f"<td>{html.escape(label)}</td>" in short, label
    # the diagnosis is of the published plan (after the correction): each diagnosed period's
    # shortfall is coverage.csv's over the same intervals
    coverage = read_frame(outcome.folder / "coverage.csv")
    times = pd.to_datetime(coverage["interval_start"])
    for p in periods.itertuples(index=False):
        inside = pd.Series(False, index=coverage.index)
        for day in map(pd.Timestamp, str(p.days).split(";")):  # a recurring period: the same clock times
            start = day + pd.Timedelta(p.start + ":00")
            end = day + pd.Timedelta(days=1) if p.end == "24:00" else day + pd.Timedelta(p.end + ":00")
            inside |= (times >= start) & (times < end)
        assert coverage.loc[inside, "under"].sum() * 0.25 == pytest.approx(p.short_agent_hours), p.label
    assert "diagnose" in json.loads((outcome.folder / "timings.json").read_text())["steps"]


def _summary_value(summary: dict, key: str):
    node = summary
    for part in key.split("."):
        node = node[part]
    return node


def test_report_cards_and_service_cells_match_summary_json_and_service_csv(two_runs):
    from report_helpers import read_cards

    folder, _, _ = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    page = (folder / "report.html").read_text()
    parsed = read_cards(page)
    cards = {c["key"]: c for c in parsed.cards}
    assert {
        "warnings",
        "forecast_calls",
        "roster.under_agent_intervals",
        "service.paid_hours",
        "roster.peak_seats_used",
        "service.simulated.queue_days_missing_target",
    } <= set(cards)
    for key, card in cards.items():
        if key == "warnings":
            assert card["raw"] == str(len(summary["warnings"])) and card["value"].startswith(
                str(len(summary["warnings"]))
            )
            continue
        value = _summary_value(summary, key)
        assert card["raw"] == (repr(float(value)) if isinstance(value, float) else str(value)), key
    # shown values, recomputed here from the published frames (not from the report's code)
    coverage = read_frame(folder / "coverage.csv")
    assert cards["roster.under_agent_intervals"]["value"] == f"{coverage['under'].sum() * 0.25:,.1f}"
    assert cards["roster.under_staffed_intervals"]["value"] == f"{int((coverage['under'] > 0).sum()):,}"
    roster = read_frame(folder / "roster.csv")
    assert cards["service.paid_hours"]["value"] == f"{roster['paid_hours'].sum():,.0f}"
    # where the surplus sits: summary.json's surplus figures, equal to the coverage and the day x hour table
    over = f"{coverage['over'].sum() * 0.25:,.1f}"
    assert cards["surplus.over_agent_hours"]["value"] == over and f"Surplus: {over} agent-hours" in page
    assert cards["forecast_calls"]["value"] == f"{read_frame(folder / 'forecast.csv')['calls'].sum():,.0f}"
    # every warning that sets the exit code is listed
    for warning in summary["warnings"]:
        assert html.escape(warning.partition(": ")[2]) in page
    # one service cell per row of service.csv, red exactly where it misses, with the simulated figure
    service = read_frame(folder / "service.csv")
    cells = {(c["queue"], c["date"]): c for c in parsed.cells}
    assert len(cells) == len(service)
    for row in service.itertuples(index=False):
        cell = cells[(row.queue, str(row.date)[:10])]
        assert cell["class"] == ("miss" if row.misses else "met")
        assert cell["sim"] == f"{100 * row.simulated:.1f}%"
        assert cell["plan"] == f"Erlang {100 * row.erlang_allocated:.1f}%"
    # the correction rounds of correction.csv are shown
    rounds = read_frame(folder / "correction.csv")
    explain = page[page.index('<section id="explain">') : page.index('<section id="forecast">')]
    assert sum(explain.count(f"<td>{status}</td>") for status in ("met", "raised", "no_progress", "not_raised")) == len(
        rounds
    )
    # the first hours' coverage from last week's shifts is explained with the agents' history
    history = read_frame(folder / "agent_history.csv")
    running = int((pd.to_datetime(history["prev_shift_end"]) > pd.Timestamp(AS_OF)).sum())
    if running:
        assert f"{running} agent{'s' if running != 1 else ''} were still on a shift of the previous roster" in page
    assert page.index('id="summary"') < page.index('id="service"') < page.index('id="forecast"')
    assert "<details" in page[page.index('id="technical"') :]


def test_report_of_a_run_loads_in_chromium_without_console_errors(two_runs, tmp_path):
    from report_helpers import load_in_chromium, need_chromium, read_cards

    browser = need_chromium()
    folder, _, _ = two_runs
    summary = json.loads((folder / "summary.json").read_text())
    dom, console = load_in_chromium(browser, (folder / "report.html").as_uri(), tmp_path)
    assert not console, console
    cards = {c["key"]: c for c in read_cards(dom).cards}
    assert cards["roster.under_staffed_intervals"]["raw"] == str(summary["roster"]["under_staffed_intervals"])
    assert cards["service.paid_hours"]["raw"] == repr(float(summary["service"]["paid_hours"]))
    assert cards["warnings"]["raw"] == str(len(summary["warnings"]))
    # every card the browser shows names a summary.json key and carries its value, and shows
    # what the file says (the browser dropped or rewrote nothing)
    in_file = read_cards((folder / "report.html").read_text()).cards
    assert read_cards(dom).cards == in_file and len(in_file) >= 8
    for key, card in cards.items():
        if key != "warnings":
            value = _summary_value(summary, key)
            assert card["raw"] == (repr(float(value)) if isinstance(value, float) else str(value)), key
    # the page leads with the decisions; the technical summary is there but collapsed
    order = [dom.index(f'<section id="{sid}">') for sid in ("summary", "service", "short", "surplus", "seats")]
    assert order == sorted(order) and order[-1] < dom.index('<section id="forecast">')
    details = dom[dom.index('<details id="technical-details"') :]
    assert details.split(">", 1)[0].find(" open") < 0


def test_a_queue_short_of_skilled_agents_exits_one_naming_it(tmp_path):
    # A small centre planning complaints only; half the agents holding complaints are removed:
    # no roster of this agents file covers complaints, and the run must say so (exit 1).
    agents = make_example_agents(n_full_time=40, n_part_time=8, as_of=AS_OF)
    holds = agents["skills"].astype(str).str.contains("complaints")
    drop = agents.index[holds][::2]
    write_centre(
        tmp_path,
        queues=("complaints",),
        agents=agents.drop(index=drop).reset_index(drop=True),
        targets="[default]\nservice_level = 0.8\nanswer_sec = 60\nshrinkage = 0.3\n",
        seats=60,
        extra=ONE_FORECAST_MODEL + "\n[simulate]\nreplications = 1\n",
    )
    result = CliRunner().invoke(main, ["-q", "run", str(tmp_path / "wfm.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output + str(result.exception)
    skills_lines = [line for line in result.stderr.splitlines() if "skills:" in line]
    assert any("complaints is short of skilled agents" in line for line in skills_lines), result.stderr
    assert any("cross-training" in line or "hiring" in line for line in skills_lines), result.stderr
    coverage = read_frame(tmp_path / "out" / AS_OF / "queue_coverage.csv")
    assert coverage.loc[coverage["queue"] == "complaints", "under"].sum() > 0


def test_deferrable_callbacks_are_judged_by_deadline_and_their_backlog_published(tmp_path):
    # Retail plus outbound callbacks done within 4 hours: service.csv judges callbacks by the
    # share started within the deadline, and backlog.csv holds their simulated backlog by hour.
    agents = make_example_agents(n_full_time=60, n_part_time=20, as_of=AS_OF)
    agents["skills"] = np.where(
        agents["contract"] == "part_time", "retail_inquiries;outbound_callbacks", "retail_inquiries"
    )
    write_centre(
        tmp_path,
        queues=("retail_inquiries", "outbound_callbacks"),
        agents=agents,
        targets="[default]\nservice_level = 0.8\nanswer_sec = 20\nshrinkage = 0.3\n\n"
        "[queues.outbound_callbacks]\nservice_level = false\nanswer_sec = false\ndeadline_hours = 4\n",
        seats=80,
        extra=ONE_FORECAST_MODEL + "\n[simulate]\nreplications = 2\ncorrect_rounds = 0\n",
    )
    result = CliRunner().invoke(main, ["-q", "run", str(tmp_path / "wfm.toml"), "-o", str(tmp_path / "out")])
    assert result.exit_code in (0, 1), result.output + str(result.exception)
    folder = tmp_path / "out" / AS_OF
    service = read_frame(folder / "service.csv")
    callbacks = service.loc[service["queue"] == "outbound_callbacks"]
    assert (
        len(callbacks) > 0 and (callbacks["metric"] == "within_deadline").all() and (callbacks["target"] == 1.0).all()
    )
    assert ((callbacks["simulated"] >= 0) & (callbacks["simulated"] <= 1)).all()
    backlog = read_frame(folder / "backlog.csv")
    assert list(backlog.columns) == ["queue", "time", "waiting", "waiting_lo", "waiting_hi"]
    assert set(backlog["queue"]) == {"outbound_callbacks"} and (backlog["waiting"] >= 0).all()
    # one mark an hour over the horizon
    assert len(backlog) == 7 * 24 + 1
    assert "backlog.csv" in json.loads((folder / "manifest.json").read_text())["outputs"]


@pytest.mark.parametrize("how", ["raises", "falls_back"])
def test_a_correction_re_plan_without_a_usable_roster_does_not_fail_the_run(tmp_path, monkeypatch, how):
    # A nightly run on a loaded machine: the first roster is fine, the correction round's re-plan
    # either raises (no roster at all) or falls back further than the first did (its LP stopped
    # without a point: the greedy plan). The run must still publish a legal roster -- the best
    # round so far, here round 0's -- say why, and exit 1 (a planner should look).
    import wfm.roster as roster_pkg
    from wfm.exceptions import SolverError
    from wfm.roster import aggregate, stages

    agents = make_example_agents(n_full_time=12, n_part_time=4, as_of=AS_OF).assign(skills="vip")
    write_centre(tmp_path, agents=agents, seats=40)
    real_schedule, real_lp = roster_pkg.schedule, aggregate.lp_relaxation
    made = []

    def schedule_once(*args, **kwargs):
        if made and how == "raises":
            made.append(None)
            raise SolverError("the aggregate model's LP stopped at its time limit after 25 s without a solution")
        result = real_schedule(*args, **kwargs)
        made.append(result)
        return result

    def stopped_after_the_first_roster(model, **kw):
        res = real_lp(model, **kw)
        if made:  # every LP of a correction re-plan stops before a first iterate
            return aggregate.LPResult("LIMIT", float("nan"), None, float("nan"), res.wall_sec, None)
        return res

    monkeypatch.setattr(roster_pkg, "schedule", schedule_once)
    monkeypatch.setattr(stages, "lp_relaxation", stopped_after_the_first_roster)
    # make the loop raise wherever the simulation is short (as if the plan lost every agent there),
    # so that it re-plans on this small centre
    import wfm.correct as correct_mod

    monkeypatch.setattr(correct_mod, "effective_agents", lambda kind, t, a, h, y, available: np.zeros(len(a)))
    config = pipeline.load_config(
        tmp_path / "wfm.toml", overrides={"output_dir": tmp_path / "out", "correct_rounds": 2}
    )
    outcome = pipeline.run(config)
    assert len(made) >= 2, "the correction loop never re-planned: the test checks nothing"
    folder = outcome.folder
    summary = json.loads((folder / "summary.json").read_text())
    correction = summary["correction"]
    assert correction["stop_reason"] == "plan_failed" and correction["chosen_round"] == 0
    assert any("round 1's re-plan gave no usable roster" in w for w in outcome.warnings)
    if how == "falls_back":
        assert "LP without a point: the greedy plan" in correction["plan_failed"]
        # the rejected roster's own warning is not the published roster's
        assert not any("greedy plan (legal" in w for w in outcome.warnings)
    assert outcome.exit_code == 1
    # the published roster is round 0's, legal, and its requirement carries no correction
    roster = read_frame(folder / "roster.csv")
    first = made[0].roster
    assert len(roster) == len(first)
    assert sorted(zip(roster["agent_id"], pd.to_datetime(roster["shift_start"]).astype(str))) == sorted(
        zip(first["agent_id"], pd.to_datetime(first["shift_start"]).astype(str))
    )
    assert read_frame(folder / "requirements.csv")["agents_added"].sum() == 0
    rules = load_rules(tmp_path / "rules.toml")
    assert validate(roster, read_frame(tmp_path / "agents.csv"), rules, breaks=read_frame(folder / "breaks.csv")).empty
