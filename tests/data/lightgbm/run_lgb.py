"""LightGBM's side of tests/lightgbm_files.rs (lightgbm from PyPI, MIT licence).

  run_lgb.py predict MODEL FEATURES OUT
      Loads MODEL with lightgbm.Booster(model_file=...), scores FEATURES (a CSV of numbers
      with a header, "nan" for missing) and writes one line per row: the prediction, then the
      raw score, each as repr() (shortest round trip). Multiclass: the class probabilities.
  run_lgb.py train DIR
      Trains LightGBM (binary, regression, multiclass; 4 inputs with missing values) on
      generated customers, and writes DIR/data.csv (empty cells for missing; with the targets
      as the app reads them: responded yes/no, amount, tier 0/1/2), DIR/<kind>.txt (the model)
      and DIR/<kind>.pred (LightGBM's predictions, one row per line).
"""

import sys

import lightgbm as lgb
import numpy as np


def predict(model, features, out):
    booster = lgb.Booster(model_file=model)
    x = np.genfromtxt(features, delimiter=",", skip_header=1, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    assert x.dtype == np.float64
    p = booster.predict(x)
    raw = booster.predict(x, raw_score=True)
    with open(out, "w") as f:
        for a, b in zip(p, raw):
            a, b = np.atleast_1d(a), np.atleast_1d(b)
            f.write(" ".join(repr(float(v)) for v in list(a) + list(b)) + "\n")


def train(out_dir):
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.normal(size=(n, 4))
    x[:, 1] *= 1000.0
    x[rng.random(n) < 0.15, 0] = np.nan
    x[rng.random(n) < 0.1, 2] = np.nan
    signal = np.nan_to_num(x[:, 0], nan=1.5) + x[:, 1] / 1000.0 - 0.5 * x[:, 3]
    yes = (signal + rng.normal(size=n) > 0.3).astype(int)
    amount = 50.0 + 10.0 * signal + rng.normal(size=n)
    klass = np.digitize(signal, [-0.7, 0.7])
    names = ["recency", "spend", "visits", "tenure"]
    with open(f"{out_dir}/data.csv", "w") as f:
        f.write("customer_id," + ",".join(names) + ",responded,amount,tier\n")
        for i in range(n):
            cells = ["" if np.isnan(v) else repr(float(v)) for v in x[i]]
            targets = ["yes" if yes[i] else "no", repr(float(amount[i])), str(klass[i])]
            f.write(f"C{i:05}," + ",".join(cells + targets) + "\n")
    models = {
        "binary": ({"objective": "binary"}, yes),
        "regression": ({"objective": "regression"}, amount),
        "multiclass": ({"objective": "multiclass", "num_class": 3}, klass),
    }
    for kind, (params, y) in models.items():
        params = dict(params, num_leaves=15, learning_rate=0.1, verbose=-1, seed=1)
        data = lgb.Dataset(x, y, feature_name=names)
        booster = lgb.train(params, data, num_boost_round=40)
        booster.save_model(f"{out_dir}/{kind}.txt")
        p = booster.predict(x)
        with open(f"{out_dir}/{kind}.pred", "w") as f:
            for row in p:
                f.write(" ".join(repr(float(v)) for v in np.atleast_1d(row)) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "predict":
        predict(*sys.argv[2:5])
    elif sys.argv[1] == "train":
        train(sys.argv[2])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
