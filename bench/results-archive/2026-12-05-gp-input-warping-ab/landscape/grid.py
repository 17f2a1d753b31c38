"""The ada-wine-nll objective on two grids, one [n_estimators, learning_rate, loss] line per point:
a coarse grid (n_estimators 10, 20, ..., 100 × 31 learning rates from 1e-4 to 10) into ada-wine-nll-grid.jsonl, and
the valley n_estimators · learning_rate between 0.8 and 4 (n_estimators 10, 13, ..., 100 × 25 products) into
ada-wine-nll-valley.jsonl. Run from the repository root with the harness's Python:
  python bench/results-archive/2026-12-05-gp-input-warping-ab/landscape/grid.py
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, ".")
from bench.compare.problems import bayesmark_tasks  # noqa: E402

here = Path(__file__).parent
problem = bayesmark_tasks.make("ada-wine-nll")
with open(here / "ada-wine-nll-grid.jsonl", "w") as out:
    for n in range(10, 101, 10):
        for lr in np.logspace(-4, 1, 31):
            out.write(json.dumps([n, float(lr), problem.objective({"n_estimators": n, "learning_rate": float(lr)})]) + "\n")
with open(here / "ada-wine-nll-valley.jsonl", "w") as out:
    for n in range(10, 101, 3):
        for c in np.logspace(np.log10(0.8), np.log10(4), 25):
            lr = float(c / n)
            out.write(json.dumps([n, lr, problem.objective({"n_estimators": n, "learning_rate": lr})]) + "\n")
