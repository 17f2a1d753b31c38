"""The CMA-ES sampler through the Python package."""
import pytest

import hyperscout


def quadratic(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    z = trial.suggest_float("z", -5.0, 5.0)
    return (x - 1.0) ** 2 + 2.0 * (y + 2.0) ** 2 + 0.5 * (z - 0.5) ** 2


def test_cmaes_finds_the_minimum_of_a_3d_quadratic():
    study = hyperscout.create_study(sampler=hyperscout.samplers.CmaEsSampler(seed=3))
    study.optimize(quadratic, n_trials=150)
    # Random search gets about 1.5 here; CMA-ES (like Optuna's CmaEsSampler) lands within 1e-3..1e-2 of 0.
    assert study.best_value < 0.02
    best = study.best_params
    assert abs(best["x"] - 1.0) < 0.15 and abs(best["y"] + 2.0) < 0.1 and abs(best["z"] - 0.5) < 0.2
    # Every trial after the first belongs to a CMA-ES generation.
    assert all("cmaes:slot" in t.system_attrs for t in study.trials[1:])


@pytest.mark.parametrize("consider", [True, False])
def test_consider_pruned_trials_decides_whether_a_pruned_candidate_is_drawn_again(consider):
    def objective(trial):
        value = quadratic(trial)
        trial.report(value, 0)
        if trial.number % 3 == 2:
            raise hyperscout.TrialPruned()
        return value

    study = hyperscout.create_study(sampler=hyperscout.samplers.CmaEsSampler(seed=2, consider_pruned_trials=consider))
    study.optimize(objective, n_trials=60)
    redrawn = [t for t in study.trials[1:] if t.system_attrs["cmaes:slot"]["attempt"] > 0]
    assert (len(redrawn) == 0) == consider


def _generation0_mean(source_trials):
    """The mean (x, y) of CMA-ES's first generation on the quadratic, warm-started from `source_trials`."""
    sampler = hyperscout.samplers.CmaEsSampler(seed=4, source_trials=source_trials)
    study = hyperscout.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=8)  # the start-up trial and generation 0 (popsize 7)
    first = [t for t in study.trials[1:] if t.system_attrs["cmaes:slot"]["generation"] == 0]
    return sum(t.params["x"] for t in first) / len(first), sum(t.params["y"] for t in first) / len(first)


def test_source_trials_warm_start_the_first_run_from_another_storage():
    source = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=1))
    source.optimize(quadratic, n_trials=300)  # optimum at x = 1, y = -2
    # The cold start centres generation 0 on the middle of the box (0, 0), the warm one near the source's best.
    wx, wy = _generation0_mean(source.trials)
    assert abs(wx - 1.0) < 1.0 and abs(wy + 2.0) < 1.0, (wx, wy)
    cx, cy = _generation0_mean(None)
    assert abs(cx - 1.0) + abs(cy + 2.0) > abs(wx - 1.0) + abs(wy + 2.0)
    assert "source_trials='<300 trials>'" in repr(hyperscout.samplers.CmaEsSampler(source_trials=source.trials))
    with pytest.raises(ValueError, match="not both"):
        hyperscout.samplers.CmaEsSampler(source_trials=source.trials, warm_start_study="other")
    with pytest.raises(ValueError, match="source_trials is empty"):
        hyperscout.samplers.CmaEsSampler(source_trials=[])
    with pytest.raises(TypeError, match="source_trials must hold FrozenTrials"):
        hyperscout.samplers.CmaEsSampler(source_trials=[{"x": 1.0}])


def test_source_trials_over_other_parameters_fail_the_first_cmaes_ask_with_the_reason():
    source = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=1))
    source.optimize(lambda t: t.suggest_float("a", 0.0, 1.0), n_trials=20)
    study = hyperscout.create_study(sampler=hyperscout.samplers.CmaEsSampler(seed=4, source_trials=source.trials))
    with pytest.raises(hyperscout.exceptions.InvalidArgumentError, match="no warm-start source trial fits"):
        study.optimize(quadratic, n_trials=5)
    # The start-up trial ran; the first CMA-ES ask failed its trial, with the reason, before any objective ran.
    assert [t.state.name for t in study.trials] == ["COMPLETE", "FAIL"]
    assert "(x, y, z)" in study.trials[1].system_attrs["fail_reason"]


def test_source_trials_may_be_optuna_trials():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    source = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    source.optimize(quadratic, n_trials=300)
    wx, wy = _generation0_mean(source.trials)
    assert abs(wx - 1.0) < 1.0 and abs(wy + 2.0) < 1.0, (wx, wy)


def test_cmaes_options_reach_the_sampler():
    sampler = hyperscout.samplers.CmaEsSampler(seed=1, popsize=6, restart_strategy="bipop", x0={"x": 2.0})
    study = hyperscout.create_study(sampler=sampler)
    study.optimize(quadratic, n_trials=13)
    slots = [t.system_attrs["cmaes:slot"] for t in study.trials[1:]]
    assert sorted(s["index"] for s in slots if s["generation"] == 0) == list(range(6))
    assert {s["generation"] for s in slots} == {0, 1}


def test_lr_adapt_reaches_the_sampler():
    def params(lr_adapt):
        study = hyperscout.create_study(sampler=hyperscout.samplers.CmaEsSampler(seed=2, lr_adapt=lr_adapt))
        study.optimize(quadratic, n_trials=1 + 3 * 7)  # the startup trial and three generations of 7
        return [t.params for t in study.trials]

    plain, adapted = params(False), params(True)
    # The first generation is drawn before any update, so it is the same; the damped updates move the later ones.
    assert adapted[:8] == plain[:8]
    assert adapted[8:] != plain[8:]
    with pytest.raises(hyperscout.exceptions.InvalidArgumentError, match="use_separable_cma"):
        hyperscout.samplers.CmaEsSampler(lr_adapt=True, use_separable_cma=True)
