"""CMA-ES warm-started from an earlier, similar study (WS-CMA-ES, Nomura et al. 2021): yesterday's study tuned 6
knobs of a task whose best setting has moved a little today. Passing yesterday's trials as source_trials starts
CMA-ES's first generation around where they were good instead of at the centre of the box. The example runs the
cold and the warm start on the same seeds and prints the best value each reaches after a few generations.

The source trials may come from any storage, and may be Optuna FrozenTrials (an Optuna study's `trials`).

Run:  python examples/python/cmaes_warm_start.py [--n-trials 40] [--seeds 5]
"""
import argparse

import hyperscout

DIMS = 6


def task(shift: float):
    """A bowl with its minimum at 1.5 + shift in every knob, in a box from -5 to 5."""

    def objective(trial: hyperscout.Trial) -> float:
        xs = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(DIMS)]
        return sum((i + 1) * (x - 1.5 - shift) ** 2 for i, x in enumerate(xs))

    return objective


def best_after(seed: int, n_trials: int, source_trials) -> float:
    sampler = hyperscout.samplers.CmaEsSampler(seed=seed, source_trials=source_trials)
    study = hyperscout.create_study(sampler=sampler)
    study.optimize(task(shift=0.3), n_trials=n_trials)
    return study.best_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    yesterday = hyperscout.create_study(sampler=hyperscout.samplers.TPESampler(seed=0))
    yesterday.optimize(task(shift=0.0), n_trials=200)
    for name, source in (("cold", None), ("warm", yesterday.trials)):
        values = [best_after(seed, args.n_trials, source) for seed in range(args.seeds)]
        print(f"{name} start: best value after {args.n_trials} trials, mean {sum(values) / len(values):.3f}, "
              f"worst {max(values):.3f} over {args.seeds} seeds")


if __name__ == "__main__":
    main()
