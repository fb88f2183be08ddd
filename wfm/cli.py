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


def _parse_quantiles(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers such as 0.1,0.9, got {text!r}") from None


@main.command("forecast")
@click.argument("history", type=click.Path(dir_okay=False))
@click.option("--horizon-days", default=14, show_default=True, type=int, help="Calendar days to forecast.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Forecast file (.csv or .parquet).")
@click.option("--model", default="auto", show_default=True,
              help="auto, combo, snaive, weighted_weeks, top_down_level, top_down_ets or mstl.")
@click.option("--quantiles", default="0.1,0.9", show_default=True, help="Quantiles of calls, comma-separated.")
@click.option("--country", default="CN", show_default=True, help="Holiday calendar (ISO code; NONE for none).")
@click.option("--events", type=click.Path(dir_okay=False), help="Events file: date, event[, multiplier].")
@click.option("--exclude", type=click.Path(dir_okay=False), help="Outlier periods to drop: start, end.")
@click.option("--backtest-report", type=click.Path(dir_okay=False), help="Write the backtest table here.")
@click.option("--as-of", help="Last history day to use (YYYY-MM-DD); the forecast starts the day after.")
@click.option("--aht-sec", type=float, help="Constant handle time when the history has no aht_sec column.")
@click.option("--origins", default=3, show_default=True, type=int, help="Backtest origins per queue.")
def forecast_command(history, horizon_days, output, model, quantiles, country, events, exclude, backtest_report,
                     as_of, aht_sec, origins) -> None:
    """Forecast calls and AHT per queue and interval, model chosen per queue by backtest.

    \b
    Example:
      wfm forecast history.csv --horizon-days 14 -o forecast.csv --backtest-report backtest.csv
    """
    from . import io
    from .forecast import forecast

    hist = io.read_frame(history)
    if "interval_start" not in hist.columns and "timestamp" in hist.columns:
        hist = hist.rename(columns={"timestamp": "interval_start"})
    ev = io.read_frame(events) if events else None
    ex = io.read_frame(exclude) if exclude else None
    n_queues = hist["queue"].nunique() if "queue" in hist.columns else 1
    with click.progressbar(length=n_queues * (origins + 1), label="forecast tournament", file=sys.stderr) as bar:
        result = forecast(hist, horizon_days, model=model, quantiles=_parse_quantiles(quantiles),
                          country=None if country.upper() == "NONE" else country, events=ev, exclude=ex,
                          as_of=as_of, aht_sec=aht_sec, n_origins=origins, progress=bar.update)
    io.write_frame(result.forecast, output)
    if backtest_report:
        io.write_frame(result.backtest, backtest_report)
    for note in result.notes[:1]:
        click.echo(note, err=True)
    for row in result.selected.itertuples():
        click.echo(f"{row.queue}: {row.model} (backtest WAPE {row.backtest_wape:.3f})", err=True)
    click.echo(f"wrote {len(result.forecast)} intervals to {output}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
