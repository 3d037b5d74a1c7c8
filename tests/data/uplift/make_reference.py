"""Reference values of scikit-uplift 0.5.1 (MIT licence, https://pypi.org/project/scikit-uplift/)
for the uplift metrics, on seeded random inputs (with ties in the scores), written to
sklift_reference.json next to this script. crates/core/tests/uplift.rs recomputes them.

    python3 -m venv venv && venv/bin/pip install scikit-uplift==0.5.1 && venv/bin/python make_reference.py
"""
import json
import os

import numpy as np
import sklift
from sklift.metrics import qini_auc_score, uplift_auc_score, uplift_at_k, uplift_by_percentile

def none_if_nan(v):
    """NaN (no treated or no control customer among the top rows) as JSON null."""
    v = float(v)
    return None if np.isnan(v) else v


cases = []
rng = np.random.default_rng(20261201)
for i, n in enumerate([7, 50, 333, 1000, 4000, 10001]):
    treatment = (rng.random(n) < rng.uniform(0.2, 0.8)).astype(int)
    treatment[0], treatment[1] = 1, 0
    y = (rng.random(n) < 0.1 + 0.25 * treatment * rng.random(n)).astype(int)
    y[0], y[1] = 1, 1
    if i % 2 == 0:
        uplift = np.round(rng.normal(size=n), 1)  # many ties
    else:
        uplift = rng.normal(size=n) + 0.3 * y * treatment
    deciles = None
    if n > 10:
        byp = uplift_by_percentile(y, uplift, treatment, strategy="overall", bins=10)
        deciles = [none_if_nan(v) for v in byp["uplift"].to_numpy()[:10]]
    cases.append(
        {
            "y": y.tolist(),
            "treatment": treatment.tolist(),
            "uplift": uplift.tolist(),
            "qini_auc_score": float(qini_auc_score(y, uplift, treatment)),
            "uplift_auc_score": float(uplift_auc_score(y, uplift, treatment)),
            "uplift_at_30": none_if_nan(uplift_at_k(y, uplift, treatment, strategy="overall", k=0.3)),
            "uplift_by_decile": deciles,
        }
    )
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklift_reference.json")
with open(out, "w") as f:
    json.dump({"source": "scikit-uplift " + sklift.__version__ + " (MIT)", "cases": cases}, f)
print(out, [round(c["qini_auc_score"], 4) for c in cases])
