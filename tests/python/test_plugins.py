"""Built-in samplers and pruners generated from the registry, and Python subclasses of
BaseSampler / BasePruner driven by the C++ study."""
import gc
import inspect
import subprocess
import sys

import pytest

import hyperscout
from hyperscout import _core
from hyperscout.distributions import FloatDistribution, IntDistribution
from hyperscout.exceptions import InvalidArgumentError
from hyperscout.pruners import BasePruner
from hyperscout.samplers import BaseSampler
from hyperscout.trial import TrialState

SAMPLER_CLASSES = {"auto": "AutoSampler", "random": "RandomSampler", "tpe": "TPESampler", "grid": "GridSampler",
                   "qmc": "QMCSampler", "gp": "GPSampler", "cmaes": "CmaEsSampler"}
PRUNER_CLASSES = {"none": "NopPruner", "median": "MedianPruner", "percentile": "PercentilePruner",
                  "threshold": "ThresholdPruner", "patient": "PatientPruner", "asha": "SuccessiveHalvingPruner"}


@pytest.mark.parametrize("kind, specs, classes", [
    ("samplers", _core.sampler_specs(), SAMPLER_CLASSES),
    ("pruners", _core.pruner_specs(), PRUNER_CLASSES),
])
def test_classes_follow_the_registry_declarations(kind, specs, classes):
    module = getattr(hyperscout, kind)
    assert {s["name"] for s in specs} >= set(classes)
    by_name = {s["name"]: s for s in specs}
    for name, class_name in classes.items():
        spec = by_name[name]
        cls = getattr(module, class_name)
        assert cls.registry_name == name
        params = inspect.signature(cls).parameters
        for option in spec["options"]:
            assert option["name"] in params
            if option["default"] is not None:
                assert params[option["name"]].default == option["default"]
            assert option["help"] in cls.__doc__
        assert ("seed" in params) == (kind == "samplers")


def test_tpe_options_are_checked():
    sampler = hyperscout.samplers.TPESampler(seed=1, n_startup_trials=3, multivariate=False)
    assert "n_startup_trials=3" in repr(sampler)
    with pytest.raises(TypeError):
        hyperscout.samplers.TPESampler(n_startup=3)
    with pytest.raises(InvalidArgumentError, match="n_startup_trials"):
        hyperscout.samplers.TPESampler(n_startup_trials="three")
    with pytest.raises(ValueError):
        hyperscout.samplers.RandomSampler(seed=-1)


def test_tpe_finds_a_good_region():
    study = hyperscout.create_study(sampler=hyperscout.samplers.TPESampler(seed=0, n_startup_trials=5))
    study.optimize(lambda t: (t.suggest_float("x", -10, 10) - 3) ** 2, n_trials=40)
    assert study.best_value < 1.0


def test_grid_sampler_visits_every_point_then_stops():
    grid = {"x": [1, 2, 3], "c": ["a", "b"]}
    study = hyperscout.create_study(sampler=hyperscout.samplers.GridSampler(grid))
    study.optimize(lambda t: t.suggest_int("x", 1, 3) + (t.suggest_categorical("c", ["a", "b"]) == "b"), n_trials=50)
    points = sorted((t.params["x"], t.params["c"]) for t in study.trials)
    assert points == sorted((x, c) for x in grid["x"] for c in grid["c"])
    with pytest.raises(TypeError):
        hyperscout.samplers.GridSampler()


def test_qmc_sampler_is_reproducible():
    def run():
        study = hyperscout.create_study(sampler=hyperscout.samplers.QMCSampler(seed=4))
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=8)
        return [t.params for t in study.trials]

    assert run() == run()


def test_median_pruner_prunes_a_bad_trial():
    pruner = hyperscout.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)

    def objective(trial):
        bad = trial.number >= 3
        for step in range(5):
            trial.report(100.0 if bad else float(step), step)
            if trial.should_prune():
                raise hyperscout.TrialPruned()
        return 1.0

    study = hyperscout.create_study(pruner=pruner, sampler=hyperscout.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3 + [TrialState.PRUNED] * 2


def test_other_pruners_construct():
    hyperscout.pruners.PercentilePruner(25.0, n_startup_trials=1)
    hyperscout.pruners.ThresholdPruner(upper=1.0)
    hyperscout.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    hyperscout.pruners.PatientPruner(hyperscout.pruners.MedianPruner(), patience=2)
    hyperscout.pruners.PatientPruner(None, patience=2)
    with pytest.raises(InvalidArgumentError):
        hyperscout.pruners.PercentilePruner(percentile=150.0)


def test_threshold_pruner_in_a_study():
    def objective(trial):
        trial.report(float(trial.number), 0)
        if trial.should_prune():
            raise hyperscout.TrialPruned()
        return 0.0

    study = hyperscout.create_study(pruner=hyperscout.pruners.ThresholdPruner(upper=1.5))
    study.optimize(objective, n_trials=4)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.PRUNED] * 2


class SequenceSampler(BaseSampler):
    """Returns the midpoint for floats and low for ints; records the hook calls."""

    def __init__(self):
        self.calls = []

    def infer_relative_search_space(self, study, trial):
        self.calls.append(("infer", trial.number))
        return {"joint": FloatDistribution(0.0, 1.0)}

    def sample_relative(self, study, trial, search_space):
        assert isinstance(study, hyperscout.Study)
        return {"joint": 0.25 + 0.0 * len(search_space)}

    def sample_independent(self, study, trial, param_name, param_distribution):
        assert trial.state == TrialState.RUNNING
        if isinstance(param_distribution, IntDistribution):
            return param_distribution.low
        if isinstance(param_distribution, FloatDistribution):
            return (param_distribution.low + param_distribution.high) / 2
        return param_distribution.choices[-1]

    def before_trial(self, study, trial):
        self.calls.append(("before", trial.number))

    def after_trial(self, study, trial, state, values):
        self.calls.append(("after", trial.number, state, values))


def test_python_sampler_drives_a_study():
    sampler = SequenceSampler()
    study = hyperscout.create_study(sampler=sampler)
    assert study.sampler is sampler

    def objective(trial):
        return (trial.suggest_float("joint", 0, 1) + trial.suggest_float("x", 2, 4) + trial.suggest_int("n", 5, 9)
                + len(trial.suggest_categorical("c", ["a", "bb"])))

    study.optimize(objective, n_trials=3, n_jobs=1)
    for t in study.trials:
        assert t.params == {"joint": 0.25, "x": 3.0, "n": 5, "c": "bb"}
        assert t.value == pytest.approx(0.25 + 3 + 5 + 2)
    assert sampler.calls[:3] == [("before", 0), ("infer", 0), ("after", 0, TrialState.COMPLETE, [10.25])]
    assert sum(c[0] == "after" for c in sampler.calls) == 3


def test_python_sampler_with_threads():
    study = hyperscout.create_study(sampler=SequenceSampler())
    study.optimize(lambda t: t.suggest_float("x", 0, 2), n_trials=12, n_jobs=3)
    assert sorted(t.number for t in study.trials) == list(range(12))
    assert {t.value for t in study.trials} == {1.0}


def test_python_sampler_errors_reach_the_caller():
    class Broken(BaseSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            return 42.0  # outside the range

    study = hyperscout.create_study(sampler=Broken())
    with pytest.raises(InvalidArgumentError):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_a_sampler_error_before_the_objective_fails_the_asked_trial():
    class BrokenRelative(BaseSampler):
        def infer_relative_search_space(self, study, trial):
            return {"x": FloatDistribution(0, 1)}

        def sample_relative(self, study, trial, search_space):
            raise ValueError("sample_relative broke")

        def sample_independent(self, study, trial, param_name, param_distribution):
            return 0.5

    study = hyperscout.create_study(sampler=BrokenRelative())
    with pytest.raises(ValueError, match="sample_relative broke"):
        study.ask()
    ran = []
    with pytest.raises(ValueError, match="sample_relative broke"):
        study.optimize(lambda t: ran.append(t.number) or 0.0, n_trials=2)
    assert ran == []
    # Neither ask leaves its trial RUNNING with nobody to finish it: both are FAIL, with the error as the reason.
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.FAIL]
    assert all("sample_relative broke" in t.system_attrs["fail_reason"] for t in study.trials)


def test_an_after_trial_error_reaches_the_caller_and_the_trial_keeps_its_state():
    class BrokenAfter(BaseSampler):
        def sample_independent(self, study, trial, param_name, param_distribution):
            return 0.5

        def after_trial(self, study, trial, state, values):
            raise RuntimeError("after_trial broke")

    study = hyperscout.create_study(sampler=BrokenAfter())
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(RuntimeError, match="after_trial broke"):
        study.tell(trial, 0.25)
    with pytest.raises(RuntimeError, match="after_trial broke"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    # Neither trial is left RUNNING: the state is stored before the sampler's error propagates (as in Optuna).
    assert [(t.state, t.value) for t in study.trials] == [(TrialState.COMPLETE, 0.25), (TrialState.COMPLETE, 0.5)]


def test_a_study_in_a_scripts_globals_with_its_own_sampler_class_is_freed_at_exit(tmp_path):
    # The sampler's class (and so its methods' globals) lives in __main__ next to the study: the adapters hold the
    # sampler and pruner weakly, so no cycle through C++ keeps the study alive and nanobind reports no leak at exit.
    script = tmp_path / "script.py"
    script.write_text(
        "import hyperscout\n"
        "from hyperscout.samplers import BaseSampler\n"
        "from hyperscout.pruners import BasePruner\n"
        "class Mid(BaseSampler):\n"
        "    def sample_independent(self, study, trial, name, distribution):\n"
        "        return (distribution.low + distribution.high) / 2\n"
        "class Never(BasePruner):\n"
        "    def prune(self, study, trial):\n"
        "        return False\n"
        "study = hyperscout.create_study(sampler=Mid(), pruner=Never())\n"
        "study.optimize(lambda t: t.suggest_float('x', 0, 2), n_trials=3)\n"
        "kept = study.ask()\n"
        "print(study.best_value)\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1.0"
    assert "leaked" not in proc.stderr, proc.stderr


def test_a_kept_trial_keeps_its_study_and_sampler_alive():
    study = hyperscout.create_study(sampler=SequenceSampler())
    trial = study.ask()
    del study
    gc.collect()
    assert trial.suggest_float("x", 2, 4) == 3.0  # the sampler still answers
    adapter = _core.PythonSampler(SequenceSampler())  # nothing else holds this sampler
    gc.collect()
    with pytest.raises(InvalidArgumentError, match="the Python sampler of this study no longer exists"):
        adapter.name


class LastValuePruner(BasePruner):
    def __init__(self, limit):
        self.limit = limit
        self.seen = []

    def prune(self, study, trial):
        assert isinstance(study, hyperscout.Study)
        self.seen.append((trial.number, trial.last_step))
        return trial.intermediate_values[trial.last_step] > self.limit


def test_python_pruner_prunes():
    pruner = LastValuePruner(limit=3.5)

    def objective(trial):
        for step in range(4):
            trial.report(float(trial.number + step), step)
            if trial.should_prune():
                raise hyperscout.TrialPruned()
        return 0.0

    study = hyperscout.create_study(pruner=pruner)
    study.optimize(objective, n_trials=4)
    # Trial n reports n, n+1, ...: it is pruned at the first step whose value exceeds 3.5.
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] + [TrialState.PRUNED] * 3
    assert [t.last_step for t in study.trials[1:]] == [3, 2, 1]
    assert (3, 1) in pruner.seen


def test_wrong_sampler_type_is_a_type_error():
    with pytest.raises(TypeError, match="sampler"):
        hyperscout.create_study(sampler=object())
    with pytest.raises(TypeError, match="pruner"):
        hyperscout.create_study(pruner="median")


def test_auto_sampler_is_the_default_and_records_its_choice():
    study = hyperscout.create_study(sampler=hyperscout.samplers.AutoSampler(seed=3, gp_max_trials=6))
    study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 1) ** 2 + (t.suggest_float("y", -2, 2) + 1) ** 2,
                   n_trials=10)
    chosen = [t.system_attrs["auto:sampler"] for t in study.trials]
    assert chosen == ["gp"] * 6 + ["cmaes"] * 4
    assert study.best_value < 1.0
    with pytest.raises(InvalidArgumentError):
        hyperscout.samplers.AutoSampler(gp_max_trials=-1)


def test_auto_sampler_gp_kernel_option():
    # gp_kernel reaches auto's GP: both kernels share the Sobol start-up, then suggest differently on a kinked loss.
    def objective(trial):
        return abs(trial.suggest_float("x", -2.0, 2.0) - 0.4) + 0.02 * abs(trial.suggest_int("n", 1, 50) - 20)

    runs = {}
    for kernel in ("matern52", "matern32", "auto"):
        study = hyperscout.create_study(sampler=hyperscout.samplers.AutoSampler(seed=4, gp_kernel=kernel))
        study.optimize(objective, n_trials=20)
        assert {t.system_attrs["auto:sampler"] for t in study.trials} == {"gp"}
        runs[kernel] = [t.params for t in study.trials]
    assert runs["matern52"][:10] == runs["matern32"][:10] == runs["auto"][:10]
    assert runs["matern52"][10:] != runs["matern32"][10:]
    for bad in ("matern12", "rbf", 32):
        with pytest.raises(InvalidArgumentError, match="gp_kernel"):
            hyperscout.samplers.AutoSampler(gp_kernel=bad)
