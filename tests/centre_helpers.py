"""A small centre written to a folder for end-to-end runs: history, agents, rules, targets, wfm.toml.

One helper for every test of the nightly run (``test_pipeline``, ``test_run_safety``, the
publishing tests): each states only what its centre changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from wfm.datasets import example_dir, make_example_agents, make_example_history
from wfm.io import write_frame

AS_OF = "2026-10-12"  # a Monday; history runs to the day before

#: ``extra`` for a run whose claim is not about the forecast: one model (weighted weeks) instead of
#: the backtested tournament, which is half of a small run's time (the tournament itself is run by
#: test_pipeline's reruns and tested in test_forecast)
ONE_FORECAST_MODEL = '\n[forecast]\nmodel = "weighted_weeks"\n'


def write_centre(
    folder: Path,
    *,
    queues: Sequence[str] = ("vip",),
    agents: pd.DataFrame | None = None,
    targets: str | None = "[default]\nservice_level = 0.9\nanswer_sec = 10\nshrinkage = 0.3\n",
    seats: int = 30,
    seed: int | None = 3,
    extra: str = "",
    rules: Path | None = None,
) -> Path:
    """Six weeks of the example history of ``queues``, the agents (default 12 full-time and 4
    part-time example agents), the example centre's rules (breaks off), ``targets`` and a 7-day run
    with a 5 s roster; ``targets=None`` leaves out the targets and the [staffing] table,
    ``seed=None`` the run's seed; ``extra`` is appended to wfm.toml; ``rules`` replaces the
    rules file (``examples/rules.toml`` plans breaks). Returns wfm.toml's path."""
    history = make_example_history(start="2026-08-31", end="2026-10-11")
    write_frame(history.loc[history["queue"].isin(list(queues))], folder / "history.csv")
    if agents is None:
        agents = make_example_agents(n_full_time=12, n_part_time=4, as_of=AS_OF)
    write_frame(agents, folder / "agents.csv")
    shutil.copy(rules or example_dir() / "rules.toml", folder / "rules.toml")
    staffing = ""
    if targets is not None:
        (folder / "targets.toml").write_text(targets)
        staffing = f'[staffing]\ntargets = "targets.toml"\nseats = {seats}\n\n'
    run_seed = "" if seed is None else f"seed = {seed}\n"
    (folder / "wfm.toml").write_text(
        f'[run]\nas_of = "{AS_OF}"\nhorizon_days = 7\noutput_dir = "runs"\n{run_seed}\n'
        '[history]\npath = "history.csv"\n\n'
        f"{staffing}"
        '[roster]\nagents = "agents.csv"\nrules = "rules.toml"\ntime_limit_sec = 5\n'
        f"{extra}"
    )
    return folder / "wfm.toml"
