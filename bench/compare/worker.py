"""Runs cells in this interpreter and prints one JSON line per cell. The driver (run.py) starts it as
`<venv>/bin/python -m bench.compare.worker` from the repository root with a JSON list of cells on stdin.

A cell: {"key", "suite", "problem", "tool", "seed", "protocol": "batch"|"seq"|"timing", "budget", "batch",
"history", "repeats"}. Its line adds "status" ("ok", "not available: ...", "crashed: ...") and:
- ml/synthetic: "values" (every loss, in evaluation order);
- bbob: "hits" (first evaluation reaching each of COCO's 51 targets) and "final_precision";
- all: "suggest_ms" (mean ms per suggestion in blocks of 10 trials), "wall_s", "eval_s";
- timing: "ask_ms" (one value per repetition).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any, Dict, List

import numpy as np

from bench.compare import metrics
from bench.compare.problems import make as make_problem
from bench.compare.space import active, sample_uniform
from bench.compare.tools import make_tool, unavailable

BLOCK = 10


def _round(x: float) -> float:
    return float(f"{x:.7g}")


def run_optimization(cell: Dict[str, Any]) -> Dict[str, Any]:
    problem = make_problem(cell["suite"], cell["problem"], cell["seed"])
    budget, batch = int(cell["budget"]), int(cell.get("batch", 1))
    tool = make_tool(cell["tool"], problem.space, cell["seed"], budget)
    values: List[float] = []
    suggest_s: List[float] = []
    eval_s = 0.0
    start = time.perf_counter()
    while len(values) < budget:
        n = min(batch, budget - len(values))
        t0 = time.perf_counter()
        asked = tool.ask(n)
        t1 = time.perf_counter()
        suggest_s.extend([(t1 - t0) / len(asked)] * len(asked))
        results = []
        for handle, params in asked:
            e0 = time.perf_counter()
            results.append(problem.objective(active(problem.space, params)))
            eval_s += time.perf_counter() - e0
        t2 = time.perf_counter()
        for (handle, params), value in zip(asked, results):
            tool.tell(handle, params, value)
        told = (time.perf_counter() - t2) / len(asked)
        for i in range(len(asked)):
            suggest_s[len(values) + i] += told
        values.extend(results)
    out: Dict[str, Any] = {
        "wall_s": round(time.perf_counter() - start, 3),
        "eval_s": round(eval_s, 3),
        "suggest_ms": [
            _round(1000 * float(np.mean(suggest_s[i : i + BLOCK]))) for i in range(0, len(suggest_s), BLOCK)
        ],
        "optimum": problem.optimum,
    }
    if cell["suite"] == "bbob":
        out["hits"] = metrics.first_hits(values, problem.optimum)
        out["final_precision"] = _round(min(values) - problem.optimum)
    else:
        out["values"] = [_round(v) for v in values]
    return out


def run_timing(cell: Dict[str, Any]) -> Dict[str, Any]:
    """Time per suggestion once the study holds `history` finished random trials."""
    problem = make_problem(cell["suite"], cell["problem"], cell["seed"])
    rng = np.random.default_rng(cell["seed"])
    rows = []
    for _ in range(int(cell["history"])):
        params = sample_uniform(problem.space, rng)
        rows.append((params, problem.objective(params)))
    tool = make_tool(cell["tool"], problem.space, cell["seed"], int(cell["history"]) + int(cell["repeats"]))
    tool.add_history(rows)
    ask_ms = []
    for _ in range(int(cell["repeats"])):
        t0 = time.perf_counter()
        [(handle, params)] = tool.ask(1)
        ask_ms.append(_round(1000 * (time.perf_counter() - t0)))
        tool.tell(handle, params, problem.objective(active(problem.space, params)))
    return {"ask_ms": ask_ms}


def run_cell(cell: Dict[str, Any]) -> Dict[str, Any]:
    reason = unavailable(cell["tool"])
    if reason is not None:
        return {"status": reason if reason.startswith("not ") else f"not available: {reason}"}
    try:
        result = run_timing(cell) if cell["protocol"] == "timing" else run_optimization(cell)
    except Exception as e:  # a crash of one tool on one cell is a result, never the end of the run
        tail = traceback.format_exc().strip().splitlines()[-3:]
        return {"status": f"crashed: {type(e).__name__}: {e}"[:300], "traceback": tail}
    result["status"] = "ok"
    return result


def main() -> None:
    cells = json.load(sys.stdin)
    for cell in cells:
        result = run_cell(cell)
        print(json.dumps({**cell, **result}), flush=True)


if __name__ == "__main__":
    main()
