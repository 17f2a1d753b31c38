"""Pruners: the built-in C++ pruners under Optuna's class names, and ``BasePruner`` for pruners
written in Python.

``MedianPruner``, ``PercentilePruner``, ``ThresholdPruner``, ``PatientPruner``,
``SuccessiveHalvingPruner`` and ``NopPruner`` and their keyword options are generated from the C++
registry. A Python pruner subclasses ``BasePruner`` and implements ``prune(study, trial)``; the C++
study calls it (GIL held) from ``trial.should_prune()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from hyperscout import _core
from hyperscout._options import build_classes
from hyperscout.trial import FrozenTrial

if TYPE_CHECKING:
    from hyperscout.study import Study

__all__ = [
    "BasePruner",
    "NopPruner",
    "MedianPruner",
    "PercentilePruner",
    "ThresholdPruner",
    "PatientPruner",
    "SuccessiveHalvingPruner",
    "make_pruner",
]


class BasePruner:
    """Base class of pruners written in Python."""

    def prune(self, study: "Study", trial: FrozenTrial) -> bool:
        """Whether to stop ``trial`` now, judging by its and the other trials' intermediate values."""
        raise NotImplementedError(f"{type(self).__name__} must implement prune()")

    def _hs_core_pruner(self) -> _core.Pruner:
        core = getattr(self, "_hs_core", None)
        if core is not None:  # a built-in: the C++ object itself
            return core
        # A fresh adapter per study. It refers to this object weakly (the Study holds it): a reference from C++
        # would hide a cycle through this class's module from the garbage collector (bind_plugins.cpp).
        return _core.PythonPruner(self)


def _make(spec: Dict[str, Any], seed: Optional[int], options: Dict[str, Any]) -> _core.Pruner:
    wrapped = options.get("wrapped")
    if spec["name"] == "patient" and isinstance(wrapped, BasePruner):
        # Optuna passes the wrapped pruner as an object; the registry form takes a pruner name.
        return _core.make_patient_pruner(wrapped._hs_core_pruner(), options["patience"], options["min_delta"])
    if spec["name"] == "patient" and wrapped is None:
        options = dict(options, wrapped="none")
    return _core.make_pruner(spec["name"], options)


_CLASS_NAMES = {
    "none": "NopPruner",
    "median": "MedianPruner",
    "percentile": "PercentilePruner",
    "threshold": "ThresholdPruner",
    "patient": "PatientPruner",
    "asha": "SuccessiveHalvingPruner",
}
_CLASSES = build_classes(_core.pruner_specs(), _CLASS_NAMES, BasePruner, __name__, _make, with_seed=False)
globals().update(_CLASSES)
NopPruner: Any = _CLASSES["NopPruner"]
MedianPruner: Any = _CLASSES["MedianPruner"]
PercentilePruner: Any = _CLASSES["PercentilePruner"]
ThresholdPruner: Any = _CLASSES["ThresholdPruner"]
PatientPruner: Any = _CLASSES["PatientPruner"]
SuccessiveHalvingPruner: Any = _CLASSES["SuccessiveHalvingPruner"]


def make_pruner(name: str, **options: Any) -> BasePruner:
    """A built-in pruner by registry name, e.g. ``make_pruner("median", n_startup_trials=3)``."""
    for cls in _CLASSES.values():
        if cls.registry_name == name:
            return cls(**options)
    pruner = BasePruner.__new__(BasePruner)
    pruner._hs_core = _make({"name": name}, None, options)
    return pruner
