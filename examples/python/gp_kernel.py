"""GP Bayesian optimization with a rougher kernel: a validation loss with kinks, the shape a loss takes when a
learning rate past its best value starts to diverge and a regularizer stops helping abruptly. The default kernel,
Matérn-5/2, models a function with two derivatives; kernel="matern32" models one with a single derivative and can
follow a sharp bend more closely; kernel="auto" fits both at each full fit and keeps the one the data support
better (docs/samplers.md, "Kernel"). The example runs all three on the same seeds and prints the regret of the best
trial each found. With --sampler auto it runs the default sampler, whose GP phase takes the kernel from its
gp_kernel option.

Run:  python examples/python/gp_kernel.py [--n-trials 40] [--seeds 10] [--sampler gp|auto]
"""
import argparse
import math

import hyperscout


def loss(learning_rate: float, weight_decay: float, width: int) -> float:
    # A V-shaped valley in log10(learning rate) around 3e-3, steeper on the divergent side.
    log_lr = math.log10(learning_rate) - math.log10(3e-3)
    valley = 2.0 * log_lr if log_lr > 0.0 else -0.7 * log_lr
    # Weight decay helps up to 1e-4 and then stops helping at once.
    decay = 0.3 * max(0.0, math.log10(1e-4) - math.log10(weight_decay)) / 4.0
    return valley + decay + 0.1 * abs(math.log2(width / 256.0))


BEST = loss(3e-3, 1e-4, 256)


def run(seed: int, n_trials: int, kernel: str, sampler_name: str) -> float:
    if sampler_name == "auto":
        sampler = hyperscout.samplers.AutoSampler(seed=seed, gp_kernel=kernel)
    else:
        sampler = hyperscout.samplers.GPSampler(seed=seed, kernel=kernel)
    study = hyperscout.create_study(sampler=sampler)

    def objective(trial: hyperscout.Trial) -> float:
        learning_rate = trial.suggest_float("learning_rate", 1e-5, 1.0, log=True)
        weight_decay = trial.suggest_float("weight_decay", 1e-8, 1e-1, log=True)
        width = trial.suggest_int("width", 32, 1024, log=True)
        return loss(learning_rate, weight_decay, width)

    study.optimize(objective, n_trials=n_trials)
    return study.best_value - BEST


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sampler", choices=("gp", "auto"), default="gp")
    args = parser.parse_args()
    for kernel in ("matern52", "matern32", "auto"):
        regrets = [run(seed, args.n_trials, kernel, args.sampler) for seed in range(args.seeds)]
        print(
            f"kernel={kernel}: regret of the best trial, mean {sum(regrets) / len(regrets):.4f}, "
            f"worst {max(regrets):.4f} over {args.seeds} seeds x {args.n_trials} trials"
        )


if __name__ == "__main__":
    main()
