"""The reference side of the scoring benchmark: what a data scientist runs in Python for the same
job as `marketing-workbench score MODEL FILE --out OUT.csv` -- load the model that
bench/ref_train.py --save-model pickled (its encoding and the fitted LightGBM / scikit-learn
model), read the CSV with polars, encode it the same way, predict P(yes), and write the input
columns plus `score`, `prediction` (the label at the 0.5 threshold) and `decile` (1 = the
highest tenth of scores) as CSV -- the columns our `score` writes.

    python ref_score.py MODEL.pkl FILE OUT.csv

Prints one JSON line: {"rows", "columns", "load_secs", "score_secs", "write_secs"}.
"""

import json
import sys
import time

import joblib
import polars as pl

from ref_train import transform


def main():
    model_path, src, out = sys.argv[1:4]
    t = time.perf_counter()
    saved = joblib.load(model_path)
    df = pl.read_csv(src, try_parse_dates=True)
    load = time.perf_counter() - t

    t = time.perf_counter()
    x = transform(df, saved["encoder"])
    score = saved["model"].predict_proba(x)[:, 1]
    n = df.height
    df = df.with_columns(pl.Series("score", score)).with_columns(
        pl.when(pl.col("score") >= saved["threshold"]).then(pl.lit("1")).otherwise(pl.lit("0"))
        .alias("prediction"),
        ((pl.col("score").rank("ordinal", descending=True) - 1) * 10 // max(n, 1) + 1)
        .cast(pl.Int32).alias("decile"),
    )
    secs = time.perf_counter() - t

    t = time.perf_counter()
    df.write_csv(out)
    write = time.perf_counter() - t
    print(json.dumps({"rows": df.height, "columns": df.width, "load_secs": load,
                      "score_secs": secs, "write_secs": write}))


if __name__ == "__main__":
    main()
