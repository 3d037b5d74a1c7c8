"""Accuracy of Marketing Workbench's models against scikit-learn and LightGBM with their
defaults, on tables the project has never seen.

Each table is split once (seeded, stratified for yes/no) into a training file and a test file.
Ours: `marketing-workbench train TRAIN --holdout 0 --model M --save-model F` then
`marketing-workbench score F TEST --out S`, and the test AUC (or RMSE) of S's `score`.
Reference: the same files read with pandas, numbers imputed with the median and standardised,
text one-hot encoded (as our feature schema does), each model fitted with its defaults.

    python compare_models.py --bin target/release/marketing-workbench --data DIR --out results.json \
        [--markdown BENCHMARKS.md]

With --markdown it also writes the `real` section of that file: per table each model's test AUC
(or RMSE) on both sides, best ours against the best reference, and our logistic (linear)
regression against scikit-learn's. bench/real_tables.sh fetches the tables and runs it.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
import lightgbm

import benchmd

warnings.filterwarnings("ignore")

# name, file, target, task, positive label, columns to leave out
TABLES = [
    ("Caravan (insurance purchase)", "Caravan.csv", "Purchase", "classification", "Yes", []),
    ("OJ (brand purchased)", "OJ.csv", "Purchase", "classification", "MM", []),
    ("Default (credit default)", "Default.csv", "default", "classification", "Yes", []),
    ("Carseats (sales)", "Carseats.csv", "Sales", "regression", None, []),
    ("Credit (card balance)", "Credit.csv", "Balance", "regression", None, ["ID"]),
    ("Wage", "Wage.csv", "wage", "regression", None, ["logwage"]),
]

OURS_CLASSIFIERS = ["logistic", "tree", "forest", "boosting", "svm", "naive-bayes", "mlp"]
OURS_REGRESSORS = ["linear", "tree", "forest", "boosting", "mlp"]


def reference_models(task, n_rows):
    if task == "classification":
        return {
            "sklearn LogisticRegression": LogisticRegression(),
            "sklearn DecisionTree": DecisionTreeClassifier(random_state=0),
            "sklearn RandomForest": RandomForestClassifier(n_jobs=2, random_state=0),
            "sklearn HistGradientBoosting": HistGradientBoostingClassifier(random_state=0),
            "LightGBM": lightgbm.LGBMClassifier(verbose=-1, random_state=0),
            "sklearn SVC": SVC(probability=True, random_state=0),
            "sklearn GaussianNB": GaussianNB(),
            "sklearn MLP": MLPClassifier(random_state=0),
        }
    return {
        "sklearn LinearRegression": LinearRegression(),
        "sklearn DecisionTree": DecisionTreeRegressor(random_state=0),
        "sklearn RandomForest": RandomForestRegressor(n_jobs=2, random_state=0),
        "sklearn HistGradientBoosting": HistGradientBoostingRegressor(random_state=0),
        "LightGBM": lightgbm.LGBMRegressor(verbose=-1, random_state=0),
        "sklearn MLP": MLPRegressor(random_state=0),
    }


def preprocess(train, ignore):
    """Median-imputed, standardised numbers and one-hot text (≤ 30 values), like our schema."""
    num = [c for c in train.columns if c not in ignore and pd.api.types.is_numeric_dtype(train[c])]
    cat = [
        c
        for c in train.columns
        if c not in ignore and c not in num and train[c].nunique() <= 30
    ]
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            ("cat", OneHotEncoder(handle_unknown="ignore"), cat),
        ]
    )


def measure(task, truth, scores):
    if task == "classification":
        return {"auc": float(roc_auc_score(truth, scores))}
    return {"rmse": float(np.sqrt(mean_squared_error(truth, scores)))}


def run_ours(binary, train_path, test_path, target, task, model, positive, ignore, truth, work):
    model_file = work / f"{model}.model.json"
    scored = work / f"{model}.scored.csv"
    args = [binary, "train", str(train_path), "--target", target, "--task", task,
            "--holdout", "0", "--model", model, "--save-model", str(model_file)]
    if positive:
        args += ["--positive", positive]
    for c in ignore:
        args += ["--ignore", c]
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    fit = time.perf_counter() - t
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    r = subprocess.run([binary, "score", str(model_file), str(test_path), "--out", str(scored)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    scores = pd.read_csv(scored)["score"].to_numpy()
    return {**measure(task, truth, scores), "secs": fit}


# Our model, its scikit-learn / LightGBM counterpart (classification, regression), the column.
PAIRS = [
    ("logistic", "sklearn LogisticRegression", "logistic"),
    ("linear", "sklearn LinearRegression", "linear"),
    ("tree", "sklearn DecisionTree", "tree"),
    ("forest", "sklearn RandomForest", "forest"),
    ("boosting", "LightGBM", "boosting (LightGBM)"),
    (None, "sklearn HistGradientBoosting", "sklearn HistGB"),
    ("svm", "sklearn SVC", "SVM"),
    ("naive-bayes", "sklearn GaussianNB", "naive Bayes"),
    ("mlp", "sklearn MLP", "MLP"),
]
AUC_EQUAL = 0.005  # issue 6
RMSE_EQUAL = 0.01  # RMSE within 1 % counts as equal


def _metric(r):
    if r is None:
        return None
    return r.get("auc", r.get("rmse"))


def _cell(r):
    if r is None:
        return "-"
    if "error" in r:
        return "failed"
    v = _metric(r)
    return "-" if v is None else f"{v:.4f}" if "auc" in r else f"{v:.4g}"


def _verdict(task, ours, ref):
    if ours is None or ref is None:
        return "-"
    if task == "classification":
        same, better = abs(ours - ref) <= AUC_EQUAL, ours > ref
    else:
        same, better = abs(ours - ref) <= RMSE_EQUAL * ref, ours < ref
    return "equal" if same else ("ours better" if better else "ours WORSE")


def _best(results, task):
    scored = [(name, _metric(r)) for name, r in results.items() if _metric(r) is not None]
    if not scored:
        return None, None
    pick = max if task == "classification" else min
    return pick(scored, key=lambda x: x[1])


def markdown(results, command):
    """The `real` section of BENCHMARKS.md."""
    lines = [
        f"Measured {benchmd.today()} with `{command}` (ISLP 0.6.0's CSVs; 70 % training, 30 % "
        "test, seeded and stratified; every model with its defaults).",
        "",
        f"- Machine: {benchmd.machine()}",
        f"- Tools: {benchmd.versions()}",
        "",
        "Best of ours against the best reference, and our logistic (linear, for amounts) "
        "regression against scikit-learn's. AUC (higher is better) within 0.005 counts as "
        "equal, RMSE (lower is better) within 1 %.",
        "",
        "| table | rows | metric | best ours | best reference | verdict | our logistic / linear "
        "| scikit-learn's | verdict |",
        "|---|---:|---|---|---|---|---:|---:|---|",
    ]
    for row in results:
        task = row["task"]
        metric = "test AUC" if task == "classification" else "test RMSE"
        bo, bov = _best(row["ours"], task)
        br, brv = _best(row["reference"], task)
        lin = "logistic" if task == "classification" else "linear"
        ref_lin = "sklearn LogisticRegression" if lin == "logistic" else "sklearn LinearRegression"
        ol, rl = _metric(row["ours"].get(lin)), _metric(row["reference"].get(ref_lin))
        fmt = (lambda v: "-" if v is None else f"{v:.4f}") if task == "classification" else \
            (lambda v: "-" if v is None else f"{v:.4g}")
        lines.append(
            f"| {row['table']} | {row['rows']:,} | {metric} | {bo or '-'} {fmt(bov)} "
            f"| {br or '-'} {fmt(brv)} | {_verdict(task, bov, brv)} | {fmt(ol)} | {fmt(rl)} "
            f"| {_verdict(task, ol, rl)} |")
    lines += ["", "Every model, ours / reference (test AUC or RMSE; `-`: no such model):", ""]
    head = "| table | " + " | ".join(p[2] for p in PAIRS) + " |"
    lines += [head, "|---|" + "---|" * len(PAIRS)]
    for row in results:
        cells = []
        for ours, ref, _ in PAIRS:
            o = row["ours"].get(ours) if ours else None
            r = row["reference"].get(ref)
            cells.append("-" if o is None and r is None else f"{_cell(o)} / {_cell(r)}")
        lines.append(f"| {row['table']} | " + " | ".join(cells) + " |")
    failed = [(row["table"], m, r["error"]) for row in results for m, r in row["ours"].items()
              if "error" in r]
    if failed:
        lines += ["", "Failed:"] + [f"- {t}, ours {m}: {e.splitlines()[-1][:200] if e else ''}"
                                    for t, m, e in failed]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", type=Path, help="write the `real` section of this file")
    ap.add_argument("--command", default="bench/real_tables.sh", help="for the record")
    a = ap.parse_args()
    results = []
    for name, file, target, task, positive, ignore in TABLES:
        path = a.data / file
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        df = pd.read_csv(path)
        strat = df[target] if task == "classification" else None
        train, test = train_test_split(df, test_size=0.3, random_state=a.seed, stratify=strat)
        work = Path(tempfile.mkdtemp(prefix="mwb-compare-"))
        train_path, test_path = work / "train.csv", work / "test.csv"
        train.to_csv(train_path, index=False)
        test.to_csv(test_path, index=False)
        if task == "classification":
            y_train = (train[target].astype(str) == positive).astype(int).to_numpy()
            y_test = (test[target].astype(str) == positive).astype(int).to_numpy()
        else:
            y_train, y_test = train[target].to_numpy(), test[target].to_numpy()
        row = {"table": name, "task": task, "rows": len(df), "columns": df.shape[1],
               "train_rows": len(train), "test_rows": len(test), "ours": {}, "reference": {}}
        for m in OURS_CLASSIFIERS if task == "classification" else OURS_REGRESSORS:
            row["ours"][m] = run_ours(a.bin, train_path, test_path, target, task, m, positive,
                                      ignore, y_test, work)
            print(name, "ours", m, row["ours"][m], file=sys.stderr)
        X_train = train.drop(columns=[target])
        X_test = test.drop(columns=[target])
        for label, est in reference_models(task, len(train)).items():
            pipe = make_pipeline(preprocess(X_train, ignore), est)
            t = time.perf_counter()
            pipe.fit(X_train, y_train)
            fit = time.perf_counter() - t
            if task == "classification":
                scores = pipe.predict_proba(X_test)[:, 1]
            else:
                scores = pipe.predict(X_test)
            row["reference"][label] = {**measure(task, y_test, scores), "secs": fit}
            print(name, label, row["reference"][label], file=sys.stderr)
        results.append(row)
    a.out.write_text(json.dumps(results, indent=2))
    if a.markdown:
        benchmd.replace_section(a.markdown, "real", markdown(results, a.command))


if __name__ == "__main__":
    main()
