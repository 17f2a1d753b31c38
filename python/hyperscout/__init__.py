"""hyperscout: hyperparameter optimization with a C++ core and Optuna's Python API.

Porting Optuna code is usually a change of import::

    import hyperscout as optuna

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    study.optimize(objective, n_trials=50)
    print(study.best_params)
"""

from hyperscout import distributions, exceptions, integration, pruners, samplers, storages
from hyperscout import study as study
from hyperscout import trial as trial
from hyperscout.exceptions import TrialPruned
from hyperscout.study import (
    Study,
    StudyDirection,
    create_study,
    delete_study,
    get_all_study_names,
    load_study,
)
from hyperscout.trial import FrozenTrial, Trial, TrialState, create_trial

__version__ = "0.1.0"

__all__ = [
    "FrozenTrial",
    "Study",
    "StudyDirection",
    "Trial",
    "TrialPruned",
    "TrialState",
    "create_study",
    "create_trial",
    "delete_study",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "integration",
    "load_study",
    "pruners",
    "samplers",
    "storages",
    "study",
    "trial",
]
