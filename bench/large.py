"""Growth benchmark (bench/large.sh): `score` and `train --model boosting` at several sizes,
each the whole process, timed with its peak RSS (wait4); the largest size held to 2 GiB. Writes
the `large` section of BENCHMARKS.md and bench/large.png."""

import argparse
import datetime
import json
import os
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPE = {"steps": [
    {"step": "fill_missing", "column": "age", "strategy": "median"},
    {"step": "clip_outliers", "column": "avg_order_value", "method": {"method": "iqr", "k": 1.5}},
    {"step": "log_transform", "column": "total_spend"},
    {"step": "standardize", "columns": ["total_spend", "avg_order_value", "visits_30d"]},
    {"step": "one_hot", "column": "region", "max_categories": 20},
]}


def run_measured(cmd, env=None):
    """Wall time and peak RSS (MB) of one process, from wait4."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    p.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(map(str, cmd))}\n{err}")
    return wall, usage.ru_maxrss / 1024, err


def same_as_in_parts(o, model, data, scored, work, parts=4):
    """Issue 18's acceptance: the file scored in one go has every row, and each row's score and
    prediction equal those the same model gives the row with the file cut into `parts` files,
    each scored on its own (deciles rank within a file, so they are left out). Returns (rows of
    the scored file, rows of the input, rows that differ)."""
    import csv
    import itertools
    with open(data, "rb") as f:
        total = sum(1 for _ in f) - 1
    outs = []
    with open(data, "rb") as f:
        header = f.readline()
        for i in range(parts):
            part = work / f"part_{i}.csv"
            with open(part, "wb") as w:
                w.write(header)
                w.writelines(itertools.islice(f, total * (i + 1) // parts - total * i // parts))
            out = work / f"part_{i}_scored.csv"
            subprocess.run([o.bin, "score", str(model), str(part), "--out", str(out)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            part.unlink()
            outs.append(out)

    def rows_of(path):
        with open(path, newline="") as f:
            r = csv.reader(f)
            head = next(r)
            s, p = head.index("score"), head.index("prediction")
            for row in r:
                yield row[s], row[p]

    whole = rows_of(scored)
    in_parts = itertools.chain.from_iterable(rows_of(p) for p in outs)
    n, differ = 0, 0
    for a, b in itertools.zip_longest(whole, in_parts):
        n += a is not None
        differ += a != b
    for out in outs:
        out.unlink()
    return n, total, differ


def main():
    import benchmd

    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--sizes", type=int, nargs="+", required=True)
    ap.add_argument("--cgroup", default="", help="a cgroup folder limited to 2 GiB, for the largest size")
    ap.add_argument("--command", default="bench/large.sh")
    o = ap.parse_args()
    work = Path(o.work)
    recipe = work / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    # The process moves itself into the cgroup, then becomes the command.
    prefix = ["sh", "-c", 'echo $$ >"$0/cgroup.procs" && exec "$@"', o.cgroup] if o.cgroup else []
    largest = max(o.sizes)
    rows = []
    checked = None
    model_1m = None
    for n in sorted(o.sizes):
        data = work / f"customers_{n}.csv"
        if not data.exists():
            print(f"[large] sample --rows {n}", flush=True)
            subprocess.run([o.bin, "sample", "--rows", str(n), "--seed", "7", "--out", str(data)], check=True)
        limited = n == largest and len(o.sizes) > 1
        env = dict(os.environ, MW_MEMORY_LIMIT="2G") if limited else None
        pre = prefix if limited else []
        print(f"[large] profile {n:,}", flush=True)
        t_prof, m_prof, err_p = run_measured(pre + [o.bin, "profile", str(data)], env)
        model = work / f"boosting_{n}.json"
        metrics = work / f"metrics_{n}.json"
        print(f"[large] train {n:,}{' (2 GiB)' if limited else ''}", flush=True)
        t_train, m_train, err = run_measured(pre + [o.bin, "train", str(data), "--target", "responded", "--model", "boosting",
                                                    "--param", "rounds=100", "--ignore", "customer_id", "--ignore", "churned",
                                                    "--ignore", "spend_next_90d", "--recipe", str(recipe),
                                                    "--save-model", str(model), "--metrics", str(metrics)], env)
        m = json.loads(metrics.read_text())
        model_1m = model_1m or model
        print(f"[large] score {n:,}", flush=True)
        # Every size scored by the same model (trained on the smallest), so the times compare.
        t_score, m_score, err_s = run_measured(pre + [o.bin, "score", str(model_1m), str(data), "--out", str(work / "scored.csv")], env)
        pieces = "pieces" in err_s
        if limited:
            print(f"[large] the scored file against the model's scores of the file in 4 parts", flush=True)
            checked = same_as_in_parts(o, model_1m, data, work / "scored.csv", work)
        rows.append({"rows": n, "bytes": data.stat().st_size, "limited": limited, "profile_secs": t_prof, "profile_mb": m_prof,
                     "profile_sampled": "too large" in err_p, "train_secs": t_train, "train_mb": m_train,
                     "sample_rows": m.get("sample_rows"), "total_rows": m.get("total_rows"), "auc": m["auc"],
                     "score_secs": t_score, "score_mb": m_score, "pieces": pieces})
        (work / "scored.csv").unlink()
        print(rows[-1], flush=True)
    (work / "results.json").write_text(json.dumps(rows, indent=1))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    xs = [r["rows"] / 1e6 for r in rows]
    for key, label in [("profile", "profile (a sample past memory)"), ("score", "score"),
                       ("train", "train boosting (a sample past memory)")]:
        a.plot(xs, [r[f"{key}_secs"] for r in rows], marker="o", label=label)
        b.plot(xs, [r[f"{key}_mb"] for r in rows], marker="o", label=label)
    a.set_xlabel("customers (millions)"); a.set_ylabel("seconds"); a.set_title("Time"); a.legend()
    b.set_xlabel("customers (millions)"); b.set_ylabel("peak RSS (MB)"); b.set_title("Peak memory")
    b.axhline(2048, color="grey", linestyle="--", linewidth=1, label="2 GiB: the largest size's limit")
    b.legend()
    fig.tight_layout()
    fig.savefig(HERE / "large.png", dpi=100)

    first = rows[0]
    lines = [
        f"## Growth: 1M to 20M customers, and a file larger than memory ({datetime.date.today()})",
        "",
        f"`{o.command}`: `sample --rows N --seed 7`; `train --model boosting --param rounds=100` (the sql bench's recipe) "
        "and `score` with the model trained on the smallest file, each the whole process (peak RSS from wait4). "
        f"The largest size runs held to 2 GiB ({'a cgroup' if prefix else 'MW_MEMORY_LIMIT only: no cgroup could be made'}, "
        "and `MW_MEMORY_LIMIT=2G`). A text table of 16 MB or more is scored in pieces of 16 MB "
        "(the same output, byte for byte: tests/larger_than_memory.rs); one that doesn't fit is trained on a uniform "
        f"random sample, and profiled in pieces (rows, missing values, min, max, mean, std, date ranges of every row; distinct counts, quartiles, histograms, top values of a sample of up to 1M rows). Machine: {benchmd.machine()}. Chart: bench/large.png.",
        "",
        "| customers | CSV | profile | profile peak | train | train peak | trained on | AUC | score | score peak | scored |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        trained = (f"a sample of {r['sample_rows']:,} of {r['total_rows']:,}" if r["sample_rows"] else "all rows")
        lines.append(
            f"| {r['rows']:,}{' (2 GiB)' if r['limited'] else ''} | {r['bytes'] / 1e6:,.0f} MB | "
            f"{r['profile_secs']:.1f} s{' (in pieces)' if r['profile_sampled'] else ''} | {r['profile_mb']:,.0f} MB | "
            f"{r['train_secs']:.1f} s | {r['train_mb']:,.0f} MB | "
            f"{trained} | {r['auc']:.4f} | {r['score_secs']:.1f} s ({r['score_secs'] / first['score_secs'] * first['rows'] / r['rows']:.2f}× per row) | "
            f"{r['score_mb']:,.0f} MB | {'in pieces' if r['pieces'] else 'whole'} |")
    last = rows[-1]
    lines += ["", f"Scoring {last['rows']:,} rows took {last['score_secs'] / first['score_secs']:.1f}× the time of "
              f"{first['rows']:,} (target ≤ {22 * last['rows'] / 20e6:.0f}× for 20×)."]
    if checked:
        n, total, differ = checked
        lines += ["", f"The {total:,}-row file scored under the limit has {n:,} scored rows; against the same "
                  f"model scoring the file cut into 4 parts, one after another, {differ:,} rows differ in their "
                  "score or prediction (deciles rank within a file, so they are not compared)."]
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "large", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
