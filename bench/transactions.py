"""Issue 13's benchmark, driven by bench/transactions.sh: `marketing-workbench clv` against the
Python `lifetimes` package on CDNOW_master.txt, and `marketing-workbench basket` against mlxtend
on a generated order file. Whole processes (start to exit), alternating sides, REPS each; the
median wall time and peak RSS of each side, their ratio, and whether the answers agree.
Writes WORK/results.json and the `transactions` section of BENCHMARKS.md.
"""

import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import benchmd

HERE = Path(__file__).resolve().parent
MIN_SUPPORT, MIN_CONFIDENCE = "0.001", "0.1"


def timed(cmd, out_dir, label):
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / f"{label}.stdout", "wb") as so, open(out_dir / f"{label}.stderr", "wb") as se:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{label} failed ({rc}): {(out_dir / f'{label}.stderr').read_text()[-500:]}")
    return {"wall": wall, "rss_mb": usage.ru_maxrss / 1024, "stdout": (out_dir / f"{label}.stdout").read_text()}


def read(path, key):
    with open(path) as f:
        return {key(r): r for r in csv.DictReader(f)}


def check_clv(work):
    ours = json.loads((work / "clv.json").read_text())
    ref = json.loads((work / "ref_clv.stdout").read_text().strip().splitlines()[-1])
    rel = lambda a, b: abs(a - b) / abs(b)
    params = max(rel(ours["params"][k], ref[k]) for k in ["r", "alpha", "a", "b"])
    spend = max(rel(ours["spend"][k], ref["spend"][k]) for k in ["p", "q", "v"])
    a = read(work / "clv.csv", lambda r: int(r["customer"]))
    b = read(work / "ref_clv.csv", lambda r: int(r["customer"]))
    assert a.keys() == b.keys(), "different customers"
    diff = max(abs(float(a[k][c]) - float(b[k][c])) for k in a for c in ["p_alive", "expected_purchases", "expected_avg_value"])
    return (f"{ours['customers']:,} customers; r, α, a, b within {params:.1e} (relative), p, q, v within "
            f"{spend:.1e}; per customer P(alive), expected purchases (52 weeks) and value within {diff:.1e}"), params < 1e-3 and spend < 1e-3


def check_basket(work):
    ours = json.loads((work / "basket.json").read_text())
    ref = json.loads((work / "ref_basket.stdout").read_text().strip().splitlines()[-1])
    a = read(work / "rules.csv", lambda r: (r["antecedents"], r["consequents"]))
    b = read(work / "ref_rules.csv", lambda r: (r["antecedents"], r["consequents"]))
    same = a.keys() == b.keys()
    diff = max((abs(float(a[k][c]) - float(b[k][c])) for k in a.keys() & b.keys() for c in ["support", "confidence", "lift", "leverage"]), default=0.0)
    return (f"{ours['orders']:,} orders, {ours['items']} items, {ours['itemsets']:,} itemsets (mlxtend {ref['itemsets']:,}), "
            f"{ours['rules']:,} rules (mlxtend {ref['rules']:,}), {'the same rules' if same else 'DIFFERENT rules'}, "
            f"measures within {diff:.1e}"), same and ours["itemsets"] == ref["itemsets"] and diff < 1e-9


def main():
    ap = argparse.ArgumentParser()
    for a in ["--bin", "--python", "--cdnow", "--orders", "--work", "--command"]:
        ap.add_argument(a, required=True)
    ap.add_argument("--reps", type=int, default=3)
    o = ap.parse_args()
    work = Path(o.work)
    jobs = {
        "clv": ("Lifetime value: BG/NBD + Gamma-Gamma, CDNOW_master (69,659 purchases)",
                [o.bin, "clv", o.cdnow, "--customer", "customer_id", "--date", "date", "--amount", "dollar_value",
                 "--calibration-end", "1997-09-30", "--unit", "week", "--horizon", "52",
                 "--metrics", str(work / "clv.json"), "--out", str(work / "clv.csv")],
                [o.python, str(HERE / "ref_clv.py"), o.cdnow, str(work / "ref_clv.csv")],
                "lifetimes 0.11.3", check_clv),
        "basket": (f"Itemsets + rules, {Path(o.orders).name} (min support {MIN_SUPPORT}, confidence {MIN_CONFIDENCE})",
                   [o.bin, "basket", o.orders, "--order", "order_id", "--item", "product", "--min-support", MIN_SUPPORT,
                    "--min-confidence", MIN_CONFIDENCE, "--rules", str(work / "rules.csv"), "--metrics", str(work / "basket.json")],
                   [o.python, str(HERE / "ref_basket.py"), o.orders, "order_id", "product", MIN_SUPPORT, MIN_CONFIDENCE,
                    str(work / "ref_rules.csv")],
                   "mlxtend 0.23.4 fpgrowth + association_rules", check_basket),
    }
    results = {}
    rows = []
    for key, (title, ours_cmd, ref_cmd, ref_name, check) in jobs.items():
        runs = {"ours": [], "ref": []}
        for rep in range(o.reps):
            order = [("ours", ours_cmd, key), ("ref", ref_cmd, f"ref_{key}")]
            if rep % 2:
                order.reverse()
            for side, cmd, label in order:
                print(f"[{key} {rep + 1}/{o.reps}] {side}", flush=True)
                runs[side].append(timed(cmd, work, label))
        note, agree = check(work)
        med = {s: statistics.median(r["wall"] for r in runs[s]) for s in runs}
        rss = {s: max(r["rss_mb"] for r in runs[s]) for s in runs}
        results[key] = {"runs": runs, "median": med, "rss": rss, "note": note, "agree": agree}
        rows.append(f"| {title} | {med['ours']:.2f} s | {med['ref']:.2f} s ({ref_name}) | {med['ours'] / med['ref']:.2f}× | "
                    f"{rss['ours']:.0f} MB | {rss['ref']:.0f} MB | {'yes' if agree else 'NO'}: {note} |")
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str))
    body = "\n".join([
        f"## Orders: lifetime value and baskets, side by side ({datetime.date.today()})",
        "",
        f"`{o.command}`: whole processes (start, read, work, write, exit), {o.reps} runs each, alternating; "
        "median wall time, largest peak RSS. Target: ours at most 1.0× the reference's time.",
        "",
        f"Machine: {benchmd.machine()}.",
        "",
        "| job | ours | reference | ours / ref | our peak RSS | ref peak RSS | same answers |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "transactions", body)
    print(body)


if __name__ == "__main__":
    main()
