"""hyperscout through its Python package: `hyperscout:<name>` is the registry sampler `<name>` with its
defaults and the seed, on an in-memory study; `hyperscout:<name>+<option>[=<json value>]...` sets registry
options (a bare option is true), e.g. `hyperscout:cmaes+lr_adapt` or `hyperscout:cmaes+restart_strategy="none"`.
A batch is `n` asks (pending trials are visible to the sampler), then the tells."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from bench.compare.space import Space, suggest_with_trial
from bench.compare.tools import StudyTool, Tool, variant


def registry_names() -> List[str]:
    from hyperscout import _core

    return [spec["name"] for spec in _core.sampler_specs()]


def parse_variant(text: str) -> Tuple[str, Dict[str, Any]]:
    """`cmaes+lr_adapt+popsize=20` -> ("cmaes", {"lr_adapt": True, "popsize": 20}); a value that is not JSON is a
    string (`gp+input_warping=off` -> {"input_warping": "off"})."""
    name, *flags = text.split("+")
    options: Dict[str, Any] = {}
    for flag in flags:
        key, eq, value = flag.partition("=")
        if not eq:
            options[key] = True
            continue
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return name, options


class HyperscoutTool(StudyTool):
    def __init__(self, sampler: str, space: Space, seed: int) -> None:
        import hyperscout

        name, options = parse_variant(sampler)
        self.space = space
        self.study = hyperscout.create_study(
            direction="minimize", sampler=hyperscout.samplers.make_sampler(name, seed=seed, **options)
        )

    def report_constraints(self, trial: Any, constraints: List[float]) -> None:
        trial.set_constraints(constraints)

    def add_history(self, rows: List[Tuple[Dict[str, Any], float]]) -> None:
        # Enqueued values are returned by suggest_* as they are, so the sampler does not pick them.
        for params, value in rows:
            self.study.enqueue_trial(params)
            trial = self.study.ask()
            suggest_with_trial(trial, self.space)
            self.study.tell(trial, value)


def unavailable(tool: str) -> Optional[str]:
    try:
        import hyperscout  # noqa: F401
    except ImportError as e:
        return f"hyperscout cannot be imported: {e}"
    name, _ = parse_variant(variant(tool, "tpe"))
    names = registry_names()
    if name not in names:
        return f"not available: this hyperscout build has no sampler {name!r} (it has {', '.join(names)})"
    return None


def models_constraints(tool: str) -> bool:
    """The samplers that model constraints (docs/samplers.md): gp, tpe and auto."""
    return parse_variant(variant(tool, "tpe"))[0] in ("gp", "tpe", "auto")


def make(tool: str, space: Space, seed: int, budget: int) -> Tool:
    return HyperscoutTool(variant(tool, "tpe"), space, seed)
