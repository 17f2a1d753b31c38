"""GP Bayesian optimization of a noisy objective: each evaluation of the 2-D Branin function comes back with
N(0, 1) noise added, as a validation score does when every training run has its own random seed. With
replicate_penalty=True the GP sampler stops re-measuring the point its model currently favours once more
measurements there could not change much, and looks elsewhere (augmented expected improvement, docs/samplers.md).
The example runs both settings on the same seeds and prints the noise-free value of the best point each found.

Run:  python examples/python/gp_noisy.py [--n-trials 60] [--seeds 5]
"""
import argparse
import math
import random

import hyperscout

BRANIN_MINIMUM = 5.0 / (4.0 * math.pi)  # 0.397887, at three points


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4.0 * math.pi**2), 5.0 / math.pi, 1.0 / (8.0 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6.0) ** 2 + 10.0 * (1.0 - t) * math.cos(x1) + 10.0


def run(seed: int, n_trials: int, replicate_penalty: bool) -> float:
    noise = random.Random(seed)
    study = hyperscout.create_study(
        sampler=hyperscout.samplers.GPSampler(seed=seed, replicate_penalty=replicate_penalty)
    )

    def objective(trial: hyperscout.Trial) -> float:
        x1 = trial.suggest_float("x1", -5.0, 10.0)
        x2 = trial.suggest_float("x2", 0.0, 15.0)
        return branin(x1, x2) + noise.gauss(0.0, 1.0)

    study.optimize(objective, n_trials=n_trials)
    # What the user gets in the end: the noise-free value of the best measured point. (A real study cannot see
    # the noise-free value; it would re-measure its few best points instead.)
    return min(branin(t.params["x1"], t.params["x2"]) for t in study.trials) - BRANIN_MINIMUM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    for penalty in (False, True):
        regrets = [run(seed, args.n_trials, penalty) for seed in range(args.seeds)]
        print(
            f"replicate_penalty={penalty!s:5}: noise-free regret of the best point, mean {sum(regrets) / len(regrets):.4f}, "
            f"worst {max(regrets):.4f} over {args.seeds} seeds x {args.n_trials} trials"
        )


if __name__ == "__main__":
    main()
