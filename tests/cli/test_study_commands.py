"""ask/tell, create-study, delete-study, studies, trials, best, export, interrupts and concurrent runs."""
import csv
import io
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import PY, pid_alive, write_script

pytestmark = pytest.mark.sqlite


def test_ask_tell_loop(hs, db):
    hs.run("create-study", "--storage", db, "--study", "at", "--param", "x=float:-3:3", "--param", "k=cat:a,b",
           check=0)
    for _ in range(4):
        asked = hs.json("ask", "--storage", db, "--study", "at", "--sampler", "random", "--seed", "5")
        x = asked["params"]["x"]
        assert -3 <= x <= 3 and asked["params"]["k"] in ("a", "b")
        told = hs.json("tell", "--storage", db, "--study", "at", "--trial", asked["number"], "--value", x * x)
        assert told == {"number": asked["number"], "state": "COMPLETE"}
    asked = hs.json("ask", "--storage", db, "--study", "at")
    hs.run("tell", "--storage", db, "--study", "at", "--trial", asked["number"], "--state", "fail", check=0)
    trials = hs.trials(db, "at")
    assert [t["state"] for t in trials] == ["COMPLETE"] * 4 + ["FAIL"]
    for t in trials[:4]:
        assert t["values"][0] == pytest.approx(t["params"]["x"] ** 2)
    best = hs.json("best", "--storage", db, "--study", "at", "--format", "json")
    assert best["values"][0] == min(t["values"][0] for t in trials[:4])


def test_tell_with_constraints_and_best(hs, db):
    hs.run("create-study", "--storage", db, "--study", "ct", "--param", "x=float:0:1", check=0)
    numbers = []
    for value, constraints in ((0.1, "0.5"), (0.4, "-1,0"), (0.3, "-0.5,2")):
        number = hs.json("ask", "--storage", db, "--study", "ct")["number"]
        numbers.append(number)
        told = hs.json("tell", "--storage", db, "--study", "ct", "--trial", number, "--value", value,
                       "--constraints", constraints)
        assert told == {"number": number, "state": "COMPLETE"}
    trials = hs.trials(db, "ct")
    assert [t["constraints"] for t in trials] == [{"0": 0.5}, {"0": -1.0, "1": 0.0}, {"0": -0.5, "1": 2.0}]
    # 0.1 and 0.3 broke a constraint; 0.4 met both (0 counts as met).
    assert hs.json("best", "--storage", db, "--study", "ct", "--format", "json")["number"] == numbers[1]
    # Tables and CSV get a column per constraint.
    table = hs.run("trials", "--storage", db, "--study", "ct", check=0).stdout.splitlines()
    assert table[0].split()[:5] == ["number", "state", "value", "constraint_0", "constraint_1"]
    assert table[1].split()[:4] == [str(numbers[0]), "COMPLETE", "0.1", "0.5"]  # one constraint: the second is empty
    assert table[1].split()[4].startswith("0.")  # so the next column is the parameter
    best_table = hs.run("best", "--storage", db, "--study", "ct", check=0).stdout.splitlines()
    assert best_table[1].split()[:5] == [str(numbers[1]), "COMPLETE", "0.4", "-1", "0"]
    rows = list(csv.DictReader(io.StringIO(hs.run("export", "--storage", db, "--study", "ct", "--format", "csv",
                                                  check=0).stdout)))  # fmt: skip
    assert [(r["constraint_0"], r["constraint_1"]) for r in rows] == [("0.5", ""), ("-1", "0"), ("-0.5", "2")]

    number = hs.json("ask", "--storage", db, "--study", "ct")["number"]
    for flags, message in (
        (["--value", "1", "--constraints", "0.1,x"], "--constraints 'x' is not a number"),
        (["--value", "1", "--constraints", "nan"], "--constraints: constraints: value 0 is nan"),
        (["--state", "fail", "--constraints", "1"], "a failed trial is never ranked; drop --constraints"),
    ):
        proc = hs.run("tell", "--storage", db, "--study", "ct", "--trial", number, *flags)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert hs.trials(db, "ct")[-1]["state"] == "RUNNING"  # nothing was stored
    # A trial told already keeps its constraints: tell fails and changes nothing.
    proc = hs.run("tell", "--storage", db, "--study", "ct", "--trial", numbers[0], "--value", "0", "--constraints", "-9")
    assert proc.returncode != 0 and "already" in proc.stderr
    assert hs.trials(db, "ct")[0]["constraints"] == {"0": 0.5}


def test_best_says_when_every_trial_broke_a_constraint(hs, db):
    hs.run("create-study", "--storage", db, "--study", "inf", "--param", "x=float:0:1", check=0)
    number = hs.json("ask", "--storage", db, "--study", "inf")["number"]
    hs.run("tell", "--storage", db, "--study", "inf", "--trial", number, "--value", "0.2", "--constraints", "3",
           check=0)
    proc = hs.run("best", "--storage", db, "--study", "inf")
    assert proc.returncode == 1
    assert "no feasible COMPLETE trial yet: all 1 broke a constraint" in proc.stderr
    assert "hyperscout trials --study inf" in proc.stderr


def test_ask_is_reproducible_with_seed(hs, tmp_path):
    a = [hs.json("ask", "--storage", f"sqlite:///{tmp_path}/a.db", "--param", "x=float:0:1", "--sampler", "random",
                 "--seed", "11") for _ in range(3)]
    b = [hs.json("ask", "--storage", f"sqlite:///{tmp_path}/b.db", "--param", "x=float:0:1", "--sampler", "random",
                 "--seed", "11") for _ in range(3)]
    assert a == b
    assert len({json.dumps(t["params"]) for t in a}) == 3


def test_tell_values_for_two_objectives(hs, db):
    hs.run("create-study", "--storage", db, "--study", "mo", "--directions", "minimize,maximize", "--param",
           "x=float:0:1", check=0)
    for x in (0.1, 0.2, 0.3):
        asked = hs.json("ask", "--storage", db, "--study", "mo")
        hs.run("tell", "--storage", db, "--study", "mo", "--trial", asked["number"], "--values", f"{x},{x}", check=0)
    asked = hs.json("ask", "--storage", db, "--study", "mo")
    hs.run("tell", "--storage", db, "--study", "mo", "--trial", asked["number"], "--values", "0.5,0.0", check=0)
    front = hs.json("best", "--storage", db, "--study", "mo", "--format", "json")
    assert sorted(t["values"][0] for t in front) == [0.1, 0.2, 0.3]


def test_create_study_twice_and_delete(hs, db):
    hs.run("create-study", "--storage", db, "--study", "s1", check=0)
    proc = hs.run("create-study", "--storage", db, "--study", "s1")
    assert proc.returncode == 2 and "already exists" in proc.stderr
    hs.run("create-study", "--storage", db, "--study", "s1", "--skip-if-exists", check=0)
    proc = hs.run("delete-study", "--storage", db, "--study", "s1")
    assert proc.returncode == 2 and "--yes" in proc.stderr
    assert "s1" in hs.run("studies", "--storage", db, check=0).stdout
    hs.run("delete-study", "--storage", db, "--study", "s1", "--yes", check=0)
    assert hs.json("studies", "--storage", db, "--format", "json") == []


def test_studies_trials_best_export(hs, db, tmp_path):
    (tmp_path / "q.toml").write_text('[params.x]\ntype = "int"\nlow = 0\nhigh = 5\n'
                                     '[params.c]\ntype = "categorical"\nchoices = ["a,\\"b\\"", "plain"]\n')
    hs.run("optimize", "--storage", db, "--study", "q", "--space", "q.toml", "--enqueue", '{"c": "a,\\"b\\""}',
           "--sampler", "random", "--seed", "2", "--n-trials", "5", "--", PY, "-c",
           "import sys; print(int(sys.argv[1]) * 2)", "{x}", check=0)
    trials = hs.trials(db, "q")
    values = [t["values"][0] for t in trials]
    assert values == [t["params"]["x"] * 2 for t in trials]

    [row] = hs.json("studies", "--storage", db, "--format", "json")
    assert row == {"name": "q", "directions": "minimize", "trials": 5, "complete": 5, "best_value": min(values)}
    table = hs.run("studies", "--storage", db, check=0).stdout.splitlines()
    assert table[0].split() == ["name", "directions", "trials", "complete", "best"]
    assert table[1].split()[:4] == ["q", "minimize", "5", "5"]

    best = hs.json("best", "--storage", db, "--study", "q", "--format", "json")
    assert best["values"] == [min(values)]

    csv_text = hs.run("export", "--storage", db, "--study", "q", "--format", "csv", check=0).stdout
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert list(rows[0].keys()) == ["number", "state", "value", "params_c", "params_x", "duration_s"]
    for row, t in zip(rows, trials):
        assert int(row["number"]) == t["number"]
        assert float(row["value"]) == t["values"][0]
        assert row["params_c"] == t["params"]["c"]
        assert float(row["duration_s"]) >= 0
    assert rows[0]["params_c"] == 'a,"b"'
    assert '"a,""b"""' in csv_text

    out = tmp_path / "q.json"
    hs.run("export", "--storage", db, "--study", "q", "--format", "json", "--output", out, check=0)
    exported = json.loads(out.read_text())
    assert [e["number"] for e in exported] == [0, 1, 2, 3, 4]
    for e in exported:
        assert set(e) == {"number", "state", "values", "params", "intermediate_values", "user_attrs",
                          "datetime_start", "datetime_complete"}
        assert e["datetime_complete"] >= e["datetime_start"]


def test_second_run_continues_and_warns_on_changed_space(hs, db):
    args = ["optimize", "--storage", db, "--sampler", "random", "--n-trials", "2"]
    hs.run(*args, "--param", "x=int:0:5", "--", PY, "-c", "print(1)", check=0)
    proc = hs.run(*args, "--param", "x=int:0:6", "--", PY, "-c", "print(1)", check=0)
    assert "warning" in proc.stderr and "differs" in proc.stderr
    # Without flags the stored space is used.
    hs.run(*args, "--", PY, "-c", "print(1)", check=0)
    assert [t["number"] for t in hs.trials(db)] == list(range(6))


def test_ctrl_c_stops_trials_and_run_continues(hs, db, tmp_path):
    script = write_script(tmp_path / "slow.py", f"""#!{PY}
import os, sys, time
n = int(os.environ["HYPERSCOUT_TRIAL_NUMBER"])
if n >= 2:
    open(os.path.join({str(tmp_path)!r}, "running-%d" % n), "w").write(str(os.getpid()))
    time.sleep(100)
print(n)
""")
    proc = hs.popen("optimize", "--storage", db, "--sampler", "random", "--param", "x=int:0:3", "--n-trials", "10",
                    "--grace", "1", "--", script)
    marker = tmp_path / "running-2"
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not pid_alive(int(marker.read_text()))
    trials = hs.trials(db)
    assert [t["state"] for t in trials] == ["COMPLETE", "COMPLETE", "FAIL"], (stderr, trials)
    assert trials[2]["system_attrs"]["fail_reason"] == "interrupted"

    hs.run("optimize", "--storage", db, "--n-trials", "2", "--", PY, "-c", "print(0.5)", check=0)
    trials = hs.trials(db)
    assert [t["number"] for t in trials] == [0, 1, 2, 3, 4]
    assert [t["state"] for t in trials[3:]] == ["COMPLETE", "COMPLETE"]


def test_two_runs_on_a_new_study_at_once(hs, db):
    args = ["optimize", "--storage", db, "--study", "race", "--sampler", "random", "--param", "x=float:0:1",
            "--n-trials", "4", "--", PY, "-c", "print(1)"]
    procs = [hs.popen(*args), hs.popen(*args)]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    trials = hs.trials(db, "race")
    assert sorted(t["number"] for t in trials) == list(range(8))
    assert all(t["state"] == "COMPLETE" for t in trials)
