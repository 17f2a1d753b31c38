"""Studies: ``create_study`` / ``load_study`` / ``delete_study`` / ``get_all_study_names`` and the
``Study`` object, with Optuna's names and arguments.

The optimize loop runs in C++ with the GIL released; it takes the GIL only to call the objective
and the callbacks. ``n_jobs > 1`` runs objectives on C++ threads, which helps when the objective
releases the GIL (NumPy, PyTorch, I/O, subprocesses). For pure-Python objectives run several
processes on one SQLite file instead (see docs/python.md).
"""

from __future__ import annotations

import gc
import os
import sys
import uuid
import warnings
import weakref
from typing import Any, Callable, Container, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union

from hyperscout import _core
from hyperscout.distributions import BaseDistribution
from hyperscout.pruners import BasePruner, NopPruner
from hyperscout.samplers import BaseSampler, make_sampler
from hyperscout.storages import Storage, get_storage
from hyperscout.trial import FrozenTrial, Trial, TrialState

__all__ = ["Study", "StudyDirection", "create_study", "load_study", "delete_study", "get_all_study_names"]

StudyDirection = _core.StudyDirection

ObjectiveFuncType = Callable[[Trial], Union[float, Sequence[float]]]


def _core_sampler(sampler: Optional[BaseSampler]) -> Tuple[BaseSampler, _core.Sampler]:
    if sampler is None:
        sampler = make_sampler(_core.DEFAULT_SAMPLER)
    if not isinstance(sampler, BaseSampler):
        raise TypeError(
            f"sampler must be a hyperscout sampler (hyperscout.samplers.*, or a BaseSampler subclass), "
            f"got {type(sampler).__name__}"
        )
    return sampler, sampler._hs_core_sampler()


def _core_pruner(pruner: Optional[BasePruner]) -> Tuple[BasePruner, _core.Pruner]:
    if pruner is None:
        pruner = NopPruner()
    if not isinstance(pruner, BasePruner):
        raise TypeError(
            f"pruner must be a hyperscout pruner (hyperscout.pruners.*, or a BasePruner subclass), "
            f"got {type(pruner).__name__}"
        )
    return pruner, pruner._hs_core_pruner()


def _direction_name(direction: Union[str, StudyDirection]) -> str:
    if isinstance(direction, StudyDirection):
        return "minimize" if direction == StudyDirection.MINIMIZE else "maximize"
    if isinstance(direction, str) and direction.lower() in ("minimize", "maximize"):
        return direction.lower()
    raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


class Study:
    """An optimization problem: its name, directions and trials, plus this process's sampler and
    pruner. Make one with ``create_study`` or ``load_study``."""

    def __init__(self, core: _core.Study, sampler: BaseSampler, pruner: BasePruner) -> None:
        self._core = core
        self.sampler = sampler
        self.pruner = pruner
        # Lets Python samplers, pruners and callbacks receive this object from the C++ study.
        core._wrapper = weakref.ref(self)

    # ---- identity ----
    @property
    def study_name(self) -> str:
        return self._core.name

    @property
    def directions(self) -> List[StudyDirection]:
        return list(self._core.directions)

    @property
    def direction(self) -> StudyDirection:
        directions = self.directions
        if len(directions) > 1:
            raise RuntimeError("this study has several directions; use Study.directions")
        return directions[0]

    @property
    def _is_multi_objective(self) -> bool:
        return len(self._core.directions) > 1

    # ---- optimize / ask / tell ----
    def optimize(
        self,
        func: ObjectiveFuncType,
        n_trials: Optional[int] = None,
        timeout: Optional[float] = None,
        n_jobs: int = 1,
        catch: Union[Iterable[Type[BaseException]], Type[BaseException]] = (),
        callbacks: Optional[List[Callable[["Study", FrozenTrial], None]]] = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Runs ``func(trial)`` for ``n_trials`` trials (this call), until ``timeout`` seconds, or until
        ``stop()``. An exception of a type in ``catch`` fails that trial and the study goes on; any
        other exception fails the trial and is re-raised. ``TrialPruned`` ends the trial as PRUNED."""
        if n_jobs == -1:
            n_jobs = os.cpu_count() or 1
        if isinstance(catch, type):
            catch = (catch,)
        catch_types = tuple(catch)
        for cls in catch_types:
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                raise TypeError(f"catch must hold exception classes, got {cls!r}")
        callback_list = list(callbacks or [])
        if gc_after_trial:
            callback_list.append(lambda study, trial: gc.collect())
        bar = None
        if show_progress_bar:
            bar = _progress_bar(n_trials, timeout)
            if bar is not None:
                callback_list.append(lambda study, trial: bar.update(1))

        constraints_func = self._constraints_func()

        def run_trial(core_trial: _core.Trial) -> Any:
            # core_trial lives on a C++ stack frame that ends with this trial. A Trial that the
            # objective kept (more references than this frame's and getrefcount's own) is switched to
            # a snapshot so it stays readable; the usual, unkept one is simply dropped.
            trial = Trial(self, core_trial)
            try:
                if constraints_func is None:
                    return func(trial)
                # The sampler's constraints_func (Optuna's) for trials that end COMPLETE or PRUNED; one that
                # raises fails the trial as the objective would.
                try:
                    result = func(trial)
                except _exceptions().TrialPruned:
                    trial.set_constraints(constraints_func(core_trial.snapshot))
                    raise
                trial.set_constraints(constraints_func(core_trial.snapshot))
                return result
            finally:
                if sys.getrefcount(trial) > 2:
                    trial._finish()

        try:
            self._core.optimize(run_trial, n_trials, timeout, n_jobs, callback_list, catch_types or None)
        finally:
            if bar is not None:
                bar.close()

    def ask(self, fixed_distributions: Optional[Dict[str, BaseDistribution]] = None) -> Trial:
        """Starts a trial (claiming an enqueued one first); parameters in ``fixed_distributions`` are
        suggested right away."""
        return Trial(self, self._core.ask(fixed_distributions))

    def tell(
        self,
        trial: Union[Trial, int],
        values: Optional[Union[float, Sequence[float]]] = None,
        state: Optional[TrialState] = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finishes a trial from ``ask``. ``state`` defaults to COMPLETE, which needs ``values``; a NaN
        value records the trial as FAIL."""
        number = trial if isinstance(trial, int) else trial.number
        if state is None:
            state = TrialState.COMPLETE
        if state == TrialState.COMPLETE and values is None:
            raise ValueError("tell() with state COMPLETE needs values; pass state=TrialState.FAIL or PRUNED otherwise")
        if values is None:
            value_list: List[float] = []
        elif hasattr(values, "__len__") and not isinstance(values, str):
            value_list = [float(v) for v in values]
        else:
            value_list = [float(values)]
        constraints = None
        constraints_func = self._constraints_func()
        if constraints_func is not None and state in (TrialState.COMPLETE, TrialState.PRUNED):
            snapshot = self._running_snapshot(trial, number)
            if snapshot is not None:  # an unknown or finished trial is reported by the tell below
                constraints = [float(v) for v in constraints_func(snapshot)]
        try:
            return self._core.tell(number, value_list, state, constraints)
        except _exceptions().UpdateFinishedTrialError:
            if not skip_if_finished:
                raise
            return self._trial_by_number(number)

    def enqueue_trial(
        self, params: Dict[str, Any], user_attrs: Optional[Dict[str, Any]] = None, skip_if_exists: bool = False
    ) -> None:
        """Queues a trial with fixed parameter values; the next ``ask`` (in any process) runs it.
        Parameters not in ``params`` are sampled as usual."""
        if skip_if_exists and any(t.params == params for t in self.trials):
            return
        self._core.enqueue_trial(dict(params), user_attrs)

    def add_trial(self, trial: FrozenTrial) -> None:
        """Stores a finished (or WAITING) trial made with ``hyperscout.trial.create_trial``, keeping its
        state, values, params, intermediate values, attrs and times; the study gives it the next number.
        The sampler sees it from the next trial on."""
        if not isinstance(trial, FrozenTrial):
            raise TypeError(f"add_trial takes a FrozenTrial (hyperscout.trial.create_trial), got {type(trial).__name__}")
        self._core.add_trial(trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """``add_trial`` for each trial, in order."""
        for t in trials:
            self.add_trial(t)

    def stop(self) -> None:
        """Starts no new trial in the running ``optimize`` (from the objective or a callback)."""
        self._core.stop()

    # ---- results ----
    @property
    def best_trial(self) -> FrozenTrial:
        return self._core.best_trial()

    @property
    def best_params(self) -> Dict[str, Any]:
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_trials(self) -> List[FrozenTrial]:
        """The Pareto front of COMPLETE trials (the best trial and its ties for one objective)."""
        return self._core.best_trials()

    @property
    def trials(self) -> List[FrozenTrial]:
        return self.get_trials()

    def get_trials(self, deepcopy: bool = True, states: Optional[Container[TrialState]] = None) -> List[FrozenTrial]:
        """Trials ordered by number, optionally only those in ``states``. FrozenTrials are immutable
        snapshots, so ``deepcopy`` has no effect."""
        return self._core.trials(list(states) if states is not None else [])

    def _constraints_func(self) -> Optional[Callable[[FrozenTrial], Sequence[float]]]:
        """The sampler's ``constraints_func`` (GPSampler, TPESampler and AutoSampler take one), or None."""
        return getattr(self.sampler, "constraints_func", None)

    def _running_snapshot(self, trial: Union[Trial, int], number: int) -> Optional[FrozenTrial]:
        """The trial as ``tell`` is about to finish it (its live snapshot, or the stored trial), or None when it is
        unknown or already finished."""
        if isinstance(trial, Trial) and isinstance(trial._core, _core.Trial):
            return trial._core.snapshot
        try:
            stored = self._trial_by_number(number)
        except KeyError:
            return None
        return None if stored.state.is_finished() else stored

    def _trial_by_number(self, number: int) -> FrozenTrial:
        for t in self.trials:
            if t.number == number:
                return t
        raise KeyError(number)

    @property
    def user_attrs(self) -> Dict[str, Any]:
        return self._core.user_attrs()

    def set_user_attr(self, key: str, value: Any) -> None:
        self._core.set_user_attr(key, value)

    def trials_dataframe(
        self,
        attrs: Tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> "Any":
        """The trials as a pandas DataFrame, one row per trial, with Optuna's columns: ``params_<name>``,
        ``user_attrs_<key>``, ``values_<i>`` for several objectives; with ``multi_index=True`` the
        columns are a MultiIndex of pairs such as ``("params", "x")`` and ``("number", "")``."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Study.trials_dataframe() needs pandas; install it with `pip install pandas`") from e
        multi = self._is_multi_objective
        trials = self.trials
        # Columns are (attribute, key) pairs: ("number", ""), ("params", "x"), ("values", 0), ... in the
        # order of `attrs`, keys sorted; without multi_index they are joined as "params_x", "values_0".
        columns: Dict[str, set] = {}
        rows = []
        for t in trials:
            row: Dict[Tuple[str, Any], Any] = {}
            for attr in attrs:
                if attr in ("value", "values"):
                    if multi:
                        for i, v in enumerate(t.values or [None] * len(self.directions)):
                            row[("values", i)] = v
                    else:
                        row[("value", "")] = t.values[0] if t.values else None
                elif attr == "state":
                    row[("state", "")] = t.state.name
                else:
                    v = getattr(t, attr)
                    if isinstance(v, dict):
                        for key, item in v.items():
                            row[(attr, key)] = item
                    else:
                        row[(attr, "")] = v
            for top, key in row:
                columns.setdefault(top, set()).add(key)
            rows.append(row)
        value_column = "values" if multi else "value"
        position = {(value_column if a in ("value", "values") else a): i for i, a in enumerate(attrs)}
        ordered = [(top, key) for top in sorted(columns, key=position.__getitem__) for key in sorted(columns[top], key=str)]
        if not ordered:
            return pd.DataFrame()
        frame = pd.DataFrame([[row.get(c) for c in ordered] for row in rows], columns=pd.MultiIndex.from_tuples(ordered))
        if not multi_index:
            frame.columns = ["_".join(str(part) for part in col if part != "") for col in ordered]
        return frame

    def __repr__(self) -> str:
        return f"Study(study_name={self.study_name!r}, directions={[d.name for d in self.directions]})"


def _exceptions() -> Any:
    from hyperscout import exceptions

    return exceptions


def _progress_bar(n_trials: Optional[int], timeout: Optional[float]) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        warnings.warn("show_progress_bar=True needs tqdm (pip install tqdm); running without a progress bar")
        return None
    return tqdm(total=n_trials)


def create_study(
    *,
    storage: Optional[Union[str, Storage]] = None,
    sampler: Optional[BaseSampler] = None,
    pruner: Optional[BasePruner] = None,
    study_name: Optional[str] = None,
    direction: Optional[Union[str, StudyDirection]] = None,
    load_if_exists: bool = False,
    directions: Optional[Sequence[Union[str, StudyDirection]]] = None,
) -> Study:
    """Creates a study. ``storage``: None (in memory), a URL such as ``"sqlite:///study.db"``, or a
    Storage object. Without ``study_name`` a unique name is generated. ``direction`` (one objective)
    or ``directions`` (several); the default is one minimized objective."""
    if direction is not None and directions is not None:
        raise ValueError("pass direction or directions, not both")
    if directions is None:
        directions = [direction if direction is not None else "minimize"]
    names = [_direction_name(d) for d in directions]
    if not names:
        raise ValueError("directions must hold at least one direction")
    if study_name is None:
        study_name = f"no-name-{uuid.uuid4()}"
    sampler, core_sampler = _core_sampler(sampler)
    pruner, core_pruner = _core_pruner(pruner)
    core = _core.Study.create(study_name, get_storage(storage), names, core_sampler, core_pruner, load_if_exists)
    return Study(core, sampler, pruner)


def load_study(
    *,
    study_name: Optional[str],
    storage: Union[str, Storage],
    sampler: Optional[BaseSampler] = None,
    pruner: Optional[BasePruner] = None,
) -> Study:
    """Opens an existing study. ``study_name=None`` works when the storage holds exactly one study."""
    storage_obj = get_storage(storage)
    if study_name is None:
        names = _core.all_study_names(storage_obj)
        if len(names) != 1:
            raise ValueError(f"study_name=None needs a storage with exactly one study; this one has {len(names)}")
        study_name = names[0]
    sampler, core_sampler = _core_sampler(sampler)
    pruner, core_pruner = _core_pruner(pruner)
    return Study(_core.Study.load(study_name, storage_obj, core_sampler, core_pruner), sampler, pruner)


def delete_study(*, study_name: str, storage: Union[str, Storage]) -> None:
    """Deletes a study and all its trials."""
    _core.Study.delete(study_name, get_storage(storage))


def get_all_study_names(storage: Union[str, Storage]) -> List[str]:
    """Names of the studies in a storage."""
    return list(_core.all_study_names(get_storage(storage)))
