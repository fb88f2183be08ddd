"""Special days: every holiday kind, eve, after-day, make-up workday and event its own effect.

A special day (``kind`` from :func:`wfm.calendar.day_types`: ``holiday:<name>``,
``eve:<name>``, ``after1:<name>``, ``after2:<name>``, ``makeup:<name>``, ``event:<name>``)
is forecast as ``ratio x reference x shape``: for a holiday the reference is the models'
forecast of an average open day at that date (the day's own-weekday forecast divided by
its weekday factor: a holiday is a holiday whatever weekday it falls on); for an eve, an
after-day or an event it is the forecast of its own weekday, for a make-up workday that of
the weekday it borrows. ``ratio`` is the kind's daily volume relative to the reference and
``shape`` its intraday shares.
Both come from one of three sources, reported per day in ``method``:

- ``learned``: three or more past occurrences of the kind in the history (per day of the
  holiday period, lined up on the holiday's main day), shrunk a little towards the pool;
- ``pooled``: one or two past occurrences, shrunk towards the pooled effect of the family
  (all holidays, all eves, ...), or none of this kind but others of its family;
- ``prior``: nothing of the family in the history; a planner's choice: a public holiday is
  the centre's quietest regular weekday (its day of rest), an eve a short day (the open
  weekday with notably fewer open hours, else the working day before the weekend), the
  first working day after a period the first working day after the weekend (it carries the
  backlog), the second an ordinary day, a make-up workday the weekday whose timetable it
  borrows, an event its own weekday times its ``multiplier`` (or like its ``like`` weekday).

Shrinkage is empirical Bayes on log ratios: an occurrence's log effect varies around its
kind's by ``OCCURRENCE_SD`` (a design value: weather, the weekday it falls on, the year's
mood); kinds vary around their family by ``tau``, estimated from the kinds in the history
when there are three or more, ``DEFAULT_TAU`` otherwise. The weight of ``n`` occurrences is
``n tau^2 / (n tau^2 + OCCURRENCE_SD^2)``; the same weight mixes the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..calendar import WEEKDAY_LABELS, kind_family, normalize_events, weekend_days
from .frame import QueueData

__all__ = [
    "SpecialHistory",
    "Estimate",
    "reference_weekday",
    "learn_special",
    "plan_special",
    "special_values",
    "OCCURRENCE_SD",
    "DEFAULT_TAU",
    "LEARNED_MIN",
]

#: log-scale spread of one occurrence's effect around its kind's effect
OCCURRENCE_SD = 0.08
#: spread of kinds around their family's pooled effect when the history cannot tell
DEFAULT_TAU = 0.25
#: the least spread of kinds assumed: Spring Festival and Qingming are not alike even when
#: most of a history's holidays look the same
MIN_TAU = 0.15
#: spread of the pooled effect around the prior
PRIOR_TAU = 0.30
#: occurrences from which a kind is "learned" rather than "pooled"
LEARNED_MIN = 3
#: days either side of a day whose ordinary days set its level
LEVEL_WINDOW = 21
#: a day counts for the level when this share of its open slots has data
FULL_DAY = 0.9


@dataclass
class SpecialHistory:
    """What the history up to a cut says about special days (numpy arrays, one row per record)."""

    kind: np.ndarray
    family: np.ndarray
    occurrence: np.ndarray  # occurrence key: kind + first date of the occurrence
    offset: np.ndarray
    log_ratio: np.ndarray
    shape: np.ndarray  # (n_records, n_slots), rows sum to 1
    #: per kind: (open occurrences, closed occurrences) of holiday kinds
    closed: dict[str, tuple[int, int]]
    #: weekday factors of daily totals (mean 1 over open weekdays) and intraday shares per weekday
    factors: np.ndarray
    profiles: np.ndarray
    #: holiday days with data / without data (on open weekdays) in the history
    holiday_open_days: int
    holiday_closed_days: int


def _weekday_factors(totals: np.ndarray, wd: np.ndarray, usable: np.ndarray, open_weekdays: np.ndarray) -> np.ndarray:
    f = np.full(7, np.nan)
    for w in np.flatnonzero(open_weekdays):
        idx = np.flatnonzero((wd == w) & usable)[-6:]
        if idx.size:
            f[w] = totals[idx].mean()
    if np.isnan(f[open_weekdays]).all():
        f[open_weekdays] = 1.0
    f[open_weekdays & np.isnan(f)] = np.nanmean(f)
    return f / np.nanmean(f[open_weekdays])


def _profiles(calls: np.ndarray, wd: np.ndarray, usable: np.ndarray, open_slots: np.ndarray) -> np.ndarray:
    prof = np.zeros((7, calls.shape[1]))
    for w in range(7):
        idx = np.flatnonzero((wd == w) & usable)[-9:]
        if idx.size == 0:
            continue
        days = np.nan_to_num(calls[idx]) * open_slots[w]
        tot = days.sum(axis=1, keepdims=True)
        prof[w] = np.divide(days, tot, out=np.zeros_like(days), where=tot > 0).mean(axis=0)
        s = prof[w].sum()
        if s > 0:
            prof[w] /= s
    return prof


def first_day_back(open_weekdays: np.ndarray, country: str | None, default: int) -> int:
    """The first working day after the weekly rest (Monday; Sunday in Israel), or for a
    centre with a weekly closure the first open day after it; ``default`` when none."""
    weekend = weekend_days(country)
    day = next((w for w in range(7) if w not in weekend and (w - 1) % 7 in weekend), default)
    for w in range(7):
        if not open_weekdays.all() and open_weekdays[w] and not open_weekdays[(w - 1) % 7]:
            return w
    return day


def reference_weekday(
    family: str, weekday: int, borrows: int, open_weekdays: np.ndarray, after_closure: int = -1
) -> int:
    """The weekday a special day's ratio is measured against; -1 = an average open day.

    A holiday is a holiday whatever weekday it falls on (average day); an eve, an after-day
    or an event scales its own weekday; a make-up workday the weekday it borrows. The first
    day back after a *closed* holiday period is a reopening like the one after the weekly
    rest, whatever weekday it falls on (the Tuesday after a closed Memorial Day takes the
    Monday's backlog): pass that weekday as ``after_closure`` and it is the reference, so an
    effect learned on a Tuesday transfers to a Monday without counting the Monday peak twice."""
    if family == "holiday":
        return -1
    if family == "makeup":
        return int(borrows) if borrows >= 0 and open_weekdays[borrows] else -1
    if family == "after1" and after_closure >= 0 and open_weekdays[after_closure]:
        return int(after_closure)
    return int(weekday) if open_weekdays[weekday] else -1


def learn_special(qd: QueueData, n_days: int | None = None, country: str | None = None) -> SpecialHistory:
    """Records of every special day with data in ``qd``'s first ``n_days`` days (all by default).

    ``country`` sets the weekly rest for the first day back after a closed holiday period
    (see :func:`reference_weekday`)."""
    n = len(qd.days) if n_days is None else int(n_days)
    cal = qd.calendar.iloc[:n]
    kinds = cal["kind"].to_numpy().astype(object)
    wd = cal["weekday"].to_numpy()
    calls = qd.calls[:n]
    has_rows = ~np.isnan(calls).all(axis=1)
    totals = np.nansum(calls, axis=1)
    mask = qd.open_slots[wd]
    seen = (~np.isnan(calls) & mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    usable = (kinds == "") & qd.open_weekdays[wd] & (seen >= FULL_DAY)
    factors = _weekday_factors(totals, wd, usable, qd.open_weekdays)
    profiles = _profiles(calls, wd, usable, qd.open_slots)
    adj = np.where(usable, totals / np.where(np.isnan(factors[wd]), 1.0, factors[wd]), 0.0)
    cs = np.concatenate([[0.0], np.cumsum(adj)])
    cc = np.concatenate([[0], np.cumsum(usable.astype(int))])
    lo = np.clip(np.arange(n) - LEVEL_WINDOW, 0, n)
    hi = np.clip(np.arange(n) + LEVEL_WINDOW + 1, 0, n)
    cnt = cc[hi] - cc[lo]
    level = np.divide(cs[hi] - cs[lo], cnt, out=np.full(n, np.nan), where=cnt > 0)

    families = np.array([kind_family(k) for k in kinds], dtype=object)
    borrows = cal["borrows"].to_numpy()
    special = np.flatnonzero(kinds != "")
    rec_kind, rec_fam, rec_occ, rec_off, rec_lr, rec_shape = [], [], [], [], [], []
    closed: dict[str, list[set]] = {}
    last_seen: dict[str, tuple[int, str]] = {}
    dates = qd.days[:n]
    offsets = cal["offset"].to_numpy()
    hol_open = hol_closed = 0
    reopen = first_day_back(qd.open_weekdays, country, -1)
    worked_days = has_rows & (totals > 0)
    for i in special:
        k = kinds[i]
        prev = last_seen.get(k)
        # days of one kind less than a week apart are one occurrence (one period)
        occ = prev[1] if prev is not None and i - prev[0] <= 7 else f"{k}@{dates[i].date()}"
        last_seen[k] = (int(i), occ)
        worked = bool(has_rows[i] and totals[i] > 0)  # rows of zeros are a closed day too
        if families[i] == "holiday" and qd.open_weekdays[wd[i]]:
            hol_open += int(worked)
            hol_closed += int(not worked)
        if families[i] == "holiday" and (worked or qd.open_weekdays[wd[i]]):
            # a closed day counts only where the centre would otherwise have been open
            closed.setdefault(k, [set(), set()])[0 if worked else 1].add(occ)
        closure = -1
        if families[i] == "after1":
            # the period before it was closed: a day of its holiday in the week before without calls
            hol = "holiday:" + k.split(":", 1)[1]
            before = np.arange(max(int(i) - 7, 0), int(i))
            if ((kinds[before] == hol) & ~worked_days[before]).any():
                closure = reopen
        ref = reference_weekday(families[i], wd[i], borrows[i], qd.open_weekdays, closure)
        ref_total = level[i] * (factors[ref] if ref >= 0 else 1.0)
        if not worked or not ref_total > 0:
            continue
        rec_kind.append(k)
        rec_fam.append(families[i])
        rec_occ.append(occ)
        rec_off.append(int(offsets[i]))
        rec_lr.append(float(np.log(totals[i] / ref_total)))
        rec_shape.append(np.nan_to_num(calls[i]) / totals[i])
    shape = np.array(rec_shape) if rec_shape else np.zeros((0, qd.slots_per_day))
    closed_counts = {k: (len(v[0]), len(v[1] - v[0])) for k, v in closed.items()}
    return SpecialHistory(
        np.array(rec_kind, dtype=object),
        np.array(rec_fam, dtype=object),
        np.array(rec_occ, dtype=object),
        np.array(rec_off, dtype=np.int64),
        np.array(rec_lr),
        shape,
        closed_counts,
        factors,
        profiles,
        hol_open,
        hol_closed,
    )


@dataclass
class Estimate:
    """A special day's effect before the prior is known: ``log ratio = w own + (1 - w) target``
    with ``target = wp pool + (1 - wp) log(prior)``; shapes mix with the same weights."""

    method: str
    occurrences: int
    w: float
    own: float
    wp: float
    pool: float
    own_shape: np.ndarray
    pool_shape: np.ndarray
    #: spread of kinds around the family used for ``w``
    tau2: float = DEFAULT_TAU**2

    def log_sd(self) -> float:
        """Predictive spread of the day's log effect: what the interval must add to the models' own error.

        The estimate is ``w own + (1 - w) target``. ``own`` (the mean of ``n_eff`` past
        occurrences) misses the kind's effect with variance ``OCCURRENCE_SD^2 / n_eff`` =
        ``tau2 (1 - w) / w``; the target misses it by a kind's spread around its family
        (``tau2``) plus the pool's own error (``(1 - wp) PRIOR_TAU^2``, the prior's spread
        shrunk by the family's occurrences). A new occurrence then varies around its kind by
        ``OCCURRENCE_SD``. So learned kinds get about ``OCCURRENCE_SD``, a kind never seen
        but with a family about ``sqrt(OCCURRENCE_SD^2 + tau2)``, a prior-only day the widest.
        """
        w, tau2 = self.w, self.tau2
        own_var = w * (1 - w) * tau2 if w > 0 else 0.0
        target_var = tau2 + (1 - self.wp) * PRIOR_TAU**2
        return float(np.sqrt(OCCURRENCE_SD**2 + own_var + (1 - w) ** 2 * target_var))

    def combine(self, prior_ratio: float, prior_shape: np.ndarray) -> tuple[float, np.ndarray]:
        target = self.wp * self.pool + (1 - self.wp) * float(np.log(max(prior_ratio, 1e-9)))
        target_shape = self.wp * self.pool_shape + (1 - self.wp) * prior_shape
        return (
            float(np.exp(self.w * self.own + (1 - self.w) * target)),
            self.w * self.own_shape + (1 - self.w) * target_shape,
        )


def _estimate(h: SpecialHistory, kind: str, offset: int, pool: bool) -> Estimate:
    """Where a special day's effect comes from: its kind's past occurrences, its family's pool, a prior."""
    n_slots = h.shape.shape[1]
    zero = np.zeros(n_slots)
    fam = kind_family(kind)
    in_fam = h.family == fam
    own = np.flatnonzero(h.kind == kind)
    occs = list(dict.fromkeys(h.occurrence[own]))
    n = len(occs)
    # the family's pool, itself shrunk towards the prior
    wp, pool_lr, pool_shape, n_pool = 0.0, 0.0, zero, 0
    fam_idx = np.flatnonzero(in_fam) if pool else np.zeros(0, dtype=int)
    if fam_idx.size:
        occ_keys = list(dict.fromkeys(h.occurrence[fam_idx]))
        occ_means = np.array([h.log_ratio[fam_idx][h.occurrence[fam_idx] == o].mean() for o in occ_keys])
        n_pool = len(occ_keys)
        wp = n_pool * PRIOR_TAU**2 / (n_pool * PRIOR_TAU**2 + OCCURRENCE_SD**2)
        pool_lr, pool_shape = float(occ_means.mean()), h.shape[fam_idx].mean(axis=0)
    if n == 0:
        return Estimate("pooled" if n_pool else "prior", 0, 0.0, 0.0, wp, pool_lr, zero, pool_shape)
    # spread of kinds around the family
    tau2 = DEFAULT_TAU**2
    if pool:
        kinds = list(dict.fromkeys(h.kind[in_fam]))
        if len(kinds) >= 3:
            means, inv_n = [], []
            for k in kinds:
                sel = np.flatnonzero(h.kind == k)
                keys = list(dict.fromkeys(h.occurrence[sel]))
                means.append(np.mean([h.log_ratio[sel][h.occurrence[sel] == o].mean() for o in keys]))
                inv_n.append(1.0 / len(keys))
            tau2 = max(float(np.var(means, ddof=1)) - OCCURRENCE_SD**2 * float(np.mean(inv_n)), MIN_TAU**2)
    # the kind's own effect at this day of the period: each occurrence's same day, else its
    # nearest day (a longer break this year), which counts half
    vals, weights = [], []
    for o in occs:
        sel = own[h.occurrence[own] == o]
        j = sel[np.argmin(np.abs(h.offset[sel] - offset) * 2 + (h.offset[sel] > offset))]
        vals.append(h.log_ratio[j])
        weights.append(1.0 if h.offset[j] == offset else 0.5)
    n_eff = float(np.sum(weights))
    w = n_eff * tau2 / (n_eff * tau2 + OCCURRENCE_SD**2)
    return Estimate(
        "learned" if n >= LEARNED_MIN else "pooled",
        n,
        w,
        float(np.average(vals, weights=weights)),
        wp,
        pool_lr,
        h.shape[own].mean(axis=0),
        pool_shape,
        tau2,
    )


def _short_day(qd: QueueData, weekend: frozenset[int]) -> int:
    """The open weekday with notably fewer open hours (Israel's Friday), else the working
    day before the weekend (Friday)."""
    open_w = np.flatnonzero(qd.open_weekdays)
    hours = qd.open_slots.sum(axis=1)
    workdays = [w for w in open_w if w not in weekend] or list(open_w)
    typical = float(np.median(hours[workdays]))
    short = [w for w in open_w if hours[w] < 0.8 * typical]
    if short:
        return int(min(short, key=lambda w: hours[w]))
    before = next((w for w in range(7) if w not in weekend and (w + 1) % 7 in weekend), 4)
    return before if qd.open_weekdays[before] else int(workdays[-1])


def _closed_holiday(h: SpecialHistory, kind: str, weekly_closure: bool) -> str:
    """How a holiday kind is known to be closed ("learned", "pooled", "prior"), "" when open.

    Closed when most of its past occurrences were; never seen: as most holidays of the
    history; no holiday in the history: closed when the centre has a weekly closure."""
    n_open, n_closed = h.closed.get(kind, (0, 0))
    if n_closed > n_open:
        return "learned"
    if n_open == 0 and (h.holiday_closed_days > h.holiday_open_days or (h.holiday_open_days == 0 and weekly_closure)):
        return "pooled" if h.holiday_closed_days else "prior"
    return ""


def plan_special(
    qd: QueueData, h: SpecialHistory, cal: pd.DataFrame, country: str | None, events: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, list]:
    """For each day of ``cal`` (rows of a day-type table): how it is forecast.

    Returns a frame ``date, weekday, kind, offset, status, method, occurrences, ratio,
    slot_weekday, prior_weekday, multiplier, prior`` and each day's :class:`Estimate` (None
    on ordinary and closed days). Ordinary days get
    method ``ordinary`` (the models' own forecast); ``ratio`` is the day's volume relative
    to the level of an average open day.
    """
    wd = cal["weekday"].to_numpy()
    kinds = cal["kind"].to_numpy().astype(object)
    offs = cal["offset"].to_numpy()
    borrows = cal["borrows"].to_numpy()
    n = len(cal)
    f = h.factors
    open_w = np.flatnonzero(qd.open_weekdays)
    fw = np.where(np.isnan(f), np.inf, f)
    quietest = int(open_w[np.argmin(fw[open_w])])
    median_w = int(open_w[np.argsort(f[open_w])[len(open_w) // 2]])
    weekend = weekend_days(country)
    # the first working day after the weekly rest (Monday; Sunday in Israel), or for a
    # centre with a weekly closure the first open day after it
    after_rest = first_day_back(qd.open_weekdays, country, median_w)
    weekly_closure = not qd.open_weekdays.all()
    short = _short_day(qd, weekend)
    ev = normalize_events(events).set_index("date") if events is not None else None

    status = np.where(qd.open_weekdays[wd], "open", "closed").astype(object)
    method = np.full(n, "ordinary", dtype=object)
    occurrences = np.zeros(n, dtype=np.int64)
    ratio = np.ones(n)
    slot_wd = wd.copy()
    prior_wd = wd.copy()
    estimates: list[Estimate | None] = [None] * n
    mults = np.ones(n)
    ref_wd = np.full(n, -1, dtype=np.int64)
    dates = pd.DatetimeIndex(cal["date"])
    for i in range(n):
        k = kinds[i]
        if not k:
            continue
        fam = kind_family(k)
        own_open = bool(qd.open_weekdays[wd[i]])
        mult = 1.0
        pool = fam != "event"
        closure = -1
        if fam == "holiday":
            p = quietest
            shut = _closed_holiday(h, k, weekly_closure)
            if shut:
                status[i], method[i] = "closed", shut
                occurrences[i] = h.closed.get(k, (0, 0))[1] if shut == "learned" else 0
                continue
        elif fam == "eve":
            p = short
        elif fam == "after1":
            p = after_rest if qd.open_weekdays[after_rest] else median_w
            if _closed_holiday(h, "holiday:" + k.split(":", 1)[1], weekly_closure):
                closure = p  # the reopening after a closed period: measured against the day after the weekly rest
        elif fam == "makeup":
            p = int(borrows[i]) if borrows[i] >= 0 and qd.open_weekdays[borrows[i]] else median_w
        elif fam == "event":
            like = ev["like"].get(dates[i]) if ev is not None else None
            p = WEEKDAY_LABELS.index(like) if isinstance(like, str) else (wd[i] if own_open else median_w)
            m = ev["multiplier"].get(dates[i], np.nan) if ev is not None else np.nan
            mult = 1.0 if np.isnan(m) else float(m)
        else:  # after2: an ordinary day of its weekday
            p = wd[i] if own_open else median_w
        if not qd.open_weekdays[p]:
            p = median_w
        slots = p if fam in ("holiday", "makeup") else (wd[i] if own_open else p)
        est = _estimate(h, k, int(offs[i]), pool)
        ref = reference_weekday(fam, wd[i], borrows[i], qd.open_weekdays, closure)
        ref_wd[i] = ref
        # the reported ratio (to an average open day) uses the history's weekday factors for
        # the prior and the reference; the forecast uses the model's
        ref_f = float(f[ref]) if ref >= 0 else 1.0
        ratio[i] = est.combine(float(f[p]) * mult / ref_f, h.profiles[p])[0] * ref_f
        status[i], method[i], occurrences[i] = "open", est.method, est.occurrences
        slot_wd[i], prior_wd[i], estimates[i], mults[i] = slots, p, est, mult
    plan = pd.DataFrame(
        {
            "date": dates,
            "weekday": wd,
            "kind": kinds,
            "offset": offs,
            "status": status,
            "method": method,
            "occurrences": occurrences,
            "ratio": ratio,
            "slot_weekday": slot_wd,
            "prior_weekday": prior_wd,
            "ref_weekday": ref_wd,
            "multiplier": mults,
            "prior": [WEEKDAY_LABELS[w] for w in prior_wd],
        }
    )
    return plan, estimates


def special_values(
    plan: pd.DataFrame, estimates: list, h: SpecialHistory, open_slots: np.ndarray, predict
) -> np.ndarray:
    """Forecast day matrices of the open special days of ``plan`` (rows in plan order).

    ``predict(dates, weekdays)`` is a fitted model's day forecast. The prior of a day is the
    model's forecast of its prior weekday (times an event's multiplier); ratios scale the
    forecast of the day's reference weekday, or for holidays the level of an average open
    day (the forecast of the day's own weekday divided by that weekday's factor).
    """
    dates = plan["date"].to_numpy().astype("datetime64[D]")
    wd = plan["weekday"].to_numpy()
    p = plan["prior_weekday"].to_numpy().astype(np.int64)
    slots = open_slots[plan["slot_weekday"].to_numpy().astype(np.int64)]
    open_weekdays = np.asarray(open_slots.any(axis=1), dtype=bool)
    f = h.factors
    own = np.where(open_weekdays[wd], wd, p)
    ref_wd = plan["ref_weekday"].to_numpy().astype(np.int64)
    # the reference: the forecast of the reference weekday, or of an average open day
    ref = np.where(ref_wd >= 0, ref_wd, own)
    scale = np.where(ref_wd >= 0, 1.0, np.where(np.isnan(f[ref]) | (f[ref] <= 0), 1.0, f[ref]))
    level = predict(dates, ref).sum(axis=1) / scale
    prior = predict(dates, p) * plan["multiplier"].to_numpy()[:, None] * slots
    out = np.zeros_like(prior)
    for i, est in enumerate(estimates):
        total = prior[i].sum()
        prior_shape = prior[i] / total if total > 0 else slots[i] / max(slots[i].sum(), 1)
        if est.w == 0 and est.wp == 0:  # the prior alone: exactly the model's forecast of the prior weekday
            out[i] = prior[i]
            continue
        ratio, shape = est.combine(total / level[i] if level[i] > 0 else 1.0, prior_shape)
        shape = shape * slots[i]
        shape = shape / shape.sum() if shape.sum() > 0 else prior_shape
        out[i] = ratio * level[i] * shape
    return out
