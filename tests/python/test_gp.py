"""GPSampler through the Python package: options, constraints via trial.set_constraints or constraints_func,
reproducibility."""
import inspect
import math

import pytest

import hyperscout
from hyperscout.exceptions import InvalidArgumentError
from hyperscout.samplers import GPSampler


def constrained(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    trial.set_constraints([x + y - 1.0])
    return (x - 0.8) ** 2 + (y - 0.8) ** 2


def test_gp_sampler_with_constraints_finds_a_good_feasible_point():
    study = hyperscout.create_study(sampler=GPSampler(seed=1, n_startup_trials=8))
    study.optimize(constrained, n_trials=25)
    trials = study.get_trials(states=[hyperscout.trial.TrialState.COMPLETE])
    assert len(trials) == 25
    assert all(len(t.system_attrs["constraints"]) == 1 for t in trials)
    feasible = [t.value for t in trials if t.system_attrs["constraints"][0] <= 0.0]
    assert feasible, "no feasible trial in 25"
    # The constrained optimum is 0.18 at (0.5, 0.5); random search averages ~0.25 with this budget.
    assert min(feasible) < 0.2
    # The study's best is the best feasible trial, not the lowest value (the unconstrained optimum is 0 at (0.8, 0.8)).
    assert study.best_value == min(feasible)
    assert study.best_trial.system_attrs["constraints"][0] <= 0.0
    assert study.best_params == study.best_trial.params


def test_best_trial_counts_only_feasible_trials():
    study = hyperscout.create_study()
    for value, constraints in ((0.1, [0.3]), (0.5, None), (0.2, [-1.0, 0.0]), (0.05, [-1.0, 2.0])):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        if constraints is not None:
            trial.set_constraints(constraints)
        study.tell(trial, value)
    # 0.05 and 0.1 broke a constraint; a trial that reported none counts as feasible, as in Optuna.
    assert study.best_value == 0.2
    assert [t.value for t in study.best_trials] == [0.2]

    infeasible = hyperscout.create_study()
    trial = infeasible.ask()
    trial.set_constraints([1.0])
    infeasible.tell(trial, 0.0)
    with pytest.raises(InvalidArgumentError, match="no feasible COMPLETE trial yet: all 1 broke a constraint"):
        infeasible.best_trial
    assert infeasible.best_trials == []


def test_gp_sampler_same_seed_same_trials_and_bad_input():
    def objective(trial):
        x = trial.suggest_float("x", -3.0, 3.0)
        n = trial.suggest_int("n", 1, 6)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return (x - 1.0) ** 2 + n + (0.0 if c == "b" else 1.0)

    runs = []
    for _ in range(2):
        study = hyperscout.create_study(sampler=GPSampler(seed=3, n_startup_trials=5, deterministic_objective=True))
        study.optimize(objective, n_trials=12)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]

    with pytest.raises(InvalidArgumentError):
        GPSampler(n_candidates=0)
    study = hyperscout.create_study(sampler=GPSampler(seed=0))
    trial = study.ask()
    with pytest.raises(InvalidArgumentError, match="finite"):
        trial.set_constraints([math.nan])


def test_gp_sampler_and_the_default_do_not_repeat_configurations_of_a_small_discrete_space():
    # 10 x 4 integers: 40 configurations, 40 trials. Both the GP and the default (auto, a GP on this space) must
    # try each configuration once; trials with failures count as taken too.
    def objective(trial):
        k = trial.suggest_int("k", 1, 10)
        p = trial.suggest_int("p", 1, 4)
        if (k, p) == (4, 2):
            raise RuntimeError("this configuration crashes")
        return (k - 3.7) ** 2 + (p - 2.2) ** 2

    for sampler in (GPSampler(seed=5), None):
        study = hyperscout.create_study(sampler=sampler)
        study.optimize(objective, n_trials=40, catch=(RuntimeError,))
        configurations = [(t.params["k"], t.params["p"]) for t in study.trials]
        assert len(configurations) == 40
        assert len(set(configurations)) == 40, sorted(configurations)


def test_gp_sampler_boundary_probe_option():
    # The best trial soon has lr on its lower bound; with boundary_probe=4 and 5 start-up trials, trials 8, 12, 16
    # and 20 redraw one bound parameter of the best trial before them and keep its other values.
    def objective(trial):
        x = trial.suggest_float("x", -1.0, 1.0)
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        return (x - 0.2) ** 2 + 0.1 * math.log10(lr)

    study = hyperscout.create_study(sampler=GPSampler(seed=2, n_startup_trials=5, boundary_probe=4))
    study.optimize(objective, n_trials=21)
    trials = study.trials
    probes = 0
    for number in (8, 12, 16, 20):
        best = min(trials[:number], key=lambda t: t.value)
        on_bound = {name for name, v in best.params.items() if any(math.isclose(v, b) for b in (-1.0, 1.0, 1e-4))}
        if not on_bound:
            continue
        probes += 1
        changed = {name for name, v in best.params.items() if trials[number].params[name] != v}
        assert len(changed) == 1 and changed <= on_bound, (number, best.params, trials[number].params)
    assert probes >= 2

    with pytest.raises(InvalidArgumentError, match="boundary_probe"):
        GPSampler(boundary_probe=-1)


def test_gp_sampler_stall_share_option():
    # Trial 0's value is never beaten. With stall_share=1.0, once it has stood for 20 trials (trial 21 on) every
    # trial is the Sobol point QMCSampler gives that trial number; the default GP's trials there are not.
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", -1.0, 1.0)
        return 0.0 if trial.number == 0 else 1.0 + (x - 0.5) ** 2 + y ** 2

    def params(sampler):
        study = hyperscout.create_study(sampler=sampler)
        study.optimize(objective, n_trials=26)
        return [t.params for t in study.trials]

    sobol = params(hyperscout.samplers.QMCSampler(seed=5))
    share = params(GPSampler(seed=5, stall_share=1.0))
    plain = params(GPSampler(seed=5))
    assert share[:21] == plain[:21]
    assert share[21:] == sobol[21:]
    assert all(p != s for p, s in zip(plain[21:], sobol[21:]))
    for bad in (-0.5, 1.5):
        with pytest.raises(InvalidArgumentError, match="stall_share"):
            GPSampler(stall_share=bad)
    with pytest.raises(InvalidArgumentError, match="gp_stall_share"):
        hyperscout.samplers.AutoSampler(gp_stall_share=2.0)


def test_gp_sampler_input_warping_option():
    # A 2-D objective that changes fast near the low end of `n` (its best value at n = 14) and slowly above: the
    # warped GP keeps every suggestion in range and improves on its Sobol start-up.
    def objective(trial):
        n = trial.suggest_int("n", 10, 100)
        lr = trial.suggest_float("lr", 1e-4, 10.0, log=True)
        return abs(math.log(n / 14.0)) + 0.1 * (math.log10(lr) + 1.0) ** 2

    sampler = GPSampler(seed=4, input_warping="on")
    study = hyperscout.create_study(sampler=sampler)
    study.optimize(objective, n_trials=30)
    values = [t.value for t in study.trials]
    assert all(10 <= t.params["n"] <= 100 and 1e-4 <= t.params["lr"] <= 10.0 for t in study.trials)
    assert min(values[10:]) < min(values[:10])

    for bad in ("yes", True):
        with pytest.raises(InvalidArgumentError, match="input_warping"):
            GPSampler(input_warping=bad)


def test_gp_sampler_kernel_option():
    # Matérn-3/2 on a kinked objective: every suggestion in range, and better than the Sobol start-up.
    def objective(trial):
        x = trial.suggest_float("x", -2.0, 2.0)
        n = trial.suggest_int("n", 1, 50)
        return abs(x - 0.4) + 0.02 * abs(n - 20)

    study = hyperscout.create_study(sampler=GPSampler(seed=2, kernel="matern32"))
    study.optimize(objective, n_trials=30)
    values = [t.value for t in study.trials]
    assert all(-2.0 <= t.params["x"] <= 2.0 and 1 <= t.params["n"] <= 50 for t in study.trials)
    assert min(values[10:]) < min(values[:10])

    for bad in ("matern12", "rbf", 32):
        with pytest.raises(InvalidArgumentError, match="kernel"):
            GPSampler(kernel=bad)


def test_gp_sampler_kernel_auto_follows_the_data():
    # kernel="auto" fits each smoothness from the starts the fixed choice would use: on a smooth objective it keeps
    # Matérn-5/2 and suggests what kernel="matern52" does, trial for trial; on a kinked one the two part after the
    # start-up, once the data favour Matérn-3/2.
    def run(kernel, kinked):
        def objective(trial):
            x = trial.suggest_float("x", 0.0, 1.0)
            y = trial.suggest_float("y", 0.0, 1.0)
            return abs(x - 0.4) + abs(y - 0.6) if kinked else math.sin(3.0 * x) + 0.5 * y

        study = hyperscout.create_study(sampler=GPSampler(seed=7, kernel=kernel))
        study.optimize(objective, n_trials=30)
        return [t.params for t in study.trials]

    assert run("auto", False) == run("matern52", False)
    automatic, smooth = run("auto", True), run("matern52", True)
    assert automatic[:10] == smooth[:10]
    assert automatic[10:] != smooth[10:]


def test_constraints_func_stores_what_set_constraints_would():
    # Optuna's way: the sampler's constraints_func reads the finished trial. Same seed, same trials as the objective
    # calling set_constraints itself.
    def plain(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        trial.set_user_attr("sum", x + y)
        return (x - 0.8) ** 2 + (y - 0.8) ** 2

    by_func = hyperscout.create_study(
        sampler=GPSampler(seed=2, n_startup_trials=5, constraints_func=lambda t: [t.user_attrs["sum"] - 1.0])
    )
    by_func.optimize(plain, n_trials=15)
    by_objective = hyperscout.create_study(sampler=GPSampler(seed=2, n_startup_trials=5))
    by_objective.optimize(constrained, n_trials=15)
    assert [t.params for t in by_func.trials] == [t.params for t in by_objective.trials]
    assert [t.system_attrs["constraints"] for t in by_func.trials] == [
        t.system_attrs["constraints"] for t in by_objective.trials
    ]
    assert by_func.best_trial.number == by_objective.best_trial.number


def test_constraints_func_in_tell_for_complete_and_pruned_trials_only():
    seen = []

    def constraints(frozen):
        seen.append((frozen.number, frozen.state))
        return [frozen.params["x"] - 0.5]

    study = hyperscout.create_study(sampler=hyperscout.samplers.AutoSampler(seed=1, constraints_func=constraints))
    states = [hyperscout.trial.TrialState.COMPLETE, hyperscout.trial.TrialState.PRUNED,
              hyperscout.trial.TrialState.FAIL]  # fmt: skip
    for i, state in enumerate(states):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        if i == 0:
            study.tell(trial.number, 0.3)  # by number: the stored trial is read
        else:
            study.tell(trial, state=state)
    stored = study.trials
    assert [n for n, _ in seen] == [0, 1]  # FAIL is never ranked: not asked
    # Telling a finished or unknown trial gives tell's own errors (or nothing, with skip_if_finished), unasked.
    with pytest.raises(hyperscout.exceptions.UpdateFinishedTrialError):
        study.tell(0, 0.1)
    # (this Trial from ask() still holds its RUNNING snapshot, so constraints_func runs once more, unstored)
    assert study.tell(trial, 0.1, skip_if_finished=True).number == trial.number
    with pytest.raises(hyperscout.exceptions.HyperscoutError):
        study.tell(99, 0.1)
    kept = []
    study.optimize(lambda t: kept.append(t) or t.suggest_float("x", 0.0, 1.0), n_trials=1)
    with pytest.raises(hyperscout.exceptions.UpdateFinishedTrialError):
        study.tell(kept[0], 0.1)  # a Trial kept past optimize: its stored state is read
    assert [n for n, _ in seen] == [0, 1, 2, 3]
    assert "constraints" not in study.trials[2].system_attrs
    assert all(state == hyperscout.trial.TrialState.RUNNING for _, state in seen)  # read before the state is stored
    assert [t.system_attrs.get("constraints") for t in stored] == [
        [pytest.approx(stored[0].params["x"] - 0.5)],
        [pytest.approx(stored[1].params["x"] - 0.5)],
        None,
    ]


def test_constraints_func_that_raises():
    def broken(frozen):
        raise RuntimeError("no memory figure")

    study = hyperscout.create_study(sampler=GPSampler(seed=1, constraints_func=broken))
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    with pytest.raises(RuntimeError, match="no memory figure"):
        study.tell(trial, 0.5)
    assert study.trials[0].state == hyperscout.trial.TrialState.RUNNING  # nothing stored: tell again once fixed
    # In optimize it fails the trial, as an exception in the objective would, and propagates.
    with pytest.raises(RuntimeError, match="no memory figure"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
    assert study.trials[1].state == hyperscout.trial.TrialState.FAIL
    # Returned values are checked as set_constraints checks them.
    bad = hyperscout.create_study(sampler=GPSampler(seed=1, constraints_func=lambda t: [math.nan]))
    bad.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2, catch=(InvalidArgumentError,))
    assert [t.state for t in bad.trials] == [hyperscout.trial.TrialState.FAIL] * 2


def test_constraints_func_is_for_samplers_that_model_constraints():
    with pytest.raises(TypeError, match="CmaEsSampler takes no constraints_func: it does not model constraints; use "
                                        "GPSampler, TPESampler or AutoSampler"):  # fmt: skip
        hyperscout.samplers.CmaEsSampler(constraints_func=lambda t: [0.0])
    tpe = hyperscout.create_study(
        sampler=hyperscout.samplers.TPESampler(seed=1, constraints_func=lambda t: [t.params["x"] - 0.5])
    )
    tpe.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=5)
    assert [t.system_attrs["constraints"] for t in tpe.trials] == [[t.params["x"] - 0.5] for t in tpe.trials]
    with pytest.raises(TypeError, match="constraints_func must be callable"):
        GPSampler(constraints_func=[0.0])
    assert "constraints_func" in str(inspect.signature(GPSampler))
    assert "constraints_func" in GPSampler.__doc__


def test_set_constraint_by_name_as_in_optuna_5():
    study = hyperscout.create_study(sampler=hyperscout.samplers.TPESampler(seed=1))
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.set_constraint("memory", 0.5)
    trial.set_constraint("latency", -1)
    with pytest.warns(UserWarning, match="constraint 'memory' is already set; its first value is kept"):
        trial.set_constraint("memory", -3.0)
    with pytest.raises(TypeError, match="must be a number"):
        trial.set_constraint("time", "fast")
    with pytest.raises(InvalidArgumentError, match="constraint 'time' is nan"):
        trial.set_constraint("time", math.nan)
    study.tell(trial, 0.1)
    listed = study.ask()
    listed.suggest_float("x", 0.0, 1.0)
    listed.set_constraints([-1.0, 0.0])
    study.tell(listed, 0.4)
    first, second = study.trials
    assert first.constraints == {"latency": -1.0, "memory": 0.5}
    assert first.system_attrs["constraints:memory"] == 0.5
    assert second.constraints == {"0": -1.0, "1": 0.0}
    assert study.best_value == 0.4  # 0.1 broke "memory"
    plain = hyperscout.create_study()
    plain.tell(plain.ask(), 1.0)
    assert plain.trials[0].constraints == {}
    # Optuna 5's create_trial(constraints=...): an imported trial counts as its constraints say.
    imported = hyperscout.create_trial(value=0.0, params={"x": 0.5},
                                       distributions={"x": hyperscout.distributions.FloatDistribution(0.0, 1.0)},
                                       constraints={"memory": 3.0})  # fmt: skip
    assert imported.constraints == {"memory": 3.0}
    plain.add_trial(imported)
    assert plain.best_value == 1.0  # the 0.0 trial broke its constraint
    with pytest.raises(ValueError, match="constraint 'memory' is inf"):
        hyperscout.create_trial(value=0.0, constraints={"memory": math.inf})


def test_named_constraints_steer_the_gp_as_listed_ones_do():
    def objective(form):
        def run(trial):
            x = trial.suggest_float("x", 0.0, 1.0)
            y = trial.suggest_float("y", 0.0, 1.0)
            if form == "named":
                trial.set_constraint("sum", x + y - 1.0)
            else:
                trial.set_constraints([x + y - 1.0])
            return (x - 0.8) ** 2 + (y - 0.8) ** 2

        return run

    params = []
    for form in ("named", "listed"):
        study = hyperscout.create_study(sampler=GPSampler(seed=5, n_startup_trials=5))
        study.optimize(objective(form), n_trials=12)
        params.append([t.params for t in study.trials])
        assert all(t.constraints and list(t.constraints.values()) == [t.params["x"] + t.params["y"] - 1.0]
                   for t in study.trials)  # fmt: skip
    assert params[0] == params[1]
