#!/usr/bin/env python3
"""Per-trial overhead of the Python package next to Optuna 5, in one run.

Both tools run the same study: a trivial objective (one float parameter, returned squared), the random
sampler with the same seed, in-memory storage, and the same number of trials through study.optimize.
The time per trial is the wall time of one optimize call divided by its trials, so it holds everything
the tool adds around the objective: asking, sampling, the suggest call, telling, storage. Each tool runs
--repeats times on a fresh study; the median run is reported, with the fastest beside it.

Run:  python bench/python_overhead.py [--n-trials 10000] [--repeats 3] [--params 1]
Needs hyperscout (pip install .) and Optuna 5 in the same environment (scripts/requirements-test.txt
installs both). Prints one Markdown table; see bench/README.md for recorded results.
"""

from __future__ import annotations

import argparse
import logging
import platform
import statistics
import sys
import time
from typing import Callable, List

SEED = 20240601


def objective_for(n_params: int) -> Callable:
    names = [f"x{i}" for i in range(n_params)]

    def objective(trial) -> float:
        return sum(trial.suggest_float(name, -5.0, 5.0) ** 2 for name in names)

    return objective


def timed_optimize(study, n_trials: int, n_params: int) -> float:
    start = time.perf_counter()
    study.optimize(objective_for(n_params), n_trials=n_trials)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def run_hyperscout(n_trials: int, n_params: int) -> float:
    import hyperscout

    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=SEED))
    return timed_optimize(study, n_trials, n_params)


def run_optuna(n_trials: int, n_params: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no per-trial INFO line
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=SEED))
    return timed_optimize(study, n_trials, n_params)


def measure(run: Callable[[int, int], float], n_trials: int, n_params: int, repeats: int) -> List[float]:
    return [run(n_trials, n_params) / n_trials * 1e6 for _ in range(repeats)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--params", type=int, default=1, help="float parameters suggested per trial")
    parser.add_argument("--profile", action="store_true", help="cProfile one hyperscout run instead")
    args = parser.parse_args()
    logging.getLogger("hyperscout").setLevel(logging.WARNING)

    try:
        import hyperscout
        import optuna
    except ImportError as e:
        print(f"python_overhead.py needs hyperscout and optuna in this environment: {e}", file=sys.stderr)
        return 2
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("run_hyperscout(n, p)", globals(), {"n": args.n_trials, "p": args.params}, "/tmp/hs.prof")
        pstats.Stats("/tmp/hs.prof").sort_stats("tottime").print_stats(15)
        return 0

    ours = measure(run_hyperscout, args.n_trials, args.params, args.repeats)
    theirs = measure(run_optuna, args.n_trials, args.params, args.repeats)
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"Python {platform.python_version()}, hyperscout {hyperscout.__version__}, optuna {optuna.__version__}, "
          f"{platform.machine()}; {args.n_trials} trials x {args.repeats} runs, {args.params} float param(s), "
          f"random sampler (seed {SEED}), in-memory storage\n")
    print("| tool | µs/trial (median run) | fastest run | ratio to Optuna |")
    print("|---|---:|---:|---:|")
    print(f"| hyperscout | {ours_median:.1f} | {min(ours):.1f} | {ours_median / theirs_median:.3f} |")
    print(f"| Optuna | {theirs_median:.1f} | {min(theirs):.1f} | 1 |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
