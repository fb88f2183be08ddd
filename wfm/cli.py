"""The ``wfm`` command line: a thin shell over the library.

Every command calls the same public function a Python user would call. Library errors
(:class:`wfm.exceptions.WFMError`) become one line on stderr and the error's exit code
(2 for bad input or configuration); anything unexpected becomes one line and exit code 3.
Set ``WFM_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
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


@main.command("schedule")
@click.argument("requirements", type=click.Path(dir_okay=False))
@click.option("--agents", "agents_path", required=True, type=click.Path(dir_okay=False),
              help="Agents CSV/Parquet (agent_id, contract, ...; see docs/roster.md).")
@click.option("--rules", "rules_path", required=True, type=click.Path(dir_okay=False), help="Rules TOML file.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Roster file to write.")
@click.option("--coverage", "coverage_path", type=click.Path(dir_okay=False), help="Coverage file to write.")
@click.option("--breaks", "breaks_path", type=click.Path(dir_okay=False),
              help="Breaks file to write (empty until breaks are planned).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False), help="Summary JSON file to write.")
@click.option("--time-limit", default=60.0, show_default=True, type=float, help="Solver time limit in seconds.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same roster).")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT workers.")
def schedule_command(requirements: str, agents_path: str, rules_path: str, output: str, coverage_path: str | None,
                     breaks_path: str | None, summary_path: str | None, time_limit: float, seed: int,
                     workers: int) -> None:
    """Build a weekly 24x7 roster of named agents under labour rules.

    Prints the summary (objective, lower bound and gap, under/over-staffing, seats, timings);
    progress goes to stderr. Outputs are written atomically only when the run succeeds.

    \b
    Example:
      wfm schedule requirements.csv --agents agents.csv --rules rules.toml -o roster.csv --coverage coverage.csv --time-limit 60
    """
    import json

    from .io import read_frame, write_frame, write_json
    from .roster import load_rules, schedule

    rules = load_rules(rules_path)
    req = read_frame(requirements)
    agents = read_frame(agents_path)
    result = schedule(req, agents, rules, time_limit_sec=time_limit, seed=seed, num_workers=workers,
                      progress=lambda message: click.echo(message, err=True))
    write_frame(result.roster, output)
    if coverage_path:
        write_frame(result.coverage, coverage_path)
    if breaks_path:
        write_frame(result.breaks, breaks_path)
    if summary_path:
        write_json(result.summary, summary_path)
    click.echo(json.dumps(result.summary, indent=2, default=str))


if __name__ == "__main__":  # pragma: no cover
    main()
