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

# First: every submodule does `from hyperscout import _core`, which must find the build chosen for this CPU.
from hyperscout import _cpu

_core = _cpu.load_core(__path__)

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


def cpu_level() -> str:
    """The instruction set of the compiled extension this process loaded: ``"portable"`` (the x86-64 baseline)
    or ``"x86-64-v3"`` (AVX2/FMA); a build configured with ``HYPERSCOUT_ARCH`` reports that value.

    The package picks the x86-64-v3 build when it is installed and the CPU has every x86-64-v3 feature;
    ``$HYPERSCOUT_CPU_LEVEL`` (``portable`` or ``x86-64-v3``), set before the first import, overrides that.
    """
    return _core.cpu_level


__all__ = [
    "FrozenTrial",
    "Study",
    "StudyDirection",
    "Trial",
    "TrialPruned",
    "TrialState",
    "cpu_level",
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
