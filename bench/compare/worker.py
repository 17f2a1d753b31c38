"""Runs cells in this interpreter and prints one JSON line per cell. The driver (run.py) starts it as
`<venv>/bin/python -m bench.compare.worker` from the repository root with a JSON list of cells on stdin.

A cell: {"key", "suite", "problem", "tool", "seed", "protocol": "batch"|"seq"|"timing", "budget", "batch",
"history", "repeats", "shared_startup"}. Its line adds "status" ("ok", "not available: ...", "crashed: ...") and:
- ml/synthetic: "values" (every loss the tool was told, in evaluation order), plus "clean_values" (the
  noise-free value of each) on a noisy problem;
- bbob: "hits" (first evaluation reaching each of COCO's 51 targets) and "final_precision";
- all: "suggest_ms" (mean ms per suggestion in blocks of 10 trials), "wall_s", "eval_s";
- timing: "ask_ms" (one value per repetition), "simd" (the instruction sets the loaded libraries chose).

With "shared_startup": N, the first N trials are not the tool's: they are N uniform random points drawn
from a stream seeded by the cell's seed alone (the same for every tool), evaluated and told to the tool
(`add_history`) before it samples; they count towards the budget.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any, Dict, List

import numpy as np

from bench.compare import metrics
from bench.compare.problems import Problem
from bench.compare.problems import make as make_problem
from bench.compare.space import Space, active, sample_uniform
from bench.compare.tools import make_tool, models_constraints, unavailable

BLOCK = 10
# Entropy added to the seed for the shared startup points, so they never repeat the first draws of the
# harness's random search (seeded by the bare seed) nor the observation noise (problems.synthetic).
STARTUP_STREAM = 2


def _round(x: float) -> float:
    return float(f"{x:.7g}")


def startup_points(space: Space, seed: int, n: int) -> List[Dict[str, Any]]:
    """The shared startup: n uniform random points that depend only on the space and the seed."""
    rng = np.random.default_rng([seed, STARTUP_STREAM])
    return [sample_uniform(space, rng) for _ in range(n)]


def run_optimization(cell: Dict[str, Any], problem: Problem) -> Dict[str, Any]:
    budget, batch = int(cell["budget"]), int(cell.get("batch", 1))
    constrained = problem.constraints is not None
    tool = make_tool(cell["tool"], problem.space, cell["seed"], budget)
    values: List[float] = []
    clean: List[float] = []
    constraint_values: List[List[float]] = []
    suggest_s: List[float] = []
    eval_s = 0.0

    def evaluate(params: Dict[str, Any]) -> float:
        nonlocal eval_s
        params = active(problem.space, params)
        e0 = time.perf_counter()
        value = problem.objective(params)
        eval_s += time.perf_counter() - e0
        if problem.clean is not None:
            clean.append(problem.clean(params))
        if problem.constraints is not None:
            constraint_values.append(problem.constraints(params))
        return value

    start = time.perf_counter()
    shared = int(cell.get("shared_startup", 0))
    if shared > 0 and constrained:
        raise ValueError("a shared startup tells the tools no constraint values; run constrained problems without it")
    if shared > 0:
        rows = [(params, evaluate(params)) for params in startup_points(problem.space, cell["seed"], shared)]
        t0 = time.perf_counter()
        tool.add_history(rows)
        suggest_s.extend([(time.perf_counter() - t0) / shared] * shared)  # the tells of the startup trials
        values.extend(value for _, value in rows)
    while len(values) < budget:
        n = min(batch, budget - len(values))
        t0 = time.perf_counter()
        asked = tool.ask(n)
        t1 = time.perf_counter()
        suggest_s.extend([(t1 - t0) / len(asked)] * len(asked))
        results = [evaluate(params) for _, params in asked]
        t2 = time.perf_counter()
        for i, ((handle, params), value) in enumerate(zip(asked, results)):
            if constrained:
                tool.tell(handle, params, value, constraint_values[len(values) + i])
            else:
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
        if problem.clean is not None:
            out["clean_values"] = [_round(v) for v in clean]
        if constrained:
            out["constraints"] = [[_round(c) for c in cs] for cs in constraint_values]
            out["feasible"] = [all(c <= 0.0 for c in cs) for cs in constraint_values]
            out["infeasible_score"] = problem.infeasible_score
    return out


def simd_levels() -> Dict[str, str]:
    """The instruction-set level each loaded numeric library chose at run time (run.py --emulate-cpu holds them
    down): hyperscout's build, PyTorch's CPU capability, and NumPy's enabled dispatch targets."""
    levels = {}
    if "hyperscout" in sys.modules:
        levels["hyperscout"] = sys.modules["hyperscout"].cpu_level()
    if "torch" in sys.modules:
        levels["torch"] = sys.modules["torch"].backends.cpu.get_cpu_capability()
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # NumPy 1
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    levels["numpy"] = " ".join(t for t in __cpu_dispatch__ if __cpu_features__.get(t)) or "baseline only"
    return levels


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
    return {"ask_ms": ask_ms, "simd": simd_levels()}


def run_cell(cell: Dict[str, Any]) -> Dict[str, Any]:
    reason = unavailable(cell["tool"])
    if reason is not None:
        return {"status": reason if reason.startswith("not ") else f"not available: {reason}"}
    try:
        if cell["protocol"] == "timing":
            result = run_timing(cell)
        else:
            problem = make_problem(cell["suite"], cell["problem"], cell["seed"])
            if problem.constraints is not None and not models_constraints(cell["tool"]):
                return {"status": "not available: this tool takes no constraint values (the problem is constrained)"}
            result = run_optimization(cell, problem)
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
