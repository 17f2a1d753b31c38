"""Pruning callbacks for training loops and ML libraries, and the Optuna bridge.

Importing ``hyperscout`` or ``hyperscout.integration`` imports none of these libraries: each name below
loads its module on first use, and a callback whose library is missing raises an ``ImportError`` naming
the pip package when it is created.

- ``report_and_prune(trial, value, step)`` and ``PruningCallback(trial)``: any training loop.
- ``LightGBMPruningCallback(trial, metric, valid_name="valid_0")``: ``lightgbm.train`` / ``lightgbm.cv``.
- ``XGBoostPruningCallback(trial, observation_key)``: ``xgboost.train`` / ``xgboost.cv``.
- ``PyTorchLightningPruningCallback(trial, monitor)``: a ``lightning.pytorch.Trainer`` callback.
- ``hyperscout.integration.optuna``: hyperscout samplers in Optuna studies; copying Optuna studies.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "LightGBMPruningCallback",
    "PruningCallback",
    "PyTorchLightningPruningCallback",
    "XGBoostPruningCallback",
    "report_and_prune",
]

_LAZY = {
    "PruningCallback": "hyperscout.integration._pruning",
    "report_and_prune": "hyperscout.integration._pruning",
    "LightGBMPruningCallback": "hyperscout.integration.lightgbm",
    "XGBoostPruningCallback": "hyperscout.integration.xgboost",
    "PyTorchLightningPruningCallback": "hyperscout.integration.pytorch_lightning",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hyperscout.integration' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
