"""COCO's noiseless `bbob` suite through the cocoex package (Hansen et al. 2021, "COCO: a platform for
comparing continuous optimizers in a black-box setting", Optim. Methods Softw. 36(1)).

A problem is named `f<function>-d<dimension>` (e.g. `f08-d05`); the seed picks the instance (seed k runs
instance k + 1, any k: the suite is built for that one instance, not from the default year's five), so every
tool sees the same instances. The space is [-5, 5]^D, the objective is the raw
f-value, and `optimum` is the instance's f_opt, so the recorded precision is f - f_opt.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List

from bench.compare.problems import Problem

FUNCTIONS = list(range(1, 25))


def name(function: int, dimension: int) -> str:
    return f"f{function:02d}-d{dimension:02d}"


def parse(problem_name: str) -> tuple:
    try:
        f_part, d_part = problem_name.split("-")
        function, dimension = int(f_part[1:]), int(d_part[1:])
    except ValueError:
        raise ValueError(f"bbob problem {problem_name!r}: names look like f08-d05 (function 1-24, dimension)") from None
    if function not in FUNCTIONS or dimension not in (2, 3, 5, 10, 20, 40):
        raise ValueError(f"bbob problem {problem_name!r}: function must be 1-24 and dimension one of 2,3,5,10,20,40")
    return function, dimension


def names(functions: List[int], dimensions: List[int]) -> List[str]:
    return [name(f, d) for d in dimensions for f in functions]


def make(problem_name: str, seed: int) -> Problem:
    import cocoex
    import numpy as np

    function, dimension = parse(problem_name)
    instance = seed + 1
    # "instances: k" rather than the default year's instance list (1-5): seeds 5 and up need instances 6 and up.
    suite = cocoex.Suite("bbob", f"instances: {instance}", f"function_indices:{function} dimensions:{dimension}")
    problem = suite.get_problem_by_function_dimension_instance(function, dimension, instance)
    lower, upper = problem.lower_bounds, problem.upper_bounds
    space = [
        {"name": f"x{i}", "type": "float", "low": float(lower[i]), "high": float(upper[i]), "log": False}
        for i in range(dimension)
    ]
    keep = (suite, problem)  # the problem lives as long as its suite

    def objective(params: Dict[str, Any]) -> float:
        x = np.array([params[f"x{i}"] for i in range(dimension)], dtype=float)
        return float(keep[1](x))

    f_opt = _optimal_value(problem)
    return Problem("bbob", problem_name, space, objective, f_opt)


def _optimal_value(problem: Any) -> float:
    """f_opt of a bbob instance: cocoex writes the optimal x to ./._bbob_problem_best_parameter.txt (the only
    route to it in cocoex 2.8), so this runs in a temporary directory and evaluates f there."""
    import numpy as np

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="bbob-") as tmp:
        os.chdir(tmp)
        try:
            problem._best_parameter("print")
            x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
        finally:
            os.chdir(cwd)
    f_opt = float(problem(x_opt))
    if not problem.final_target_hit:
        raise RuntimeError(f"{problem.id}: cocoex's best parameter does not reach the final target")
    return f_opt
