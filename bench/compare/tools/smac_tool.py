"""SMAC3 2.x (Lindauer et al. 2022, "SMAC3: a versatile Bayesian optimization package for hyperparameter
optimization", JMLR 23) through its ask/tell interface: `smac:hpo` is the HyperparameterOptimizationFacade
(random forest), `smac:bb` the BlackBoxFacade (Gaussian process), each with its defaults.

Conditions become ConfigSpace conditions; choices are passed as strings and mapped back."""

from __future__ import annotations

import tempfile
from typing import Any, Dict, List, Optional, Tuple

from bench.compare.space import Space, active
from bench.compare.tools import Tool, variant


def _config_space(space: Space, seed: int) -> Any:
    from ConfigSpace import Categorical, ConfigurationSpace, Float, InCondition, Integer

    cs = ConfigurationSpace(seed=seed)
    hps = {}
    for p in space:
        if p["type"] == "cat":
            hp = Categorical(p["name"], [str(c) for c in p["choices"]])
        elif p["type"] == "int":
            hp = Integer(p["name"], (int(p["low"]), int(p["high"])), log=bool(p.get("log")))
        else:
            hp = Float(p["name"], (float(p["low"]), float(p["high"])), log=bool(p.get("log")))
        hps[p["name"]] = hp
        cs.add(hp)
    for p in space:
        cond = p.get("cond")
        if cond:
            cs.add(InCondition(hps[p["name"]], hps[cond["parent"]], [str(v) for v in cond["values"]]))
    return cs


class SmacTool(Tool):
    def __init__(self, facade: str, space: Space, seed: int, budget: int) -> None:
        from smac import BlackBoxFacade, HyperparameterOptimizationFacade, Scenario

        self.space = space
        self.cs = _config_space(space, seed)
        self._dir = tempfile.TemporaryDirectory(prefix="smac-")
        scenario = Scenario(
            self.cs, deterministic=True, n_trials=max(budget, 1) + 1000, seed=seed, output_directory=self._dir.name
        )
        cls = BlackBoxFacade if facade == "bb" else HyperparameterOptimizationFacade
        self.smac = cls(scenario, target_function=lambda config, seed=0: 0.0, overwrite=True, logging_level=40)
        self._exhausted = False

    def _decode(self, config: Any) -> Dict[str, Any]:
        raw = dict(config)
        out = {}
        for p in self.space:
            if p["name"] not in raw:
                continue
            value = raw[p["name"]]
            if p["type"] == "cat":
                value = {str(c): c for c in p["choices"]}[str(value)]
            elif p["type"] == "int":
                value = int(value)
            else:
                value = float(value)
            out[p["name"]] = value
        return out

    def ask(self, n: int) -> List[Tuple[Any, Dict[str, Any]]]:
        from smac.main.exceptions import ConfigurationSpaceExhaustedException

        out = []
        for _ in range(n):
            if not self._exhausted:
                try:
                    info = self.smac.ask()
                    out.append((info, self._decode(info.config)))
                    continue
                except (ConfigurationSpaceExhaustedException, StopIteration):
                    # SMAC gives up when neither its acquisition search nor a number of random draws finds an
                    # untried configuration, as happens when a finite space is nearly used up (kNN's 100 in a
                    # 128-trial budget): the first ask raises, later ones find its generator ended. Like the other
                    # tools, which repeat configurations there, the cell goes on, with random draws from the space
                    # (SMAC is not told of them).
                    self._exhausted = True
            out.append((None, self._decode(self.cs.sample_configuration())))
        return out

    def tell(self, handle: Any, params: Dict[str, Any], value: float) -> None:
        from smac.runhistory.dataclasses import TrialValue

        if handle is not None:
            self.smac.tell(handle, TrialValue(cost=value))

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        from ConfigSpace import Configuration
        from smac.runhistory.dataclasses import TrialInfo, TrialValue

        for params, value in rows:
            values = {k: (str(v) if isinstance(v, (str, bool)) else v) for k, v in active(self.space, params).items()}
            info = TrialInfo(config=Configuration(self.cs, values=values), seed=0)
            self.smac.tell(info, TrialValue(cost=value))


def unavailable(tool: str) -> Optional[str]:
    if variant(tool, "hpo") not in ("hpo", "bb"):
        return f"unknown SMAC facade in {tool!r}; use smac:hpo or smac:bb"
    try:
        import smac  # noqa: F401
    except ImportError as e:
        return f"smac not installed ({e})"
    return None


def make(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return SmacTool(variant(tool, "hpo"), space, seed, budget)
