"""The Python examples run and leave a study the package can read."""
import subprocess
import sys

import hyperscout
from conftest import REPO


def test_quickstart_example(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "quickstart.py")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "40 trials" in proc.stdout
    study = hyperscout.load_study(study_name="quickstart", storage=f"sqlite:///{tmp_path}/quickstart.db")
    assert len(study.trials) == 40
    assert f"{study.best_value:.4f}" in proc.stdout
