"""The SQL-export benchmark (bench/sql.sh): train a 100-round boosting model (untimed), then time
scoring every customer three ways — the app's `score` (whole process: load, recipe, features,
trees, deciles, CSV written), the exported SQL inside DuckDB and inside PostgreSQL with the table
already loaded (the query's run time, its rows written as CSV by the engine's COPY) — and compare the engines' scores with the app's, row by row."""

import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "data" / "sql"))
import run_sql  # noqa: E402  (the tests' loader: the same typing of columns)

RECIPE = {"steps": [
    {"step": "fill_missing", "column": "age", "strategy": "median"},
    {"step": "clip_outliers", "column": "avg_order_value", "method": {"method": "iqr", "k": 1.5}},
    {"step": "log_transform", "column": "total_spend"},
    {"step": "standardize", "columns": ["total_spend", "avg_order_value", "visits_30d"]},
    {"step": "one_hot", "column": "region", "max_categories": 20},
]}


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def scores(path):
    with open(path, newline="") as f:
        return {r["customer_id"]: (float(r["score"]), r["prediction"], r["decile"]) for r in csv.DictReader(f)}


def compare(ours, theirs):
    worst = max(abs(ours[k][0] - v[0]) for k, v in theirs.items())
    labels = sum(ours[k][1] != v[1] for k, v in theirs.items())
    deciles = sum(ours[k][2] != v[2] for k, v in theirs.items())
    return {"rows": len(theirs), "same_rows": set(ours) == set(theirs), "max_diff": worst,
            "prediction_mismatches": labels, "decile_mismatches": deciles}


def main():
    import benchmd
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--command", default="bench/sql.sh")
    ap.add_argument("--features-bin", required=True, help="the bench_lightgbm_features example")
    o = ap.parse_args()
    work = Path(o.work)
    work.mkdir(parents=True, exist_ok=True)
    recipe = work / "recipe.json"
    recipe.write_text(json.dumps(RECIPE))
    model = work / "boosting.model.json"
    print("[sql] training (untimed)", flush=True)
    subprocess.run([o.bin, "train", o.data, "--target", "responded", "--ignore", "customer_id",
                    "--ignore", "churned", "--ignore", "spend_next_90d", "--model", "boosting",
                    "--param", "rounds=100", "--recipe", str(recipe), "--save-model", str(model)],
                   check=True, stdout=subprocess.DEVNULL)
    sql = {}
    for d in ("duckdb", "postgres"):
        path = work / f"boosting.{d}.sql"
        subprocess.run([o.bin, "export-model", str(model), "--format", "sql", "--dialect", d,
                        "--id", "customer_id", "--out", str(path)], check=True)
        sql[d] = path.read_text()

    runs = {"ours": [], "duckdb": [], "postgres": []}
    rss = {"ours": 0.0}
    ours_out = work / "scored.csv"
    duck_out = work / "duckdb.csv"
    # Ours first, while this process is small: a child's peak RSS as wait4 reports it includes
    # what its parent held when it forked, and DuckDB's copy of the table is big.
    for rep in range(o.reps):
        print(f"[sql {rep + 1}/{o.reps}] ours", flush=True)
        wall, mb = timed([o.bin, "score", str(model), o.data, "--out", str(ours_out)])
        runs["ours"].append(wall)
        rss["ours"] = max(rss["ours"], mb)

    # LightGBM's own scorer on the exported LightGBM file, given the unscaled features the
    # file reads (made by the app's recipe and encoding, untimed: a warehouse would hold them).
    import lightgbm
    import numpy as np
    lgb_file = work / "boosting.lightgbm.txt"
    subprocess.run([o.bin, "export-model", str(model), "--format", "lightgbm", "--out", str(lgb_file)],
                   check=True, stderr=subprocess.DEVNULL)
    feats = work / "features.f64"
    shape = json.loads(subprocess.run([o.features_bin, str(model), o.data, str(feats)], check=True,
                                      capture_output=True, text=True).stdout)
    x = np.fromfile(feats, dtype="<f8").reshape(shape["rows"], shape["columns"])
    runs["lightgbm"] = []
    for rep in range(o.reps):
        print(f"[sql {rep + 1}/{o.reps}] lightgbm", flush=True)
        t = time.perf_counter()
        p = lightgbm.Booster(model_file=str(lgb_file)).predict(x)
        runs["lightgbm"].append(time.perf_counter() - t)
    with open(ours_out, newline="") as f:
        app_scores = np.array([float(r["score"]) for r in csv.DictReader(f)])
    lgb_check = {"rows": len(p), "equal": int(np.sum(p == app_scores)),
                 "max_diff": float(np.max(np.abs(p - app_scores)))}
    del x

    # Reading the customers from PostgreSQL against loading the same rows from the CSV file
    # (`profile`: load, then the same profile of the same table either way).
    print("[sql] loading the table into DuckDB and PostgreSQL (untimed)", flush=True)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv_auto('{o.data}')")
    names, kinds, _ = run_sql.typed_columns(o.data)
    types = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "DATE": "DATE", "TEXT": "TEXT"}
    cols = ", ".join(f'"{n}" {types[k]}' for n, k in zip(names, kinds))
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(psql + ["-c", "DROP TABLE IF EXISTS customers", "-c", f"CREATE TABLE customers ({cols})",
                           "-c", f"\\copy customers FROM '{o.data}' WITH (FORMAT csv, HEADER true)",
                           "-c", "VACUUM ANALYZE customers"], check=True)
    db = "postgresql:///" + os.environ.get("PGDATABASE", "postgres") + "?table=customers"
    runs["profile_csv"], runs["profile_pg"] = [], []
    for rep in range(o.reps):
        print(f"[sql {rep + 1}/{o.reps}] profile from the CSV file and from PostgreSQL", flush=True)
        runs["profile_csv"].append(timed([o.bin, "profile", o.data])[0])
        runs["profile_pg"].append(timed([o.bin, "profile", db])[0])
    statements = [s for s in sql["postgres"].split(";\n") if s.strip()]
    pg_query = statements[-1].strip().rstrip(";")
    pg_script = work / "pg_timed.sql"
    pg_script.write_text("SET jit = off;\n" + f"COPY ({pg_query}) TO STDOUT WITH (FORMAT csv, HEADER true);\n")

    for rep in range(o.reps):
        print(f"[sql {rep + 1}/{o.reps}] duckdb", flush=True)
        t = time.perf_counter()
        query = sql["duckdb"].strip().rstrip(";")
        con.execute(f"COPY ({query}) TO '{duck_out}' (HEADER, DELIMITER ',')")
        runs["duckdb"].append(time.perf_counter() - t)
        print(f"[sql {rep + 1}/{o.reps}] postgres", flush=True)
        t = time.perf_counter()
        with open(work / "postgres.csv", "wb") as f:
            subprocess.run(psql + ["-f", str(pg_script)], check=True, stdout=f)
        runs["postgres"].append(time.perf_counter() - t)
    ours = scores(ours_out)
    checks = {"duckdb": compare(ours, scores(duck_out)), "postgres": compare(ours, scores(work / "postgres.csv"))}
    med = {k: statistics.median(v) for k, v in runs.items()}
    (work / "results.json").write_text(json.dumps({"runs": runs, "median": med, "checks": checks,
                                                   "lightgbm": lgb_check,
                                                   "sql_bytes": len(sql["duckdb"])}, indent=1))
    n = len(ours)

    def check(c):
        same = "same rows" if c["same_rows"] else "DIFFERENT rows"
        return (f"{same}; scores differ by at most {c['max_diff']:.1e}; "
                f"{c['prediction_mismatches']} predictions and {c['decile_mismatches']} deciles differ")

    body = "\n".join([
        f"## Scoring where the data lives: the exported SQL in DuckDB and PostgreSQL ({datetime.date.today()})",
        "",
        f"`{o.command}`: `sample --rows {n:,} --seed 7`, a 100-round boosting model for `responded` "
        "(recipe: fill, clip, log, standardise, one-hot), exported with `export-model --format sql "
        f"--id customer_id` ({len(sql['duckdb']) / 1e6:.1f} MB of SQL). Ours: the whole `score` process "
        "(load the CSV, recipe, features, trees, deciles, write the CSV). The engines: the query alone, "
        "the table already in the engine (as in a warehouse), every scored row written as CSV by the "
        "engine's `COPY (query) TO …` (PostgreSQL: to psql's standard output, JIT off). "
        f"Median of {o.reps} runs. Machine: {benchmd.machine()}.",
        "",
        "| scorer | time | rows | against the app's scores |",
        "|---|---|---|---|",
        f"| the app's `score` (whole process, peak RSS {rss['ours']:.0f} MB) | {med['ours']:.2f} s | {n:,} | — |",
        f"| the SQL in DuckDB {duckdb.__version__} | {med['duckdb']:.2f} s | {checks['duckdb']['rows']:,} | {check(checks['duckdb'])} |",
        f"| the SQL in PostgreSQL | {med['postgres']:.2f} s | {checks['postgres']['rows']:,} | {check(checks['postgres'])} |",
        f"| LightGBM {lightgbm.__version__}'s `Booster(model_file=…).predict` on the exported LightGBM file "
        f"(load + predict; the {shape['columns']} unscaled features in memory, made by the app in {shape['seconds']:.1f} s, untimed) "
        f"| {med['lightgbm']:.2f} s | {lgb_check['rows']:,} | {lgb_check['equal']:,} rows equal to the double; "
        f"largest difference {lgb_check['max_diff']:.1e} |",
        "",
        f"Reading the same {n:,} customers from PostgreSQL (`profile postgresql:///…?table=customers`: "
        "binary `COPY … TO STDOUT` decoded into columns, the table's pages in one part per core on one "
        "snapshot) against the CSV file (`profile customers.csv`), "
        "each the whole process, the same profile after the load: "
        f"{med['profile_pg']:.2f} s against {med['profile_csv']:.2f} s, "
        f"{med['profile_pg'] / med['profile_csv']:.2f}× (target ≤ 2.0×).",
        "",
        "Spark SQL: see the `spark` section (bench/spark.sh).",
    ])
    benchmd.replace_section(HERE.parent / "BENCHMARKS.md", "sql", body)
    print(body)


if __name__ == "__main__":
    main()
