"""Pruning for LightGBM: ``LightGBMPruningCallback`` (Optuna's name and arguments)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hyperscout.integration._pruning import (
    check_direction,
    check_report_interval,
    import_or_explain,
    report_and_prune,
)

if TYPE_CHECKING:
    from hyperscout.trial import Trial

__all__ = ["LightGBMPruningCallback"]

# lightgbm.cv names its aggregated results "valid" (LightGBM 4) or "cv_agg" (LightGBM 3).
_CV_NAMES = ("valid", "cv_agg")


class LightGBMPruningCallback:
    """Reports a validation metric after each boosting round and prunes unpromising trials::

        callback = LightGBMPruningCallback(trial, "binary_logloss", valid_name="valid_0")
        lightgbm.train(params, train_set, valid_sets=[valid_set], callbacks=[callback])

    ``metric`` is the evaluation name LightGBM prints (``"auc"``, ``"l2"``, ...), ``valid_name`` the
    name of the validation set (``valid_names`` of ``lightgbm.train``; ``"valid_0"`` by default). With
    ``lightgbm.cv`` the mean over folds is reported. The study direction must agree with the metric
    (``"auc"`` needs ``direction="maximize"``). ``report_interval`` reports every n-th round.
    """

    def __init__(self, trial: "Trial", metric: str, valid_name: str = "valid_0", report_interval: int = 1) -> None:
        import_or_explain("lightgbm", "lightgbm", "LightGBMPruningCallback")
        self._trial = trial
        self._metric = metric
        self._valid_name = valid_name
        self._report_interval = check_report_interval(report_interval)
        self._direction_checked = False

    def _score(self, env: Any) -> tuple:
        is_cv = type(env.model).__name__ == "CVBooster"
        names = _CV_NAMES if is_cv else (self._valid_name,)
        for entry in env.evaluation_result_list:
            valid_name, metric, score, higher_is_better = entry[:4]
            if valid_name in names and metric == self._metric:
                return float(score), bool(higher_is_better)
        available = [f"{e[0]}/{e[1]}" for e in env.evaluation_result_list]
        where = "lightgbm.cv's aggregated results" if is_cv else f"validation set {self._valid_name!r}"
        raise ValueError(
            f"LightGBMPruningCallback: no metric {self._metric!r} for {where}; LightGBM reported {available}. "
            "Pass the metric and valid_name as LightGBM names them (valid_names=... in lightgbm.train)."
        )

    def __call__(self, env: Any) -> None:
        if env.iteration % self._report_interval != 0:
            return
        score, higher_is_better = self._score(env)
        if not self._direction_checked:
            check_direction(self._trial, higher_is_better, self._metric)
            self._direction_checked = True
        report_and_prune(self._trial, score, env.iteration, message=f"Trial was pruned at iteration {env.iteration}.")
