#!/usr/bin/env bash
# The dlib baseline for the benchmarks: face_recognition as the seed used it (HOG detector,
# 128-D ResNet encoder), in a throwaway virtualenv under .local/ (gitignored), so the speed-up
# and the accuracy gap are measured on this machine in the same run as the Rust pipeline.
#
#   scripts/dlib-baseline.sh eval --pairs ../shared/data/faces/pairs.csv
#   scripts/dlib-baseline.sh speed --images ../shared/data/faces --json target/dlib-speed.json
#
# Every package comes from PyPI as a prebuilt wheel or a data-only sdist: building dlib from
# source takes a long time on 2 cores, so the prebuilt `dlib-bin` wheel (which provides the
# same `dlib` module) stands in for the seed's `pip install dlib`. It is built with AVX and
# without BLAS. face-recognition is installed with --no-deps because it requires the
# distribution named `dlib`, which dlib-bin satisfies under another name.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.local/dlib-venv
PYTHON=${PYTHON:-python3}
# Bump STAMP with any pin so an existing venv is rebuilt rather than silently reused.
STAMP="dlib-bin==20.0.1.post1 face-recognition==1.3.0 face-recognition-models==0.3.0 numpy==2.4.6 pillow==13.0.0 setuptools==65.5.0"

fail() {
    echo "dlib-baseline: $*" >&2
    exit 1
}

if [[ ! -f "$VENV/.installed" || "$(cat "$VENV/.installed")" != "$STAMP" ]]; then
    echo "dlib-baseline: setting up $VENV (one-off, about 30 s)" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || fail "cannot create a virtualenv with $PYTHON (Debian: apt-get install python3-venv)"
    pip=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
    # face_recognition_models finds its .dat files through pkg_resources, which setuptools
    # 81 and later no longer ship: keep the one Python 3.11's venv brings.
    "${pip[@]}" --only-binary=:all: dlib-bin==20.0.1.post1 numpy==2.4.6 pillow==13.0.0 setuptools==65.5.0 \
        || fail "cannot install the dlib-bin, numpy, pillow wheels from PyPI (is the registry reachable? is there a cp$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")') x86_64 wheel?)"
    "${pip[@]}" --no-deps face-recognition==1.3.0 \
        || fail "cannot install face-recognition 1.3.0 from PyPI"
    # An sdist of about 100 MB holding dlib's original .dat models; nothing to compile.
    "${pip[@]}" --no-deps face-recognition-models==0.3.0 \
        || fail "cannot install face-recognition-models 0.3.0 from PyPI"
    "$VENV/bin/python" -c 'import dlib, face_recognition, face_recognition_models' \
        || fail "the packages installed but do not import; see the error above"
    echo "$STAMP" >"$VENV/.installed"
fi

exec "$VENV/bin/python" scripts/dlib_baseline.py "$@"
