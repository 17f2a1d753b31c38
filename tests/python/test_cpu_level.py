"""Which build of the extension the package loads (portable or x86-64-v3), and that both give the same studies.

Each case runs in a fresh interpreter, since a process loads one build for its lifetime. Cases that need the
x86-64-v3 build skip when this CPU lacks that level (scripts/cpu-level decides, independently of the package)
or when the installation has no such build (HYPERSCOUT_PYTHON_DISPATCH=OFF, HYPERSCOUT_ARCH set, not x86-64).
"""
import importlib.machinery
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

import hyperscout

REPO = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(hyperscout.__file__).parent
V3_BUILD = [PACKAGE_DIR / ("_core_x86_64_v3" + s) for s in importlib.machinery.EXTENSION_SUFFIXES
            if (PACKAGE_DIR / ("_core_x86_64_v3" + s)).is_file()]


def cpu_has_x86_64_v3():
    script = REPO / "scripts" / "cpu-level"
    if not script.exists() or not Path("/proc/cpuinfo").exists():
        return False
    return subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout.strip() == "x86-64-v3"


needs_v3 = pytest.mark.skipif(not (cpu_has_x86_64_v3() and V3_BUILD),
                              reason="needs an x86-64-v3 CPU (scripts/cpu-level) and the _core_x86_64_v3 build")

# Prints which build loaded, which extension files this process has mapped, and seeded studies' parameters
# (floats in hex, so equality is bit for bit).
PROBE = r"""
import json, sys
import hyperscout

def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-4, 1.0, log=True)
    n = trial.suggest_int("n", 1, 20)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1.3) ** 2 + abs(y - 0.01) * n + (0.3 if c == "b" else 0.0)

def hexed(params):
    return {k: v.hex() if isinstance(v, float) else v for k, v in sorted(params.items())}

samplers = {
    "tpe": hyperscout.samplers.TPESampler(seed=7),
    "tpe_multivariate": hyperscout.samplers.TPESampler(seed=7, multivariate=True),
    "random": hyperscout.samplers.RandomSampler(seed=7),
    "qmc": hyperscout.samplers.QMCSampler(seed=7),
}
studies = {}
for name, sampler in samplers.items():
    study = hyperscout.create_study(sampler=sampler)
    study.optimize(objective, n_trials=int(sys.argv[1]))
    studies[name] = [hexed(t.params) for t in study.trials]
with open("/proc/self/maps") as f:
    mapped = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in f if "/hyperscout/_core" in line})
print(json.dumps({"cpu_level": hyperscout.cpu_level(), "core_file": hyperscout._core.__file__,
                  "mapped": mapped, "studies": studies}))
"""


def run_python(code, level, *args):
    env = dict(os.environ)
    env.pop("HYPERSCOUT_CPU_LEVEL", None)
    if level is not None:
        env["HYPERSCOUT_CPU_LEVEL"] = level
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=300, cwd=PACKAGE_DIR.parent.parent)


def probe(level, n_trials=60):
    proc = run_python(PROBE, level, n_trials)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/self/maps")
def test_portable_forced_loads_only_the_portable_build():
    out = probe("portable", n_trials=5)
    assert out["cpu_level"] == "portable"
    assert Path(out["core_file"]).name.startswith("_core.")
    assert len(out["mapped"]) == 1 and out["mapped"][0].startswith("_core."), out["mapped"]


@needs_v3
def test_x86_64_v3_forced_loads_only_the_v3_build():
    out = probe("x86-64-v3", n_trials=5)
    assert out["cpu_level"] == "x86-64-v3"
    assert Path(out["core_file"]) == V3_BUILD[0]
    assert out["mapped"] == [V3_BUILD[0].name]


@needs_v3
def test_default_is_the_v3_build_on_a_v3_cpu():
    assert probe(None, n_trials=1)["cpu_level"] == "x86-64-v3"


@needs_v3
def test_seeded_studies_are_bit_identical_under_both_builds():
    portable, v3 = probe("portable"), probe("x86-64-v3")
    assert (portable["cpu_level"], v3["cpu_level"]) == ("portable", "x86-64-v3")
    for name, trials in portable["studies"].items():
        assert len(trials) == 60
        assert trials == v3["studies"][name], f"{name}: the two builds suggest different parameters"


def test_invalid_value_is_a_clear_import_error():
    proc = run_python("import hyperscout", "avx512")
    assert proc.returncode != 0
    assert "ImportError: HYPERSCOUT_CPU_LEVEL='avx512' is not a CPU level: use portable or x86-64-v3" in proc.stderr


def test_choice_of_build():
    choose = hyperscout._cpu.use_x86_64_v3_build
    assert choose("", [], True)
    assert not choose("", [], False)
    assert not choose("", ["fma"], True)
    assert not choose("", None, True)  # CPU features unknown (not Linux): portable
    assert not choose("portable", [], True)
    assert choose("x86-64-v3", [], True)
    assert choose("x86-64-v3", None, True)  # forced where the features cannot be read: the user's call
    assert not choose("x86-64-v3", [], False)  # load_core then reports that the build is missing
    with pytest.raises(ImportError) as error:
        choose("x86-64-v3", ["avx2", "fma"], True)
    assert str(error.value) == ("HYPERSCOUT_CPU_LEVEL=x86-64-v3, but this CPU lacks avx2, fma (from /proc/cpuinfo); "
                                "unset HYPERSCOUT_CPU_LEVEL or set it to portable")
    with pytest.raises(ImportError, match="HYPERSCOUT_CPU_LEVEL='native' is not a CPU level"):
        choose("native", [], True)


def test_a_process_keeps_the_build_it_loaded_first():
    code = ("import os, hyperscout\n"
            "os.environ['HYPERSCOUT_CPU_LEVEL'] = 'x86-64-v3'\n"
            "try:\n"
            "    hyperscout._cpu.load_core(hyperscout.__path__)\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    proc = run_python(code, "portable")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ("HYPERSCOUT_CPU_LEVEL=x86-64-v3, but this process already loaded the portable "
                                   "build of hyperscout's extension; set the variable before the first import")


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="the CPU check reads /proc/cpuinfo on x86-64 Linux only")
def test_missing_features_come_from_the_cpuinfo_flags(tmp_path):
    v3 = "avx avx2 bmi1 bmi2 f16c fma abm movbe xsave"
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {v3} avx512f\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert hyperscout._cpu.missing_x86_64_v3_features(str(cpuinfo)) == []
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx bmi1 f16c movbe xsave avx2x\n")
    assert hyperscout._cpu.missing_x86_64_v3_features(str(cpuinfo)) == ["avx2", "bmi2", "fma", "abm"]
    assert hyperscout._cpu.missing_x86_64_v3_features(str(tmp_path / "absent")) is None
