"""What the histories say about the special days' shrinkage constants (method of moments).

``wfm/forecast/special.py`` uses design values: an occurrence varies around its kind by
``OCCURRENCE_SD`` (0.08, log scale) and holiday kinds around their family by ``tau``,
estimated from the kinds' means but at least ``MIN_TAU`` (0.15). This script estimates,
per queue of the full history:

- the occurrence spread: the pooled within-(kind, day of the period) standard deviation of
  the occurrences' log ratios (degrees of freedom = occurrences - 1, summed);
- the kinds' spread: the variance of the holiday kinds' mean log ratios (over their
  occurrences and days) less the occurrence noise, the formula ``_estimate`` uses, without
  the floor;
- the same spread day by day of the period (kinds lined up on their main day), which is what
  a day's forecast actually borrows from the pool.

Nothing here changes the forecast; it says whether the design values are in line with the data.

Run: python benchmarks/bench_forecast_shrinkage.py
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wfm.datasets import load_example_history, make_example_history  # noqa: E402
from wfm.forecast.frame import prepare_history  # noqa: E402
from wfm.forecast.special import MIN_TAU, OCCURRENCE_SD, learn_special  # noqa: E402

DATA = Path(os.environ.get("WFM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


def moments(h) -> dict[str, float]:
    df = pd.DataFrame({"kind": h.kind, "fam": h.family, "occ": h.occurrence, "off": h.offset, "lr": h.log_ratio})
    g = df.groupby(["kind", "off"])["lr"]
    n = g.transform("size")
    dev = df["lr"] - g.transform("mean")
    dof = int((g.size() - 1).sum())
    occ_sd = float(np.sqrt((dev[n > 1] ** 2).sum() / dof)) if dof else float("nan")
    noise = occ_sd if dof else OCCURRENCE_SD
    hol = df[df["fam"] == "holiday"]
    occ_means = hol.groupby(["kind", "occ"])["lr"].mean()
    kind_means = occ_means.groupby(level=0).mean()
    n_k = occ_means.groupby(level=0).size()
    tau = float("nan")
    if len(kind_means) >= 3:
        tau = float(np.sqrt(max(np.var(kind_means, ddof=1) - noise**2 * float((1 / n_k).mean()), 0.0)))
    # day by day: kinds' means at the same offset, spread across kinds, averaged over offsets with 3+ kinds
    by_off = hol.groupby(["off", "kind"])["lr"].mean()
    per_off = [np.var(v, ddof=1) for _, v in by_off.groupby(level=0) if len(v) >= 3]
    tau_day = float(np.sqrt(max(np.mean(per_off) - noise**2 / 2, 0.0))) if per_off else float("nan")
    return {"dof": dof, "occ_sd": occ_sd, "kinds": len(kind_means), "tau": tau, "tau_day": tau_day}


def main() -> None:
    warnings.simplefilter("ignore")
    sets = [("bundled", load_example_history(), "CN"), ("seed7", make_example_history(seed=7), "CN")]
    path = DATA / "us_bank_2003_5min.csv"
    if path.exists():
        us = pd.read_csv(path).rename(columns={"timestamp": "interval_start"})
        us["interval_start"] = pd.to_datetime(us["interval_start"])
        sets.append(("us_bank", us.assign(queue="all"), "US"))
    print(f"design values: OCCURRENCE_SD {OCCURRENCE_SD}, MIN_TAU {MIN_TAU}")
    for tag, hist, country in sets:
        queues = prepare_history(hist, country=country, events=None, exclude=None, as_of=None, thin_queues={})
        for name, qd in queues.items():
            m = moments(learn_special(qd, country=country))
            print(
                f"{tag:8s} {name:20s} occurrence sd {m['occ_sd']:.3f} ({m['dof']} dof); "
                f"holiday kinds {m['kinds']}: kinds' spread {m['tau']:.3f}, day by day {m['tau_day']:.3f}"
            )


if __name__ == "__main__":
    main()
