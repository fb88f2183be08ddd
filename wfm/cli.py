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


if __name__ == "__main__":  # pragma: no cover
    main()
