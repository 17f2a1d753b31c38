#!/usr/bin/env python3
"""hyperscout's CMA-ES next to Optuna's CmaEsSampler on the COCO bbob suite, at a budget of 100 * D evaluations.

For every bbob function (1-24), dimension and instance, both samplers (defaults, the same seed) minimize the problem
over [-5, 5]^D with one float parameter per coordinate for budget * D trials. A run reaches target k when its best
value is within 10^k of the instance's optimum, for the 51 COCO targets k = 2, 1.8, ..., -8. The script prints, per
dimension and in total, the number of (run, target) pairs each tool reached, and how many functions each tool wins.

Needs the hyperscout package, Optuna 5, cmaes and coco-experiment (cocoex) in the running Python:
    python bench/compare_cmaes_bbob.py [--dims 2,3,5,10] [--instances 1-3] [--budget 100]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

import numpy as np

TARGET_EXPONENTS = np.linspace(2.0, -8.0, 51)


def parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out


def optimum(problem) -> float:
    """f_opt of a bbob instance: the value at the optimum that cocoex writes to a file on request."""
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            problem._best_parameter("print")
            x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
        finally:
            os.chdir(cwd)
    return float(problem(x_opt))


def run_hyperscout(problem, budget: int, seed: int) -> float:
    import hyperscout

    names = [f"x{i}" for i in range(problem.dimension)]
    study = hyperscout.create_study(sampler=hyperscout.samplers.CmaEsSampler(seed=seed))
    study.optimize(lambda t: float(problem(np.array([t.suggest_float(n, -5.0, 5.0) for n in names]))), n_trials=budget)
    return study.best_value


def run_optuna(problem, budget: int, seed: int) -> float:
    import optuna

    names = [f"x{i}" for i in range(problem.dimension)]
    study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed))
    study.optimize(lambda t: float(problem(np.array([t.suggest_float(n, -5.0, 5.0) for n in names]))), n_trials=budget)
    return study.best_value


def targets_reached(best: float, f_opt: float) -> int:
    return int(np.sum(best - f_opt <= 10.0**TARGET_EXPONENTS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dims", default="2,3,5,10")
    parser.add_argument("--instances", default="1-3")
    parser.add_argument("--functions", default="1-24")
    parser.add_argument("--budget", type=int, default=100, help="evaluations per dimension")
    args = parser.parse_args()

    import cocoex
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore")

    dims = parse_range(args.dims)
    options = "dimensions:{} instance_indices:{} function_indices:{}".format(
        ",".join(map(str, dims)), ",".join(map(str, parse_range(args.instances))),
        ",".join(map(str, parse_range(args.functions))))
    suite = cocoex.Suite("bbob", "", options)
    reached: dict[tuple[str, int], int] = {}
    per_function: dict[tuple[int, int], dict[str, int]] = {}
    seconds = {"hyperscout": 0.0, "optuna": 0.0}
    runs = 0
    for problem in suite:
        f_opt = optimum(problem)
        budget = args.budget * problem.dimension
        seed = problem.id_instance
        key = (problem.id_function, problem.dimension)
        per_function.setdefault(key, {"hyperscout": 0, "optuna": 0})
        for tool, run in (("hyperscout", run_hyperscout), ("optuna", run_optuna)):
            start = time.perf_counter()
            hits = targets_reached(run(problem, budget, seed), f_opt)
            seconds[tool] += time.perf_counter() - start
            reached[(tool, problem.dimension)] = reached.get((tool, problem.dimension), 0) + hits
            per_function[key][tool] += hits
        runs += 1

    print(f"bbob, budget {args.budget} * D, instances {args.instances}, functions {args.functions}; "
          f"{runs} problems, 51 targets each (10^2 .. 10^-8 above f_opt)\n")
    print("| D | hyperscout targets | Optuna targets | functions hyperscout ahead | functions Optuna ahead |")
    print("|---|---:|---:|---:|---:|")
    for d in dims:
        ahead = sum(1 for (f, dd), v in per_function.items() if dd == d and v["hyperscout"] > v["optuna"])
        behind = sum(1 for (f, dd), v in per_function.items() if dd == d and v["hyperscout"] < v["optuna"])
        print(f"| {d} | {reached.get(('hyperscout', d), 0)} | {reached.get(('optuna', d), 0)} | {ahead} | {behind} |")
    total_h = sum(v for (t, _), v in reached.items() if t == "hyperscout")
    total_o = sum(v for (t, _), v in reached.items() if t == "optuna")
    print(f"| all | {total_h} | {total_o} | | |")
    print(f"\nwall time: hyperscout {seconds['hyperscout']:.1f} s, Optuna {seconds['optuna']:.1f} s")


if __name__ == "__main__":
    main()
