"""GP Bayesian optimization on a loss that moves in steps, with and without stall_share. A validation error
measured on 50 examples changes in steps of 0.02, so a model-based search that has found a good basin sees a
plateau of equal values there, and its expected improvement keeps returning to it. The loss below has a broad
basin (the best error there is 0.14) and a narrow one elsewhere (0.04). With stall_share=p, once the best value
has not improved for max(20, n/4) of the n finished trials and no other trial is running, each trial is a Sobol
point with probability p instead of the model's choice (docs/samplers.md, "Stall share"). The example runs the
default (0), 0.2 and 0.5 on the same seeds and prints the regret of the best trial and how many seeds found the
narrow basin. With --sampler auto it runs the default sampler, whose GP phase takes the option as gp_stall_share.

Run:  python examples/python/gp_stall_share.py [--n-trials 80] [--seeds 20] [--sampler gp|auto]
"""
import argparse
import math

import hyperscout

STEP = 1.0 / 50.0  # one misclassified example of 50


def loss(x: float, y: float, z: float) -> float:
    broad = 0.13 + 0.5 * ((x - 0.3) ** 2 + (y - 0.35) ** 2 + 0.3 * (z - 0.5) ** 2)
    narrow = 0.03 + 6.0 * ((x - 0.85) ** 2 + (y - 0.8) ** 2)
    return math.ceil(min(broad, narrow, 1.0) / STEP) * STEP


BEST = loss(0.85, 0.8, 0.5)  # 0.04
BROAD_BEST = loss(0.3, 0.35, 0.5)  # 0.14


def run(seed: int, n_trials: int, share: float, sampler_name: str) -> float:
    if sampler_name == "auto":
        sampler = hyperscout.samplers.AutoSampler(seed=seed, gp_stall_share=share)
    else:
        sampler = hyperscout.samplers.GPSampler(seed=seed, stall_share=share)
    study = hyperscout.create_study(sampler=sampler)

    def objective(trial: hyperscout.Trial) -> float:
        return loss(trial.suggest_float("x", 0.0, 1.0), trial.suggest_float("y", 0.0, 1.0),
                    trial.suggest_float("z", 0.0, 1.0))

    study.optimize(objective, n_trials=n_trials)
    return study.best_value - BEST


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=80)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--sampler", choices=("gp", "auto"), default="gp")
    args = parser.parse_args()
    for share in (0.0, 0.2, 0.5):
        regrets = [run(seed, args.n_trials, share, args.sampler) for seed in range(args.seeds)]
        found = sum(r < BROAD_BEST - BEST - STEP / 2 for r in regrets)
        print(
            f"stall_share={share}: regret of the best trial, mean {sum(regrets) / len(regrets):.4f}, "
            f"worst {max(regrets):.4f} over {args.seeds} seeds x {args.n_trials} trials; "
            f"the narrow basin found in {found} of {args.seeds}"
        )


if __name__ == "__main__":
    main()
