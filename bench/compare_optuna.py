#!/usr/bin/env python3
"""Per-trial overhead of hyperscout next to Optuna 5, on the same cases, in one run.

Every case is: a study that already holds N finished trials (P float parameters in [-5, 5], objective =
sum of squares, written directly into storage), then timed trials of ask + suggest every parameter +
tell. Both tools report the median time per trial. Throughput cases run whole optimize loops on SQLite
with the random sampler and report trials per second (shown as microseconds per trial).

hyperscout's numbers come from the Google Benchmark binary (bench/hyperscout_bench.cpp), run once for
all selected cases with --benchmark_format=json; Optuna's are timed here, in this process.

Run from anywhere:  python3 bench/compare_optuna.py [--quick] [--bench-bin PATH] [--out FILE]
The script creates bench/.venv (with access to system packages) and installs bench/requirements.txt
there when Optuna 5 is not importable, then re-runs itself inside it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENV_DIR = BENCH_DIR / ".venv"
REQUIREMENTS = BENCH_DIR / "requirements.txt"

SEED = 20240601  # the same seed hyperscout_bench uses
LOW, HIGH = -5.0, 5.0
WARMUP_TRIALS = 2  # untimed trials before measuring, as in hyperscout_bench
SAMPLERS = ["random", "qmc", "tpe-univariate", "tpe-multivariate", "cmaes"]
STORAGES = ["memory", "sqlite"]
PARAM_COUNTS = [1, 10, 30]
HISTORIES = [100, 1000, 10000]
EXTRA_HISTORIES = {"cmaes": [200]}  # CMA-ES's per-suggestion target is stated at 200 finished trials
THROUGHPUT_HISTORIES = [0, 1000, 10000]
LARGE_HISTORY = 100000
LARGE_ENV = "HYPERSCOUT_BENCH_100K"

QUICK_CASES = [
    "trial/random/memory/p10/h1000",
    "trial/qmc/memory/p10/h100",
    "trial/tpe-univariate/memory/p10/h100",
    "trial/tpe-multivariate/memory/p10/h1000",
    "trial/cmaes/memory/p10/h200",
    "trial/random/sqlite/p1/h100",
    "throughput/random/sqlite/p3/h0",
]


# ---------------------------------------------------------------------------------------------------
# virtual environment


def ensure_venv(args: argparse.Namespace) -> None:
    """Re-executes this script inside bench/.venv, creating it and installing Optuna when needed."""
    if args.no_venv or Path(sys.prefix).resolve() == VENV_DIR.resolve():
        return
    python = VENV_DIR / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV_DIR} ...", file=sys.stderr)
        # System site packages are visible so an Optuna that is already installed is reused offline.
        if subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(VENV_DIR)]).returncode != 0:
            raise SystemExit(f"error: could not create {VENV_DIR}; install python3-venv, or run with --no-venv")
    probe = "import optuna, sys; sys.exit(0 if int(optuna.__version__.split('.')[0]) >= 5 else 1)"
    if subprocess.run([str(python), "-c", probe], capture_output=True).returncode != 0:
        print(f"installing {REQUIREMENTS} into {VENV_DIR} ...", file=sys.stderr)
        install = [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)]
        if subprocess.run(install).returncode != 0:
            raise SystemExit(
                f"error: could not install {REQUIREMENTS.name} into {VENV_DIR}; check network access, or install "
                "optuna>=5 yourself and run with --no-venv"
            )
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


# ---------------------------------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    kind: str  # "trial" or "throughput"
    sampler: str
    storage: str
    params: int
    history: int

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.sampler}/{self.storage}/p{self.params}/h{self.history}"


@dataclass
class Result:
    us_per_trial: float | None = None
    reason: str = ""  # why there is no number
    notes: list[str] = field(default_factory=list)


CASE_RE = re.compile(r"^(trial|throughput)/([a-z-]+)/([a-z]+)/p(\d+)/h(\d+)")


def parse_case(name: str) -> Case:
    match = CASE_RE.match(name)
    if not match:
        raise SystemExit(f"error: '{name}' is not a case name; expected e.g. trial/random/memory/p10/h1000")
    kind, sampler, storage, params, history = match.groups()
    return Case(kind, sampler, storage, int(params), int(history))


def all_cases(large: bool) -> list[Case]:
    cases = [
        Case("trial", sampler, storage, params, history)
        for sampler in SAMPLERS
        for storage in STORAGES
        for params in PARAM_COUNTS
        for history in sorted(HISTORIES + EXTRA_HISTORIES.get(sampler, []))
    ]
    histories = THROUGHPUT_HISTORIES + ([LARGE_HISTORY] if large else [])
    cases += [Case("throughput", "random", "sqlite", 3, history) for history in histories]
    return cases


def measured_trials(history: int) -> int:
    """Timed trials per case; the same rule as hyperscout_bench (history grows by about 10%)."""
    return max(10, history // 10)


# ---------------------------------------------------------------------------------------------------
# hyperscout (Google Benchmark binary)


def find_bench_bin(given: str | None) -> Path | None:
    if given:
        return Path(given)
    candidates = sorted(REPO_DIR.glob("build*/bench/hyperscout_bench"), key=lambda p: p.stat().st_mtime)
    return candidates[-1] if candidates else None


def run_hyperscout(cases: list[Case], bench_bin: Path | None, repetitions: int, large: bool) -> dict[str, Result]:
    results = {case.name: Result() for case in cases}
    if bench_bin is None or not bench_bin.exists():
        reason = (
            f"binary not found ({bench_bin})"
            if bench_bin
            else "binary not found; build with -DHYPERSCOUT_BUILD_BENCH=ON or pass --bench-bin"
        )
        for result in results.values():
            result.reason = reason
        return results
    # Case names contain only [a-z0-9/-], so they need no regex escaping.
    pattern = "^(" + "|".join(case.name for case in cases) + ")(/|$)"
    command = [str(bench_bin), "--benchmark_format=json", f"--benchmark_filter={pattern}"]
    if repetitions > 1:
        command += [f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true"]
    env = dict(os.environ)
    if large:
        env[LARGE_ENV] = "1"
    print(f"running {bench_bin.name} on {len(cases)} case(s) ...", file=sys.stderr)
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-1:] or ["(no output)"]
        for result in results.values():
            result.reason = f"hyperscout_bench exited with {completed.returncode}: {tail[0]}"
        return results
    report = json.loads(completed.stdout)
    runs: dict[str, list[dict]] = {}
    for entry in report.get("benchmarks", []):
        match = CASE_RE.match(entry.get("run_name", entry["name"]))
        if match:
            runs.setdefault(match.group(0), []).append(entry)
    for case in cases:
        result = results[case.name]
        entries = runs.get(case.name)
        if not entries:
            result.reason = "case missing from hyperscout_bench"
            continue
        errors = [e for e in entries if e.get("error_occurred")]
        if errors:
            result.reason = errors[0].get("error_message", "error")
            continue
        medians = [e for e in entries if e.get("aggregate_name") == "median"]
        chosen = medians or [e for e in entries if e.get("run_type", "iteration") == "iteration"]
        if case.kind == "throughput":
            values = [1e6 / e["items_per_second"] for e in chosen if e.get("items_per_second")]
        else:
            values = [e["trial_p50_us"] for e in chosen if "trial_p50_us" in e]
        if not values:
            result.reason = "no timing in hyperscout_bench output"
            continue
        result.us_per_trial = statistics.median(values)
        entry = chosen[0]
        if case.kind == "throughput":
            result.notes.append(f"hs {1e6 / result.us_per_trial:,.0f} trials/s")
        else:
            # An aggregate's "iterations" field counts repetitions, so the trial count comes from the rule.
            per_run = int(entry["iterations"]) if not medians else measured_trials(case.history)
            result.notes.append(f"hs n={per_run}x{max(repetitions, 1)}")
        if "prepopulate_s" in entry and case.history >= 10000:
            result.notes.append(f"hs setup {entry['prepopulate_s']:.1f}s")
    return results


# ---------------------------------------------------------------------------------------------------
# Optuna


class Unavailable(Exception):
    """A case Optuna cannot run here (missing optional dependency)."""


def import_optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # per-trial INFO logs would be timed otherwise
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="optuna")
    return optuna


def make_optuna_sampler(optuna, name: str):
    samplers = optuna.samplers
    if name == "random":
        return samplers.RandomSampler(seed=SEED)
    if name == "qmc":
        if importlib.util.find_spec("scipy") is None:
            raise Unavailable("Optuna's QMCSampler needs scipy (pip install scipy)")
        return samplers.QMCSampler(scramble=True, seed=SEED)
    if name == "tpe-univariate":
        return samplers.TPESampler(multivariate=False, seed=SEED)
    if name == "tpe-multivariate":
        return samplers.TPESampler(multivariate=True, constant_liar=True, seed=SEED)
    if name == "cmaes":
        if importlib.util.find_spec("cmaes") is None:
            raise Unavailable("Optuna's CmaEsSampler needs the cmaes package (pip install cmaes)")
        return samplers.CmaEsSampler(seed=SEED)
    raise Unavailable(f"no Optuna counterpart for sampler '{name}'")


def param_names(params: int) -> list[str]:
    return [f"x{i}" for i in range(params)]


def prior_trials(optuna, params: int, history: int) -> list:
    rng = random.Random(SEED + params)
    names = param_names(params)
    distributions = {name: optuna.distributions.FloatDistribution(LOW, HIGH) for name in names}
    trials = []
    for _ in range(history):
        values = {name: rng.uniform(LOW, HIGH) for name in names}
        trials.append(
            optuna.trial.create_trial(
                params=values, distributions=distributions, value=sum(x * x for x in values.values())
            )
        )
    return trials


@contextlib.contextmanager
def unsynchronized_sqlite():
    """Turns off fsync on SQLite connections opened inside the block.

    Only the untimed writing of a template history uses it: without it every add_trials commit waits for
    the disk, and a 1,000-trial history can take minutes on a busy machine. Timed trials run on a copy of
    the file through a plain RDBStorage with Optuna's default settings.
    """
    import sqlalchemy

    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", on_connect)
    try:
        yield
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", on_connect)


class OptunaRunner:
    def __init__(self, optuna, workdir: Path, quick: bool):
        self.optuna = optuna
        self.workdir = workdir
        self.quick = quick
        self.sqlite_templates: dict[tuple[int, int], tuple[Path, float]] = {}
        self.file_counter = 0

    def _fresh_path(self) -> Path:
        self.file_counter += 1
        return self.workdir / f"optuna_{self.file_counter}.db"

    def _sqlite_template(self, params: int, history: int) -> tuple[Path, float]:
        # add_trials on SQLite commits once per trial, so a 10,000-trial history takes a while; it is
        # written once per (params, history) and copied for each sampler.
        key = (params, history)
        if key not in self.sqlite_templates:
            path = self.workdir / f"template_p{params}_h{history}.db"
            start = time.perf_counter()
            with unsynchronized_sqlite():
                storage = self.optuna.storages.RDBStorage(f"sqlite:///{path}")
                study = self.optuna.create_study(study_name="bench", storage=storage)
                study.add_trials(prior_trials(self.optuna, params, history))
                storage.engine.dispose()
            self.sqlite_templates[key] = (path, time.perf_counter() - start)
        return self.sqlite_templates[key]

    def _open_study(self, case: Case, sampler) -> tuple[object, float]:
        """Returns the study with its history in place and the seconds it took to write the history."""
        optuna = self.optuna
        if case.storage == "memory":
            start = time.perf_counter()
            study = optuna.create_study(study_name="bench", storage=optuna.storages.InMemoryStorage(), sampler=sampler)
            study.add_trials(prior_trials(optuna, case.params, case.history))
            return study, time.perf_counter() - start
        if case.storage == "sqlite":
            template, setup_seconds = self._sqlite_template(case.params, case.history)
            path = self._fresh_path()
            shutil.copyfile(template, path)
            return optuna.load_study(study_name="bench", storage=f"sqlite:///{path}", sampler=sampler), setup_seconds
        raise Unavailable(f"no Optuna counterpart for storage '{case.storage}'")

    def run(self, case: Case) -> Result:
        result = Result()
        try:
            sampler = make_optuna_sampler(self.optuna, case.sampler)
            study, setup_seconds = self._open_study(case, sampler)
            if case.kind == "throughput":
                self._throughput(case, study, result)
            else:
                self._trials(case, study, result)
            if case.history >= 10000:
                result.notes.append(f"optuna setup {setup_seconds:.1f}s")
        except Unavailable as error:
            result.reason = str(error)
        except Exception as error:  # a case that fails must not end the comparison
            result.reason = f"{type(error).__name__}: {error}"
        return result

    def _trials(self, case: Case, study, result: Result) -> None:
        names = param_names(case.params)

        def one_trial() -> int:
            start = time.perf_counter_ns()
            trial = study.ask()
            value = 0.0
            for name in names:
                x = trial.suggest_float(name, LOW, HIGH)
                value += x * x
            study.tell(trial, value)
            return time.perf_counter_ns() - start

        for _ in range(WARMUP_TRIALS):
            one_trial()
        # Same trial count as hyperscout, but bounded by a time budget: Optuna's TPE at 10,000 trials
        # takes long per trial, so those cases time only a few (at least 3) trials.
        budget = 1.0 if self.quick else 5.0
        max_trials = measured_trials(case.history)
        times: list[int] = []
        started = time.perf_counter()
        while len(times) < max_trials and (len(times) < 3 or time.perf_counter() - started < budget):
            times.append(one_trial())
        result.us_per_trial = statistics.median(times) / 1000.0
        note = f"optuna n={len(times)}"
        if len(times) < max_trials:
            note += f" of {max_trials} (time budget {budget:.0f}s)"
        result.notes.append(note)

    def _throughput(self, case: Case, study, result: Result) -> None:
        names = param_names(case.params)

        def objective(trial) -> float:
            return sum(trial.suggest_float(name, LOW, HIGH) ** 2 for name in names)

        study.optimize(objective, n_trials=WARMUP_TRIALS)
        # As many trials as hyperscout runs (500), in chunks so a slow disk ends the case at the budget.
        max_trials, budget, chunk = (200, 10.0, 10) if self.quick else (500, 60.0, 20)
        n_trials = 0
        start = time.perf_counter()
        while n_trials < max_trials and (n_trials < 2 * chunk or time.perf_counter() - start < budget):
            study.optimize(objective, n_trials=chunk)
            n_trials += chunk
        elapsed = time.perf_counter() - start
        result.us_per_trial = elapsed / n_trials * 1e6
        note = f"optuna {n_trials / elapsed:,.0f} trials/s over {n_trials}"
        if n_trials < max_trials:
            note += f" of {max_trials} (time budget {budget:.0f}s)"
        result.notes.append(note)


# ---------------------------------------------------------------------------------------------------
# report


def format_us(value: float | None, reason: str) -> str:
    if value is None:
        return "n/a" if not reason else "not run"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def markdown(cases: list[Case], hs: dict[str, Result], op: dict[str, Result], header: list[str]) -> str:
    lines = header + [
        "",
        "| case | hyperscout µs/trial | Optuna µs/trial | ratio (Optuna / hyperscout) | notes |",
        "|---|---:|---:|---:|---|",
    ]
    for case in cases:
        h, o = hs[case.name], op[case.name]
        ratio = "—"
        if h.us_per_trial and o.us_per_trial:
            ratio = f"{o.us_per_trial / h.us_per_trial:,.1f}×"
        notes = h.notes + o.notes
        if h.reason:
            notes.append(f"hyperscout: {h.reason[:120]}")
        if o.reason:
            notes.append(f"Optuna: {o.reason[:120]}")
        cells = [
            f"`{case.name}`",
            format_us(h.us_per_trial, h.reason),
            format_us(o.us_per_trial, o.reason),
            ratio,
            "; ".join(notes).replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few representative cases (a minute or two)")
    parser.add_argument("--bench-bin", help="path to hyperscout_bench (default: newest build*/bench/hyperscout_bench)")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    parser.add_argument("--cases", help="regex: run only the cases whose name matches (e.g. 'tpe-.*/memory')")
    parser.add_argument(
        "--large", action="store_true", help=f"add the {LARGE_HISTORY:,}-trial throughput case (slow to set up)"
    )
    parser.add_argument(
        "--repetitions", type=int, help="hyperscout_bench repetitions per case (median taken; default 3, quick 1)"
    )
    parser.add_argument("--no-venv", action="store_true", help="use the current Python instead of bench/.venv")
    args = parser.parse_args()
    ensure_venv(args)

    cases = [parse_case(name) for name in QUICK_CASES] if args.quick else all_cases(args.large)
    if args.cases:
        selector = re.compile(args.cases)
        cases = [case for case in cases if selector.search(case.name)]
    if not cases:
        print("error: no case matches --cases; try e.g. --cases 'random/memory'", file=sys.stderr)
        return 2
    repetitions = args.repetitions or (1 if args.quick else 3)
    bench_bin = find_bench_bin(args.bench_bin)

    optuna = import_optuna()
    hs_results = run_hyperscout(cases, bench_bin, repetitions, args.large)
    op_results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="compare_optuna_") as workdir:
        runner = OptunaRunner(optuna, Path(workdir), args.quick)
        for index, case in enumerate(cases, 1):
            print(f"optuna [{index}/{len(cases)}] {case.name}", file=sys.stderr)
            op_results[case.name] = runner.run(case)

    command = "python3 bench/compare_optuna.py " + " ".join(sys.argv[1:])
    header = [
        f"hyperscout vs Optuna {optuna.__version__}{' (quick)' if args.quick else ''}: median µs per trial "
        "(ask + suggest all params + tell); throughput rows: µs per trial of Study.optimize on SQLite.",
        "",
        f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- command: `{command.strip()}`",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        f"- hyperscout_bench: `{bench_bin}`, {repetitions} repetition(s), median taken",
        "- each case's measured trials are added to the study it measures (history grows by about 10%)",
    ]
    report = markdown(cases, hs_results, op_results, header)
    print(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
