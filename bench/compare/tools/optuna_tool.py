"""Optuna 5 samplers with their defaults and the seed, on an in-memory study (ask/tell interface)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from bench.compare.space import Space
from bench.compare.tools import StudyTool, Tool, variant

VARIANTS = ("tpe", "gp", "cmaes", "random", "qmc")


def _sampler(name: str, seed: int) -> Any:
    import optuna

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "qmc":
        return optuna.samplers.QMCSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def _distribution(param: Dict[str, Any]) -> Any:
    from optuna import distributions as d

    if param["type"] == "float":
        return d.FloatDistribution(param["low"], param["high"], log=param.get("log", False))
    if param["type"] == "int":
        return d.IntDistribution(param["low"], param["high"], log=param.get("log", False))
    return d.CategoricalDistribution(list(param["choices"]))


class OptunaTool(StudyTool):
    def __init__(self, sampler: str, space: Space, seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self.study = optuna.create_study(direction="minimize", sampler=_sampler(sampler, seed))

    def report_constraints(self, trial: Any, constraints: List[float]) -> None:
        # Optuna 5's trial.set_constraint (constraints_func is deprecated there); its TPE and GP samplers read them.
        for i, value in enumerate(constraints):
            trial.set_constraint(str(i), value)

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        import optuna

        by_name = {p["name"]: p for p in self.space}
        self.study.add_trials(
            [
                optuna.trial.create_trial(
                    params=params, distributions={k: _distribution(by_name[k]) for k in params}, value=value
                )
                for params, value in rows
            ]
        )


def unavailable(tool: str) -> Optional[str]:
    name = variant(tool, "tpe")
    if name not in VARIANTS:
        return f"unknown Optuna sampler {name!r}; use one of {', '.join(VARIANTS)}"
    try:
        import optuna
    except ImportError as e:
        return f"optuna not installed ({e})"
    needs = {"gp": ["torch", "scipy"], "cmaes": ["cmaes"], "qmc": ["scipy"]}.get(name, [])
    for module in needs:
        try:
            __import__(module)
        except ImportError:
            return f"not available: Optuna's {name} sampler needs {module} (pip install {module})"
    if not optuna.__version__.startswith("5."):
        return f"Optuna {optuna.__version__} installed; the harness compares against Optuna 5"
    return None


def models_constraints(tool: str) -> bool:
    """Optuna's samplers that model constraints: TPE and GP (NSGA-II too, which the harness does not run)."""
    return variant(tool, "tpe") in ("tpe", "gp")


def make(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return OptunaTool(variant(tool, "tpe"), space, seed)
