"""Shared fixtures for the hyperscout CLI tests.

The binary comes from $HYPERSCOUT_BIN, else <repo>/build/cli/hyperscout. Every test works in its own
tmp_path with a sqlite:/// or memory:// storage, so tests never share state.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HYPERSCOUT_BIN", REPO / "build" / "cli" / "hyperscout"))
PY = sys.executable


class Hyperscout:
    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.env = dict(os.environ)
        self.env.pop("HYPERSCOUT_STORAGE", None)

    def run(self, *args, timeout=60, check=None, **kwargs):
        proc = subprocess.run(
            [str(BIN), *map(str, args)],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            **kwargs,
        )
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc

    def popen(self, *args, **kwargs):
        return subprocess.Popen(
            [str(BIN), *map(str, args)],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            **kwargs,
        )

    def json(self, *args):
        proc = self.run(*args, check=0)
        return json.loads(proc.stdout)

    def trials(self, storage, study="default"):
        return self.json("trials", "--storage", storage, "--study", study, "--format", "json", "--verbose")


def registry_names(kind: str) -> set:
    """Names the registry offers, read from `optimize --help` (generated from the registry)."""
    out = subprocess.run([str(BIN), "optimize", "--help"], capture_output=True, text=True, check=True).stdout
    match = re.search(rf"available {kind}s: ([^\n)]*)", out)
    return set(n.strip() for n in match.group(1).split(",")) if match else set()


def sqlite_available() -> bool:
    if not BIN.exists():
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [str(BIN), "studies", "--storage", f"sqlite:///{tmp}/probe.db"], capture_output=True, text=True
        )
        return proc.returncode == 0


def pytest_collection_modifyitems(config, items):
    if not BIN.exists():
        skip = pytest.mark.skip(reason=f"hyperscout binary not found at {BIN}; set HYPERSCOUT_BIN")
        for item in items:
            item.add_marker(skip)
        return
    if not sqlite_available():
        skip = pytest.mark.skip(reason="the sqlite storage is not built into this hyperscout yet")
        for item in items:
            if "sqlite" in item.keywords:
                item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite: needs the sqlite:/// storage in the registry")


@pytest.fixture
def hs(tmp_path):
    return Hyperscout(tmp_path)


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path}/study.db"


def write_script(path: Path, body: str) -> Path:
    path.write_text(body)
    path.chmod(0o755)
    return path


def log_lines(stderr: str, state: str):
    """(number, rest) for each 'trial N STATE ...' log line."""
    return [
        (int(m.group(1)), m.group(2))
        for m in re.finditer(rf"^trial (\d+) {state}(.*)$", stderr, flags=re.MULTILINE)
    ]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
