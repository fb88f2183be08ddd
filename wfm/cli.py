"""The ``wfm`` command line: a thin shell over the library.

Every command calls the same public function a Python user would call. Library errors
(:class:`wfm.exceptions.WFMError`) become one line on stderr and the error's exit code
(2 for bad input or configuration); anything unexpected becomes one line and exit code 3.
Set ``WFM_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .version import __version__
from .attention import SHORT_SHARE, TOTAL_SHORT_SHARE, AttentionThresholds, planner_messages, shortfall_warnings
from .attention import exit_code as attention_exit_code
from .exceptions import WFMError

__all__ = ["main", "process_started"]


def process_started() -> float:
    """``time.perf_counter()`` at this process's start (Linux: from /proc; else now): the clock
    ``wfm schedule`` hands the engine, so interpreter start, imports and reading count against
    the time limit's hard deadline too (issue 16)."""
    now = time.perf_counter()
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now
    return now - age if 0.0 <= age < 3600.0 else now


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class _WFMGroup(click.Group):
    """A click group that turns exceptions into one-line messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except WFMError as exc:
            if os.environ.get("WFM_DEBUG"):
                raise
            click.echo(f"Error: {_one_line(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks
            if os.environ.get("WFM_DEBUG"):
                raise
            click.echo(
                f"Internal error: {type(exc).__name__}: {_one_line(exc)} (set WFM_DEBUG=1 for a traceback)",
                err=True,
            )
            ctx.exit(3)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    click.echo(f"Warning: {_one_line(message)}", err=True)


#: the attention rule of every command, as --help states it (wfm.attention)
_ATTENTION_HELP = AttentionThresholds().describe()


@contextlib.contextmanager
def _recorded_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings issued inside, then show them all (as ``Warning:`` lines)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    for w in caught:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _check_outputs(*paths: str | None) -> None:
    """Check every output's folder can be written before the work starts (exit 2 naming it)."""
    from .io import check_writable_dir

    for path in paths:
        if path:
            check_writable_dir(Path(path).parent, "output folder")


def _attention_help(command: click.Command) -> click.Command:
    """Put the attention rule, with its default thresholds, where the help says ``{attention}``."""
    command.help = (command.help or "").replace("{attention}", _ATTENTION_HELP)
    return command


def _finish(messages: list[str]) -> None:
    """Print the planner-facing messages and exit with the shared attention code (wfm.attention)."""
    for message in messages:
        click.echo(f"Attention: {message}", err=True)
    code = attention_exit_code(messages)
    if code:
        click.get_current_context().exit(code)


@click.group(cls=_WFMGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfm")
@click.option("-v", "--verbose", count=True, help="More log output (-vv: debug). Info lines are shown by default.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and warnings.")
def main(verbose: int, quiet: bool) -> None:
    """Contact-centre workforce management: forecast, size, schedule.

    \b
    Examples:
      wfm run                                   # the nightly job on the bundled example
      wfm forecast history.csv --horizon-days 14 -o forecast.csv
      wfm staff forecast.csv --service-level 0.8 --answer-sec 20 -o requirements.csv
      wfm schedule requirements.csv --agents agents.csv --rules rules.toml -o roster.csv
    """
    level = logging.WARNING if quiet else (logging.INFO if verbose <= 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("wfm").setLevel(level)
    warnings.showwarning = _show_warning


@_attention_help
@main.command("run")
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Planning date (first day planned); overrides the config. Default: the config's, else today.",
)
@click.option("--horizon-days", type=click.IntRange(1, 62), help="Days to plan; overrides the config.")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Root folder of the outputs; one sub-folder per as-of date.",
)
@click.option(
    "--time-limit",
    "time_limit_sec",
    type=click.FloatRange(min=0, min_open=True),
    help="Roster solver time limit in seconds; overrides the config.",
)
@click.option("--seed", type=click.IntRange(min=0), help="Random seed; overrides the config.")
def run_command(
    config: Path | None,
    as_of: dt.datetime | None,
    horizon_days: int | None,
    output_dir: Path | None,
    time_limit_sec: float | None,
    seed: int | None,
) -> None:
    """Run the nightly job: load, forecast, size, schedule, evaluate, report, publish.

    CONFIG is a TOML file naming the history source, targets, agents and rules (see
    docs/pipeline.md). Without it, the bundled example centre (six queues, about 1,400
    agents) is planned one week ahead into ./runs/<as-of>/.

    Outputs for one as-of date are published together and atomically: forecast,
    requirements, roster, breaks, agent history, coverage, daily figures, summary.json,
    report.html and manifest.json. Blank agent history (prev_shift_end, prev_consecutive_days,
    prev_shift_type) is taken from earlier runs' rosters in the output folder. Exit code 0: success;
    1: finished, but the plan needs a planner, on {attention} (thresholds: [run] attention_short_share and
    attention_total_short_share); 2: bad input or configuration; 3: internal failure.

    \b
    Examples:
      wfm run
      wfm run nightly.toml --as-of 2026-12-01 -o /srv/wfm/runs
    """
    from . import pipeline

    overrides: dict[str, object] = {}
    if as_of is not None:
        overrides["as_of"] = as_of.date()
    if horizon_days is not None:
        overrides["horizon_days"] = horizon_days
    if output_dir is not None:
        overrides["output_dir"] = output_dir
    if time_limit_sec is not None:
        overrides["time_limit_sec"] = time_limit_sec
    if seed is not None:
        overrides["seed"] = seed
    if config is None:
        cfg = pipeline.example_config(**overrides)
        click.echo(f"No config given: planning the bundled example centre ({pipeline.example_dir()}).", err=True)
    else:
        cfg = pipeline.load_config(config, overrides=overrides)
    total = len(pipeline.STEPS)

    def progress(step: str) -> None:
        if sys.stderr.isatty():
            click.echo(f"[{pipeline.STEPS.index(step) + 1}/{total}] {step} ...", err=True)

    outcome = pipeline.run(cfg, progress=progress)
    click.echo(f"Published {outcome.folder}")
    for line in _summary_lines(outcome.summary):
        click.echo(f"  {line}")
    _finish(list(outcome.warnings))


def _summary_lines(summary: dict) -> list[str]:
    req, ros, svc = summary.get("requirements", {}), summary.get("roster", {}), summary.get("service", {})
    lines = [
        f"forecast calls: {summary.get('forecast_calls', 0):,.0f} over {summary.get('horizon_days')} days, "
        f"queues: {', '.join(summary.get('queues', []))}",
        f"peak gross requirement: {req.get('peak_gross_agents')} agents; "
        f"seat-limited intervals: {req.get('seat_limited_intervals')}",
    ]
    if ros:
        lines.append(
            f"roster: status {ros.get('status')}, under-staffing {ros.get('under_agent_intervals')} agent-intervals, "
            f"over-staffing {ros.get('over_agent_intervals')}, gap to bound "
            + (f"{ros['gap']:.2%}" if ros.get("gap") is not None else "not proven (no positive bound)")
        )
    if svc.get("service_level_planned") is not None:
        lines.append(
            f"planned service level {svc['service_level_planned']:.1%}, occupancy "
            f"{(svc.get('occupancy_planned') or 0):.1%}, paid hours {svc.get('paid_hours')}"
        )
    return lines


class _OptionalFloat(click.ParamType):
    """A float option that also accepts ``none`` (drop an inherited target)."""

    name = "number|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off")):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a number or 'none', got {value!r}", param, ctx)


_NUMBER_OR_NONE = _OptionalFloat()


@_attention_help
@main.command("staff")
@click.argument("forecast", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Requirements file (.csv or .parquet)."
)
@click.option(
    "--targets", "targets_file", type=click.Path(dir_okay=False), help="Per-queue targets TOML (docs/staffing.md)."
)
@click.option(
    "--service-level", type=_NUMBER_OR_NONE, help="Share answered within --answer-sec, e.g. 0.8 ('none' drops it)."
)
@click.option("--answer-sec", type=_NUMBER_OR_NONE, help="Service-level answer time, seconds, e.g. 20.")
@click.option("--asa-sec", type=_NUMBER_OR_NONE, help="Maximum average speed of answer, seconds.")
@click.option("--max-occupancy", type=_NUMBER_OR_NONE, help="Maximum occupancy, e.g. 0.9.")
@click.option("--patience-sec", type=_NUMBER_OR_NONE, help="Mean caller patience, seconds: size with Erlang A.")
@click.option("--max-abandon", type=_NUMBER_OR_NONE, help="Maximum abandon rate (needs --patience-sec), e.g. 0.05.")
@click.option("--shrinkage", type=float, help="Share of paid time off the phones, e.g. 0.3.")
@click.option("--seats", type=click.IntRange(min=0), help="Workstations: flag intervals needing more scheduled agents.")
@click.option(
    "--interval-minutes", type=click.Choice(["5", "10", "15", "30", "60"]), help="Interval length (default: inferred)."
)
def staff_command(
    forecast: str,
    output: str,
    targets_file: str | None,
    seats: int | None,
    interval_minutes: str | None,
    **options: Any,
) -> None:
    """Size each interval's agents (Erlang C, or Erlang A with --patience-sec).

    Reads a forecast (queue, interval_start, calls, aht_sec) and writes the requirements
    frame: erlangs, agents (net), agents_scheduled (after shrinkage) and the service level,
    ASA and occupancy expected at that staffing. Options override every queue's targets
    (the file's or the default 80/20). The output is written; the exit code is then 1 when the
    plan needs a planner, on {attention} (see the seat_limited column).

    \b
    Example:
      wfm staff forecast.csv --service-level 0.8 --answer-sec 20 --shrinkage 0.3 -o requirements.csv
      wfm staff forecast.parquet --targets examples/targets.toml --seats 1700 -o requirements.parquet
    """
    from .io import read_frame, write_frame
    from .staffing import TargetSet, load_targets, requirements

    _check_outputs(output)
    target_set = load_targets(targets_file) if targets_file else TargetSet()
    changes = {k: v for k, v in options.items() if _given(k)}
    if "service_level" in changes and changes["service_level"] is None:
        changes.setdefault("answer_sec", None)  # dropping the service level drops its answer time
    target_set = target_set.with_overrides(**changes)
    frame = read_frame(forecast)
    with _recorded_warnings() as caught:
        result = requirements(
            frame,
            target_set,
            seats=seats,
            interval_minutes=int(interval_minutes) if interval_minutes else None,
        )
    write_frame(result, output)
    logging.getLogger("wfm.staff").info(
        "wrote %d rows to %s (%d queues, peak %d scheduled agents in one interval)",
        len(result),
        output,
        result["queue"].nunique() if len(result) else 0,
        int(result.groupby("interval_start")["agents_scheduled"].sum().max()) if len(result) else 0,
    )
    _finish(planner_messages(caught, "staffing"))


def _given(name: str) -> bool:
    """True if option ``name`` was given on the command line (not a default)."""
    ctx = click.get_current_context()
    source = ctx.get_parameter_source(name)
    return source is not None and source != click.core.ParameterSource.DEFAULT


def _configured_country(config_path: str | None) -> str:
    """The centre's holiday calendar: ``[forecast] country`` of its config file, else the library default."""
    from .io import read_toml

    if config_path is None:
        return "CN"
    table = read_toml(config_path).get("forecast", {})
    country = table.get("country", "CN") if isinstance(table, dict) else "CN"
    if not isinstance(country, str) or not country.strip():
        from .exceptions import ConfigError

        raise ConfigError(f"config {config_path!r}: [forecast] country must be an ISO code or NONE, got {country!r}")
    return country


def _parse_quantiles(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers such as 0.1,0.9, got {text!r}") from None


@_attention_help
@main.command("forecast")
@click.argument("history", type=click.Path(dir_okay=False))
@click.option("--horizon-days", default=14, show_default=True, type=int, help="Calendar days to forecast.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Forecast file (.csv or .parquet)."
)
@click.option(
    "--model",
    default="auto",
    show_default=True,
    help="auto, combo, snaive, weighted_weeks, top_down_level, top_down_ets or mstl.",
)
@click.option("--quantiles", default="0.1,0.9", show_default=True, help="Quantiles of calls, comma-separated.")
@click.option(
    "--country",
    help="Holiday calendar (ISO code; NONE for none). Default: the centre's configured "
    "country ([forecast] country of --config), else CN.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="The centre's configuration TOML (wfm run's): its [forecast] country is the default --country.",
)
@click.option("--events", type=click.Path(dir_okay=False), help="Events file: date, event[, multiplier][, like].")
@click.option("--exclude", type=click.Path(dir_okay=False), help="Outlier periods to drop: start, end.")
@click.option("--backtest-report", type=click.Path(dir_okay=False), help="Write the backtest table here.")
@click.option("--as-of", help="Last history day to use (YYYY-MM-DD); the forecast starts the day after.")
@click.option("--aht-sec", type=float, help="Constant handle time when the history has no aht_sec column.")
@click.option("--origins", default=3, show_default=True, type=int, help="Backtest origins per queue.")
@click.option(
    "--per-call",
    is_flag=True,
    help="HISTORY lists one row per call (an ACD/telephony export): aggregate it to intervals first "
    "(counts, mean handle time of handled calls, 0 where no call arrived).",
)
@click.option(
    "--start-column",
    help="--per-call: the call's start-time column (default: arrival, call_start, start_time, start or timestamp).",
)
@click.option("--handle-column", help="--per-call: handle time in seconds (e.g. service_s); gives aht_sec.")
@click.option("--queue-column", help="--per-call: the queue or service-type column (default: one queue 'all').")
@click.option(
    "--interval-minutes",
    "per_call_interval",
    default="15",
    show_default=True,
    type=click.Choice(["5", "10", "15", "30", "60"]),
    help="--per-call: interval length in minutes.",
)
@click.option(
    "--date-format",
    help="strftime format of the history's timestamps, e.g. '%d/%m/%Y %H:%M' "
    "(default: strict ISO 8601, e.g. 2026-11-01T08:30 or 2026-11-01 08:30:00+08:00).",
)
@click.option(
    "--timezone",
    help="The centre's IANA time zone, e.g. America/New_York: timestamps with UTC offsets are "
    "converted to its wall-clock time (default: each value's own offset, with a warning "
    "when they differ).",
)
def forecast_command(
    history,
    horizon_days,
    output,
    model,
    quantiles,
    country,
    events,
    exclude,
    backtest_report,
    as_of,
    aht_sec,
    origins,
    date_format=None,
    timezone=None,
    config_path=None,
    per_call=False,
    start_column=None,
    handle_column=None,
    queue_column=None,
    per_call_interval="15",
) -> None:
    """Forecast calls and AHT per queue and interval, model chosen per queue by backtest.

    The forecast is written; the exit code is then 1 when it needs a planner, on {attention}.

    \b
    Example:
      wfm forecast history.csv --horizon-days 14 -o forecast.csv --backtest-report backtest.csv
    """
    from . import io
    from .forecast import forecast

    _check_outputs(output, backtest_report)
    if country is None:
        country = _configured_country(config_path)
    from .frames import to_timestamps

    parse_warnings: list[warnings.WarningMessage] = []
    hist = io.read_frame(history)
    if per_call:
        from .records import calls_to_intervals

        with _recorded_warnings() as parse_warnings:
            hist = calls_to_intervals(
                hist,
                interval_minutes=int(per_call_interval),
                start_column=start_column,
                handle_column=handle_column,
                queue_column=queue_column,
                date_format=date_format,
                timezone=timezone,
            )
        click.echo(
            f"aggregated {int(hist['calls'].sum()):,} calls to "
            f"{len(hist):,} {per_call_interval}-min intervals ({hist['queue'].nunique()} queue(s))",
            err=True,
        )
    elif any(v is not None for v in (start_column, handle_column, queue_column)):
        raise click.UsageError("--start-column, --handle-column and --queue-column need --per-call")
    if "interval_start" not in hist.columns and "timestamp" in hist.columns:
        hist = hist.rename(columns={"timestamp": "interval_start"})
    if "interval_start" in hist.columns and not per_call:
        with _recorded_warnings() as parse_warnings:
            hist["interval_start"] = to_timestamps(
                hist["interval_start"],
                "interval_start",
                f"history {history!r}",
                date_format=date_format,
                timezone=timezone,
            )
    ev = io.read_frame(events) if events else None
    ex = io.read_frame(exclude) if exclude else None
    n_queues = hist["queue"].nunique() if "queue" in hist.columns else 1
    with (
        _recorded_warnings() as caught,
        click.progressbar(length=n_queues * (origins + 1), label="forecast tournament", file=sys.stderr) as bar,
    ):
        result = forecast(
            hist,
            horizon_days,
            model=model,
            quantiles=_parse_quantiles(quantiles),
            country=None if country.upper() == "NONE" else country,
            events=ev,
            exclude=ex,
            as_of=as_of,
            aht_sec=aht_sec,
            n_origins=origins,
            progress=bar.update,
        )
    io.write_frame(result.forecast, output)
    if backtest_report:
        io.write_frame(result.backtest, backtest_report)
    for note in result.notes[:1] + [n for n in result.notes if "special days in the horizon" in n]:
        click.echo(note, err=True)
    for row in result.selected.itertuples():
        click.echo(f"{row.queue}: {row.model} (backtest WAPE {row.backtest_wape:.3f})", err=True)
    click.echo(f"wrote {len(result.forecast)} intervals to {output}", err=True)
    _finish(planner_messages(parse_warnings, "history") + planner_messages(caught, "forecast"))


@_attention_help
@main.command("schedule")
@click.argument("requirements", type=click.Path(dir_okay=False))
@click.option(
    "--agents",
    "agents_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Agents CSV/Parquet (agent_id, contract, ...; see docs/roster.md).",
)
@click.option("--rules", "rules_path", required=True, type=click.Path(dir_okay=False), help="Rules TOML file.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Roster file to write.")
@click.option("--coverage", "coverage_path", type=click.Path(dir_okay=False), help="Coverage file to write.")
@click.option(
    "--breaks",
    "breaks_path",
    type=click.Path(dir_okay=False),
    help="Breaks file to write (agent_id, break_start, break_end, kind, paid; empty when no template has breaks).",
)
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False), help="Summary JSON file to write.")
@click.option(
    "--agents-summary",
    "agents_summary_path",
    type=click.Path(dir_okay=False),
    help="Per-agent file to write: hours, weekend days, nights, late shifts, short weeks, wishes granted.",
)
@click.option("--time-limit", default=60.0, show_default=True, type=float, help="Solver time limit in seconds.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same roster).")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT workers.")
@click.option(
    "--diagnose",
    "diagnose_path",
    type=click.Path(dir_okay=False),
    help="Diagnose the shortfall: write its periods (CSV) here and the findings beside it (.md), and "
    "print them (see docs/roster.md, Diagnosis).",
)
@click.option(
    "--diagnose-time-limit",
    default=120.0,
    show_default=True,
    type=float,
    help="Budget of --diagnose in seconds (LP checks run while time is left).",
)
@click.option(
    "--attention-short-share",
    default=SHORT_SHARE,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Exit code 1 when an interval is short by more than this share of its requirement.",
)
@click.option(
    "--attention-total-short-share",
    default=TOTAL_SHORT_SHARE,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Exit code 1 when the total shortfall is above this share of the required agent-intervals.",
)
@click.option(
    "--missing-intervals",
    default="error",
    show_default=True,
    type=click.Choice(["error", "closed"]),
    help="An interval of a planned day with no requirement row: an error, or the centre is closed then "
    "(0 agents). Duplicated (queue, interval_start) rows are always an error.",
)
def schedule_command(
    requirements: str,
    agents_path: str,
    rules_path: str,
    output: str,
    coverage_path: str | None,
    breaks_path: str | None,
    summary_path: str | None,
    time_limit: float,
    seed: int,
    workers: int,
    diagnose_path: str | None,
    diagnose_time_limit: float,
    agents_summary_path: str | None = None,
    missing_intervals: str = "error",
    attention_short_share: float = SHORT_SHARE,
    attention_total_short_share: float = TOTAL_SHORT_SHARE,
) -> None:
    """Build a weekly 24x7 roster of named agents under labour rules.

    Prints the summary (objective, lower bound and gap, under/over-staffing, seats, timings);
    progress goes to stderr. Outputs are written atomically only when the run succeeds. With
    --diagnose, the findings (where coverage is short, which rules bind there, what would help)
    are printed after the summary. When no legal roster exists, the error says which rules conflict.
    The outputs are written; the exit code is then 1 when the plan needs a planner, on {attention}
    (thresholds: --attention-short-share, --attention-total-short-share).

    \b
    Example:
      wfm schedule requirements.csv --agents agents.csv --rules rules.toml -o roster.csv --coverage coverage.csv --time-limit 60
      wfm schedule requirements.csv --agents agents.csv --rules rules.toml -o roster.csv --diagnose diagnosis.csv
    """
    import json

    from .io import read_frame, write_frame, write_json, write_text
    from .roster import load_rules, schedule

    thresholds = AttentionThresholds(attention_short_share, attention_total_short_share)
    _check_outputs(output, coverage_path, breaks_path, summary_path, agents_summary_path, diagnose_path)
    rules = load_rules(rules_path)
    req = read_frame(requirements)
    agents = read_frame(agents_path)
    with _recorded_warnings() as caught:
        result = schedule(
            req,
            agents,
            rules,
            time_limit_sec=time_limit,
            seed=seed,
            num_workers=workers,
            progress=lambda message: click.echo(message, err=True),
            missing_intervals=missing_intervals,
            clock_start=process_started(),
        )
    diagnosis = None
    if diagnose_path:  # before any output is written: a failed diagnosis leaves nothing half-written
        from .roster.diagnose import diagnose_shortfall

        diagnosis = diagnose_shortfall(
            req,
            agents,
            rules,
            result,
            time_limit_sec=diagnose_time_limit,
            progress=lambda message: click.echo(message, err=True),
        )
    write_frame(result.roster, output)
    if coverage_path:
        write_frame(result.coverage, coverage_path)
    if breaks_path:
        write_frame(result.breaks, breaks_path)
    if diagnosis is not None and diagnose_path:
        write_frame(diagnosis.periods, diagnose_path)
        write_text(diagnosis.to_markdown(), Path(diagnose_path).with_suffix(".md"))
    if summary_path:
        write_json(result.as_dict(), summary_path)
    if agents_summary_path and result.agent_summary is not None:
        write_frame(result.agent_summary, agents_summary_path)
    click.echo(json.dumps(result.as_dict(), indent=2, default=str))
    if diagnosis is not None:
        click.echo(diagnosis.to_text(), nl=False)
    _finish(planner_messages(caught, "roster") + shortfall_warnings(result.coverage, thresholds))


@main.command("simulate")
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option(
    "--agents",
    "agents_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Agents CSV/Parquet (agent_id, skills[, prev_shift_end]).",
)
@click.option(
    "--volumes",
    "volumes_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Volumes: queue, interval_start, calls, aht_sec (a forecast or requirements file).",
)
@click.option(
    "--breaks", "breaks_path", type=click.Path(dir_okay=False), help="Breaks file (agent_id, break_start, break_end)."
)
@click.option(
    "--targets",
    "targets_path",
    type=click.Path(dir_okay=False),
    help="Targets TOML (answer time, patience, shrinkage, deadline per queue; docs/staffing.md).",
)
@click.option(
    "--replications", default=10, show_default=True, type=click.IntRange(min=1), help="Independent replications."
)
@click.option(
    "--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed (same seed, same output)."
)
@click.option(
    "--counts",
    default="poisson",
    show_default=True,
    type=click.Choice(["poisson", "given"]),
    help="Arrivals: a Poisson process at the volumes' rate, or exactly the given (whole) counts.",
)
@click.option(
    "--handle",
    default="exponential",
    show_default=True,
    type=click.Choice(["exponential", "lognormal", "gamma"]),
    help="Handle-time distribution.",
)
@click.option(
    "--handle-cv",
    type=click.FloatRange(min=0, min_open=True),
    help="Handle-time coefficient of variation (lognormal, gamma).",
)
@click.option(
    "--shrinkage-model",
    default="stratified",
    show_default=True,
    type=click.Choice(["stratified", "bernoulli"]),
    help="How shrinkage takes agents off the phones (docs/simulate.md).",
)
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Processes for the replications."
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Per queue and day figures (.csv/.parquet)."
)
@click.option(
    "--intervals", "intervals_path", type=click.Path(dir_okay=False), help="Per queue and interval figures to write."
)
@click.option(
    "--backlog", "backlog_path", type=click.Path(dir_okay=False), help="Calls waiting per queue by hour, to write."
)
def simulate_command(
    roster: str,
    agents_path: str,
    volumes_path: str,
    breaks_path: str | None,
    targets_path: str | None,
    replications: int,
    seed: int,
    counts: str,
    handle: str,
    handle_cv: float | None,
    shrinkage_model: str,
    workers: int,
    output: str,
    intervals_path: str | None,
    backlog_path: str | None,
) -> None:
    """Simulate a roster queue by queue: service level, ASA, abandonment, occupancy with 95% intervals.

    A discrete-event simulation with skill-based routing (most specialised group first,
    levels as priorities), breaks and shrinkage removed, exponential patience where a queue
    has one, and deferrable queues (targets with deadline_sec) served where inbound leaves
    room. Writes the figures per queue and day (each with _lo/_hi: the 95% interval over
    replications). See docs/simulate.md.

    \b
    Example:
      wfm simulate runs/2026-11-01/roster.csv --agents agents.csv --volumes runs/2026-11-01/forecast.csv \\
          --breaks runs/2026-11-01/breaks.csv --targets targets.toml --replications 10 -o service.csv
    """
    from .io import read_frame, write_frame
    from .simulate import simulate
    from .staffing import TargetSet, load_targets

    targets = load_targets(targets_path) if targets_path else TargetSet()
    result = simulate(
        read_frame(roster),
        read_frame(agents_path),
        read_frame(volumes_path),
        targets,
        breaks=read_frame(breaks_path) if breaks_path else None,
        replications=replications,
        seed=seed,
        counts=counts,
        handle=handle,
        handle_cv=handle_cv,
        shrinkage_model=shrinkage_model,
        workers=workers,
    )
    daily = result.daily.assign(date=result.daily["date"].dt.strftime("%Y-%m-%d"))
    write_frame(daily, output)
    if intervals_path:
        write_frame(result.interval, intervals_path)
    if backlog_path:
        write_frame(result.backlog, backlog_path)
    c = result.counts
    per_queue = c.groupby("queue")[["offered", "within", "abandoned", "wait_sec"]].sum()
    for queue, row in per_queue.iterrows():
        thr = result.daily.loc[result.daily["queue"] == queue, "threshold_sec"].iloc[0]
        sl = (
            f"{row['within'] / row['offered']:.1%} within {thr:g} s"
            if row["offered"] and thr == thr
            else "no service-level target"
        )
        asa = row["wait_sec"] / row["offered"] if row["offered"] else float("nan")
        click.echo(
            f"{queue}: {row['offered'] / replications:,.0f} calls, {sl}, ASA {asa:.1f} s, "
            f"abandoned {row['abandoned'] / max(row['offered'], 1):.1%}"
        )
    click.echo(f"wrote {len(daily)} rows to {output} ({replications} replications, seed {seed})", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
