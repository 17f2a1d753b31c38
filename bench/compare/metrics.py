"""The numbers the report computes from raw results: kept free of I/O so test_metrics.py can check them."""

from __future__ import annotations

import math
import statistics
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

# COCO's 51 precision targets: 10^2 down to 10^-8, five per decade (Hansen et al. 2021, "COCO: performance
# assessment", arXiv:1605.03560, section "target values").
TARGETS: List[float] = [10.0 ** (2 - 0.2 * k) for k in range(51)]


def best_so_far(values: Sequence[float]) -> List[float]:
    out, best = [], math.inf
    for v in values:
        if v == v and v < best:  # NaN never improves
            best = v
        out.append(best)
    return out


def scored_values(record: Mapping[str, Any]) -> List[float]:
    """The values a run is scored by, in evaluation order: on a noisy problem the noise-free value of each
    point evaluated ("clean_values"), so the best of them is the best noise-free point and a lucky draw earns
    nothing; on a constrained one the value of each feasible point and "infeasible_score" for the others, so the
    best of them is the best feasible point; else the values the tool was told."""
    values = list(record.get("clean_values", record["values"]))
    if "feasible" in record:
        values = [v if ok else record["infeasible_score"] for v, ok in zip(values, record["feasible"])]
    return values


def first_hits(values: Sequence[float], optimum: float, targets: Sequence[float] = TARGETS) -> List[Optional[int]]:
    """For each precision target, the 1-based evaluation count at which f - f_opt <= target first held."""
    hits: List[Optional[int]] = [None] * len(targets)
    best = math.inf
    pending = 0  # targets are sorted from easiest to hardest, so hits fill in from the front
    for n, v in enumerate(values, start=1):
        if not v < best:
            continue
        best = v
        while pending < len(targets) and best - optimum <= targets[pending]:
            hits[pending] = n
            pending += 1
        if pending == len(targets):
            break
    return hits


def fraction_reached(hits: Sequence[Optional[int]], budget: int) -> float:
    """Share of the (function instance, target) pairs of one run reached within `budget` evaluations."""
    return sum(1 for h in hits if h is not None and h <= budget) / len(hits)


def paired_fraction_difference(
    runs: Mapping[Tuple[str, int], Sequence[Optional[int]]],
    ref: Mapping[Tuple[str, int], Sequence[Optional[int]]],
    budget: int,
) -> Tuple[float, float, int, int]:
    """How many more (function, target) pairs `runs` reach than `ref` within `budget` evaluations, paired: both map
    (problem, seed) to a run's first hits, and only the runs both made count. Per seed, the difference of the mean
    fractions over the common functions; then mean, standard error, seeds and common runs."""
    by_seed: Dict[int, List[float]] = {}
    for key, hits in runs.items():
        if key in ref:
            by_seed.setdefault(key[1], []).append(fraction_reached(hits, budget) - fraction_reached(ref[key], budget))
    mean, se = mean_se([statistics.fmean(d) for d in by_seed.values()])
    return mean, se, len(by_seed), sum(len(d) for d in by_seed.values())


def normalized_loss(value: float, best: float, baseline: float) -> float:
    """bayesmark's normalized loss: 0 at the best value any method found on the task, 1 at the median of a
    single random draw, clipped to [-1, 1] as bayesmark does for its mean score (bayesmark
    experiment_analysis.compute_aggregates). NaN when the task cannot be normalized (baseline <= best)."""
    span = baseline - best
    if not span > 0:
        return math.nan
    return min(max((value - best) / span, -1.0), 1.0)


def bayesmark_score(normalized: Iterable[float]) -> float:
    """100 × (1 − mean normalized loss), the score of the NeurIPS 2020 black-box optimization challenge."""
    xs = [x for x in normalized if x == x]
    return 100.0 * (1.0 - statistics.fmean(xs)) if xs else math.nan


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def mean_se(xs: Sequence[float]) -> Tuple[float, float]:
    """Mean and its standard error (sample standard deviation / sqrt(n)); s.e. is 0 for one value."""
    xs = [x for x in xs if x == x]
    if not xs:
        return math.nan, math.nan
    mean = statistics.fmean(xs)
    return mean, (statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0)


def per_seed_scores(
    normalized_by_task_seed: Dict[Tuple[str, int], float], seeds: Optional[Iterable[int]] = None
) -> Dict[int, float]:
    """bayesmark score of each seed (of `seeds` only, when given), averaging the normalized losses over that
    seed's tasks."""
    keep = None if seeds is None else set(seeds)
    by_seed: Dict[int, List[float]] = {}
    for (_, seed), x in normalized_by_task_seed.items():
        if keep is None or seed in keep:
            by_seed.setdefault(seed, []).append(x)
    return {seed: bayesmark_score(xs) for seed, xs in by_seed.items()}


def score_difference_on_common_cells(
    tool: Mapping[Tuple[str, int], float], ref: Mapping[Tuple[str, int], float], seeds: Iterable[int]
) -> Tuple[float, int]:
    """Score of `tool` minus score of `ref` (mean over `seeds` of per-seed bayesmark scores), both computed on the
    (task, seed) cells that both ran, and how many cells that is. For a tool run on some tasks only, the difference
    of the two headline scores would compare different task mixes."""
    common = {k for k in tool if k in ref}
    keep = set(seeds)
    mine, theirs = (
        mean_se(list(per_seed_scores({k: side[k] for k in common}, keep).values()))[0] for side in (tool, ref)
    )
    return mine - theirs, sum(1 for _, seed in common if seed in keep)


def seeds_with_every_task(keys: Iterable[Tuple[str, int]]) -> List[int]:
    """The seeds that every task among the (task, seed) keys has. A seed run on some tasks only would give those
    tasks more weight in a mean of per-seed scores, so the headline score keeps to these seeds."""
    keys = set(keys)
    tasks = {task for task, _ in keys}
    return sorted(s for s in {seed for _, seed in keys} if all((task, s) in keys for task in tasks))


def paired_task_differences(
    tool: Mapping[Tuple[str, int], float],
    ref: Mapping[Tuple[str, int], float],
    z: float = 2.0,
    min_diff: float = 0.1,
) -> Dict[str, Tuple[float, float, int, str]]:
    """Per task, how `tool` compares with `ref` from normalized final losses keyed by (task, seed): (mean per-seed
    score difference, its standard error, seeds both ran, verdict). Only the seeds both ran count (same seeds, so
    the difference is paired). The verdict is "ahead" when the mean difference exceeds z standard errors, "behind"
    when it is below −z standard errors, "level" otherwise: also when the mean difference is under `min_diff` score
    points (a consistent 0.01 on a task where every tool is within a hair of the best is no win), and on tasks with
    one common seed, which cannot be judged. Tasks only one of the two ran are left out."""
    diffs_by_task: Dict[str, List[float]] = {}
    for key, x in tool.items():
        y = ref.get(key, math.nan)
        if x == x and y == y:  # both ran this seed, neither NaN
            diffs_by_task.setdefault(key[0], []).append(100.0 * (y - x))
    out: Dict[str, Tuple[float, float, int, str]] = {}
    for task, diffs in sorted(diffs_by_task.items()):
        mean, se = mean_se(diffs)
        if len(diffs) < 2 or abs(mean) < min_diff:
            verdict = "level"
        elif mean - z * se > 0:
            verdict = "ahead"
        elif mean + z * se < 0:
            verdict = "behind"
        else:
            verdict = "level"
        out[task] = (mean, se, len(diffs), verdict)
    return out


def paired_task_outcomes(
    tool: Mapping[Tuple[str, int], float],
    ref: Mapping[Tuple[str, int], float],
    z: float = 2.0,
    min_diff: float = 0.1,
) -> Tuple[int, int, int]:
    """How many tasks `tool` is ahead of `ref` on, level with it, and behind it (paired_task_differences)."""
    verdicts = [v for *_, v in paired_task_differences(tool, ref, z, min_diff).values()]
    return verdicts.count("ahead"), verdicts.count("level"), verdicts.count("behind")
