#!/usr/bin/env bash
# Creates the harness's virtual environments and records in install-status.json which tool families
# installed and which did not (with the reason); run.py reads it and reports a failed tool as such.
#
#   bench/compare/setup.sh                  # everything: .venv (hyperscout, Optuna, random), .venv-hebo, .venv-smac
#   bench/compare/setup.sh --only main      # just the main environment
#   bench/compare/setup.sh --rebuild        # also rebuild hyperscout from this checkout (after C++ changes)
#   HYPERSCOUT_ARCH= bench/compare/setup.sh --rebuild   # the portable (x86-64 baseline) build instead of
#                                                       # this CPU's level (scripts/cpu-level)
#
# HEBO and SMAC get their own environments because their pins conflict with Optuna's stack (HEBO pins an
# older NumPy/pandas/pymoo and needs PyTorch; SMAC brings dask and its own ConfigSpace). PyTorch from PyPI brings
# large CUDA wheels; that is fine for a benchmark machine and is never part of CI.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
only="main,hebo,smac"
rebuild=0
while (($#)); do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --rebuild) rebuild=1; shift ;;
    *) echo "setup.sh: unknown option $1 (use --only main,hebo,smac or --rebuild)" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-python3}"
status_dir="$(mktemp -d)"
trap 'rm -rf "$status_dir"' EXIT

# record FAMILY VENV OK REASON
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$status_dir/status.tsv"; }
last_error() { grep -iE "error|failed" "$1" | tail -n 2 | tr '\t\n' '  ' | cut -c1-300; }

make_venv() {  # make_venv DIR REQUIREMENTS LOG -> 0 when installed
  local dir="$1" req="$2" log="$3"
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir" >"$log" 2>&1 || return 1
  "$dir/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >>"$log" 2>&1
}

if [[ ",$only," == *",main,"* ]]; then
  venv="$here/.venv"
  log="$here/.setup-main.log"
  if make_venv "$venv" "$here/requirements-main.txt" "$log"; then
    record random "$venv" 1 ""
    record optuna "$venv" 1 ""
    if ((rebuild)) || ! "$venv/bin/python" -c "import hyperscout" 2>/dev/null; then
      echo "building hyperscout from $root (a few minutes)"
      # For this machine's CPU level (x86-64-v3 where it has AVX2/FMA), like scripts/build: the harness measures
      # hyperscout as built on the machine that runs it. HYPERSCOUT_ARCH= (empty) measures the portable wheel.
      arch="${HYPERSCOUT_ARCH-$("$root/scripts/cpu-level")}"
      echo "hyperscout build: HYPERSCOUT_ARCH=${arch:-<default>}" >>"$log"
      CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" "$venv/bin/python" -m pip install \
        --disable-pip-version-check -q --no-build-isolation --force-reinstall --no-deps \
        -C cmake.define.HYPERSCOUT_ARCH="$arch" -C build-dir="$root/build-wheel/harness-${arch:-default}" \
        "$root" >>"$log" 2>&1
    fi
    if "$venv/bin/python" -c "import hyperscout" 2>>"$log"; then
      record hyperscout "$venv" 1 ""
    else
      record hyperscout "$venv" 0 "hyperscout build failed: $(last_error "$log") (see $log)"
    fi
  else
    reason="$(last_error "$log") (see $log)"
    for fam in random optuna hyperscout; do record "$fam" "$venv" 0 "$reason"; done
  fi
fi

if [[ ",$only," == *",hebo,"* ]]; then
  log="$here/.setup-hebo.log"
  if make_venv "$here/.venv-hebo" "$here/requirements-hebo.txt" "$log" \
    && "$here/.venv-hebo/bin/python" -c "import hebo.optimizers.hebo" >>"$log" 2>&1; then
    record hebo "$here/.venv-hebo" 1 ""
  else
    record hebo "$here/.venv-hebo" 0 "$(last_error "$log") (see $log)"
  fi
fi

if [[ ",$only," == *",smac,"* ]]; then
  log="$here/.setup-smac.log"
  if make_venv "$here/.venv-smac" "$here/requirements-smac.txt" "$log" \
    && "$here/.venv-smac/bin/python" -c "import smac" >>"$log" 2>&1; then
    record smac "$here/.venv-smac" 1 ""
  else
    record smac "$here/.venv-smac" 0 "$(last_error "$log") (see $log)"
  fi
fi

# Merge into install-status.json (families set up earlier keep their entries).
"$python" - "$status_dir/status.tsv" "$here/install-status.json" <<'PY'
import json, os, sys, time
tsv, path = sys.argv[1], sys.argv[2]
status = json.load(open(path)) if os.path.exists(path) else {"families": {}}
for line in open(tsv):
    fam, venv, ok, reason = line.rstrip("\n").split("\t")
    entry = {"ok": ok == "1", "python": os.path.join(venv, "bin", "python"), "venv": venv}
    if ok != "1":
        entry["reason"] = reason or "unknown (see the setup log)"
    status["families"][fam] = entry
status["updated"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
json.dump(status, open(path, "w"), indent=1)
for fam, e in sorted(status["families"].items()):
    print(f"{fam:>10}: {'ok' if e['ok'] else 'FAILED: ' + e['reason']}")
PY
