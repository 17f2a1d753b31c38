"""Turns OUT/results.jsonl into OUT/README.md (Markdown tables) and OUT/*.png (matplotlib plots).

    python -m bench.compare.report --out bench/results/compare-quick
    python -m bench.compare.report --out bench/results/ml-all --parts bench/results-archive/*ml16x8-part*

With --parts, the parts' results.jsonl files are joined (in the order given; a cell that two parts hold is
taken from the later one) into OUT/results.jsonl, their run.json files into OUT/run.json (commands, load
averages and processors listed part by part, running time summed), and OUT is reported as one run.

Every tool named in the run gets a row, with "install failed", "not available" or "crashed" where it has
no numbers. Means are over seeds (± one standard error); see bench/README.md for each table's definition.
Runs with a shared startup (run.py --shared-startup N) get sections of their own after the ordinary ones.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import shlex
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from bench.compare import metrics
from bench.compare.profiles import per_command, protocol_label, recorded_commands

# The hyperscout sampler each other tool's time per suggestion is compared with.
COUNTERPART = {
    "optuna:tpe": "hyperscout:tpe", "optuna:gp": "hyperscout:gp", "optuna:cmaes": "hyperscout:cmaes",
    "optuna:random": "hyperscout:random", "optuna:qmc": "hyperscout:qmc", "hebo": "hyperscout:gp",
    "smac:bb": "hyperscout:gp", "smac:hpo": "hyperscout:tpe",
}  # fmt: skip


def load(out: Path) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    latest: Dict[str, Dict[str, Any]] = {}
    for line in (out / "results.jsonl").read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            latest[rec["key"]] = rec
    meta = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    return list(latest.values()), meta


def join_parts(parts: List[Path], out: Path) -> None:
    """Writes the cells of `parts` (later parts win) and their joined run.json into `out`."""
    latest: Dict[str, Dict[str, Any]] = {}
    meta: Dict[str, Any] = {"parts": [], "tools": [], "suites": [], "commands": [], "load_average": [],
                            "cpus": [], "emulated_cpu": [], "reused": [], "elapsed_s": 0.0}  # fmt: skip
    for part in parts:
        results = part / "results.jsonl"
        if not results.is_file():
            raise SystemExit(f"report: {results} does not exist; each --parts entry is a run's output directory")
        records, m = load(part)
        latest.update((rec["key"], rec) for rec in records)
        meta["parts"].append(str(part))
        for field in ("tools", "suites"):
            meta[field] += [x for x in m.get(field, []) if x not in meta[field]]
        offset = len(meta["commands"])
        meta["commands"] += recorded_commands(m)
        meta["reused"] += [{**r, "command": r.get("command", 0) + offset} for r in m.get("reused", [])]
        meta["load_average"] += m.get("load_average", [])
        meta["cpus"] += m.get("cpus", [])
        meta["emulated_cpu"] += per_command(m, "emulated_cpu", None)
        meta["elapsed_s"] += m.get("elapsed_s", 0.0)
        for field in ("profile", "seeds"):
            if field in m and meta.setdefault(field, m[field]) != m[field]:
                meta[field] = f"{meta[field]}, {m[field]}"
        if m.get("started") and (not meta.get("started") or m["started"] < meta["started"]):
            meta["started"] = m["started"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.jsonl").write_text("".join(json.dumps(rec) + "\n" for rec in latest.values()), encoding="utf-8")
    (out / "run.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def fmt(x: float, digits: int = 4) -> str:
    if x != x:
        return "—"
    return f"{x:.{digits}g}"


def fmt_mse(mean: float, se: float, digits: int = 4) -> str:
    return "—" if mean != mean else f"{fmt(mean, digits)} ± {fmt(se, 2)}"


def tool_order(records: List[Dict[str, Any]], meta: Dict[str, Any]) -> List[str]:
    order = list(meta.get("tools", []))
    for r in records:
        if r["tool"] not in order:
            order.append(r["tool"])
    return order


def reference_tool(tools: List[str], ok: Dict[str, int]) -> Optional[str]:
    for t in ("hyperscout:auto", "hyperscout:gp", "hyperscout:tpe"):
        if t in tools and ok.get(t):
            return t
    return None


def no_data_note(records: List[Dict[str, Any]], tool: str) -> str:
    """Why a tool has no numbers in a table: its first non-ok status."""
    for r in records:
        if r["tool"] == tool and r["status"] != "ok":
            return r["status"].split("\n")[0][:160]
    return "no cells run"


def status_table(records: List[Dict[str, Any]], tools: List[str]) -> List[str]:
    lines = ["## Tools", "", "| tool | cells ok | crashed | not run | first problem |", "|---|---:|---:|---:|---|"]
    for tool in tools:
        mine = [r for r in records if r["tool"] == tool]
        ok = sum(r["status"] == "ok" for r in mine)
        crashed = sum(r["status"].startswith("crashed") for r in mine)
        other = len(mine) - ok - crashed
        bad = next((r for r in mine if r["status"] != "ok"), None)
        note = bad["status"].replace("|", "/")[:200] + f" ({bad['suite']} {bad['problem']})" if bad else ""
        lines.append(f"| {tool} | {ok} | {crashed} | {other} | {note} |")
    return lines + [""]


def band_plot(ax: Any, xs: np.ndarray, runs: np.ndarray, label: str, log_y: bool = False) -> None:
    """Mean curve with a ± one standard error band over runs (rows)."""
    mean = runs.mean(axis=0)
    se = runs.std(axis=0, ddof=1) / math.sqrt(runs.shape[0]) if runs.shape[0] > 1 else np.zeros_like(mean)
    (line,) = ax.plot(xs, mean, label=label)
    ax.fill_between(xs, mean - se, mean + se, color=line.get_color(), alpha=0.2)
    if log_y:
        ax.set_yscale("log")


def new_figure(title: str, xlabel: str, ylabel: str) -> Tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    return fig, ax


def save(fig: Any, ax: Any, path: Path) -> None:
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)


# ---- ml (bayesmark) ----


def task_verdict_table(
    norm: Mapping[str, Mapping[Tuple[str, int], float]], tools: Sequence[str], ref: str
) -> List[str]:
    """Which tasks each tool is ahead of `ref` on and behind it on, the largest paired differences first: the counts
    of the table above, named."""
    if ref not in norm:
        return []
    rows = []
    for tool in tools:
        if tool == ref or tool not in norm:
            continue
        differences = metrics.paired_task_differences(norm[tool], norm[ref])
        named = {}
        for verdict in ("ahead", "behind"):
            picked = sorted(
                ((task, d) for task, d in differences.items() if d[3] == verdict), key=lambda item: -abs(item[1][0])
            )
            listed = ", ".join(f"{task} ({mean:+.2f} ± {se:.2f})" for task, (mean, se, _, _) in picked)
            named[verdict] = listed or "none"
        rows.append(f"| {tool} | {named['ahead']} | {named['behind']} |")
    if not rows:
        return []
    return [
        "",
        f"The tasks, with the paired score difference to {ref} (mean ± s.e. over the seeds both ran):",
        "",
        f"| tool | ahead of {ref} on | behind {ref} on |",
        "|---|---|---|",
    ] + rows


def ml_section(records: List[Dict[str, Any]], tools: List[str], out: Path) -> List[str]:
    ml = [r for r in records if r["suite"] == "ml" and r["status"] == "ok"]
    if not any(r["suite"] == "ml" for r in records):
        return []
    lines = ["## ML tasks (bayesmark score)", ""]
    tasks = sorted({r["problem"] for r in ml})
    # Per task: best = lowest loss any tool reached; baseline = median of random search's single draws.
    best = {t: min(min(r["values"]) for r in ml if r["problem"] == t) for t in tasks}
    random_draws: Dict[str, List[float]] = {}
    for r in ml:
        if r["tool"] == "random":
            random_draws.setdefault(r["problem"], []).extend(r["values"])
    baseline = {t: metrics.median(random_draws.get(t, [])) for t in tasks}
    degenerate = [t for t in tasks if not baseline[t] > best[t]]
    lines += [
        f"Score = 100 × (1 − mean normalized loss) per seed, then mean ± s.e. over seeds; normalized loss = "
        f"(best-so-far − best any tool found) / (median single random draw − that best), clipped to [−1, 1] "
        f"(bayesmark). {len(tasks)} tasks: {', '.join(tasks)}.",
    ]
    if degenerate:
        lines.append(f"Left out (random median not above the best): {', '.join(degenerate)}.")
    lines.append("")
    protos = sorted({protocol_label(r) for r in ml})
    ok_count = {t: sum(1 for r in ml if r["tool"] == t) for t in tools}
    ref = reference_tool(tools, ok_count)
    for proto in protos:
        cells = [r for r in ml if protocol_label(r) == proto and r["problem"] not in degenerate]
        norm: Dict[str, Dict[Tuple[str, int], float]] = {}
        curves: Dict[str, Dict[Tuple[str, int], List[float]]] = {}
        for r in cells:
            curve = [metrics.normalized_loss(v, best[r["problem"]], baseline[r["problem"]]) for v in metrics.best_so_far(r["values"])]
            norm.setdefault(r["tool"], {})[(r["problem"], r["seed"])] = curve[-1]
            curves.setdefault(r["tool"], {})[(r["problem"], r["seed"])] = curve
        expected = set().union(*(set(v) for v in norm.values())) if norm else set()
        all_seeds = sorted({seed for _, seed in expected})
        headline_seeds = metrics.seeds_with_every_task(expected)
        lines += [f"### protocol {proto}", ""]
        if not headline_seeds:
            headline_seeds = all_seeds
            lines += ["No seed ran on every task: the score and the plot weight tasks unevenly.", ""]
        elif len(headline_seeds) < len(all_seeds):
            left_out = sorted(set(all_seeds) - set(headline_seeds))
            lines += [
                f"Score and plot over seeds {', '.join(map(str, headline_seeds))}, the ones every task has; seeds "
                f"{', '.join(map(str, left_out))} ran on some tasks only and count in the per-task table alone.",
                "",
            ]
        scores = {t: metrics.mean_se(list(metrics.per_seed_scores(norm[t], headline_seeds).values())) for t in norm}
        head = "| tool | score | tasks × seeds |" + (f" score − {ref} | tasks ahead / level / behind {ref} |" if ref else "")
        lines += [head, "|---|---:|---:|" + ("---:|---:|" if ref else "")]
        for tool in tools:
            if tool not in scores:
                lines.append(f"| {tool} | {no_data_note(records, tool)} | 0 |" + (" | |" if ref else ""))
                continue
            m, se = scores[tool]
            diff = " — |" if ref else ""
            if ref and ref in scores:
                diff = f" {m - scores[ref][0]:+.2f} |"
                if tool != ref and set(norm[tool]) != set(norm[ref]):
                    # The two ran different cells (a tool run on some tasks only): compare them on the cells both ran,
                    # or the difference would mostly be one of task mixes.
                    d, both = metrics.score_difference_on_common_cells(norm[tool], norm[ref], headline_seeds)
                    diff = f" {d:+.2f} on the {both} cells both ran |"
            if ref and ref in norm and tool != ref:
                diff += " {} / {} / {} |".format(*metrics.paired_task_outcomes(norm[tool], norm[ref]))
            elif ref:
                diff += " — |"
            partial = f" (partial: {len(norm[tool])} of {len(expected)})" if len(norm[tool]) < len(expected) else ""
            counted = sum(1 for _, seed in norm[tool] if seed in headline_seeds)
            lines.append(f"| {tool} | {m:.2f} ± {se:.2f}{partial} | {counted} |{diff}")
        if ref:
            lines += [
                "",
                f"Tasks ahead / level / behind {ref}: per task, the mean per-seed score difference on the seeds both "
                f"tools ran, ahead or behind when it is more than two standard errors of that paired difference and at least "
                f"0.1 points from 0.",
            ]
            lines += task_verdict_table(norm, tools, ref)
        lines += ["", f"Per task (score of the mean normalized loss over seeds), protocol {proto}:", ""]
        present = [t for t in tools if t in norm]
        lines += ["| task | " + " | ".join(present) + " |", "|---|" + "---:|" * len(present)]
        for task in tasks:
            row = []
            for t in present:
                xs = [x for (p, _), x in norm[t].items() if p == task]
                row.append(fmt(metrics.bayesmark_score(xs), 4) if xs else "—")
            lines.append(f"| {task} | " + " | ".join(row) + " |")
        lines.append("")
        # Plot: mean normalized loss over tasks, per seed, then mean ± s.e. over seeds.
        fig, ax = new_figure(f"ML tasks, protocol {proto}", "trials", "mean normalized loss (lower is better)")
        for tool in present:
            by_seed: Dict[int, List[List[float]]] = {}
            for (_, seed), curve in curves[tool].items():
                if seed in headline_seeds:
                    by_seed.setdefault(seed, []).append(curve)
            if not by_seed:
                continue
            n = min(len(c) for cs in by_seed.values() for c in cs)
            runs = np.array([np.nanmean(np.array([c[:n] for c in cs]), axis=0) for cs in by_seed.values()])
            band_plot(ax, np.arange(1, n + 1), runs, tool)
        save(fig, ax, out / f"ml_{proto}.png")
        lines += [f"![ML {proto}](ml_{proto}.png)", ""]
    return lines


# ---- bbob ----


def bbob_section(
    records: List[Dict[str, Any]], tools: List[str], out: Path, budgets: List[int], tag: str = ""
) -> List[str]:
    bb = [r for r in records if r["suite"] == "bbob" and r["status"] == "ok"]
    if not any(r["suite"] == "bbob" for r in records):
        return []
    dims = sorted({r["dimension"] for r in bb})
    functions = sorted({r["problem"].split("-")[0] for r in bb})
    lines = [
        "## COCO bbob (fraction of (function, target) pairs reached)",
        "",
        f"For each run (function, dimension D, instance = seed + 1): the share of COCO's 51 targets "
        f"(f − f_opt ≤ 10^2 … 10^-8) reached within B evaluations; averaged over the {len(functions)} functions "
        "per seed, then mean ± s.e. over seeds. “—”: not run at that budget (budget caps in profiles.py).",
        "",
    ]
    cols = [(d, b) for d in dims for b in budgets]
    lines += bbob_header("tool", cols)
    for tool in tools:
        mine = [r for r in bb if r["tool"] == tool]
        if not mine:
            lines.append(f"| {tool} | {no_data_note([r for r in records if r['suite'] == 'bbob'], tool)} |" + " |" * (len(cols) - 1))
            continue
        row = []
        for d, b in cols:
            cells = [r for r in mine if r["dimension"] == d and r["budget"] >= b * d]
            if not cells:
                row.append("—")
                continue
            expected = {(r["problem"], r["seed"]) for r in bb if r["dimension"] == d}
            by_seed: Dict[int, List[float]] = {}
            for r in cells:
                by_seed.setdefault(r["seed"], []).append(metrics.fraction_reached(r["hits"], b * d))
            m, se = metrics.mean_se([float(np.mean(v)) for v in by_seed.values()])
            partial = f" (partial: {len(cells)} of {len(expected)} runs)" if len(cells) < len(expected) else ""
            row.append(f"{m:.3f} ± {se:.3f}{partial}")
        lines.append(f"| {tool} | " + " | ".join(row) + " |")
    lines.append("")
    lines += bbob_paired_lines(bb, tools, cols)
    for d in dims:
        fig, ax = new_figure(f"bbob D={d}: {len(functions)} functions", "evaluations / D", "fraction of (function, target) pairs")
        ax.set_xscale("log")
        for tool in tools:
            cells = [r for r in bb if r["tool"] == tool and r["dimension"] == d]
            if not cells:
                continue
            max_mult = min(r["budget"] for r in cells) // d
            mults = np.unique(np.round(np.logspace(0, math.log10(max_mult), 30), 2))
            by_seed: Dict[int, List[List[float]]] = {}
            for r in cells:
                by_seed.setdefault(r["seed"], []).append([metrics.fraction_reached(r["hits"], int(m * d)) for m in mults])
            runs = np.array([np.mean(v, axis=0) for v in by_seed.values()])
            band_plot(ax, mults, runs, tool)
        save(fig, ax, out / f"bbob_d{d:02d}{tag}.png")
        lines += [f"![bbob D={d}](bbob_d{d:02d}{tag}.png)", ""]
    return lines


def bbob_header(first: str, cols: List[Tuple[int, int]]) -> List[str]:
    """A bbob table's header and alignment rows: one column per (dimension, budget multiple)."""
    return ["| " + first + " | " + " | ".join(f"D={d} B={b}·D" for d, b in cols) + " |", "|---|" + "---:|" * len(cols)]


def bbob_paired_lines(bb: List[Dict[str, Any]], tools: List[str], cols: List[Tuple[int, int]]) -> List[str]:
    """The difference in fraction reached between each tool and its hyperscout counterpart, paired on the
    (function, instance) runs both made: the comparison a target such as "at least as many as Optuna" needs."""
    pairs = [(COUNTERPART[t], t) for t in tools if COUNTERPART.get(t) in tools]
    # A variant (hyperscout:gp+kernel=matern32) against its sampler's defaults and the tools compared with those.
    for variant in tools:
        base = variant.split("+")[0]
        if variant.startswith("hyperscout:") and variant != base and base in tools:
            pairs += [(variant, base)] + [(variant, t) for t in tools if COUNTERPART.get(t) == base]
    if not pairs:
        return []

    def runs(tool: str, d: int, b: int) -> Dict[Tuple[str, int], Any]:
        # One run per (function, instance): the longest, when the same run was made to several budgets.
        out: Dict[Tuple[str, int], Dict[str, Any]] = {}
        for r in bb:
            if r["tool"] == tool and r["dimension"] == d and r["budget"] >= b * d:
                key = (r["problem"], r["seed"])
                if key not in out or r["budget"] > out[key]["budget"]:
                    out[key] = r
        return {k: r["hits"] for k, r in out.items()}

    lines = ["Paired difference (first tool − second), on the runs both made: mean over seeds of the per-seed "
             "difference in fraction reached, ± s.e.; in brackets, the runs both made.", "",
             *bbob_header("tools", cols)]  # fmt: skip
    for mine, other in pairs:
        row = []
        for d, b in cols:
            mean, se, seeds, n = metrics.paired_fraction_difference(runs(mine, d, b), runs(other, d, b), b * d)
            row.append("—" if n == 0 else f"{mean:+.4f} ± {se:.4f} ({n} runs, {seeds} seeds)")
        lines.append(f"| {mine} − {other} | " + " | ".join(row) + " |")
    return lines + [""]


# ---- synthetic ----


def regret_at(record: Dict[str, Any], trials: int) -> float:
    """Best scored value within the first `trials` evaluations minus the known optimum."""
    return min(metrics.scored_values(record)[:trials]) - record["optimum"]


def synthetic_section(records: List[Dict[str, Any]], tools: List[str], out: Path) -> List[str]:
    syn = [r for r in records if r["suite"] == "synthetic" and r["status"] == "ok"]
    if not any(r["suite"] == "synthetic" for r in records):
        return []
    lines = ["## Synthetic problems (regret)", "",
             "Regret = best value found minus the known optimum, after half the budget and after all of it; on a "
             "noisy problem (`branin_noisy`, `hartmann6_noisy`) the noise-free value of the best noise-free point evaluated; on a "
             "constrained one (`gramacy_constrained`) the best feasible value, an infeasible evaluation counting as the "
             "problem's worst value (tools that take no constraint values do not run it). Mean ± s.e. over seeds.", ""]  # fmt: skip
    if not syn:
        lines += ["| tool | status |", "|---|---|"]
        lines += [f"| {tool} | {no_data_note(records, tool)} |" for tool in tools] + [""]
    for label in sorted({protocol_label(r) for r in syn}):
        cells = [r for r in syn if protocol_label(r) == label]
        problems = sorted({r["problem"] for r in cells})
        budget = min((r["budget"] for r in cells), default=0)
        for trials in sorted({budget // 2, budget} - {0}):
            lines += [f"### protocol {label}, regret after {trials} trials", ""]
            lines += ["| tool | " + " | ".join(problems) + " |", "|---|" + "---:|" * len(problems)]
            for tool in tools:
                if not any(r["tool"] == tool for r in cells):
                    note = no_data_note([r for r in records if r["suite"] == "synthetic"], tool)
                    lines.append(f"| {tool} | {note} |" + " |" * (len(problems) - 1))
                    continue
                row = []
                for prob in problems:
                    regrets = [regret_at(r, trials) for r in cells if r["tool"] == tool and r["problem"] == prob]
                    row.append(fmt_mse(*metrics.mean_se(regrets)) if regrets else "—")
                lines.append(f"| {tool} | " + " | ".join(row) + " |")
            lines.append("")
        for prob in problems:
            fig, ax = new_figure(f"{prob}, {label}", "trials", "regret (best-so-far − optimum)")
            for tool in tools:
                runs = [r for r in cells if r["tool"] == tool and r["problem"] == prob]
                if runs:
                    scored = [metrics.best_so_far(metrics.scored_values(r)) for r in runs]
                    curves = np.array(scored) - runs[0]["optimum"]
                    band_plot(ax, np.arange(1, curves.shape[1] + 1), np.maximum(curves, 1e-12), tool, log_y=True)
            name = f"synthetic_{label}_{prob}.png"
            save(fig, ax, out / name)
            lines += [f"![{prob}, {label}]({name})", ""]
    return lines


# ---- time per suggestion ----


def timing_section(records: List[Dict[str, Any]], tools: List[str], out: Path) -> List[str]:
    lines: List[str] = []
    tim = [r for r in records if r["suite"] == "timing" and r["status"] == "ok"]
    if any(r["suite"] == "timing" for r in records):
        hist = next((r["history"] for r in tim), None)
        lines += ["## Time per suggestion", "",
                  f"One ask (sampling all 10 float parameters) on a study that already holds {hist} finished random "
                  "trials; median over repetitions per seed, then mean ± s.e. over seeds. Ratio = hyperscout "
                  "counterpart's time / this tool's time (below 1: hyperscout is faster).", "",
                  "| tool | ms per suggestion | hyperscout counterpart | ratio |", "|---|---:|---|---:|"]  # fmt: skip
        ms = {}
        for tool in tools:
            per_seed = [metrics.median(r["ask_ms"]) for r in tim if r["tool"] == tool]
            if per_seed:
                ms[tool] = metrics.mean_se(per_seed)
        for tool in tools:
            if tool not in ms:
                lines.append(f"| {tool} | {no_data_note([r for r in records if r['suite'] == 'timing'], tool)} | | |")
                continue
            cp = COUNTERPART.get(tool, "")
            ratio = f"{ms[cp][0] / ms[tool][0]:.3g}" if cp in ms and ms[tool][0] > 0 else "—"
            lines.append(f"| {tool} | {fmt_mse(*ms[tool], digits=3)} | {cp} | {ratio} |")
        lines.append("")
        # What each tool's libraries ran with (run.py --emulate-cpu holds them to one CPU level).
        for tool in tools:
            seen = {", ".join(f"{lib} {level}" for lib, level in r["simd"].items())
                    for r in tim if r["tool"] == tool and r.get("simd")}  # fmt: skip
            if seen:
                lines.append(f"- instruction sets of {tool}: {'; '.join(sorted(seen))}")
        if any(r.get("simd") for r in tim):
            lines.append("")
    seq = [r for r in records if r["status"] == "ok" and r.get("protocol") == "seq" and r.get("suggest_ms")]
    if seq:
        fig, ax = new_figure("time per suggestion (sequential runs, all suites)", "trials in the study", "ms per suggestion (ask + tell)")
        for tool in tools:
            blocks = [r["suggest_ms"] for r in seq if r["tool"] == tool]
            if not blocks:
                continue
            n = max(len(b) for b in blocks)
            mean = [np.mean([b[i] for b in blocks if len(b) > i]) for i in range(n)]
            ax.plot(10 * np.arange(n) + 5, mean, label=tool)
        ax.set_yscale("log")
        save(fig, ax, out / "time_per_suggestion.png")
        lines += ["![time per suggestion](time_per_suggestion.png)", ""]
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="the run's output directory (holds results.jsonl)")
    p.add_argument("--parts", nargs="+", type=Path, metavar="DIR",
                   help="join these runs' output directories into OUT first (later ones win a cell both hold)")
    args = p.parse_args()
    out = Path(args.out)
    if args.parts:
        if out.resolve() in {part.resolve() for part in args.parts}:
            raise SystemExit("report: --out must be a new directory, not one of the --parts")
        join_parts(args.parts, out)
    records, meta = load(out)
    tools = tool_order(records, meta)
    from bench.compare.profiles import PROFILES

    budgets = PROFILES.get(meta.get("profile", "full"), PROFILES["full"])["bbob"]["budgets"]
    head = [
        "# Side-by-side sample efficiency",
        "",
        f"- profile: {meta.get('profile', '?')}, {meta.get('seeds', '?')} seeds; started {meta.get('started', '?')}, "
        f"{meta.get('elapsed_s', 0) / 60:.1f} min of running cells",
    ]
    if meta.get("load_average"):
        head.append(f"- machine: {os.cpu_count()} CPUs; 1-minute load average when each command started: "
                    f"{', '.join(str(x) for x in meta['load_average'])} (times per suggestion are only as quiet as that)")
    if meta.get("cpus"):
        head.append(f"- processors the commands ran on: {', '.join(dict.fromkeys(meta['cpus']))}")
    if any(meta.get("emulated_cpu", [])):
        head.append(f"- emulated CPU level (run.py --emulate-cpu): {', '.join(str(x) for x in meta['emulated_cpu'])}")
    if meta.get("parts"):
        head.append(f"- joined from: {', '.join(f'`{part}`' for part in meta['parts'])}")
    copied = collections.Counter(r["reused_from"] for r in records if r.get("reused_from"))
    head += [f"- {n} cell{'s' if n != 1 else ''} copied from `{src}`, not run again" for src, n in copied.most_common()]
    commands = meta.get("commands") or [meta.get("argv", [])]
    head += [f"- command: `python3 bench/compare/run.py {' '.join(shlex.quote(a) for a in argv)}`" for argv in commands]
    head.append("")
    body = status_table(records, tools)
    # Runs with a shared startup get sections of their own: no table or normalization mixes them with others.
    for shared in sorted({r.get("shared_startup", 0) for r in records}):
        part = [r for r in records if r.get("shared_startup", 0) == shared]
        if shared:
            body += [f"# Runs with a shared startup of {shared} trials", "",
                     f"Every tool was told the same {shared} uniform random points (drawn from the seed alone) as its "
                     "first trials before it sampled; budgets and regrets include them.", ""]  # fmt: skip
        else:
            body += timing_section(part, tools, out)
        body += ml_section(part, tools, out)
        body += bbob_section(part, tools, out, budgets, tag=f"_shared{shared}" if shared else "")
        body += synthetic_section(part, tools, out)
    (out / "README.md").write_text("\n".join(head + body) + "\n", encoding="utf-8")
    print(f"wrote {out / 'README.md'}")


if __name__ == "__main__":
    main()
