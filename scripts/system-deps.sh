#!/usr/bin/env bash
# faceattend: the system packages the build needs beyond cargo, installed when missing.
#
# camera-agent reads video with the system's OpenCV (Debian/Ubuntu libopencv-dev, 4.5 or
# later), and the `opencv` crate generates its bindings at build time with libclang:
#   libopencv-dev clang libclang-dev
# As root with apt-get, this installs whatever is missing (a no-op once installed). Otherwise
# it says what to install and fails, before cargo fails with a less helpful message.
# `make run`, `make test`, `make bench`, `make lint` and `make build` call it.
#
# `--browser` (make test, make e2e) adds Debian's Chromium, which the console's browser tests
# drive through Playwright (Playwright's own browser downloads cannot work offline).
set -euo pipefail

PACKAGES=(libopencv-dev clang libclang-dev)
if [[ "${1:-}" == --browser ]]; then
    PACKAGES+=(chromium)
fi

# Without dpkg, OpenCV is found through pkg-config (libclang is then left to the build).
have_opencv() { pkg-config --exists opencv4 2>/dev/null; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for package in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
elif ! have_opencv; then
    missing=("${PACKAGES[@]}")
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]} (OpenCV for camera-agent, libclang for its bindings, Chromium for the browser tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        apt-get update >&2
        apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
    exit 0
fi

cat >&2 <<MSG
system-deps: camera-agent needs OpenCV (4.5 or later, with its videoio module) and libclang
to build, and the console's browser tests need Chromium; these are missing: ${missing[*]}
  Debian/Ubuntu:  sudo apt-get install -y ${PACKAGES[*]}
  Fedora:         sudo dnf install -y opencv-devel clang clang-devel chromium
  macOS:          brew install opencv llvm   (and export LIBCLANG_PATH=\$(brew --prefix llvm)/lib;
                  for the browser tests, CHROMIUM=<path to Chrome or Chromium>)
Then run the make target again.
MSG
exit 1
