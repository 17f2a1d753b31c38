"""bayesmark-style ML tuning tasks: scikit-learn model × bundled dataset × metric, 5-fold cross-validated loss.

The search spaces follow the ranges of the bayesmark package (Uber, 2019; the tasks of the NeurIPS 2020
black-box optimization challenge, Turner et al. 2021, arXiv:2104.10201), written here as our own data:

- bayesmark's "logit" ranges are plain uniform ranges here (no tool under test has a logit warping);
- the "normalize" option of Lasso/Ridge is gone (scikit-learn removed it in 1.2);
- "boston" is gone from scikit-learn; "diabetes" is the one regression dataset;
- every estimator with randomness gets random_state=0, so the objective is deterministic and the same
  for every tool (bayesmark leaves it unseeded);
- the linear classifiers are one-vs-rest liblinear logistic regressions, as bayesmark's multi_class="ovr".

As in bayesmark, 20% of the data is held out with a fixed shuffle seed and the loss is the mean of
`cross_val_score(cv=5)` on the rest, negated into a loss: -accuracy, log-loss, MAE, MSE. A parameter
setting that makes scikit-learn raise scores like a constant predictor (DummyClassifier/DummyRegressor).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Dict, List, Tuple

from bench.compare.problems import Problem
from bench.compare.space import Space


def _f(name: str, low: float, high: float, log: bool = False) -> Dict[str, Any]:
    return {"name": name, "type": "float", "low": low, "high": high, "log": log}


def _i(name: str, low: int, high: int, log: bool = False) -> Dict[str, Any]:
    return {"name": name, "type": "int", "low": low, "high": high, "log": log}


def _b(name: str) -> Dict[str, Any]:
    return {"name": name, "type": "cat", "choices": [False, True]}


_KNN: Space = [_i("n_neighbors", 1, 25), _i("p", 1, 4)]
_SVM: Space = [_f("C", 1.0, 1e3, True), _f("gamma", 1e-4, 1e-3, True), _f("tol", 1e-5, 1e-1, True)]
_TREE_FRACTIONS: Space = [
    _f("min_samples_split", 0.01, 0.99),
    _f("min_samples_leaf", 0.01, 0.49),
    _f("min_weight_fraction_leaf", 0.01, 0.49),
    _f("max_features", 0.01, 0.99),
    _f("min_impurity_decrease", 0.0, 0.5),
]
_DT: Space = [_i("max_depth", 1, 15)] + _TREE_FRACTIONS
_RF: Space = [_i("max_depth", 1, 15)] + _TREE_FRACTIONS
_MLP_COMMON: Space = [
    _i("hidden_layer_sizes", 50, 200),
    _f("alpha", 1e-5, 1e1, True),
    _i("batch_size", 10, 250),
    _f("learning_rate_init", 1e-5, 1e-1, True),
    _f("tol", 1e-5, 1e-1, True),
    _f("validation_fraction", 0.1, 0.9),
]
_MLP_ADAM: Space = _MLP_COMMON + [_f("beta_1", 0.5, 0.99), _f("beta_2", 0.9, 1.0 - 1e-6), _f("epsilon", 1e-9, 1e-6, True)]
_MLP_SGD: Space = _MLP_COMMON + [_f("power_t", 0.1, 0.9), _f("momentum", 0.001, 0.999)]
_ADA: Space = [_i("n_estimators", 10, 100), _f("learning_rate", 1e-4, 1e1, True)]
_LOGREG: Space = [_f("C", 1e-2, 1e2, True), _f("intercept_scaling", 1e-2, 1e2, True)]
_LASSO_REG: Space = [
    _f("alpha", 1e-2, 1e2, True),
    _b("fit_intercept"),
    _i("max_iter", 10, 5000, True),
    _f("tol", 1e-5, 1e-1, True),
    _b("positive"),
]
_RIDGE_REG: Space = [
    _f("alpha", 1e-2, 1e2, True),
    _b("fit_intercept"),
    _i("max_iter", 10, 5000, True),
    _f("tol", 1e-4, 1e-1, True),
]

MODELS = ["DT", "MLP-adam", "MLP-sgd", "RF", "SVM", "ada", "kNN", "lasso", "linear"]
CLASSIFICATION = ["breast", "digits", "iris", "wine"]
REGRESSION = ["diabetes"]
METRICS = {"clf": ["acc", "nll"], "reg": ["mae", "mse"]}
_SCORERS = {"acc": "accuracy", "nll": "neg_log_loss", "mae": "neg_mean_absolute_error", "mse": "neg_mean_squared_error"}


def task_names() -> List[str]:
    """Every task as `model-dataset-metric`, e.g. `SVM-wine-nll` (90 tasks)."""
    out = []
    for model in MODELS:
        for data in CLASSIFICATION + REGRESSION:
            kind = "reg" if data in REGRESSION else "clf"
            out.extend(f"{model}-{data}-{metric}" for metric in METRICS[kind])
    return out


def _parse(name: str) -> Tuple[str, str, str]:
    model, data, metric = name.rsplit("-", 2)
    if model not in MODELS or data not in CLASSIFICATION + REGRESSION:
        raise ValueError(f"unknown ML task {name!r}; names look like SVM-wine-nll (see --list-tasks)")
    kind = "reg" if data in REGRESSION else "clf"
    if metric not in METRICS[kind]:
        raise ValueError(f"ML task {name!r}: metric {metric!r} does not apply; use one of {METRICS[kind]}")
    return model, data, metric


def _space(model: str, regression: bool) -> Space:
    if model in ("lasso", "linear") and regression:
        return _LASSO_REG if model == "lasso" else _RIDGE_REG
    return {
        "DT": _DT, "RF": _RF, "MLP-adam": _MLP_ADAM, "MLP-sgd": _MLP_SGD, "SVM": _SVM, "ada": _ADA, "kNN": _KNN,
        "lasso": _LOGREG, "linear": _LOGREG,
    }[model]  # fmt: skip


def _estimator(model: str, regression: bool, params: Dict[str, Any]) -> Any:
    from sklearn import ensemble, linear_model, multiclass, neighbors, neural_network, svm, tree

    p = dict(params)
    if model == "kNN":
        return (neighbors.KNeighborsRegressor if regression else neighbors.KNeighborsClassifier)(**p)
    if model == "SVM":
        return svm.SVR(kernel="rbf", **p) if regression else svm.SVC(kernel="rbf", probability=True, random_state=0, **p)
    if model == "DT":
        cls = tree.DecisionTreeRegressor if regression else tree.DecisionTreeClassifier
        return cls(max_leaf_nodes=None, random_state=0, **p)
    if model == "RF":
        cls = ensemble.RandomForestRegressor if regression else ensemble.RandomForestClassifier
        return cls(n_estimators=10, max_leaf_nodes=None, random_state=0, **p)
    if model in ("MLP-adam", "MLP-sgd"):
        cls = neural_network.MLPRegressor if regression else neural_network.MLPClassifier
        p["hidden_layer_sizes"] = (p["hidden_layer_sizes"],)
        if model == "MLP-adam":
            return cls(solver="adam", early_stopping=True, random_state=0, **p)
        extra = {"activation": "tanh"} if regression else {}  # bayesmark: relu regression diverges often
        return cls(solver="sgd", early_stopping=True, learning_rate="invscaling", nesterovs_momentum=True,
                   random_state=0, **extra, **p)  # fmt: skip
    if model == "ada":
        cls = ensemble.AdaBoostRegressor if regression else ensemble.AdaBoostClassifier
        return cls(random_state=0, **p)
    if regression:
        return linear_model.Lasso(random_state=0, **p) if model == "lasso" else linear_model.Ridge(**p)
    l1 = model == "lasso"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = linear_model.LogisticRegression(
            penalty="l1" if l1 else "l2", solver="liblinear", fit_intercept=True, random_state=0, **p
        )
    return multiclass.OneVsRestClassifier(base)


@functools.lru_cache(maxsize=None)
def _data(dataset: str) -> Tuple[Any, Any]:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loader = {
        "breast": datasets.load_breast_cancer, "digits": datasets.load_digits, "iris": datasets.load_iris,
        "wine": datasets.load_wine, "diabetes": datasets.load_diabetes,
    }[dataset]  # fmt: skip
    x, y = loader(return_X_y=True)
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.2, random_state=0, shuffle=True)
    return x_train, y_train


def _cv_loss(estimator: Any, dataset: str, metric: str) -> float:
    import numpy as np
    from sklearn.model_selection import cross_val_score

    x, y = _data(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and deprecation warnings for odd settings are expected
        scores = cross_val_score(estimator, x, y, scoring=_SCORERS[metric], cv=5, error_score="raise")
    loss = -float(np.mean(scores))
    if not np.isfinite(loss):
        raise ValueError("non-finite cross-validated loss")
    return loss


@functools.lru_cache(maxsize=None)
def _fallback_loss(dataset: str, metric: str) -> float:
    from sklearn import dummy

    regression = dataset in REGRESSION
    est = dummy.DummyRegressor() if regression else dummy.DummyClassifier(strategy="prior")
    return _cv_loss(est, dataset, metric)


def make(name: str) -> Problem:
    model, dataset, metric = _parse(name)
    regression = dataset in REGRESSION

    def objective(params: Dict[str, Any]) -> float:
        try:
            return _cv_loss(_estimator(model, regression, params), dataset, metric)
        except (ValueError, ArithmeticError, FloatingPointError):
            return _fallback_loss(dataset, metric)

    return Problem("ml", name, _space(model, regression), objective, None)
