"""Accuracy of Marketing Workbench's models against scikit-learn and LightGBM with their
defaults, on tables the project has never seen.

Each table is split once (seeded, stratified for yes/no) into a training file and a test file.
Ours: `marketing-workbench train TRAIN --holdout 0 --model M --save-model F` then
`marketing-workbench score F TEST --out S`, and the test AUC (or RMSE) of S's `score`.
Reference: the same files read with pandas, numbers imputed with the median and standardised,
text one-hot encoded (as our feature schema does), each model fitted with its defaults.

    python compare_models.py --bin target/release/marketing-workbench --data DIR --out results.json
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1)
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


if __name__ == "__main__":
    main()
