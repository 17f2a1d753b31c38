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
from bench.compare.profiles import PROFILES, cells, parse_protocol, protocol_label  # noqa: E402
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


def test_hyperscout_tool_names_carry_registry_options():
    from bench.compare.tools.hyperscout_tool import parse_variant

    assert parse_variant("cmaes") == ("cmaes", {})
    assert parse_variant("cmaes+lr_adapt") == ("cmaes", {"lr_adapt": True})
    assert parse_variant('cmaes+restart_strategy="none"+popsize=20') == (
        "cmaes", {"restart_strategy": "none", "popsize": 20})


def test_bbob_seeds_beyond_the_default_five_instances():
    pytest.importorskip("cocoex")
    from bench.compare.problems import bbob

    # cocoex's default suite holds instances 1-5 only; ten seeds need instances 1-10, each a different problem.
    optima = {bbob.make("f01-d02", seed).optimum for seed in (0, 4, 5, 9)}
    assert len(optima) == 4
