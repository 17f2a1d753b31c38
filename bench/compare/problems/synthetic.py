"""Synthetic problems with known optima: classic continuous test functions (Branin, 6-D Hartmann, 4-D
log-Rosenbrock, Branin and Hartmann with noise), mixed and conditional spaces, plus the 10-parameter problem of the
timing suite. Regret is the best value found minus `optimum`.

`branin_noisy` adds N(0, 1) to every observation and `hartmann6_noisy` N(0, 0.1²) (about the gap between
Hartmann's global minimum and its best local one, 0.12), drawn from a stream seeded by the run's seed in
evaluation order (so a shared startup sees the same noise for every tool); `clean` is the noise-free
function, and the run is scored by the noise-free value of the best noise-free point it evaluated, so a tool
earns nothing from a lucky draw.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from bench.compare.problems import Problem
from bench.compare.space import Space

# Entropy added to the run's seed for the observation noise, so it never shares a stream with a tool's own
# generator seeded by the bare seed (the harness's random search).
NOISE_STREAM = 1


def _f(name: str, low: float, high: float, log: bool = False, cond: Any = None) -> Dict[str, Any]:
    p = {"name": name, "type": "float", "low": low, "high": high, "log": log}
    if cond:
        p["cond"] = {"parent": cond[0], "values": cond[1]}
    return p


def _i(name: str, low: int, high: int, log: bool = False, cond: Any = None) -> Dict[str, Any]:
    p = _f(name, low, high, log, cond)
    p["type"] = "int"
    return p


def _c(name: str, choices: list, cond: Any = None) -> Dict[str, Any]:
    p: Dict[str, Any] = {"name": name, "type": "cat", "choices": choices}
    if cond:
        p["cond"] = {"parent": cond[0], "values": cond[1]}
    return p


# mixed: 3 floats, a log-scaled float, an integer and a categorical; optimum 0 at x = 0.3, lr = 1e-3, n = 7, kind = b.
MIXED_SPACE: Space = [_f(f"x{i}", -1.0, 1.0) for i in range(3)] + [
    _f("lr", 1e-6, 1.0, log=True),
    _i("n", 1, 20),
    _c("kind", ["a", "b", "c"]),
]


def mixed(p: Dict[str, Any]) -> float:
    xs = sum((p[f"x{i}"] - 0.3) ** 2 for i in range(3))
    return xs + (math.log10(p["lr"]) + 3) ** 2 + 0.1 * (p["n"] - 7) ** 2 + {"a": 1.0, "b": 0.0, "c": 0.5}[p["kind"]]


# conditional: a "model" choice with branch-specific parameters; the tree branch reaches 0, linear only 0.2.
CONDITIONAL_SPACE: Space = [
    _c("model", ["linear", "tree"]),
    _f("c", 1e-4, 1e2, log=True, cond=("model", ["linear"])),
    _i("depth", 1, 12, cond=("model", ["tree"])),
    _f("frac", 0.1, 1.0, cond=("model", ["tree"])),
]


def conditional(p: Dict[str, Any]) -> float:
    if p["model"] == "linear":
        return 0.2 + (math.log10(p["c"]) - 1) ** 2 / 4
    return (p["depth"] - 6) ** 2 / 36 + (p["frac"] - 0.7) ** 2


# nested: three branches, one of them with a second-level choice (kernel -> degree); optimum 0 at
# model=svm, kernel=poly, degree=3, C=10, plus a shared integer and float.
NESTED_SPACE: Space = [
    _c("model", ["svm", "forest", "knn"]),
    _c("kernel", ["rbf", "poly"], cond=("model", ["svm"])),
    _i("degree", 2, 6, cond=("kernel", ["poly"])),
    _f("gamma", 1e-4, 1.0, log=True, cond=("kernel", ["rbf"])),
    _f("C", 1e-3, 1e3, log=True, cond=("model", ["svm"])),
    _i("trees", 10, 500, log=True, cond=("model", ["forest"])),
    _f("max_features", 0.05, 1.0, cond=("model", ["forest"])),
    _i("k", 1, 50, cond=("model", ["knn"])),
    _i("batch", 8, 256, log=True),
    _f("shared", 0.0, 1.0),
]


def nested(p: Dict[str, Any]) -> float:
    common = (math.log2(p["batch"]) - 5) ** 2 / 9 + (p["shared"] - 0.25) ** 2
    if p["model"] == "svm":
        c_term = (math.log10(p["C"]) - 1) ** 2 / 9
        if p["kernel"] == "poly":
            return common + c_term + 0.1 * (p["degree"] - 3) ** 2
        return common + c_term + 0.1 + (math.log10(p["gamma"]) + 2) ** 2 / 16
    if p["model"] == "forest":
        return common + 0.3 + (math.log10(p["trees"]) - 2) ** 2 / 4 + (p["max_features"] - 0.5) ** 2
    return common + 0.5 + ((p["k"] - 15) / 49) ** 2


# integers: 4 integers (two log-scaled) and 2 categoricals with an interaction; optimum 0.
INTEGERS_SPACE: Space = [
    _i("a", 0, 20),
    _i("b", -10, 10),
    _i("c", 1, 1000, log=True),
    _i("d", 1, 64, log=True),
    _c("opt", ["sgd", "adam", "rmsprop", "lbfgs"]),
    _c("flag", [False, True]),
]


def integers(p: Dict[str, Any]) -> float:
    base = ((p["a"] - 13) / 20) ** 2 + ((p["b"] + 4) / 20) ** 2 + (math.log10(p["c"]) - 2) ** 2 / 9
    base += (math.log2(p["d"]) - 3) ** 2 / 36
    penalty = {"sgd": 0.4, "adam": 0.0, "rmsprop": 0.2, "lbfgs": 0.6}[p["opt"]]
    # flag helps only together with adam: the categoricals interact
    penalty += 0.0 if p["flag"] == (p["opt"] == "adam") else 0.3
    return base + penalty


# branin (Branin 1972; Dixon and Szegő 1978): x1 in [-5, 10], x2 in [0, 15], three global minima of 5 / (4π),
# one at (π, 2.275).
BRANIN_SPACE: Space = [_f("x1", -5.0, 10.0), _f("x2", 0.0, 15.0)]
BRANIN_OPTIMUM = 5.0 / (4.0 * math.pi)


def branin(p: Dict[str, Any]) -> float:
    x1, x2 = p["x1"], p["x2"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


# hartmann6 (Dixon and Szegő 1978): [0, 1]^6, six local minima; the global one is -3.32237 at
# (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
HARTMANN6_SPACE: Space = [_f(f"x{i}", 0.0, 1.0) for i in range(6)]
HARTMANN6_OPTIMUM = -3.32236801141551
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


def hartmann6(p: Dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(6)]
    total = 0.0
    for alpha, a, centre in zip(_H_ALPHA, _H_A, _H_P):
        total -= alpha * math.exp(-sum(ai * (xi - ci) ** 2 for ai, xi, ci in zip(a, x, centre)))
    return total


# log_rosenbrock4: log(1 + Rosenbrock) in [-2, 2]^4, optimum 0 at x = 1 (the log keeps the curved valley
# floor from being swamped by the walls).
LOG_ROSENBROCK4_SPACE: Space = [_f(f"x{i}", -2.0, 2.0) for i in range(4)]


def log_rosenbrock4(p: Dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(4)]
    return math.log1p(sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3)))


def with_noise(fn: Callable[[Dict[str, Any]], float], seed: int, sd: float) -> Callable[[Dict[str, Any]], float]:
    """`fn` plus N(0, sd²) per call, the n-th call drawing the n-th value of the seed's noise stream."""
    rng = np.random.default_rng([seed, NOISE_STREAM])

    def objective(p: Dict[str, Any]) -> float:
        return fn(p) + sd * float(rng.standard_normal())

    return objective


# gramacy_constrained: min x0 + x1 on [0, 1]² subject to two constraints, one of them wavy, so the feasible region
# is two disjoint pieces and the optimum sits on a constraint boundary (Gramacy et al. 2016, "Modeling an augmented
# Lagrangian for blackbox constrained optimization", Technometrics 58(1), the toy problem of section 4.1):
#   c0 = 1.5 - x0 - 2 x1 - 0.5 sin(2π (x0² - 2 x1)) <= 0,  c1 = x0² + x1² - 1.5 <= 0;
# optimum 0.5998 at (0.1954, 0.4044). An infeasible evaluation scores 2, the largest objective value in the box.
GRAMACY_SPACE: Space = [_f("x0", 0.0, 1.0), _f("x1", 0.0, 1.0)]
GRAMACY_OPTIMUM = 0.5997880


def gramacy_objective(p: Dict[str, Any]) -> float:
    return p["x0"] + p["x1"]


def gramacy_constraints(p: Dict[str, Any]) -> List[float]:
    x0, x1 = p["x0"], p["x1"]
    return [1.5 - x0 - 2.0 * x1 - 0.5 * math.sin(2.0 * math.pi * (x0 * x0 - 2.0 * x1)), x0 * x0 + x1 * x1 - 1.5]


# timing: 10 floats in [-5, 5], sum of squares (only the sampler's time per suggestion is measured on it).
TIMING_SPACE: Space = [_f(f"x{i}", -5.0, 5.0) for i in range(10)]


def sphere10(p: Dict[str, Any]) -> float:
    return sum(p[f"x{i}"] ** 2 for i in range(10))


# name -> (space, noise-free objective, optimum, standard deviation of the observation noise)
PROBLEMS: Dict[str, Tuple[Space, Callable[[Dict[str, Any]], float], float, float]] = {
    "mixed": (MIXED_SPACE, mixed, 0.0, 0.0),
    "conditional": (CONDITIONAL_SPACE, conditional, 0.0, 0.0),
    "nested": (NESTED_SPACE, nested, 0.0, 0.0),
    "integers": (INTEGERS_SPACE, integers, 0.0, 0.0),
    "branin": (BRANIN_SPACE, branin, BRANIN_OPTIMUM, 0.0),
    "hartmann6": (HARTMANN6_SPACE, hartmann6, HARTMANN6_OPTIMUM, 0.0),
    "log_rosenbrock4": (LOG_ROSENBROCK4_SPACE, log_rosenbrock4, 0.0, 0.0),
    "branin_noisy": (BRANIN_SPACE, branin, BRANIN_OPTIMUM, 1.0),
    "hartmann6_noisy": (HARTMANN6_SPACE, hartmann6, HARTMANN6_OPTIMUM, 0.1),
    "gramacy_constrained": (GRAMACY_SPACE, gramacy_objective, GRAMACY_OPTIMUM, 0.0),
}
# Constrained problems: name -> (constraints, score of an infeasible evaluation).
CONSTRAINTS: Dict[str, Tuple[Callable[[Dict[str, Any]], List[float]], float]] = {
    "gramacy_constrained": (gramacy_constraints, 2.0),
}


def make(problem_name: str, seed: int = 0) -> Problem:
    if problem_name == "sphere10":
        return Problem("timing", problem_name, TIMING_SPACE, sphere10, 0.0)
    if problem_name not in PROBLEMS:
        raise ValueError(f"unknown synthetic problem {problem_name!r}; choose from {', '.join(PROBLEMS)}")
    space, fn, optimum, noise_sd = PROBLEMS[problem_name]
    if problem_name in CONSTRAINTS:
        constraints, infeasible_score = CONSTRAINTS[problem_name]
        return Problem("synthetic", problem_name, space, fn, optimum, constraints=constraints,
                       infeasible_score=infeasible_score)  # fmt: skip
    if noise_sd > 0.0:
        return Problem("synthetic", problem_name, space, with_noise(fn, seed, noise_sd), optimum, clean=fn)
    return Problem("synthetic", problem_name, space, fn, optimum)
