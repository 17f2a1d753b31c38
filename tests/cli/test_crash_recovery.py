"""Crashed workers: a worker killed with SIGKILL leaves a RUNNING trial that the next worker reaps to FAIL
(heartbeats), while RUNNING trials of ask/tell clients, which never beat, are left alone."""
import os
import signal
import time

import pytest

from conftest import PY, pid_alive

pytestmark = pytest.mark.sqlite


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_killed_worker_trial_is_reaped_and_study_goes_on(hs, db, tmp_path):
    pidfile = tmp_path / "objective.pid"
    hang = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
    worker = hs.popen("optimize", "--storage", db, "--sampler", "random", "--seed", "1", "--param", "x=float:0:1",
                      "--n-trials", "1", "--heartbeat", "0.2", "--heartbeat-grace", "1", "--", PY, "-c", hang)
    try:
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text().strip()), "the objective never started"
        running = hs.trials(db)
        assert [t["state"] for t in running] == ["RUNNING"]
        worker.send_signal(signal.SIGKILL)  # no cleanup runs: the trial stays RUNNING in the database
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        if pidfile.exists() and pidfile.read_text().strip():
            child = int(pidfile.read_text())
            if pid_alive(child):
                os.kill(child, signal.SIGKILL)
    assert [t["state"] for t in hs.trials(db)] == ["RUNNING"]

    time.sleep(1.5)  # longer than the grace period
    hs.run("optimize", "--storage", db, "--sampler", "random", "--seed", "2", "--n-trials", "2", "--heartbeat", "0.2",
           "--heartbeat-grace", "1", "--", PY, "-c", "import sys; print(float(sys.argv[1]))", "{x}", check=0)
    trials = hs.trials(db)
    assert [t["state"] for t in trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    assert "heartbeat" in trials[0]["system_attrs"]["fail_reason"]
    # The reaped trial keeps the parameters it was started with: nothing about it is lost.
    assert 0.0 <= trials[0]["params"]["x"] <= 1.0


def test_ask_tell_trials_survive_heartbeat_workers(hs, db):
    hs.run("create-study", "--storage", db, "--param", "x=float:0:1", check=0)
    asked = hs.json("ask", "--storage", db, "--sampler", "random")
    time.sleep(1.2)
    hs.run("optimize", "--storage", db, "--sampler", "random", "--n-trials", "2", "--heartbeat", "0.2",
           "--heartbeat-grace", "1", "--", PY, "-c", "import sys; print(float(sys.argv[1]))", "{x}", check=0)
    states = {t["number"]: t["state"] for t in hs.trials(db)}
    assert states[asked["number"]] == "RUNNING"
    hs.run("tell", "--storage", db, "--trial", asked["number"], "--value", "0.5", check=0)
    assert {t["number"]: t["state"] for t in hs.trials(db)}[asked["number"]] == "COMPLETE"


def test_heartbeat_flags_are_checked(hs):
    proc = hs.run("optimize", "--storage", "memory://", "--param", "x=float:0:1", "--heartbeat", "5",
                  "--heartbeat-grace", "2", "--", PY, "-c", "print(1)", check=2)
    assert "--heartbeat-grace" in proc.stderr and "3 × --heartbeat" in proc.stderr
