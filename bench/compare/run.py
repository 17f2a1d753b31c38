#!/usr/bin/env python3
"""Side-by-side sample-efficiency harness: runs hyperscout and other optimizers on the same problems,
seeds and budgets, then writes OUT/README.md (tables) and OUT/*.png (plots).

    bench/compare/setup.sh                          # once: virtual environments, records what installed
    python3 bench/compare/run.py --profile quick    # a few minutes
    python3 bench/compare/run.py --profile full --jobs 2 --out bench/results/compare-full   # hours
    python3 bench/compare/run.py --suites synthetic --tools hyperscout:gp,optuna:gp --shared-startup 10
                                                    # the same 10 random first trials for both tools
    python3 bench/compare/run.py --suites timing --emulate-cpu portable   # as on a CPU without AVX2

Each (tool, problem, protocol) group of seeds runs in a subprocess of the tool's virtual environment
(`python -m bench.compare.worker`), so a tool that crashes or hangs costs only its own cells. Results are
appended to OUT/results.jsonl as they arrive; a rerun with the same --out skips cells already there
(a cell that was "not available" or failed to install is tried again). --reuse-cells-from DIR copies
finished cells of build-independent tools (random search, by default) from an earlier run instead of
running them again; each copy is marked and run.json records how many. This file needs only the
standard library.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.compare.profiles import (  # noqa: E402
    PROFILES,
    SUITES,
    cells,
    parse_protocol,
    parse_shared_startup,
    per_command,
    protocol_label,
    recorded_commands,
)

STATUS_FILE = ROOT / "bench" / "compare" / "install-status.json"
FINAL = ("ok", "crashed")  # statuses a rerun keeps

# --emulate-cpu: the environment that makes every tool run as on a CPU of that level. hyperscout loads that build
# of its extension; the other tools' numeric libraries, which choose their SIMD code at run time, are held to the
# same instruction sets. PyTorch: ATEN_CPU_CAPABILITY; MKL (which ignores MKL_ENABLE_INSTRUCTIONS on AMD CPUs):
# the code branch MKL_CBWR; oneDNN: ONEDNN_MAX_CPU_ISA; OpenBLAS: OPENBLAS_CORETYPE; NumPy: its dispatch targets
# (NumPy 2 needs SSE4.2 at least, so "portable" leaves it one level above hyperscout's SSE2).
EMULATED_CPUS: Dict[str, Dict[str, str]] = {
    "portable": {
        "HYPERSCOUT_CPU_LEVEL": "portable",
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_CBWR": "COMPATIBLE",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "OPENBLAS_CORETYPE": "Nehalem",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
    },
    "x86-64-v3": {
        "HYPERSCOUT_CPU_LEVEL": "x86-64-v3",
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_CBWR": "AVX2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    },
}


def load_install_status(no_venv: bool) -> Dict[str, Any]:
    """Which interpreter runs each tool family, or why it cannot (from setup.sh)."""
    if no_venv or not STATUS_FILE.exists():
        if not no_venv:
            print(f"note: {STATUS_FILE.relative_to(ROOT)} not found (run bench/compare/setup.sh); "
                  "every tool runs in this interpreter", file=sys.stderr)  # fmt: skip
        return {}
    return json.loads(STATUS_FILE.read_text())


def family_of(tool: str) -> str:
    return tool.split(":", 1)[0]


def interpreter(status: Dict[str, Any], tool: str) -> tuple:
    """(python path, None) or (None, "install failed: ...")."""
    if not status:
        return sys.executable, None
    entry = status.get("families", {}).get(family_of(tool))
    if entry is None:
        return None, f"install failed: setup.sh did not try {family_of(tool)}"
    if not entry.get("ok"):
        return None, f"install failed: {entry.get('reason', 'unknown reason')}"
    return entry["python"], None


def cpu_model() -> str:
    """The processor's model name: some objectives (scikit-learn models) round differently on another
    CPU, so values of a task completed on two machines can differ slightly between its parts."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def read_done(path: Path) -> Dict[str, Dict[str, Any]]:
    done: Dict[str, Dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                done[rec["key"]] = rec
    return done


class Results:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.count = 0

    def add(self, rec: Dict[str, Any]) -> None:
        with self.lock:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
            self.count += 1


def finished(done: Dict[str, Dict[str, Any]], key: str) -> bool:
    """Whether `done` holds the cell with a status a rerun keeps."""
    return done.get(key, {}).get("status", "").split(":")[0] in FINAL


def reuse_cells(
    sources: List[Path], tools: set, selected: List[Dict[str, Any]], done: Dict[str, Dict[str, Any]], results: Results
) -> List[Dict[str, Any]]:
    """Copies finished cells of `tools` from earlier runs' results into this one, marking each with the directory
    it came from. Only cells with the same key (suite, problem, protocol, tool, seed) and budget that finished
    "ok" are copied; cells this run already finished are left alone. Returns how many came from each source."""
    summary = []
    for src in sources:
        theirs = read_done(src / "results.jsonl")
        copied = 0
        for c in selected:
            if c["tool"] not in tools or finished(done, c["key"]):
                continue
            rec = theirs.get(c["key"])
            if rec is None or rec.get("status") != "ok" or rec.get("budget") != c.get("budget"):
                continue
            rec = {**rec, "reused_from": str(src)}
            results.add(rec)
            done[c["key"]] = rec
            copied += 1
        summary.append({"from": str(src), "tools": sorted(tools), "cells": copied})
        print(f"copied {copied} cells of {', '.join(sorted(tools))} from {src}", flush=True)
    return summary


def run_chunk(
    python: str, chunk: List[Dict[str, Any]], results: Results, timeout: float, log: Any, extra_env: Dict[str, str]
) -> None:
    env = {**os.environ, **extra_env}
    # The caller's PYTHONPATH stays after the repository root (e.g. a hyperscout build to measure with --no-venv).
    python_path = os.pathsep.join([str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": python_path})
    started = time.monotonic()
    # stderr goes to a file: a worker that warns a lot must never block on a full pipe.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [python, "-m", "bench.compare.worker"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        seen = set()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(chunk))
            proc.stdin.close()
            for line in proc.stdout:
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                seen.add(rec["key"])
                results.add(rec)
            proc.wait()
        finally:
            timer.cancel()
        err.seek(0)
        stderr = err.read()
    missing = [c for c in chunk if c["key"] not in seen]
    if missing:
        timed_out = time.monotonic() - started >= timeout
        why = f"timed out after {timeout:.0f} s" if timed_out else f"worker exited with {proc.returncode}"
        tail = " | ".join(stderr.strip().splitlines()[-2:])[:300]
        for c in missing:
            results.add({**c, "status": f"crashed: {why}: {tail}"})
    first = chunk[0]
    print(f"[{time.strftime('%H:%M:%S')}] {first['tool']:>18} {first['suite']:>9} {first['problem']:>22} "
          f"{protocol_label(first):>7} x{len(chunk)} {time.monotonic() - started:7.1f}s", file=log, flush=True)  # fmt: skip


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument("--suites", default=",".join(SUITES), help=f"comma-separated subset of {','.join(SUITES)}")
    p.add_argument("--tools", help="comma-separated tools (default: the profile's), e.g. "
                   "random,hyperscout:tpe,hyperscout:gp,optuna:tpe,optuna:gp,hebo,smac:hpo")  # fmt: skip
    p.add_argument("--seeds", type=int, help="seeds per cell (default: the profile's; 10 or more for claims)")
    p.add_argument("--ml-tasks", help="comma-separated ML tasks (default: the profile's; 'all' for all 90)")
    p.add_argument("--ml-protocols", help="comma-separated ML protocols (default: the profile's), e.g. 16x8,seq100")
    p.add_argument("--shared-startup", default="0", metavar="N",
                   help="every tool's first N trials are the same uniform random points (per seed), told to it "
                   "before it samples, so tools differ only after them; kept apart from ordinary runs (protocol "
                   "label +sharedN)")  # fmt: skip
    p.add_argument("--bbob-max-budget", type=int, metavar="M",
                   help="stop bbob runs at M·D evaluations (default: the profile's caps, 100·D and 50·D for GP-like "
                        "tools), e.g. 20 to measure GP-like tools at D = 10 in hours instead of days")
    p.add_argument("--problems", help="only problems whose name matches this regular expression, e.g. 'mixed|f0[18]-d02'")
    p.add_argument("--out", default=None, help="output directory (default bench/results/compare-<profile>)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes at once (2 cores: at most 2)")
    p.add_argument("--cell-timeout", type=float, default=1800.0, help="seconds per cell before it counts as crashed")
    p.add_argument("--no-venv", action="store_true", help="run every tool in this interpreter, ignoring setup.sh")
    p.add_argument("--no-report", action="store_true", help="only run the cells")
    p.add_argument("--reuse-cells-from", action="append", default=[], metavar="DIR",
                   help="copy finished cells of --reuse-tools from an earlier --out DIR instead of running them "
                        "(repeatable; copies are marked and recorded in run.json)")  # fmt: skip
    p.add_argument("--reuse-tools", default="random", metavar="TOOLS",
                   help="comma-separated tools whose cells --reuse-cells-from may copy (default: random, whose "
                        "draws do not depend on the hyperscout build)")  # fmt: skip
    p.add_argument("--emulate-cpu", choices=sorted(EMULATED_CPUS), metavar="LEVEL",
                   help="run every tool as on a CPU of this level (portable: without AVX; x86-64-v3: AVX2 and FMA, "
                        "without AVX-512): hyperscout loads that build, the other tools' PyTorch, MKL, oneDNN, "
                        "OpenBLAS and NumPy use only its instruction sets; for time per suggestion on such CPUs")
    p.add_argument("--list-tasks", action="store_true", help="print the ML task names and exit")
    args = p.parse_args(argv)

    if args.list_tasks:
        from bench.compare.problems import bayesmark_tasks

        print("\n".join(bayesmark_tasks.task_names()))
        return 0
    profile = PROFILES[args.profile]
    suites = [s for s in args.suites.split(",") if s]
    bad = [s for s in suites if s not in SUITES]
    if bad:
        p.error(f"--suites: unknown suite(s) {', '.join(bad)}; choose from {', '.join(SUITES)}")
    tools = args.tools.split(",") if args.tools else list(profile["tools"])
    bad = [t for t in tools if family_of(t) not in ("random", "hyperscout", "optuna", "hebo", "smac")]
    if bad:
        p.error(f"--tools: unknown tool(s) {', '.join(bad)}; families are random, hyperscout:<sampler>, "
                "optuna:tpe|gp|cmaes|random|qmc, hebo, smac:hpo|bb")  # fmt: skip
    if "ml" in suites and "random" not in tools:
        tools = ["random"] + tools  # the bayesmark score is normalized by random search's draws
        print("note: added `random` to --tools: the ML score needs its draws", file=sys.stderr)
    seeds = args.seeds or profile["seeds"]
    if "ml" not in suites:
        ml_tasks = []  # the task list needs numpy (bayesmark_tasks), which this driver does without
    elif args.ml_tasks == "all" or (args.ml_tasks is None and profile["ml"]["tasks"] is None):
        from bench.compare.problems import bayesmark_tasks

        ml_tasks = bayesmark_tasks.task_names()
    else:
        ml_tasks = args.ml_tasks.split(",") if args.ml_tasks else profile["ml"]["tasks"]
    if args.ml_protocols:
        try:
            protocols = [parse_protocol(label) for label in args.ml_protocols.split(",") if label]
        except ValueError as e:
            p.error(f"--ml-protocols: {e}")
        profile = {**profile, "ml": {**profile["ml"], "protocols": protocols}}
    if args.bbob_max_budget is not None:
        if args.bbob_max_budget < 1:
            p.error(f"--bbob-max-budget: expected a positive multiple of D, got {args.bbob_max_budget}")
        b = profile["bbob"]
        cap = args.bbob_max_budget
        profile = {**profile, "bbob": {**b, "max_multiplier": min(b["max_multiplier"], cap),
                                       "gp_max_multiplier": min(b["gp_max_multiplier"], cap)}}  # fmt: skip
    try:
        shared_startup = parse_shared_startup(args.shared_startup)
    except ValueError as e:
        p.error(f"--shared-startup: {e}")
    wanted = re.compile(args.problems) if args.problems else None
    selected = [
        c
        for c in cells(profile, suites, tools, seeds, ml_tasks, shared_startup)
        if wanted is None or wanted.search(c["problem"])
    ]
    # Timing cells have no budget (and never a shared startup).
    short = next((c for c in selected if "budget" in c and c.get("shared_startup", 0) >= c["budget"]), None)
    if short:
        p.error(f"--shared-startup: {shared_startup} trials leave nothing to the tool in {short['suite']} "
                f"{short['problem']}, whose budget is {short['budget']} trials; use fewer")  # fmt: skip
    sources = [Path(d) for d in args.reuse_cells_from]
    for src in sources:
        if not (src / "results.jsonl").is_file():
            p.error(f"--reuse-cells-from: {src / 'results.jsonl'} does not exist; give a directory that an "
                    "earlier run.py --out wrote")  # fmt: skip
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"compare-{args.profile}"
    if any(src.resolve() == out.resolve() for src in sources):
        p.error("--reuse-cells-from: the directory is --out itself; its finished cells are kept anyway")
    meta_path = out / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    commands = recorded_commands(meta)
    emulated = per_command(meta, "emulated_cpu", None)  # the CPU level each command emulated (None: none)
    # Cells measured as on another CPU level must not be kept as if measured as on this one.
    earlier = {level for level in emulated if level != args.emulate_cpu}
    if earlier:
        p.error(f"--emulate-cpu: {out} holds cells run with --emulate-cpu {earlier.pop() or '(none)'}; a rerun "
                "there would mix the two, so give another --out")  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)

    status = load_install_status(args.no_venv)
    results = Results(out / "results.jsonl")
    done = read_done(results.path)
    reused = reuse_cells(sources, set(args.reuse_tools.split(",")), selected, done, results)
    todo = [c for c in selected if not finished(done, c["key"])]

    # Record install failures at once; group the rest by (tool, suite, problem, protocol) into chunks.
    chunks: Dict[tuple, List[Dict[str, Any]]] = {}
    for c in todo:
        python, failure = interpreter(status, c["tool"])
        if failure:
            results.add({**c, "status": failure})
            continue
        chunks.setdefault((python, c["tool"], c["suite"], c["problem"], protocol_label(c)), []).append(c)
    print(f"{len(todo)} cells to run ({len(done)} already in {results.path}), {len(chunks)} worker processes, "
          f"--jobs {args.jobs}", flush=True)  # fmt: skip
    # run.json keeps every command that wrote into this --out (a run may be completed in parts).
    cpus = per_command(meta, "cpus", "not recorded")  # one processor per command, so the lists align
    meta.update({
        "profile": args.profile, "seeds": seeds, "suites": sorted(set(meta.get("suites", [])) | set(suites)),
        "tools": meta.get("tools", []) + [t for t in tools if t not in meta.get("tools", [])],
        "commands": commands + [sys.argv[1:]], "elapsed_s": meta.get("elapsed_s", 0.0),
        "load_average": meta.get("load_average", []) + [round(os.getloadavg()[0], 1)],
        "cpus": cpus + [cpu_model()],
        "emulated_cpu": emulated + [args.emulate_cpu],
        # Cells copied rather than run, per command (its index in "commands").
        "reused": meta.get("reused", []) + [{**r, "command": len(commands)} for r in reused],
    })  # fmt: skip
    meta.pop("argv", None)
    meta.setdefault("started", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    meta_path.write_text(json.dumps(meta, indent=1))
    start = time.monotonic()
    extra_env = EMULATED_CPUS[args.emulate_cpu] if args.emulate_cpu else {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(run_chunk, key[0], chunk, results, args.cell_timeout * len(chunk), sys.stdout, extra_env)
            for key, chunk in chunks.items()
        ]
        for f in futures:
            f.result()
    elapsed = time.monotonic() - start
    meta["elapsed_s"] = round(meta["elapsed_s"] + elapsed, 1)
    meta_path.write_text(json.dumps(meta, indent=1))
    copied = sum(r["cells"] for r in reused)
    print(f"ran {results.count - copied} cells in {elapsed / 60:.1f} min", flush=True)
    if args.no_report:
        return 0
    python = status.get("families", {}).get("optuna", {}).get("python") if status else None
    cmd = [python or sys.executable, "-m", "bench.compare.report", "--out", str(out)]
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


if __name__ == "__main__":
    sys.exit(main())
