"""The side-by-side benchmark (issue 6), driven by bench/run.sh: Marketing Workbench against
Python polars, scikit-learn and LightGBM on the same files, on the same machine, in one run.

Every job is timed as a WHOLE PROCESS (start to exit: interpreter or binary start, reading the
CSV, the work, writing the output), ours and the reference alternately (ours first in odd
repetitions, the reference first in even ones), REPS times each. For each process we record
the wall seconds and its peak resident memory (ru_maxrss from wait4). The table gives per job
the median wall time of each side and their ratio, the accuracy of both (measured on the same
held-out rows), the largest peak RSS of each side, and our peak RSS against the in-memory
Arrow size of the data (polars' estimated_size() of the loaded table).

    python bench/run.py --bin MWB --examples DIR --big FILE --work DIR [--reps N]

Writes WORK/results.json (every run) and the marked `bench` section of BENCHMARKS.md.
A job that fails is reported as failed with the last line of its stderr; the others go on.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

import benchmd

HERE = Path(__file__).resolve().parent
AUC_EQUAL = 0.005  # issue 6: AUC within 0.005 counts as equal
INERTIA_EQUAL = 0.01  # k-means: inertia within 1 % counts as equal (ours; lower is better)
MEMORY_TARGET = 2.0  # peak RSS <= 2x the in-memory Arrow size of the data


@dataclass
class Job:
    key: str
    title: str
    data: Path  # the input whose Arrow size the memory target is measured against
    ours: list
    ref: list
    time_target: float  # ours / reference at most this
    accuracy: str = ""  # "auc", "inertia" or ""
    ours_metrics: Path | None = None  # our --metrics file
    check: callable = None  # (job) -> note, after all runs
    note: callable = None  # (ours_runs, ref_runs) -> note
    runs: dict = field(default_factory=lambda: {"ours": [], "ref": []})


def run_process(cmd, out_dir, label, timeout):
    """Runs `cmd`; returns wall seconds, peak RSS (KiB), exit code, stdout, stderr's last line."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = out_dir / f"{label}.stdout", out_dir / f"{label}.stderr"
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        t = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        except OSError as e:
            return {"ok": False, "error": f"cannot start {cmd[0]}: {e}"}
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    stdout = stdout_path.read_text(errors="replace")
    lines = [l for l in stderr_path.read_text(errors="replace").splitlines() if l.strip()]
    r = {"ok": p.returncode == 0, "wall": wall, "rss_kb": usage.ru_maxrss, "rc": p.returncode,
         "stdout": stdout[-4000:]}
    if p.returncode != 0:
        r["error"] = (lines[-1] if lines else f"exit code {p.returncode}")[:300]
        if p.returncode < 0:
            r["error"] = f"killed by signal {-p.returncode} (timeout {timeout} s?): " + r["error"]
    return r


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                pass
    return {}


def read_metrics(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def arrow_size(path):
    try:
        return pl.read_csv(path, try_parse_dates=True).estimated_size()
    except Exception:  # noqa: BLE001 - a missing file just has no size
        return None


def compare_csv(a, b, numeric_tolerance=None):
    """Rows and columns of two CSV outputs; optionally the largest numeric difference."""
    try:
        x = pl.read_csv(a, try_parse_dates=True, infer_schema_length=10000)
        y = pl.read_csv(b, try_parse_dates=True, infer_schema_length=10000)
    except Exception as e:  # noqa: BLE001
        return f"outputs not compared ({str(e).splitlines()[0][:80]})"
    if x.columns != y.columns:
        only = sorted(set(x.columns) ^ set(y.columns))
        return f"outputs differ: columns {only or 'in another order'}"
    if x.height != y.height:
        return f"outputs differ: {x.height} vs {y.height} rows"
    note = f"same {x.height} rows x {x.width} columns"
    if numeric_tolerance is not None:
        worst, where = 0.0, ""
        for c in x.columns:
            if x[c].dtype.is_numeric() and y[c].dtype.is_numeric():
                d = (x[c].cast(pl.Float64) - y[c].cast(pl.Float64)).abs().max()
                if d is not None and d > worst:
                    worst, where = d, c
        note += f", values equal (max diff {worst:.1e})" if worst <= numeric_tolerance else \
            f", values differ (max diff {worst:.3g} in {where})"
    return note


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def build_jobs(a):
    py = sys.executable
    ex = Path(a.examples)
    work = Path(a.work)
    out = work / "out"
    big = Path(a.big)
    n_big = a.rows
    cls = ["--target", "responded", "--ignore", "churned", "--ignore", "spend_next_90d"]
    seg = ["--k", "8", "--ignore", "responded", "--ignore", "churned", "--ignore", "spend_next_90d"]
    hold = {"big": work / "holdout_big.csv", "segments": work / "holdout_segments.csv"}

    def given(which):
        return ["--holdout-ids", str(hold[which])] if hold[which].exists() else []

    def train_job(key, title, data, which, model, params, save=None, ref_model=None):
        metrics = out / f"{key}.metrics.json"
        ours = [a.bin, "train", str(data), *cls, "--model", model, *params, "--metrics", str(metrics)]
        ref = [py, str(HERE / "ref_train.py"), str(data), *cls, "--model", ref_model or model,
               *given(which)]
        if save:
            ours += ["--save-model", str(out / f"{save}.model.json")]
            ref += ["--save-model", str(out / f"{save}.pkl")]
        return Job(key, title, data, ours, ref, 1.0, "auc", metrics, note=fit_note)

    def fit_note(ours, ref):
        o = med([r.get("fit_secs") for r in ours])
        r = med([r.get("fit_secs") for r in ref])
        if o is None or r is None:
            return ""
        return f"fit only: {o:.2f} s / {r:.2f} s"

    def inner_note(key, label):
        def note(ours, ref):
            o = med([last_json(r.get("stdout", "")).get(key) for r in ours if r["ok"]])
            r = med([last_json(r.get("stdout", "")).get(key) for r in ref if r["ok"]])
            if o is None or r is None:
                return ""
            return f"{label}: {o:.2f} s / {r:.2f} s"
        return note

    scored_input = work / "scored_input.csv"

    def rows(n):
        return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"

    jobs = [
        Job("profile", f"load + profile {rows(n_big)}", big,
            [a.bin, "profile", str(big), "--json"],
            [py, str(HERE / "ref_profile.py"), str(big)], 1.05),
        Job("recipe", f"6-step recipe {rows(n_big)}", big,
            [str(ex / "bench_recipe"), str(big), str(HERE / "recipe.json"),
             str(out / "recipe_ours.csv")],
            [py, str(HERE / "ref_recipe.py"), str(big), str(out / "recipe_ref.csv")], 1.05,
            check=lambda j: compare_csv(out / "recipe_ours.csv", out / "recipe_ref.csv", 1e-6),
            note=inner_note("transform_secs", "steps only")),
        train_job("logistic", f"logistic regression {rows(n_big)}", big, "big", "logistic", []),
        train_job("forest", f"random forest 100 trees {rows(n_big)}", big, "big", "forest",
                  ["--param", "trees=100"]),
        train_job("boosting", f"boosting 100 rounds {rows(n_big)}", big, "big", "boosting",
                  ["--param", "rounds=100"], save="boosting"),
        train_job("boosting1", f"boosting 100 rounds {rows(n_big)}, LightGBM on 1 thread", big,
                  "big", "boosting", ["--param", "rounds=100"], ref_model="boosting-1-thread"),
        # One start on each side (scikit-learn's n_init=1): the app's default of 10 starts costs
        # ten of these (ARCHITECTURE.md, Models).
        Job("kmeans", f"k-means k=8 {rows(n_big)}, one start", big,
            [a.bin, "train", str(big), "--task", "segments", *seg, "--param", "starts=1", "--metrics",
             str(out / "kmeans.metrics.json")],
            [py, str(HERE / "ref_train.py"), str(big), "--model", "kmeans", *seg,
             *given("segments")],
            1.0, "inertia", out / "kmeans.metrics.json", note=fit_note),
        train_job("mlp", f"MLP {rows(n_big)}", big, "big", "mlp", []),
        Job("score", f"scoring {rows(n_big)} (boosting model)", big,
            [a.bin, "score", str(out / "boosting.model.json"), str(big), "--out",
             str(out / "scored_ours.csv")],
            [py, str(HERE / "ref_score.py"), str(out / "boosting.pkl"), str(big),
             str(out / "scored_ref.csv")], 1.0,
            check=lambda j: compare_csv(out / "scored_ours.csv", out / "scored_ref.csv")),
        Job("export", f"export {rows(n_big)} scored rows (CSV)", scored_input,
            [str(ex / "bench_export"), str(scored_input), str(out / "export_ours.csv")],
            [py, str(HERE / "ref_export.py"), str(scored_input), str(out / "export_ref.csv")], 1.05,
            check=lambda j: compare_csv(out / "export_ours.csv", out / "export_ref.csv"),
            note=inner_note("write_secs", "write only")),
    ]
    return jobs, hold, cls, seg


def prepare_holdouts(a, hold, cls, seg, needed, log):
    """Untimed: our split's held-out rows (seeded, the same in every run), so the reference is
    measured on the very same customers."""
    cmds = {
        "big": [a.bin, "train", a.big, *cls, "--model", "naive-bayes",
                "--predictions", str(hold["big"])],
        "segments": [a.bin, "train", a.big, "--task", "segments", *seg, "--param",
                     "max_iterations=1", "--predictions", str(hold["segments"])],
    }
    for which, cmd in cmds.items():
        hold[which].unlink(missing_ok=True)
        if which not in needed:
            continue
        r = run_process(cmd, Path(a.work) / "logs", f"holdout-{which}", a.timeout)
        log(f"held-out rows ({which}): " + ("ok" if r["ok"] else "FAILED " + r["error"]))


def fmt_s(v):
    return "-" if v is None else (f"{v:.2f}" if v < 100 else f"{v:.0f}")


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.0f}"


def summarise(job, arrow):
    ours = [r for r in job.runs["ours"] if r["ok"]]
    ref = [r for r in job.runs["ref"] if r["ok"]]
    errors = {s: next((r["error"] for r in job.runs[s] if not r["ok"]), None) for s in job.runs}
    s = {"job": job.title, "key": job.key,
         "ours_s": med([r["wall"] for r in ours]), "ref_s": med([r["wall"] for r in ref]),
         "ours_rss_kb": max((r["rss_kb"] for r in ours), default=None),
         "ref_rss_kb": max((r["rss_kb"] for r in ref), default=None),
         "ours_runs": len(ours), "ref_runs": len(ref), "errors": errors,
         "arrow_bytes": arrow}
    s["ratio"] = s["ours_s"] / s["ref_s"] if s["ours_s"] and s["ref_s"] else None
    if job.accuracy:
        s["ours_acc"] = med([r.get("accuracy") for r in ours])
        s["ref_acc"] = med([r.get("accuracy") for r in ref])
    notes = []
    if job.note:
        n = job.note(ours, ref)
        if n:
            notes.append(n)
    if job.check and ours and ref:
        notes.append(job.check(job))
    s["notes"] = "; ".join(notes)
    return s


def accuracy_cell(job, s):
    if not job.accuracy:
        return "-"
    o, r = s.get("ours_acc"), s.get("ref_acc")
    if o is None or r is None:
        return f"{'-' if o is None else f'{o:.4f}'} / {'-' if r is None else f'{r:.4f}'}"
    if job.accuracy == "auc":
        verdict = "equal" if abs(o - r) <= AUC_EQUAL else ("ours better" if o > r else "ours WORSE")
        return f"AUC {o:.4f} / {r:.4f} ({verdict})"
    equal = abs(o - r) <= INERTIA_EQUAL * r
    verdict = "equal" if equal else ("ours better" if o < r else "ours WORSE")
    return f"inertia {o:.3f} / {r:.3f} ({verdict})"


def table(jobs, summaries):
    head = ("| job | ours s | reference s | ours / ref | time target | accuracy ours / ref "
            "| peak RSS MB ours / ref | ours RSS / Arrow | memory target | notes |")
    lines = [head, "|---|---:|---:|---:|---|---|---:|---:|---|---|"]
    for job, s in zip(jobs, summaries):
        failed = [f"{side} failed: {e}" for side, e in s["errors"].items() if e]
        if s["ratio"] is not None:
            ok = "yes" if s["ratio"] <= job.time_target else "NO"
            ratio = f"{s['ratio']:.2f}"
            target = f"<= {job.time_target:g}: {ok}"
        else:
            ratio, target = "-", f"<= {job.time_target:g}: -"
        if s["ours_rss_kb"] and s["arrow_bytes"]:
            m = s["ours_rss_kb"] * 1024 / s["arrow_bytes"]
            mem = f"{m:.1f}x"
            mem_target = f"<= {MEMORY_TARGET:g}x: " + ("yes" if m <= MEMORY_TARGET else "NO")
        else:
            mem, mem_target = "-", "-"
        notes = "; ".join([n for n in [s["notes"]] if n] + failed).replace("|", "/")
        lines.append(
            f"| {job.title} | {fmt_s(s['ours_s'])} | {fmt_s(s['ref_s'])} | {ratio} | {target} "
            f"| {accuracy_cell(job, s)} | {fmt_mb(s['ours_rss_kb'])} / {fmt_mb(s['ref_rss_kb'])} "
            f"| {mem} | {mem_target} | {notes} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the release marketing-workbench binary")
    ap.add_argument("--examples", required=True, help="the folder of the built examples")
    ap.add_argument("--big", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", help="comma-separated job keys (profile,recipe,logistic,...)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per process")
    ap.add_argument("--markdown", help="the BENCHMARKS.md to write the table into")
    ap.add_argument("--command", default="bench/run.sh", help="the command, for the record")
    a = ap.parse_args()

    work = Path(a.work)
    (work / "out").mkdir(parents=True, exist_ok=True)
    if not a.only:  # a full run starts clean: no job may read an earlier run's output
        for f in [*(work / "out").iterdir(), work / "scored_input.csv"]:
            f.unlink(missing_ok=True)

    def log(msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    keep = set(a.only.split(",")) if a.only else None
    jobs, hold, cls, seg = build_jobs(a)
    keys = {j.key for j in jobs if keep is None or j.key in keep}
    needed = {w for w, ks in [("big", {"logistic", "forest", "boosting", "boosting1", "mlp"}),
                              ("segments", {"kmeans"})] if keys & ks}
    prepare_holdouts(a, hold, cls, seg, needed, log)
    # Again: the reference gets --holdout-ids only where the file was made.
    jobs, hold, cls, seg = build_jobs(a)
    jobs = [j for j in jobs if j.key in keys]

    for job in jobs:
        if job.key == "export":
            scored = work / "out" / "scored_ours.csv"
            if not scored.exists():
                scored = work / "out" / "scored_ref.csv"
            if scored.exists():
                (work / "scored_input.csv").write_bytes(scored.read_bytes())
        for rep in range(a.reps):
            order = ["ours", "ref"] if rep % 2 == 0 else ["ref", "ours"]
            for side in order:
                cmd = [str(c) for c in (job.ours if side == "ours" else job.ref)]
                if side == "ours" and job.ours_metrics:
                    Path(job.ours_metrics).unlink(missing_ok=True)
                r = run_process(cmd, work / "logs", f"{job.key}-{side}-{rep + 1}", a.timeout)
                if side == "ours" and job.ours_metrics:
                    r["metrics_file"] = str(job.ours_metrics)
                    m = read_metrics(job.ours_metrics)
                else:
                    m = last_json(r.get("stdout", ""))
                if job.accuracy:
                    r["accuracy"] = m.get(job.accuracy)
                r["fit_secs"] = m.get("fit_secs")
                r["cmd"] = shlex.join(cmd)
                job.runs[side].append(r)
                status = f"{r['wall']:.2f} s, {r['rss_kb'] / 1024:.0f} MB" if r["ok"] else \
                    "FAILED: " + r["error"]
                log(f"{job.key} {side} #{rep + 1}: {status}")

    arrow = {}
    summaries = []
    for job in jobs:
        if job.data not in arrow:
            arrow[job.data] = arrow_size(job.data)
        summaries.append(summarise(job, arrow[job.data]))
    md = table(jobs, summaries)
    print(md)

    results = {"date": benchmd.today(), "machine": benchmd.machine(),
               "versions": benchmd.versions(), "command": a.command, "reps": a.reps,
               "arrow_bytes": {str(k): v for k, v in arrow.items()},
               "jobs": [{**s, "ours_cmd": shlex.join(map(str, j.ours)),
                         "ref_cmd": shlex.join(map(str, j.ref)), "runs": j.runs}
                        for j, s in zip(jobs, summaries)]}
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))

    if a.markdown:
        big_arrow = arrow.get(Path(a.big)) or arrow_size(a.big)
        body = "\n".join([
            f"Measured {benchmd.today()} with `{a.command}` "
            f"({a.rows:,} rows, {a.reps} runs of each side).",
            "",
            f"- Machine: {benchmd.machine()}",
            f"- Tools: {benchmd.versions()}",
            f"- Data: `marketing-workbench sample --rows {a.rows} --seed 7` "
            f"(in memory, Arrow: {big_arrow / 2**20:.1f} MiB); every job reads it."
            if big_arrow else f"- Data: `marketing-workbench sample --rows {a.rows} --seed 7`",
            "",
            md,
            "",
            "Seconds are the median wall time of the whole process; peak RSS is the largest of "
            "the runs. Accuracy is measured on the same held-out rows on both sides (our "
            "seeded split); AUC within 0.005 counts as equal, inertia within 1 %. The memory "
            "target compares our peak RSS with the Arrow size of the job's input. Every run, "
            f"with its command line, is in `{work / 'results.json'}`.",
        ])
        benchmd.replace_section(a.markdown, "bench", body)
        log(f"wrote the table into {a.markdown}")


if __name__ == "__main__":
    main()
