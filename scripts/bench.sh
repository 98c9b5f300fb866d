#!/usr/bin/env bash
# `make bench`: benchmarks in release mode against real PostgreSQL and NATS (the same servers
# `make test` uses: the local standard ports, or project-local ones it starts).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/infra.sh test-env)"
if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
    trap 'scripts/infra.sh stop-test-env' EXIT
fi
RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p person-api --bench http_load
