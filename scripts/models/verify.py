#!/usr/bin/env python3
"""Check the converted models with ONNX Runtime.

- every model loads and runs on a fixed pseudo-random input, with outputs of the expected
  shapes, all finite;
- every model's outputs equal those of its reference (the model as converted, before
  convert.py rewrote its PReLUs and, for MobileFaceNet, made the batch dynamic) within a
  relative 1e-5 of the output's largest magnitude: the rewrites change rounding, never results;
- MobileFaceNet (dynamic batch): batches 1, 2 and 5 give [N, 192], batch 2 is compared with the
  fixed-batch-2 reference, and each row of a batch equals the same face run alone (batch
  independence).

Usage: verify.py MODELS_DIR REFERENCE_DIR
"""
import os
import sys

import numpy as np
import onnxruntime as ort

# Relative to the largest output magnitude. Measured: BlazeFace 0, FaceMesh 2.8e-7, MobileFaceNet 1.2e-6.
REL_TOL = 1e-5
# Rows of one batch against the same face alone: the same graph, so only threading can differ.
BATCH_TOL = 1e-5


def session(path):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run(s, x):
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, {s.get_inputs()[0].name: x})))


def relative_difference(got, want):
    return float(np.abs(got - want).max()) / max(float(np.abs(want).max()), 1e-30)


def main() -> int:
    models_dir, reference_dir = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(20240601)
    for name, shape, outs in [
        ("blazeface_full_range.onnx", (1, 3, 192, 192), {"reshaped_regressor_face_4": (1, 2304, 16),
                                                          "reshaped_classifier_face_4": (1, 2304, 1)}),
        ("face_landmark.onnx", (1, 3, 192, 192), {"conv2d_20": (1, 1404, 1, 1), "conv2d_30": (1, 1, 1, 1)}),
    ]:
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        res = run(session(os.path.join(models_dir, name)), x)
        ref = run(session(os.path.join(reference_dir, name)), x)
        worst = 0.0
        for k, want in outs.items():
            if k not in res or res[k].shape != want or not np.all(np.isfinite(res[k])):
                print(f"FAIL {name}: output {k} {getattr(res.get(k), 'shape', None)} != {want}", file=sys.stderr)
                return 1
            d = relative_difference(res[k], ref[k])
            if d > REL_TOL:
                print(f"FAIL {name}: output {k} differs from the model as converted by {d:.2e} (relative)",
                      file=sys.stderr)
                return 1
            worst = max(worst, d)
        print(f"ok   {name}: {', '.join(f'{k}{list(v.shape)}' for k, v in res.items())}; "
              f"vs as converted {worst:.1e} (relative)", file=sys.stderr)

    dyn = session(os.path.join(models_dir, "mobilefacenet.onnx"))
    fix = session(os.path.join(reference_dir, "mobilefacenet.onnx"))
    iname = dyn.get_inputs()[0].name
    faces = ((rng.uniform(0, 255, (5, 3, 112, 112)) - 127.5) / 128.0).astype(np.float32)
    single = [dyn.run(None, {iname: faces[i:i + 1]})[0] for i in range(5)]
    for n in (1, 2, 5):
        out = dyn.run(None, {iname: faces[:n]})[0]
        if out.shape != (n, 192):
            print(f"FAIL mobilefacenet.onnx: batch {n} gave {out.shape}, want ({n}, 192)", file=sys.stderr)
            return 1
        d = max(float(np.abs(out[i] - single[i][0]).max()) for i in range(n))
        if d > BATCH_TOL:
            print(f"FAIL mobilefacenet.onnx: batch {n} row differs from single run by {d}", file=sys.stderr)
            return 1
    ref = fix.run(None, {fix.get_inputs()[0].name: faces[:2]})[0]
    got = dyn.run(None, {iname: faces[:2]})[0]
    d = relative_difference(got, ref) if ref.shape == got.shape else float("inf")
    if ref.shape != (2, 192) or d > REL_TOL:
        print(f"FAIL mobilefacenet.onnx: batch 2 vs the model as converted: {d:.2e} (relative)", file=sys.stderr)
        return 1
    print(f"ok   mobilefacenet.onnx: batches 1,2,5 -> [N,192]; batch 2 vs as converted {d:.1e} (relative)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
