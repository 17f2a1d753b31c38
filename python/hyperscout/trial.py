"""Trials: the live ``Trial`` an objective receives, ``FrozenTrial`` snapshots and ``TrialState``."""

from __future__ import annotations

import datetime as _datetime
import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Union

from hyperscout import _core
from hyperscout.distributions import BaseDistribution, CategoricalDistribution

if TYPE_CHECKING:
    from hyperscout.study import Study

__all__ = ["Trial", "FrozenTrial", "TrialState", "create_trial"]

TrialState = _core.TrialState
FrozenTrial = _core.FrozenTrial


def _is_finished(state: TrialState) -> bool:
    return state not in (TrialState.RUNNING, TrialState.WAITING)


TrialState.is_finished = _is_finished  # Optuna's spelling: state.is_finished()


def _as_int(name: str, what: str, value: Any) -> int:
    # Accept 3.0 (as Optuna does) but never silently truncate 2.5.
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or int(value) != value:
        raise TypeError(f"suggest_int('{name}'): {what} must be an integer, got {value!r}")
    return int(value)


class _FinishedTrialCore:
    """Stands in for the C++ trial once ``optimize`` has finished it, so a Trial kept past its
    objective still reads its last state instead of touching freed memory."""

    __slots__ = ("_snapshot",)
    _READABLE = frozenset(
        ("number", "_trial_id", "params", "distributions", "user_attrs", "system_attrs", "datetime_start")
    )

    def __init__(self, snapshot: FrozenTrial) -> None:
        self._snapshot = snapshot

    def __getattr__(self, name: str) -> Any:
        if name in _FinishedTrialCore._READABLE:
            return getattr(self._snapshot, name)
        raise RuntimeError(
            f"trial {self._snapshot.number} has finished; {name}() works only inside its objective "
            "(read finished trials with study.trials)"
        )


class Trial:
    """The define-by-run handle an objective receives; each ``suggest_*`` call is stored at once."""

    __slots__ = ("_core", "_study")

    def __init__(self, study: "Study", core_trial: _core.Trial) -> None:
        self._study = study
        self._core = core_trial

    def suggest_float(
        self, name: str, low: float, high: float, *, step: Optional[float] = None, log: bool = False
    ) -> float:
        """A float in [low, high]; ``log=True`` samples on a log scale, ``step`` snaps to a grid."""
        # nanobind converts ints to float itself; only an unusual `log` needs bool() first.
        return self._core.suggest_float(name, low, high, step, log if log is True or log is False else bool(log))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        """An integer in [low, high] (both included)."""
        return self._core.suggest_int(
            name, _as_int(name, "low", low), _as_int(name, "high", high), _as_int(name, "step", step), bool(log)
        )

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """One of ``choices`` (str, int, float or bool; ``None`` is not supported)."""
        try:
            distribution = CategoricalDistribution(choices)
        except (ValueError, TypeError) as e:
            raise type(e)(f"suggest_categorical('{name}'): {e}") from None
        return self._core.suggest(name, distribution)

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        return self._core.suggest(name, distribution)

    def report(self, value: float, step: int) -> None:
        """Records an intermediate objective value at ``step`` (Optuna's argument order)."""
        self._core.report(_as_int("report", "step", step), float(value))

    def should_prune(self) -> bool:
        """Whether the study's pruner says to stop this trial now; then ``raise hyperscout.TrialPruned()``."""
        return self._core.should_prune()

    def set_user_attr(self, key: str, value: Any) -> None:
        self._core.set_user_attr(key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        self._core.set_system_attr(key, value)

    def set_constraints(self, values: Sequence[float]) -> None:
        """Constraint values of this trial, feasible when every value is <= 0 (Optuna's convention).

        Kept in the system attribute ``"constraints"``; ``GPSampler`` and ``TPESampler`` model them and prefer
        points likely to be feasible. Raises InvalidArgumentError for an empty list or a non-finite value.
        """
        self._core.set_constraints([float(v) for v in values])

    def set_constraint(self, key: str, value: float) -> None:
        """One named constraint value, feasible when it is <= 0 (Optuna 5's ``Trial.set_constraint``).

        Kept in the system attribute ``"constraints:<key>"`` and read as ``set_constraints``' values are (see
        ``FrozenTrial.constraints``). Setting a key twice keeps the first value and warns, as Optuna does. Raises
        TypeError for a value that is not a number and InvalidArgumentError for a non-finite one.
        """
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"set_constraint({key!r}): the value must be a number, got {value!r}") from None
        if not self._core.set_constraint(str(key), number):
            warnings.warn(f"trial {self.number}: constraint {key!r} is already set; its first value is kept",
                          stacklevel=2)  # fmt: skip

    @property
    def number(self) -> int:
        return self._core.number

    @property
    def _trial_id(self) -> int:
        return self._core._trial_id

    @property
    def params(self) -> Dict[str, Any]:
        return self._core.params

    @property
    def distributions(self) -> Dict[str, BaseDistribution]:
        return self._core.distributions

    @property
    def user_attrs(self) -> Dict[str, Any]:
        return self._core.user_attrs

    @property
    def system_attrs(self) -> Dict[str, Any]:
        return self._core.system_attrs

    @property
    def datetime_start(self) -> "Optional[_datetime.datetime]":
        return self._core.datetime_start

    @property
    def study(self) -> "Study":
        return self._study

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params!r})"

    def _finish(self) -> None:
        self._core = _FinishedTrialCore(self._core.snapshot)


def _seconds(name: str, when: Optional[Union[_datetime.datetime, float]]) -> Optional[float]:
    if when is None:
        return None
    if isinstance(when, _datetime.datetime):
        return when.timestamp()  # a naive datetime is local time, as FrozenTrial.datetime_* are
    if isinstance(when, numbers.Real) and not isinstance(when, bool):
        return float(when)
    raise TypeError(f"{name} must be a datetime.datetime or seconds since the epoch, got {when!r}")


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: Optional[float] = None,
    values: Optional[Sequence[float]] = None,
    params: Optional[Dict[str, Any]] = None,
    distributions: Optional[Dict[str, BaseDistribution]] = None,
    user_attrs: Optional[Dict[str, Any]] = None,
    system_attrs: Optional[Dict[str, Any]] = None,
    intermediate_values: Optional[Dict[int, float]] = None,
    datetime_start: Optional[Union[_datetime.datetime, float]] = None,
    datetime_complete: Optional[Union[_datetime.datetime, float]] = None,
    constraints: Optional[Dict[str, float]] = None,
) -> FrozenTrial:
    """A FrozenTrial to pass to ``Study.add_trial`` (Optuna's ``create_trial``), e.g. results from
    elsewhere. ``params`` are external values and each needs its distribution. The start time defaults
    to now (unless WAITING), the completion time to now for a finished trial; pass ``datetime`` objects
    (or epoch seconds) to keep the original times. ``constraints`` (name -> value, as Optuna 5 takes them) are
    stored as ``Trial.set_constraint`` stores them."""
    if value is not None and values is not None:
        raise ValueError("pass value or values, not both")
    if constraints:
        system_attrs = dict(system_attrs or {})
        for key, constraint in constraints.items():
            number = float(constraint)
            if not math.isfinite(number):
                raise ValueError(f"constraint {key!r} is {number}; a constraint value must be a finite number")
            system_attrs[f"constraints:{key}"] = number
    value_list = [float(value)] if value is not None else [float(v) for v in values or ()]
    now = _datetime.datetime.now()
    if datetime_start is None and state != TrialState.WAITING:
        datetime_start = now
    if datetime_complete is None and _is_finished(state):
        datetime_complete = now
    return FrozenTrial(
        state=state,
        values=value_list,
        params=params,
        distributions=distributions,
        intermediate_values=intermediate_values,
        user_attrs=user_attrs,
        system_attrs=system_attrs,
        datetime_start=_seconds("datetime_start", datetime_start),
        datetime_complete=_seconds("datetime_complete", datetime_complete),
    )
