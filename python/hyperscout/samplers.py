"""Samplers: the built-in C++ samplers under Optuna's class names, and ``BaseSampler`` for samplers
written in Python.

The built-in classes (``AutoSampler``, the default; ``RandomSampler``, ``TPESampler``, ``GridSampler``,
``QMCSampler``, ``GPSampler``, ``CmaEsSampler``) and their keyword options are generated from the C++ registry;
``help(TPESampler)`` lists every option with its default.

A Python sampler subclasses ``BaseSampler`` and overrides ``sample_independent`` (and, for joint
sampling, ``infer_relative_search_space`` + ``sample_relative``). The C++ study calls these methods
with the GIL held; values are *external* values (what ``suggest_*`` returns).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence

from hyperscout import _core
from hyperscout._options import build_classes
from hyperscout.distributions import BaseDistribution
from hyperscout.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from hyperscout.study import Study

__all__ = [
    "BaseSampler",
    "AutoSampler",
    "RandomSampler",
    "TPESampler",
    "GridSampler",
    "QMCSampler",
    "GPSampler",
    "CmaEsSampler",
    "make_sampler",
]


class BaseSampler:
    """Base class of samplers written in Python (Optuna's method names and arguments)."""

    def infer_relative_search_space(self, study: "Study", trial: FrozenTrial) -> Dict[str, BaseDistribution]:
        """Parameters to sample jointly in ``sample_relative``; none by default."""
        return {}

    def sample_relative(
        self, study: "Study", trial: FrozenTrial, search_space: Dict[str, BaseDistribution]
    ) -> Dict[str, Any]:
        """Values (external) for some or all parameters of ``search_space``; none by default."""
        return {}

    def sample_independent(
        self, study: "Study", trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        """The value (external) of one parameter outside the relative space."""
        raise NotImplementedError(f"{type(self).__name__} must implement sample_independent()")

    def before_trial(self, study: "Study", trial: FrozenTrial) -> None:
        """Called when a trial starts, before any sampling."""

    def after_trial(
        self, study: "Study", trial: FrozenTrial, state: TrialState, values: Optional[Sequence[float]]
    ) -> None:
        """Called when a trial finishes, before its state is stored."""

    def reseed_rng(self, seed: int) -> None:
        """Reseeds the sampler's random stream."""

    def _hs_core_sampler(self) -> _core.Sampler:
        core = getattr(self, "_hs_core", None)
        if core is not None:  # a built-in: the C++ object itself
            return core
        # A fresh adapter per study. It refers to this object weakly (the Study holds it): a reference from C++
        # would hide a cycle through this class's module from the garbage collector (bind_plugins.cpp).
        return _core.PythonSampler(self)


def _make(spec: Dict[str, Any], seed: Optional[int], options: Dict[str, Any]) -> _core.Sampler:
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return _core.make_sampler(spec["name"], seed, options)


_CLASS_NAMES = {
    "auto": "AutoSampler",
    "random": "RandomSampler",
    "tpe": "TPESampler",
    "grid": "GridSampler",
    "qmc": "QMCSampler",
    "gp": "GPSampler",
    "cmaes": "CmaEsSampler",
}
_CLASSES = build_classes(_core.sampler_specs(), _CLASS_NAMES, BaseSampler, __name__, _make, with_seed=True)

_CONSTRAINTS_FUNC_DOC = (
    "constraints_func : callable, optional\n"
    "    Optuna's ``constraints_func``: called with each trial (a FrozenTrial, before its state and values are\n"
    "    stored) that ends COMPLETE or PRUNED, returns its constraint values (feasible when every one is <= 0),\n"
    "    which are stored as ``trial.set_constraints`` stores them. An exception it raises fails the trial in\n"
    "    ``optimize``; in ``tell`` it propagates and the trial stays RUNNING."
)


def _add_constraints_func(cls: type) -> None:
    """Gives a built-in sampler that models constraints Optuna's ``constraints_func`` keyword; the study calls it
    (Study.optimize and Study.tell) and hands the values to the C++ study."""
    generated_init = cls.__init__

    def __init__(self, *args: Any, constraints_func: Optional[Callable[[FrozenTrial], Sequence[float]]] = None,
                 **kwargs: Any) -> None:  # fmt: skip
        if constraints_func is not None and not callable(constraints_func):
            raise TypeError(f"constraints_func must be callable (FrozenTrial -> constraint values), "
                            f"got {type(constraints_func).__name__}")  # fmt: skip
        generated_init(self, *args, **kwargs)
        self.constraints_func = constraints_func
        if constraints_func is not None:
            self._hs_options["constraints_func"] = constraints_func

    _install_init(cls, generated_init, __init__, "constraints_func", _CONSTRAINTS_FUNC_DOC)


def _install_init(cls: type, generated_init: Callable[..., None], init: Callable[..., None], keyword: str,
                  doc: str) -> None:  # fmt: skip
    """Makes `init` the class's constructor: the generated signature plus the keyword-only `keyword` (default
    None), and `doc` added to the generated docstring."""
    parameters = list(inspect.signature(generated_init).parameters.values())
    parameters.append(inspect.Parameter(keyword, inspect.Parameter.KEYWORD_ONLY, default=None))
    init.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    full_doc = (generated_init.__doc__ or "") + "\n" + doc
    init.__doc__ = full_doc
    cls.__init__ = init  # type: ignore[misc]
    cls.__doc__ = full_doc
    cls.__signature__ = inspect.Signature(parameters[1:])  # type: ignore[attr-defined]


def _refuse_constraints_func(cls: type) -> None:
    """Optuna's TPESampler (and others) take ``constraints_func``; these samplers do not model constraints, so
    code ported from Optuna is told which ones do instead of getting a bare TypeError."""
    generated_init = cls.__init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "constraints_func" in kwargs:
            raise TypeError(f"{cls.__name__} takes no constraints_func: it does not model constraints; use GPSampler, "
                            f"TPESampler or AutoSampler, which do")  # fmt: skip
        generated_init(self, *args, **kwargs)

    __init__.__signature__ = inspect.signature(generated_init)  # type: ignore[attr-defined]
    __init__.__doc__ = generated_init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]


_SOURCE_TRIALS_DOC = (
    "source_trials : sequence of FrozenTrial, optional\n"
    "    Optuna's warm start (WS-CMA-ES): finished trials of a similar study (same parameter names, values in this\n"
    "    study's direction), from any storage; the first run starts from a distribution fitted to the best of them.\n"
    "    Optuna FrozenTrials are taken too. ``warm_start_study`` names such a study in this study's storage instead."
)


def _source_trial(trial: Any) -> FrozenTrial:
    if isinstance(trial, FrozenTrial):
        return trial
    if type(trial).__module__.startswith("optuna."):
        from hyperscout.integration.optuna import to_hyperscout_trial  # needs optuna, which made the trial

        return to_hyperscout_trial(trial)
    raise TypeError(f"source_trials must hold FrozenTrials (hyperscout's or Optuna's), got {type(trial).__name__}")


def _add_source_trials(cls: type) -> None:
    """Gives CmaEsSampler Optuna's ``source_trials`` keyword. The trials cannot travel as a registry option (JSON),
    so the C++ sampler is made again with them (``_core.make_cmaes_sampler``)."""
    generated_init = cls.__init__

    def __init__(self, *args: Any, source_trials: Optional[Sequence[Any]] = None, **kwargs: Any) -> None:
        generated_init(self, *args, **kwargs)
        if source_trials is None:
            return
        trials = [_source_trial(t) for t in source_trials]
        if not trials:  # Optuna refuses it too ("No compatible source_trials"), at the first CMA-ES ask
            raise ValueError(
                "CmaEsSampler: source_trials is empty; pass the trials of a study over the same parameters, or leave "
                "it out for a cold start"
            )
        if self._hs_options.get("warm_start_study") is not None:
            raise ValueError("CmaEsSampler takes source_trials or warm_start_study, not both: drop one")
        options = {k: v for k, v in self._hs_options.items() if k != "seed"}
        self._hs_core = _core.make_cmaes_sampler(self._hs_options.get("seed"), options, trials)
        self._hs_options["source_trials"] = f"<{len(trials)} trials>"

    _install_init(cls, generated_init, __init__, "source_trials", _SOURCE_TRIALS_DOC)


for _name, _cls in _CLASSES.items():
    if _name in ("GPSampler", "TPESampler", "AutoSampler"):  # the samplers that model constraints
        _add_constraints_func(_cls)
    else:
        _refuse_constraints_func(_cls)
_add_source_trials(_CLASSES["CmaEsSampler"])
globals().update(_CLASSES)
AutoSampler: Any = _CLASSES["AutoSampler"]
RandomSampler: Any = _CLASSES["RandomSampler"]
TPESampler: Any = _CLASSES["TPESampler"]
GridSampler: Any = _CLASSES["GridSampler"]
QMCSampler: Any = _CLASSES["QMCSampler"]
GPSampler: Any = _CLASSES["GPSampler"]
CmaEsSampler: Any = _CLASSES["CmaEsSampler"]


def make_sampler(name: str, seed: Optional[int] = None, **options: Any) -> BaseSampler:
    """A built-in sampler by registry name, e.g. ``make_sampler("tpe", seed=1, n_startup_trials=5)``."""
    for cls in _CLASSES.values():
        if cls.registry_name == name:
            return cls(seed=seed, **options)
    sampler = BaseSampler.__new__(BaseSampler)
    sampler._hs_core = _make({"name": name}, seed, options)  # registry entries without a Python class
    return sampler
