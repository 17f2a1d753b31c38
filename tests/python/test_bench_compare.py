"""The side-by-side harness's own arithmetic and plumbing (bench/compare/): score normalization, COCO
target fractions, conditional spaces, cell lists, and one tiny end-to-end run with random search.
Needs only numpy; the optimizers under comparison are not imported here."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.compare import metrics  # noqa: E402
from bench.compare.profiles import (  # noqa: E402
    PROFILES,
    cells,
    parse_protocol,
    parse_shared_startup,
    protocol_label,
)
from bench.compare.space import active, sample_uniform  # noqa: E402


def test_targets_are_cocos_51_log_spaced_precisions():
    assert len(metrics.TARGETS) == 51
    assert metrics.TARGETS[0] == pytest.approx(100.0)
    assert metrics.TARGETS[-1] == pytest.approx(1e-8)
    assert metrics.TARGETS[5] == pytest.approx(10.0)  # five targets per decade


def test_first_hits_record_the_first_evaluation_reaching_each_target():
    optimum = 1.0
    values = [1000.0, 1.0 + 50.0, 1.0 + 0.5, 1.0 + 2.0, 1.0]
    hits = metrics.first_hits(values, optimum)
    assert hits[0] == 2  # 10^2 first met by the 2nd evaluation (precision 50)
    assert hits[metrics.TARGETS.index(next(t for t in metrics.TARGETS if t < 1.0))] == 3
    assert hits[-1] == 5  # the exact optimum meets every target
    assert all(h is None or h >= 2 for h in hits)


def test_fraction_reached_counts_targets_within_the_budget():
    hits = [1, 3, 10] + [None] * 48
    assert metrics.fraction_reached(hits, 1) == pytest.approx(1 / 51)
    assert metrics.fraction_reached(hits, 9) == pytest.approx(2 / 51)
    assert metrics.fraction_reached(hits, 10) == pytest.approx(3 / 51)


def test_paired_fraction_difference_uses_only_the_runs_both_made():
    none = [None] * 51
    first = [1] + [None] * 50  # reaches one target at once
    late = [100] * 51  # reaches every target, but only at evaluation 100
    runs = {("f01", 0): first, ("f02", 0): first, ("f01", 1): late, ("f03", 1): first}
    ref = {("f01", 0): none, ("f02", 0): first, ("f01", 1): none, ("f09", 1): first}
    # Seed 0: (1/51 + 0) / 2 ahead; seed 1: f01 only, all targets at 100 and none at 10.
    mean, se, seeds, n = metrics.paired_fraction_difference(runs, ref, 10)
    assert (seeds, n) == (2, 3)
    assert mean == pytest.approx((1 / 102 + 0.0) / 2)
    mean, se, seeds, n = metrics.paired_fraction_difference(runs, ref, 100)
    assert mean == pytest.approx((1 / 102 + 1.0) / 2) and se > 0
    assert metrics.paired_fraction_difference(runs, {}, 10)[3] == 0


def test_bbob_paired_lines_compare_a_variant_with_its_defaults_and_their_counterparts():
    from bench.compare.report import bbob_paired_lines

    def run(tool, seed, hits):
        return {"tool": tool, "problem": "f01-d02", "seed": seed, "dimension": 2, "budget": 20, "hits": hits}

    none, one = [None] * 51, [1] + [None] * 50
    bb = [run("hyperscout:gp", 0, none), run("hyperscout:gp+kernel=matern32", 0, one), run("optuna:gp", 0, none),
          run("hyperscout:gp", 1, one), run("hyperscout:gp+kernel=matern32", 1, one), run("optuna:gp", 1, none)]
    tools = ["hyperscout:gp", "hyperscout:gp+kernel=matern32", "optuna:gp", "hyperscout:tpe+n_startup_trials=5"]
    lines = bbob_paired_lines(bb, tools, [(2, 10)])
    rows = {line.split(" | ")[0]: line for line in lines if line.startswith("| hyperscout")}
    assert set(rows) == {"| hyperscout:gp − optuna:gp", "| hyperscout:gp+kernel=matern32 − hyperscout:gp",
                         "| hyperscout:gp+kernel=matern32 − optuna:gp"}  # fmt: skip
    # Seed 0 one target ahead of the defaults, seed 1 level: (1/51 + 0) / 2; against Optuna one target on both.
    assert f"{1 / 102:+.4f}" in rows["| hyperscout:gp+kernel=matern32 − hyperscout:gp"]
    assert f"{1 / 51:+.4f}" in rows["| hyperscout:gp+kernel=matern32 − optuna:gp"]


def test_normalized_loss_is_zero_at_best_one_at_random_median_and_clipped():
    assert metrics.normalized_loss(2.0, best=2.0, baseline=4.0) == 0.0
    assert metrics.normalized_loss(3.0, best=2.0, baseline=4.0) == pytest.approx(0.5)
    assert metrics.normalized_loss(4.0, best=2.0, baseline=4.0) == 1.0
    assert metrics.normalized_loss(40.0, best=2.0, baseline=4.0) == 1.0  # worse than random's median: capped
    assert math.isnan(metrics.normalized_loss(3.0, best=4.0, baseline=4.0))


def test_bayesmark_score_and_per_seed_scores():
    assert metrics.bayesmark_score([0.0, 0.0]) == pytest.approx(100.0)
    assert metrics.bayesmark_score([1.0, 0.5]) == pytest.approx(25.0)
    scores = metrics.per_seed_scores({("a", 0): 0.2, ("b", 0): 0.4, ("a", 1): 1.0, ("b", 1): 1.0})
    assert scores == {0: pytest.approx(70.0), 1: pytest.approx(0.0)}
    mean, se = metrics.mean_se(list(scores.values()))
    assert mean == pytest.approx(35.0)
    assert se == pytest.approx(35.0)  # stdev of (70, 0) / sqrt(2)


def test_headline_seeds_are_the_ones_every_task_has():
    # Task "a" ran seeds 0-2, task "b" seeds 0-1: seed 2 would weigh "a" alone.
    keys = {("a", 0): 0.2, ("b", 0): 0.4, ("a", 1): 0.0, ("b", 1): 0.0, ("a", 2): 1.0}
    assert metrics.seeds_with_every_task(keys) == [0, 1]
    assert metrics.seeds_with_every_task({("a", 3): 0.0}) == [3]
    assert metrics.seeds_with_every_task({}) == []
    assert metrics.per_seed_scores(keys, [0, 1]) == {0: pytest.approx(70.0), 1: pytest.approx(100.0)}
    assert set(metrics.per_seed_scores(keys)) == {0, 1, 2}


def test_paired_task_outcomes_count_tasks_ahead_level_and_behind():
    ref = {("a", s): 0.5 for s in range(4)} | {("b", s): 0.2 for s in range(4)} | {("c", s): 0.3 for s in range(4)}
    tool = {
        **{("a", s): 0.1 + 0.01 * s for s in range(4)},  # clearly lower loss than ref on every seed: ahead
        **{("b", s): 0.2 + (0.3 if s == 0 else -0.1) for s in range(4)},  # mixed, mean 0: level
        **{("c", s): 0.9 for s in range(4)},  # higher loss everywhere: behind
        ("d", 0): 0.0,  # ref never ran task d: not counted
    }
    assert metrics.paired_task_outcomes(tool, ref) == (1, 1, 1)
    assert metrics.paired_task_outcomes(ref, tool) == (1, 1, 1)
    assert metrics.paired_task_outcomes(ref, ref) == (0, 3, 0)
    # The same verdicts per task, with the paired difference in score points (ref's loss minus tool's, × 100).
    per_task = metrics.paired_task_differences(tool, ref)
    assert sorted(per_task) == ["a", "b", "c"]  # d only one side ran
    mean, se, seeds, verdict = per_task["a"]
    assert mean == pytest.approx(100 * (0.5 - 0.115)) and se == pytest.approx(100 * 0.01 * math.sqrt(5 / 3) / 2)
    assert (seeds, verdict) == (4, "ahead")
    assert per_task["b"][0] == pytest.approx(0.0) and per_task["b"][3] == "level"
    assert per_task["c"][:2] == (pytest.approx(-60.0), pytest.approx(0.0)) and per_task["c"][3] == "behind"
    # One common seed cannot be judged, however large the difference.
    assert metrics.paired_task_outcomes({("a", 0): 0.0}, {("a", 0): 1.0}) == (0, 1, 0)
    # A consistent difference of 0.05 score points is level; at 0.2 points it counts.
    tiny = {("a", s): 0.5 - 0.0005 for s in range(4)}
    assert metrics.paired_task_outcomes(tiny, {("a", s): 0.5 for s in range(4)}) == (0, 1, 0)
    small = {("a", s): 0.5 - 0.002 for s in range(4)}
    assert metrics.paired_task_outcomes(small, {("a", s): 0.5 for s in range(4)}) == (1, 0, 0)
    # Seeds only one side ran are ignored; NaN losses too.
    assert metrics.paired_task_outcomes({("a", 0): 0.0, ("a", 1): 0.1, ("a", 2): math.nan}, {("a", 0): 1.0, ("a", 1): 0.9, ("a", 5): 0.0}) == (1, 0, 0)


def test_score_difference_of_a_tool_run_on_some_tasks_uses_the_cells_both_ran():
    # ref ran tasks a and b; the tool only a, where it is 10 points better on each seed. Over a and b ref's headline
    # score is lower (task b is hard for it), which a difference of headline scores would credit to the tool.
    ref = {("a", 0): 0.3, ("a", 1): 0.5, ("b", 0): 0.9, ("b", 1): 0.9}
    tool = {("a", 0): 0.2, ("a", 1): 0.4}
    diff, cells = metrics.score_difference_on_common_cells(tool, ref, [0, 1])
    assert diff == pytest.approx(10.0) and cells == 2
    diff, cells = metrics.score_difference_on_common_cells(ref, tool, [0])  # symmetric, and only the seeds given
    assert diff == pytest.approx(-10.0) and cells == 1


def test_report_compares_a_tool_run_on_some_tasks_on_the_cells_both_ran(tmp_path):
    pytest.importorskip("matplotlib")

    def record(tool, task, seed, values):
        cell = {"suite": "ml", "problem": task, "tool": tool, "seed": seed, "protocol": "batch", "batch": 2,
                "budget": 2, "status": "ok", "optimum": None, "values": values}  # fmt: skip
        cell["key"] = f"ml|{task}|{protocol_label(cell)}|{tool}|{seed}"
        return cell

    records = []
    for seed in (0, 1):
        for task in ("easy", "hard"):
            records.append(record("random", task, seed, [1.0, 3.0]))  # median single draw 2, so baseline 2
            records.append(record("hyperscout:auto", task, seed, [0.0, 0.0] if task == "easy" else [2.0, 2.0]))
        records.append(record("smac:hpo", "easy", seed, [1.0, 1.0]))  # halfway between best and baseline: 50
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    tools = ["random", "hyperscout:auto", "smac:hpo"]
    (tmp_path / "run.json").write_text(json.dumps({"profile": "full", "tools": tools}))
    proc = subprocess.run([sys.executable, "-m", "bench.compare.report", "--out", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "README.md").read_text()
    scores, _, named = text.partition("The tasks, with the paired score difference to hyperscout:auto")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in scores.splitlines()
            if line.startswith("| ") and " ± " in line}  # fmt: skip
    # auto scores 100 on "easy" and 0 on "hard": 50 overall, the same as SMAC's 50 on "easy" alone. On the cells
    # both ran SMAC is 50 points behind.
    assert rows["hyperscout:auto"].startswith("| hyperscout:auto | 50.00 ± 0.00 | 4 |")
    smac = "| smac:hpo | 50.00 ± 0.00 (partial: 2 of 4) | 2 | -50.00 on the 2 cells both ran |"
    assert rows["smac:hpo"].startswith(smac)
    assert rows["random"].startswith("| random | ")
    assert "on the" not in rows["random"]  # random ran the same cells as auto: a plain difference
    # The tasks behind the ahead / level / behind counts, named with their paired differences. Random search's best
    # draw (1) scores 50 on "easy" (auto found 0) and 100 on "hard" (the best any tool found there), the same on both
    # seeds: 50 behind auto and 100 ahead.
    assert rows["random"].endswith("| 1 / 0 / 1 |")
    assert "| random | hard (+100.00 ± 0.00) | easy (-50.00 ± 0.00) |" in named
    assert "| smac:hpo | none | easy (-50.00 ± 0.00) |" in named


def test_conditional_space_samples_only_active_branches():
    from bench.compare.problems.synthetic import NESTED_SPACE, nested

    rng = np.random.default_rng(3)
    for _ in range(200):
        p = sample_uniform(NESTED_SPACE, rng)
        assert ("kernel" in p) == (p["model"] == "svm")
        assert ("degree" in p) == (p.get("kernel") == "poly")
        assert ("trees" in p) == (p["model"] == "forest")
        assert 8 <= p["batch"] <= 256 and isinstance(p["batch"], int)
        assert nested(p) >= 0.0
    flat = {"model": "knn", "kernel": "poly", "degree": 3, "k": 15, "batch": 32, "shared": 0.25}
    assert active(NESTED_SPACE, flat) == {"model": "knn", "k": 15, "batch": 32, "shared": 0.25}


def test_known_optima_of_synthetic_problems():
    from bench.compare.problems import synthetic

    assert synthetic.nested({"model": "svm", "kernel": "poly", "degree": 3, "C": 10.0, "batch": 32, "shared": 0.25}) == pytest.approx(0.0)
    assert synthetic.integers({"a": 13, "b": -4, "c": 100, "d": 8, "opt": "adam", "flag": True}) == pytest.approx(0.0)
    assert synthetic.mixed({"x0": 0.3, "x1": 0.3, "x2": 0.3, "lr": 1e-3, "n": 7, "kind": "b"}) == pytest.approx(0.0)


def test_known_optima_of_the_classic_test_functions():
    from bench.compare.problems import make

    def value_at(name, params):
        problem = make("synthetic", name, 0)
        return problem.objective(params) - problem.optimum

    # Branin's three global minima.
    for x1, x2 in ((-math.pi, 12.275), (math.pi, 2.275), (9.42478, 2.475)):
        assert value_at("branin", {"x1": x1, "x2": x2}) == pytest.approx(0.0, abs=1e-5)
    x_star = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]  # Hartmann 6-D's published argmin
    assert value_at("hartmann6", {f"x{i}": x for i, x in enumerate(x_star)}) == pytest.approx(0.0, abs=1e-5)
    assert value_at("log_rosenbrock4", {f"x{i}": 1.0 for i in range(4)}) == 0.0
    # No point does better than the stated optimum.
    rng = np.random.default_rng(0)
    for name in ("branin", "hartmann6", "log_rosenbrock4", "mixed", "conditional"):
        problem = make("synthetic", name, 0)
        lowest = min(problem.objective(sample_uniform(problem.space, rng)) for _ in range(2000))
        assert lowest > problem.optimum, name


def test_noisy_branin_is_scored_by_its_noise_free_values():
    from bench.compare.problems import make, synthetic
    from bench.compare.report import regret_at

    point = {"x1": 1.0, "x2": 2.0}
    problem = make("synthetic", "branin_noisy", 3)
    assert problem.optimum == synthetic.BRANIN_OPTIMUM and problem.clean(point) == synthetic.branin(point)
    noise = np.array([problem.objective(point) - problem.clean(point) for _ in range(4000)])
    assert abs(noise.mean()) < 0.1 and 0.9 < noise.std() < 1.1  # N(0, 1)
    again = make("synthetic", "branin_noisy", 3)
    assert [again.objective(point) for _ in range(5)] == pytest.approx(list(noise[:5] + problem.clean(point)))
    other = make("synthetic", "branin_noisy", 4)
    assert other.objective(point) != pytest.approx(noise[0] + problem.clean(point))
    assert make("synthetic", "branin", 3).clean is None
    # A lucky draw (observed 0.1) earns nothing: the regret is that of the best noise-free value.
    record = {"values": [5.0, 0.1, 3.0], "clean_values": [4.0, 2.5, 1.0], "optimum": 0.5}
    assert metrics.scored_values(record) == [4.0, 2.5, 1.0]
    assert regret_at(record, 2) == pytest.approx(2.0)
    assert regret_at(record, 3) == pytest.approx(0.5)
    assert metrics.scored_values({"values": [5.0, 0.1], "optimum": 0.0}) == [5.0, 0.1]


def test_constrained_problem_is_scored_by_its_best_feasible_value():
    from bench.compare import worker
    from bench.compare.problems import make, synthetic
    from bench.compare.report import regret_at

    problem = make("synthetic", "gramacy_constrained", 0)
    # The published optimum (Gramacy et al. 2016): feasible, on the wavy constraint's boundary, value 0.5998.
    best = {"x0": 0.1954, "x1": 0.4044}
    assert problem.objective(best) == pytest.approx(synthetic.GRAMACY_OPTIMUM, abs=1e-4)
    c0, c1 = problem.constraints(best)
    assert abs(c0) < 1e-3 and c1 < 0
    # A grid finds nothing feasible and lower (up to the grid's step).
    grid = np.linspace(0.0, 1.0, 401)
    feasible = [x0 + x1 for x0 in grid for x1 in grid if max(problem.constraints({"x0": x0, "x1": x1})) <= 0]
    assert min(feasible) > synthetic.GRAMACY_OPTIMUM - 2e-3
    assert problem.constraints({"x0": 0.0, "x1": 0.0})[0] > 0  # the unconstrained optimum is infeasible
    # An infeasible evaluation scores the problem's worst value, however low its objective.
    record = {"values": [0.1, 0.9, 0.7], "feasible": [False, True, True], "infeasible_score": 2.0, "optimum": 0.6}
    assert metrics.scored_values(record) == [2.0, 0.9, 0.7]
    assert regret_at(record, 1) == pytest.approx(1.4) and regret_at(record, 3) == pytest.approx(0.1)
    # The worker records the constraints, tells them to the tools that take them, and refuses the others.
    cell = {"key": "k", "suite": "synthetic", "problem": "gramacy_constrained", "tool": "random", "seed": 1,
            "protocol": "seq", "batch": 1, "budget": 12}  # fmt: skip
    result = worker.run_cell(cell)
    assert result["status"] == "ok" and len(result["constraints"]) == len(result["feasible"]) == 12
    assert result["feasible"] == [max(c) <= 0 for c in result["constraints"]]
    assert result["infeasible_score"] == 2.0
    refused = worker.run_cell({**cell, "tool": "hyperscout:cmaes"})
    assert "takes no constraint values" in refused["status"] or refused["status"].startswith("not ")
    shared = worker.run_cell({**cell, "shared_startup": 3})  # its trials would reach the tools without constraints
    assert shared["status"].startswith("crashed: ValueError: a shared startup tells the tools no constraint values")


def test_noisy_hartmann_adds_noise_of_a_tenth():
    from bench.compare.problems import make, synthetic

    point = {f"x{i}": 0.3 for i in range(6)}
    problem = make("synthetic", "hartmann6_noisy", 5)
    assert problem.optimum == synthetic.HARTMANN6_OPTIMUM and problem.clean(point) == synthetic.hartmann6(point)
    noise = np.array([problem.objective(point) - problem.clean(point) for _ in range(4000)])
    assert abs(noise.mean()) < 0.01 and 0.09 < noise.std() < 0.11


def test_shared_startup_is_the_same_for_every_tool_and_told_before_sampling(monkeypatch):
    from bench.compare import worker
    from bench.compare.space import Space

    class Recorder:
        """Stands in for a tool: records what it is told and asks uniform points of its own stream."""

        def __init__(self, space: Space, seed: int) -> None:
            self.space, self.rng, self.events = space, np.random.default_rng(seed + 100), []

        def add_history(self, rows):
            self.events.append(("history", rows))

        def ask(self, n):
            self.events.append(("ask", n))
            return [(None, sample_uniform(self.space, self.rng)) for _ in range(n)]

        def tell(self, handle, params, value):
            self.events.append(("tell", value))

    made = []

    def make_tool(name, space, seed, budget, constrained=False):
        assert not constrained
        made.append(Recorder(space, seed + len(made)))  # a different stream per "tool"
        return made[-1]

    monkeypatch.setattr(worker, "make_tool", make_tool)
    cell = {"suite": "synthetic", "problem": "branin_noisy", "seed": 7, "protocol": "batch", "batch": 4, "budget": 12,
            "shared_startup": 5}  # fmt: skip
    def problem():  # a fresh one per run: a noisy problem's noise stream is part of it
        return worker.make_problem(cell["suite"], cell["problem"], cell["seed"])

    first, second = (worker.run_optimization(dict(cell, tool=t), problem()) for t in ("a", "b"))
    assert first["values"][:5] == second["values"][:5] and first["clean_values"][:5] == second["clean_values"][:5]
    assert first["values"][5:] != second["values"][5:]
    assert len(first["values"]) == len(first["clean_values"]) == 12
    for tool, result in zip(made, (first, second)):
        kind, rows = tool.events[0]
        assert kind == "history" and len(rows) == 5
        assert [p for p, _ in rows] == worker.startup_points(tool.space, 7, 5)
        assert [n for kind, n in tool.events if kind == "ask"] == [4, 3]  # then 7 trials in batches of 4
        assert result["values"][:5] == pytest.approx([v for _, v in rows], rel=1e-6)
    ordinary = worker.run_optimization(dict(cell, tool="a", shared_startup=0), problem())
    assert made[-1].events[0] == ("ask", 4) and ordinary["values"][:5] != first["values"][:5]


def test_shared_startup_option_and_labels():
    assert parse_shared_startup("0") == 0 and parse_shared_startup("10") == 10
    for bad in ("-1", "ten", "2.5", ""):
        with pytest.raises(ValueError, match="whole number"):
            parse_shared_startup(bad)
    cs = cells(PROFILES["quick"], ["timing", "synthetic", "ml"], ["random"], 1, ["SVM-iris-nll"], shared_startup=10)
    assert {protocol_label(c) for c in cs} == {"timing", "seq60+shared10", "16x8+shared10"}
    assert all(c.get("shared_startup", 0) == (0 if c["suite"] == "timing" else 10) for c in cs)
    ordinary = cells(PROFILES["quick"], ["synthetic"], ["random"], 1, [])
    assert not {c["key"] for c in ordinary} & {c["key"] for c in cs}


def test_driver_rejects_a_shared_startup_that_fills_the_budget(tmp_path):
    budget = PROFILES["quick"]["synthetic"]["budget"]
    for value, message in ((str(budget), "leave nothing to the tool"), ("-3", "whole number")):
        cmd = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--suites", "synthetic",
               "--tools", "random", "--shared-startup", value, "--out", str(tmp_path / "run")]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert not (tmp_path / "run").exists()


def test_cells_have_unique_keys_and_gp_like_tools_respect_bbob_caps():
    profile = PROFILES["full"]
    cs = cells(profile, ["bbob", "synthetic"], ["hyperscout:tpe", "optuna:gp"], 2, [])
    keys = [c["key"] for c in cs]
    assert len(keys) == len(set(keys))
    gp = [c for c in cs if c["tool"] == "optuna:gp" and c["suite"] == "bbob"]
    tpe = [c for c in cs if c["tool"] == "hyperscout:tpe" and c["suite"] == "bbob"]
    assert max(c["dimension"] for c in gp) == 10 and max(c["dimension"] for c in tpe) == 20
    assert all(c["budget"] == 50 * c["dimension"] for c in gp)
    assert all(c["budget"] == 100 * c["dimension"] for c in tpe)


def test_gp_variants_are_capped_like_gp_and_auto_gets_the_full_bbob_budget():
    cs = cells(PROFILES["full"], ["bbob"], ["hyperscout:gp+replicate_penalty=true", "hyperscout:auto"], 1, [])
    variant = [c for c in cs if c["tool"].startswith("hyperscout:gp+")]
    auto = [c for c in cs if c["tool"] == "hyperscout:auto"]
    assert variant and all(c["budget"] == 50 * c["dimension"] and c["dimension"] <= 10 for c in variant)
    assert max(c["dimension"] for c in auto) == 20
    assert all(c["budget"] == 100 * c["dimension"] for c in auto)


def test_ml_protocols_parse_from_their_labels():
    for label in ("16x8", "seq100", "4x2"):
        assert protocol_label(parse_protocol(label)) == label
    assert parse_protocol("16x8") == {"protocol": "batch", "batch": 8, "budget": 128}
    for bad in ("16x", "seq", "0x8", "batch"):
        with pytest.raises(ValueError, match="ROUNDSxBATCH"):
            parse_protocol(bad)


def test_driver_runs_random_search_and_reports_unknown_samplers(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report",
           "--suites", "synthetic", "--problems", "^mixed$", "--tools", "random,hyperscout:no-such-sampler", "--seeds", "2", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    budget = PROFILES["quick"]["synthetic"]["budget"]
    rand = [r for r in records if r["tool"] == "random"]
    assert len(rand) == 2 and {r["problem"] for r in rand} == {"mixed"}
    assert all(r["status"] == "ok" and len(r["values"]) == budget for r in rand)
    missing = [r for r in records if r["tool"] == "hyperscout:no-such-sampler"]
    assert missing and all(r["status"].startswith("not ") for r in missing)
    # A rerun keeps finished cells and retries only the unavailable ones.
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    again = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len([r for r in again if r["tool"] == "random"]) == len(rand)
    # run.json keeps each command with the processor it ran on (objective values may depend on it).
    meta = json.loads((out / "run.json").read_text())
    assert len(meta["commands"]) == 2 and len(meta["cpus"]) == 2
    assert all(isinstance(cpu, str) and cpu for cpu in meta["cpus"])


def test_driver_reuses_random_cells_of_an_earlier_run_and_records_the_copy(tmp_path):
    base = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report",
            "--suites", "synthetic", "--problems", "^mixed$"]  # fmt: skip
    first, second = tmp_path / "first", tmp_path / "second"
    proc = subprocess.run(base + ["--tools", "random", "--seeds", "2", "--out", str(first)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    old = {json.loads(line)["key"]: json.loads(line) for line in (first / "results.jsonl").read_text().splitlines()}
    # Three seeds now: two are copied, the third is run; hyperscout's cells are never copied.
    cmd = base + ["--tools", "random,hyperscout:no-such-sampler", "--seeds", "3", "--out", str(second),
                  "--reuse-cells-from", str(first)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "copied 2 cells of random" in proc.stdout
    records = [json.loads(line) for line in (second / "results.jsonl").read_text().splitlines()]
    rand = {r["seed"]: r for r in records if r["tool"] == "random"}
    assert sorted(rand) == [0, 1, 2]
    for seed in (0, 1):
        assert rand[seed]["reused_from"] == str(first) and rand[seed]["values"] == old[rand[seed]["key"]]["values"]
    assert "reused_from" not in rand[2] and rand[2]["status"] == "ok"
    assert all("reused_from" not in r for r in records if r["tool"] != "random")
    meta = json.loads((second / "run.json").read_text())
    assert meta["reused"] == [{"from": str(first), "tools": ["random"], "cells": 2, "command": 0}]
    # A directory without results is refused with a message naming the option.
    proc = subprocess.run(base + ["--out", str(tmp_path / "third"), "--reuse-cells-from", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2 and "--reuse-cells-from" in proc.stderr and "does not exist" in proc.stderr


def test_driver_runs_the_timing_suite(tmp_path):
    # Timing cells have no budget: the driver's checks on budgets must leave them alone.
    out = tmp_path / "run"
    cmd = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report",
           "--suites", "timing", "--tools", "random", "--seeds", "2", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    repeats = PROFILES["quick"]["timing"]["repeats"]
    assert len(records) == 2 and all(r["status"] == "ok" and len(r["ask_ms"]) == repeats for r in records)
    assert all(ms >= 0 for r in records for ms in r["ask_ms"])


def test_emulate_cpu_reaches_every_tool_and_is_never_mixed_with_other_cells(tmp_path):
    out = tmp_path / "run"
    base = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report",
            "--suites", "timing", "--seeds", "1", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(base + ["--tools", "random,hyperscout:tpe", "--emulate-cpu", "portable"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = {r["tool"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    # NumPy's dispatch stops below AVX2 (x86-64-v3) whatever this CPU has.
    assert records["random"]["status"] == "ok"
    assert "X86_V3" not in records["random"]["simd"]["numpy"].split()
    hs = records["hyperscout:tpe"]
    if hs["status"] == "ok":
        assert hs["simd"]["hyperscout"] == "portable"
    else:  # an installation with one build only refuses the level, naming the variable the option set
        assert "HYPERSCOUT_CPU_LEVEL=portable" in hs["status"], hs["status"]
    assert json.loads((out / "run.json").read_text())["emulated_cpu"] == ["portable"]
    # Adding cells measured without the emulation to the same --out is refused, and nothing is written.
    before = (out / "results.jsonl").read_text()
    proc = subprocess.run(base + ["--tools", "random", "--seeds", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--emulate-cpu" in proc.stderr and "another --out" in proc.stderr
    assert (out / "results.jsonl").read_text() == before


def test_driver_keeps_shared_startup_runs_apart(tmp_path):
    out = tmp_path / "run"
    base = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report", "--suites",
            "synthetic", "--problems", "^branin_noisy$", "--profile", "full", "--tools", "random", "--seeds", "2",
            "--out", str(out)]  # fmt: skip
    for extra in ([], ["--shared-startup", "10"]):
        proc = subprocess.run(base + extra, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(protocol_label(r) for r in records) == ["seq100", "seq100", "seq100+shared10", "seq100+shared10"]
    assert all(r["status"] == "ok" and len(r["values"]) == len(r["clean_values"]) == 100 for r in records)
    by_seed = {(r["seed"], r.get("shared_startup", 0)): r["clean_values"] for r in records}
    assert by_seed[(0, 10)][10:] == by_seed[(0, 0)][:90]  # random search's own points follow the shared ten
    assert by_seed[(0, 10)][:10] != by_seed[(1, 10)][:10]  # the startup depends on the seed


def test_report_pairs_bbob_runs_with_the_hyperscout_counterpart(tmp_path):
    pytest.importorskip("matplotlib")

    def record(tool, fn, seed, budget, hits):
        cell = {"suite": "bbob", "problem": f"{fn}-d02", "tool": tool, "seed": seed, "protocol": "seq", "batch": 1,
                "budget": budget, "dimension": 2, "status": "ok", "hits": hits}  # fmt: skip
        cell["key"] = f"bbob|{cell['problem']}|{protocol_label(cell)}|{tool}|{seed}"
        return cell

    one, none = [1] + [None] * 50, [None] * 51
    records = [record("hyperscout:gp", fn, seed, 100, one) for fn in ("f01", "f02") for seed in (0, 1)]
    # Optuna's GP made f01 only, and reached nothing: hyperscout's f02 runs must not count.
    records += [record("optuna:gp", "f01", seed, 40, none) for seed in (0, 1)]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "run.json").write_text(json.dumps({"profile": "full", "tools": ["hyperscout:gp", "optuna:gp"]}))
    proc = subprocess.run([sys.executable, "-m", "bench.compare.report", "--out", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in (tmp_path / "README.md").read_text().splitlines()
               if line.startswith("| hyperscout:gp − optuna:gp |"))  # fmt: skip
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    # Columns D=2 at 10, 20, 50 and 100·D: Optuna's runs stop at 20·D, so the last two pair nothing.
    assert cells[:2] == [f"+{1 / 51:.4f} ± 0.0000 (2 runs, 2 seeds)"] * 2
    assert cells[2:] == ["—", "—"]


def test_report_puts_shared_startup_runs_in_sections_of_their_own(tmp_path):
    pytest.importorskip("matplotlib")
    from bench.compare.report import fmt_mse

    def record(seed, shared, clean):
        cell = {"suite": "synthetic", "problem": "branin_noisy", "tool": "random", "seed": seed, "protocol": "seq",
                "batch": 1, "budget": 4, "status": "ok", "optimum": 0.5, "values": [9.0, 0.0, 9.0, 9.0],
                "clean_values": clean, **({"shared_startup": shared} if shared else {})}  # fmt: skip
        cell["key"] = f"synthetic|branin_noisy|{protocol_label(cell)}|random|{seed}"
        return cell

    records = [record(0, 0, [4.0, 3.0, 2.0, 1.5]), record(1, 0, [4.0, 3.0, 2.5, 2.5]),
               record(0, 2, [4.0, 3.0, 1.0, 0.75]), record(1, 2, [4.0, 3.0, 1.25, 1.25])]  # fmt: skip
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "run.json").write_text(json.dumps({"profile": "quick", "tools": ["random"]}))
    proc = subprocess.run([sys.executable, "-m", "bench.compare.report", "--out", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ordinary, shared = (tmp_path / "README.md").read_text().split("# Runs with a shared startup of 2 trials")
    # Final regrets (best noise-free value − 0.5): 1.0 and 2.0 ordinary, 0.25 and 0.75 shared.
    assert "### protocol seq4, regret after 4 trials" in ordinary and fmt_mse(1.5, 0.5) in ordinary
    assert "### protocol seq4+shared2, regret after 4 trials" in shared and fmt_mse(0.5, 0.25) in shared
    assert fmt_mse(0.5, 0.25) not in ordinary and fmt_mse(1.5, 0.5) not in shared
    assert (tmp_path / "synthetic_seq4_branin_noisy.png").exists()
    assert (tmp_path / "synthetic_seq4+shared2_branin_noisy.png").exists()


def test_report_joins_parts_and_later_parts_win_a_cell(tmp_path):
    pytest.importorskip("matplotlib")
    from bench.compare.report import fmt_mse

    def record(seed, final):
        cell = {"suite": "synthetic", "problem": "branin", "tool": "random", "seed": seed, "protocol": "seq",
                "batch": 1, "budget": 2, "status": "ok", "optimum": 0.0, "values": [9.0, final]}  # fmt: skip
        cell["key"] = f"synthetic|branin|{protocol_label(cell)}|random|{seed}"
        return cell

    parts = [tmp_path / "a", tmp_path / "b"]
    copy = {"from": "earlier", "tools": ["random"], "cells": 1, "command": 0}  # b's cell came from another run
    cells = [[record(0, 5.0), record(1, 2.0)], [{**record(1, 1.0), "reused_from": "earlier"}]]
    starts = ["2026-12-02 10:00 UTC", "2026-12-01 09:00 UTC"]
    for part, records, started, reused in zip(parts, cells, starts, [[], [copy]]):
        part.mkdir()
        (part / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        (part / "run.json").write_text(json.dumps({"profile": "full", "seeds": 2, "tools": ["random"],
                                                   "commands": [["--out", part.name]], "elapsed_s": 60.0,
                                                   "started": started, "reused": reused}))  # fmt: skip
    out = tmp_path / "all"
    report = [sys.executable, "-m", "bench.compare.report"]
    proc = subprocess.run([*report, "--out", str(out), "--parts", *map(str, parts)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    joined = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["seed"], r["values"][-1]) for r in joined) == [(0, 5.0), (1, 1.0)]
    meta = json.loads((out / "run.json").read_text())
    assert meta["commands"] == [["--out", "a"], ["--out", "b"]]
    assert meta["elapsed_s"] == 120.0 and meta["started"] == "2026-12-01 09:00 UTC"
    assert meta["reused"] == [{**copy, "command": 1}]  # the index now counts the joined commands
    text = (out / "README.md").read_text()
    assert "1 cell copied from `earlier`, not run again" in text
    # Regret after 2 trials: 5 and 1 (seed 1 from the later part), not 5 and 2.
    assert fmt_mse(3.0, 2.0) in text and "--out a" in text and "--out b" in text
    # Reporting into one of the parts would overwrite its cells.
    proc = subprocess.run([*report, "--out", str(parts[0]), "--parts", *map(str, parts)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode != 0 and "--out must be a new directory" in proc.stderr
    assert len((parts[0] / "results.jsonl").read_text().splitlines()) == 2
    proc = subprocess.run([*report, "--out", str(out), "--parts", str(tmp_path / "missing")], cwd=REPO,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode != 0 and "does not exist" in proc.stderr


def test_hyperscout_tool_names_carry_registry_options():
    from bench.compare.tools.hyperscout_tool import parse_variant

    assert parse_variant("cmaes") == ("cmaes", {})
    assert parse_variant("cmaes+lr_adapt") == ("cmaes", {"lr_adapt": True})
    assert parse_variant('cmaes+restart_strategy="none"+popsize=20') == (
        "cmaes", {"restart_strategy": "none", "popsize": 20})
    # A value that is not JSON is taken as a string, so no shell quoting is needed.
    assert parse_variant("gp+input_warping=off+n_restarts=2") == ("gp", {"input_warping": "off", "n_restarts": 2})


def test_bbob_seeds_beyond_the_default_five_instances():
    pytest.importorskip("cocoex")
    from bench.compare.problems import bbob

    # cocoex's default suite holds instances 1-5 only; ten seeds need instances 1-10, each a different problem.
    optima = {bbob.make("f01-d02", seed).optimum for seed in (0, 4, 5, 9)}
    assert len(optima) == 4


def test_bbob_max_budget_caps_every_tool_and_rejects_nonpositive_values(tmp_path):
    out = tmp_path / "run"
    base = [sys.executable, str(REPO / "bench" / "compare" / "run.py"), "--no-venv", "--no-report", "--profile",
            "full", "--suites", "bbob", "--problems", "^f01-d02$", "--tools", "random", "--seeds", "1",
            "--out", str(out)]  # fmt: skip
    proc = subprocess.run(base + ["--bbob-max-budget", "0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--bbob-max-budget" in proc.stderr, proc.stderr
    pytest.importorskip("cocoex")
    proc = subprocess.run(base + ["--bbob-max-budget", "5"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    # The full profile runs random search to 100·D; the cap stops it at 5·D.
    assert [(r["status"], r["budget"], r["key"]) for r in records] == [("ok", 10, "bbob|f01-d02|seq10|random|0")]
