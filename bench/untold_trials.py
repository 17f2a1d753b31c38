#!/usr/bin/env python3
"""Trials asked and never told, side by side with Optuna 5.

An ask/tell loop on a 2-D quadratic ((x - 1)^2 + (y + 0.5)^2 over [-3, 3]^2) that leaves every fourth asked trial
untold, as a loop does that skips `tell` after an error (or a worker killed without heartbeats): such trials stay
RUNNING for ever. The loop runs until 60 trials are told, then the best value is recorded; the same loop with every
trial told is the reference. Samplers that account for RUNNING trials (the GP's fantasies, TPE's constant liar) must
not let the untold ones steer the search for the rest of the study.

Both tools run the same loop with the same seeds: hyperscout's GP and TPE (their defaults, constant liar on), and
Optuna's GPSampler and TPESampler(constant_liar=True).

Run:  python bench/untold_trials.py [--seeds 10] [--told 60]
Needs hyperscout and Optuna 5 (with torch and scipy for its GPSampler) in one environment, e.g. the harness's
(bench/compare/setup.sh). Prints one Markdown table; see bench/README.md for recorded results.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any, Callable, Dict, List


def run_loop(study: Any, told_target: int, abandon: bool) -> float:
    told = 0
    asked = 0
    while told < told_target:
        trial = study.ask()
        asked += 1
        x = trial.suggest_float("x", -3.0, 3.0)
        y = trial.suggest_float("y", -3.0, 3.0)
        if abandon and asked % 4 == 0:
            continue  # never told: stays RUNNING
        study.tell(trial, (x - 1.0) ** 2 + (y + 0.5) ** 2)
        told += 1
    return float(study.best_value)


def makers() -> Dict[str, Callable[[int], Any]]:
    import optuna

    import hyperscout

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return {
        "hyperscout GP": lambda s: hyperscout.create_study(sampler=hyperscout.samplers.GPSampler(seed=s)),
        "Optuna GPSampler": lambda s: optuna.create_study(sampler=optuna.samplers.GPSampler(seed=s)),
        "hyperscout TPE": lambda s: hyperscout.create_study(sampler=hyperscout.samplers.TPESampler(seed=s)),
        "Optuna TPE (constant_liar)": lambda s: optuna.create_study(
            sampler=optuna.samplers.TPESampler(seed=s, multivariate=True, constant_liar=True)
        ),
    }


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--told", type=int, default=60)
    args = parser.parse_args(argv)
    print(f"2-D quadratic, best value after {args.told} told trials, seeds 0..{args.seeds - 1}")
    print()
    print("| sampler | every trial told: median (mean) | every 4th untold: median (mean) |")
    print("|---|---:|---:|")
    for name, make in makers().items():
        cells = []
        for abandon in (False, True):
            values = [run_loop(make(seed), args.told, abandon) for seed in range(args.seeds)]
            cells.append(f"{statistics.median(values):.2g} ({statistics.fmean(values):.2g})")
        print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
