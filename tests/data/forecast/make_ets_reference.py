"""Reference fits of statsmodels' ETSModel (statsmodels 0.15.0, BSD-3, numpy 2.4.6, scipy 1.17.1)
on the training part of ausbeer.csv (1992 Q1 .. 2007 Q4, 64 quarters, seasonal_periods=4), for
nine fixed forms, written to ets_statsmodels.json next to this script.

    python3 -m venv venv && venv/bin/pip install statsmodels==0.15.0 numpy==2.4.6 scipy==1.17.1 pandas==3.1.1
    venv/bin/python make_ets_reference.py

Each form is fitted as statsmodels does by default (initialization_method="estimated", default
bounds, L-BFGS-B on -llf/n with a finite-difference gradient). The JSON holds, per form:
alpha, beta, gamma, phi (null where the form has none), initial_level, initial_trend,
initial_seasonal (time order: element 0 is the seasonal state that multiplies/adds into the
FIRST fitted value; statsmodels fixes it to 0 (additive) or 1 (multiplicative)), llf, aic, aicc,
bic, k (statsmodels' count for the criteria: k_params + 1), sse (sum of (y - yhat)^2), sse_resid
(sum of the model's residuals squared: relative residuals (y - yhat)/yhat for M errors),
forecast (h = 10 point forecasts), fitted (the 64 one-step fitted values), and "stability":
the llf reached by refits from other starting points and tighter tolerances, and the best of
them (llf_best, with its parameters), so a port can tell "matches statsmodels" from "finds a
better optimum". See README.md for the likelihood, parameterisation, bounds and aicc facts.
"""
import json
import os
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import optimize
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

HERE = os.path.dirname(os.path.abspath(__file__))
M = 4
FORMS = {
    "ANN": dict(error="add", trend=None, damped_trend=False, seasonal=None),
    "AAN": dict(error="add", trend="add", damped_trend=False, seasonal=None),
    "AAdN": dict(error="add", trend="add", damped_trend=True, seasonal=None),
    "ANA": dict(error="add", trend=None, damped_trend=False, seasonal="add"),
    "AAA": dict(error="add", trend="add", damped_trend=False, seasonal="add"),
    "MNN": dict(error="mul", trend=None, damped_trend=False, seasonal=None),
    "MAM": dict(error="mul", trend="add", damped_trend=False, seasonal="mul"),
    "MNM": dict(error="mul", trend=None, damped_trend=False, seasonal="mul"),
    "AAdA": dict(error="add", trend="add", damped_trend=True, seasonal="add"),
}


def train_series():
    d = pd.read_csv(os.path.join(HERE, "ausbeer.csv"))
    q = d["quarter"].tolist()
    i0, i1 = q.index("1992-01-01"), q.index("2008-01-01")
    y = d["beer"].to_numpy(float)[i0:i1]
    assert len(y) == 64
    return y


def model(y, form):
    return ETSModel(y, seasonal_periods=M if FORMS[form]["seasonal"] else None, **FORMS[form])


def describe(res, y):
    """The reported numbers of one fit."""
    g = lambda name: float(getattr(res, name)) if hasattr(res, name) else None
    fitted = np.asarray(res.fittedvalues, float)
    out = {
        "alpha": g("alpha"),
        "beta": g("beta"),
        "gamma": g("gamma"),
        "phi": g("phi"),
        "initial_level": float(res.initial_level),
        "initial_trend": g("initial_trend"),
        "initial_seasonal": [float(v) for v in res.initial_seasonal] if res.has_seasonal else None,
        "llf": float(res.llf),
        "aic": float(res.aic),
        "aicc": float(res.aicc),
        "bic": float(res.bic),
        "k": int(res.df_model),
        "k_params": int(res.k_params),
        "sse": float(np.sum((y - fitted) ** 2)),
        "sse_resid": float(np.sum(np.asarray(res.resid) ** 2)),
        "params": {n: float(v) for n, v in zip(res.model.param_names, res.params)},
        "converged": bool(res.mle_retvals.get("converged", True)) if res.mle_retvals else True,
        "forecast": [float(v) for v in np.asarray(res.forecast(10))],
        "fitted": [float(v) for v in fitted],
    }
    return out


def check_formulas(res, y, form):
    """Recomputes llf and aicc by hand from the fitted values, as README.md states them."""
    n = len(y)
    yhat = np.asarray(res.fittedvalues, float)
    e = (y - yhat) / yhat if FORMS[form]["error"] == "mul" else y - yhat
    llf = -n / 2 * (np.log(2 * np.pi * np.mean(e**2)) + 1)
    if FORMS[form]["error"] == "mul":
        llf -= np.sum(np.log(np.abs(yhat)))
    k = 1 + (FORMS[form]["trend"] is not None) + (FORMS[form]["seasonal"] is not None) + FORMS[form]["damped_trend"]
    k += 1 + (FORMS[form]["trend"] is not None) + (M if FORMS[form]["seasonal"] else 0) + 1  # states, sigma
    aicc = -2 * llf + 2 * k * n / (n - k - 1)
    assert abs(llf - res.llf) < 1e-8 * max(1, abs(llf)), (form, llf, res.llf)
    assert k == res.df_model and abs(aicc - res.aicc) < 1e-8 * abs(aicc), (form, k, res.df_model)
    if res.has_seasonal:  # the fixed seasonal state is the one used by the first observation
        first = res.initial_seasonal[0]
        assert first == (1.0 if FORMS[form]["seasonal"] == "mul" else 0.0), (form, first)


def refits(y, form, base):
    """Other starting points and tolerances; the llf of each."""
    out = []
    mod = model(y, form)
    p0 = np.asarray(mod.start_params, float)
    names = mod.param_names

    def run(label, start=None, **kw):
        m = model(y, form)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = m.fit(start_params=start, disp=False, maxiter=10000, **kw)
        out.append({"how": label, "llf": float(r.llf), "params": [float(v) for v in r.params]})
        return r

    run("default start, tight tolerances (factr=10, pgtol=1e-12)", factr=10.0, pgtol=1e-12, maxfun=100000)
    for a, b, g, phi in [(0.5, 0.05, 0.1, 0.9), (0.9, 0.3, 0.05, 0.85), (0.02, 0.001, 0.5, 0.95)]:
        s = p0.copy()
        for i, n in enumerate(names):
            if n == "smoothing_level":
                s[i] = a
            elif n == "smoothing_trend":
                s[i] = min(b, a * 0.9)
            elif n == "smoothing_seasonal":
                s[i] = min(g, (1 - a) * 0.9)
            elif n == "damping_trend":
                s[i] = phi
        run(f"start alpha={a} beta={b} gamma={g} phi={phi}, heuristic states", start=s, factr=10.0, pgtol=1e-12,
            maxfun=100000)
    # Nelder-Mead on statsmodels' own loglike, over the same box (beta*, gamma* form), from the default fit
    free = [i for i, n in enumerate(names)]
    bounds = []
    for n in names:
        if n in ("smoothing_level", "smoothing_trend", "smoothing_seasonal"):
            bounds.append((1e-4, 1 - 1e-4))
        elif n == "damping_trend":
            bounds.append((0.8, 0.98))
        elif n == f"initial_seasonal.{M - 1}":
            bounds.append(None)  # fixed
        else:
            bounds.append((-np.inf, np.inf))
    ia = names.index("smoothing_level")
    ib = names.index("smoothing_trend") if "smoothing_trend" in names else None
    ig = names.index("smoothing_seasonal") if "smoothing_seasonal" in names else None
    start_ext = np.array(base.params, float)
    fixed = {i: start_ext[i] for i, b in enumerate(bounds) if b is None}
    var = [i for i in free if i not in fixed]

    def to_ext(z):
        p = start_ext.copy()
        p[var] = z
        if ib is not None:
            p[ib] = p[ib] * p[ia]
        if ig is not None:
            p[ig] = p[ig] * (1 - p[ia])
        return p

    def nll(z):
        for zi, i in zip(z, var):
            lo, hi = bounds[i]
            if not lo <= zi <= hi:
                return 1e10
        with np.errstate(all="ignore"):
            v = -mod.loglike(to_ext(z))
        return v if np.isfinite(v) else 1e10

    z0 = start_ext.copy()
    if ib is not None:
        z0[ib] = z0[ib] / z0[ia]
    if ig is not None:
        z0[ig] = z0[ig] / (1 - z0[ia])
    z0 = z0[var]
    best = None
    for _ in range(3):  # restarted Nelder-Mead
        r = optimize.minimize(nll, z0, method="Nelder-Mead",
                              options={"maxiter": 200000, "maxfev": 200000, "xatol": 1e-10, "fatol": 1e-12,
                                       "adaptive": True})
        z0 = r.x
        best = r
    out.append({"how": "Nelder-Mead (adaptive, 3 restarts) from the default fit, same box",
                "llf": float(-best.fun), "params": [float(v) for v in to_ext(best.x)]})
    return out


def main():
    y = train_series()
    result = {
        "source": f"statsmodels {statsmodels.__version__} ETSModel (numpy {np.__version__}, scipy {scipy.__version__})",
        "data": "ausbeer.csv rows 1992-01-01 .. 2007-10-01 (64 quarters), seasonal_periods=4",
        "train": [float(v) for v in y],
        "notes": {
            "initial_seasonal": "time order: element j is the seasonal state used by observation j (0-based, j<m); "
                                "element 0 is fixed (0 additive, 1 multiplicative), the other m-1 are estimated",
            "k": "statsmodels' df_model = k_params + 1: smoothing params + level (+ trend) + all m seasonal states "
                 "(the fixed one included) + 1 for sigma",
            "llf": "-n/2*(log(2*pi*mean(e^2))+1) - [M error] sum(log|yhat|); e = y-yhat (A) or (y-yhat)/yhat (M)",
            "aicc": "-2*llf + 2*k*n/(n-k-1)",
            "sse": "sum((y - yhat)^2) on the original scale; sse_resid = sum(e^2) with e as in llf",
        },
        "forms": {},
    }
    for form in FORMS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model(y, form).fit(disp=False)
        check_formulas(res, y, form)
        d = describe(res, y)
        others = refits(y, form, res)
        best = max(others, key=lambda o: o["llf"])
        d["stability"] = {
            "refits": [{"how": o["how"], "llf": o["llf"], "llf_minus_default": o["llf"] - d["llf"]} for o in others],
            "llf_best": max(best["llf"], d["llf"]),
            "params_best": dict(zip(res.model.param_names, best["params"])) if best["llf"] > d["llf"] else d["params"],
        }
        result["forms"][form] = d
        spread = [round(o["llf"] - d["llf"], 6) for o in others]
        print(f"{form:5s} llf {d['llf']:.4f} aicc {d['aicc']:.3f} k {d['k']} alpha {d['alpha']:.4f} "
              f"beta {d['beta']} gamma {d['gamma']} phi {d['phi']} refits-default {spread}")
    # The dict keyed by form as asked, with the metadata under "_meta".
    flat = dict(result["forms"])
    flat["_meta"] = {k: v for k, v in result.items() if k != "forms"}
    with open(os.path.join(HERE, "ets_statsmodels.json"), "w") as f:
        json.dump(flat, f, indent=1)


if __name__ == "__main__":
    main()
