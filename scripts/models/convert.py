#!/usr/bin/env python3
"""Convert one TFLite model to ONNX with tflite2onnx, deterministically.

tflite2onnx 0.4.1 keeps the graph's initializers and value_info in Python sets of
objects, so their order (and the serialized bytes) changes from run to run. The
graph itself is the same, so sorting both lists by name gives byte-identical output.

With --dynamic-batch, the fixed batch dimension of the graph input/outputs is
replaced by a symbolic one ("N"), every Reshape whose shape constant starts with
the fixed batch and reshapes an activation gets -1 there, and the now stale
value_info is recomputed by ONNX shape inference.

Usage: convert.py SRC.tflite DST.onnx [--dynamic-batch] [--fixed-out FIXED.onnx]
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference
import tflite2onnx


def canonicalize(model: onnx.ModelProto) -> None:
    g = model.graph
    inits = sorted(g.initializer, key=lambda t: t.name)
    vis = sorted(g.value_info, key=lambda t: t.name)
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.value_info[:]
    g.value_info.extend(vis)


def make_batch_dynamic(model: onnx.ModelProto, dim_name: str = "N") -> int:
    g = model.graph
    batch = g.input[0].type.tensor_type.shape.dim[0].dim_value
    if batch <= 0:
        raise SystemExit("input batch dimension is already dynamic")
    for vi in list(g.input) + list(g.output):
        d0 = vi.type.tensor_type.shape.dim[0]
        if d0.dim_value != batch:
            raise SystemExit(f"{vi.name}: first dim {d0} is not the batch {batch}")
        d0.Clear()
        d0.dim_param = dim_name
    inits = {t.name: t for t in g.initializer}
    users = {}
    for n in g.node:
        for i in n.input:
            users.setdefault(i, []).append(n)
    patched = 0
    for n in g.node:
        if n.op_type != "Reshape" or n.input[0] in inits:
            continue  # reshaping a constant (per-channel parameters): batch-free
        shape_name = n.input[1]
        if shape_name not in inits:
            raise SystemExit(f"Reshape {n.name}: shape is not a constant")
        shape = numpy_helper.to_array(inits[shape_name]).copy()
        if shape.size and shape[0] == batch:
            if len(users[shape_name]) != 1:
                raise SystemExit(f"shape constant {shape_name} is shared")
            shape[0] = -1
            inits[shape_name].CopyFrom(numpy_helper.from_array(shape.astype(np.int64), shape_name))
            patched += 1
    if patched == 0:
        raise SystemExit("no batch-carrying Reshape found: refusing to guess")
    del g.value_info[:]
    inferred = shape_inference.infer_shapes(model)
    g.value_info.extend(sorted(inferred.graph.value_info, key=lambda t: t.name))
    return patched


def save(model: onnx.ModelProto, dst: str) -> None:
    onnx.checker.check_model(model)
    d = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    os.chmod(tmp, 0o644)
    os.replace(tmp, dst)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--dynamic-batch", action="store_true")
    ap.add_argument("--fixed-out", help="also write the canonical fixed-batch model here")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        raw = os.path.join(td, "raw.onnx")
        tflite2onnx.convert(a.src, raw)
        model = onnx.load(raw)
    canonicalize(model)
    if a.fixed_out:
        save(model, a.fixed_out)
    if a.dynamic_batch:
        make_batch_dynamic(model)
    save(model, a.dst)


if __name__ == "__main__":
    sys.exit(main())
