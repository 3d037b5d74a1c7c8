"""The reference side of the training benchmarks: what a data scientist runs in Python for the
same job as `marketing-workbench train FILE --target T --model M` -- read the CSV (polars),
encode it as our feature schema does (text with <= 30 values one-hot, the least frequent value
dropped when the others cover every row; dates as days; numbers median-filled; ID-like text
dropped; everything standardised with the training rows' means and spreads), hold out 20 %
(stratified for yes/no), fit with the library's defaults, score the held-out rows and measure
them.

    python ref_train.py FILE --target responded --model logistic --ignore churned ...
    python ref_train.py FILE --model kmeans --k 8 --ignore responded ...

--holdout-ids FILE takes the held-out rows from a CSV with a `customer_id` column (our
`train --predictions` output), so both sides are measured on the very same rows; without it the
split is scikit-learn's (seeded). --save-model FILE pickles the encoding and the fitted model
(bench/ref_score.py reads it).

Prints one JSON line: {"model", "rows", "auc" | "rmse" | "inertia", "load_secs", "fit_secs", ...}.
k-means' inertia is ours: the mean squared distance of the held-out rows to their nearest
centroid, in standardised units.
"""

import argparse
import json
import time

t_start = time.perf_counter()

import numpy as np
import polars as pl
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

MAX_CATEGORIES = 30  # src/ml/features.rs MAX_AUTO_CATEGORIES


def _sk(module, name):
    return getattr(__import__(module, fromlist=[name]), name)


MODELS = {
    # name: (task, constructor)
    "logistic": ("classification", lambda: _sk("sklearn.linear_model", "LogisticRegression")()),
    "forest": (
        "classification",
        lambda: _sk("sklearn.ensemble", "RandomForestClassifier")(
            n_estimators=100, n_jobs=-1, random_state=0
        ),
    ),
    "boosting": (
        "classification",
        lambda: __import__("lightgbm").LGBMClassifier(n_estimators=100, verbose=-1, random_state=0),
    ),
    # LightGBM on one thread: on a 2-vCPU virtual machine its OpenMP threads spin-wait on each
    # other and its default (all cores) can be many times slower than one thread.
    "boosting-1-thread": (
        "classification",
        lambda: __import__("lightgbm").LGBMClassifier(
            n_estimators=100, verbose=-1, random_state=0, n_jobs=1
        ),
    ),
    "mlp": ("classification", lambda: _sk("sklearn.neural_network", "MLPClassifier")(random_state=0)),
    "naive-bayes": ("classification", lambda: _sk("sklearn.naive_bayes", "GaussianNB")()),
    "tree": ("classification", lambda: _sk("sklearn.tree", "DecisionTreeClassifier")(random_state=0)),
    "linear": ("regression", lambda: _sk("sklearn.linear_model", "LinearRegression")()),
    "kmeans": ("segments", None),
}


def fit_encoder(df, target, ignore):
    """Learns, from the training rows, how each column becomes numbers (like FeatureSchema)."""
    inputs = []
    for name, dtype in df.schema.items():
        if name == target or name in ignore:
            continue
        s = df[name]
        if dtype == pl.String:
            counts = s.drop_nulls().value_counts()
            if counts.height > MAX_CATEGORIES:
                continue  # ID-like or free text
            counts = counts.sort(["count", name], descending=[True, False])
            values = counts[name].to_list()
            if s.null_count() == 0 and len(values) > 1:
                values = values[:-1]  # the least frequent is implied by the others
            inputs.append({"column": name, "kind": "categories", "values": values})
        elif dtype in (pl.Date, pl.Datetime) or dtype.is_numeric() or dtype == pl.Boolean:
            x = _as_float(s)
            inputs.append({"column": name, "kind": "number", "fill": float(x.median() or 0.0)})
    x = _raw(df, inputs)
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    keep = sd > 1e-12
    return {"inputs": inputs, "mean": mean, "sd": np.where(keep, sd, 1.0)}


def _as_float(s):
    if s.dtype == pl.Date:
        return s.cast(pl.Int32).cast(pl.Float64)
    if isinstance(s.dtype, pl.Datetime):
        return (s.cast(pl.Int64) / 86_400e6).cast(pl.Float64)
    return s.cast(pl.Float64)


def _raw(df, inputs):
    cols = []
    for i in inputs:
        s = df[i["column"]]
        if i["kind"] == "number":
            cols.append(_as_float(s).fill_null(i["fill"]).fill_nan(i["fill"]))
        else:
            for v in i["values"]:
                cols.append((s == v).fill_null(False).cast(pl.Float64).alias(f"{i['column']}={v}"))
    return pl.DataFrame(cols).to_numpy()


def transform(df, enc):
    """The encoding replayed on any rows: a standardised float matrix."""
    return (_raw(df, enc["inputs"]) - enc["mean"]) / enc["sd"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--target")
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--rows", type=int, default=0, help="use the first N rows only")
    ap.add_argument("--holdout-ids", help="CSV whose id column names the held-out rows")
    ap.add_argument("--id-column", default="customer_id")
    ap.add_argument("--save-model", help="pickle the encoding and the fitted model here")
    a = ap.parse_args()
    task, make = MODELS[a.model]

    t = time.perf_counter()
    df = pl.read_csv(a.file, try_parse_dates=True)
    if a.rows:
        df = df.head(a.rows)
    load = time.perf_counter() - t
    out = {"model": a.model, "rows": df.height, "load_secs": load}

    t = time.perf_counter()
    if task == "classification":
        df = df.filter(pl.col(a.target).is_not_null())
        y_all = df[a.target].cast(pl.Float64).to_numpy() > 0.5
    elif task == "regression":
        df = df.filter(pl.col(a.target).is_not_null())
        y_all = df[a.target].cast(pl.Float64).to_numpy()
    else:
        y_all = None
    if a.holdout_ids:
        ids = pl.read_csv(a.holdout_ids, columns=[a.id_column])[a.id_column]
        held = df[a.id_column].is_in(ids.implode()).to_numpy()
        out["split"] = "given"
    else:
        idx = np.arange(df.height)
        strat = y_all if task == "classification" else None
        _, hold = train_test_split(idx, test_size=0.2, random_state=42, stratify=strat)
        held = np.zeros(df.height, dtype=bool)
        held[hold] = True
        out["split"] = "sklearn"
    mask = pl.Series(held)
    train_df, hold_df = df.filter(~mask), df.filter(mask)
    enc = fit_encoder(train_df, a.target, set(a.ignore))
    xt, xv = transform(train_df, enc), transform(hold_df, enc)
    out["prep_secs"] = time.perf_counter() - t
    out.update(features=xt.shape[1], train_rows=xt.shape[0], holdout_rows=xv.shape[0])

    if task == "segments":
        from sklearn.cluster import KMeans

        t = time.perf_counter()
        model = KMeans(n_clusters=a.k, n_init=1, random_state=0).fit(xt)
        out["fit_secs"] = time.perf_counter() - t
        # KMeans.score is minus the summed squared distance to the nearest centroid.
        out["inertia"] = float(-model.score(xv) / max(len(xv), 1))
    else:
        yt, yv = y_all[~held], y_all[held]
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
    if a.save_model:
        import joblib

        t = time.perf_counter()
        joblib.dump({"encoder": enc, "model": model, "task": task, "target": a.target,
                     "threshold": 0.5}, a.save_model)
        out["save_secs"] = time.perf_counter() - t
    out["total_secs"] = time.perf_counter() - t_start
    print(json.dumps(out))


if __name__ == "__main__":
    main()
