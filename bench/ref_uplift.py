"""The reference side of bench/uplift.sh: an uplift model trained on TRAIN.csv and applied to
TEST.csv, written as one `uplift` column to OUT.csv, in one process (read, encode, fit,
predict, write), as a Python user would.

    ref_uplift.py two-model TRAIN.csv TEST.csv OUT.csv     scikit-uplift TwoModels, two LightGBM models
    ref_uplift.py forest TRAIN.csv TEST.csv OUT.csv        CausalML UpliftRandomForestClassifier

The inputs are the sample's customer columns (the id, the other outcomes, the treatment and the
outcome left out); text columns one-hot, the date as days, missing numbers as the training
median, as the workbench encodes them. The forest's settings are the workbench's uplift forest
defaults: 100 trees, depth 6, leaves of 100 customers and 10 of each group, 100
pseudo-customers of regularisation, √inputs per split, the KL divergence, gains not normalised.
"""

import math
import sys

import numpy as np
import pandas as pd

DROP = ["customer_id", "responded", "churned", "spend_next_90d", "treated", "converted"]


def features(train, test):
    def encode(df):
        x = df.drop(columns=DROP)
        x["signup_date"] = (pd.to_datetime(x["signup_date"]) - pd.Timestamp("1970-01-01")).dt.days
        return pd.get_dummies(x, columns=["region", "channel"], dtype=float)

    a, b = encode(train), encode(test)
    b = b.reindex(columns=a.columns, fill_value=0.0)
    medians = a.median()
    return a.fillna(medians).to_numpy(float), b.fillna(medians).to_numpy(float)


def main():
    method, train_path, test_path, out_path = sys.argv[1:5]
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    x, xt = features(train, test)
    y = train["converted"].to_numpy()
    t = train["treated"].to_numpy()
    if method == "two-model":
        from lightgbm import LGBMClassifier
        from sklift.models import TwoModels

        model = TwoModels(
            estimator_trmnt=LGBMClassifier(verbose=-1, random_state=7),
            estimator_ctrl=LGBMClassifier(verbose=-1, random_state=7),
            method="vanilla",
        )
        model.fit(x, y, t)
        uplift = model.predict(xt)
    else:
        from causalml.inference.tree import UpliftRandomForestClassifier

        model = UpliftRandomForestClassifier(
            control_name="0",
            n_estimators=100,
            max_features=round(math.sqrt(x.shape[1])),
            random_state=7,
            max_depth=6,
            min_samples_leaf=100,
            min_samples_treatment=10,
            n_reg=100,
            evaluationFunction="KL",
            normalization=False,
            n_jobs=-1,
        )
        model.fit(x, treatment=t.astype(str), y=y)
        uplift = np.asarray(model.predict(xt)).reshape(-1)
    pd.DataFrame({"uplift": uplift}).to_csv(out_path, index=False)


if __name__ == "__main__":
    main()
