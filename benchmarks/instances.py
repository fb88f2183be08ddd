"""A seeded family of roster instances the engine was not tuned to (issue 15, part 1).

Each instance is the three public inputs of :func:`wfm.roster.schedule`: an agents frame, a
pooled requirements frame (``interval_start, agents_scheduled``) and a :class:`wfm.roster.Rules`.
Nothing here reads the engine's internals, so an instance is what a new user would hand it.

What varies (all drawn from ``numpy.random.default_rng(seed)``, so the same arguments give the
same instance, byte for byte):

- **demand shape**: ``"real"`` -- the weekday intraday profile 07:00-21:00 and the Monday-Friday
  levels measured on the US bank's five-minute arrivals, the night hours and the reduced-day
  (weekend) level measured on the Israeli bank's 24x7 log (``../shared/data``, through
  :func:`wfm.datasets.derive_shapes`; when that folder is absent the same shapes shipped as
  constants in :mod:`wfm.datasets` are used, so the instance is identical either way up to the
  constants' 4 decimals); ``"example"`` -- the bundled example centre's workload (calls x handle
  time over its six queues, ``data/example/history.csv.gz``) by weekday and 15-minute slot. Each
  day then gets a seeded level noise (2%) and a seeded shift of its peaks (+/- 30 min);
- **contract mix**: full-time 40 h (9 h shifts with a 1 h unpaid meal), part-time 20-30 h
  (4-6 h shifts), night-only agents (8 h nights), agents who may not work nights, and a
  night team on 4 x 10 h;
- **leave blocks**: a share of agents (default 5%) on leave for 2-5 consecutive days, their
  ``min_hours_week`` lowered by 8 h per leave weekday (paid leave credited; it applies to every
  week of a multi-week horizon, a small relaxation);
- **history**: last week's final shift end, run of consecutive days and shift type per agent,
  so shifts of the previous week run into the horizon and the 6-day and rest rules bite at once;
- **horizon** 1-6 weeks, **size** 100-1,400 agents, **breaks** on or off, and optionally the
  4-week hour-balancing cycle of ``examples/rules_cycle.toml``.

The requirement is scaled so that its agent-hours are ``load`` (default 0.93-0.97, seeded) of
the agents' on-phone contracted hours (on shift less unpaid meals, and with breaks also less the
paid breaks); the seats are 20% above the peak requirement.

Usage::

    python benchmarks/instances.py OUTDIR [--agents 1400] [--weeks 1] [--seed 1] [--breaks]
                                          [--shape real|example] [--balance]

writes ``requirements.csv``, ``agents.csv`` and ``rules.toml`` into OUTDIR (for ``wfm schedule``).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wfm import datasets  # noqa: E402
from wfm.io import write_frame  # noqa: E402
from wfm.roster import Rules  # noqa: E402

START = pd.Timestamp("2026-11-30")  # a Monday
SHARED_DATA = next(
    (p for p in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data") if p.is_dir()),
    ROOT.parent / "shared" / "data",
)
RULES_PATH = ROOT / "examples" / "rules.toml"
CYCLE_RULES_PATH = ROOT / "examples" / "rules_cycle.toml"
EXAMPLE_HISTORY = ROOT / "data" / "example" / "history.csv.gz"
SLOTS = 96  # 15-minute intervals a day
SHAPES = ("real", "example")

#: default contract mix (shares of the agents): the independent instance of issue 15
DEFAULT_MIX = {"full_time": 0.75, "part_time": 0.18, "night_only": 0.03, "night_4x10": 0.04}


# ----------------------------------------------------------------------------- demand shapes
@lru_cache(maxsize=4)
def real_shapes(data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(weekday intraday profile, 96 floats mean 1; 7 day levels Mon..Sun; where they came from).

    Measured on ``../shared/data`` when present (:func:`wfm.datasets.derive_shapes`), otherwise the
    same measurement shipped as constants in :mod:`wfm.datasets`. Weekdays use the US bank's
    levels; Saturday is the Israeli bank's reduced-day level, Sunday 0.85 of it.
    """
    folder = Path(data_dir) if data_dir else SHARED_DATA
    us, il = folder / "us_bank_2003_5min.csv", folder / "israel_bank_1999-02_calls.csv"
    if us.is_file() and il.is_file():
        from wfm.io import read_frame

        shapes = datasets.derive_shapes(read_frame(us), read_frame(il))
        profile = np.asarray(shapes["weekday_profile"], dtype=float)
        levels = np.asarray(shapes["weekday_levels"], dtype=float)
        reduced = float(shapes["reduced_day_level"])  # type: ignore[arg-type]
        source = f"measured on {folder}"
    else:
        profile = np.asarray(datasets.WEEKDAY_PROFILE, dtype=float)
        levels = np.asarray(datasets.WEEKDAY_LEVELS, dtype=float)
        reduced = float(datasets.REDUCED_DAY_LEVEL)
        source = "wfm.datasets constants (../shared/data absent)"
    week = np.concatenate([levels, [reduced, 0.85 * reduced]])
    return profile / profile.mean(), week / week[:5].mean(), source


@lru_cache(maxsize=1)
def example_shapes() -> np.ndarray:
    """The example centre's workload (calls x handle time, all queues) as a 7 x 96 array, mean 1.

    Read from the shipped ``data/example/history.csv.gz`` (last 52 weeks, ordinary weeks only
    is not attempted: holidays average out over a year).
    """
    hist = pd.read_csv(EXAMPLE_HISTORY, parse_dates=["interval_start"])
    hist = hist[hist["interval_start"] >= hist["interval_start"].max() - pd.Timedelta(weeks=52)]
    work = (hist["calls"] * hist["aht_sec"]).groupby(hist["interval_start"]).sum()
    stamps = work.index
    slot = (stamps.hour * 60 + stamps.minute) // 15
    table = work.groupby([stamps.dayofweek, slot]).mean().unstack().reindex(index=range(7), columns=range(SLOTS))
    arr = table.fillna(0.0).to_numpy(dtype=float)
    return arr / arr.mean()


def day_shapes(shape: str, days: int, rng: np.random.Generator) -> np.ndarray:
    """``days x 96`` relative load, each day with seeded level noise and a seeded peak shift."""
    if shape == "real":
        profile, week, _ = real_shapes()
        base = np.outer(week, profile)
    elif shape == "example":
        base = example_shapes()
    else:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    out = np.empty((days, SLOTS))
    for d in range(days):
        row = base[d % 7] * (1 + rng.normal(0, 0.02))
        out[d] = np.roll(row, int(rng.integers(-2, 3)))  # peaks +/- 30 min
    return np.maximum(out, 0.0)


# ----------------------------------------------------------------------------- rules
def _strip_breaks(contract: dict) -> None:
    for shift in contract.get("shifts", []):
        shift.pop("breaks", None)


def make_rules(
    *, breaks: bool, balance: bool, seats: int, night_cap: int, contracts_used: set[str]
) -> tuple[Rules, dict]:
    """The rules (and their dict, for writing a rules.toml) of an instance."""
    base = tomllib.loads(RULES_PATH.read_text())
    data = copy.deepcopy(tomllib.loads(CYCLE_RULES_PATH.read_text()) if balance else base)
    if balance and breaks:  # the cycle file has no breaks: take the example's break plans
        for name in ("full_time", "part_time"):
            for shift, src in zip(data["contracts"][name]["shifts"], base["contracts"][name]["shifts"], strict=False):
                if "breaks" in src:
                    shift["breaks"] = copy.deepcopy(src["breaks"])
    ft_breaks = copy.deepcopy(base["contracts"]["full_time"]["shifts"][0].get("breaks", []))
    data["rules"]["seats"] = int(seats)
    data["rules"]["max_night_shifts_per_week"] = int(night_cap)
    avg = {"avg_hours_week": 40, "cycle_tolerance_hours": 0} if balance else {}
    if "night_only" in contracts_used:
        data["contracts"]["night_only"] = {
            "min_hours_week": 32 if balance else 40,
            "max_hours_week": 48 if balance else 40,
            **avg,
            "shifts": [
                {
                    "length_hours": 9,
                    "unpaid_minutes": 60,
                    "earliest_start": "21:00",
                    "latest_start": "23:00",
                    "start_step_minutes": 15,
                    "breaks": copy.deepcopy(ft_breaks),
                }
            ],
        }
    if "night_4x10" in contracts_used:
        ten_breaks = [
            {"kind": "break", "minutes": 15, "paid": True, "start_window": ["01:30", "03:00"]},
            {"kind": "meal", "minutes": 60, "paid": False, "start_window": ["04:00", "06:00"]},
            {"kind": "break", "minutes": 15, "paid": True, "start_window": ["07:00", "08:30"]},
        ]
        data["contracts"]["night_4x10"] = {
            "min_hours_week": 30 if balance else 40,
            "max_hours_week": 50 if balance else 40,
            **({"avg_hours_week": 40, "cycle_tolerance_hours": 0} if balance else {}),
            "shifts": [
                {
                    "length_hours": 11,
                    "unpaid_minutes": 60,
                    "earliest_start": "19:00",
                    "latest_start": "22:00",
                    "start_step_minutes": 15,
                    "breaks": ten_breaks,
                }
            ],
        }
    if not breaks:
        for contract in data["contracts"].values():
            _strip_breaks(contract)
    data["contracts"] = {k: v for k, v in data["contracts"].items() if k in contracts_used}
    return Rules.from_dict(data), data


# ----------------------------------------------------------------------------- the instance
@dataclass
class Instance:
    """One generated instance: the public inputs of :func:`wfm.roster.schedule` and how it was drawn."""

    name: str
    requirements: pd.DataFrame
    agents: pd.DataFrame
    rules: Rules
    rules_dict: dict
    weeks: int
    breaks: bool
    seed: int
    params: dict = field(default_factory=dict)


def _on_phone_factor(contract: str, breaks: bool) -> float:
    """On-phone hours per paid hour of a contract's shifts (9 h shift, 1 h unpaid, 2 x 15 min paid breaks)."""
    if contract == "part_time":
        return (1 - 0.25 / 5) if breaks else 1.0
    if contract == "night_4x10":
        return (9.5 / 10) if breaks else 1.0  # 11 h on shift, 1 h unpaid: 10 paid, 9.5 on phone
    return (7.5 / 8) if breaks else 1.0


def generate(
    *,
    n_agents: int = 1400,
    weeks: int = 1,
    seed: int = 1,
    breaks: bool = False,
    shape: str = "real",
    balance: bool = False,
    mix: dict[str, float] | None = None,
    no_night_share: float = 0.10,
    leave_share: float = 0.05,
    load: float | None = None,
    night_cap: int | None = None,
) -> Instance:
    """One seeded instance; see the module docstring for what each argument varies."""
    if not 100 <= n_agents <= 1400:
        raise ValueError(f"n_agents must be 100-1,400, got {n_agents}")
    if not 1 <= weeks <= 6:
        raise ValueError(f"weeks must be 1-6, got {weeks}")
    if balance and weeks % 4:
        raise ValueError(f"balance (the 4-week cycle) needs a multiple of 4 weeks, got {weeks}")
    rng = np.random.default_rng(seed)
    mix = dict(DEFAULT_MIX if mix is None else mix)
    names = list(mix)
    shares = np.array([mix[n] for n in names], dtype=float)
    counts = np.floor(shares / shares.sum() * n_agents).astype(int)
    counts[0] += n_agents - counts.sum()
    contracts = np.repeat(names, counts)
    if night_cap is None:
        night_cap = 5 if ({"night_only", "night_4x10"} & set(contracts)) else int(rng.choice([3, 5]))
    if load is None:
        load = float(rng.uniform(0.93, 0.97))
    days = 7 * weeks
    horizon_end = START + pd.Timedelta(days=days)
    rows = []
    on_phone_hours = 0.0
    ft_hourly = np.array([1.0 if 6 <= h <= 14 else 0.5 for h in range(24)])
    prefix = {"full_time": "F", "part_time": "P", "night_only": "N", "night_4x10": "T"}
    for i, contract in enumerate(contracts):
        agent_id = f"{prefix.get(contract, 'X')}{i + 1:04d}"
        night_side = contract in ("night_only", "night_4x10")
        night_allowed = True if night_side else (contract == "full_time" and bool(rng.random() > no_night_share))
        lo, hi = {"full_time": (40, 40), "part_time": (20, 30), "night_only": (40, 40), "night_4x10": (40, 40)}[
            contract
        ]
        if balance:
            lo, hi = {"full_time": (32, 48), "part_time": (20, 30), "night_only": (32, 48), "night_4x10": (30, 50)}[
                contract
            ]
        leave: list[str] = []
        min_h = lo
        # with the hour-balancing cycle no leave is drawn: the rules format has no leave credit for a cycle's average
        if rng.random() < leave_share and not balance:
            length = int(rng.integers(2, 6))
            first = int(rng.integers(0, max(1, days - length + 1)))
            for d in range(first, min(first + length, days)):
                leave.append((START + pd.Timedelta(days=d)).strftime("%Y-%m-%d"))
            weekdays = sum(1 for d in range(first, min(first + length, days)) if (d % 7) < 5)
            per_shift = 10 if contract == "night_4x10" else (5 if contract == "part_time" else 8)
            min_h = max(0, lo - per_shift * weekdays)
        # last week: worked Sunday with probability 0.7, ending a run of 1-5 days
        if rng.random() < 0.7 and len(leave) < 2:
            run = int(rng.integers(1, 6))
            last_day = START - pd.Timedelta(days=1)
        else:
            run = 0
            last_day = START - pd.Timedelta(days=int(rng.integers(2, 4)))
        if contract == "night_only":
            start_h, length_h = int(rng.choice([21, 22, 23])), 9
        elif contract == "night_4x10":
            start_h, length_h = int(rng.choice([19, 20, 21, 22])), 11
        elif contract == "full_time":
            w = ft_hourly if night_allowed else np.where((np.arange(24) >= 5) & (np.arange(24) <= 14), 1.0, 0.0)
            start_h, length_h = int(rng.choice(24, p=w / w.sum())), 9
        else:
            start_h, length_h = int(rng.choice([8, 10, 12, 14, 16])), int(rng.choice([4, 5, 6]))
        prev_end = last_day + pd.Timedelta(hours=start_h + length_h, minutes=int(rng.choice([0, 15, 30, 45])))
        prev_type = ("early", "day", "late", "night")[
            0 if 4 <= start_h < 10 else 1 if 10 <= start_h < 14 else 2 if 14 <= start_h < 20 else 3
        ]
        lengths = {"full_time": "9", "night_only": "9", "night_4x10": "11"}.get(
            contract, str(rng.choice(["4;5;6", "4;5;6", "5;6", "4;5"]))
        )
        rows.append(
            {
                "agent_id": agent_id,
                "contract": contract,
                "min_hours_week": min_h,
                "max_hours_week": hi,
                "shift_lengths_h": lengths,
                "night_allowed": night_allowed,
                "unavailable_dates": ";".join(leave),
                "prev_shift_end": prev_end,
                "prev_consecutive_days": run,
                "prev_shift_type": prev_type,
            }
        )
        mid = 40 if balance and contract != "part_time" else (lo + hi) / 2
        weeks_on = weeks - len(leave) / 7
        on_phone_hours += max(min_h, mid * weeks_on / weeks) * weeks * _on_phone_factor(contract, breaks)
    agents = pd.DataFrame(rows)
    shape_days = day_shapes(shape, days, rng).ravel()
    target = load * on_phone_hours * 4  # agent-intervals
    required = np.round(shape_days * target / shape_days.sum()).astype(int)
    stamps = pd.date_range(START, periods=days * SLOTS, freq="15min")
    requirements = pd.DataFrame({"interval_start": stamps, "agents_scheduled": required})
    seats = int(np.ceil(1.2 * required.max()))
    rules, rules_dict = make_rules(
        breaks=breaks, balance=balance, seats=seats, night_cap=night_cap, contracts_used=set(contracts)
    )
    assert requirements["interval_start"].iloc[-1] < horizon_end
    name = f"{shape}-{n_agents}a-{weeks}w-{'breaks' if breaks else 'nobreaks'}{'-balance' if balance else ''}-s{seed}"
    params = {
        "shape": shape,
        "load": round(load, 4),
        "night_cap": night_cap,
        "mix": {k: int(v) for k, v in zip(names, counts, strict=True)},
        "no_night_share": no_night_share,
        "leave_share": leave_share,
        "seats": seats,
    }
    return Instance(name, requirements, agents, rules, rules_dict, weeks, breaks, seed, params)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def rules_toml(data: dict) -> str:
    """A minimal TOML writer for the rules dict (tables, arrays of tables for the shifts)."""
    lines: list[str] = []
    for section, body in data.items():
        if section == "contracts":
            continue
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in body.items()]
        lines.append("")
    for name, contract in data.get("contracts", {}).items():
        lines.append(f"[contracts.{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in contract.items() if k != "shifts"]
        lines.append("")
        for shift in contract.get("shifts", []):
            lines.append(f"[[contracts.{name}.shifts]]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in shift.items()]
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--agents", type=int, default=1400)
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--breaks", action="store_true")
    parser.add_argument("--shape", choices=SHAPES, default="real")
    parser.add_argument("--balance", action="store_true", help="the 4-week hour-balancing cycle")
    args = parser.parse_args()
    inst = generate(
        n_agents=args.agents,
        weeks=args.weeks,
        seed=args.seed,
        breaks=args.breaks,
        shape=args.shape,
        balance=args.balance,
    )
    args.outdir.mkdir(parents=True, exist_ok=True)
    write_frame(inst.requirements, args.outdir / "requirements.csv")
    write_frame(inst.agents, args.outdir / "agents.csv")
    (args.outdir / "rules.toml").write_text(rules_toml(inst.rules_dict))
    print(f"{inst.name}: wrote requirements.csv, agents.csv, rules.toml to {args.outdir} ({inst.params})")


if __name__ == "__main__":
    main()
