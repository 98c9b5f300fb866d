#!/usr/bin/env bash
# `make bench`: benchmarks in release mode against real PostgreSQL and NATS (the same servers
# `make test` uses: the local standard ports, or project-local ones it starts). When `wrk` is
# installed (Debian/Ubuntu: apt-get install wrk; tried here when running as root), every
# scenario is also measured with it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || echo "bench: wrk not installed; using the built-in load generator only" >&2
fi
eval "$(scripts/infra.sh test-env)"
if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
    trap 'scripts/infra.sh stop-test-env' EXIT
fi
RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p person-api --bench http_load
