#!/usr/bin/env bash
# `make bench`: every benchmark in release mode, in one run, one section after another:
#
#   dlib     dlib's face_recognition as the seed used it (scripts/dlib-baseline.sh speed, in a
#            throwaway virtualenv), on the labelled photos placed on 1280x720 frames; its JSON
#            goes to .local/bench/dlib-speed.json for the face section's speed-up ratios
#   face     the face pipeline (crates/face/benches/pipeline.rs): ms per stage, faces/s with
#            batching, and the ratios against the dlib section of this same run
#   gallery  gallery search (crates/face/benches/gallery.rs) at GALLERY_BENCH_SIZES
#            (default 10000,100000,1000000)
#   http     person-api load benchmark against real PostgreSQL and NATS (the same servers
#            `make test` uses: the local standard ports, or project-local ones it starts).
#            When `wrk` is installed (Debian/Ubuntu: apt-get install wrk; tried here when
#            running as root), every scenario is also measured with it.
#   attendance  attendance-worker throughput end to end on PostgreSQL and NATS: BENCH_DETECTIONS
#            (default 100000) detections for BENCH_PERSONS (5000) people, published to
#            detections.v1.*, timed until every one is committed
#   attendance-api  attendance-api's reports and lists through its HTTP app on PostgreSQL:
#            the daily report of BENCH_PERSONS (default 10000) people (target 1 s), then
#            GET /api/v1/attendance over BENCH_RECORDS (default 1000000) records, first page
#            and by person, date range, status and department (target p99 10 ms)
#   gateway  realtime-gateway fan-out (services/realtime-gateway/benches/fanout.rs) on NATS:
#            BENCH_CLIENTS (10000) WebSocket clients against the release binary, BENCH_RATE
#            (200) events/s for BENCH_SECONDS (20): delivery latency, memory per idle
#            connection, drops; then every client hears everyone at BENCH_BROADCAST_RATE (2)/s
#   camera   camera-agent (services/camera-agent/benches/streams.rs): how many 1280x720 streams
#            one agent sustains at 5 analysed frames/s, frame-to-capture latency p50/p99, ms
#            per stage (decode, detect, quality, encode, publish); real NATS as for http
#   journey  end-to-end latency, camera frame -> WebSocket event (tests/benches/journey_latency.rs):
#            every service's release binary on PostgreSQL and NATS as for http, people enrolled
#            from the photos, a 1280x720 video of them walking past BENCH_ROUNDS (default 20)
#            times played in real time through camera-agent; p50/p99 end to end and per stage
#            (camera-agent, face-embedder, attendance-worker, realtime-gateway), once with the
#            tracker's legacy policy (a fixed 1.5 s wait) and once with the quality gate
#            (JOURNEY_TRACKING="legacy early" by default; name one to run one)
#   console  the web console (scripts/console-bench.sh): the first page's JS + CSS gzipped against
#            the 250 KB budget, then the time to first render in Chromium of People (100,000
#            persons, on PostgreSQL), People with a search and Today, medians, p90 and ratios,
#            release binaries; JSON in .local/bench/console.json
#   kiosk    the kiosk (scripts/kiosk-bench.sh): the whole stack's release binaries, a `both`
#            kiosk created and paired, Chromium's fake camera showing an enrolled person for ~3 s
#            every ~6 s, BENCH_KIOSK_APPEARANCES (120) times: face shown -> greeting rendered,
#            p50/p90/p99 and per stage (browser encode, upload, console published/detected/
#            decided, render); JSON in .local/bench/kiosk.json
#
# BENCH_ONLY=face,dlib (comma-separated) runs only those sections. The photos come from
# FACEATTEND_FACES_DIR (default ../shared/data/faces); without them the dlib and face sections
# are skipped. Other knobs: BENCH_THREADS and BENCH_REPEAT (face, default 2 and 3),
# DLIB_REPEAT (default 1), DLIB_CPUS (default BENCH_THREADS).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_SECTIONS="dlib,face,gallery,http,attendance,attendance-api,gateway,camera,journey,console,kiosk"
BENCH_ONLY="${BENCH_ONLY:-$ALL_SECTIONS}"
for section in ${BENCH_ONLY//,/ }; do
    [[ ",$ALL_SECTIONS," == *",$section,"* ]] \
        || { echo "bench: unknown section '$section' in BENCH_ONLY (known: $ALL_SECTIONS)" >&2; exit 2; }
done
enabled() { [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
header() { printf '\n==== bench: %s ====\n' "$1"; }

OUT=.local/bench
mkdir -p "$OUT"
FACES_DIR="${FACEATTEND_FACES_DIR:-../shared/data/faces}"
export BENCH_THREADS="${BENCH_THREADS:-2}"
export GALLERY_BENCH_SIZES="${GALLERY_BENCH_SIZES:-10000,100000,1000000}"
failed=()

have_photos=
if [[ -d "$FACES_DIR" ]] && [[ -n "$(find "$FACES_DIR" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) -print -quit)" ]]; then
    FACES_DIR="$(cd "$FACES_DIR" && pwd)"
    have_photos=1
fi
no_photos() {
    echo "bench: $1 skipped: no photos under $FACES_DIR (set FACEATTEND_FACES_DIR to a folder of face photos)"
}

dlib_json=
if enabled dlib; then
    header "dlib baseline (face_recognition: HOG detector + 128-D encoder)"
    if [[ -z "$have_photos" ]]; then
        no_photos "the dlib baseline"
    else
        # Written afresh, so the face section never reads a previous run's figures.
        rm -f "$OUT/dlib-speed.json"
        if scripts/dlib-baseline.sh speed --images "$FACES_DIR" --frame-size 1280x720 \
            --repeat "${DLIB_REPEAT:-1}" --cpus "${DLIB_CPUS:-$BENCH_THREADS}" --json "$OUT/dlib-speed.json"; then
            dlib_json="$(pwd)/$OUT/dlib-speed.json"
        else
            echo "bench: the dlib baseline failed (see above); the face section runs without its ratios" >&2
            failed+=(dlib)
        fi
    fi
fi

if enabled face; then
    header "face pipeline (decode, detect, landmarks, align, embed on 1280x720 frames)"
    if [[ -z "$have_photos" ]]; then
        no_photos "the face pipeline bench"
    else
        # The real models (fetched, converted and verified once; a no-op afterwards).
        scripts/models.sh >/dev/null
        if enabled dlib; then
            # The ratios come from this run's dlib section or not at all.
            unset DLIB_BASELINE_JSON
            [[ -z "$dlib_json" ]] || export DLIB_BASELINE_JSON="$dlib_json"
        fi
        # (With the dlib section left out, a DLIB_BASELINE_JSON of the caller's is passed on.)
        FACEATTEND_FACES_DIR="$FACES_DIR" cargo bench --locked -p faceattend-face --bench pipeline
    fi
fi

if enabled gallery; then
    header "gallery search (sizes $GALLERY_BENCH_SIZES)"
    cargo bench --locked -p faceattend-face --bench gallery
fi

if enabled http; then
    header "person-api HTTP load"
    if ! command -v wrk >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -qq wrk >/dev/null 2>&1 || echo "bench: wrk not installed; using the built-in load generator only" >&2
    fi
    eval "$(scripts/infra.sh test-env)"
    if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
        trap 'scripts/infra.sh stop-test-env' EXIT
    fi
    RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p person-api --bench http_load
fi

if enabled attendance; then
    header "attendance-worker throughput"
    if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
        eval "$(scripts/infra.sh test-env)"
        if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
            trap 'scripts/infra.sh stop-test-env' EXIT
        fi
    fi
    RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p attendance-worker --bench throughput
fi

if enabled attendance-api; then
    header "attendance-api reports and lists"
    if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
        eval "$(scripts/infra.sh test-env)"
        if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
            trap 'scripts/infra.sh stop-test-env' EXIT
        fi
    fi
    RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p attendance-api --bench reports
fi

if enabled gateway; then
    header "realtime-gateway fan-out"
    if [[ -z "${TEST_NATS_URL:-}" ]]; then
        eval "$(scripts/infra.sh test-env)"
        if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
            trap 'scripts/infra.sh stop-test-env' EXIT
        fi
    fi
    # Every client is a socket in the bench and one in the gateway: raise the open-file limit
    # (both processes inherit it) as far as the hard limit allows.
    (
        ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
        RUST_LOG="${RUST_LOG:-warn}" cargo bench --locked -p realtime-gateway --bench fanout
    ) || failed+=(gateway)
fi

if enabled camera; then
    header "camera-agent streams"
    scripts/system-deps.sh
    if [[ -z "${TEST_NATS_URL:-}" ]]; then
        eval "$(scripts/infra.sh test-env)"
        if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
            trap 'scripts/infra.sh stop-test-env' EXIT
        fi
    fi
    FACEATTEND_FACES_DIR="$FACES_DIR" RUST_LOG="${RUST_LOG:-warn}" \
        cargo bench --locked -p camera-agent --bench streams
fi

if enabled journey; then
    header "journey latency (camera frame -> WebSocket)"
    if [[ -z "$have_photos" ]]; then
        no_photos "the journey latency bench"
    else
        scripts/system-deps.sh
        scripts/models.sh >/dev/null
        if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_NATS_URL:-}" ]]; then
            eval "$(scripts/infra.sh test-env)"
            if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
                trap 'scripts/infra.sh stop-test-env' EXIT
            fi
        fi
        # The bench runs the release binaries from the target directory it runs from.
        cargo build --release --locked --bins -p person-api -p face-embedder -p camera-agent \
            -p attendance-worker -p attendance-api -p realtime-gateway
        # Both tracking policies in one run, so before and after share the machine's mood:
        # JOURNEY_TRACKING=legacy is the fixed 1.5 s wait, early the quality gate.
        for policy in ${JOURNEY_TRACKING:-legacy early}; do
            FACEATTEND_FACES_DIR="$FACES_DIR" FACEATTEND_MODELS_DIR="$(pwd)/models" \
                RUST_LOG="${RUST_LOG:-warn}" JOURNEY_TRACKING="$policy" \
                cargo bench --locked -p faceattend-journeys --bench journey_latency \
                || failed+=("journey ($policy)")
        done
    fi
fi

if enabled console; then
    header "web console (first page budget, time to first render)"
    if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_NATS_URL:-}" ]]; then
        eval "$(scripts/infra.sh test-env)"
        if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
            trap 'scripts/infra.sh stop-test-env' EXIT
        fi
    fi
    scripts/console-bench.sh || failed+=(console)
fi

if enabled kiosk; then
    header "kiosk (face shown -> greeting, Chromium with a fake camera)"
    if [[ -z "$have_photos" ]]; then
        no_photos "the kiosk bench"
    else
        if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_NATS_URL:-}" ]]; then
            eval "$(scripts/infra.sh test-env)"
            if [[ -n "${FACEATTEND_TEST_INFRA_STARTED:-}" ]]; then
                trap 'scripts/infra.sh stop-test-env' EXIT
            fi
        fi
        FACEATTEND_FACES_DIR="$FACES_DIR" scripts/kiosk-bench.sh || failed+=(kiosk)
    fi
fi

if ((${#failed[@]})); then
    echo "bench: failed: ${failed[*]}" >&2
    exit 1
fi
