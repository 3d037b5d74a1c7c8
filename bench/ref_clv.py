"""The reference side of the lifetime-value benchmark: the Python `lifetimes` package on a
CDNOW-format file (whitespace-separated; CDNOW_master.txt: a header, then customer id,
yyyymmdd date, CDs, value; CDNOW_sample.txt has no header and the master id in front). Same steps as `marketing-workbench clv
--customer COL --date COL --amount COL --calibration-end 1997-09-30 --unit week --horizon 52
--out`: summary from the raw purchases, BG/NBD and
Gamma-Gamma fitted, per-customer P(alive), expected purchases and value over a 52-week horizon
written to CSV; the fitted parameters printed as JSON.

    python bench/ref_clv.py FILE OUT.csv
"""

import json
import sys

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data


def main(path, out):
    with open(path) as f:
        header = 0 if "customer" in f.readline() else None
    df = pd.read_csv(path, sep=r"\s+", header=header, dtype=str)
    df.columns = (["master"] if df.shape[1] == 5 else []) + ["customer", "date", "cds", "value"]
    df["value"] = df["value"].astype(float)
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    s = calibration_and_holdout_data(df, "customer", "date", calibration_period_end="1997-09-30",
                                     observation_period_end=df["date"].max(), freq="D",
                                     freq_multiplier=7, monetary_value_col="value")
    bg = BetaGeoFitter().fit(s["frequency_cal"], s["recency_cal"], s["T_cal"])
    f, r, t = s["frequency_cal"], s["recency_cal"], s["T_cal"]
    repeat = s[(f > 0) & (s["monetary_value_cal"] > 0)]  # as ours: positive mean repeat value
    gg = GammaGammaFitter().fit(repeat["frequency_cal"], repeat["monetary_value_cal"])
    out_df = pd.DataFrame({
        "customer": s.index,
        "frequency": f, "recency": r, "T": t,
        "monetary_value": s["monetary_value_cal"],
        "p_alive": bg.conditional_probability_alive(f, r, t),
        "expected_purchases": bg.conditional_expected_number_of_purchases_up_to_time(52, f, r, t),
        "expected_avg_value": gg.conditional_expected_average_profit(f, s["monetary_value_cal"]),
    })
    out_df.to_csv(out, index=False)
    p = bg.params_
    print(json.dumps({"r": p["r"], "alpha": p["alpha"], "a": p["a"], "b": p["b"],
                      "customers": len(s),
                      "spend": {k: gg.params_[k] for k in ["p", "q", "v"]}}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
