"""GP Bayesian optimization with a constraint: a small budget on a smooth objective, where the
unconstrained optimum breaks a limit the objective can only report after the fact (here: a "memory"
budget). Trials report constraint values with trial.set_constraint (Optuna 5's form; set_constraints takes a
list, and GPSampler(constraints_func=...) Optuna 4's function of the finished trial, docs/python.md,
"Constraints"); a trial is feasible when every value is <= 0, and GPSampler steers towards points likely to be
feasible.

Run:  python examples/python/gp_constrained.py
"""
import hyperscout


def objective(trial: hyperscout.Trial) -> float:
    width = trial.suggest_int("width", 16, 512, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    # Stand-ins for a validation loss and a memory footprint in MiB.
    loss = (width / 400.0 - 1.0) ** 2 + (dropout - 0.2) ** 2 + (0.0 if optimizer == "adam" else 0.1)
    memory = 2.0 * width
    trial.set_constraint("memory", memory - 600.0)  # feasible when memory <= 600 MiB
    return loss


if __name__ == "__main__":
    study = hyperscout.create_study(sampler=hyperscout.samplers.GPSampler(seed=7))
    study.optimize(objective, n_trials=30)
    feasible = [t for t in study.trials if t.constraints["memory"] <= 0.0]
    # best_trial skips trials that broke a constraint: it is the best feasible one.
    best = study.best_trial
    print(f"{len(study.trials)} trials ({len(feasible)} feasible); best feasible value {best.value:.4f}")
    print(f"best feasible parameters: {best.params}")
