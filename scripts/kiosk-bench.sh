#!/usr/bin/env bash
# `make bench` (BENCH_ONLY=kiosk): a face shown to the kiosk → the greeting on its screen, in
# Chromium with a fake camera, against the whole stack in release builds.
#
#   1. the web app built (scripts/console-web.sh), the models (scripts/models.sh);
#   2. release binaries of face-embedder, person-api, attendance-api, attendance-worker,
#      realtime-gateway, the console and the CLI;
#   3. each on a fresh PostgreSQL database (person-api, attendance-api with the worker, the
#      console) and a NATS namespace of this run, on free ports; the worker with
#      DUPLICATE_CHECK_WINDOW=0, so every appearance at a `both` kiosk is a decision (a
#      check-in, then check-outs), and one admin operator;
#   4. services/console/web/bench/kiosk.mjs: a person enrolled, a `both` kiosk created and
#      paired, Chromium's fake camera playing ~3 s of an empty background then ~3 s of another
#      photo of that person, in a loop, BENCH_KIOSK_APPEARANCES (120, so p99 is not the top sample) times: face shown →
#      greeting rendered, p50/p90/p99, and per stage (the browser's encode, upload and render,
#      the console's published/detected/decided). JSON: .local/bench/kiosk.json.
#
# PostgreSQL and NATS come from TEST_DATABASE_URL/TEST_NATS_URL, else scripts/infra.sh test-env.
# Everything started here is stopped on exit, the databases dropped and the namespace's streams
# deleted. Logs of the last run: .local/bench/kiosk-logs/. Needs the development photos
# (FACEATTEND_FACES_DIR, default ../shared/data/faces).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WEB="$ROOT/services/console/web"
OUT="$ROOT/.local/bench"
mkdir -p "$OUT"

log() { printf 'kiosk-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v cargo >/dev/null || die "needs cargo (https://rustup.rs)"
command -v npm >/dev/null || die "needs node 20+ and npm"
command -v python3 >/dev/null || die "needs python3"
command -v curl >/dev/null || die "needs curl"
[[ -n "${CHROMIUM:-}" ]] || scripts/system-deps.sh --browser
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] || die "no Chromium at $CHROMIUM (Debian package chromium: scripts/system-deps.sh installs it; or set CHROMIUM)"
faces_dir="${FACEATTEND_FACES_DIR:-$ROOT/../shared/data/faces}"
[[ -d "$faces_dir" ]] || die "no photos at $faces_dir (set FACEATTEND_FACES_DIR)"
FACEATTEND_FACES_DIR="$(cd "$faces_dir" && pwd -P)"
export FACEATTEND_FACES_DIR

# --- build -----------------------------------------------------------------------------------
# The web app before cargo: the release console embeds web/dist. npm ci must never fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
scripts/console-web.sh
scripts/models.sh >/dev/null
log "building face-embedder, person-api, attendance-api, attendance-worker, realtime-gateway, console and faceattend (release)..."
cargo build --release --locked -p face-embedder -p person-api -p attendance-api -p attendance-worker \
    -p realtime-gateway -p console -p faceattend-cli
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
bin="$target_dir/release"
for b in face-embedder person-api attendance-api attendance-worker realtime-gateway console faceattend; do
    [[ -x "$bin/$b" ]] || die "no $bin/$b after the build"
done

# --- infrastructure --------------------------------------------------------------------------
infra_started=
if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_NATS_URL:-}" ]]; then
    eval "$(scripts/infra.sh test-env)"
    infra_started="${FACEATTEND_TEST_INFRA_STARTED:-}"
fi
psql_bin="$(command -v psql || true)"
[[ -n "$psql_bin" ]] || psql_bin="$(scripts/infra.sh pg-bin-dir)/psql"
[[ -x "$psql_bin" ]] || die "needs psql (Debian: postgresql-client), or the project-local PostgreSQL of scripts/infra.sh"
psql_at() { "$psql_bin" -X -w -q -v ON_ERROR_STOP=1 "$@"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/faceattend-kiosk-bench.XXXXXX")"
mkdir -p "$tmp/images" "$tmp/snapshots"
run_id="$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
bus_namespace="kioskbench$run_id"
pids=()
names=()
databases=()
# Deletes the streams (and so the key-value buckets) of this run's namespace, as
# scripts/console-e2e.sh does: a NATS request or two over the plain protocol.
delete_streams() {
    python3 - "$TEST_NATS_URL" "${bus_namespace^^}_" <<'PY'
import json, socket, sys, urllib.parse
url, prefix = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
conn = socket.create_connection((url.hostname, url.port or 4222), timeout=10)
reader = conn.makefile("rb")
reader.readline()  # INFO
conn.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.kiosk_bench_cleanup 1\r\n')
def request(subject, body):
    payload = json.dumps(body).encode()
    conn.sendall(b"PUB %s _INBOX.kiosk_bench_cleanup %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
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
        for _ in $(seq 1 50); do
            kill -0 "${pids[i]}" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    for db in "${databases[@]}"; do
        psql_at "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
            || log "could not drop the database $db"
    done
    delete_streams || log "could not delete the streams of the namespace $bus_namespace"
    rm -rf "$OUT/kiosk-logs"
    mkdir -p "$OUT/kiosk-logs"
    cp "$tmp"/*.log "$OUT/kiosk-logs/" 2>/dev/null || true
    if ((status != 0)); then
        for name in "${names[@]}"; do
            log "the last lines of $name's log:"
            tail -n 15 "$tmp/$name.log" >&2 || true
        done
    fi
    rm -rf "$tmp"
    if [[ -n "$infra_started" ]]; then
        scripts/infra.sh stop-test-env
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
new_database() { # name: its URL in db_url
    local name="bench_kiosk_${run_id}_$1"
    psql_at "$TEST_DATABASE_URL" -c "CREATE DATABASE \"$name\""
    databases+=("$name")
    db_url="${TEST_DATABASE_URL%/*}/$name?sslmode=disable"
}

ports=()
next_port() {
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

# --- services --------------------------------------------------------------------------------
keys="$("$bin/faceattend" keys generate)"
signing_key="$(sed -n 's/^JWT_SIGNING_KEY=//p' <<<"$keys")"
JWT_PUBLIC_KEYS="$(sed -n 's/^JWT_PUBLIC_KEYS=//p' <<<"$keys")"
export JWT_PUBLIC_KEYS
unset JWT_SECRET
export LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" HTTP_WORKERS=2 SITE_TIMEZONE=UTC
export NATS_URL="$TEST_NATS_URL" BUS_NAMESPACE="$bus_namespace" FACEATTEND_MODELS_DIR="$ROOT/models"

BIND_ADDRESS="127.0.0.1:$embedder_port" \
    start face-embedder "$bin/face-embedder"
wait_ready face-embedder "http://127.0.0.1:$embedder_port/readyz"

new_database persons
DATABASE_URL="$db_url" \
OBJECT_STORE_URL="file://$tmp/images" \
BIND_ADDRESS="127.0.0.1:$api_port" \
    start person-api "$bin/person-api"
wait_ready person-api "http://127.0.0.1:$api_port/readyz"

new_database attendance
attendance_db="$db_url"
DATABASE_URL="$attendance_db" \
SNAPSHOTS_URL="file://$tmp/snapshots" \
BIND_ADDRESS="127.0.0.1:$attendance_port" \
    start attendance-api "$bin/attendance-api"
wait_ready attendance-api "http://127.0.0.1:$attendance_port/readyz"

# Every appearance a decision: no duplicate window (a check-in, then check-out updates).
DATABASE_URL="$attendance_db" \
DUPLICATE_CHECK_WINDOW=0 \
BIND_ADDRESS="127.0.0.1:$worker_port" \
    start attendance-worker "$bin/attendance-worker"
wait_ready attendance-worker "http://127.0.0.1:$worker_port/readyz"

BIND_ADDRESS="127.0.0.1:$gateway_port" \
    start realtime-gateway "$bin/realtime-gateway"
wait_ready realtime-gateway "http://127.0.0.1:$gateway_port/readyz"

new_database console
console_db="$db_url"
console_url="http://127.0.0.1:$console_port"
BENCH_EMAIL=bench-admin@example.com
BENCH_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export BENCH_EMAIL BENCH_PASSWORD
printf '%s\n' "$BENCH_PASSWORD" |
    "$bin/faceattend" operator create --email "$BENCH_EMAIL" --name "Bench Admin" --role admin \
        --database-url "$console_db" >"$tmp/operator.log" 2>&1 \
    || { cat "$tmp/operator.log" >&2; die "operator create failed"; }

DATABASE_URL="$console_db" \
JWT_SIGNING_KEY="$signing_key" \
PERSON_API_URL="http://127.0.0.1:$api_port" \
ATTENDANCE_API_URL="http://127.0.0.1:$attendance_port" \
REALTIME_GATEWAY_URL="http://127.0.0.1:$gateway_port" \
SNAPSHOTS_URL="file://$tmp/snapshots" \
PUBLIC_ORIGINS="$console_url" \
BIND_ADDRESS="127.0.0.1:$console_port" \
    start console "$bin/console"
wait_ready console "$console_url/healthz"

# --- the measurement -------------------------------------------------------------------------
echo "kiosk: the whole stack in release builds (face-embedder, person-api, attendance-api, attendance-worker,"
echo "realtime-gateway, console) on PostgreSQL and NATS; Chromium (headless) as the kiosk; $(nproc) cores,"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
CONSOLE_URL="$console_url" BENCH_TMP="$tmp" BENCH_JSON="$OUT/kiosk.json" \
    node "$WEB/bench/kiosk.mjs"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "written: ${OUT#"$ROOT"/}/kiosk.json"
