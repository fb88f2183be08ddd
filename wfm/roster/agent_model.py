"""One agent's consecutive days as a CP-SAT model holding every labour rule of those days.

Two tools ask it, and before it each kept its own copy of the rules:

- the joint re-plan of stranded weeks (:mod:`.strand`): the rules are hard, the rest of the
  agent's roster is fixed context, and an objective picks the best legal plan;
- the infeasibility explanation (:mod:`.infeasible`): one assumption literal per rule, so
  CP-SAT can name the rules that conflict.

The model has a Boolean per candidate shift (:class:`Option`: a day, a start, a length) and,
over the span's days and the fixed days around them (:class:`Fixed`), the rules as the
validator reads them (:mod:`.validate`, :mod:`.validate_labour`): at most one shift a day; rest
between shifts (also across days off, where it can bind); the run of working days (the
previous roster's run included); per week block of the span: paid hours, days off and their
run, the nights cap, start-time stability (linear or circular clock), one shift length (an
engine rule, not a labour rule); and across blocks: the least run of days off, nights in a
row, the rest after a run of nights, and the weekly rest inside every whole 7-day block of the
horizon. The edges of the known days are open: a run of days off touching them is not judged
(the validator judges one at the horizon's start only after a worked day), and days beyond
them count as off.

A rule is enforced through ``enforce(name)``: ``[]`` makes it hard, ``[literal]`` an
assumption, ``None`` drops it. Rules whose effect is to bar single shifts (``night_allowed``,
``unavailable:<date>``, ``shift_lengths``, the rest after the previous shift) are given as
``bars``: option indices per rule name; a hard bar removes the options from the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from .rules import Rules

__all__ = ["AgentModel", "Fixed", "Option", "Terms", "DAY", "OFF_DAY", "terms_for"]

DAY = 1440

Enforce = Callable[[str], "list[Any] | None"]


@dataclass(frozen=True)
class Option:
    """A candidate shift: grid ``day`` (0 = the horizon's first), ``start`` in minutes from the
    horizon start, ``length`` and ``paid`` minutes, whether it is a night shift, and ``kind`` (the
    shift length's key, for one length per week)."""

    day: int
    start: int
    length: int
    paid: int
    night: bool
    kind: int


@dataclass(frozen=True)
class Fixed:
    """A fixed day next to the span: worked (``start``/``end`` in minutes from the horizon start,
    None for a day of the previous roster whose times are unknown) or off (``worked=False``)."""

    worked: bool
    start: int | None = None
    end: int | None = None
    night: bool = False


OFF_DAY = Fixed(False)


@dataclass(frozen=True)
class Terms:
    """The rule values of one agent (minutes where a duration)."""

    min_paid_week: int
    max_paid_week: int
    min_days_off_per_week: int
    days_off_consecutive: bool
    max_consecutive_days: int
    min_rest: int
    max_nights_per_week: int
    stability: int
    circular_clock: bool
    one_length: bool
    min_consecutive_days_off: int = 1
    max_consecutive_nights: int | None = None
    rest_after_nights: int = 0
    weekly_rest: int = 0


def terms_for(rules: Rules, min_paid: int, max_paid: int, over: Mapping[str, Any] | None = None) -> Terms:
    """An agent's rule values from the rules and its paid minutes a week; ``over`` replaces rule
    values by their rules-file names (hours where the rule is in hours), for the explanation's what-ifs."""
    v = {**{k: getattr(rules, k) for k in _OVERRIDABLE}, **(over or {})}
    return Terms(
        min_paid_week=min_paid,
        max_paid_week=max_paid,
        min_days_off_per_week=v["min_days_off_per_week"],
        days_off_consecutive=rules.days_off_consecutive,
        max_consecutive_days=v["max_consecutive_days"],
        min_rest=int(round(v["min_rest_hours"] * 60)),
        max_nights_per_week=v["max_night_shifts_per_week"],
        stability=int(round(v["start_stability_hours"] * 60)),
        circular_clock=rules.start_stability_clock == "circular",
        one_length=True,
        min_consecutive_days_off=v["min_consecutive_days_off"],
        max_consecutive_nights=v["max_consecutive_nights"],
        rest_after_nights=int(round(v["min_rest_after_nights_hours"] * 60)),
        weekly_rest=int(round(v["weekly_rest_hours"] * 60)),
    )


_OVERRIDABLE = (
    "min_days_off_per_week",
    "max_consecutive_days",
    "min_rest_hours",
    "max_night_shifts_per_week",
    "start_stability_hours",
    "min_consecutive_days_off",
    "max_consecutive_nights",
    "min_rest_after_nights_hours",
    "weekly_rest_hours",
)


def _hard(name: str) -> list[Any]:
    return []


class AgentModel:
    """The model of one agent over the grid days ``days`` (consecutive), in week ``blocks``
    ((first day, length) each, inside ``days``).

    ``before`` / ``after`` are the fixed days right before and after the span (chronological;
    the previous roster's run as ``Fixed(True)`` days before day 0); ``model`` an existing model to
    add to (the one ``enforce`` makes its literals in); ``prev_end`` is the previous
    roster's last shift end (minutes from the horizon start, may be negative); ``horizon_days``
    places the weekly-rest blocks (every whole 7 days from the horizon start).

    Attributes: ``model``, ``options`` (those in the model), ``x`` (their Booleans, same order),
    ``worked`` (day -> Boolean), ``paid`` (per block, a linear expression).
    """

    def __init__(
        self,
        options: Sequence[Option],
        days: range,
        blocks: Sequence[tuple[int, int]],
        terms: Terms,
        *,
        before: Sequence[Fixed] = (),
        after: Sequence[Fixed] = (),
        prev_end: int | None = None,
        horizon_days: int = 0,
        bars: Mapping[str, Sequence[int]] | None = None,
        enforce: Enforce = _hard,
        model: cp_model.CpModel | None = None,
    ) -> None:
        m = cp_model.CpModel() if model is None else model
        self.model = m
        self.terms = terms
        self._enforce = enforce
        bars = bars or {}
        hard_barred: set[int] = set()
        soft_bars: list[tuple[list[Any], list[int]]] = []
        for name, idx in bars.items():
            lits = enforce(name)
            if lits is None or not idx:
                continue
            if lits:
                soft_bars.append((lits, list(idx)))
            else:
                hard_barred.update(idx)
        keep = [i for i in range(len(options)) if i not in hard_barred]
        self.options = [options[i] for i in keep]
        self.x = [m.new_bool_var(f"x{i}") for i in keep]
        pos = {i: k for k, i in enumerate(keep)}
        for lits, idx in soft_bars:
            for i in idx:
                if i in pos:
                    m.add(self.x[pos[i]] == 0).only_enforce_if(lits)
        by_day: dict[int, list[int]] = {d: [] for d in days}
        for k, o in enumerate(self.options):
            if o.day in by_day:
                by_day[o.day].append(k)
        # Slots: the fixed days before, the span's days, the fixed days after.
        self.worked: dict[int, Any] = {}
        w: list[Any] = []
        night: list[Any] = []
        start: list[Any] = []
        end: list[Any] = []
        day_of: list[int] = []
        first = days.start - len(before)
        for j, f in enumerate(before):
            self._fixed_slot(f, w, night, start, end)
            day_of.append(first + j)
        for d in days:
            ks = by_day[d]
            wd = m.new_bool_var(f"w{d}")
            day_of.append(d)
            if not ks:  # no shift can be worked that day: a constant day off for the rules
                m.add(wd == 0)
                self.worked[d] = wd
                self._fixed_slot(OFF_DAY, w, night, start, end)
                continue
            m.add(sum(self.x[k] for k in ks) == wd)
            self.worked[d] = wd
            w.append(wd)
            nk = [k for k in ks if self.options[k].night]
            if nk:
                nd = m.new_bool_var(f"n{d}")
                m.add(sum(self.x[k] for k in nk) == nd)
                night.append(nd)
            else:
                night.append(False)
            start.append(sum(self.options[k].start * self.x[k] for k in ks))
            end.append(sum((self.options[k].start + self.options[k].length) * self.x[k] for k in ks))
        for f in after:
            self._fixed_slot(f, w, night, start, end)
            day_of.append(day_of[-1] + 1)
        self._w, self._night, self._start, self._end, self._day = w, night, start, end, day_of
        self._span = range(len(before), len(before) + len(days))
        longest = max((o.length for o in self.options), default=0)
        self._longest = max(
            [longest] + [int(f.end - f.start) for f in (*before, *after) if f.start is not None and f.end is not None]
        )

        self._rest(terms.min_rest)
        self._in_a_row("max_consecutive_days", self._w, terms.max_consecutive_days)
        self.paid: list[Any] = []
        for d0, n in blocks:
            self._block(d0, n, by_day)
        if terms.min_consecutive_days_off > 1:
            self._days_off_runs(terms.min_consecutive_days_off)
        if terms.max_consecutive_nights is not None:
            self._in_a_row("max_consecutive_nights", self._night, terms.max_consecutive_nights)
        if terms.rest_after_nights > 0:
            self._rest_after_nights(terms.rest_after_nights)
        if terms.weekly_rest > 0 and horizon_days >= 7:
            for b in range(horizon_days // 7):
                self._weekly_rest(7 * b, prev_end)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _fixed_slot(f: Fixed, w: list, night: list, start: list, end: list) -> None:
        w.append(bool(f.worked))
        night.append(bool(f.worked and f.night))
        start.append(f.start)
        end.append(f.end)

    def _rule(self, name: str) -> list[Any] | None:
        return self._enforce(name)

    def _add_ge(self, name: str, expr: Any, bound: int, conds: Sequence[tuple[Any, bool]]) -> None:
        """``expr >= bound``, enforced by the rule's literal and the conditions (value, polarity);
        skipped when a constant condition fails."""
        lits = self._rule(name)
        if lits is None:
            return
        enf = list(lits)
        for value, positive in conds:
            if isinstance(value, bool):
                if value != positive:
                    return
                continue
            enf.append(value if positive else value.Not())
        ct = self.model.add(expr >= bound)
        if enf:
            ct.only_enforce_if(enf)

    @staticmethod
    def _is_var(v: Any) -> bool:
        return not isinstance(v, bool)

    def _touches_span(self, lo: int, hi: int) -> bool:
        return lo < self._span.stop and hi > self._span.start

    # ------------------------------------------------------------------ rules over the days

    def _rest(self, rest: int) -> None:
        """Rest between two shifts on days a < b with every day between off, where it can bind."""
        if rest <= 0:
            return
        n = len(self._w)
        for a in range(n):
            if self._w[a] is False:
                continue
            for b in range(a + 1, n):
                gap_days = b - a
                if gap_days > 1 and gap_days * DAY - (DAY - 1) - self._longest >= rest:
                    break
                if not self._touches_span(a, b + 1):
                    continue
                if self._w[b] is False:
                    continue
                end_a, start_b = self._end[a], self._start[b]
                if end_a is None or start_b is None:
                    continue
                conds = [(self._w[a], True), (self._w[b], True)] + [(self._w[k], False) for k in range(a + 1, b)]
                self._add_ge("min_rest_hours", start_b - end_a, rest, conds)

    def _in_a_row(self, name: str, seq: Sequence[Any], limit: int) -> None:
        """At most ``limit`` of ``seq``'s days in a row (windows of ``limit + 1`` days holding a variable)."""
        for lo in range(0, len(seq) - limit):
            window = seq[lo : lo + limit + 1]
            if not any(self._is_var(v) for v in window) or any(v is False for v in window):
                continue  # fixed days only, or a day that cannot count: the window holds
            lits = self._rule(name)
            if lits is None:
                return
            ct = self.model.add(sum(window) <= limit)
            if lits:
                ct.only_enforce_if(lits)

    def _block(self, d0: int, n: int, by_day: Mapping[int, list[int]]) -> None:
        """The rules of one week block of the span."""
        m, t = self.model, self.terms
        wdays = list(range(d0, d0 + n))
        ks = [k for d in wdays for k in by_day[d]]
        paid = sum(self.options[k].paid * self.x[k] for k in ks)
        self.paid.append(paid)

        def hard(name: str, ct: Callable[[], Any]) -> None:
            lits = self._rule(name)
            if lits is None:
                return
            c = ct()
            if lits:
                c.only_enforce_if(lits)

        if n == 7 and t.min_paid_week > 0:
            hard("min_hours_week", lambda: m.add(paid >= t.min_paid_week))
        hard("max_hours_week", lambda: m.add(paid <= t.max_paid_week))
        worked = [self.worked[d] for d in wdays]
        off_needed = max(0, t.min_days_off_per_week - (7 - n))
        if off_needed > 0:
            hard("min_days_off_per_week", lambda: m.add(sum(worked) <= n - off_needed))
            if t.days_off_consecutive and off_needed >= 2 and (lits := self._rule("days_off_consecutive")) is not None:
                runs = []
                for f in range(n - off_needed + 1):
                    r = m.new_bool_var(f"offrun{d0}_{f}")
                    for d in range(f, f + off_needed):
                        m.add_implication(r, worked[d].Not())
                    runs.append(r)
                c = m.add(sum(runs) >= 1)
                if lits:
                    c.only_enforce_if(lits)
        nights = [self.x[k] for k in ks if self.options[k].night]
        if nights and t.max_nights_per_week < n:
            hard("max_night_shifts_per_week", lambda: m.add(sum(nights) <= t.max_nights_per_week))
        if n > 1 and t.stability < DAY and (lits := self._rule("start_stability_hours")) is not None:
            # Every worked day's clock start lies in [lo, lo + stability] (circular: or 24 h later).
            lo = m.new_int_var(0, DAY - 1 if t.circular_clock else DAY, f"lo{d0}")
            for d in wdays:
                day_ks = by_day[d]
                if not day_ks:
                    continue
                clock = sum((self.options[k].start - d * DAY) * self.x[k] for k in day_ks)
                if t.circular_clock:
                    z = m.new_bool_var(f"wrap{d}")
                    m.add(clock + DAY * z >= lo).only_enforce_if([*lits, self.worked[d]])
                    m.add(clock + DAY * z <= lo + t.stability).only_enforce_if([*lits, self.worked[d]])
                else:
                    m.add(clock >= lo).only_enforce_if([*lits, self.worked[d]])
                    m.add(clock <= lo + t.stability).only_enforce_if([*lits, self.worked[d]])
        kinds = sorted({self.options[k].kind for k in ks})
        if t.one_length and len(kinds) > 1 and (lits := self._rule("one_length")) is not None:
            used = {c: m.new_bool_var(f"used{d0}_{c}") for c in kinds}
            for k in ks:
                m.add_implication(self.x[k], used[self.options[k].kind])
            c = m.add(sum(used.values()) <= 1)
            if lits:
                c.only_enforce_if(lits)

    def _days_off_runs(self, k_off: int) -> None:
        """Every run of days off closed by worked days on both sides is at least ``k_off`` long."""
        m, w = self.model, self._w
        n = len(w)
        for a in range(n):
            if w[a] is False:
                continue
            for g in range(1, k_off):
                b = a + g + 1
                if b >= n or not self._touches_span(a, b + 1):
                    continue
                members = [(w[a], True), (w[b], True)] + [(w[c], False) for c in range(a + 1, b)]
                if any(isinstance(v, bool) and v != pos for v, pos in members):
                    continue
                lits = self._rule("min_consecutive_days_off")
                if lits is None:
                    return
                clause = [v.Not() if pos else v for v, pos in members if self._is_var(v)]
                if clause:
                    m.add_bool_or(clause).only_enforce_if(lits) if lits else m.add_bool_or(clause)

    def _rest_after_nights(self, rest: int) -> None:
        """The rest from the last night of a run to the agent's next shift."""
        w, nt, st, en = self._w, self._night, self._start, self._end
        n = len(w)
        for a in range(n):
            if nt[a] is False or en[a] is None:
                continue
            for b in range(a + 1, n):
                if b - a > 1 and (b - a) * DAY - (DAY - 1) - self._longest >= rest:
                    break
                if w[b] is False or st[b] is None or not self._touches_span(a, b + 1):
                    continue
                conds: list[tuple[Any, bool]] = [(nt[a], True), (w[b], True)]
                conds += [(w[c], False) for c in range(a + 1, b)]
                if b == a + 1:
                    # The run goes on when the next day is a night too: only a day shift ends it.
                    if nt[b] is True:
                        continue
                    if self._is_var(nt[b]):
                        conds.append((nt[b], False))
                self._add_ge("rest_after_nights", st[b] - en[a], rest, conds)

    def _weekly_rest(self, b0_day: int, prev_end: int | None) -> None:
        """An uninterrupted stretch of ``weekly_rest`` minutes with no shift inside the 7-day block
        starting on horizon day ``b0_day`` (a shift from the day before still running occupies its part)."""
        span_days = range(self._day[self._span.start], self._day[self._span.stop - 1] + 1)
        if b0_day + 7 <= span_days.start or b0_day >= span_days.stop:
            return
        lits = self._rule("weekly_rest")
        if lits is None:
            return
        m, t = self.model, self.terms
        need = t.weekly_rest
        b0, b1 = b0_day * DAY, (b0_day + 7) * DAY
        slot = {d: i for i, d in enumerate(self._day)}
        # The slots that may hold a shift touching the block: the day before it and its seven days.
        idx = [slot.get(d) for d in range(b0_day - 1, b0_day + 7)]
        if b0_day == 0:
            idx[0] = None  # before the horizon only the previous shift's end is known (prev_end)
        w = [self._w[i] if i is not None else False for i in idx]
        st = [self._start[i] if i is not None else None for i in idx]
        en = [self._end[i] if i is not None else None for i in idx]
        carry = None
        if b0_day == 0 and prev_end is not None and prev_end > 0:
            carry = prev_end  # the previous roster's last shift still running at the horizon start
        cands: list[tuple[list[tuple[Any, bool]], list[Any]]] = []  # (conditions, linear >= need)
        # A stretch from `a` (a shift's end, or the block start) to `b` (a shift's start, or the block end).
        ends_at: list[tuple[int | None, Any]] = [(None, carry if carry is not None else b0)]
        ends_at += [(i, en[i]) for i in range(8)]
        for a, ea in ends_at:
            if a is not None and (w[a] is False or ea is None):
                continue
            for b in [*range(1, 8), None]:
                lo = 0 if a is None else a + 1
                if b is not None and (b < lo or w[b] is False or st[b] is None):
                    continue
                hi = 8 if b is None else b
                between = [(w[c], False) for c in range(lo, hi)]
                if any(v is True for v, _ in between):
                    continue
                conds = list(between)
                if a is not None:
                    conds.append((w[a], True))
                if b is not None:
                    conds.append((w[b], True))
                sb = b1 if b is None else st[b]
                ineqs = [sb - ea]
                if a == 0:
                    ineqs.append(sb - b0)  # a shift of the day before, clipped to the block
                cands.append((conds, ineqs))
        picks: list[Any] = []
        for conds, ineqs in cands:
            exprs = [e for e in ineqs if not isinstance(e, int)]
            consts = [e for e in ineqs if isinstance(e, int)]
            if any(c < need for c in consts):
                continue
            if all(not self._is_var(v) for v, _ in conds) and not exprs:
                return  # a stretch of the fixed days holds the rest already
            r = m.new_bool_var(f"rest{b0_day}_{len(picks)}")
            for v, pos in conds:
                if self._is_var(v):
                    m.add_implication(r, v if pos else v.Not())
            for e in exprs:
                m.add(e >= need).only_enforce_if(r)
            picks.append(r)
        c = m.add_bool_or(picks) if picks else m.add_bool_or([m.new_constant(0)])
        if lits:
            c.only_enforce_if(lits)
