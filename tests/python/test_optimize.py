"""Study.optimize: exceptions and `catch`, pruning, Ctrl-C, callbacks, n_jobs, timeout."""
import os
import signal
import threading
import time

import pytest

import hyperscout
from hyperscout.trial import TrialState


def make_study(**kwargs):
    return hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=11), **kwargs)


def failing_at(number, exc):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == number:
            raise exc
        return x

    return objective


def test_uncaught_exception_fails_trial_and_is_reraised():
    study = make_study()
    with pytest.raises(ValueError, match="boom"):
        study.optimize(failing_at(2, ValueError("boom")), n_trials=10)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]
    assert "boom" in study.trials[2].system_attrs["fail_reason"]
    # The study is still usable afterwards.
    study.optimize(failing_at(-1, None), n_trials=2)
    assert len(study.trials) == 5


@pytest.mark.parametrize("catch", [(ValueError,), ValueError, (Exception,), (KeyError, ValueError)])
def test_caught_exception_fails_trial_and_continues(catch):
    study = make_study()
    study.optimize(failing_at(2, ValueError("boom")), n_trials=5, catch=catch)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL] + [TrialState.COMPLETE] * 2
    assert "ValueError" in study.trials[2].system_attrs["fail_reason"]


def test_catch_of_other_type_does_not_catch():
    study = make_study()
    with pytest.raises(ValueError):
        study.optimize(failing_at(1, ValueError("x")), n_trials=5, catch=(KeyError,))
    assert len(study.trials) == 2


def test_trial_pruned_records_pruned_and_continues():
    def objective(trial):
        trial.report(float(trial.number), 0)
        if trial.number % 2:
            raise hyperscout.TrialPruned()
        return 1.0

    study = make_study()
    study.optimize(objective, n_trials=4)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.PRUNED] * 2
    assert study.trials[1].value == 1.0  # a pruned trial keeps its last reported value


def test_bad_return_values_fail_the_trial_and_continue():
    returns = iter([None, "text", [1.0, 2.0], 3.0])
    study = make_study()
    study.optimize(lambda trial: next(returns), n_trials=4)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3 + [TrialState.COMPLETE]
    assert "2 value(s) but the study has 1" in study.trials[2].system_attrs["fail_reason"]


def test_multi_objective_optimize():
    study = hyperscout.create_study(directions=["minimize", "maximize"], sampler=hyperscout.samplers.RandomSampler(seed=1))

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, 2 * x

    study.optimize(objective, n_trials=5)
    assert all(t.values == [t.params["x"], 2 * t.params["x"]] for t in study.trials)


def test_keyboard_interrupt_stops_cleanly_and_keeps_finished_trials():
    study = make_study()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(failing_at(3, KeyboardInterrupt()), n_trials=10)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3 + [TrialState.FAIL]
    study.optimize(failing_at(-1, None), n_trials=1)
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler for the test. A shell that starts a job in the background (`cmd &` without job
    control) makes it ignore SIGINT, and Python then installs no handler; Ctrl-C at a terminal is what these tests
    are about."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_sigint_in_single_job_raises_keyboard_interrupt(python_sigint_handler):
    def objective(trial):
        if trial.number == 2:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)  # the handler raises KeyboardInterrupt here
        return 1.0

    study = make_study()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=50)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]


def test_sigint_with_threads_lets_running_trials_finish(python_sigint_handler):
    sent = threading.Event()

    def objective(trial):
        if trial.number == 3 and not sent.is_set():
            sent.set()
            os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.02)
        return 1.0

    study = make_study()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=10_000, n_jobs=3)
    trials = study.trials
    assert len(trials) < 10_000
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_n_jobs_gives_gapless_numbering_on_several_threads():
    threads = set()
    lock = threading.Lock()

    def objective(trial):
        with lock:
            threads.add(threading.get_ident())
        x = trial.suggest_float("x", -1, 1)
        time.sleep(0.005)  # releases the GIL, as NumPy or I/O would
        return x * x

    study = make_study()
    study.optimize(objective, n_trials=40, n_jobs=4)
    trials = study.trials
    assert [t.number for t in trials] == list(range(40))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len(threads) > 1


def test_n_jobs_with_sqlite_storage(db):
    study = hyperscout.create_study(storage=db, sampler=hyperscout.samplers.TPESampler(seed=3))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=30, n_jobs=4)
    assert sorted(t.number for t in study.trials) == list(range(30))
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_callbacks_get_study_and_frozen_trial_and_can_stop():
    seen = []

    def callback(study, trial):
        assert isinstance(study, hyperscout.Study)
        seen.append((trial.number, trial.state))
        if len(seen) == 3:
            study.stop()

    study = make_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=100, callbacks=[callback])
    assert seen == [(0, TrialState.COMPLETE), (1, TrialState.COMPLETE), (2, TrialState.COMPLETE)]
    assert len(study.trials) == 3


def test_callback_exception_propagates():
    def callback(study, trial):
        raise RuntimeError("callback broke")

    study = make_study()
    with pytest.raises(RuntimeError, match="callback broke"):
        study.optimize(lambda t: 1.0, n_trials=5, callbacks=[callback])
    assert len(study.trials) == 1


def test_objective_sees_trial_and_study():
    study = make_study()

    def objective(trial):
        assert trial.study is study
        assert isinstance(trial, hyperscout.Trial)
        return float(trial.number)

    study.optimize(objective, n_trials=2)
    assert [t.value for t in study.trials] == [0.0, 1.0]


def test_timeout_ends_the_loop():
    study = make_study()
    study.optimize(lambda t: time.sleep(0.02) or 1.0, timeout=0.2)
    assert len(study.trials) >= 1
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_stop_from_objective_and_zero_trials():
    study = make_study()
    study.optimize(lambda t: 1.0, n_trials=0)
    assert study.trials == []

    def objective(trial):
        if trial.number == 1:
            trial.study.stop()
        return 1.0

    study.optimize(objective, n_trials=10)
    assert len(study.trials) == 2


def test_uncaught_exception_with_threads_is_reraised_after_running_trials_finish():
    def objective(trial):
        time.sleep(0.01)
        if trial.number == 5:
            raise ValueError("thread boom")
        return 1.0

    study = make_study()
    with pytest.raises(ValueError, match="thread boom"):
        study.optimize(objective, n_trials=1000, n_jobs=3)
    trials = study.trials
    assert len(trials) < 1000
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state.is_finished() for t in trials)
    assert trials[5].state == TrialState.FAIL


def test_trial_kept_past_its_objective_is_safe():
    kept = []

    def objective(trial):
        kept.append(trial)
        return trial.suggest_float("x", 0, 1)

    study = make_study()
    study.optimize(objective, n_trials=3)
    assert [t.number for t in kept] == [0, 1, 2]
    assert [t.params for t in kept] == [t.params for t in study.trials]
    with pytest.raises(RuntimeError, match="trial 0 has finished"):
        kept[0].suggest_float("y", 0, 1)


def test_show_progress_bar_runs_with_or_without_tqdm():
    import importlib.util
    import warnings

    study = make_study()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(lambda t: 1.0, n_trials=3, show_progress_bar=True, gc_after_trial=True)
    assert len(study.trials) == 3
    if importlib.util.find_spec("tqdm") is None:
        assert any("tqdm" in str(w.message) for w in caught)
