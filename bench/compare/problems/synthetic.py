"""Synthetic mixed and conditional problems with known optima, plus the 10-parameter problem of the
timing suite. Each objective is 0 at its optimum (`optimum` says so), so the final value is the regret.
"""

from __future__ import annotations

import math
from typing import Any, Dict

from bench.compare.problems import Problem
from bench.compare.space import Space


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


# timing: 10 floats in [-5, 5], sum of squares (only the sampler's time per suggestion is measured on it).
TIMING_SPACE: Space = [_f(f"x{i}", -5.0, 5.0) for i in range(10)]


def sphere10(p: Dict[str, Any]) -> float:
    return sum(p[f"x{i}"] ** 2 for i in range(10))


PROBLEMS = {
    "mixed": (MIXED_SPACE, mixed),
    "conditional": (CONDITIONAL_SPACE, conditional),
    "nested": (NESTED_SPACE, nested),
    "integers": (INTEGERS_SPACE, integers),
}


def make(problem_name: str) -> Problem:
    if problem_name == "sphere10":
        return Problem("timing", problem_name, TIMING_SPACE, sphere10, 0.0)
    if problem_name not in PROBLEMS:
        raise ValueError(f"unknown synthetic problem {problem_name!r}; choose from {', '.join(PROBLEMS)}")
    space, fn = PROBLEMS[problem_name]
    return Problem("synthetic", problem_name, space, fn, 0.0)
