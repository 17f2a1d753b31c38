"""The harness's own description of a search space, shared by every problem and every tool adapter.

A space is a list of parameter dicts, in the order a define-by-run objective would suggest them:

    {"name": "lr", "type": "float", "low": 1e-5, "high": 1e-1, "log": True}
    {"name": "n", "type": "int", "low": 1, "high": 20, "log": False}
    {"name": "kind", "type": "cat", "choices": ["a", "b", "c"]}
    {"name": "depth", "type": "int", "low": 1, "high": 12, "cond": {"parent": "model", "values": ["tree"]}}

A parameter with "cond" is active only when its parent is active and has one of the listed values. The
parent always comes earlier in the list. Tools that cannot express conditions (HEBO, CMA-ES-style
samplers) see every parameter; `active` drops the inactive ones before the objective runs.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List

import numpy as np

Space = List[Dict[str, Any]]


def is_active(param: Dict[str, Any], values: Dict[str, Any]) -> bool:
    cond = param.get("cond")
    if cond is None:
        return True
    parent = cond["parent"]
    return parent in values and values[parent] in cond["values"]


def active(space: Space, values: Dict[str, Any]) -> Dict[str, Any]:
    """The parameters of `values` that the space's conditions make active (in space order)."""
    out: Dict[str, Any] = {}
    for param in space:
        if is_active(param, out) and param["name"] in values:
            out[param["name"]] = values[param["name"]]
    return out


def suggest_all(space: Space, suggest: Callable[[Dict[str, Any]], Any]) -> Dict[str, Any]:
    """Walks the space define-by-run style: `suggest(param)` is called for each active parameter."""
    out: Dict[str, Any] = {}
    for param in space:
        if is_active(param, out):
            out[param["name"]] = suggest(param)
    return out


def suggest_with_trial(trial: Any, space: Space) -> Dict[str, Any]:
    """Suggests every active parameter through an Optuna-style trial (Optuna and hyperscout share the API)."""

    def one(param: Dict[str, Any]) -> Any:
        kind = param["type"]
        if kind == "float":
            return trial.suggest_float(param["name"], param["low"], param["high"], log=param.get("log", False))
        if kind == "int":
            return trial.suggest_int(param["name"], param["low"], param["high"], log=param.get("log", False))
        return trial.suggest_categorical(param["name"], list(param["choices"]))

    return suggest_all(space, one)


def sample_uniform(space: Space, rng: np.random.Generator) -> Dict[str, Any]:
    """One independent draw: uniform in each parameter's (log-)range, uniform over choices."""

    def one(param: Dict[str, Any]) -> Any:
        kind = param["type"]
        if kind == "cat":
            return param["choices"][int(rng.integers(len(param["choices"])))]
        low, high = float(param["low"]), float(param["high"])
        if kind == "int":
            if param.get("log"):
                # Same as Optuna: log-uniform over [low - 0.5, high + 0.5], rounded.
                value = math.exp(rng.uniform(math.log(low - 0.5), math.log(high + 0.5)))
                return int(min(max(round(value), low), high))
            return int(rng.integers(int(low), int(high) + 1))
        if param.get("log"):
            return float(math.exp(rng.uniform(math.log(low), math.log(high))))
        return float(rng.uniform(low, high))

    return suggest_all(space, one)


def fill_inactive(space: Space, values: Dict[str, Any], rng: np.random.Generator) -> Dict[str, Any]:
    """`values` plus a uniform draw for every parameter of the space it lacks, for tools that see every
    parameter whatever the conditions say (HEBO): what they are told then looks like what they suggest."""
    unconditional = [{k: v for k, v in param.items() if k != "cond"} for param in space if param["name"] not in values]
    return {**sample_uniform(unconditional, rng), **values}
