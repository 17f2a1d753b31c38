"""Random search: independent uniform draws (the harness's own, so it needs no optimizer package)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from bench.compare.space import Space, sample_uniform
from bench.compare.tools import Tool


class RandomSearch(Tool):
    def __init__(self, space: Space, seed: int) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)

    def ask(self, n: int) -> List[Tuple[Any, Dict[str, Any]]]:
        return [(None, sample_uniform(self.space, self.rng)) for _ in range(n)]

    def tell(self, handle: Any, params: Dict[str, Any], value: float, constraints: Optional[List[float]] = None) -> None:
        pass

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        pass


def unavailable(tool: str) -> Optional[str]:
    return None if tool == "random" else f"unknown tool {tool!r}; random search is just `random`"


def models_constraints(tool: str) -> bool:
    return True  # it ignores them, as it ignores values: the baseline of a constrained problem too


def make(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return RandomSearch(space, seed)
