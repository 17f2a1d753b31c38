"""The Optuna-shaped API: studies, ask/tell, suggestions, results, attributes, errors."""
import datetime
import importlib.util
import math

import pytest

import hyperscout
from hyperscout.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hyperscout.exceptions import (
    DuplicatedStudyError,
    HyperscoutError,
    InvalidArgumentError,
    StudyNotFoundError,
    UpdateFinishedTrialError,
)
from hyperscout.trial import TrialState


def quadratic(trial):
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 4)
    c = trial.suggest_categorical("c", ["a", "b"])
    return (x - 1) ** 2 + n + (0.5 if c == "b" else 0.0)


def test_create_study_defaults_and_generated_name():
    a = hyperscout.create_study()
    b = hyperscout.create_study()
    assert a.study_name != b.study_name
    assert a.direction == hyperscout.StudyDirection.MINIMIZE
    assert a.directions == [hyperscout.StudyDirection.MINIMIZE]
    assert isinstance(a.sampler, hyperscout.samplers.AutoSampler)
    assert isinstance(a.pruner, hyperscout.pruners.NopPruner)


def test_directions_and_conflicts():
    s = hyperscout.create_study(directions=["minimize", "maximize"])
    assert s.directions == [hyperscout.StudyDirection.MINIMIZE, hyperscout.StudyDirection.MAXIMIZE]
    with pytest.raises(RuntimeError):
        s.direction
    with pytest.raises(ValueError):
        hyperscout.create_study(direction="minimize", directions=["minimize"])
    with pytest.raises(ValueError, match="minimize"):
        hyperscout.create_study(direction="up")
    assert hyperscout.create_study(direction=hyperscout.StudyDirection.MAXIMIZE).direction.name == "MAXIMIZE"


def test_optimize_best_and_trials():
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=3))
    study.optimize(quadratic, n_trials=20)
    trials = study.trials
    assert [t.number for t in trials] == list(range(20))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    best = min(trials, key=lambda t: t.value)
    assert study.best_trial.number == best.number
    assert study.best_value == best.value
    assert study.best_params == best.params
    assert study.best_trials[0].value == best.value
    for t in trials:
        assert set(t.params) == {"x", "n", "c"}
        assert t.value == pytest.approx(quadratic_value(t.params))
        assert t.distributions["x"] == FloatDistribution(-5, 5)
        assert t.distributions["n"] == IntDistribution(1, 4)
        assert t.distributions["c"] == CategoricalDistribution(["a", "b"])
        assert isinstance(t.datetime_start, datetime.datetime)
        assert t.datetime_complete >= t.datetime_start
        assert t.duration.total_seconds() >= 0
        assert t.values == [t.value]


def quadratic_value(params):
    return (params["x"] - 1) ** 2 + params["n"] + (0.5 if params["c"] == "b" else 0.0)


def test_best_trial_without_complete_trials_raises_value_error():
    study = hyperscout.create_study()
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        study.best_trial


def test_ask_tell_and_states():
    study = hyperscout.create_study(direction="maximize", sampler=hyperscout.samplers.RandomSampler(seed=1))
    t0 = study.ask()
    x = t0.suggest_float("x", 0, 1)
    assert t0.params == {"x": x}
    assert t0.distributions == {"x": FloatDistribution(0, 1)}
    frozen = study.tell(t0, x)
    assert frozen.state == TrialState.COMPLETE and frozen.value == x
    t1 = study.ask({"y": IntDistribution(0, 9)})
    assert "y" in t1.params
    assert study.tell(t1.number, state=TrialState.PRUNED).state == TrialState.PRUNED
    t2 = study.ask()
    assert study.tell(t2, float("nan")).state == TrialState.FAIL
    t3 = study.ask()
    assert study.tell(t3, state=TrialState.FAIL).state == TrialState.FAIL
    with pytest.raises(UpdateFinishedTrialError):
        study.tell(t0, 1.0)
    assert study.tell(t0, 1.0, skip_if_finished=True).value == x
    with pytest.raises(ValueError):
        study.tell(study.ask())
    assert [t.state for t in study.get_trials(states=[TrialState.PRUNED, TrialState.FAIL])] == [
        TrialState.PRUNED, TrialState.FAIL, TrialState.FAIL]
    assert len(study.get_trials(states=(TrialState.RUNNING,))) == 1
    assert TrialState.COMPLETE.is_finished() and not TrialState.RUNNING.is_finished()


def test_multi_objective_tell_and_pareto_front():
    study = hyperscout.create_study(directions=["minimize", "minimize"])
    for a, b in [(1, 5), (2, 2), (5, 1), (3, 3)]:
        study.tell(study.ask(), [a, b])
    assert sorted(t.values for t in study.best_trials) == [[1, 5], [2, 2], [5, 1]]
    with pytest.raises(ValueError):
        study.trials[0].value
    with pytest.raises(ValueError, match="Pareto"):
        study.best_trial


def test_suggest_forms():
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=5))
    trial = study.ask()
    v = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    assert 1e-5 <= v <= 1e-1
    s = trial.suggest_float("s", 0, 1, step=0.25)
    assert s in (0, 0.25, 0.5, 0.75, 1.0)
    i = trial.suggest_int("i", 0, 10, step=5)
    assert i in (0, 5, 10) and isinstance(i, int)
    assert trial.suggest_int("k", 1.0, 3.0) in (1, 2, 3)
    assert trial.suggest_int("lg", 1, 1024, log=True) >= 1
    for name, choices in [("b", [True, False]), ("f", [0.5, 1.5]), ("n", [1, 2, 3])]:
        value = trial.suggest_categorical(name, choices)
        assert value in choices and type(value) is type(choices[0])
    # The same name returns the same value.
    assert trial.suggest_float("lr", 1e-5, 1e-1, log=True) == v
    with pytest.raises(TypeError):
        trial.suggest_int("bad", 0, 2.5)


def test_suggest_categorical_none_is_a_clear_value_error():
    trial = hyperscout.create_study().ask()
    with pytest.raises(ValueError, match=r"suggest_categorical\('act'\).*None is not supported"):
        trial.suggest_categorical("act", ["relu", None])


def test_invalid_range_raises_invalid_argument_error():
    trial = hyperscout.create_study().ask()
    with pytest.raises(InvalidArgumentError, match="low .* must be <= high") as info:
        trial.suggest_float("lr", 0.1, 0.01)
    assert isinstance(info.value, ValueError) and isinstance(info.value, HyperscoutError)
    assert "lr" in str(info.value)
    # Ranges the samplers cannot carry through doubles are refused, not sampled wrongly (or crashed on).
    with pytest.raises(InvalidArgumentError, match="within -2\\^53 to 2\\^53"):
        trial.suggest_int("seed", 0, 2**63 - 1)
    with pytest.raises(InvalidArgumentError, match="wider than the largest double"):
        trial.suggest_float("x", -1e308, 1e308)
    assert trial.suggest_int("big", -(2**53), 2**53) in range(-(2**53), 2**53 + 1)


def test_report_and_intermediate_values():
    study = hyperscout.create_study()
    trial = study.ask()
    trial.report(0.5, 0)
    trial.report(0.25, 1)
    trial.report(0.75, 1)  # the first value of a step is kept
    assert not trial.should_prune()
    frozen = study.tell(trial, 0.1)
    assert frozen.intermediate_values == {0: 0.5, 1: 0.25}
    assert frozen.last_step == 1


def test_enqueue_trial_runs_first_with_user_attrs():
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=2))
    study.enqueue_trial({"x": 1.0, "n": 3, "c": "b"}, user_attrs={"source": "manual"})
    study.enqueue_trial({"x": 1.0, "n": 3, "c": "b"}, skip_if_exists=True)
    study.optimize(quadratic, n_trials=3)
    first = study.trials[0]
    assert first.params == {"x": 1.0, "n": 3, "c": "b"}
    assert first.user_attrs == {"source": "manual"}
    assert first.value == pytest.approx(3.5)
    assert len(study.trials) == 3


def test_user_attrs_roundtrip_json_values():
    study = hyperscout.create_study()
    study.set_user_attr("config", {"layers": [1, 2], "name": "net", "ok": True, "none": None})
    assert study.user_attrs == {"config": {"layers": [1, 2], "name": "net", "ok": True, "none": None}}
    trial = study.ask()
    trial.set_user_attr("loss_curve", [0.5, 0.25])
    assert trial.user_attrs == {"loss_curve": [0.5, 0.25]}
    with pytest.raises(TypeError, match="JSON"):
        trial.set_user_attr("bad", object())
    assert study.tell(trial, 1.0).user_attrs == {"loss_curve": [0.5, 0.25]}


def test_storage_functions(db):
    study = hyperscout.create_study(study_name="one", storage=db, sampler=hyperscout.samplers.RandomSampler(seed=0))
    study.optimize(quadratic, n_trials=3)
    hyperscout.create_study(study_name="two", storage=db, direction="maximize")
    assert sorted(hyperscout.get_all_study_names(db)) == ["one", "two"]
    with pytest.raises(DuplicatedStudyError):
        hyperscout.create_study(study_name="one", storage=db)
    again = hyperscout.create_study(study_name="one", storage=db, load_if_exists=True)
    assert [t.number for t in again.trials] == [0, 1, 2]
    loaded = hyperscout.load_study(study_name="one", storage=db)
    assert [t.params for t in loaded.trials] == [t.params for t in study.trials]
    hyperscout.delete_study(study_name="one", storage=db)
    assert hyperscout.get_all_study_names(db) == ["two"]
    with pytest.raises(StudyNotFoundError) as info:
        hyperscout.load_study(study_name="one", storage=db)
    assert isinstance(info.value, KeyError) and "one" in str(info.value)
    assert hyperscout.load_study(study_name=None, storage=db).study_name == "two"


def test_shared_in_memory_storage_object():
    storage = hyperscout.storages.InMemoryStorage()
    study = hyperscout.create_study(study_name="s", storage=storage)
    study.tell(study.ask(), 2.0)
    assert hyperscout.load_study(study_name="s", storage=storage).best_value == 2.0
    with pytest.raises(TypeError):
        hyperscout.create_study(storage=42)


def test_trials_dataframe():
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=4))
    study.optimize(quadratic, n_trials=4)
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pip install pandas"):
            study.trials_dataframe()
        return
    df = study.trials_dataframe()
    assert list(df["number"]) == [0, 1, 2, 3]
    assert {"value", "params_x", "params_n", "params_c", "state"} <= set(df.columns)
    assert list(df["state"]) == ["COMPLETE"] * 4
    assert list(df["value"]) == [t.value for t in study.trials]


def test_trials_dataframe_multi_index():
    pd = pytest.importorskip("pandas")
    study = hyperscout.create_study(sampler=hyperscout.samplers.RandomSampler(seed=4))
    study.optimize(quadratic, n_trials=3)
    study.tell(study.ask(), state=TrialState.FAIL)  # no params, no value
    flat = study.trials_dataframe()
    df = study.trials_dataframe(multi_index=True)
    assert isinstance(df.columns, pd.MultiIndex)
    assert {("number", ""), ("value", ""), ("params", "x"), ("params", "n"), ("params", "c"), ("state", "")} <= set(
        df.columns)
    assert list(df[("params", "x")][:3]) == [t.params["x"] for t in study.trials[:3]]
    assert list(df["params"].columns) == ["c", "n", "x"]  # keys sorted under their attribute
    # the flat frame is the same data with the pairs joined
    assert list(flat.columns) == ["_".join(str(p) for p in c if p != "") for c in df.columns]
    assert flat["params_x"].tolist()[:3] == df[("params", "x")].tolist()[:3]
    assert [c[0] for c in df.columns].index("params") > [c[0] for c in df.columns].index("duration")

    multi = hyperscout.create_study(directions=["minimize", "maximize"])
    multi.tell(multi.ask(), [1.0, 2.0])
    mdf = multi.trials_dataframe(attrs=("number", "values", "user_attrs"), multi_index=True)
    assert list(mdf.columns) == [("number", ""), ("values", 0), ("values", 1)]
    assert mdf.iloc[0].tolist() == [0, 1.0, 2.0]
    assert hyperscout.create_study().trials_dataframe(multi_index=True).empty


def test_create_trial_and_add_trial_keep_everything(db):
    start = datetime.datetime(2021, 3, 4, 5, 6, 7, 123456)
    end = start + datetime.timedelta(seconds=90.5)
    assert hyperscout.create_trial is hyperscout.trial.create_trial  # both of Optuna's spellings
    made = hyperscout.trial.create_trial(
        value=0.25,
        params={"x": 1.5, "c": "b"},
        distributions={"x": FloatDistribution(0, 2), "c": CategoricalDistribution(["a", "b"])},
        user_attrs={"k": [1, 2]},
        system_attrs={"origin": "elsewhere"},
        intermediate_values={0: 1.0, 3: 0.5},
        datetime_start=start,
        datetime_complete=end,
    )
    study = hyperscout.create_study(storage=db, study_name="added")
    study.optimize(lambda t: t.suggest_float("x", 0, 2), n_trials=2)
    study.add_trial(made)
    study.add_trials([hyperscout.trial.create_trial(state=TrialState.FAIL)])
    stored = hyperscout.load_study(study_name="added", storage=db).trials
    assert [t.number for t in stored] == [0, 1, 2, 3]
    t = stored[2]
    assert t.state == TrialState.COMPLETE and t.value == 0.25
    assert t.params == {"x": 1.5, "c": "b"}
    assert t.intermediate_values == {0: 1.0, 3: 0.5}
    assert t.user_attrs == {"k": [1, 2]} and t.system_attrs == {"origin": "elsewhere"}
    assert t.datetime_start == start and t.datetime_complete == end
    assert t.duration == datetime.timedelta(seconds=90.5)
    assert stored[3].state == TrialState.FAIL and stored[3].datetime_complete is not None
    assert study.best_value == min(0.25, *(s.value for s in stored[:2]))

    with pytest.raises(InvalidArgumentError, match="needs 1 value"):
        study.add_trial(hyperscout.trial.create_trial(params={}, distributions={}))
    with pytest.raises(InvalidArgumentError, match="params\\['x'\\]"):
        hyperscout.trial.create_trial(value=1.0, params={"x": 5.0}, distributions={"x": FloatDistribution(0, 2)})
    with pytest.raises(InvalidArgumentError, match="has no distribution"):
        hyperscout.trial.create_trial(value=1.0, params={"x": 1.0})
    with pytest.raises(InvalidArgumentError, match="before datetime_start"):
        study.add_trial(hyperscout.trial.create_trial(value=1.0, datetime_start=end, datetime_complete=start))
    with pytest.raises(TypeError):
        study.add_trial({"value": 1.0})
    assert len(study.trials) == 4


def test_distributions_validate_and_convert():
    with pytest.raises(InvalidArgumentError):
        FloatDistribution(1.0, 0.0)
    with pytest.raises(ValueError):
        CategoricalDistribution([None])
    d = CategoricalDistribution(["a", 1, 2.5, True])
    assert d.choices == ("a", 1, 2.5, True)
    assert hyperscout.distributions.to_internal_repr(d, 2.5) == 2.0
    assert hyperscout.distributions.to_external_repr(d, 0.0) == "a"
    i = IntDistribution(0, 10, step=3)
    assert i.high == 9  # snapped onto the step grid
    text = hyperscout.distributions.distribution_to_json(FloatDistribution(1e-3, 1.0, log=True))
    assert hyperscout.distributions.json_to_distribution(text) == FloatDistribution(1e-3, 1.0, log=True)
    assert repr(FloatDistribution(0, 1, step=0.5)) == "FloatDistribution(low=0.0, high=1.0, log=False, step=0.5)"
    assert not math.isnan(FloatDistribution(0, 1).high)


def test_package_ships_type_stubs_and_py_typed():
    from pathlib import Path

    root = Path(hyperscout.__file__).parent
    assert (root / "py.typed").exists()
    stub = (root / "_core.pyi").read_text()
    assert "class FrozenTrial" in stub and "def suggest_float" in stub
