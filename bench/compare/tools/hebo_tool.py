"""HEBO (Cowen-Rivers et al. 2022, "HEBO: pushing the limits of sample-efficient hyper-parameter
optimisation", JAIR 74), the NeurIPS 2020 black-box challenge winner, with its defaults.

HEBO has no conditional parameters: it sees every parameter of the space and the objective uses the
active ones. Its randomness comes from NumPy's and PyTorch's global generators, seeded here."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from bench.compare.space import Space, fill_inactive
from bench.compare.tools import Tool


def _hebo_param(param: Dict[str, Any]) -> Dict[str, Any]:
    name, kind = param["name"], param["type"]
    if kind == "cat":
        return {"name": name, "type": "cat", "categories": [str(c) for c in param["choices"]]}
    if kind == "int":
        return {"name": name, "type": "pow_int" if param.get("log") else "int", "lb": param["low"], "ub": param["high"]}
    return {"name": name, "type": "pow" if param.get("log") else "num", "lb": param["low"], "ub": param["high"]}


class HeboTool(Tool):
    def __init__(self, space: Space, seed: int) -> None:
        import random

        import torch
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO

        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        self.space = space
        self.fill_rng = np.random.default_rng(seed)  # values for the inactive parameters of told points
        self.design = DesignSpace().parse([_hebo_param(p) for p in space])
        self.opt = HEBO(self.design, scramble_seed=seed)

    def _decode(self, row: Dict[str, Any]) -> Dict[str, Any]:
        out = {}
        for p in self.space:
            value = row[p["name"]]
            if p["type"] == "cat":
                value = {str(c): c for c in p["choices"]}[str(value)]
            elif p["type"] == "int":
                value = int(round(float(value)))
            else:
                value = float(value)
            out[p["name"]] = value
        return out

    def ask(self, n: int) -> List[Tuple[Any, Dict[str, Any]]]:
        rec = self.opt.suggest(n_suggestions=n)
        return [(rec.iloc[[i]], self._decode(rec.iloc[i].to_dict())) for i in range(len(rec))]

    def tell(self, handle: Any, params: Dict[str, Any], value: float) -> None:
        self.opt.observe(handle, np.array([[value]]))

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        import pandas as pd

        full = [fill_inactive(self.space, params, self.fill_rng) for params, _ in rows]
        frame = pd.DataFrame(
            [{p["name"]: (str(v[p["name"]]) if p["type"] == "cat" else v[p["name"]]) for p in self.space} for v in full]
        )
        self.opt.observe(frame, np.array([[value] for _, value in rows]))


def unavailable(tool: str) -> Optional[str]:
    if tool != "hebo":
        return f"unknown tool {tool!r}; HEBO is just `hebo`"
    try:
        import hebo  # noqa: F401
    except ImportError as e:
        return f"hebo not installed ({e})"
    return None


def make(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return HeboTool(space, seed)
