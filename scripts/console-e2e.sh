#!/usr/bin/env bash
# `make e2e`: the console's browser tests (services/console/web/e2e, Playwright) against the
# real services: builds the web app and the binaries (debug), takes a NATS with JetStream from
# scripts/infra.sh test-env, starts person-api, attendance-api and the console on free ports
# with SQLite databases in a temporary folder and a token key pair of its own, creates an admin and a
# viewer, and runs `npx playwright test` in Debian's Chromium (/usr/bin/chromium, or $CHROMIUM;
# Playwright never downloads a browser here). Everything it started is stopped on exit.
#
# Arguments go to `playwright test` (e.g. `scripts/console-e2e.sh e2e/people.spec.ts`).
# Screenshots: services/console/web/e2e-artifacts/screenshots/<page>-<width>.png; the services'
# logs of the last run: services/console/web/e2e-artifacts/logs/.
# KEEP_E2E_TMP=1 keeps the temporary folder (databases, photos) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WEB="$ROOT/services/console/web"
ARTIFACTS="$WEB/e2e-artifacts"

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v cargo >/dev/null || die "needs cargo (https://rustup.rs)"
command -v npm >/dev/null || die "needs node 20+ and npm"
command -v python3 >/dev/null || die "needs python3"
command -v curl >/dev/null || die "needs curl"
[[ -n "${CHROMIUM:-}" ]] || scripts/system-deps.sh --browser
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] || die "no Chromium at $CHROMIUM (Debian package chromium: scripts/system-deps.sh installs it; or set CHROMIUM)"

# --- build -----------------------------------------------------------------------------------
# The console serves services/console/web/dist (read from disk in debug builds): built first.
# Its npm ci must never fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
scripts/console-web.sh
log "building console, person-api, attendance-api and faceattend (debug)..."
cargo build --locked -p console -p person-api -p attendance-api -p faceattend-cli
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
bin="$target_dir/debug"
for b in console person-api attendance-api faceattend; do
    [[ -x "$bin/$b" ]] || die "no $bin/$b after the build"
done

# --- infrastructure --------------------------------------------------------------------------
eval "$(scripts/infra.sh test-env)"
[[ -n "${TEST_NATS_URL:-}" ]] || die "scripts/infra.sh test-env gave no TEST_NATS_URL"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/faceattend-e2e.XXXXXX")"
mkdir -p "$tmp/images"
pids=()
names=()
stop_all() {
    local status=$?
    trap - EXIT INT TERM
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        # Each has its graceful shutdown; past ten seconds it is killed.
        for _ in $(seq 1 50); do
            kill -0 "${pids[i]}" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    rm -rf "$ARTIFACTS/logs"
    mkdir -p "$ARTIFACTS/logs"
    cp "$tmp"/*.log "$ARTIFACTS/logs/" 2>/dev/null || true
    if ((status != 0)); then
        for name in "${names[@]}"; do
            log "the last lines of $name's log:"
            tail -n 15 "$tmp/$name.log" >&2 || true
        done
    fi
    if [[ "${KEEP_E2E_TMP:-}" == 1 ]]; then
        log "kept $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_ready() { # name url
    local name="$1" url="$2" pid="${pids[-1]}"
    for _ in $(seq 1 300); do
        if curl -sf "$url" >/dev/null 2>&1; then return 0; fi
        kill -0 "$pid" 2>/dev/null || die "$name exited during startup (log below)"
        sleep 0.2
    done
    die "$name not ready at $url after 60 s"
}
start() { # name binary (with the environment already set by the caller)
    local name="$1"; shift
    "$@" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}

api_port="$(free_port)"
attendance_port="$(free_port)"
console_port="$(free_port)"
# Nothing listens there: the console's live feed is not part of these tests yet.
gateway_port="$(free_port)"
while [[ " $api_port $attendance_port $console_port " == *" $gateway_port "* ]]; do gateway_port="$(free_port)"; done

# A token key pair of this run: the console signs, the services verify with the public half.
keys="$("$bin/faceattend" keys generate)"
signing_key="$(sed -n 's/^JWT_SIGNING_KEY=//p' <<<"$keys")"
JWT_PUBLIC_KEYS="$(sed -n 's/^JWT_PUBLIC_KEYS=//p' <<<"$keys")"
export JWT_PUBLIC_KEYS
unset JWT_SECRET
# Streams and subjects of this run only, on a NATS that other test runs share.
bus_namespace="e2e_$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
export LOG_FORMAT=pretty RUST_LOG="${RUST_LOG:-info}" HTTP_WORKERS=2

DATABASE_URL="sqlite://$tmp/person-api.db?mode=rwc" \
OBJECT_STORE_URL="file://$tmp/images" \
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
BIND_ADDRESS="127.0.0.1:$api_port" \
    start person-api "$bin/person-api"
wait_ready person-api "http://127.0.0.1:$api_port/readyz"

DATABASE_URL="sqlite://$tmp/attendance.db?mode=rwc" \
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
BIND_ADDRESS="127.0.0.1:$attendance_port" \
SITE_TIMEZONE=UTC \
    start attendance-api "$bin/attendance-api"
wait_ready attendance-api "http://127.0.0.1:$attendance_port/readyz"

console_db="sqlite://$tmp/console.db?mode=rwc"
console_url="http://127.0.0.1:$console_port"
random_password() { python3 -c 'import secrets; print(secrets.token_urlsafe(18))'; }
E2E_ADMIN_EMAIL=admin@example.com
E2E_ADMIN_NAME="Ada Admin"
E2E_ADMIN_PASSWORD="$(random_password)"
E2E_VIEWER_EMAIL=viewer@example.com
E2E_VIEWER_NAME="Vic Viewer"
E2E_VIEWER_PASSWORD="$(random_password)"
export E2E_ADMIN_EMAIL E2E_ADMIN_NAME E2E_ADMIN_PASSWORD E2E_VIEWER_EMAIL E2E_VIEWER_NAME E2E_VIEWER_PASSWORD
# The console's database: created (and migrated) by the first operator create.
printf '%s\n' "$E2E_ADMIN_PASSWORD" |
    "$bin/faceattend" operator create --email "$E2E_ADMIN_EMAIL" --name "$E2E_ADMIN_NAME" --role admin --database-url "$console_db" >&2
printf '%s\n' "$E2E_VIEWER_PASSWORD" |
    "$bin/faceattend" operator create --email "$E2E_VIEWER_EMAIL" --name "$E2E_VIEWER_NAME" --role viewer --database-url "$console_db" >&2

DATABASE_URL="$console_db" \
JWT_SIGNING_KEY="$signing_key" \
PERSON_API_URL="http://127.0.0.1:$api_port" \
ATTENDANCE_API_URL="http://127.0.0.1:$attendance_port" \
REALTIME_GATEWAY_URL="http://127.0.0.1:$gateway_port" \
PUBLIC_ORIGINS="$console_url" \
BIND_ADDRESS="127.0.0.1:$console_port" \
    start console "$bin/console"
wait_ready console "$console_url/healthz"
log "console on $console_url (person-api :$api_port, attendance-api :$attendance_port, NATS $TEST_NATS_URL, namespace $bus_namespace)"

# --- the tests -------------------------------------------------------------------------------
rm -rf "$ARTIFACTS/screenshots" "$ARTIFACTS/results"
cd "$WEB"
set +e
CONSOLE_URL="$console_url" npx --no-install playwright test "$@"
status=$?
set -e
log "screenshots in ${ARTIFACTS#"$ROOT"/}/screenshots"
exit "$status"
