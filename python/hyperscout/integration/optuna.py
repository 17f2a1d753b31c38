"""The Optuna bridge: hyperscout samplers inside Optuna studies, and copying Optuna studies into
hyperscout storage. Needs Optuna 5 (``pip install "optuna>=5,<6"``).

``HyperscoutSampler``
    An ``optuna.samplers.BaseSampler`` that delegates to a hyperscout sampler, so Optuna users keep
    their study, storage and objective::

        import optuna
        from hyperscout.integration.optuna import HyperscoutSampler
        from hyperscout.samplers import TPESampler

        study = optuna.create_study(sampler=HyperscoutSampler(TPESampler(seed=1)))

    Design: the sampler keeps a private in-memory hyperscout study (the *mirror*) with the Optuna
    study's directions. Before each Optuna trial it adds every finished Optuna trial it has not seen
    (COMPLETE, PRUNED, FAIL, with params, values and intermediate values) to the mirror, then asks the
    mirror for one live trial. Every parameter Optuna asks for is suggested on that live trial
    (``sample_independent``), so the hyperscout sampler sees the whole history and does its own joint
    (multivariate) sampling; ``infer_relative_search_space`` returns ``{}``. When the Optuna trial
    ends, the live mirror trial is told the same state, values and intermediate values; if its params
    differ from the Optuna trial's (e.g. Optuna fixed some via ``enqueue_trial``) it is discarded as
    FAIL and a faithful copy is added instead.

    Limits: the mirror lives in this process, so trials finished by other processes are seen only
    when the next trial starts, and a process's first trial replays the history (cost linear in the
    number of trials). Categorical choices are mapped to their indices in the mirror, so any Optuna
    choice (``None``, objects) works. A parameter whose distribution changes between trials is
    passed to hyperscout as is; hyperscout may reject that. Trials running in other processes are
    not shown to the hyperscout sampler (no constant liar across processes). Timestamps and system
    attributes are not mirrored.

``copy_study_from_optuna(from_storage, study_name, to_storage, to_study_name=None)``
    Copies an Optuna study (any Optuna storage URL) into a hyperscout storage: directions, study
    user attrs, and each trial's state, values, params and distributions, intermediate values, user
    and system attrs, ``datetime_start`` and ``datetime_complete``. Trials are stored as they are
    (``Study.add_trial``), so trial numbers follow the Optuna order; RUNNING trials stay RUNNING, and
    WAITING trials are enqueued last (``enqueue_trial``) so a hyperscout worker claims them.
    Categorical choices must be str, int, float or bool (hyperscout has no ``None`` choice).
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any, Dict, Optional, Sequence

import optuna
from optuna.distributions import CategoricalDistribution as _OptunaCategorical
from optuna.distributions import FloatDistribution as _OptunaFloat
from optuna.distributions import IntDistribution as _OptunaInt
from optuna.trial import TrialState as _OptunaState

import hyperscout
from hyperscout import distributions as _hd
from hyperscout.samplers import BaseSampler as _HsBaseSampler
from hyperscout.samplers import make_sampler
from hyperscout.trial import create_trial

__all__ = ["HyperscoutSampler", "copy_study_from_optuna", "to_hyperscout_distribution", "to_hyperscout_trial"]

_STATES = {
    _OptunaState.COMPLETE: hyperscout.TrialState.COMPLETE,
    _OptunaState.PRUNED: hyperscout.TrialState.PRUNED,
    _OptunaState.FAIL: hyperscout.TrialState.FAIL,
    _OptunaState.RUNNING: hyperscout.TrialState.RUNNING,
    _OptunaState.WAITING: hyperscout.TrialState.WAITING,
}


def to_hyperscout_distribution(distribution: Any, *, categorical_as_index: bool = False) -> Any:
    """The hyperscout distribution for an Optuna one. ``categorical_as_index=True`` maps a
    categorical's choices to ``0..n-1`` (works for any choices)."""
    if isinstance(distribution, _OptunaFloat):
        return _hd.FloatDistribution(distribution.low, distribution.high, log=distribution.log, step=distribution.step)
    if isinstance(distribution, _OptunaInt):
        return _hd.IntDistribution(distribution.low, distribution.high, log=distribution.log, step=distribution.step)
    if isinstance(distribution, _OptunaCategorical):
        if categorical_as_index:
            return _hd.CategoricalDistribution(list(range(len(distribution.choices))))
        return _hd.CategoricalDistribution(list(distribution.choices))
    raise TypeError(f"unsupported Optuna distribution {distribution!r}")


def _directions(study: "optuna.Study") -> list:
    return [d.name.lower() for d in study.directions]


def _copy_constraints(hs_trial: "hyperscout.Trial", trial: "optuna.trial.FrozenTrial") -> None:
    """The Optuna trial's constraint values (Optuna 5's ``trial.set_constraint`` or a ``constraints_func``), by
    name, so that hyperscout's GP and TPE model them. Optuna allows an infinite value; hyperscout takes the largest
    finite one in its place, which ranks the same."""
    for name, value in getattr(trial, "constraints", {}).items():
        value = float(value)
        if math.isinf(value):
            value = math.copysign(sys.float_info.max, value)
        hs_trial.set_constraint(name, value)


def _add_trial(
    hs_study: "hyperscout.Study",
    trial: "optuna.trial.FrozenTrial",
    *,
    categorical_as_index: bool,
    state: Optional["optuna.trial.TrialState"] = None,
    values: Optional[Sequence[float]] = None,
    user_attrs: bool = True,
) -> None:
    """Adds an Optuna trial to a hyperscout study through enqueue + ask + report + tell."""
    state = trial.state if state is None else state
    values = trial.values if values is None else values
    params: Dict[str, Any] = {}
    dists: Dict[str, Any] = {}
    for name, dist in trial.distributions.items():
        dists[name] = to_hyperscout_distribution(dist, categorical_as_index=categorical_as_index)
        value = trial.params[name]
        if categorical_as_index and isinstance(dist, _OptunaCategorical):
            value = dist.to_internal_repr(value)
            value = int(value)
        params[name] = value
    if state == _OptunaState.WAITING:
        hs_study.enqueue_trial(params, dict(trial.user_attrs) if user_attrs else None)
        return
    hs_study.enqueue_trial(params)
    hs_trial = hs_study.ask(fixed_distributions=dists or None)
    if hs_trial.params != params:
        raise RuntimeError(
            f"could not copy trial {trial.number}: hyperscout gave {hs_trial.params!r} for {params!r} "
            "(was another trial enqueued in the target study?)"
        )
    if user_attrs:
        for key, v in trial.user_attrs.items():
            hs_trial.set_user_attr(key, v)
    for step, v in sorted(trial.intermediate_values.items()):
        hs_trial.report(v, step)
    if state == _OptunaState.RUNNING:
        return
    if state in (_OptunaState.COMPLETE, _OptunaState.PRUNED):
        _copy_constraints(hs_trial, trial)
    hs_study.tell(hs_trial, list(values) if values else None, _STATES[state])


class HyperscoutSampler(optuna.samplers.BaseSampler):
    """An Optuna sampler backed by a hyperscout sampler (see the module docstring for the design).

    ``sampler``: a hyperscout sampler object such as ``hyperscout.samplers.TPESampler(seed=1)``, or a
    registry name (``"tpe"``, ``"random"``, ...) built with ``seed`` and ``**options``."""

    def __init__(self, sampler: Any = "tpe", seed: Optional[int] = None, **options: Any) -> None:
        if isinstance(sampler, str):
            sampler = make_sampler(sampler, seed=seed, **options)
        elif seed is not None or options:
            raise TypeError("seed and options go with a registry name; a sampler object is already built")
        if not isinstance(sampler, _HsBaseSampler):
            raise TypeError(f"sampler must be a hyperscout sampler or a registry name, got {type(sampler).__name__}")
        self._sampler = sampler
        self._lock = threading.RLock()
        self._mirror: Optional[hyperscout.Study] = None
        self._mirror_key: Optional[tuple] = None
        self._seen: set = set()  # Optuna trial numbers already in the mirror
        self._live: Dict[int, Any] = {}  # Optuna trial number -> live hyperscout Trial

    # ---- the mirror ----
    def _sync(self, study: "optuna.Study") -> "hyperscout.Study":
        key = (study._study_id, study.study_name, id(study._storage))
        if self._mirror is None or self._mirror_key != key:
            self._mirror = hyperscout.create_study(sampler=self._sampler, directions=_directions(study))
            self._mirror_key = key
            self._seen = set()
            self._live = {}
        finished = study.get_trials(
            deepcopy=False, states=(_OptunaState.COMPLETE, _OptunaState.PRUNED, _OptunaState.FAIL)
        )
        for t in finished:
            if t.number not in self._seen and t.number not in self._live:
                _add_trial(self._mirror, t, categorical_as_index=True, user_attrs=False)
                self._seen.add(t.number)
        return self._mirror

    def _live_trial(self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial") -> Any:
        live = self._live.get(trial.number)
        if live is None:
            mirror = self._sync(study)
            live = self._live[trial.number] = mirror.ask()
        return live

    # ---- Optuna's sampler interface ----
    def infer_relative_search_space(self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial") -> Dict[str, Any]:
        return {}

    def sample_relative(
        self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial", search_space: Dict[str, Any]
    ) -> Dict[str, Any]:
        return {}

    def before_trial(self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial") -> None:
        with self._lock:
            self._live_trial(study, trial)

    def sample_independent(
        self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial", param_name: str, param_distribution: Any
    ) -> Any:
        with self._lock:
            live = self._live_trial(study, trial)
            dist = to_hyperscout_distribution(param_distribution, categorical_as_index=True)
            value = live._suggest(param_name, dist)
        if isinstance(param_distribution, _OptunaCategorical):
            return param_distribution.choices[int(value)]
        if isinstance(param_distribution, _OptunaInt):
            return int(value)
        return float(value)

    def after_trial(
        self,
        study: "optuna.Study",
        trial: "optuna.trial.FrozenTrial",
        state: "optuna.trial.TrialState",
        values: Optional[Sequence[float]],
    ) -> None:
        with self._lock:
            live = self._live.pop(trial.number, None)
            if self._mirror is None or trial.number in self._seen:
                return
            mirror = self._mirror
            if live is not None:
                wanted = {
                    name: int(d.to_internal_repr(trial.params[name])) if isinstance(d, _OptunaCategorical) else trial.params[name]
                    for name, d in trial.distributions.items()
                }
                if live.params == wanted:
                    for step, v in sorted(trial.intermediate_values.items()):
                        live.report(v, step)
                    if state == _OptunaState.PRUNED and not values and trial.intermediate_values:
                        values = [trial.intermediate_values[max(trial.intermediate_values)]]
                    if state in (_OptunaState.COMPLETE, _OptunaState.PRUNED):
                        _copy_constraints(live, trial)
                    mirror.tell(live, list(values) if values else None, _STATES[state])
                    self._seen.add(trial.number)
                    return
                mirror.tell(live, None, hyperscout.TrialState.FAIL)  # discard; add a faithful copy
            if state in (_OptunaState.COMPLETE, _OptunaState.PRUNED, _OptunaState.FAIL):
                _add_trial(mirror, trial, categorical_as_index=True, state=state, values=values, user_attrs=False)
                self._seen.add(trial.number)

    def reseed_rng(self) -> None:
        # Optuna calls this in forked n_jobs workers; the hyperscout sampler's stream is fixed by its
        # seed and the trial number, so there is nothing to reseed.
        pass


def copy_study_from_optuna(
    from_storage: str, study_name: str, to_storage: Any, to_study_name: Optional[str] = None
) -> "hyperscout.Study":
    """Copies an Optuna study into a hyperscout storage (a URL such as ``"sqlite:///hs.db"`` or a
    hyperscout Storage object) and returns the new hyperscout Study. The target study must not exist.
    Each trial keeps its state, values, params, intermediate values, attrs and timestamps."""
    source = optuna.load_study(study_name=study_name, storage=from_storage)
    target = hyperscout.create_study(
        storage=to_storage, study_name=to_study_name or study_name, directions=_directions(source)
    )
    for key, v in source.user_attrs.items():
        target.set_user_attr(key, v)
    trials = source.get_trials(deepcopy=False)
    for t in trials:
        if t.state != _OptunaState.WAITING:
            target.add_trial(to_hyperscout_trial(t, len(source.directions)))
    for t in trials:  # enqueued last, as hyperscout's own enqueued trials, so that a worker claims them
        if t.state == _OptunaState.WAITING:
            _add_trial(target, t, categorical_as_index=False)
    return target


def to_hyperscout_trial(trial: "optuna.trial.FrozenTrial", n_objectives: int = 1) -> "hyperscout.FrozenTrial":
    """A hyperscout FrozenTrial with everything an Optuna trial holds, its timestamps included (`n_objectives`: of
    the study it comes from)."""
    state = _STATES[trial.state]
    values = trial.values
    if state == hyperscout.TrialState.FAIL:
        values = None  # Optuna keeps none either; hyperscout refuses values on FAIL
    elif state == hyperscout.TrialState.PRUNED and not values and n_objectives == 1 and trial.intermediate_values:
        # as hyperscout's own pruned trials: the last reported value, so the trial still ranks in plots
        last = trial.intermediate_values[max(trial.intermediate_values)]
        values = None if math.isnan(last) else [last]
    return create_trial(
        state=state,
        values=values,
        params=dict(trial.params),
        distributions={name: to_hyperscout_distribution(d) for name, d in trial.distributions.items()},
        user_attrs=dict(trial.user_attrs),
        system_attrs=dict(trial.system_attrs),
        intermediate_values=dict(trial.intermediate_values),
        datetime_start=trial.datetime_start,
        datetime_complete=trial.datetime_complete,
    )
