"""Fixtures for the hyperscout Python package tests.

The package is imported from the environment (scripts/test installs this checkout with
`pip install .`). CLI interop tests use $HYPERSCOUT_BIN, else <repo>/build/cli/hyperscout, and are
skipped when that binary is missing.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HYPERSCOUT_BIN", REPO / "build" / "cli" / "hyperscout"))


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path}/study.db"


class Cli:
    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.env = dict(os.environ)
        self.env.pop("HYPERSCOUT_STORAGE", None)

    def run(self, *args, check=0, timeout=120):
        proc = subprocess.run([str(BIN), *map(str, args)], cwd=self.cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc

    def trials(self, storage, study):
        return json.loads(self.run("trials", "--storage", storage, "--study", study, "--format", "json").stdout)


@pytest.fixture
def cli(tmp_path):
    if not BIN.exists():
        pytest.skip(f"hyperscout CLI not found at {BIN}; set HYPERSCOUT_BIN")
    return Cli(tmp_path)
