"""Tool adapters with one interface, so the worker drives every optimizer the same way.

A tool is named `family[:variant]`: `random`, `hyperscout:<registry sampler>` (e.g. hyperscout:tpe,
hyperscout:gp, hyperscout:auto), `optuna:tpe|gp|cmaes|random|qmc`, `hebo`, `smac:hpo|bb`. Each adapter:

    tool = make_tool("optuna:tpe", space, seed, budget)
    batch = tool.ask(8)               # [(handle, params)], params may hold inactive conditional values
    tool.tell(handle, params, loss)   # for each suggestion, lower is better
    tool.add_history(rows)            # [(params, loss)] told without sampling (timing suite)

On a constrained problem the tool is told the constraint values too, `tool.tell(handle, params, loss,
constraints)` (feasible when every value is <= 0); only the tools whose adapter says so in
`models_constraints(name)` run such problems.

`unavailable(name)` returns None when the tool can run in this interpreter, else the reason.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from bench.compare.space import Space, suggest_with_trial

FAMILIES = ("random", "hyperscout", "optuna", "hebo", "smac")


def family(tool: str) -> str:
    head = tool.split(":", 1)[0]
    if head not in FAMILIES:
        raise ValueError(f"unknown tool {tool!r}; families are {', '.join(FAMILIES)} (e.g. hyperscout:tpe, optuna:gp)")
    return head


def variant(tool: str, default: str) -> str:
    return tool.split(":", 1)[1] if ":" in tool else default


class Tool:
    """Base adapter: subclasses implement ask/tell; add_history defaults to ask + tell of fixed points."""

    def ask(self, n: int) -> List[Tuple[Any, Dict[str, Any]]]:
        raise NotImplementedError

    def tell(self, handle: Any, params: Dict[str, Any], value: float, constraints: Optional[List[float]] = None) -> None:
        raise NotImplementedError

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        raise NotImplementedError


class StudyTool(Tool):
    """An adapter over a define-by-run study with Optuna's ask/tell names (hyperscout's and Optuna's): a batch
    is `n` asks, so the sampler sees the earlier ones as pending, then one tell per suggestion."""

    study: Any
    space: Space

    def ask(self, n: int) -> List[Tuple[Any, Dict[str, Any]]]:
        out = []
        for _ in range(n):
            trial = self.study.ask()
            out.append((trial, suggest_with_trial(trial, self.space)))
        return out

    def tell(self, handle: Any, params: Dict[str, Any], value: float, constraints: Optional[List[float]] = None) -> None:
        if constraints is not None:
            self.report_constraints(handle, constraints)
        self.study.tell(handle, value)

    def report_constraints(self, trial: Any, constraints: List[float]) -> None:
        raise NotImplementedError


def _module(tool: str) -> Any:
    fam = family(tool)
    if fam == "random":
        from bench.compare.tools import random_search as mod
    elif fam == "hyperscout":
        from bench.compare.tools import hyperscout_tool as mod
    elif fam == "optuna":
        from bench.compare.tools import optuna_tool as mod
    elif fam == "hebo":
        from bench.compare.tools import hebo_tool as mod
    else:
        from bench.compare.tools import smac_tool as mod
    return mod


def unavailable(tool: str) -> Optional[str]:
    try:
        mod = _module(tool)
    except ImportError as e:
        return f"not installed ({e})"
    return mod.unavailable(tool)


def models_constraints(tool: str) -> bool:
    """Whether the tool takes constraint values (random search does, trivially: it ignores every feedback)."""
    mod = _module(tool)
    return bool(getattr(mod, "models_constraints", lambda name: False)(tool))


def make_tool(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return _module(tool).make(tool, space, seed, budget)
