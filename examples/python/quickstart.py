"""hyperscout quickstart: tune a small function with TPE, prune hopeless trials, and store the study
in SQLite so the CLI (`hyperscout trials --storage sqlite:///quickstart.db --study quickstart`) or a
second process can read and continue it.

Run:  python examples/python/quickstart.py
"""
import math

import hyperscout


def objective(trial: hyperscout.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    activation = trial.suggest_categorical("activation", ["relu", "tanh"])
    # A stand-in for training: a loss curve that converges to a value depending on the parameters.
    floor = (math.log10(lr) + 2.0) ** 2 + 0.1 * abs(layers - 2) + (0.05 if activation == "tanh" else 0.0)
    loss = 0.0
    for epoch in range(20):
        loss = floor + 1.0 / (epoch + 1)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise hyperscout.TrialPruned()
    return loss


if __name__ == "__main__":
    study = hyperscout.create_study(
        study_name="quickstart",
        storage="sqlite:///quickstart.db",
        sampler=hyperscout.samplers.TPESampler(seed=42),
        pruner=hyperscout.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
        load_if_exists=True,
    )
    study.optimize(objective, n_trials=40)
    pruned = len(study.get_trials(states=[hyperscout.TrialState.PRUNED]))
    print(f"{len(study.trials)} trials ({pruned} pruned); best value {study.best_value:.4f}")
    print(f"best parameters: {study.best_params}")
