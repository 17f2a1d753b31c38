#!/usr/bin/env python3
"""Sample efficiency of hyperscout's TPE next to Optuna 5's TPE, same problems, seeds and budget, one run.

Each (problem, sampler, seed) is a fresh in-memory study of --trials sequential trials with the sampler's
defaults (only the seed is set). The table reports the mean final regret (best value found minus the known
optimum) over the seeds with its standard error, the ratio Optuna / hyperscout (above 1 means hyperscout
found better points), and the mean sampler time per trial. Random search is the floor.

Needs the hyperscout Python package built from this tree and Optuna 5 in the same interpreter:

    python3 -m venv bench/.venv-quality && bench/.venv-quality/bin/pip install . -r bench/requirements.txt
    bench/.venv-quality/bin/python bench/compare_quality.py --seeds 100 --trials 100

This is the quick check behind the TPE claims in docs/samplers.md. The harness that covers every sampler
and tool (bayesmark-style tasks, COCO bbob, HEBO, SMAC, timing) is bench/compare/ (see bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime
import math
import statistics
import time

import hyperscout
import optuna

# ---- problems: (name, objective(trial-like suggest API), known optimum) ----


def branin(t) -> float:
    x1 = t.suggest_float("x1", -5.0, 10.0)
    x2 = t.suggest_float("x2", 0.0, 15.0)
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


# Hartmann 6-D constants (Dixon and Szegő 1978).
_H_ALPHA = [1.0, 1.2, 3.0, 3.2]
_H_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
_H_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(t) -> float:
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]
    total = 0.0
    for alpha, a, p in zip(_H_ALPHA, _H_A, _H_P):
        total -= alpha * math.exp(-sum(ai * (xi - pi) ** 2 for ai, xi, pi in zip(a, x, p)))
    return total


def log_rosenbrock4(t) -> float:
    x = [t.suggest_float(f"x{i}", -2.0, 2.0) for i in range(4)]
    return math.log1p(sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3)))


def mixed(t) -> float:
    xs = [t.suggest_float(f"x{i}", -1.0, 1.0) for i in range(3)]
    lr = t.suggest_float("lr", 1e-6, 1.0, log=True)
    n = t.suggest_int("n", 1, 20)
    kind = t.suggest_categorical("kind", ["a", "b", "c"])
    return sum((x - 0.3) ** 2 for x in xs) + (math.log10(lr) + 3) ** 2 + 0.1 * (n - 7) ** 2 + {"a": 1.0, "b": 0.0, "c": 0.5}[kind]


def conditional(t) -> float:
    model = t.suggest_categorical("model", ["linear", "tree"])
    if model == "linear":
        c = t.suggest_float("c", 1e-4, 1e2, log=True)
        return 0.2 + (math.log10(c) - 1) ** 2 / 4
    depth = t.suggest_int("depth", 1, 12)
    frac = t.suggest_float("frac", 0.1, 1.0)
    return (depth - 6) ** 2 / 36 + (frac - 0.7) ** 2


PROBLEMS = {
    "branin": (branin, 0.397887),
    "hartmann6": (hartmann6, -3.32237),
    "log_rosenbrock4": (log_rosenbrock4, 0.0),
    "mixed": (mixed, 0.0),
    "conditional": (conditional, 0.0),
}


def run_hyperscout(sampler_name: str, objective, seed: int, trials: int) -> tuple[float, float]:
    sampler = (
        hyperscout.samplers.TPESampler(seed=seed) if sampler_name == "tpe" else hyperscout.samplers.RandomSampler(seed=seed)
    )
    study = hyperscout.create_study(sampler=sampler)
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    return study.best_value, time.perf_counter() - start


def run_optuna(objective, seed: int, trials: int) -> tuple[float, float]:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    return study.best_value, time.perf_counter() - start


def summarize(regrets: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(regrets)
    se = statistics.stdev(regrets) / math.sqrt(len(regrets)) if len(regrets) > 1 else 0.0
    return mean, se


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=100, help="seeds per cell; 20-30 are too few to separate close samplers on 2-D problems")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated subset of " + ",".join(PROBLEMS))
    parser.add_argument("--out", help="also write the Markdown table to this file")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    lines = [
        f"TPE sample efficiency: mean final regret over {args.seeds} seeds (± standard error), {args.trials} "
        f"sequential trials, defaults with only the seed set; hyperscout {hyperscout.__version__}, Optuna {optuna.__version__}.",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- command: `python bench/compare_quality.py --seeds {args.seeds} --trials {args.trials}`",
        "",
        "| problem | random | hyperscout TPE | Optuna TPE | ratio (Optuna / hyperscout regret) | ms per trial hyperscout / Optuna |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in args.problems.split(","):
        objective, optimum = PROBLEMS[name]
        results: dict[str, list[float]] = {"random": [], "hs": [], "optuna": []}
        seconds = {"hs": 0.0, "optuna": 0.0}
        for seed in range(args.seeds):
            best, _ = run_hyperscout("random", objective, seed, args.trials)
            results["random"].append(best - optimum)
            best, elapsed = run_hyperscout("tpe", objective, seed, args.trials)
            results["hs"].append(best - optimum)
            seconds["hs"] += elapsed
            best, elapsed = run_optuna(objective, seed, args.trials)
            results["optuna"].append(best - optimum)
            seconds["optuna"] += elapsed
        (r_mean, r_se), (h_mean, h_se), (o_mean, o_se) = (summarize(results[k]) for k in ("random", "hs", "optuna"))
        ratio = o_mean / h_mean if h_mean > 0 else float("inf")
        per_trial = 1000.0 / (args.seeds * args.trials)
        lines.append(
            f"| {name} | {r_mean:.4g} ± {r_se:.2g} | {h_mean:.4g} ± {h_se:.2g} | {o_mean:.4g} ± {o_se:.2g} | "
            f"{ratio:.2f} | {seconds['hs'] * per_trial:.2f} / {seconds['optuna'] * per_trial:.2f} |"
        )
        print(lines[-1], flush=True)
    report = "\n".join(lines)
    print()
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
