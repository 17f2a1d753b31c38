"""The quick and full profiles: which problems, protocols, budgets, seeds and tools a run covers."""

from __future__ import annotations

import re
from typing import Any, Dict, List

HYPERSCOUT = ["hyperscout:tpe", "hyperscout:gp", "hyperscout:cmaes", "hyperscout:auto"]
OPTUNA = ["optuna:tpe", "optuna:gp", "optuna:cmaes"]
ALL_TOOLS = ["random"] + HYPERSCOUT + OPTUNA + ["hebo", "smac:hpo"]

# Tools whose cost per suggestion grows like a Gaussian process's (cubic in the trial count): on bbob they
# stop at 50·D evaluations and 10 dimensions, the budgets the targets are stated for. `hyperscout:auto` is not
# one of them: its GP phase ends at 200 finished trials (gp_max_trials), after which it runs CMA-ES, so it gets the
# full budgets and its switch is measured.
GP_LIKE = {"hyperscout:gp", "optuna:gp", "hebo", "smac:bb"}

PROFILES: Dict[str, Dict[str, Any]] = {
    "quick": {
        "seeds": 3,
        "tools": ["random"] + HYPERSCOUT + OPTUNA,
        "ml": {"tasks": ["DT-breast-nll", "linear-wine-nll", "SVM-iris-nll", "lasso-diabetes-mae"],
               "protocols": [{"protocol": "batch", "batch": 8, "budget": 128}]},
        "bbob": {"dimensions": [2, 5], "functions": [1, 7, 8, 15, 21], "max_multiplier": 20, "gp_max_multiplier": 20,
                 "gp_max_dimension": 5, "budgets": [10, 20]},
        "synthetic": {"problems": ["mixed", "conditional", "branin", "hartmann6", "branin_noisy"], "budget": 60},
        "timing": {"history": 200, "repeats": 5},
    },
    "full": {
        "seeds": 10,
        "tools": ALL_TOOLS,
        "ml": {"tasks": None,  # every task
               "protocols": [{"protocol": "batch", "batch": 8, "budget": 128}, {"protocol": "seq", "batch": 1, "budget": 100}]},
        "bbob": {"dimensions": [2, 5, 10, 20], "functions": list(range(1, 25)), "max_multiplier": 100,
                 "gp_max_multiplier": 50, "gp_max_dimension": 10, "budgets": [10, 20, 50, 100]},
        "synthetic": {"problems": ["mixed", "conditional", "nested", "integers", "branin", "hartmann6",
                                   "log_rosenbrock4", "branin_noisy", "hartmann6_noisy", "gramacy_constrained"],
                      "budget": 100},
        "timing": {"history": 200, "repeats": 20},
    },
}  # fmt: skip

SUITES = ["timing", "synthetic", "bbob", "ml"]


def recorded_commands(meta: Dict[str, Any]) -> List[List[str]]:
    """The commands a run.json records: its "commands", or the one "argv" of files written before that field."""
    return meta.get("commands") or ([meta["argv"]] if "argv" in meta else [])


def per_command(meta: Dict[str, Any], field: str, fill: Any) -> List[Any]:
    """A run.json list with one entry per recorded command; commands recorded before the field existed get `fill`."""
    values = list(meta.get(field, []))
    return values + [fill] * (len(recorded_commands(meta)) - len(values))


def protocol_label(cell: Dict[str, Any]) -> str:
    """The label of a cell's protocol: "16x8", "seq100" or "timing", then "+sharedN" when its first N trials are
    the shared startup, so such cells have keys of their own and never mix with ordinary runs."""
    shared = f"+shared{cell['shared_startup']}" if cell.get("shared_startup") else ""
    if cell["protocol"] == "batch":
        return f"{cell['budget'] // cell['batch']}x{cell['batch']}{shared}"
    if cell["protocol"] == "seq":
        return f"seq{cell['budget']}{shared}"
    return cell["protocol"]


def parse_protocol(label: str) -> Dict[str, Any]:
    """The inverse of protocol_label for the ML suite: "16x8" (rounds x batch) or "seq100"."""
    m = re.fullmatch(r"(\d+)x(\d+)", label)
    if m and int(m.group(1)) > 0 and int(m.group(2)) > 0:
        return {"protocol": "batch", "batch": int(m.group(2)), "budget": int(m.group(1)) * int(m.group(2))}
    m = re.fullmatch(r"seq(\d+)", label)
    if m and int(m.group(1)) > 0:
        return {"protocol": "seq", "batch": 1, "budget": int(m.group(1))}
    raise ValueError(f"unknown protocol {label!r}: use ROUNDSxBATCH (e.g. 16x8) or seqN (e.g. seq100)")


def parse_shared_startup(text: str) -> int:
    """--shared-startup: a whole number of trials, 0 (the default) for none."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise ValueError(f"expected a whole number of trials (0 for none), got {text!r}")
    return n


def cells(profile: Dict[str, Any], suites: List[str], tools: List[str], seeds: int, ml_tasks: List[str],
          shared_startup: int = 0) -> List[Dict[str, Any]]:  # fmt: skip
    """Every (suite, problem, protocol, tool, seed) cell of a run, in the order they are run. With
    `shared_startup` N > 0 every optimization cell (not timing) starts from the same N random trials for all
    tools (worker.py)."""
    out: List[Dict[str, Any]] = []

    def add(suite: str, problem: str, tool: str, seed: int, **kw: Any) -> None:
        cell = {"suite": suite, "problem": problem, "tool": tool, "seed": seed, **kw}
        if shared_startup > 0 and suite != "timing":
            cell["shared_startup"] = shared_startup
        cell["key"] = "|".join(str(x) for x in (suite, problem, protocol_label(cell), tool, seed))
        out.append(cell)

    for suite in SUITES:
        if suite not in suites:
            continue
        for tool in tools:
            for seed in range(seeds):
                if suite == "timing":
                    t = profile["timing"]
                    add("timing", "sphere10", tool, seed, protocol="timing", history=t["history"], repeats=t["repeats"])
                elif suite == "synthetic":
                    for problem in profile["synthetic"]["problems"]:
                        add("synthetic", problem, tool, seed, protocol="seq", batch=1, budget=profile["synthetic"]["budget"])
                elif suite == "bbob":
                    b = profile["bbob"]
                    for d in b["dimensions"]:
                        gp_like = tool.split("+")[0] in GP_LIKE  # options after "+" keep the sampler
                        if gp_like and d > b["gp_max_dimension"]:
                            continue
                        mult = b["gp_max_multiplier"] if gp_like else b["max_multiplier"]
                        for f in b["functions"]:
                            add("bbob", f"f{f:02d}-d{d:02d}", tool, seed, protocol="seq", batch=1, budget=mult * d,
                                dimension=d)  # fmt: skip
                else:
                    for task in ml_tasks:
                        for proto in profile["ml"]["protocols"]:
                            add("ml", task, tool, seed, **proto)
    return out
