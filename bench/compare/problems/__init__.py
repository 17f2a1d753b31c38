"""Problems by suite. Every problem is `Problem(space, objective, optimum, clean)`; `make(suite, name, seed)`
builds one.

Suites import their heavy dependencies (scikit-learn, cocoex) only when used, so a tool's virtual
environment needs only what the suites it runs need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from bench.compare.space import Space


@dataclass
class Problem:
    suite: str
    name: str
    space: Space
    objective: Callable[[Dict[str, Any]], float]  # gets the active parameters; lower is better
    optimum: Optional[float] = None  # known minimum, or None (ML tasks)
    # For a noisy objective, its noise-free value; runs are then scored by it (metrics.scored_values).
    clean: Optional[Callable[[Dict[str, Any]], float]] = None
    # For a constrained problem, the constraint values of a point (feasible when every one is <= 0), told to the tools
    # that model constraints; an infeasible evaluation is scored as `infeasible_score` (metrics.scored_values).
    constraints: Optional[Callable[[Dict[str, Any]], List[float]]] = None
    infeasible_score: Optional[float] = None


def make(suite: str, name: str, seed: int) -> Problem:
    if suite == "ml":
        from bench.compare.problems import bayesmark_tasks

        return bayesmark_tasks.make(name)
    if suite == "bbob":
        from bench.compare.problems import bbob

        return bbob.make(name, seed)
    if suite in ("synthetic", "timing"):
        from bench.compare.problems import synthetic

        return synthetic.make(name, seed)
    raise ValueError(f"unknown suite {suite!r}; expected ml, bbob, synthetic or timing")


def names(suite: str) -> List[str]:
    if suite == "ml":
        from bench.compare.problems import bayesmark_tasks

        return bayesmark_tasks.task_names()
    if suite == "synthetic":
        from bench.compare.problems import synthetic

        return list(synthetic.PROBLEMS)
    raise ValueError(f"suite {suite!r} has no fixed list of names")
