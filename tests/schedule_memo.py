"""``wfm.roster.schedule`` remembered by its inputs, for tests that re-run a night to test what
happens around the plan (publishing, its failures, a second night reading the first's results).

The engine is deterministic (same inputs, same roster), so a night re-run on the same inputs
gets the roster the first run planned, without planning it again: the first call of every
distinct input still runs the real engine. The result is handed out as a deep copy, and the
warnings the engine raised are raised again on every call (the run's exit code reads them).
Tests of determinism itself (the reruns in ``test_pipeline``) must not use this.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import pandas as pd
import pytest

import wfm.roster

__all__ = ["remembered_schedules"]


def _part(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        hashed = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        return ("frame", tuple(map(str, value.columns)), tuple(map(str, value.dtypes)), hashed)
    if isinstance(value, pd.Series):
        return ("series", str(value.name), pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    if callable(value):
        return ("callable",)  # progress callbacks and the like do not change the plan
    if isinstance(value, (list, tuple)):
        return tuple(_part(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _part(v)) for k, v in value.items()))
    return repr(value)


def _copy(result: Any) -> Any:
    """A copy of a RosterResult whose frames and diagnostics the caller may change freely."""
    fresh = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, pd.DataFrame):
            fresh[f.name] = value.copy(deep=True)
        elif isinstance(value, MappingProxyType):
            fresh[f.name] = MappingProxyType(copy.deepcopy(dict(value)))
        else:
            fresh[f.name] = copy.deepcopy(value)
    return dataclasses.replace(result, **fresh)


@contextmanager
def remembered_schedules() -> Iterator[dict]:
    """Within the block, ``wfm.roster.schedule`` plans each distinct input once; yields the memo
    (key -> (result, warnings)) so a test can see how many plans were made."""
    real: Callable[..., Any] = wfm.roster.schedule
    memo: dict[bytes, tuple[Any, list[warnings.WarningMessage]]] = {}

    def schedule(*args: Any, **kwargs: Any) -> Any:
        # clock_start (the caller's clock) only moves the wall-clock cap, never the plan of an
        # unhurried run, and differs on every call: it is not part of the inputs
        key = pickle.dumps((_part(args), _part({k: v for k, v in kwargs.items() if k != "clock_start"})))
        if key not in memo:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = real(*args, **kwargs)
            memo[key] = (result, list(caught))
        result, caught = memo[key]
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return _copy(result)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wfm.roster, "schedule", schedule)
        yield memo
