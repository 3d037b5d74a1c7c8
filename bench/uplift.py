"""Issue 14's benchmark, driven by bench/uplift.sh: `marketing-workbench train --task uplift`
(then `score`) against scikit-uplift + LightGBM and CausalML (bench/ref_uplift.py). Both sides
train on the first 70% of the rows and write the uplift of the last 30%; whole processes,
alternating sides, REPS each; median wall time, largest peak RSS, and the Qini coefficient of
each side's uplift on the held-out rows (scikit-uplift's qini_auc_score). Writes WORK/results.json and the `uplift` section of
BENCHMARKS.md.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import time
import warnings
from pathlib import Path

import benchmd
import pandas as pd

HERE = Path(__file__).resolve().parent
IGNORE = ["customer_id", "responded", "churned", "spend_next_90d"]


def timed(cmd, out_dir, label):
    with open(out_dir / f"{label}.stdout", "wb") as so, open(out_dir / f"{label}.stderr", "wb") as se:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{label} failed ({rc}): {(out_dir / f'{label}.stderr').read_text()[-500:]}")
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024}


def split(data, work):
    """The first 70% of the rows to train on, the rest to score."""
    with open(data) as f:
        lines = f.readlines()
    k = int((len(lines) - 1) * 0.7)
    train, test = work / "train.csv", work / "test.csv"
    train.write_text("".join(lines[: 1 + k]))
    test.write_text(lines[0] + "".join(lines[1 + k :]))
    return train, test


def main():
    ap = argparse.ArgumentParser()
    for a in ["--bin", "--python", "--data", "--work", "--command"]:
        ap.add_argument(a, required=True)
    ap.add_argument("--reps", type=int, default=3)
    o = ap.parse_args()
    work = Path(o.work)
    work.mkdir(parents=True, exist_ok=True)
    train, test = split(o.data, work)
    ignore = [a for c in IGNORE for a in ("--ignore", c)]
    jobs = {
        "two-model": ("Two models, gradient boosting (100 rounds, 31 leaves)",
                      ["--uplift-method", "two-model", "--model", "boosting"],
                      "scikit-uplift 0.5.1 TwoModels, two LightGBM 4.7 models"),
        "forest": ("Uplift forest (100 trees, depth 6, KL)",
                   ["--uplift-method", "uplift-forest"],
                   "CausalML 0.18 UpliftRandomForestClassifier, same settings"),
    }
    from sklift.metrics import qini_auc_score

    held = pd.read_csv(test)
    y, t = held["converted"].to_numpy(), held["treated"].to_numpy()
    results, rows = {}, []
    for key, (title, args, ref_name) in jobs.items():
        model = work / f"{key}.model.json"
        ours_scored, ref_scored = work / f"ours_{key}.csv", work / f"ref_{key}.csv"
        train_cmd = [o.bin, "train", str(train), "--task", "uplift", "--treatment", "treated", "--target", "converted",
                     "--holdout", "0", *ignore, *args, "--save-model", str(model)]
        score_cmd = [o.bin, "score", str(model), str(test), "--out", str(ours_scored)]
        ref_cmd = [o.python, str(HERE / "ref_uplift.py"), "two-model" if key == "two-model" else "forest",
                   str(train), str(test), str(ref_scored)]
        runs = {"ours": [], "ref": []}
        for rep in range(o.reps):
            sides = ["ours", "ref"] if rep % 2 == 0 else ["ref", "ours"]
            for side in sides:
                print(f"[{key} {rep + 1}/{o.reps}] {side}", flush=True)
                if side == "ours":
                    a = timed(train_cmd, work, f"{key}_train")
                    b = timed(score_cmd, work, f"{key}_score")
                    runs["ours"].append({"wall": a["wall"] + b["wall"], "rss_mb": max(a["rss_mb"], b["rss_mb"])})
                else:
                    runs["ref"].append(timed(ref_cmd, work, f"ref_{key}"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            qini = {
                "ours": float(qini_auc_score(y, pd.read_csv(ours_scored)["uplift"].to_numpy(), t)),
                "ref": float(qini_auc_score(y, pd.read_csv(ref_scored)["uplift"].to_numpy(), t)),
            }
        med = {s: statistics.median(r["wall"] for r in runs[s]) for s in runs}
        rss = {s: max(r["rss_mb"] for r in runs[s]) for s in runs}
        results[key] = {"runs": runs, "median": med, "rss": rss, "qini": qini}
        rows.append(f"| {title} | {med['ours']:.2f} s | {med['ref']:.2f} s ({ref_name}) | {med['ours'] / med['ref']:.2f}× | "
                    f"{qini['ours']:.4f} | {qini['ref']:.4f} | {rss['ours']:.0f} MB | {rss['ref']:.0f} MB |")
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    n = len(held)
    body = "\n".join([
        f"## Uplift: two models and the uplift forest, side by side ({datetime.date.today()})",
        "",
        f"`{o.command}`: the experiment sample (`sample --experiment`), trained on the first 70% of "
        f"its rows, the uplift of the last {n:,} written by each side; whole processes (ours: `train` "
        "then `score`; the reference: one Python process that reads, encodes, fits, predicts and "
        f"writes), {o.reps} runs each, alternating; median wall time, largest peak RSS; the Qini "
        "coefficient of each side's uplift on the same held-out rows, by scikit-uplift's "
        "`qini_auc_score`. Target: ours at most 1.0× the reference's time at an equal or better Qini.",
        "",
        f"Machine: {benchmd.machine()}.",
        "",
        "| job | ours | reference | ours / ref | our Qini | ref Qini | our peak RSS | ref peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ])
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "uplift", body)
    print(body)


if __name__ == "__main__":
    main()
