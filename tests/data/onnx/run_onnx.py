"""onnxruntime's side of tests/onnx_files.rs (onnxruntime from PyPI, MIT licence).

  run_onnx.py MODEL.onnx FEATURES.csv OUT
      Checks the model with onnxruntime's loader, scores FEATURES (a CSV of numbers with a
      header, "NaN" for missing) fed as one double tensor 'features', and writes each row's
      'score' as repr() (shortest round trip), one per line.
"""

import sys

import numpy as np
import onnxruntime as ort


def main(model, features, out):
    x = np.genfromtxt(features, delimiter=",", skip_header=1, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    (score,) = session.run(["score"], {"features": x})
    assert score.dtype == np.float64 and score.shape == (x.shape[0], 1), (score.dtype, score.shape)
    with open(out, "w") as f:
        for v in score[:, 0]:
            f.write(repr(float(v)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
