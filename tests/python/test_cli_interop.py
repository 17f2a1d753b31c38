"""Python and the hyperscout CLI agree: the same seed gives the same trials, and each reads the
studies the other writes."""
import sys

import pytest

import hyperscout
from hyperscout.trial import TrialState

SPACE = """
[params.x]
type = "float"
low = -5.0
high = 5.0

[params.lr]
type = "float"
low = 1e-4
high = 1e-1
log = true

[params.n]
type = "int"
low = 1
high = 8

[params.opt]
type = "categorical"
choices = ["adam", "sgd", "rmsprop"]
"""

OBJECTIVE = """import sys
x, lr, n, opt = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(repr((x - 1.0) ** 2 + lr * n + {"adam": 0.0, "sgd": 0.5, "rmsprop": 1.0}[opt]))
"""


def objective(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 8)
    opt = trial.suggest_categorical("opt", ["adam", "sgd", "rmsprop"])
    return (x - 1.0) ** 2 + lr * n + {"adam": 0.0, "sgd": 0.5, "rmsprop": 1.0}[opt]


def run_cli(cli, tmp_path, storage, sampler_args, n_trials):
    (tmp_path / "space.toml").write_text(SPACE)
    script = tmp_path / "objective.py"
    script.write_text(OBJECTIVE)
    cli.run("optimize", "--storage", storage, "--study", "cli", "--space", tmp_path / "space.toml",
            *sampler_args, "--n-trials", n_trials, "--", sys.executable, script, "{x}", "{lr}", "{n}", "{opt}")
    return cli.trials(storage, "cli")


@pytest.mark.parametrize("sampler, cli_args", [
    (lambda: hyperscout.samplers.RandomSampler(seed=7), ["--sampler", "random", "--seed", "7"]),
    (lambda: hyperscout.samplers.TPESampler(seed=7, n_startup_trials=4),
     ["--sampler", "tpe", "--seed", "7", "--sampler-option", "n_startup_trials=4"]),
])
def test_same_seed_same_trials_as_cli(cli, tmp_path, sampler, cli_args):
    n_trials = 12
    cli_trials = run_cli(cli, tmp_path, f"sqlite:///{tmp_path}/cli.db", cli_args, n_trials)
    study = hyperscout.create_study(sampler=sampler())
    study.optimize(objective, n_trials=n_trials)
    assert [t["number"] for t in cli_trials] == list(range(n_trials))
    for mine, theirs in zip(study.trials, cli_trials):
        assert theirs["state"] == "COMPLETE"
        assert mine.params == theirs["params"]
        assert mine.values == pytest.approx(theirs["values"], rel=1e-12)


def test_cli_reads_a_study_written_by_python(cli, db):
    study = hyperscout.create_study(study_name="py", storage=db, sampler=hyperscout.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=4)
    study.tell(study.ask(), state=TrialState.FAIL)
    theirs = cli.trials(db, "py")
    assert [t["number"] for t in theirs] == [0, 1, 2, 3, 4]
    assert [t["state"] for t in theirs] == ["COMPLETE"] * 4 + ["FAIL"]
    for mine, t in zip(study.trials[:4], theirs):
        assert t["params"] == mine.params
        assert t["values"] == mine.values
    assert "py" in cli.run("studies", "--storage", db).stdout


def test_python_reads_a_study_written_by_the_cli(cli, tmp_path):
    storage = f"sqlite:///{tmp_path}/cli.db"
    theirs = run_cli(cli, tmp_path, storage, ["--sampler", "random", "--seed", "3"], 5)
    study = hyperscout.load_study(study_name="cli", storage=storage)
    assert [t.number for t in study.trials] == [t["number"] for t in theirs]
    for mine, t in zip(study.trials, theirs):
        assert mine.state == TrialState.COMPLETE
        assert mine.params == t["params"]
        assert mine.values == t["values"]
    # Python can continue the CLI's study.
    study.optimize(objective, n_trials=2)
    assert [t["number"] for t in cli.trials(storage, "cli")] == list(range(7))
