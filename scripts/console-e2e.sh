#!/usr/bin/env bash
# `make e2e` (and the end of `make test`): the console's browser tests (services/console/web/e2e,
# Playwright) against the whole real stack: builds the web app and the binaries (debug), takes a
# PostgreSQL and a NATS with JetStream from scripts/infra.sh test-env, creates a database per
# service with a name of this run (dropped on exit; E2E_DATABASE=sqlite: SQLite files in a
# temporary folder instead) and a bus namespace of its own (its streams deleted on exit), starts
# face-embedder, person-api, attendance-api, attendance-worker, realtime-gateway and the console on
# free ports with a token key pair of its own, creates an admin and a viewer, and runs
# `npx playwright test` in Debian's Chromium (/usr/bin/chromium, or $CHROMIUM; Playwright never
# downloads a browser here). Everything it started is stopped on exit.
#
# camera-agent is not started here (nor on the console's system page, SYSTEM_HEALTH_URLS, which
# would otherwise show it unreachable, with the banner on every page): the camera story starts it
# itself when it wants a camera to play (E2E_CAMERA_AGENT_BIN, E2E_NATS_URL, E2E_BUS_NAMESPACE, FACEATTEND_MODELS_DIR, E2E_SNAPSHOTS_URL
# (where attendance-api reads the snapshots it serves as evidence), E2E_TMP: its
# video and log go to the temporary folder). The stories that need photos read
# FACEATTEND_FACES_DIR (default ../shared/data/faces): without them they skip, and fail under CI.
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
scripts/models.sh >/dev/null
if [[ "${E2E_BUILD:-}" == workspace-tests ]]; then
    # From scripts/test.sh, after the Rust tests: their very build (the same command, so the same
    # features: the dev-dependencies turn on the `testing` ones), nothing left to compile; a
    # `cargo build -p …` would resolve other features and rebuild every service.
    log "the binaries of the Rust tests' build (debug)..."
    cargo test --no-run --workspace --locked || build_services=1
else
    build_services=1
fi
if [[ -n "${build_services:-}" ]]; then
    log "building the services and faceattend (debug)..."
    cargo build --locked -p console -p person-api -p attendance-api -p attendance-worker -p realtime-gateway \
        -p face-embedder -p camera-agent -p faceattend-cli
fi
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
bin="$target_dir/debug"
for b in console person-api attendance-api attendance-worker realtime-gateway face-embedder camera-agent faceattend; do
    [[ -x "$bin/$b" ]] || die "no $bin/$b after the build"
done

# --- infrastructure --------------------------------------------------------------------------
eval "$(scripts/infra.sh test-env)"
[[ -n "${TEST_NATS_URL:-}" ]] || die "scripts/infra.sh test-env gave no TEST_NATS_URL"
database="${E2E_DATABASE:-postgres}"
case "$database" in
    postgres)
        [[ -n "${TEST_DATABASE_URL:-}" ]] || die "scripts/infra.sh test-env gave no TEST_DATABASE_URL"
        psql_bin="$(command -v psql || true)"
        [[ -n "$psql_bin" ]] || psql_bin="$(scripts/infra.sh pg-bin-dir)/psql"
        [[ -x "$psql_bin" ]] || die "no psql (PATH, or scripts/infra.sh pg-bin-dir)"
        ;;
    sqlite) ;;
    *) die "E2E_DATABASE is postgres (the default) or sqlite, not $database" ;;
esac

tmp="$(mktemp -d "${TMPDIR:-/tmp}/faceattend-e2e.XXXXXX")"
mkdir -p "$tmp/images"
run_id="$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
# Streams and subjects of this run only, on a NATS that other test runs share.
bus_namespace="e2e_$run_id"
pids=()
names=()
databases=()
psql_admin() { PGCONNECT_TIMEOUT=5 "$psql_bin" -X -w -q -v ON_ERROR_STOP=1 -d "$TEST_DATABASE_URL" "$@"; }
# A database of this run for a service, on TEST_DATABASE_URL's server (created now) or a SQLite
# file: its URL in db_url.
new_database() { # service
    if [[ "$database" == sqlite ]]; then
        db_url="sqlite://$tmp/$1.db?mode=rwc"
        return
    fi
    local name="faceattend_e2e_${run_id}_${1//-/_}"
    psql_admin -c "CREATE DATABASE \"$name\"" >&2
    databases+=("$name")
    db_url="$(python3 - "$TEST_DATABASE_URL" "$name" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
PY
)"
}
# Deletes the streams (and so the key-value buckets) of this run's namespace: a NATS request
# or two over the plain protocol, no client needed.
delete_streams() {
    python3 - "$TEST_NATS_URL" "${bus_namespace^^}_" <<'PY'
import json, socket, sys, urllib.parse
url, prefix = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
conn = socket.create_connection((url.hostname, url.port or 4222), timeout=10)
reader = conn.makefile("rb")
reader.readline()  # INFO
conn.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.e2e_cleanup 1\r\n')
def request(subject, body):
    payload = json.dumps(body).encode()
    conn.sendall(b"PUB %s _INBOX.e2e_cleanup %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
    while True:
        line = reader.readline()
        if not line:
            raise SystemExit("NATS closed the connection")
        if line.startswith(b"PING"):
            conn.sendall(b"PONG\r\n")
        elif line.startswith(b"-ERR"):
            raise SystemExit(line.decode().strip())
        elif line.startswith(b"MSG"):
            size = int(line.split()[-1])
            return json.loads(reader.read(size + 2)[:-2] or b"{}")
names, offset = [], 0
while True:
    page = request("$JS.API.STREAM.NAMES", {"offset": offset})
    names += page.get("streams") or []
    offset += len(page.get("streams") or [])
    if not page.get("streams") or offset >= page.get("total", 0):
        break
for name in names:
    if name.startswith(prefix) or name.startswith("KV_" + prefix):
        request("$JS.API.STREAM.DELETE." + name, {})
PY
}
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
    for db in "${databases[@]}"; do
        psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >&2 || log "could not drop the database $db"
    done
    delete_streams || log "could not delete the streams of the namespace $bus_namespace"
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

ports=()
next_port() { # prints a free port none of this run's took
    local port
    port="$(free_port)"
    while [[ " ${ports[*]} " == *" $port "* ]]; do port="$(free_port)"; done
    printf '%s\n' "$port"
}
for service in embedder api attendance worker gateway console; do
    port="$(next_port)"
    ports+=("$port")
    printf -v "${service}_port" '%s' "$port"
done

# A token key pair of this run: the console signs, the services verify with the public half.
keys="$("$bin/faceattend" keys generate)"
signing_key="$(sed -n 's/^JWT_SIGNING_KEY=//p' <<<"$keys")"
JWT_PUBLIC_KEYS="$(sed -n 's/^JWT_PUBLIC_KEYS=//p' <<<"$keys")"
export JWT_PUBLIC_KEYS
unset JWT_SECRET
export LOG_FORMAT=pretty RUST_LOG="${RUST_LOG:-info,ort=warn}" HTTP_WORKERS=2 SITE_TIMEZONE=UTC
export NATS_URL="$TEST_NATS_URL" BUS_NAMESPACE="$bus_namespace" FACEATTEND_MODELS_DIR="$ROOT/models"

# face-embedder first: person-api's enrolments wait on it.
BIND_ADDRESS="127.0.0.1:$embedder_port" \
    start face-embedder "$bin/face-embedder"
wait_ready face-embedder "http://127.0.0.1:$embedder_port/readyz"

new_database person_api
DATABASE_URL="$db_url" \
OBJECT_STORE_URL="file://$tmp/images" \
BIND_ADDRESS="127.0.0.1:$api_port" \
    start person-api "$bin/person-api"
wait_ready person-api "http://127.0.0.1:$api_port/readyz"

new_database attendance
attendance_db="$db_url"
# camera-agent (started by the camera stories) keeps each capture's frame here, and
# attendance-api serves them as the detections' evidence.
snapshots_url="file://$tmp/snapshots"
DATABASE_URL="$attendance_db" \
SNAPSHOTS_URL="$snapshots_url" \
BIND_ADDRESS="127.0.0.1:$attendance_port" \
    start attendance-api "$bin/attendance-api"
wait_ready attendance-api "http://127.0.0.1:$attendance_port/readyz"

# The worker shares attendance-api's database; the camera's role travels with each capture.
DATABASE_URL="$attendance_db" \
BIND_ADDRESS="127.0.0.1:$worker_port" \
    start attendance-worker "$bin/attendance-worker"
wait_ready attendance-worker "http://127.0.0.1:$worker_port/readyz"

# Only the console connects to it (server-side, with no Origin).
BIND_ADDRESS="127.0.0.1:$gateway_port" \
    start realtime-gateway "$bin/realtime-gateway"
wait_ready realtime-gateway "http://127.0.0.1:$gateway_port/readyz"

new_database console
console_db="$db_url"
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
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
SYSTEM_HEALTH_URLS="face-embedder=http://127.0.0.1:$embedder_port,attendance-worker=http://127.0.0.1:$worker_port" \
SNAPSHOTS_URL="$snapshots_url" \
PUBLIC_ORIGINS="$console_url" \
BIND_ADDRESS="127.0.0.1:$console_port" \
    start console "$bin/console"
wait_ready console "$console_url/healthz"
log "console on $console_url (person-api :$api_port, attendance-api :$attendance_port, gateway :$gateway_port, $database databases, NATS $TEST_NATS_URL, namespace $bus_namespace)"

# For the camera story, which starts camera-agent itself; and the photos, when there are some.
export E2E_CAMERA_AGENT_BIN="$bin/camera-agent" E2E_NATS_URL="$TEST_NATS_URL" E2E_BUS_NAMESPACE="$bus_namespace" E2E_TMP="$tmp" E2E_SNAPSHOTS_URL="$snapshots_url"
faces_dir="${FACEATTEND_FACES_DIR:-$ROOT/../shared/data/faces}"
if [[ -d "$faces_dir" ]]; then
    FACEATTEND_FACES_DIR="$(cd "$faces_dir" && pwd -P)"
    export FACEATTEND_FACES_DIR
else
    log "no labelled photos at $faces_dir (FACEATTEND_FACES_DIR): the stories that enrol faces skip (and fail under CI)"
    export FACEATTEND_FACES_DIR="$faces_dir"
fi

# --- the tests -------------------------------------------------------------------------------
rm -rf "$ARTIFACTS/screenshots" "$ARTIFACTS/results"
cd "$WEB"
set +e
CONSOLE_URL="$console_url" npx --no-install playwright test "$@"
status=$?
set -e
log "screenshots in ${ARTIFACTS#"$ROOT"/}/screenshots"
exit "$status"
