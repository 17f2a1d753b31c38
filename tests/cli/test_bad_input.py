"""Bad input: each case exits with the documented code, prints one clear line, and leaves the study intact."""
import json
import os

import pytest

from conftest import PY

GOOD_SPACE = """
[params.x]
type = "float"
low = -1.0
high = 1.0
"""

OBJECTIVE = "import sys; print(float(sys.argv[1]) ** 2)"


def one_error_line(proc, *needles):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hyperscout: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], proc.stderr
    return lines[0]


@pytest.fixture
def seeded_study(hs, db, tmp_path):
    """A study with three COMPLETE trials; tests check it is unchanged after the bad input."""
    (tmp_path / "good.toml").write_text(GOOD_SPACE)
    hs.run("optimize", "--storage", db, "--space", "good.toml", "--sampler", "random", "--seed", "3",
           "--n-trials", "3", "--", PY, "-c", OBJECTIVE, "{x}", check=0)
    return hs.trials(db)


SPACE_CASES = [
    ("malformed", "[params.x\ntype = 1\n", ["bad.toml:1:", "fix the TOML syntax"]),
    ("unknown type", '[params.x]\ntype = "double"\nlow = 0\nhigh = 1\n', ["params.x", "unknown type 'double'"]),
    ("unknown key", '[params.x]\ntype = "float"\nlow = 0\nhigh = 1\nhihg = 2\n', ["params.x", "unknown key 'hihg'"]),
    ("low >= high", '[params.lr]\ntype = "float"\nlow = 0.1\nhigh = 0.01\n',
     ["bad.toml: params.lr: low (0.1) must be < high (0.01)"]),
    ("equal bounds", '[params.n]\ntype = "int"\nlow = 3\nhigh = 3\n', ["params.n", "low (3) must be < high (3)"]),
    ("int beyond 2^53", '[params.n]\ntype = "int"\nlow = 0\nhigh = 9223372036854775807\n',
     ["params.n", "int bounds must lie within -2^53 to 2^53"]),
    ("float wider than a double", '[params.x]\ntype = "float"\nlow = -1e308\nhigh = 1e308\n',
     ["params.x", "wider than the largest double", "narrow it"]),
    ("log low <= 0", '[params.lr]\ntype = "float"\nlow = 0.0\nhigh = 1.0\nlog = true\n',
     ["params.lr", "log = true needs low > 0"]),
    ("empty choices", '[params.opt]\ntype = "categorical"\nchoices = []\n', ["params.opt", "choices is empty"]),
    ("missing parent",
     '[params.m]\ntype = "float"\nlow = 0\nhigh = 1\ncondition = { optimizer = "sgd" }\n',
     ["params.m", "condition names 'optimizer', which is not a parameter"]),
    ("cycle",
     '[params.a]\ntype = "categorical"\nchoices = [1, 2]\ncondition = { b = 1 }\n'
     '[params.b]\ntype = "categorical"\nchoices = [1, 2]\ncondition = { a = 1 }\n',
     ["conditions form a cycle"]),
    ("impossible condition value",
     '[params.o]\ntype = "categorical"\nchoices = ["adam"]\n'
     '[params.m]\ntype = "float"\nlow = 0\nhigh = 1\ncondition = { o = "sgd" }\n',
     ["params.m", "condition value sgd can never be taken by 'o'"]),
]


@pytest.mark.parametrize("name, text, needles", SPACE_CASES, ids=[c[0] for c in SPACE_CASES])
def test_bad_space_file_memory(hs, tmp_path, name, text, needles):
    (tmp_path / "bad.toml").write_text(text)
    proc = hs.run("optimize", "--storage", "memory://", "--space", "bad.toml", "--n-trials", "1", "--",
                  PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, *needles)


@pytest.mark.sqlite
@pytest.mark.parametrize("name, text, needles", SPACE_CASES[:4], ids=[c[0] for c in SPACE_CASES[:4]])
def test_bad_space_file_leaves_study_intact(hs, db, tmp_path, seeded_study, name, text, needles):
    (tmp_path / "bad.toml").write_text(text)
    proc = hs.run("optimize", "--storage", db, "--space", "bad.toml", "--n-trials", "1", "--", PY, "-c", OBJECTIVE,
                  "{x}")
    assert proc.returncode == 2
    one_error_line(proc, *needles)
    assert hs.trials(db) == seeded_study


def test_missing_command_is_input_error(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--param", "x=int:0:1", "--", "no-such-command-xyz", "{x}")
    assert proc.returncode == 2
    one_error_line(proc, "no-such-command-xyz", "not found in PATH")


@pytest.mark.sqlite
def test_missing_command_leaves_study_intact(hs, db, seeded_study):
    proc = hs.run("optimize", "--storage", db, "--n-trials", "1", "--", "no-such-command-xyz", "{x}")
    assert proc.returncode == 2
    one_error_line(proc, "not found in PATH")
    assert hs.trials(db) == seeded_study


def test_unknown_placeholder_is_input_error(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--param", "x=int:0:1", "--", PY, "-c", "print(1)", "{y}")
    assert proc.returncode == 2
    one_error_line(proc, "{y} is not a parameter")


def test_literal_braces(hs, tmp_path):
    out = tmp_path / "argv.json"
    hs.run("optimize", "--storage", "memory://", "--param", "x=cat:7", "--n-trials", "1", "--", PY, "-c",
           f"import sys, json; open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:])); print(0)",
           "{{x}}={x}", "}}", check=0)
    assert json.loads(out.read_text()) == ["{x}=7", "}"]


def test_bad_param_spec(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--param", "lr=float:1:0", "--", PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "low (1) must be < high (0)")


def test_unknown_sampler_and_pruner(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--param", "x=int:0:1", "--sampler", "nope", "--",
                  PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "unknown sampler 'nope'")
    proc = hs.run("optimize", "--storage", "memory://", "--param", "x=int:0:1", "--pruner", "nope", "--",
                  PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "unknown pruner 'nope'")


@pytest.mark.sqlite
def test_sampler_error_at_the_first_ask_runs_no_objective_and_leaves_no_running_trial(hs, db, tmp_path):
    marker = tmp_path / "ran"
    proc = hs.run("optimize", "--storage", db, "--param", "x=float:-1:1", "--sampler", "cmaes",
                  "--sampler-option", 'warm_start_study="nope"', "--n-trials", "3", "--",
                  PY, "-c", f"open({str(marker)!r}, 'w'); print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "warm_start_study 'nope' does not exist", "name a study in the same storage")
    assert not marker.exists()
    trials = hs.trials(db)
    assert [t["state"] for t in trials] == ["FAIL"]
    assert "warm_start_study 'nope'" in trials[0]["system_attrs"]["fail_reason"]


def test_unknown_flag_is_usage_error(hs):
    proc = hs.run("optimize", "--no-such-flag")
    assert proc.returncode == 2
    one_error_line(proc, "--no-such-flag", "hyperscout optimize --help")


def test_no_space_at_all(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--", PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "space.toml", "--param NAME=SPEC")


def test_storage_in_missing_directory(hs, tmp_path):
    proc = hs.run("optimize", "--storage", f"sqlite:///{tmp_path}/nope/x.db", "--param", "x=int:0:1", "--",
                  PY, "-c", "print(1)")
    assert proc.returncode == 2
    one_error_line(proc, "nope", "does not exist")
    assert not (tmp_path / "nope").exists()


@pytest.mark.sqlite
def test_file_that_is_not_sqlite(hs, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    proc = hs.run("studies", "--storage", f"sqlite:///{junk}")
    assert proc.returncode == 1
    one_error_line(proc, "junk.db")
    assert junk.read_bytes() == b"this is not a database" * 100


@pytest.mark.sqlite
def test_unknown_study(hs, db, seeded_study):
    for command in (["trials"], ["best"], ["export", "--format", "csv"], ["delete-study", "--yes"]):
        proc = hs.run(*command, "--storage", db, "--study", "nope")
        assert proc.returncode == 2, command
        one_error_line(proc, "study 'nope' does not exist")
    assert hs.trials(db) == seeded_study


@pytest.mark.sqlite
def test_tell_finished_trial_is_rejected(hs, db, seeded_study):
    proc = hs.run("tell", "--storage", db, "--trial", "0", "--value", "5")
    assert proc.returncode == 2
    one_error_line(proc, "trial 0")
    assert hs.trials(db) == seeded_study


@pytest.mark.parametrize(
    "value",
    ["; rm -rf x", "$(touch pwned)", "`touch pwned`", "it's \"quoted\"", "line one\nline two", "-rf", "a b  c", "*"],
)
def test_shell_metacharacters_reach_argv_literally(hs, tmp_path, value):
    space = tmp_path / "space.toml"
    space.write_text("[params.v]\ntype = \"categorical\"\nchoices = [%s, \"plain\"]\n" % json.dumps(value))
    out = tmp_path / "argv.json"
    hs.run("optimize", "--storage", "memory://", "--enqueue", json.dumps({"v": value}), "--n-trials", "1", "--",
           PY, "-c", f"import sys, json; open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:])); print(0)",
           "{v}", "pre{v}post", check=0)
    assert json.loads(out.read_text()) == [value, f"pre{value}post"]
    assert not (tmp_path / "pwned").exists()
    assert not any(p.name == "pwned" for p in tmp_path.iterdir())
