"""optimize: running a command per trial, the result protocol, pruning, parallel jobs and timeouts."""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, PY, log_lines, pid_alive, registry_names, write_script

QUADRATIC = "import sys; x = float(sys.argv[1]); print((x - 2) ** 2)"


def test_optimize_python_objective_logs_each_trial(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--seed", "7",
                  "--param", "x=float:-5:5", "--n-trials", "6", "--", PY, "-c", QUADRATIC, "{x}", check=0)
    complete = log_lines(proc.stderr, "COMPLETE")
    assert [n for n, _ in complete] == list(range(6))
    for _, rest in complete:
        value = float(re.search(r"value=(\S+)", rest).group(1))
        x = json.loads(re.search(r"params=(\{.*\})", rest).group(1))["x"]
        assert -5 <= x <= 5
        assert value == pytest.approx((x - 2) ** 2)
    assert "best trial" in proc.stderr


@pytest.mark.sqlite
def test_optimize_stores_trials_and_env(hs, db, tmp_path):
    script = write_script(tmp_path / "obj.py", f"""#!{PY}
import json, os, sys
params = json.loads(os.environ["HYPERSCOUT_PARAMS"])
assert os.environ["HYPERSCOUT_STUDY"] == "envstudy"
n = int(os.environ["HYPERSCOUT_TRIAL_NUMBER"])
assert params == {{"n": int(sys.argv[1]), "opt": sys.argv[2]}}, (params, sys.argv)
print(n * 10 + params["n"])
""")
    hs.run("optimize", "--storage", db, "--study", "envstudy", "--sampler", "random", "--seed", "1",
           "--param", "n=int:1:8", "--param", "opt=cat:adam,sgd", "--n-trials", "5", "--", script, "{n}", "{opt}",
           check=0)
    trials = hs.trials(db, "envstudy")
    assert [t["number"] for t in trials] == [0, 1, 2, 3, 4]
    for t in trials:
        assert t["state"] == "COMPLETE", t
        assert t["values"] == [t["number"] * 10 + t["params"]["n"]]
        assert t["params"]["opt"] in ("adam", "sgd")


@pytest.mark.parametrize(
    "line, expected",
    [("0.25", 0.25), ('{"value": 1.5}', 1.5), ("  3  ", 3.0)],
)
def test_result_line_forms(hs, line, expected):
    code = f"print('noise'); print({line!r}); print('')".replace("{", "{{").replace("}", "}}")
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:3",
                  "--n-trials", "1", "--", PY, "-c", code, check=0)
    [(_, rest)] = log_lines(proc.stderr, "COMPLETE")
    assert float(re.search(r"value=(\S+)", rest).group(1)) == expected


def test_multi_objective_values(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--directions", "minimize,maximize",
                  "--param", "x=float:0:1", "--n-trials", "2", "--", PY, "-c",
                  "import sys, json; x = float(sys.argv[1]); print(json.dumps(dict(values=[x, 2 * x])))", "{x}",
                  check=0)
    lines = log_lines(proc.stderr, "COMPLETE")
    assert len(lines) == 2
    for _, rest in lines:
        a, b = map(float, re.search(r"values=(\S+)", rest).group(1).split(","))
        assert b == pytest.approx(2 * a)


def test_values_count_must_match_directions(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=float:0:1",
                  "--n-trials", "1", "--", PY, "-c", "print('{{\"values\": [1, 2]}}')", check=0)
    [(_, rest)] = log_lines(proc.stderr, "FAIL")
    assert "2 value(s) but the study has 1 direction(s)" in rest


def test_median_pruner_kills_pruned_trials(hs, tmp_path):
    if "median" not in registry_names("pruner"):
        pytest.skip("median pruner not in the registry yet")
    # Trials with a large x report large values for many steps; the median pruner stops them. Each child
    # records its pid so the test can check the process is gone.
    script = write_script(tmp_path / "steps.py", f"""#!{PY}
import json, os, sys, time
x = float(sys.argv[1])
open(os.path.join({str(tmp_path)!r}, "pid-" + os.environ["HYPERSCOUT_TRIAL_NUMBER"]), "w").write(str(os.getpid()))
for step in range(30):
    print(json.dumps({{"step": step, "value": x}}), flush=True)
    time.sleep(0.03)
print(x)
""")
    enqueue = []
    for x in [1, 2, 3, 50, 60, 70, 0.5, 0.7]:
        enqueue += ["--enqueue", json.dumps({"x": x})]
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=float:0:100",
                  "--pruner", "median", "--pruner-option", "n_startup_trials=3", "--pruner-option",
                  "n_warmup_steps=2", "--n-trials", "8", "--grace", "1", *enqueue, "--", script, "{x}", check=0)
    pruned = [n for n, _ in log_lines(proc.stderr, "PRUNED")]
    assert pruned, proc.stderr
    # The median of trials 0-2 is 2: the three large ones are stopped, the two small ones complete.
    assert sorted(pruned) == [3, 4, 5]
    assert sorted(n for n, _ in log_lines(proc.stderr, "COMPLETE")) == [0, 1, 2, 6, 7]
    for n in pruned:
        pid = int((tmp_path / f"pid-{n}").read_text())
        assert not pid_alive(pid)


def test_jobs_run_trials_concurrently(hs, tmp_path):
    # Each trial waits until it sees all three trials started; run one at a time this would time out.
    script = write_script(tmp_path / "barrier.py", f"""#!{PY}
import os, sys, time
d = {str(tmp_path)!r}
open(os.path.join(d, "started-" + os.environ["HYPERSCOUT_TRIAL_NUMBER"]), "w").close()
for _ in range(200):
    if len([f for f in os.listdir(d) if f.startswith("started-")]) >= 3:
        print(1.0)
        sys.exit(0)
    time.sleep(0.05)
sys.exit(5)
""")
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:9",
                  "--n-trials", "3", "--jobs", "3", "--", script, check=0)
    assert len(log_lines(proc.stderr, "COMPLETE")) == 3, proc.stderr


def test_trial_timeout_kills_hanging_child(hs, tmp_path):
    start = time.monotonic()
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:9",
                  "--n-trials", "1", "--trial-timeout", "0.5", "--grace", "0.5", "--", "sleep", "100",
                  timeout=30, check=0)
    [(_, rest)] = log_lines(proc.stderr, "FAIL")
    assert "timed out" in rest
    assert time.monotonic() - start < 30


def test_grandchildren_are_killed_with_the_group(hs, tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:9",
                  "--n-trials", "1", "--trial-timeout", "0.5", "--grace", "0.2", "--", "sh", "-c",
                  f"sleep 100 & echo $! > {pidfile}; wait", timeout=30, check=0)
    assert "timed out" in proc.stderr
    assert not pid_alive(int(pidfile.read_text()))


@pytest.mark.sqlite
def test_failed_trials_keep_reason_status_and_stderr(hs, db):
    hs.run("optimize", "--storage", db, "--sampler", "random", "--param", "x=int:0:9", "--n-trials", "2", "--",
           PY, "-c", "import sys; sys.stderr.write('boom happened\\n'); sys.exit(3)", check=0)
    trials = hs.trials(db)
    assert [t["state"] for t in trials] == ["FAIL", "FAIL"]
    for t in trials:
        attrs = t["system_attrs"]
        assert attrs["fail_reason"] == "exited with status 3"
        assert attrs["exit_status"] == 3
        assert "boom happened" in attrs["stderr"]
    table = hs.run("trials", "--storage", db, "--verbose", check=0).stdout
    assert "boom happened" in table and "exited with status 3" in table


@pytest.mark.parametrize(
    "code, reason",
    [
        ("import sys; sys.exit(3)", "exited with status 3"),
        ("pass", "printed nothing"),
        ("print('nan')", "NaN"),
        ("print('loss is low')", "no parsable result"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "killed by SIGSEGV"),
    ],
)
def test_bad_objectives_fail_and_study_goes_on(hs, code, reason):
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:9",
                  "--n-trials", "2", "--", PY, "-c", code, check=0)
    fails = log_lines(proc.stderr, "FAIL")
    assert [n for n, _ in fails] == [0, 1]
    assert all(reason in rest for _, rest in fails), proc.stderr


def test_grid_sampler_covers_the_space_once(hs):
    if "grid" not in registry_names("sampler"):
        pytest.skip("grid sampler not in the registry yet")
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "grid", "--param", "n=int:0:2",
                  "--param", "o=cat:a,b", "--", PY, "-c", "import sys; print(int(sys.argv[1]))", "{n}", check=0)
    points = [json.loads(re.search(r"params=(\{.*\})", rest).group(1)) for _, rest in log_lines(proc.stderr, "COMPLETE")]
    assert sorted((p["n"], p["o"]) for p in points) == [(n, o) for n in range(3) for o in "ab"]


def test_conditional_parameters(hs, tmp_path):
    (tmp_path / "space.toml").write_text("""
[params.opt]
type = "categorical"
choices = ["adam", "sgd"]

[params.momentum]
type = "float"
low = 0.1
high = 0.9
condition = { opt = "sgd" }
""")
    out = tmp_path / "argv"
    out.mkdir()
    enqueue = ["--enqueue", '{"opt": "adam"}', "--enqueue", '{"opt": "sgd"}']
    hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--n-trials", "2", *enqueue, "--", PY, "-c",
           f"import sys, json, os; open(os.path.join({str(out)!r}, sys.argv[1]), 'w')"
           ".write(json.dumps([sys.argv[2], os.environ['HYPERSCOUT_PARAMS']])); print(0)", "{opt}", "m={momentum}",
           check=0)
    arg, params = json.loads((out / "adam").read_text())
    assert arg == "m=" and json.loads(params) == {"opt": "adam"}
    arg, params = json.loads((out / "sgd").read_text())
    momentum = json.loads(params)["momentum"]
    assert 0.1 <= momentum <= 0.9
    assert arg.startswith("m=") and float(arg[2:]) == momentum


@pytest.mark.sqlite
def test_objective_reports_constraints_and_best_is_the_best_feasible_trial(hs, db):
    # value (x - 2)², feasible when x <= 1: the unconstrained optimum x = 2 breaks the constraint.
    code = "import sys, json; x = float(sys.argv[1]); print(json.dumps(dict(value=(x - 2) ** 2, constraints=[x - 1])))"
    proc = hs.run("optimize", "--storage", db, "--study", "c", "--sampler", "random", "--seed", "4",
                  "--param", "x=float:-5:5", "--n-trials", "30", "--", PY, "-c", code, "{x}", check=0)
    trials = hs.trials(db, "c")
    assert all(t["state"] == "COMPLETE" for t in trials)
    for t in trials:
        assert t["constraints"] == {"0": pytest.approx(t["params"]["x"] - 1)}
        assert t["system_attrs"]["constraints"] == [t["constraints"]["0"]]
    feasible = [t for t in trials if t["params"]["x"] <= 1]
    expected = min(feasible, key=lambda t: t["values"][0])
    assert min(trials, key=lambda t: t["values"][0])["params"]["x"] > 1  # the lowest value broke the constraint
    best = hs.json("best", "--storage", db, "--study", "c", "--format", "json")
    assert best["number"] == expected["number"]
    assert f"best trial {expected['number']} " in proc.stderr
    row = hs.json("studies", "--storage", db, "--format", "json")[0]
    assert row["best_value"] == expected["values"][0]


@pytest.mark.parametrize(
    "result, reason",
    [
        ('{"value": 1, "constraints": "small"}', 'the result\'s "constraints" is "small"; print a list of numbers'),
        ('{"value": 1, "constraints": []}', "the result's constraints: pass at least one value"),
    ],
)
def test_bad_constraints_fail_the_trial(hs, result, reason):
    proc = hs.run("optimize", "--storage", "memory://", "--sampler", "random", "--param", "x=int:0:3",
                  "--n-trials", "2", "--", PY, "-c", f"print({result!r})".replace("{", "{{").replace("}", "}}"),
                  check=0)
    fails = log_lines(proc.stderr, "FAIL")
    assert [n for n, _ in fails] == [0, 1]
    assert all(reason in rest for _, rest in fails), proc.stderr


@pytest.mark.sqlite
def test_constrained_shell_example(hs, tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "shell" / "constrained.sh"
    proc = subprocess.run(["bash", str(example), str(BIN), "12"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    trials = hs.trials(f"sqlite:///{tmp_path}/constrained-run/hyperscout.db", "constrained")
    assert len(trials) == 12
    feasible = [t for t in trials if t["state"] == "COMPLETE" and t["constraints"]["0"] <= 0]
    best = min(feasible, key=lambda t: t["values"][0])
    # The table's first row after the header is that trial.
    table = proc.stdout.split("best trial that fits in 600 MiB")[1].splitlines()
    assert table[2].split()[0] == str(best["number"]), proc.stdout
