"""The report-then-prune step every pruning callback shares, usable from any training loop."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Optional

from hyperscout.exceptions import TrialPruned

if TYPE_CHECKING:
    from hyperscout.trial import Trial

__all__ = ["PruningCallback", "report_and_prune"]


def report_and_prune(trial: "Trial", value: float, step: int, *, message: Optional[str] = None) -> None:
    """Reports ``value`` at ``step`` and raises ``hyperscout.TrialPruned`` when the study's pruner says
    to stop (Optuna's ``trial.report`` + ``trial.should_prune`` + ``raise TrialPruned`` in one call)::

        for epoch in range(epochs):
            loss = train_one_epoch()
            hyperscout.integration.report_and_prune(trial, loss, epoch)
    """
    trial.report(value, step)
    if trial.should_prune():
        raise TrialPruned(message or f"Trial was pruned at step {step}.")


class PruningCallback:
    """A callable for loops that take callbacks: ``callback(value, step)`` reports and raises
    ``hyperscout.TrialPruned`` when the trial should stop. ``report_interval`` reports only every
    n-th step (steps 0, n, 2n, ...)."""

    def __init__(self, trial: "Trial", report_interval: int = 1) -> None:
        self._trial = trial
        self._report_interval = check_report_interval(report_interval)

    def __call__(self, value: float, step: int) -> None:
        if step % self._report_interval == 0:
            report_and_prune(self._trial, value, step)


def check_report_interval(report_interval: int) -> int:
    if isinstance(report_interval, bool) or not isinstance(report_interval, int) or report_interval < 1:
        raise ValueError(f"report_interval must be an integer >= 1, got {report_interval!r}")
    return report_interval


def import_or_explain(module: str, pip_name: str, what: str) -> Any:
    """Imports ``module`` or raises an ImportError that says which pip package ``what`` needs."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"{what} needs {pip_name}; install it with `pip install {pip_name}`") from e


def check_direction(trial: "Trial", higher_is_better: bool, metric: str) -> None:
    """A metric maximized by the library must belong to a maximized study, and vice versa."""
    from hyperscout.study import StudyDirection

    maximize = trial.study.direction == StudyDirection.MAXIMIZE
    if maximize != higher_is_better:
        wanted = "maximize" if higher_is_better else "minimize"
        raise ValueError(
            f"the metric {metric!r} is {'higher' if higher_is_better else 'lower'} when better, but the study "
            f"direction is {trial.study.direction.name.lower()}; create the study with direction={wanted!r}"
        )
