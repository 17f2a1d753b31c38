"""Tune an SVM on scikit-learn's digits with pruning across cross-validation folds.

Each trial fits one fold at a time and reports the running mean accuracy after every fold (step = fold
index); the median pruner stops a trial whose running mean trails the other trials' at the same fold,
so bad settings cost one or two fits instead of five.

Needs scikit-learn (pip install scikit-learn). Run:
    python examples/python/sklearn_svm_digits.py --n-trials 40
    python examples/python/sklearn_svm_digits.py --storage sqlite:///svm.db   # keep the study
"""
import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

import hyperscout

N_FOLDS = 5


def make_objective(x, y, seed):
    folds = list(StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(x, y))

    def objective(trial: hyperscout.Trial) -> float:
        c = trial.suggest_float("C", 1e-2, 1e3, log=True)
        gamma = trial.suggest_float("gamma", 1e-5, 1e-1, log=True)
        kernel = trial.suggest_categorical("kernel", ["rbf", "sigmoid"])
        accuracies = []
        for fold, (train, test) in enumerate(folds):
            model = SVC(C=c, gamma=gamma, kernel=kernel).fit(x[train], y[train])
            accuracies.append(model.score(x[test], y[test]))
            trial.report(float(np.mean(accuracies)), fold)
            if trial.should_prune():
                raise hyperscout.TrialPruned()
        return float(np.mean(accuracies))

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--storage", default=None, help="e.g. sqlite:///svm.db (default: in memory)")
    args = parser.parse_args()

    x, y = load_digits(return_X_y=True)
    study = hyperscout.create_study(
        study_name="svm-digits",
        storage=args.storage,
        load_if_exists=True,
        direction="maximize",
        sampler=hyperscout.samplers.TPESampler(seed=args.seed),
        pruner=hyperscout.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0),
    )
    study.optimize(make_objective(x, y, args.seed), n_trials=args.n_trials)
    pruned = len(study.get_trials(states=[hyperscout.TrialState.PRUNED]))
    print(f"{len(study.trials)} trials ({pruned} pruned); best mean accuracy {study.best_value:.4f}")
    print(f"best parameters: {study.best_params}")


if __name__ == "__main__":
    main()
