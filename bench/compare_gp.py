#!/usr/bin/env python3
"""Sample efficiency of hyperscout's GP sampler next to Optuna 5's GPSampler: same problems, seeds and budget.

Each (problem, tool, seed) is a fresh in-memory study of --trials sequential trials with the tool's defaults
(only the seed set). Results go to a JSON-lines file, one record per run, holding the regret (best value found
minus the known optimum) after each budget in --budgets; a rerun skips the runs the file already has, so the
tools can run from different interpreters into one file: Optuna's GPSampler needs PyTorch, which the
hyperscout test environment does not install, e.g.

    python3 bench/compare_gp.py --tools hs-gp,hs-tpe,random --out bench/results/gp.jsonl
    bench/compare/.venv/bin/python bench/compare_gp.py --tools optuna-gp --out bench/results/gp.jsonl
    python3 bench/compare_gp.py --report --out bench/results/gp.jsonl

Problems are those of bench/compare_quality.py plus `branin_noisy`: Branin with N(0, 1) noise added to every
observation (a seeded stream per seed and trial); its regret is the noise-free value of the best noise-free
point sampled, so a tool is not credited for a lucky draw.

Tools: hs-gp (hyperscout GPSampler), hs-gp-det (with deterministic_objective=True), hs-tpe, random
(hyperscout's), optuna-gp (Optuna GPSampler), optuna-gp-det, optuna-tpe.

On a multimodal problem the first points decide much of the outcome (which basins the model ever sees): each
tool's own startup design (hyperscout's GP: scrambled Sobol; Optuna's: uniform random) adds variance between seeds
that is not the model's doing. `--shared-startup N` enqueues the same N uniform random points (Optuna's
RandomSampler with the run's seed) as every tool's first trials, so the tools differ only after them; such runs
are kept apart from the others in the file and the table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_quality import PROBLEMS, branin  # noqa: E402


class _Noisy:
    """Branin plus N(0, 1); the noise-free value is kept as the user attribute "clean"."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, t) -> float:
        clean = branin(t)
        t.set_user_attr("clean", clean)
        return clean + random.Random(self.seed * 100_003 + t.number).gauss(0.0, 1.0)


ALL_PROBLEMS = dict(PROBLEMS)
ALL_PROBLEMS["branin_noisy"] = (None, 0.397887)


def _make_study(tool: str, seed: int):
    if tool.startswith("optuna"):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        samplers = {
            "optuna-gp": lambda: optuna.samplers.GPSampler(seed=seed),
            "optuna-gp-det": lambda: optuna.samplers.GPSampler(seed=seed, deterministic_objective=True),
            "optuna-tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        }
        return optuna.create_study(sampler=samplers[tool]())
    import hyperscout

    samplers = {
        "hs-gp": lambda: hyperscout.samplers.GPSampler(seed=seed),
        "hs-gp-det": lambda: hyperscout.samplers.GPSampler(seed=seed, deterministic_objective=True),
        "hs-tpe": lambda: hyperscout.samplers.TPESampler(seed=seed),
        "random": lambda: hyperscout.samplers.RandomSampler(seed=seed),
    }
    return hyperscout.create_study(sampler=samplers[tool]())


def _startup_params(objective, seed: int, n: int) -> list[dict]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return [t.params for t in study.trials]


def run(tool: str, problem: str, seed: int, budgets: list[int], shared_startup: int = 0) -> dict:
    objective, optimum = ALL_PROBLEMS[problem]
    if objective is None:
        objective = _Noisy(seed)
    study = _make_study(tool, seed)
    if shared_startup > 0:
        for params in _startup_params(objective, seed, shared_startup):
            study.enqueue_trial(params)
    start = time.perf_counter()
    study.optimize(objective, n_trials=max(budgets))
    seconds = time.perf_counter() - start
    trials = sorted(study.trials, key=lambda t: t.number)
    regret = {}
    for b in budgets:
        if problem == "branin_noisy":
            values = [t.user_attrs["clean"] for t in trials[:b] if t.value is not None]
        else:
            values = [t.value for t in trials[:b] if t.value is not None]
        regret[str(b)] = min(values) - optimum
    record = {"tool": tool, "problem": problem, "seed": seed, "regret": regret, "seconds": seconds}
    if shared_startup > 0:
        record["shared_startup"] = shared_startup
    return record


def load(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def report(
    records: list[dict], problems: list[str], tools: list[str], budgets: list[int], seeds: int, shared_startup: int
) -> str:
    last = {(r["tool"], r["problem"], r["seed"]): r for r in records if r.get("shared_startup", 0) == shared_startup}
    lines = [
        f"Mean regret ± standard error over seeds 0..{seeds - 1} (n = seeds found in the file)"
        + (f", the first {shared_startup} trials shared." if shared_startup else "."),
        "",
        "| problem | trials | " + " | ".join(tools) + " |",
        "|---|---:|" + "---:|" * len(tools),
    ]
    for problem in problems:
        for b in budgets:
            cells = []
            for tool in tools:
                values = [
                    last[(tool, problem, s)]["regret"][str(b)]
                    for s in range(seeds)
                    if (tool, problem, s) in last and str(b) in last[(tool, problem, s)]["regret"]
                ]
                if not values:
                    cells.append("–")
                    continue
                mean = statistics.fmean(values)
                se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
                cells.append(f"{mean:.3g} ± {se:.2g}" + ("" if len(values) == seeds else f" (n={len(values)})"))
            lines.append(f"| {problem} | {b} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", default="hs-gp,random", help="comma-separated tools (see above)")
    parser.add_argument("--problems", default=",".join(ALL_PROBLEMS), help="comma-separated subset")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", default="50,100", help="trial counts to report; the run lasts the largest")
    parser.add_argument("--out", required=True, help="JSON-lines file to append runs to (and read finished runs from)")
    parser.add_argument("--report", action="store_true", help="only print the table of what --out holds")
    parser.add_argument("--rerun", action="store_true", help="run again even if --out has the run")
    parser.add_argument("--shared-startup", type=int, default=0, help="the same N random first trials for every tool")
    args = parser.parse_args()
    tools = args.tools.split(",")
    problems = args.problems.split(",")
    budgets = [int(b) for b in args.budgets.split(",")]
    if not args.report:
        done = {
            (r["tool"], r["problem"], r["seed"])
            for r in load(args.out)
            if r.get("shared_startup", 0) == args.shared_startup
        }
        for problem in problems:
            for tool in tools:
                for seed in range(args.seeds):
                    if (tool, problem, seed) in done and not args.rerun:
                        continue
                    record = run(tool, problem, seed, budgets, args.shared_startup)
                    with open(args.out, "a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")
                    print(f"{tool} {problem} seed {seed}: {record['regret']} ({record['seconds']:.1f} s)", flush=True)
    print(report(load(args.out), problems, tools, budgets, args.seeds, args.shared_startup))


if __name__ == "__main__":
    main()
