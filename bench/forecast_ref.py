"""The forecasting benchmark (bench/forecast.sh), in three parts:

    python bench/forecast_ref.py gen --series 1000 --weeks 156 --seed 7 --out FILE.csv
    python bench/forecast_ref.py ref FILE.csv --test 13 --season 52 --out SUMMARY.json [--per-series OUT.csv]
    python bench/forecast_ref.py bench --bin BIN --python PY --data FILE.csv --work DIR --reps 3 --command CMD

`gen` writes seeded weekly sales, one series per product (`week,product,sales`, ISO Monday dates,
rows ordered by week then product): a level (about 20 to 1,000), a multiplicative trend, a slow
random wander, noise (3-15%), and 0-2 level shifts of ±10-40%, all positive.

`ref` is the reference side: for each product, statsmodels' ETSModel with automatic form selection
by AICc over the set R's forecast::ets() searches for data with no usable season (weekly data:
frequency 52 > 24, so no seasonal forms): ANN, AAN, AAdN, and when the training part is strictly
positive MNN, MAN, MAdN (no multiplicative trend: R's allow.multiplicative.trend = FALSE). Each
form is fitted with statsmodels' defaults (initialization_method="estimated", the usual bounds).
Trained on all but the last TEST weeks, forecast TEST ahead; per series RMSE, MAE, MAPE
(100 mean |e/y|) and MASE (MAE over the mean |y_t - y_{t-lag}| of the training part, lag = the
season as R's accuracy() does for a ts of that frequency, or 1 when the training part is not
longer than the season); the summary is the mean over series of each, and the count of each
chosen form.

`bench` times whole processes (start to exit, wall clock; peak RSS from wait4), ours
(`marketing-workbench forecast ... --model ets --test 13 --metrics OUT.json`) against `ref`,
alternating, REPS each, and compares the mean over groups of our per-group `ets` metrics with the
reference's means. Writes WORK/results.json and the `forecast` section of BENCHMARKS.md.
"""

import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMS = {  # name: (error, trend, damped)
    "ANN": ("add", None, False),
    "AAN": ("add", "add", False),
    "AAdN": ("add", "add", True),
    "MNN": ("mul", None, False),
    "MAN": ("mul", "add", False),
    "MAdN": ("mul", "add", True),
}


# --- gen ---------------------------------------------------------------------------------------

def gen(o):
    import numpy as np

    rng = np.random.default_rng(o.seed)
    start = datetime.date(2023, 1, 2)  # a Monday
    weeks = [(start + datetime.timedelta(weeks=i)).isoformat() for i in range(o.weeks)]
    t = np.arange(o.weeks)
    series = np.empty((o.series, o.weeks))
    for p in range(o.series):
        base = math.exp(rng.normal(5.0, 1.0))  # about 150, from ~20 to ~1,000
        growth = rng.normal(0.0, 0.003)  # per week, multiplicative: stays positive
        level = base * np.exp(growth * t)
        for _ in range(rng.integers(0, 3)):  # 0-2 level shifts, ±10-40%
            at = rng.integers(20, o.weeks - 5)
            level[at:] *= 1 + rng.choice([-1, 1]) * rng.uniform(0.1, 0.4)
        walk = np.cumsum(rng.normal(0, 0.01, o.weeks))  # slow wander
        noise = rng.normal(0, rng.uniform(0.03, 0.15), o.weeks)
        y = level * np.exp(walk + noise)
        series[p] = np.maximum(np.round(y, 2), 0.01)  # the floor is never reached in practice
    names = [f"P{p:04d}" for p in range(o.series)]
    with open(o.out, "w") as f:
        f.write("week,product,sales\n")
        for i, w in enumerate(weeks):
            f.write("".join(f"{w},{names[p]},{series[p, i]:.2f}\n" for p in range(o.series)))
    print(f"{o.out}: {o.series} series x {o.weeks} weeks", file=sys.stderr)


# --- ref ---------------------------------------------------------------------------------------

def accuracy(train, test, fc, lag):
    import numpy as np

    e = test - fc
    rmse, mae = float(np.sqrt(np.mean(e**2))), float(np.mean(np.abs(e)))
    mape = float(100 * np.mean(np.abs(e / test))) if np.all(test != 0) else math.nan
    lag = lag if len(train) > lag else 1
    scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    mase = mae / scale if scale > 0 else math.nan
    return {"rmse": rmse, "mae": mae, "mape": mape, "mase": mase}


def choose(train):
    """The ETS form with the smallest AICc (statsmodels' AICc), fitted; None when none fits."""
    import numpy as np
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    positive = bool(np.all(train > 0))
    best = None
    for name, (error, trend, damped) in FORMS.items():
        if error == "mul" and not positive:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(train, error=error, trend=trend, damped_trend=damped).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(res.aicc) and (best is None or res.aicc < best[1].aicc):
            best = (name, res)
    return best


def ref(o):
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(o.data, parse_dates=["week"])
    df = df.sort_values(["product", "week"], kind="stable")
    rows, chosen, failed = [], {}, 0
    for product, g in df.groupby("product", sort=True):
        y = g["sales"].to_numpy(float)
        if len(y) <= o.test + 2:
            failed += 1
            continue
        train, test = y[: -o.test], y[-o.test :]
        best = choose(train)
        if best is None:
            failed += 1
            continue
        name, res = best
        fc = np.asarray(res.forecast(o.test), float)
        m = accuracy(train, test, fc, o.season)
        chosen[name] = chosen.get(name, 0) + 1
        rows.append({"product": product, "form": name, "aicc": float(res.aicc), **m})
    mean = {k: float(np.nanmean([r[k] for r in rows])) for k in ["rmse", "mae", "mape", "mase"]}
    import statsmodels

    summary = {
        "series": len(rows),
        "failed": failed,
        "test": o.test,
        "season": o.season,
        "mase_lag": o.season,
        "candidates": list(FORMS),
        "mean": mean,
        "chosen": dict(sorted(chosen.items())),
        "seconds": time.perf_counter() - t0,
        "reference": f"statsmodels {statsmodels.__version__} ETSModel",
    }
    Path(o.out).write_text(json.dumps(summary, indent=1))
    if o.per_series:
        pd.DataFrame(rows).to_csv(o.per_series, index=False)
    print(json.dumps(summary))


# --- bench -------------------------------------------------------------------------------------

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


def ours_means(metrics):
    """The mean over groups of each group's `ets` metrics, from our --metrics JSON."""
    groups = metrics.get("groups") or {}
    keys = ["rmse", "mae", "mape", "mase"]
    vals = {k: [] for k in keys}
    for g in groups.values():
        m = (g.get("models") or {}).get("ets")
        if not m:
            continue
        for k in keys:
            v = m.get(k)
            if v is not None and math.isfinite(v):
                vals[k].append(v)
    n = sum(1 for g in groups.values() if (g.get("models") or {}).get("ets"))
    return {k: (statistics.fmean(v) if v else math.nan) for k, v in vals.items()}, n


def bench(o):
    import benchmd

    work = Path(o.work)
    work.mkdir(parents=True, exist_ok=True)
    ours_json, ref_json = work / "ours_metrics.json", work / "ref_summary.json"
    ours_cmd = [o.bin, "forecast", o.data, "--date", "week", "--value", "sales", "--by", "product",
                "--freq", "week", "--model", "ets", "--test", str(o.test), "--metrics", str(ours_json)]
    ref_cmd = [o.python, str(Path(__file__).resolve()), "ref", o.data, "--test", str(o.test),
               "--season", str(o.season), "--out", str(ref_json), "--per-series", str(work / "ref_series.csv")]
    runs = {"ours": [], "ref": []}
    for rep in range(o.reps):
        for side in (["ours", "ref"] if rep % 2 == 0 else ["ref", "ours"]):
            print(f"[forecast {rep + 1}/{o.reps}] {side}", flush=True)
            runs[side].append(timed(ours_cmd if side == "ours" else ref_cmd, work, side))
    ours = json.loads(ours_json.read_text())
    refs = json.loads(ref_json.read_text())
    our_mean, our_n = ours_means(ours)
    ref_mean = refs["mean"]
    med = {s: statistics.median(r["wall"] for r in runs[s]) for s in runs}
    rss = {s: max(r["rss_mb"] for r in runs[s]) for s in runs}
    results = {"runs": runs, "median": med, "rss": rss, "ours": {"mean": our_mean, "groups": our_n,
               "season": ours.get("season"), "test": ours.get("test")}, "ref": refs}
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    ratio = lambda r: f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"
    f = lambda v: "n/a" if v is None or not math.isfinite(v) else f"{v:.3f}"
    chosen = ", ".join(f"{k} {v}" for k, v in refs["chosen"].items())
    notes = []
    if ours.get("season") != refs["season"]:
        notes.append(f"our season is {ours.get('season')}, the reference's MASE lag {refs['season']}: "
                     "MASE is not on the same scale")
    if ours.get("test") not in (None, o.test):
        notes.append(f"our test length is {ours.get('test')}, not {o.test}")
    title = f"ETS, automatic form (AICc), {refs['series']:,} weekly series × {o.weeks} weeks, last {o.test} held out"
    rows = [
        f"| {title} | {med['ours']:.2f} s | {med['ref']:.2f} s ({refs['reference']}) | "
        f"{ratio(med['ours'] / med['ref'])}× | {f(our_mean['mase'])} | {f(ref_mean['mase'])} | "
        f"{f(our_mean['rmse'])} | {f(ref_mean['rmse'])} | {f(our_mean['mape'])} | {f(ref_mean['mape'])} | "
        f"{rss['ours']:.0f} MB | {rss['ref']:.0f} MB |",
    ]
    body = "\n".join([
        f"## Forecasting: ETS per series, side by side ({datetime.date.today()})",
        "",
        f"`{o.command}`: {refs['series']:,} generated weekly series (`week,product,sales`: level, trend, "
        f"noise and level shifts, seeded), each trained on all but its last {o.test} weeks and forecast "
        f"{o.test} ahead; whole processes (ours: `forecast --by product --model ets`; the reference: one "
        "Python process, statsmodels' ETSModel per series choosing among ANN, AAN, AAdN, MNN, MAN, MAdN "
        "by AICc, the set R's forecast::ets() searches for non-seasonal data, default fitting settings), "
        f"{o.reps} runs each, alternating; median wall time, largest peak RSS; mean over series of each "
        f"side's accuracy on the held-out weeks (MASE scaled by the lag-{refs['season']} naive "
        "differences of the training part, as R's accuracy() for a frequency-52 series). Target: ours at "
        "most 1.0× the reference's time at an equal or better mean MASE.",
        "",
        f"Machine: {benchmd.machine()}.",
        "",
        "| job | ours | reference | ours / ref | our MASE | ref MASE | our RMSE | ref RMSE | our MAPE | "
        "ref MAPE | our peak RSS | ref peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Forms the reference chose: {chosen}.",
        *(["", "Note: " + "; ".join(notes) + "."] if notes else []),
    ])
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "forecast", body)
    print(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--series", type=int, default=1000)
    g.add_argument("--weeks", type=int, default=156)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--out", required=True)
    r = sub.add_parser("ref")
    r.add_argument("data")
    r.add_argument("--test", type=int, default=13)
    r.add_argument("--season", type=int, default=52)
    r.add_argument("--out", required=True)
    r.add_argument("--per-series")
    b = sub.add_parser("bench")
    for a in ["--bin", "--python", "--data", "--work", "--command"]:
        b.add_argument(a, required=True)
    b.add_argument("--reps", type=int, default=3)
    b.add_argument("--test", type=int, default=13)
    b.add_argument("--season", type=int, default=52)
    b.add_argument("--weeks", type=int, default=156)
    o = ap.parse_args()
    {"gen": gen, "ref": ref, "bench": bench}[o.cmd](o)


if __name__ == "__main__":
    main()
