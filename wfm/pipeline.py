"""The nightly planning run: history -> forecast -> requirements -> roster -> report.

:func:`run` executes the steps in order, logs what each did and how long it took, and
publishes every output for one as-of date into one folder, atomically: everything is
written into a temporary folder beside the destination, which is renamed into place only
when complete. A run killed halfway leaves the previous outputs for that date untouched,
and rerunning the same as-of date with the same inputs gives byte-identical files (no
wall-clock times are written into published files; timings go to the log).

The run is configured by a TOML file (see ``docs/pipeline.md``); with no file,
:func:`example_config` runs the bundled example centre.

Examples
--------
>>> from wfm.pipeline import example_config, run
>>> outcome = run(example_config(output_dir="runs"))      # doctest: +SKIP
>>> outcome.exit_code, outcome.folder                     # doctest: +SKIP
(1, PosixPath('runs/2026-11-02'))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .version import __version__
from . import io as wfm_io
from .datasets import example_dir
from .exceptions import ConfigError, InvalidInputError, SolverError
from .attention import SHORT_SHARE, TOTAL_SHORT_SHARE, AttentionThresholds, planner_messages, shortfall_warnings
from .attention import exit_code as attention_exit_code
from .frames import interval_hours, require_columns, to_timestamps
from .publish import PUBLISH_KEYS, PublishOptions
from .publish import database_transaction as publish_database
from .publish import write_files as publish_files

__all__ = [
    "RunConfig",
    "RunOutcome",
    "load_config",
    "example_config",
    "example_dir",
    "run",
    "STEPS",
    "stale_history_warning",
]

log = logging.getLogger("wfm.pipeline")

#: the steps of a run, in order
STEPS: tuple[str, ...] = (
    "load",
    "forecast",
    "staff",
    "schedule",
    "correct",
    "diagnose",
    "evaluate",
    "simulate",
    "report",
    "publish",
)

_KNOWN = {
    "run": {
        "as_of",
        "horizon_days",
        "output_dir",
        "seed",
        "lookback_days",
        "attention_short_share",
        "attention_total_short_share",
        "stale_history_days",
    },
    "history": {"path", "url", "query", "date_format", "timezone"},
    "forecast": {"model", "quantiles", "country", "events", "outliers"},
    "staffing": {"targets", "seats"},
    "roster": {
        "agents",
        "rules",
        "time_limit_sec",
        "num_workers",
        "diagnose",
        "diagnose_time_limit_sec",
        "missing_intervals",
    },
    "report": {"title", "sample_agents"},
    "simulate": {"replications", "correct_rounds", "correct_time_limit_sec"},
    "publish": set(PUBLISH_KEYS),
}


@dataclass(frozen=True)
class RunConfig:
    """Everything one planning run needs; build it with :func:`load_config` or in code.

    Paths are absolute or relative to the working directory (a config file's relative paths
    are resolved against the file's folder by :func:`load_config`).
    """

    history_path: Path | None = None
    history_url: str | None = None
    history_query: str | None = None
    #: strftime format of the history's timestamps (None: strict ISO 8601; wfm.frames.to_timestamps)
    history_date_format: str | None = None
    #: the centre's IANA time zone: history timestamps with UTC offsets are converted to it
    timezone: str | None = None
    as_of: dt.date = field(default_factory=dt.date.today)
    horizon_days: int = 7
    output_dir: Path = Path("runs")
    seed: int = 0
    #: history used for forecasting: this many days before the as-of date (None: all)
    lookback_days: int | None = None
    #: an interval short by more than this share of its requirement needs a planner
    attention_short_share: float = SHORT_SHARE
    #: total under-staffing above this share of the required agent-intervals needs a planner
    attention_total_short_share: float = TOTAL_SHORT_SHARE
    #: a history whose last day leaves more than this many days without data before the as-of
    #: date is a stale feed: a planner warning (exit code 1) naming the last date seen
    stale_history_days: int = 3
    model: str = "auto"
    quantiles: tuple[float, ...] = (0.1, 0.9)
    country: str = "CN"
    events_path: Path | None = None
    outliers_path: Path | None = None
    targets_path: Path | None = None
    seats: int | None = None
    agents_path: Path | None = None
    rules_path: Path | None = None
    time_limit_sec: float = 60.0
    num_workers: int = 2
    #: diagnose a shortfall (which rules bind where, what would help): diagnosis.csv and summary
    diagnose: bool = False
    diagnose_time_limit_sec: float = 120.0
    #: replications of the simulation judging the published plan (0: no simulation, no service.csv)
    simulate_replications: int = 10
    #: simulation-corrected requirements: re-plans at most (0: off; needs simulate_replications > 0)
    correct_rounds: int = 2
    #: roster time limit of each correction re-plan (None: the run's time_limit_sec, at most 30 s)
    correct_time_limit_sec: float | None = None
    #: a requirement interval with no row: "closed" (0 agents) or "error" (wfm.roster.inputs). The run's
    #: requirements come from its own forecast, which leaves out only the intervals outside the
    #: operating hours it learned (the centre is closed then), hence "closed" by default.
    missing_intervals: str = "closed"
    title: str = "Staff plan"
    sample_agents: int = 40
    #: files whose hashes go into the manifest (the config file itself, if any)
    config_path: Path | None = None
    #: the [publish] table: roster.xlsx, agents' calendars, a database (docs/pipeline.md)
    publish: PublishOptions = field(default_factory=PublishOptions)

    def __post_init__(self) -> None:
        if (self.history_path is None) == (self.history_url is None):
            raise ConfigError(
                "[history]: expected either path = a file or folder, or url = an SQLAlchemy URL "
                f"with query, got path={self.history_path!s}, url={self.history_url!r}"
            )
        if not isinstance(self.horizon_days, int) or not 1 <= self.horizon_days <= 62:
            raise ConfigError(f"[run] horizon_days must be a whole number from 1 to 62, got {self.horizon_days!r}")
        if self.lookback_days is not None and (not isinstance(self.lookback_days, int) or self.lookback_days < 14):
            raise ConfigError(f"[run] lookback_days must be a whole number >= 14, got {self.lookback_days!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"[run] seed must be a non-negative whole number, got {self.seed!r}")
        for name in ("attention_short_share", "attention_total_short_share"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value < 1:
                raise ConfigError(f"[run] {name} must be a share in [0, 1), got {value!r}")
        if (
            isinstance(self.stale_history_days, bool)
            or not isinstance(self.stale_history_days, int)
            or self.stale_history_days < 0
        ):
            raise ConfigError(f"[run] stale_history_days must be a whole number >= 0, got {self.stale_history_days!r}")
        if not self.time_limit_sec > 0:
            raise ConfigError(f"[roster] time_limit_sec must be > 0, got {self.time_limit_sec!r}")
        if not isinstance(self.num_workers, int) or self.num_workers < 1:
            raise ConfigError(f"[roster] num_workers must be a whole number >= 1, got {self.num_workers!r}")
        if not isinstance(self.diagnose, bool):
            raise ConfigError(f"[roster] diagnose must be true or false, got {self.diagnose!r}")
        if not self.diagnose_time_limit_sec > 0:
            raise ConfigError(f"[roster] diagnose_time_limit_sec must be > 0, got {self.diagnose_time_limit_sec!r}")
        if (
            isinstance(self.simulate_replications, bool)
            or not isinstance(self.simulate_replications, int)
            or (self.simulate_replications < 0)
        ):
            raise ConfigError(
                f"[simulate] replications must be a whole number >= 0, got {self.simulate_replications!r}"
            )
        if (
            isinstance(self.correct_rounds, bool)
            or not isinstance(self.correct_rounds, int)
            or not (0 <= self.correct_rounds <= 10)
        ):
            raise ConfigError(
                f"[simulate] correct_rounds must be a whole number from 0 to 10, got {self.correct_rounds!r}"
            )
        if self.correct_time_limit_sec is not None and (
            isinstance(self.correct_time_limit_sec, bool)
            or not isinstance(self.correct_time_limit_sec, int | float)
            or not self.correct_time_limit_sec > 0
        ):
            raise ConfigError(f"[simulate] correct_time_limit_sec must be > 0, got {self.correct_time_limit_sec!r}")
        if self.history_date_format is not None and (
            not isinstance(self.history_date_format, str) or "%" not in self.history_date_format
        ):
            raise ConfigError(
                f"[history] date_format must be a strftime format such as '%d/%m/%Y %H:%M', "
                f"got {self.history_date_format!r}"
            )
        if self.timezone is not None:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(str(self.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    f"[history] timezone must be an IANA time zone such as Asia/Shanghai, got {self.timezone!r}"
                ) from None
        if self.missing_intervals not in ("error", "closed"):
            raise ConfigError(f"[roster] missing_intervals must be 'error' or 'closed', got {self.missing_intervals!r}")
        if self.seats is not None and (not isinstance(self.seats, int) or self.seats < 1):
            raise ConfigError(f"[staffing] seats must be a whole number >= 1, got {self.seats!r}")
        if self.agents_path is None or self.rules_path is None:
            raise ConfigError(
                "[roster]: expected agents = an agents file and rules = a rules TOML file, "
                f"got agents={self.agents_path!s}, rules={self.rules_path!s}"
            )

    @property
    def attention(self) -> AttentionThresholds:
        """The shortfall thresholds of :mod:`wfm.attention` this run uses."""
        return AttentionThresholds(self.attention_short_share, self.attention_total_short_share)

    def input_files(self) -> dict[str, Path]:
        """The input files of the run by role (for the manifest)."""
        files = {
            "config": self.config_path,
            "history": self.history_path,
            "events": self.events_path,
            "outliers": self.outliers_path,
            "targets": self.targets_path,
            "agents": self.agents_path,
            "rules": self.rules_path,
        }
        return {k: v for k, v in files.items() if v is not None}


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced: the published folder, its summary and the exit code it earns."""

    folder: Path
    summary: dict[str, Any]
    #: planner-facing warnings (under-staffing, binding seat limit, forecast fallbacks)
    warnings: tuple[str, ...]
    #: seconds per step, in run order
    timings: dict[str, float]

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 when the plan needs a planner's attention (:func:`wfm.attention.exit_code`)."""
        return attention_exit_code(self.warnings)


# --------------------------------------------------------------------------- config


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"config: [{name}] must be a table, got {type(table).__name__}")
    unknown = sorted(set(table) - _KNOWN[name])
    if unknown:
        raise ConfigError(
            f"config: unknown key(s) {', '.join(unknown)} in [{name}]; expected some of {', '.join(sorted(_KNOWN[name]))}"
        )
    return table


def _path(base: Path, value: Any, key: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"config: {key} must be a file path string, got {value!r}")
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if value.lower() == "today":
            return dt.date.today()
        if value.lower() == "tomorrow":
            return dt.date.today() + dt.timedelta(days=1)
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"config: {key} must be a date like 2026-11-02 (or 'today'), got {value!r}")


def load_config(path: str | os.PathLike[str], *, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a run configuration TOML file; relative paths are resolved against its folder.

    Parameters
    ----------
    path
        The TOML file (schema in ``docs/pipeline.md``).
    overrides
        Field values of :class:`RunConfig` that replace the file's (e.g. ``as_of`` or
        ``output_dir`` from the command line).

    Raises
    ------
    ConfigError
        For a missing file, invalid TOML, unknown keys or bad values (naming the key).
    """
    path = Path(path)
    raw = wfm_io.read_toml(path)
    unknown = sorted(set(raw) - set(_KNOWN))
    if unknown:
        raise ConfigError(
            f"config {str(path)!r}: unknown table(s) {', '.join(unknown)}; expected some of {', '.join(_KNOWN)}"
        )
    base = path.resolve().parent
    run_t, hist, fc, st, ro, rep = (
        _table(raw, n) for n in ("run", "history", "forecast", "staffing", "roster", "report")
    )
    quantiles = fc.get("quantiles", [0.1, 0.9])
    if not isinstance(quantiles, list) or not all(isinstance(q, int | float) for q in quantiles):
        raise ConfigError(f"config: [forecast] quantiles must be a list of numbers, got {quantiles!r}")
    kwargs: dict[str, Any] = dict(
        history_path=_path(base, hist.get("path"), "[history] path"),
        history_url=wfm_io.resolve_sqlite_url(hist["url"], base)
        if isinstance(hist.get("url"), str)
        else hist.get("url"),
        history_query=hist.get("query"),
        history_date_format=hist.get("date_format"),
        timezone=hist.get("timezone"),
        as_of=_date(run_t.get("as_of", "today"), "[run] as_of"),
        horizon_days=run_t.get("horizon_days", 7),
        output_dir=_path(base, run_t.get("output_dir", "runs"), "[run] output_dir"),
        seed=run_t.get("seed", 0),
        lookback_days=run_t.get("lookback_days"),
        attention_short_share=run_t.get("attention_short_share", SHORT_SHARE),
        attention_total_short_share=run_t.get("attention_total_short_share", TOTAL_SHORT_SHARE),
        stale_history_days=run_t.get("stale_history_days", 3),
        model=str(fc.get("model", "auto")),
        quantiles=tuple(float(q) for q in quantiles),
        country=str(fc.get("country", "CN")),
        events_path=_path(base, fc.get("events"), "[forecast] events"),
        outliers_path=_path(base, fc.get("outliers"), "[forecast] outliers"),
        targets_path=_path(base, st.get("targets"), "[staffing] targets"),
        seats=st.get("seats"),
        agents_path=_path(base, ro.get("agents"), "[roster] agents"),
        rules_path=_path(base, ro.get("rules"), "[roster] rules"),
        time_limit_sec=float(ro.get("time_limit_sec", 60.0)),
        num_workers=ro.get("num_workers", 2),
        diagnose=ro.get("diagnose", False),
        diagnose_time_limit_sec=float(ro.get("diagnose_time_limit_sec", 120.0)),
        missing_intervals=ro.get("missing_intervals", "closed"),
        title=str(rep.get("title", "Staff plan")),
        sample_agents=rep.get("sample_agents", 40),
        simulate_replications=_table(raw, "simulate").get("replications", 10),
        correct_rounds=_table(raw, "simulate").get("correct_rounds", 2),
        correct_time_limit_sec=_table(raw, "simulate").get("correct_time_limit_sec"),
        config_path=path.resolve(),
        publish=PublishOptions.from_table(_table(raw, "publish"), base),
    )
    if kwargs["history_url"] is not None and not isinstance(kwargs["history_url"], str):
        raise ConfigError(f"config: [history] url must be a string, got {kwargs['history_url']!r}")
    kwargs.update(overrides or {})
    return RunConfig(**kwargs)


def example_config(**overrides: Any) -> RunConfig:
    """The configuration of the bundled example centre (``wfm run`` with no argument).

    Outputs go to ``./runs`` under the current directory unless ``output_dir`` is given.
    """
    overrides.setdefault("output_dir", Path("runs"))
    return load_config(example_dir() / "wfm.toml", overrides=overrides)


# --------------------------------------------------------------------------- run


@contextlib.contextmanager
def _step(name: str, timings: dict[str, float], progress: Callable[[str], None] | None) -> Iterator[None]:
    if progress is not None:
        progress(name)
    start = time.perf_counter()
    log.info("step %s: started", name)
    yield
    timings[name] = time.perf_counter() - start
    log.info("step %s: done in %.2f s", name, timings[name])


def run(config: RunConfig, *, progress: Callable[[str], None] | None = None) -> RunOutcome:
    """Run the whole planning job for one as-of date and publish its outputs.

    Steps (see :data:`STEPS`): load and validate history; forecast ``horizon_days`` from the
    as-of date (history before it only); size per queue; schedule the pooled requirement;
    correct it by simulation; diagnose the published plan's short periods (``[roster]
    diagnose``); evaluate the roster's service per queue and day; write the report; publish.

    Outputs (in ``output_dir / <as_of>``): ``forecast.csv``, ``backtest.csv``,
    ``requirements.csv``, ``roster.csv``, ``breaks.csv``, ``agent_history.csv`` (each agent's history at
    the as-of date, as the roster used it), ``coverage.csv``, ``daily.csv``, ``agents_summary.csv``,
    ``summary.json``, ``report.html`` and ``manifest.json`` (input hashes, library version,
    configuration).

    Parameters
    ----------
    config
        The run configuration.
    progress
        Called with each step's name as it starts (for a progress display).

    Returns
    -------
    RunOutcome
        The folder, the summary, planner warnings (exit code 1 when any), step timings.

    Raises
    ------
    RunInProgressError
        Another run for the same output folder and as-of date holds its lock (exit code 2).
    WFMError
        Bad input or configuration (``InvalidInputError``/``ConfigError``, exit code 2), or
        an internal failure. Nothing is published then.
    """
    # A folder that cannot be written is found now, not at publish after the whole run.
    wfm_io.check_writable_dir(config.output_dir, "[run] output_dir")
    lock = Path(config.output_dir) / f".{config.as_of.isoformat()}.lock"
    with wfm_io.exclusive_lock(lock, f"another wfm run for as-of {config.as_of.isoformat()} into {config.output_dir}"):
        return _run(config, progress)


def _run(config: RunConfig, progress: Callable[[str], None] | None) -> RunOutcome:
    """:func:`run`, under the lock."""
    from . import evaluate as wfm_evaluate
    from . import report as wfm_report
    from .forecast import forecast as make_forecast
    from .roster import load_rules, schedule
    from .roster.agents import parse_agents
    from .staffing import Targets, load_targets, requirements

    timings: dict[str, float] = {}
    planner_warnings: list[str] = []
    as_of = pd.Timestamp(config.as_of)
    horizon_end = as_of + pd.Timedelta(days=config.horizon_days)

    history_label = (
        f"history {config.history_path}" if config.history_path else f"history query on {config.history_url}"
    )
    with _step("load", timings, progress):
        with _about(history_label):
            history = wfm_io.read_history_source(
                config.history_path, url=config.history_url, query=config.history_query
            )
            require_columns(history, ["interval_start", "calls"], "history")
            with _relay_warnings("history", planner_warnings):
                history = history.assign(
                    interval_start=to_timestamps(
                        history["interval_start"],
                        "interval_start",
                        "history",
                        date_format=config.history_date_format,
                        timezone=config.timezone,
                    )
                )
            if getattr(history["interval_start"].dt, "tz", None) is not None:
                history = history.assign(interval_start=history["interval_start"].dt.tz_localize(None))
        before = history["interval_start"] < as_of
        if config.lookback_days is not None:
            before &= history["interval_start"] >= as_of - pd.Timedelta(days=config.lookback_days)
        dropped_future = int((history["interval_start"] >= as_of).sum())
        history = history.loc[before].reset_index(drop=True)
        stale = stale_history_warning(history, as_of, config.stale_history_days)
        if stale:
            log.warning("%s", stale)
            planner_warnings.append(stale)
        with _about(f"events {config.events_path}"):
            events = wfm_io.read_frame(config.events_path) if config.events_path else None
        with _about(f"outliers {config.outliers_path}"):
            outliers = wfm_io.read_frame(config.outliers_path) if config.outliers_path else None
        with _about(f"targets {config.targets_path}"):
            targets = load_targets(config.targets_path) if config.targets_path else Targets()
        assert config.rules_path is not None and config.agents_path is not None  # RunConfig checks both
        with _about(f"rules {config.rules_path}"):
            rules = load_rules(config.rules_path)
        with _about(f"agents {config.agents_path}"):
            agents = wfm_io.read_frame(config.agents_path)
            agents = _history_from_previous_runs(agents, config.output_dir, as_of, rules)
            parse_agents(agents, rules)  # validated here so an error names the file
        log.info(
            "loaded %d history rows up to %s (%d rows on or after the as-of date ignored), %d agents",
            len(history),
            as_of.date(),
            dropped_future,
            len(agents),
        )

    with _step("forecast", timings, progress), _relay_warnings("forecast", planner_warnings), _about(history_label):
        fc = make_forecast(
            history,
            horizon_days=config.horizon_days,
            model=config.model,
            quantiles=config.quantiles,
            country=config.country,
            events=events,
            exclude=outliers,
            # the forecast's as_of is the last day of history; ours is the first planned day
            as_of=(as_of - pd.Timedelta(days=1)).date(),
        )
        forecast_frame = fc.forecast
        forecast_frame = forecast_frame.loc[
            (forecast_frame["interval_start"] >= as_of) & (forecast_frame["interval_start"] < horizon_end)
        ].reset_index(drop=True)
        log.info("forecast %d intervals for %d queues", len(forecast_frame), forecast_frame["queue"].nunique())

    with _step("staff", timings, progress), _relay_warnings("staffing", planner_warnings):
        req = requirements(forecast_frame, targets, seats=config.seats)
        log.info("sized %d queue-intervals; peak gross requirement %d", len(req), _peak_gross(req))

    with _step("schedule", timings, progress), _relay_warnings("roster", planner_warnings):
        result = schedule(
            req,
            agents,
            rules,
            time_limit_sec=config.time_limit_sec,
            seed=config.seed,
            num_workers=config.num_workers,
            progress=lambda message: log.info("roster: %s", message),
            missing_intervals=config.missing_intervals,
            targets=targets,
            queues=_centre_queues(req, agents),
            # the step's clock: the whole step (the diagnosis after the engine too) ends by
            # model build + 1.5 x the limit, as `wfm schedule` does (issue 16)
            clock_start=time.perf_counter(),
        )
        log.info("roster: %s", ", ".join(f"{k}={v}" for k, v in _brief(result.as_dict()).items()))
        log.info("roster: clock %s", ", ".join(f"{k}={v}" for k, v in _clock(result.as_dict()).items()))

    correction = None
    if config.correct_rounds > 0 and config.simulate_replications > 0:
        with _step("correct", timings, progress), _relay_warnings("roster", planner_warnings):
            req, result, correction = _corrected(config, req, forecast_frame, targets, agents, rules, result)

    diagnosis = None
    if config.diagnose and int(result.coverage["under"].sum()) > 0:
        # the published plan is diagnosed (after the correction: its figures are the report's short periods)
        with _step("diagnose", timings, progress), _relay_warnings("roster", planner_warnings):
            from .roster.diagnose import diagnose_shortfall

            diagnosis = diagnose_shortfall(
                req,
                agents,
                rules,
                result,
                time_limit_sec=config.diagnose_time_limit_sec,
                progress=lambda message: log.info("roster: %s", message),
            )
            for sentence in diagnosis.sentences:
                log.info("diagnosis: %s", sentence)

    with _step("evaluate", timings, progress):
        queue_coverage, skill_warnings, skill_findings = _skill_cover(req, agents, rules, result, targets, config)
        coverage_for_service = result.coverage
        if queue_coverage is not None:
            coverage_for_service = pd.concat(
                [result.coverage, queue_coverage[list(result.coverage.columns)]], ignore_index=True
            )
        daily = wfm_evaluate.daily_service(req, coverage_for_service, result.roster, result.breaks, targets)
        summary = _summary(config, req, result, daily)
        from .roster.surplus import surplus_by_hour, surplus_figures

        surplus = surplus_by_hour(result.coverage) if len(result.coverage) else None
        if surplus is not None:  # where the roster's surplus sits (wfm.roster.surplus)
            summary["surplus"] = _plain(surplus_figures(result.coverage, surplus))
        planner_warnings.extend(_shortfall_warnings(result.coverage, config))
        planner_warnings.extend(skill_warnings)
        if skill_findings:
            summary["skills"] = skill_findings
        for sentence in skill_warnings:
            log.info("diagnosis: %s", sentence)
        summary["warnings"] = sorted(set(planner_warnings))
        if correction is not None:
            from .correct import describe

            # wall-clock seconds per round are logged, not published (reruns stay byte-identical)
            summary["correction"] = _plain(
                {**{k: v for k, v in correction.summary.items() if not _volatile(k)}, "findings": describe(correction)}
            )
        summary["attention"] = config.attention.as_dict()
        if diagnosis is not None:
            summary["diagnosis"] = {
                "findings": diagnosis.sentences,
                "checks_run": diagnosis.checks_run,
                "checks_skipped": diagnosis.checks_skipped,
            }

    service = backlog = None
    if config.simulate_replications > 0:
        with _step("simulate", timings, progress), _relay_warnings("simulate", planner_warnings):
            service, backlog = _simulated_service(
                config, forecast_frame, result, agents, targets, daily, summary, planner_warnings
            )

    with _step("report", timings, progress):
        html = wfm_report.render_report(
            history=history,
            forecast=forecast_frame,
            requirements=req,
            coverage=result.coverage,
            roster=result.roster,
            breaks=result.breaks,
            summary=summary,
            service=daily,
            fairness=getattr(result, "fairness", None),
            agent_summary=getattr(result, "agent_summary", None),
            simulated=service,
            correction=correction.rounds if correction is not None else None,
            diagnosis=diagnosis.periods if diagnosis is not None else None,
            agent_history=_agent_history(agents),
            targets=targets,
            attention={
                "attention_short_share": config.attention_short_share,
                "attention_total_short_share": config.attention_total_short_share,
            },
            title=f"{config.title}: {as_of.date()} + {config.horizon_days} days",
            gantt_agents=config.sample_agents,
            timings_file=TIMINGS_NAME,
            queue_coverage=queue_coverage,
        )

    with _step("publish", timings, progress):
        outputs: dict[str, pd.DataFrame | None] = {
            "forecast.csv": forecast_frame,
            "backtest.csv": getattr(fc, "backtest", None),
            "requirements.csv": req,
            "roster.csv": result.roster,
            "breaks.csv": result.breaks,
            "agent_history.csv": _agent_history(agents),
            "coverage.csv": result.coverage,
            "queue_coverage.csv": queue_coverage,
            "surplus.csv": surplus,
            "daily.csv": daily,
            "service.csv": service,
            "backlog.csv": backlog,
            "correction.csv": correction.rounds if correction is not None else None,
            "agents_summary.csv": getattr(result, "agent_summary", None),
            "diagnosis.csv": diagnosis.periods if diagnosis is not None else None,
        }
        named = {name.split(".")[0]: frame for name, frame in outputs.items()}
        run_row = {
            "status": "attention" if summary["warnings"] else "ok",
            "exit_code": 1 if summary["warnings"] else 0,
            "wfm_version": __version__,
            "warnings": summary["warnings"],
            "inputs": {role: _hash_input(p) for role, p in config.input_files().items()},
        }
        # Files and database together (docs/pipeline.md, Publishing): the rows are written in an open
        # transaction, the folder is renamed into place with the previous one kept aside, then the
        # transaction commits; a failed commit puts the previous folder back, a failed rename rolls
        # the transaction back. Either both of the run's outputs are visible or neither is.
        swap = _Swap()
        try:
            with publish_database(config.publish, named, as_of=config.as_of, run=run_row):
                folder = _publish(
                    config,
                    outputs,
                    summary,
                    html,
                    extra=lambda tmp: publish_files(
                        tmp,
                        config.publish,
                        named,
                        as_of=config.as_of,
                        horizon_days=config.horizon_days,
                        agents=agents,
                        title=config.title,
                    ),
                    swap=swap,
                    timings=timings,
                )
        except BaseException:
            swap.undo()
            raise
        swap.done()
    for name in STEPS:
        log.info("timing %-9s %7.2f s", name, timings.get(name, 0.0))
    return RunOutcome(folder=folder, summary=summary, warnings=tuple(summary["warnings"]), timings=timings)


def _corrected(
    config: RunConfig,
    req: pd.DataFrame,
    forecast_frame: pd.DataFrame,
    targets: Any,
    agents: pd.DataFrame,
    rules: Any,
    result: Any,
) -> tuple[pd.DataFrame, Any, Any]:
    """Simulation-corrected requirements (:mod:`wfm.correct`): raise, re-plan, for a few rounds.

    Each re-plan uses ``correct_time_limit_sec``; the simulation is the simulate step's own
    (same replications and seed), so the published plan's service.csv is the chosen round's.
    """
    from .correct import correct_requirements
    from .roster import schedule

    limit = config.correct_time_limit_sec or min(config.time_limit_sec, 30.0)
    first_plan = _fallbacks(result)

    def plan(frame: pd.DataFrame) -> Any:
        # A re-plan that had to fall back further than the first plan did (the pooled plan, or the
        # greedy one when its LP gave nothing, on a loaded machine) is not a correction of it: the
        # loop then keeps its best round so far (a SolverError, wfm.correct), and the warnings of
        # that roster, which is not published, are dropped.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _replan(frame)
        worse = sorted(_fallbacks(out) - first_plan)
        if worse:
            raise SolverError(
                f"its roster fell back ({', '.join(_FALLBACK_NAMES[k] for k in worse)}) within the {limit:g} s "
                "re-plan limit; raise [simulate] correct_time_limit_sec"
            )
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return out

    def _replan(frame: pd.DataFrame) -> Any:
        return schedule(
            frame,
            agents,
            rules,
            time_limit_sec=limit,
            seed=config.seed,
            num_workers=config.num_workers,
            progress=lambda message: log.info("roster (correction): %s", message),
            missing_intervals=config.missing_intervals,
            targets=targets,
            queues=_centre_queues(req, agents),
        )

    out = correct_requirements(
        req,
        forecast_frame,
        targets,
        agents,
        plan,
        initial=result,
        rounds=config.correct_rounds,
        replications=config.simulate_replications,
        seed=config.seed,
        progress=lambda message: log.info("correction: %s", message),
    )
    s = out.summary
    log.info(
        "correction: %d re-plans, stopped (%s), chose round %d, %d agent-intervals added",
        s["rounds_run"],
        s["stop_reason"],
        s["chosen_round"],
        s["added_agent_intervals"],
    )
    return out.requirements, out.plan, out


#: the roster's fallbacks (its diagnostics' stages_cut): the pooled plan, the greedy plan
_FALLBACK_NAMES = {
    "skill_lp": "skill-aware LP out of time: the pooled plan",
    "lp": "LP without a point: the greedy plan",
}


def _fallbacks(result: Any) -> set[str]:
    """The fallbacks a roster took (:data:`_FALLBACK_NAMES`), from its diagnostics."""
    cut = getattr(result, "diagnostics", {}).get("stages_cut", ())
    return {name for name in _FALLBACK_NAMES if name in cut}


def _simulated_service(
    config: RunConfig,
    forecast_frame: pd.DataFrame,
    result: Any,
    agents: pd.DataFrame,
    targets: Any,
    daily: pd.DataFrame,
    summary: dict[str, Any],
    planner_warnings: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Simulate the published plan against the forecast: per queue and day, target, planned, simulated.

    A queue whose simulated service misses its target by more than 2 points on some day
    becomes a planner warning (exit code 1) naming the queue and the days. Also returns the
    deferrable queues' simulated backlog by hour (``queue, time, waiting, waiting_lo,
    waiting_hi``; None when no queue is deferrable).
    """
    from .simulate import compare_to_plan, miss_warnings, simulate

    sim = simulate(
        result.roster,
        agents,
        forecast_frame,
        targets,
        breaks=result.breaks,
        replications=config.simulate_replications,
        seed=config.seed,
    )
    service = compare_to_plan(sim.daily, daily, targets)
    found = miss_warnings(service)
    planner_warnings.extend(found)
    summary["warnings"] = sorted(set(planner_warnings))
    summary["service"]["simulated"] = _plain(
        {
            "replications": config.simulate_replications,
            "queue_days_missing_target": int(service["misses"].sum()),
            "queues_missing_target": sorted(service.loc[service["misses"], "queue"].unique().tolist()),
        }
    )
    log.info(
        "simulated the plan (%d replications): %d queue-days miss their target by more than 2 points",
        config.simulate_replications,
        int(service["misses"].sum()),
    )
    deferrable = [q for q in sim.backlog["queue"].unique() if _targets_for(targets, str(q)).deadline_sec is not None]
    backlog = sim.backlog[sim.backlog["queue"].isin(deferrable)].reset_index(drop=True) if deferrable else None
    return service, backlog


def _history_from_previous_runs(
    agents: pd.DataFrame, output_dir: Path, as_of: pd.Timestamp, rules: Any
) -> pd.DataFrame:
    """Fill blank ``prev_shift_end``, ``prev_consecutive_days``, ``prev_shift_type`` from earlier runs' rosters.

    The folders ``output_dir/<date>`` with a date before the as-of date (newest first, up to
    ``_HISTORY_LOOKBACK_DAYS`` back) each give their roster's shifts from their own date up to the
    next newer folder's date (a newer run re-planned what followed). Values the agents file
    gives are kept.
    """
    from .roster.history import fill_history, history_from_roster

    root = Path(output_dir)
    if not root.is_dir():
        return agents
    folders = []
    for path in root.iterdir():
        try:
            day = pd.Timestamp(dt.date.fromisoformat(path.name))
        except ValueError:
            continue
        if as_of - pd.Timedelta(days=_HISTORY_LOOKBACK_DAYS) <= day < as_of and (path / "roster.csv").is_file():
            folders.append((day, path))
    parts = []
    until = as_of
    for day, path in sorted(folders, reverse=True):
        with _about(f"previous roster {path / 'roster.csv'}"):
            roster = wfm_io.read_frame(path / "roster.csv")
            require_columns(roster, ["agent_id", "date", "shift_start", "shift_end"], "previous roster")
            dates = to_timestamps(roster["date"], "date", "previous roster").dt.normalize()
        parts.append(roster.loc[(dates >= day) & (dates < until)])
        until = day
    if not parts:
        return agents
    history = history_from_roster(pd.concat(parts, ignore_index=True), as_of, rules)
    # A run reaching back to the oldest roster's first day continues that run's own history.
    oldest_day, oldest = min(folders)
    spans_all = history["prev_consecutive_days"] == (as_of - oldest_day).days
    if spans_all.any() and (oldest / "agent_history.csv").is_file():
        with _about(f"previous history {oldest / 'agent_history.csv'}"):
            before = wfm_io.read_frame(oldest / "agent_history.csv")
        if "prev_consecutive_days" in before.columns:
            earlier = before.set_index(before["agent_id"].astype(str))["prev_consecutive_days"]
            extra = pd.to_numeric(history["agent_id"].map(earlier), errors="coerce").fillna(0).astype(int)
            history.loc[spans_all, "prev_consecutive_days"] += extra[spans_all]
    # A type the current rules no longer name (the rules changed since) is no history.
    known = {t.name for t in rules.shift_types}
    history.loc[~history["prev_shift_type"].isin(known), "prev_shift_type"] = ""
    filled, count = fill_history(agents, history)
    log.info(
        "history: %d agents' prev_shift_end/prev_consecutive_days/prev_shift_type taken from the rosters of %s",
        count,
        ", ".join(p.name for _, p in sorted(folders, reverse=True)),
    )
    return filled


def _agent_history(agents: pd.DataFrame) -> pd.DataFrame:
    """The agents' history columns as this run used them (the next night continues from them)."""
    columns = ["agent_id"] + [
        c for c in ("prev_shift_end", "prev_consecutive_days", "prev_shift_type") if c in agents.columns
    ]
    return agents[columns].reset_index(drop=True)


#: how far back ``wfm run`` looks for earlier runs' rosters (a work stretch is at most 31 days)
_HISTORY_LOOKBACK_DAYS = 35


@contextlib.contextmanager
def _about(label: str) -> Iterator[None]:
    """Prefix input errors raised inside with the file they concern (unless they name it)."""
    try:
        yield
    except InvalidInputError as exc:
        if label.split(" ", 1)[-1] in str(exc):
            raise
        raise type(exc)(f"{label}: {exc}") from exc


@contextlib.contextmanager
def _relay_warnings(stage: str, sink: list[str]) -> Iterator[None]:
    """Record the warnings of a step; keep planner-facing ones for the summary; re-issue all.

    They are re-issued after the recording context has closed (re-issuing inside it would
    record them again).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    sink.extend(planner_messages(caught, stage))
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _skill_cover(
    req: pd.DataFrame, agents: pd.DataFrame, rules: Any, result: Any, targets: Any, config: RunConfig
) -> tuple[pd.DataFrame | None, list[str], dict[str, Any]]:
    """Per-queue coverage of the roster by skilled heads, and the queues short of skilled agents.

    Returns the per-queue coverage frame (None for a single-skill centre without deadlines:
    the pooled coverage is then every queue's), one warning per queue short by more than
    ``attention_total_short_share`` of its requirement in this roster, or short in every roster
    of the agents file (the capacity relaxation of :mod:`wfm.skill_check`), and the findings
    for the summary.
    """
    from .roster import parse_agents
    from .skill_check import roster_gaps, skill_capacity
    from .skills import parse_skills

    queues = sorted(req["queue"].astype(str).unique())
    if "skills" in agents.columns:
        # A run may plan some of the centre's queues: skills naming the others are allowed (they get
        # no requirement); a planned queue nobody holds is still an error.
        queues = sorted(set(queues) | set(parse_skills(agents, require_all_queues=False).queues))
    skills = parse_skills(agents, queues)
    deferrable = any(getattr(_targets_for(targets, q), "deadline_sec", None) is not None for q in queues)
    if len(skills.groups) == 1 and not deferrable:
        return None, [], {}
    # The published per-queue coverage is the roster's own (the skill cover model re-solved on the
    # skill-aware roster, wfm.roster.skill_cover); roster_gaps names the short queues and checks
    # the cross-training fix on this roster.
    frame, _, gaps = roster_gaps(
        req,
        result.roster,
        skills,
        targets,
        breaks=result.breaks,
        agents=agents,
        min_share=config.attention_total_short_share,
    )
    if getattr(result, "queue_coverage", None) is not None:
        frame = result.queue_coverage
    weeks = pd.to_datetime(req["interval_start"]).dt.normalize().nunique() / 7
    hours = np.array(
        [
            weeks * a.max_paid_minutes_week / 60 * max(t.length_minutes / t.paid_minutes for t in a.templates)
            for a in parse_agents(agents, rules)
        ]
    )
    _, proven = skill_capacity(req, skills, hours, targets)
    proven_by_queue = {p.queue: p for p in proven}
    warnings_out = []
    for gap in gaps:
        text = f"skills: {gap.sentence}"
        if gap.queue in proven_by_queue:
            text += f"; and {proven_by_queue.pop(gap.queue).sentence}"
        else:
            text += (
                "; the skill-aware roster could not cover it within the labour rules and seats, though the "
                'skilled agents\' hours alone would (docs/roster.md, "Skills")'
                if getattr(result, "diagnostics", {}).get("skill_aware")
                else "; the skilled agents' hours could cover it in another roster"
            )
        warnings_out.append(text)
    warnings_out.extend(f"skills: {p.sentence}" for p in proven_by_queue.values())
    findings = {
        "skill_groups": len(skills.groups),
        "queues_short_in_roster": [g.queue for g in gaps],
        "queues_short_in_every_roster": [p.queue for p in proven],
    }
    return frame, warnings_out, findings


def _centre_queues(req: pd.DataFrame, agents: pd.DataFrame) -> list[str]:
    """The planned queues plus those the agents' skills name (a run may plan some of the centre's queues)."""
    from .skills import parse_skills

    queues = set(req["queue"].astype(str).unique()) if "queue" in req.columns else set()
    if "skills" in agents.columns:
        queues |= set(parse_skills(agents, require_all_queues=False).queues)
    return sorted(queues)


def _targets_for(targets: Any, queue: str) -> Any:
    return targets.for_queue(queue) if hasattr(targets, "for_queue") else targets


def stale_history_warning(history: pd.DataFrame, as_of: pd.Timestamp, max_days: int) -> str | None:
    """A planner warning when the history stops more than ``max_days`` days before ``as_of`` (a stale feed).

    The days counted are those from the day after the last one with history up to the day
    before ``as_of`` (yesterday's data missing counts 1). ``None`` when the feed is fresh.
    """
    if history.empty:
        return None
    last = pd.Timestamp(history["interval_start"].max())
    missing = (pd.Timestamp(as_of).normalize() - last.normalize()).days - 1
    if missing <= max_days:
        return None
    return (
        f"history: stale feed: the last data is from {last:%Y-%m-%d %H:%M}, {missing} days with no data before "
        f"the as-of date {pd.Timestamp(as_of):%Y-%m-%d} (more than stale_history_days = {max_days}); "
        "the forecast starts from old data"
    )


def _shortfall_warnings(coverage: pd.DataFrame, config: RunConfig) -> list[str]:
    """Under-staffing a planner must look at, by the run's attention thresholds (:mod:`wfm.attention`)."""
    return shortfall_warnings(coverage, config.attention)


def _peak_gross(req: pd.DataFrame) -> int:
    if req.empty:
        return 0
    return int(req.groupby("interval_start")["agents_scheduled"].sum().max())


def _brief(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "objective", "lower_bound", "gap", "under_agent_intervals", "over_agent_intervals")
    return {k: summary[k] for k in keys if k in summary}


def _clock(summary: dict[str, Any]) -> dict[str, Any]:
    """The roster step's clock (logged, not published: wall-clock times differ between reruns)."""
    out: dict[str, Any] = {k: summary[k] for k in ("build_sec", "solve_sec", "hard_deadline_sec") if k in summary}
    out["stages_cut"] = "+".join(summary.get("stages_cut") or []) or "-"
    return out


def _plain(value: Any) -> Any:
    """JSON-friendly, rounded values (so the summary is stable and readable)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer | bool | np.bool_):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if not np.isfinite(f) else round(f, 6)
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    return value


def _volatile(key: str) -> bool:
    """Roster summary keys that measure wall-clock time (``solve_sec``, ...): logged, not published."""
    # The solver's own bound and work done depend on when a wall-clock limit stops it
    # (under load, the time limit can come before the deterministic work limit).
    return key.endswith("_sec") or key in {"timings", "aggregate_bound", "aggregate_deterministic_time"}


def _summary(config: RunConfig, req: pd.DataFrame, result: Any, daily: pd.DataFrame) -> dict[str, Any]:
    roster_summary = {k: v for k, v in result.as_dict().items() if not _volatile(k)}
    cov = result.coverage
    roster_summary.setdefault("under_agent_intervals", float(cov["under"].sum()) if len(cov) else 0.0)
    roster_summary.setdefault("over_agent_intervals", float(cov["over"].sum()) if len(cov) else 0.0)
    roster_summary["under_staffed_intervals"] = int((cov["under"] > 0).sum()) if len(cov) else 0
    seat_flag = "seat_limited" if "seat_limited" in req.columns else None
    calls = float(req["calls"].sum()) if len(req) else 0.0
    service = {
        "calls": calls,
        "service_level_planned": _weighted(daily, "service_level"),
        "occupancy_planned": _weighted(daily, "occupancy"),
        "paid_hours": float(daily["paid_hours"].sum()) if "paid_hours" in daily else None,
    }
    return _plain(
        {
            "as_of": config.as_of.isoformat(),
            "horizon_days": config.horizon_days,
            "queues": sorted(req["queue"].unique().tolist()) if len(req) else [],
            "forecast_calls": calls,
            "requirements": {
                "peak_gross_agents": _peak_gross(req),
                "net_agent_hours": _agent_hours(req, "agents"),
                "gross_agent_hours": _agent_hours(req, "agents_scheduled"),
                "seat_limited_intervals": int(req.loc[req[seat_flag], "interval_start"].nunique())
                if seat_flag and len(req)
                else 0,
            },
            "roster": roster_summary,
            "service": service,
            "wfm_version": __version__,
        }
    )


def _weighted(daily: pd.DataFrame, column: str) -> float | None:
    if column not in daily or "calls" not in daily or daily["calls"].sum() <= 0:
        return None
    ok = daily[column].notna()
    if daily.loc[ok, "calls"].sum() <= 0:
        return None
    return float((daily.loc[ok, column] * daily.loc[ok, "calls"]).sum() / daily.loc[ok, "calls"].sum())


def _agent_hours(req: pd.DataFrame, column: str) -> float:
    if req.empty:
        return 0.0
    return float(req[column].sum() * interval_hours(req["interval_start"], frame="requirements"))


def _publish(
    config: RunConfig,
    frames: dict[str, pd.DataFrame | None],
    summary: dict[str, Any],
    html: str,
    extra: Callable[[Path], Any] | None = None,
    swap: _Swap | None = None,
    timings: Mapping[str, float] | None = None,
) -> Path:
    """Write every output into a temporary folder, then rename it into place.

    ``extra`` writes further outputs into the temporary folder (the workbook, the calendars)
    before the manifest hashes every file. ``timings`` (step -> wall-clock seconds) go to
    ``timings.json``, written after the manifest and outside it (wall-clock times differ
    between reruns; every hashed file is byte-identical). With ``swap``, a previous folder is
    kept aside in it until :meth:`_Swap.done` (so a failure after the rename can put it back);
    without, it is removed at once.
    """
    out_root = Path(config.output_dir)
    out_root.mkdir(parents=True, exist_ok=True)
    final = out_root / config.as_of.isoformat()
    # Under the run's lock, leftovers of an earlier publish of this date that was killed are stale.
    for stale in wfm_io.remove_stale_temporaries(out_root, (f".{final.name}.*.tmp", f".{final.name}.old-*")):
        log.warning("removed %s, left by an interrupted publish", stale)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=out_root))
    try:
        written: dict[str, str] = {}
        for name, frame in frames.items():
            if frame is None:
                continue
            wfm_io.write_frame(_dates_as_days(frame), tmp / name)
        wfm_io.write_json(summary, tmp / "summary.json")
        wfm_io.write_text(html, tmp / "report.html")
        if extra is not None:
            extra(tmp)
        for p in sorted(p for p in tmp.rglob("*") if p.is_file()):
            written[p.relative_to(tmp).as_posix()] = wfm_io.file_sha256(p)
        manifest = {
            "as_of": config.as_of.isoformat(),
            "wfm_version": __version__,
            "inputs": {role: {"path": str(p), "sha256": _hash_input(p)} for role, p in config.input_files().items()},
            "history_sql": {"url": config.history_url, "query": config.history_query} if config.history_url else None,
            "settings": _plain(
                {
                    "horizon_days": config.horizon_days,
                    "seed": config.seed,
                    "lookback_days": config.lookback_days,
                    "model": config.model,
                    "quantiles": list(config.quantiles),
                    "country": config.country,
                    "seats": config.seats,
                    "time_limit_sec": config.time_limit_sec,
                    "attention_short_share": config.attention_short_share,
                    "attention_total_short_share": config.attention_total_short_share,
                    "num_workers": config.num_workers,
                    "diagnose": config.diagnose,
                    "publish": config.publish.settings(),
                    "simulate_replications": config.simulate_replications,
                    "correct_rounds": config.correct_rounds,
                    "correct_time_limit_sec": config.correct_time_limit_sec,
                }
            ),
            "outputs": written,
        }
        wfm_io.write_json(manifest, tmp / "manifest.json")
        if timings is not None:
            wfm_io.write_json(_timings_record(timings), tmp / TIMINGS_NAME)
        os.chmod(tmp, 0o755)
        old = _swap_into_place(tmp, final)
        if swap is not None:
            swap.final, swap.old = final, old
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if swap is None and old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("published %s", final)
    return final


def _dates_as_days(frame: pd.DataFrame) -> pd.DataFrame:
    """Write ``date`` columns as ``YYYY-MM-DD`` rather than as midnight timestamps."""
    if "date" in frame.columns and pd.api.types.is_datetime64_any_dtype(frame["date"]):
        return frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    return frame


def _hash_input(path: Path) -> str | None:
    if path.is_file():
        return wfm_io.file_sha256(path)
    if path.is_dir():  # a folder of history files: hash of the files' names and hashes
        import hashlib

        digest = hashlib.sha256()
        for p in sorted(path.iterdir()):
            if p.is_file():
                digest.update(p.name.encode() + b"\0" + wfm_io.file_sha256(p).encode())
        return digest.hexdigest()
    return None


def _swap_into_place(tmp: Path, final: Path) -> Path | None:
    """Rename ``tmp`` to ``final``; an existing ``final`` is moved aside first and its new path returned."""
    if not final.exists():
        os.rename(tmp, final)
        return None
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)
        raise
    return old


@dataclass
class _Swap:
    """A renamed-in run folder and the previous one kept aside, until the database has committed."""

    final: Path | None = None
    old: Path | None = None

    def undo(self) -> None:
        """Take the new folder out and put the previous one back (nothing renamed yet: nothing to do)."""
        if self.final is None:
            return
        doomed = self.final.with_name(f".{self.final.name}.{os.getpid()}.failed.tmp")
        os.rename(self.final, doomed)
        if self.old is not None:
            os.rename(self.old, self.final)
        shutil.rmtree(doomed, ignore_errors=True)
        log.warning("the database publish failed after the folder was renamed in; %s restored", self.final)
        self.final = self.old = None

    def done(self) -> None:
        """Both outputs are in place: remove the previous folder."""
        if self.old is not None:
            shutil.rmtree(self.old, ignore_errors=True)
        self.final = self.old = None


#: the run folder's file of step timings (outside the manifest; docs/pipeline.md)
TIMINGS_NAME = "timings.json"


def _timings_record(timings: Mapping[str, float]) -> dict[str, Any]:
    return {
        "note": "wall-clock seconds per step of this run; not in manifest.json (they differ between reruns); "
        "'publish' is in the log only (this file is written during it)",
        "steps": {name: round(float(timings[name]), 3) for name in STEPS if name in timings},
    }


def with_overrides(config: RunConfig, **changes: Any) -> RunConfig:
    """A copy of ``config`` with some fields replaced (validated again)."""
    return replace(config, **changes)
