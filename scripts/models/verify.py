#!/usr/bin/env python3
"""Check the converted models with ONNX Runtime.

- every model loads and runs on a fixed pseudo-random input, outputs finite;
- MobileFaceNet (dynamic batch): batches 1, 2 and 5 give [N, 192], and the batch-2
  output equals the fixed-batch (as converted) model's output within 1e-5;
  each row of a batch equals the same face run alone (batch independence).

Usage: verify.py MODELS_DIR FIXED_MOBILEFACENET.onnx
"""
import os
import sys

import numpy as np
import onnxruntime as ort

TOL = 1e-5


def session(path):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main() -> int:
    models_dir, fixed = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(20240601)
    for name, shape, outs in [
        ("blazeface_full_range.onnx", (1, 3, 192, 192), {"reshaped_regressor_face_4": (1, 2304, 16),
                                                          "reshaped_classifier_face_4": (1, 2304, 1)}),
        ("face_landmark.onnx", (1, 3, 192, 192), {"conv2d_20": (1, 1404, 1, 1), "conv2d_30": (1, 1, 1, 1)}),
    ]:
        s = session(os.path.join(models_dir, name))
        x = rng.uniform(-1, 1, shape).astype(np.float32)
        res = dict(zip([o.name for o in s.get_outputs()], s.run(None, {s.get_inputs()[0].name: x})))
        for k, want in outs.items():
            if k not in res or res[k].shape != want or not np.all(np.isfinite(res[k])):
                print(f"FAIL {name}: output {k} {getattr(res.get(k), 'shape', None)} != {want}", file=sys.stderr)
                return 1
        print(f"ok   {name}: {', '.join(f'{k}{list(v.shape)}' for k, v in res.items())}", file=sys.stderr)

    dyn = session(os.path.join(models_dir, "mobilefacenet.onnx"))
    fix = session(fixed)
    iname = dyn.get_inputs()[0].name
    faces = ((rng.uniform(0, 255, (5, 3, 112, 112)) - 127.5) / 128.0).astype(np.float32)
    single = [dyn.run(None, {iname: faces[i:i + 1]})[0] for i in range(5)]
    for n in (1, 2, 5):
        out = dyn.run(None, {iname: faces[:n]})[0]
        if out.shape != (n, 192):
            print(f"FAIL mobilefacenet.onnx: batch {n} gave {out.shape}, want ({n}, 192)", file=sys.stderr)
            return 1
        d = max(float(np.abs(out[i] - single[i][0]).max()) for i in range(n))
        if d > TOL:
            print(f"FAIL mobilefacenet.onnx: batch {n} row differs from single run by {d}", file=sys.stderr)
            return 1
    ref = fix.run(None, {fix.get_inputs()[0].name: faces[:2]})[0]
    got = dyn.run(None, {iname: faces[:2]})[0]
    d = float(np.abs(ref - got).max())
    if ref.shape != (2, 192) or d > TOL:
        print(f"FAIL mobilefacenet.onnx: batch 2 vs fixed-batch model: max abs diff {d}", file=sys.stderr)
        return 1
    print(f"ok   mobilefacenet.onnx: batches 1,2,5 -> [N,192]; batch 2 vs fixed model max abs diff {d:.2e}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
