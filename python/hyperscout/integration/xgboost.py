"""Pruning for XGBoost: ``XGBoostPruningCallback`` (Optuna's name and arguments)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hyperscout.integration._pruning import import_or_explain, report_and_prune

if TYPE_CHECKING:
    from hyperscout.trial import Trial

__all__ = ["XGBoostPruningCallback"]

try:  # the base class when xgboost is installed; the constructor explains what to install otherwise
    from xgboost.callback import TrainingCallback as _Base
except ImportError:
    _Base = object


class XGBoostPruningCallback(_Base):  # type: ignore[misc, valid-type]
    """Reports an evaluation metric after each boosting round and prunes unpromising trials::

        callback = XGBoostPruningCallback(trial, "validation-logloss")
        xgboost.train(params, dtrain, evals=[(dvalid, "validation")], callbacks=[callback])

    ``observation_key`` is ``"<evals name>-<metric>"`` as XGBoost prints it (``"validation-logloss"``,
    ``"test-auc"`` with ``xgboost.cv``, whose fold mean is reported). Needs XGBoost 1.3 or later
    (``pip install xgboost``, or the CPU-only ``xgboost-cpu``).
    """

    def __init__(self, trial: "Trial", observation_key: str) -> None:
        import_or_explain("xgboost", "xgboost", "XGBoostPruningCallback")
        super().__init__()
        data_name, sep, metric = observation_key.partition("-")
        if not sep or not data_name or not metric:
            raise ValueError(
                f"observation_key must look like '<evals name>-<metric>' (e.g. 'validation-logloss'), "
                f"got {observation_key!r}"
            )
        self._trial = trial
        self._observation_key = observation_key
        self._data_name = data_name
        self._metric = metric

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        try:
            score = evals_log[self._data_name][self._metric][-1]
        except (KeyError, IndexError):
            available = [f"{d}-{m}" for d, metrics in evals_log.items() for m in metrics]
            raise ValueError(
                f"XGBoostPruningCallback: XGBoost reported no {self._observation_key!r}; it reported {available}. "
                "Name the evals set and metric as XGBoost prints them."
            ) from None
        if isinstance(score, tuple):  # xgboost.cv logs (mean, std)
            score = score[0]
        report_and_prune(self._trial, float(score), epoch, message=f"Trial was pruned at iteration {epoch}.")
        return False  # False: training goes on
