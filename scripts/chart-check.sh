#!/usr/bin/env bash
# `make chart-check` (and `make test`): the Helm chart k8s/faceattend rendered as `helm template`
# renders it, every object validated against the Kubernetes schemas, and Helm's own engine and
# linter asked for a second opinion.
#
# The helm CLI is not on the package registries, so the chart is rendered by k8s/render, Helm's
# engine rebuilt on the libraries Helm uses (sprig, sigs.k8s.io/yaml) from Debian's Go packages,
# built offline; the objects are validated by PyPI's kubernetes-validate (its bundled schemas,
# strict: unknown fields are errors) in a project-local virtualenv. Rendered:
#   - the chart's defaults (plus the values they cannot have: the token keys, auth.publicKeys and
#     auth.signingKey.value, database.url and the console's own database URL), and the defaults
#     with HS256 instead of keys (auth.hs256.enabled=true, jwt.secret);
#   - every k8s/examples/*.yaml;
#   - NOTES.txt for each of those, as helm install renders it (it must render; not a manifest);
#   - every k8s/examples/must-fail/*.yaml, which must fail with the message in its first line
#     ("# must fail: <message>"), so the chart's guards are checked too.
# Then what the output must contain (k8s/render/rendered_check.py): the web console in every
# case (Deployment, Service on 8000, ConfigMap with its upstreams naming the Services rendered
# beside it, its own DATABASE_URL from a Secret, probes, security and PodDisruptionBudget as the
# other services', NOTES with the first admin and the token keys), and its Ingress where the case
# enables it (production: TLS, derived COOKIE_SECURE/PUBLIC_ORIGINS, realtime-gateway's
# ALLOWED_ORIGINS) and nowhere else (the other cases); and the access tokens' keys: the
# console's JWT_SIGNING_KEY from a Secret (a secretKeyRef) and no other service's,
# JWT_PUBLIC_KEYS for every service that verifies tokens, no JWT_SECRET anywhere (an existing
# Secret's masked) unless the case turns HS256 on, and then JWT_HS256=true beside it; and
# integrations where the case turns it on (all-services, production) and nowhere else: its
# Deployment, Service, ConfigMap (consumer names, dispatcher workers) and PodDisruptionBudget,
# probes and metrics annotations, its own DATABASE_URL, on the console's system page, in NOTES.
# Then Helm itself: PyPI's helm-python-sdk binds Helm's Go SDK (v4.2.3); every case is rendered
# again with Helm's engine and must give the same documents byte for byte (and the same
# refusals), and Helm's linter (strict) must be clean (k8s/render/helm_sdk_check.py;
# CHART_CHECK_HELM_SDK=0 skips it, e.g. on a platform without its wheel).
# Fails on the first template error, and after validation on any object that does not pass
# (named by values file, kind and name). Installs what is missing: the Go packages with apt-get
# when root (otherwise says which), the virtualenv under .local/. The renderer and the
# virtualenv are cached under .local/ and rebuilt only when their inputs change.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

KUBE_VERSION="${CHART_CHECK_KUBE_VERSION:-1.30.0}"
KV_VERSION=1.37.0 # kubernetes-validate: ships the schemas of Kubernetes 1.x up to 1.37
HELM_SDK_VERSION=0.2.2 # helm-python-sdk: Helm's Go SDK v4.2.3 through ctypes
HELM_SDK="${CHART_CHECK_HELM_SDK:-1}"
CHART=k8s/faceattend
EXAMPLES=k8s/examples
LOCAL="$ROOT/.local"
RENDER="$LOCAL/bin/render"
VENV="$LOCAL/venv-chart"
OUT="$LOCAL/chart-check"
GOCODE=/usr/share/gocode/src
DEBIAN_GO_PACKAGES=(golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v3-dev)

log() { echo "chart-check: $*" >&2; }
die() {
    echo "chart-check: ERROR: $*" >&2
    exit 1
}

# --- Go and Debian's Go libraries -------------------------------------------------------------
go_ready() {
    command -v go >/dev/null && [ -d "$GOCODE/github.com/Masterminds/sprig" ] && [ -d "$GOCODE/sigs.k8s.io/yaml" ]
}
if ! go_ready; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing ${DEBIAN_GO_PACKAGES[*]} (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends "${DEBIAN_GO_PACKAGES[@]}" >/dev/null 2>&1 ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${DEBIAN_GO_PACKAGES[@]}" >/dev/null; }
    fi
    go_ready || die "the chart renderer needs Go and Debian's Go libraries: apt-get install ${DEBIAN_GO_PACKAGES[*]}"
fi

# Debian installs sprig v3 and semver v3 without the /v3 directory their import paths name; a
# private GOPATH entry maps them, the rest resolves from /usr/share/gocode. No network, no module
# proxy: GOPATH mode.
SHIM="$LOCAL/render-gopath/src/github.com/Masterminds"
mkdir -p "$SHIM/sprig" "$SHIM/semver" "$LOCAL/bin"
ln -sfn "$GOCODE/github.com/Masterminds/sprig" "$SHIM/sprig/v3"
ln -sfn "$GOCODE/github.com/Masterminds/semver" "$SHIM/semver/v3"
export GO111MODULE=off GOFLAGS= GOPATH="$LOCAL/render-gopath:/usr/share/gocode"

# Rebuilt (and its tests run) when its sources change.
sources_sum="$(cat k8s/render/*.go | sha256sum | cut -d' ' -f1)"
if [ ! -x "$RENDER" ] || [ "$(cat "$RENDER.sum" 2>/dev/null)" != "$sources_sum" ]; then
    log "building k8s/render (go $(go env GOVERSION))"
    (cd k8s/render && go vet . && go test -count=1 . >&2 && go build -o "$RENDER" .)
    echo "$sources_sum" >"$RENDER.sum"
fi

# --- kubernetes-validate, helm-python-sdk ----------------------------------------------------
PINS=("kubernetes-validate==$KV_VERSION")
[ "$HELM_SDK" = 0 ] || PINS+=("helm-python-sdk==$HELM_SDK_VERSION")
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]; then
    log "installing ${PINS[*]} into .local/venv-chart"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
    echo "${PINS[*]}" >"$VENV/.pins"
fi

# --- Render ----------------------------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT"
failed=0
# The same cases for the Helm cross-check: tab-separated, see k8s/render/helm_sdk_check.py.
CASES="$OUT/helm-cases.tsv"
: >"$CASES"
render() { # name, release, namespace, then values arguments (files, or set:k=v)
    local name="$1" release="$2" namespace="$3"
    shift 3
    local args=(--name "$release" --namespace "$namespace") arg
    for arg in "$@"; do
        case "$arg" in
        set:*) args+=(--set "${arg#set:}") ;;
        *) args+=(-f "$arg") ;;
        esac
    done
    (IFS=$'\t' && echo "render"$'\t'"$release"$'\t'"$namespace"$'\t'"$OUT/$name.yaml"$'\t'"$OUT/$name.notes"$'\t'"$*") >>"$CASES"
    set -- "${args[@]}"
    if ! "$RENDER" "$CHART" --kube-version "$KUBE_VERSION" --split-dir "$OUT/$name" --notes "$OUT/$name.notes" "$@" \
        >"$OUT/$name.yaml" 2>"$OUT/$name.err"; then
        log "$name: the chart does not render:"
        cat "$OUT/$name.err" >&2
        failed=1
        return
    fi
    log "$name: $(find "$OUT/$name" -name '*.yaml' | wc -l) objects"
}

# A key pair made for this check (as `faceattend keys generate` prints them); never a deployment's.
render defaults faceattend default \
    set:auth.publicKeys=chart-check:o9FUCiz73d-47XNMUZaEN2KFPTvcfCrpkaRTSvWOT5Q \
    set:auth.signingKey.value=chart-check:XCwRW7SkV8FCJJuC7qUkyP-JMQkIq_5-xMzaY0Tg4YY \
    set:database.url=postgres://faceattend@postgres:5432/faceattend \
    set:services.console.databaseUrl=postgres://console@postgres:5432/console
render defaults-hs256 faceattend default set:auth.hs256.enabled=true \
    set:jwt.secret=chart-check-0123456789abcdef0123456789 \
    set:database.url=postgres://faceattend@postgres:5432/faceattend \
    set:services.console.databaseUrl=postgres://console@postgres:5432/console
for values in "$EXAMPLES"/*.yaml; do
    name="$(basename "$values" .yaml)"
    # One example under a release name without "faceattend" (names get the chart's prefix).
    release=faceattend
    [ "$name" = all-services ] && release=site-a
    render "$name" "$release" faceattend "$values"
done

for values in "$EXAMPLES"/must-fail/*.yaml; do
    name="must-fail/$(basename "$values" .yaml)"
    want="$(sed -n '1s/^# must fail: //p' "$values")"
    [ -n "$want" ] || die "$values: the first line must be '# must fail: <expected message>'"
    if "$RENDER" "$CHART" -f "$values" >/dev/null 2>"$OUT/err"; then
        log "$name: rendered, but must fail with: $want"
        failed=1
    elif ! grep -qF -- "$want" "$OUT/err"; then
        log "$name: failed with another message than '$want':"
        cat "$OUT/err" >&2
        failed=1
    else
        log "$name: refused as expected"
    fi
    printf 'fail\t%s\t%s\n' "$want" "$values" >>"$CASES"
done
[ "$failed" = 0 ] || die "the chart does not render (above)"

# --- Validate --------------------------------------------------------------------------------
# Strict: fields the schema does not know are errors. A WARN (no schema for a kind) fails too:
# an object nothing checked is not validated.
report="$OUT/validation.txt"
set +e
"$VENV/bin/kubernetes-validate" --kubernetes-version "$KUBE_VERSION" --strict "$OUT"/*/*.yaml >"$report" 2>&1
status=$?
set -e
checked="$(grep -c '^INFO ' "$report" || true)"
if [ "$status" != 0 ] || grep -qE '^(ERROR|WARN)' "$report"; then
    grep -vE '^INFO ' "$report" | sed "s|$OUT/||g" >&2
    die "rendered objects do not validate against Kubernetes $KUBE_VERSION (above: values file/object file)"
fi
[ "$checked" -gt 0 ] || die "kubernetes-validate checked nothing"
log "$checked objects valid against the Kubernetes $KUBE_VERSION schemas (strict)"

# --- What the output must contain ------------------------------------------------------------
"$VENV/bin/python" k8s/render/rendered_check.py "$CASES" ||
    die "the rendered chart lacks what it must contain (above: case and object)"

# --- Helm itself ------------------------------------------------------------------------------
if [ "$HELM_SDK" = 0 ]; then
    log "Helm cross-check skipped (CHART_CHECK_HELM_SDK=0)"
else
    "$VENV/bin/python" k8s/render/helm_sdk_check.py "$CHART" "$KUBE_VERSION" "$CASES" ||
        die "Helm's own engine or linter disagrees (above)"
fi
log "ok"
