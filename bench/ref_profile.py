"""The reference side of "load + profile": what a data scientist runs in Python for the same job
as `marketing-workbench profile FILE --json` -- read the CSV with polars and profile every
column: missing values, distinct values, min / quartiles / max / mean / standard deviation
(polars' describe() plus n_unique()).

    python ref_profile.py FILE

Prints one JSON line: {"rows", "columns", "load_secs", "profile_secs"}; the profile itself is
built in full (as a table) but not printed.
"""

import json
import sys
import time

import polars as pl


def main():
    path = sys.argv[1]
    t = time.perf_counter()
    df = pl.read_csv(path, try_parse_dates=True)
    load = time.perf_counter() - t
    t = time.perf_counter()
    desc = df.describe(percentiles=(0.25, 0.5, 0.75))
    distinct = df.select(pl.all().n_unique())
    profile = pl.concat(
        [desc, distinct.cast(pl.String).with_columns(pl.lit("n_unique").alias("statistic"))
         .select(desc.columns)],
        how="vertical_relaxed",
    )
    secs = time.perf_counter() - t
    print(json.dumps({"rows": df.height, "columns": df.width, "statistics": profile.height,
                      "load_secs": load, "profile_secs": secs}))


if __name__ == "__main__":
    main()
