"""The reference side of the training benchmarks: what a data scientist runs in Python for the
same job as `marketing-workbench train FILE --target T --model M` — read the CSV (polars),
encode it as our feature schema does (text with ≤ 30 values one-hot, dates as days, numbers
median-filled and standardised, ID-like text dropped), hold out 20 % (stratified for yes/no),
fit with the library's defaults, score the held-out rows and measure them.

    python ref_train.py FILE --target responded --model logistic --ignore churned ...

Prints one JSON line: {"model", "rows", "auc" | "rmse" | "inertia", "load_secs", "fit_secs", ...}.
"""

import argparse
import json
import time

t_start = time.perf_counter()

import numpy as np
import polars as pl
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

MODELS = {
    # name: (task, constructor)
    "logistic": ("classification", lambda: __import__("sklearn.linear_model", fromlist=["x"]).LogisticRegression()),
    "forest": ("classification", lambda: __import__("sklearn.ensemble", fromlist=["x"]).RandomForestClassifier(n_jobs=-1, random_state=0)),
    "boosting": ("classification", lambda: __import__("lightgbm").LGBMClassifier(verbose=-1, random_state=0)),
    "mlp": ("classification", lambda: __import__("sklearn.neural_network", fromlist=["x"]).MLPClassifier(random_state=0)),
    "naive-bayes": ("classification", lambda: __import__("sklearn.naive_bayes", fromlist=["x"]).GaussianNB()),
    "tree": ("classification", lambda: __import__("sklearn.tree", fromlist=["x"]).DecisionTreeClassifier(random_state=0)),
    "linear": ("regression", lambda: __import__("sklearn.linear_model", fromlist=["x"]).LinearRegression()),
    "kmeans": ("segments", lambda: None),
}


def encode(df, target, ignore):
    """Columns → a float matrix, as our feature schema encodes them."""
    cols = []
    for name, dtype in df.schema.items():
        if name == target or name in ignore:
            continue
        s = df[name]
        if dtype == pl.String:
            if s.n_unique() > 30:
                continue  # ID-like or free text
            try:
                d = s.str.to_date(strict=True)
                cols.append(d.cast(pl.Int32).cast(pl.Float64).alias(name))
                continue
            except Exception:
                pass
            for v in s.drop_nulls().unique().sort().to_list():
                cols.append((s == v).fill_null(False).cast(pl.Float64).alias(f"{name}={v}"))
        elif dtype == pl.Date:
            cols.append(s.cast(pl.Int32).cast(pl.Float64).alias(name))
        elif dtype.is_numeric() or dtype == pl.Boolean:
            s = s.cast(pl.Float64)
            cols.append(s.fill_null(s.median()).alias(name))
    x = pl.DataFrame(cols).to_numpy()
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return (x - x.mean(axis=0)) / sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--target")
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--rows", type=int, default=0, help="use the first N rows only")
    a = ap.parse_args()
    task, make = MODELS[a.model]

    t = time.perf_counter()
    df = pl.read_csv(a.file, try_parse_dates=True)
    if a.rows:
        df = df.head(a.rows)
    load = time.perf_counter() - t
    t = time.perf_counter()
    x = encode(df, a.target, set(a.ignore))
    prep = time.perf_counter() - t
    out = {"model": a.model, "rows": df.height, "features": x.shape[1], "load_secs": load, "prep_secs": prep}

    if task == "segments":
        from sklearn.cluster import KMeans

        t = time.perf_counter()
        km = KMeans(n_clusters=a.k, n_init=1, random_state=0).fit(x)
        out["fit_secs"] = time.perf_counter() - t
        out["inertia"] = float(km.inertia_ / x.shape[0])
    else:
        if task == "classification":
            y = df[a.target].cast(pl.Float64).to_numpy() > 0.5
        else:
            y = df[a.target].cast(pl.Float64).to_numpy()
        xt, xv, yt, yv = train_test_split(
            x, y, test_size=0.2, random_state=42, stratify=y if task == "classification" else None
        )
        model = make()
        t = time.perf_counter()
        model.fit(xt, yt)
        out["fit_secs"] = time.perf_counter() - t
        t = time.perf_counter()
        if task == "classification":
            out["auc"] = float(roc_auc_score(yv, model.predict_proba(xv)[:, 1]))
        else:
            out["rmse"] = float(np.sqrt(mean_squared_error(yv, model.predict(xv))))
        out["score_secs"] = time.perf_counter() - t
    out["total_secs"] = time.perf_counter() - t_start
    print(json.dumps(out))


if __name__ == "__main__":
    main()
