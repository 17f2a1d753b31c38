"""An Optuna program ported to hyperscout by changing one line: `import optuna` became
`import hyperscout as optuna`. Everything below is written against Optuna's API (create_study,
suggest_*, TPESampler, MedianPruner, TrialPruned, callbacks, best_trial) and runs unchanged on either.

It picks a classifier (SVC or random forest) and its settings for scikit-learn's wine data by
3-fold cross-validation, pruning after the first fold when a trial trails the median.

Needs scikit-learn. Run:  python examples/python/optuna_ported.py --n-trials 30
"""
import argparse

import numpy as np
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import hyperscout as optuna  # was: import optuna

X, Y = load_wine(return_X_y=True)
FOLDS = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, Y))


def objective(trial):
    classifier = trial.suggest_categorical("classifier", ["svc", "forest"])
    if classifier == "svc":
        c = trial.suggest_float("svc_c", 1e-3, 1e3, log=True)
        model = make_pipeline(StandardScaler(), SVC(C=c, gamma="scale"))
    else:
        depth = trial.suggest_int("forest_max_depth", 2, 16, log=True)
        trees = trial.suggest_int("forest_n_estimators", 10, 100, step=10)
        model = RandomForestClassifier(max_depth=depth, n_estimators=trees, random_state=0)
    scores = []
    for fold, (train, test) in enumerate(FOLDS):
        scores.append(model.fit(X[train], Y[train]).score(X[test], Y[test]))
        trial.report(float(np.mean(scores)), fold)
        if trial.should_prune():
            raise optuna.TrialPruned()
    trial.set_user_attr("fold_scores", scores)
    return float(np.mean(scores))


def stop_when_perfect(study, trial):
    if trial.state == optuna.trial.TrialState.COMPLETE and trial.value >= 1.0:
        study.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Optuna-style classifier search on the wine data")
    parser.add_argument("--n-trials", type=int, default=30)
    args = parser.parse_args()

    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=10),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5),
    )
    study.optimize(objective, n_trials=args.n_trials, callbacks=[stop_when_perfect])

    print(f"Number of finished trials: {len(study.trials)}")
    best = study.best_trial
    print(f"Best trial: accuracy {best.value:.4f}")
    for key, value in best.params.items():
        print(f"    {key}: {value}")
