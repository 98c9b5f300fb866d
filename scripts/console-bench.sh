#!/usr/bin/env bash
# `make bench` (BENCH_ONLY=console): the web console's first page budget and its time to first
# render against the real services, release builds, 100,000 persons.
#
#   1. the web app built (scripts/console-web.sh) and `npm run size`: the first page's JS + CSS
#      gzipped against the 250 KB budget;
#   2. release binaries of person-api, attendance-api, realtime-gateway, the console and the CLI;
#   3. 100,000 persons seeded by person-api's load bench (BENCH_SEED_ONLY=1 keeps its database);
#      person-api serves that database; attendance-api gets a fresh PostgreSQL database whose
#      person directory is the same 100,000 persons, with today's records (about 70 % present,
#      15 % late, 5 % leaving early, 10 % absent); realtime-gateway on NATS; the console on
#      SQLite with one admin operator;
#   4. services/console/web/bench/first-render.mjs in Chromium (/usr/bin/chromium, or $CHROMIUM):
#      People, People with a search and Today, BENCH_RENDER_RUNS (15) times each, medians, p90,
#      the ratios between them and the API calls behind them. JSON: .local/bench/console.json.
#
# PostgreSQL and NATS come from TEST_DATABASE_URL/TEST_NATS_URL, else scripts/infra.sh test-env.
# Everything started here is stopped on exit and both databases are dropped. Logs of the last
# run: .local/bench/console-logs/. Knobs: BENCH_RENDER_RUNS, BENCH_SEARCH (default "kowal").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WEB="$ROOT/services/console/web"
OUT="$ROOT/.local/bench"
mkdir -p "$OUT"

log() { printf 'console-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v cargo >/dev/null || die "needs cargo (https://rustup.rs)"
command -v npm >/dev/null || die "needs node 20+ and npm"
command -v python3 >/dev/null || die "needs python3"
command -v curl >/dev/null || die "needs curl"
[[ -n "${CHROMIUM:-}" ]] || scripts/system-deps.sh --browser
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] || die "no Chromium at $CHROMIUM (Debian package chromium: scripts/system-deps.sh installs it; or set CHROMIUM)"

# --- the bundle ------------------------------------------------------------------------------
# Built before cargo: the release console embeds web/dist. npm ci must never fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
scripts/console-web.sh
bundle_line="$(cd "$WEB" && npm run --silent size | tail -n 1)" || true
[[ -n "$bundle_line" ]] || die "npm run size printed nothing"

# --- binaries --------------------------------------------------------------------------------
log "building person-api, attendance-api, realtime-gateway, console and faceattend (release)..."
cargo build --release --locked -p person-api -p attendance-api -p realtime-gateway -p console -p faceattend-cli
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
bin="$target_dir/release"
for b in person-api attendance-api realtime-gateway console faceattend; do
    [[ -x "$bin/$b" ]] || die "no $bin/$b after the build"
done

# --- infrastructure --------------------------------------------------------------------------
infra_started=
if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_NATS_URL:-}" ]]; then
    eval "$(scripts/infra.sh test-env)"
    infra_started="${FACEATTEND_TEST_INFRA_STARTED:-}"
fi
psql_bin="$(command -v psql || true)"
if [[ -z "$psql_bin" ]]; then
    psql_bin="$(scripts/infra.sh pg-bin-dir)/psql"
fi
[[ -x "$psql_bin" ]] || die "needs psql (Debian: postgresql-client), or the project-local PostgreSQL of scripts/infra.sh"
psql_at() { "$psql_bin" -X -w -q -v ON_ERROR_STOP=1 "$@"; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/faceattend-console-bench.XXXXXX")"
pids=()
names=()
databases=()
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
    rm -rf "$OUT/console-logs"
    mkdir -p "$OUT/console-logs"
    cp "$tmp"/*.log "$OUT/console-logs/" 2>/dev/null || true
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
start() { # name binary...
    local name="$1"; shift
    "$@" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}

# --- 100,000 persons -------------------------------------------------------------------------
log "seeding 100,000 persons (person-api's load bench, BENCH_SEED_ONLY=1)..."
seed_out="$(BENCH_SEED_ONLY=1 RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p person-api --bench http_load 2>"$tmp/seed.log")" \
    || { cat "$tmp/seed.log" >&2; die "seeding failed"; }
persons_url="$(sed -n 's/^seeded database kept: //p' <<<"$seed_out" | tail -n 1)"
[[ -n "$persons_url" ]] || { cat "$tmp/seed.log" >&2; die "the seed printed no database"; }
persons_db="${persons_url##*/}"
persons_db="${persons_db%%\?*}"
databases+=("$persons_db")
log "$(grep -m1 '^seeded' "$tmp/seed.log" || echo seeded) into $persons_db"

attendance_db="bench_console_attendance_$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
psql_at "$TEST_DATABASE_URL" -c "CREATE DATABASE \"$attendance_db\""
databases+=("$attendance_db")
attendance_url="${TEST_DATABASE_URL%/*}/$attendance_db?sslmode=disable"

# --- services --------------------------------------------------------------------------------
api_port="$(free_port)"
attendance_port="$(free_port)"
gateway_port="$(free_port)"
console_port="$(free_port)"
ports=" $api_port $attendance_port $gateway_port $console_port "
[[ "$(tr ' ' '\n' <<<"$ports" | sed '/^$/d' | sort -u | wc -l)" == 4 ]] || die "two free ports came out the same; run again"

keys="$("$bin/faceattend" keys generate)"
signing_key="$(sed -n 's/^JWT_SIGNING_KEY=//p' <<<"$keys")"
JWT_PUBLIC_KEYS="$(sed -n 's/^JWT_PUBLIC_KEYS=//p' <<<"$keys")"
export JWT_PUBLIC_KEYS
unset JWT_SECRET
bus_namespace="consolebench$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
export LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}" HTTP_WORKERS=2
mkdir -p "$tmp/images"

DATABASE_URL="$persons_url" \
OBJECT_STORE_URL="file://$tmp/images" \
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
BIND_ADDRESS="127.0.0.1:$api_port" \
    start person-api "$bin/person-api"
wait_ready person-api "http://127.0.0.1:$api_port/readyz"

DATABASE_URL="$attendance_url" \
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
BIND_ADDRESS="127.0.0.1:$attendance_port" \
SITE_TIMEZONE=UTC \
    start attendance-api "$bin/attendance-api"
wait_ready attendance-api "http://127.0.0.1:$attendance_port/readyz"

# attendance-api's person directory: the same 100,000 persons, copied over; today's records
# (UTC, the site's zone here) as attendance-api's own report bench makes them.
log "copying the persons into attendance-api's directory and recording today..."
psql_at "$persons_url" -c "COPY (SELECT id, first_name || ' ' || last_name, person_type, status, department, \
    organization, false, now(), 1 FROM persons) TO STDOUT" |
    psql_at "$attendance_url" -c "COPY person_directory (person_id, name, person_type, status, department, \
    organization, deleted, updated_at, version) FROM STDIN"
psql_at "$attendance_url" <<'SQL'
INSERT INTO attendance
  (id, person_id, attendance_date, check_in_time, check_in_confidence, check_in_source,
   check_out_time, check_out_confidence, check_out_source, duration_minutes, status,
   late_minutes, early_leave_minutes, is_manual, created_at, updated_at)
SELECT md5('record-' || person_id::text)::uuid, person_id, d,
       CASE WHEN r < 90 THEN d + time '08:30' + (r % 60) * interval '1 minute' END,
       CASE WHEN r < 90 THEN 0.9 END, CASE WHEN r < 90 THEN 'auto' END,
       CASE WHEN r < 90 THEN d + time '16:45' + (r % 45) * interval '1 minute' END,
       CASE WHEN r < 90 THEN 0.88 END, CASE WHEN r < 90 THEN 'auto' END,
       CASE WHEN r < 90 THEN 480 END,
       CASE WHEN r < 70 THEN 'present' WHEN r < 85 THEN 'late'
            WHEN r < 90 THEN 'early_leave' ELSE 'absent' END,
       CASE WHEN r >= 70 AND r < 85 THEN r - 69 ELSE 0 END,
       CASE WHEN r >= 85 AND r < 90 THEN 30 ELSE 0 END,
       false, now(), now()
FROM (SELECT person_id, (now() AT TIME ZONE 'UTC')::date AS d,
             abs(hashtext(person_id::text)::bigint) % 100 AS r
      FROM person_directory) AS s;
VACUUM ANALYZE attendance;
VACUUM ANALYZE person_directory;
SQL

console_url="http://127.0.0.1:$console_port"
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
BIND_ADDRESS="127.0.0.1:$gateway_port" \
ALLOWED_ORIGINS="$console_url" \
SITE_TIMEZONE=UTC \
    start realtime-gateway "$bin/realtime-gateway"
wait_ready realtime-gateway "http://127.0.0.1:$gateway_port/readyz"

console_db="sqlite://$tmp/console.db?mode=rwc"
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
NATS_URL="$TEST_NATS_URL" \
BUS_NAMESPACE="$bus_namespace" \
PUBLIC_ORIGINS="$console_url" \
BIND_ADDRESS="127.0.0.1:$console_port" \
    start console "$bin/console"
wait_ready console "$console_url/healthz"

# --- the measurement -------------------------------------------------------------------------
echo "console (release) on PostgreSQL-backed person-api with 100,000 persons and attendance-api"
echo "with those persons' records of today; realtime-gateway on NATS; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "bundle: $bundle_line"
echo
CONSOLE_URL="$console_url" BENCH_JSON="$OUT/console-render.json" \
    node "$WEB/bench/first-render.mjs"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$OUT/console-render.json" "$OUT/console.json" "$bundle_line" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, re, sys
render_path, out_path, bundle, load = sys.argv[1:5]
with open(render_path) as f:
    render = json.load(f)
m = re.search(r"first page JS \+ CSS: ([\d.]+) KB gzipped \(([\d.]+) KB raw\)", bundle)
result = {
    "bundle": {
        "line": bundle,
        "first_page_gzipped_kb": float(m.group(1)) if m else None,
        "first_page_raw_kb": float(m.group(2)) if m else None,
        "budget_kb": 250,
    },
    "persons": 100000,
    "load_average_after": load,
    "first_render": render,
}
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
PY
rm -f "$OUT/console-render.json"
echo "written: ${OUT#"$ROOT"/}/console.json"
