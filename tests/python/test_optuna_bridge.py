"""The Optuna bridge: hyperscout samplers in Optuna studies, and Optuna studies copied to hyperscout."""

import math

import pytest

optuna = pytest.importorskip("optuna")

import hyperscout  # noqa: E402
from hyperscout.integration.optuna import HyperscoutSampler, copy_study_from_optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)

CHOICES = ["relu", "tanh", None]


def objective(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 8)
    act = trial.suggest_categorical("act", CHOICES)
    return (x - 1) ** 2 + abs(math.log10(lr) + 3) + n + (act == "tanh")


def run(seed, n_trials=30):
    study = optuna.create_study(sampler=HyperscoutSampler(hyperscout.samplers.TPESampler(seed=seed)))
    study.optimize(objective, n_trials=n_trials)
    return study


def test_hyperscout_sampler_stays_in_distributions():
    study = run(seed=3)
    trials = study.trials
    assert len(trials) == 30
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    for t in trials:
        assert -5.0 <= t.params["x"] <= 5.0
        assert 1e-5 <= t.params["lr"] <= 1e-1
        assert isinstance(t.params["n"], int) and 1 <= t.params["n"] <= 8
        assert t.params["act"] in CHOICES
    assert study.best_value < trials[0].value or study.best_trial.number == 0


def test_hyperscout_sampler_same_seed_same_params():
    a = [t.params for t in run(seed=11, n_trials=20).trials]
    b = [t.params for t in run(seed=11, n_trials=20).trials]
    assert a == b
    c = [t.params for t in run(seed=12, n_trials=20).trials]
    assert a != c


def test_hyperscout_sampler_by_registry_name_with_pruning():
    sampler = HyperscoutSampler("random", seed=1)
    study = optuna.create_study(sampler=sampler)

    def pruned_objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.report(x, 0)
        if trial.number % 3 == 1:
            raise optuna.TrialPruned()
        return x

    study.optimize(pruned_objective, n_trials=9)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) == 3
    assert len(sampler._mirror.trials) == 9
    with pytest.raises(TypeError):
        HyperscoutSampler(hyperscout.samplers.RandomSampler(), seed=1)


def test_copy_study_from_optuna_sqlite(tmp_path):
    src = f"sqlite:///{tmp_path / 'optuna.db'}"
    dst = f"sqlite:///{tmp_path / 'hs.db'}"
    study = optuna.create_study(study_name="src", storage=src, direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.set_user_attr("owner", "me")

    def obj(trial):
        x = trial.suggest_float("x", 0.1, 10, log=True)
        k = trial.suggest_int("k", 0, 10, step=2)
        c = trial.suggest_categorical("c", ["a", "b", 3])
        trial.set_user_attr("tag", f"t{trial.number}")
        if trial.number % 4 == 1:
            trial.report(x, 0)
            trial.report(x + 1, 5)
            raise optuna.TrialPruned()
        if trial.number % 4 == 2:
            raise ValueError("boom")
        return x + k

    study.optimize(obj, n_trials=12, catch=(ValueError,))
    copied = copy_study_from_optuna(src, "src", dst)
    assert copied.study_name == "src"

    loaded = hyperscout.load_study(study_name="src", storage=dst)
    assert loaded.direction == hyperscout.StudyDirection.MAXIMIZE
    assert loaded.user_attrs == {"owner": "me"}
    ours, theirs = loaded.trials, study.trials
    assert len(ours) == len(theirs) == 12
    for h, o in zip(ours, theirs):
        assert h.number == o.number
        assert h.state.name == o.state.name
        assert h.params == o.params
        assert set(h.distributions) == set(o.distributions)
        assert h.intermediate_values == o.intermediate_values
        assert h.user_attrs == o.user_attrs
        assert h.system_attrs == o.system_attrs
        assert (h.datetime_start, h.datetime_complete) == (o.datetime_start, o.datetime_complete)
        if o.state == optuna.trial.TrialState.COMPLETE:
            assert h.values == pytest.approx(o.values)
    states = {t.state.name for t in ours}
    assert states == {"COMPLETE", "PRUNED", "FAIL"}
    assert loaded.best_value == pytest.approx(study.best_value)
    assert loaded.best_params == study.best_params


def test_optuna_5_constraints_reach_the_hyperscout_sampler():
    # trial.set_constraint in an Optuna study: the mirror's trials carry the same constraints, so hyperscout's TPE
    # steers by them. Two runs differ only in whether the constraint is reported.
    def run(report):
        def constrained(trial):
            x = trial.suggest_float("x", 0.0, 1.0)
            y = trial.suggest_float("y", 0.0, 1.0)
            if report:
                trial.set_constraint("sum", x + y - 1.0)
            return (x - 0.8) ** 2 + (y - 0.8) ** 2

        sampler = HyperscoutSampler(hyperscout.samplers.TPESampler(seed=3, n_startup_trials=5))
        study = optuna.create_study(sampler=sampler)
        study.optimize(constrained, n_trials=25)
        return study, sampler

    study, sampler = run(True)
    mirrored = sampler._mirror.trials
    assert [t.constraints for t in mirrored] == [dict(t.constraints) for t in study.trials]
    assert all(t.constraints["sum"] == pytest.approx(t.params["x"] + t.params["y"] - 1.0) for t in mirrored)
    blind, _ = run(False)
    assert [t.params for t in study.trials] != [t.params for t in blind.trials]
    feasible = sum(t.constraints["sum"] <= 0 for t in study.trials[5:])
    assert feasible > sum(t.params["x"] + t.params["y"] <= 1 for t in blind.trials[5:])
    # copy_study_from_optuna keeps them too, and hyperscout's best trial is then the best feasible one.
    storage = optuna.storages.InMemoryStorage()
    source = optuna.create_study(storage=storage, study_name="c", sampler=optuna.samplers.RandomSampler(seed=1))
    source.optimize(lambda t: (t.set_constraint("c", 0.5 - t.suggest_float("x", 0, 1)), t.params["x"])[1], n_trials=8)
    copied = copy_study_from_optuna(storage, "c", "memory://")
    assert [t.constraints for t in copied.trials] == [dict(t.constraints) for t in source.trials]
    assert min(t.value for t in source.trials) < 0.5  # the lowest value broke the constraint (x >= 0.5)
    assert copied.best_value == min(t.value for t in source.trials if t.params["x"] >= 0.5)
