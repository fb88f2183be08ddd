"""The ``wfm`` command line: a thin shell over the library.

Every command calls the same public function a Python user would call. Library errors
(:class:`wfm.exceptions.WFMError`) become one line on stderr and the error's exit code
(2 for bad input or configuration); anything unexpected becomes one line and exit code 3.
Set ``WFM_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from . import __version__
from .exceptions import WFMError

__all__ = ["main"]


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


@click.group(cls=_WFMGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfm")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
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
    if not quiet and verbose == 0:
        level = logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("wfm").setLevel(level)
    warnings.showwarning = _show_warning


@main.command("run")
@click.argument("config", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Planning date (first day planned); overrides the config. Default: the config's, else today.")
@click.option("--horizon-days", type=click.IntRange(1, 62), help="Days to plan; overrides the config.")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Root folder of the outputs; one sub-folder per as-of date.")
@click.option("--time-limit", "time_limit_sec", type=click.FloatRange(min=0, min_open=True), help="Roster solver time limit in seconds; overrides the config.")
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
    requirements, roster, breaks, coverage, daily figures, summary.json, report.html and
    manifest.json. Exit code 0: success; 1: finished, but the plan needs a planner
    (under-staffed intervals, seat limit binding); 2: bad input or configuration;
    3: internal failure.

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
    for w in outcome.warnings:
        click.echo(f"Attention: {w}", err=True)
    sys.exit(outcome.exit_code)


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
            f"over-staffing {ros.get('over_agent_intervals')}, gap to bound {ros.get('gap')}"
        )
    if svc.get("service_level_planned") is not None:
        lines.append(
            f"planned service level {svc['service_level_planned']:.1%}, occupancy "
            f"{(svc.get('occupancy_planned') or 0):.1%}, paid hours {svc.get('paid_hours')}"
        )
    return lines


if __name__ == "__main__":  # pragma: no cover
    main()
