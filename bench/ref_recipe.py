"""The reference side of the recipe benchmark: the six steps of bench/recipe.json written as
polars expressions, as a data scientist would -- read the CSV, fill missing `age` with its
median, clip `avg_order_value` at 1.5 IQR beyond the quartiles, ln(1 + x) of `total_spend`,
standardise three columns (mean 0, population sd 1), one-hot encode `region` (one 0/1 column
per value, `region=<value>`, in its place, most frequent first), keep rows with
`tenure_months >= 6` -- and write the result as CSV.

    python ref_recipe.py FILE OUT.csv

Prints one JSON line: {"rows", "columns", "load_secs", "transform_secs", "write_secs"}.
"""

import json
import sys
import time

import polars as pl


def main():
    src, out = sys.argv[1], sys.argv[2]
    t = time.perf_counter()
    df = pl.read_csv(src, try_parse_dates=True)
    load = time.perf_counter() - t

    t = time.perf_counter()
    # 1. fill missing age with the median
    median = df["age"].median()
    if median is not None and float(median).is_integer():
        median = int(median)  # whole numbers stay whole numbers
    df = df.with_columns(pl.col("age").fill_null(median))
    # 2. clip avg_order_value to Tukey's fences (linear quantiles)
    q1 = df["avg_order_value"].quantile(0.25, "linear")
    q3 = df["avg_order_value"].quantile(0.75, "linear")
    df = df.with_columns(pl.col("avg_order_value").clip(q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)))
    # 3. log transform total_spend (x <= -1 becomes missing)
    x = pl.col("total_spend").cast(pl.Float64)
    df = df.with_columns(pl.when(x > -1).then(x.log1p()).alias("total_spend"))
    # 4. standardise
    df = df.with_columns(
        ((pl.col(c) - pl.col(c).mean()) / pl.col(c).std(ddof=0)).alias(c)
        for c in ["total_spend", "avg_order_value", "visits_30d"]
    )
    # 5. one-hot region, the most frequent value first, in region's place
    counts = df["region"].drop_nulls().value_counts().sort(["count", "region"], descending=[True, False])
    dummies = [
        (pl.col("region") == v).fill_null(False).cast(pl.Int32).alias(f"region={v}")
        for v in counts["region"].to_list()[:20]
    ]
    order = []
    for c in df.columns:
        order.extend(dummies if c == "region" else [pl.col(c)])
    df = df.select(order)
    # 6. keep rows with tenure_months >= 6
    df = df.filter(pl.col("tenure_months") >= 6)
    transform = time.perf_counter() - t

    t = time.perf_counter()
    df.write_csv(out)
    write = time.perf_counter() - t
    print(json.dumps({"rows": df.height, "columns": df.width, "load_secs": load,
                      "transform_secs": transform, "write_secs": write}))


if __name__ == "__main__":
    main()
