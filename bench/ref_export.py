"""The reference side of the export benchmark: read a scored-customers CSV with polars and write
it out again as CSV (the same job as examples/bench_export.rs).

    python ref_export.py SCORED.csv OUT.csv

Prints one JSON line: {"rows", "columns", "load_secs", "write_secs"}.
"""

import json
import sys
import time

import polars as pl


def main():
    src, out = sys.argv[1:3]
    t = time.perf_counter()
    df = pl.read_csv(src, try_parse_dates=True)
    load = time.perf_counter() - t
    t = time.perf_counter()
    df.write_csv(out)
    write = time.perf_counter() - t
    print(json.dumps({"rows": df.height, "columns": df.width, "load_secs": load,
                      "write_secs": write}))


if __name__ == "__main__":
    main()
