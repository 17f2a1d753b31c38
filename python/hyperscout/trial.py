"""Trials: the live ``Trial`` an objective receives, ``FrozenTrial`` snapshots and ``TrialState``."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence

from hyperscout import _core
from hyperscout.distributions import BaseDistribution, CategoricalDistribution

if TYPE_CHECKING:
    import datetime

    from hyperscout.study import Study

__all__ = ["Trial", "FrozenTrial", "TrialState"]

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

    def __init__(self, snapshot: FrozenTrial) -> None:
        self._snapshot = snapshot
        self.number = snapshot.number
        self._trial_id = snapshot._trial_id
        self.params = snapshot.params
        self.distributions = snapshot.distributions
        self.user_attrs = snapshot.user_attrs
        self.system_attrs = snapshot.system_attrs
        self.datetime_start = snapshot.datetime_start

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"trial {self.number} has finished; {name}() works only inside its objective "
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
        return self._core.suggest_float(name, float(low), float(high), None if step is None else float(step), bool(log))

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
    def datetime_start(self) -> "Optional[datetime.datetime]":
        return self._core.datetime_start

    @property
    def study(self) -> "Study":
        return self._study

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self.params!r})"

    def _finish(self) -> None:
        self._core = _FinishedTrialCore(self._core.snapshot)
