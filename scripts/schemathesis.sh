#!/usr/bin/env bash
# Schemathesis, the OpenAPI contract fuzzer, in a project-local virtualenv (.local/schemathesis).
#
#   scripts/schemathesis.sh install      create or refresh the virtualenv (quiet on success)
#   scripts/schemathesis.sh run ARGS...  `schemathesis run ARGS...` (installs first if needed)
#
# The services' contract tests (services/*/tests/api/contract.rs) call `run` against a real
# service on a random port. The version is pinned: a newer schemathesis adds checks, and a
# new failure should arrive with a change to this line, not with a fresh machine.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
VENV_DIR="$REPO_ROOT/.local/schemathesis"
SCHEMATHESIS_VERSION="4.32.5"

installed() {
    [[ -x "$VENV_DIR/bin/schemathesis" ]] &&
        "$VENV_DIR/bin/python" -c "import sys; from importlib.metadata import version; sys.exit(version('schemathesis') != '$SCHEMATHESIS_VERSION')" 2>/dev/null
}

install() {
    installed && return 0
    mkdir -p "$REPO_ROOT/.local"
    # Contract tests start in parallel: one installs, the others wait for it.
    exec 9>"$REPO_ROOT/.local/schemathesis.lock"
    flock 9
    installed && return 0
    local log="$REPO_ROOT/.local/schemathesis-install.log"
    echo "schemathesis: installing $SCHEMATHESIS_VERSION into $VENV_DIR ..." >&2
    rm -rf "$VENV_DIR"
    if ! { python3 -m venv "$VENV_DIR" &&
        "$VENV_DIR/bin/pip" install --disable-pip-version-check -q "schemathesis==$SCHEMATHESIS_VERSION"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "schemathesis: install failed (python3 with venv and pip, and PyPI, are needed)" >&2
        exit 1
    fi
}

case "${1:-}" in
    install) install ;;
    run)
        shift
        install
        exec "$VENV_DIR/bin/schemathesis" run "$@"
        ;;
    *)
        echo "usage: $0 install | run ARGS..." >&2
        exit 2
        ;;
esac
