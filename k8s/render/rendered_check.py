"""What the rendered chart must contain, beyond being valid Kubernetes objects.

scripts/chart-check.sh runs it on every case it rendered (the CASES_FILE it also gives
helm_sdk_check.py). Schema validation cannot tell that an object is missing or points at the
wrong thing; this does, for the web console, the system's front door:

  - in every case: the console's Deployment, Service, ConfigMap and PodDisruptionBudget, built
    as the other services' are (same pod and container securityContext, resources, probes
    /healthz and /readyz, prometheus.io annotations, a PodDisruptionBudget when they have one);
    port 8000; its upstream URLs naming the Services of person-api, attendance-api and
    realtime-gateway rendered beside it; DATABASE_URL from a Secret (a secretKeyRef, or the
    Secret it takes its env from, which when the chart renders it must hold DATABASE_URL) and
    never database.url's; NOTES.txt telling how to reach it, create the first admin and make
    the token keys;
  - with its Ingress (EXPECT below says in which cases): every rule to the console's Service
    on port 8000, path /, no other service's Ingress taking /api/v1/persons or
    /api/v1/attendance on its hosts; with TLS, COOKIE_SECURE=true and
    PUBLIC_ORIGINS=https://<host> (unless the values set them); realtime-gateway's
    ALLOWED_ORIGINS holding the console's origins;
  - without it: no Ingress for the console, and none of the derived settings;
  - access tokens, in every Deployment, with what each variable resolves to (an explicit env
    entry, else the Secrets and ConfigMap it takes its env from; an existing Secret's keys are
    unknown, so must be masked by an empty entry): the console alone gets JWT_SIGNING_KEY, from
    the Secret TOKENS names (a secretKeyRef; the chart's own Secret holding a well-formed key
    when it renders one, read by no other pod); person-api, attendance-api and realtime-gateway
    get JWT_PUBLIC_KEYS (in their ConfigMap, the key ids TOKENS lists; the console too when
    set), the services without tokens none; no service gets JWT_SECRET or JWT_HS256 unless the
    case turns HS256 on, and then those that verify or issue tokens get both; the signing key's
    seed is in no ConfigMap;
  - integrations, where the case turns it on (INTEGRATIONS below) and nowhere else: Deployment,
    Service on 8080, ConfigMap with its consumer names and dispatcher workers, PodDisruptionBudget,
    probes, prometheus.io annotations and securityContext as person-api's, its own DATABASE_URL
    (never person-api's), JWT_PUBLIC_KEYS as a verifier, on the console's system page, and
    NOTES.txt telling how to reach it.

    python rendered_check.py CASES_FILE

Exit status 1 with one line per problem, naming the case.
"""

import base64
import os
import re
import sys

import yaml

# Per case (the rendered file's name): does the console have an Ingress, with TLS, and where
# does its DATABASE_URL come from ("secretKeyRef:<secret>" or "secret": the env Secret).
# Every case scripts/chart-check.sh renders must be listed, so a new one is thought about.
EXPECT = {
    "defaults": {"ingress": False, "database": "secret"},
    "defaults-hs256": {"ingress": False, "database": "secret"},
    "minimal": {"ingress": False, "database": "secret"},
    "production": {"ingress": True, "tls": True, "database": "secretKeyRef:faceattend-console-db"},
    "all-services": {"ingress": True, "tls": False, "database": "secret"},
    "hs256-migration": {"ingress": False, "database": "secretKeyRef:faceattend-console-db"},
}
# Per case, the access tokens: HS256 on or not, where the console's JWT_SIGNING_KEY comes from
# ("<secret>/<key>", "created:<secret>" for the chart's own Secret, None for none), and the key
# ids of JWT_PUBLIC_KEYS (empty: none).
TOKENS = {
    "defaults": {"hs256": False, "signing": "created:faceattend-jwt-signing-key", "kids": ["chart-check"]},
    "defaults-hs256": {"hs256": True, "signing": None, "kids": []},
    "minimal": {"hs256": False, "signing": "faceattend-jwt-signing-key/JWT_SIGNING_KEY", "kids": ["fa-20261207-5b1e9c"]},
    "production": {"hs256": False, "signing": "faceattend-jwt-signing-key/JWT_SIGNING_KEY", "kids": ["fa-20261207-a83f20"]},
    "all-services": {"hs256": False, "signing": "created:site-a-faceattend-jwt-signing-key", "kids": ["fa-20261207-e41b77"]},
    "hs256-migration": {"hs256": True, "signing": "faceattend-jwt-signing-key/JWT_SIGNING_KEY", "kids": ["fa-20260601-0c7d42"]},
}
# Per case, integrations: None (off), or where its DATABASE_URL comes from, as EXPECT's.
INTEGRATIONS = {
    "defaults": None,
    "defaults-hs256": None,
    "minimal": None,
    "production": "secretKeyRef:faceattend-integrations-db",
    "all-services": "secret",
    "hs256-migration": None,
}
VERIFIERS = ("person-api", "attendance-api", "realtime-gateway")
# Verifiers a case may leave off (checked as verifiers where they are rendered).
OPTIONAL_VERIFIERS = ("integrations",)
ISSUERS = ("console",)
KEY_ENTRY = re.compile(r"^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}$")
# What a variable resolves to when it comes from an existing Secret the chart cannot see.
UNKNOWN = object()
UPSTREAMS = {
    "PERSON_API_URL": "person-api",
    "ATTENDANCE_API_URL": "attendance-api",
    "REALTIME_GATEWAY_URL": "realtime-gateway",
}
CONSOLE_PATHS = ("/api/v1/persons", "/api/v1/attendance")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def component(obj):
    return (obj.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/component")


def check_case(name, rendered, notes_path, problems):
    def problem(message):
        problems.append(f"{name}: {message}")

    expect = EXPECT.get(name)
    if expect is None:
        problem(f"no expectations for this case: add it to EXPECT in {os.path.basename(__file__)}")
        return
    objs = load(rendered)
    by = {}
    for o in objs:
        by.setdefault((o["kind"], component(o)), []).append(o)

    def one(kind, comp, required=True):
        found = by.get((kind, comp), [])
        if len(found) > 1:
            problem(f"{len(found)} {kind} objects for {comp}")
        if not found:
            if required:
                problem(f"no {kind} for {comp}")
            return None
        return found[0]

    deployment = one("Deployment", "console")
    service = one("Service", "console")
    config = one("ConfigMap", "console")
    if not (deployment and service and config):
        return
    env = config.get("data") or {}
    reference = one("Deployment", "person-api")

    # Service and container port 8000.
    ports = service["spec"]["ports"]
    if [(p.get("port"), p.get("targetPort")) for p in ports] != [(8000, "http")]:
        problem(f"console Service ports {ports}, want port 8000 -> http")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    if [(p["name"], p["containerPort"]) for p in container.get("ports", [])] != [("http", 8000)]:
        problem(f"console container ports {container.get('ports')}, want http 8000")
    if env.get("BIND_ADDRESS") != "0.0.0.0:8000":
        problem(f"console BIND_ADDRESS {env.get('BIND_ADDRESS')!r}, want 0.0.0.0:8000")
    if not container.get("image", "").split("/")[-1].startswith("console:"):
        problem(f"console image {container.get('image')!r} is not .../console:<tag>")

    # Probes, metrics, security, resources: as the other services'.
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
        got = (container.get(probe) or {}).get("httpGet", {})
        if (got.get("path"), got.get("port")) != (path, "http"):
            problem(f"console {probe} {got}, want GET {path} on port http")
    annotations = pod["metadata"].get("annotations") or {}
    if (annotations.get("prometheus.io/scrape"), annotations.get("prometheus.io/port"), annotations.get("prometheus.io/path")) != ("true", "8000", "/metrics"):
        problem(f"console pod annotations {annotations}: no prometheus.io scrape of :8000/metrics")
    if reference:
        ref_pod = reference["spec"]["template"]["spec"]
        ref_container = ref_pod["containers"][0]
        for field in ("securityContext", "resources"):
            if container.get(field) != ref_container.get(field):
                problem(f"console container {field} differs from person-api's: {container.get(field)}")
        if pod["spec"].get("securityContext") != ref_pod.get("securityContext"):
            problem("console pod securityContext differs from person-api's")
        for kind in ("PodDisruptionBudget",):
            if one(kind, "person-api", required=False) and not one(kind, "console", required=False):
                problem(f"person-api has a {kind}, the console none")

    # Upstreams: the Services rendered beside it.
    for var, comp in UPSTREAMS.items():
        svc = one("Service", comp, required=False)
        want = f"http://{svc['metadata']['name']}:{svc['spec']['ports'][0]['port']}" if svc else None
        if env.get(var) != want:
            problem(f"console {var}={env.get(var)!r}, want {want!r} (the {comp} Service)")

    # The system page: the Service of every other enabled service without an upstream of its own.
    want_health = []
    for comp in ("face-embedder", "attendance-worker", "camera-agent", "integrations"):
        svc = one("Service", comp, required=False)
        if svc:
            want_health.append(f"{comp}=http://{svc['metadata']['name']}:{svc['spec']['ports'][0]['port']}")
    if sorted((env.get("SYSTEM_HEALTH_URLS") or "").split(",")) != sorted(want_health or [""]):
        problem(f"console SYSTEM_HEALTH_URLS={env.get('SYSTEM_HEALTH_URLS')!r}, want {','.join(want_health)!r}")

    # Secrets: DATABASE_URL (its own). The tokens' keys: check_tokens.
    secret_refs = [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e]
    explicit = {e["name"]: e for e in container.get("env") or []}
    secrets = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Secret"}
    if len(secret_refs) > 1 or (not secret_refs and expect["database"] == "secret"):
        problem(f"console envFrom secretRefs {secret_refs}, want one" + (" (DATABASE_URL)" if expect["database"] == "secret" else " at most"))
        return
    env_secret = secret_refs[0] if secret_refs else None
    ref_refs = [e["secretRef"]["name"] for e in reference["spec"]["template"]["spec"]["containers"][0].get("envFrom", []) if "secretRef" in e] if reference else []
    if env_secret is None:
        pass
    elif env_secret in secrets:
        data = {k: base64.b64decode(v).decode() for k, v in (secrets[env_secret].get("data") or {}).items()}
        ref_data = {}
        for r in ref_refs:
            if r in secrets:
                ref_data = {k: base64.b64decode(v).decode() for k, v in (secrets[r].get("data") or {}).items()}
        if ref_data.get("JWT_SECRET") and ref_data["JWT_SECRET"] != data.get("JWT_SECRET"):
            problem("console JWT_SECRET is not the other services'")
        if expect["database"] == "secret":
            if not data.get("DATABASE_URL"):
                problem(f"console Secret {env_secret} has no DATABASE_URL")
            elif data["DATABASE_URL"] == ref_data.get("DATABASE_URL"):
                problem("console DATABASE_URL is person-api's database")
    elif env_secret not in ref_refs:
        problem(f"console takes its env from Secret {env_secret}, which the chart does not render and person-api does not use")
    if expect["database"].startswith("secretKeyRef:"):
        ref = ((explicit.get("DATABASE_URL") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        if ref.get("name") != expect["database"].split(":", 1)[1] or not ref.get("key"):
            problem(f"console DATABASE_URL env {explicit.get('DATABASE_URL')}, want a secretKeyRef to {expect['database']}")
    elif "DATABASE_URL" in explicit:
        problem("console DATABASE_URL as an explicit env entry, want it from its Secret")
    if "DATABASE_URL" in env:
        problem("console DATABASE_URL in its ConfigMap")

    # The front door.
    ingress = one("Ingress", "console", required=expect["ingress"])
    gateway_env = ((one("ConfigMap", "realtime-gateway", required=False) or {}).get("data")) or {}
    if not expect["ingress"]:
        if ingress:
            problem("a console Ingress, none expected")
        for var in ("PUBLIC_ORIGINS", "COOKIE_SECURE", "TRUST_PROXY_HEADERS"):
            if var in env:
                problem(f"console {var}={env[var]!r} without an ingress")
    elif ingress:
        hosts = [r.get("host") for r in ingress["spec"]["rules"]]
        for rule in ingress["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                if (backend["name"], backend["port"].get("number")) != (service["metadata"]["name"], 8000):
                    problem(f"console Ingress path {p['path']} goes to {backend}, not the console Service:8000")
            if "/" not in [p["path"] for p in rule["http"]["paths"]]:
                problem(f"console Ingress host {rule.get('host')} does not send / to the console")
        for other in objs:
            if other["kind"] != "Ingress" or other is ingress:
                continue
            for rule in other["spec"]["rules"]:
                if rule.get("host") not in hosts:
                    continue
                for p in rule["http"]["paths"]:
                    path = p["path"]
                    if any(path.startswith(c) or c.startswith(path) for c in CONSOLE_PATHS):
                        problem(f"Ingress {other['metadata']['name']} takes {path} on the console's host {rule.get('host')}")
        tls = ingress["spec"].get("tls") or []
        if expect["tls"] and not tls:
            problem("console Ingress without TLS")
        if env.get("TRUST_PROXY_HEADERS") != "true":
            problem(f"console TRUST_PROXY_HEADERS={env.get('TRUST_PROXY_HEADERS')!r} behind its ingress")
        origins = [o for o in env.get("PUBLIC_ORIGINS", "").split(",") if o]
        if tls or expect["tls"]:
            if env.get("COOKIE_SECURE") != "true":
                problem(f"console COOKIE_SECURE={env.get('COOKIE_SECURE')!r} behind TLS, want true")
            want = [f"https://{h}" for h in hosts if h]
            if origins != want:
                problem(f"console PUBLIC_ORIGINS={env.get('PUBLIC_ORIGINS')!r}, want {','.join(want)!r}")
        allowed = gateway_env.get("ALLOWED_ORIGINS", "").split(",")
        for origin in origins or [f"http://{h}" for h in hosts if h]:
            if gateway_env and "*" not in allowed and origin not in allowed:
                problem(f"realtime-gateway ALLOWED_ORIGINS={gateway_env.get('ALLOWED_ORIGINS')!r} lacks the console's {origin}")

    # NOTES.txt: how to reach it, the first admin, the token keys.
    with open(notes_path, encoding="utf-8") as f:
        notes = f.read()
    name_ = deployment["metadata"]["name"]
    for want in (f"deploy/{name_} -- faceattend operator create", "--role admin",
                 "--entrypoint faceattend", "keys generate", "/.well-known/jwks.json"):
        if want not in notes:
            problem(f"NOTES.txt does not say {want!r}")
    if not expect["ingress"] and f"port-forward svc/{service['metadata']['name']} 8000:8000" not in notes:
        problem("NOTES.txt does not tell how to port-forward to the console")
    tokens = TOKENS.get(name) or {}
    if (tokens.get("kids") or tokens.get("signing")) and not all(w in notes for w in ("Rotate", "rollout", "drop the old public key")):
        problem("NOTES.txt does not tell how to rotate the token keys")

    check_tokens(name, objs, problem)
    check_integrations(name, objs, notes, reference, problem)


def check_integrations(name, objs, notes, reference, problem):
    """integrations rendered where the case turns it on, as the other services are, with a
    database of its own."""
    if name not in INTEGRATIONS:
        problem(f"no integrations expectation for this case: add it to INTEGRATIONS in {os.path.basename(__file__)}")
        return
    want_db = INTEGRATIONS[name]
    mine = [o for o in objs if component(o) == "integrations"]
    if want_db is None:
        if mine:
            problem(f"integrations is off, but {sorted(o['kind'] for o in mine)} rendered for it")
        return
    kinds = {}
    for o in mine:
        kinds.setdefault(o["kind"], []).append(o)
    for kind in ("Deployment", "Service", "ConfigMap", "PodDisruptionBudget"):
        if len(kinds.get(kind, [])) != 1:
            problem(f"{len(kinds.get(kind, []))} integrations {kind} objects, want one")
    if any(len(kinds.get(k, [])) != 1 for k in ("Deployment", "Service", "ConfigMap")):
        return
    deployment, service, config = kinds["Deployment"][0], kinds["Service"][0], kinds["ConfigMap"][0]
    env = config.get("data") or {}
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]

    ports = service["spec"]["ports"]
    if [(p.get("port"), p.get("targetPort")) for p in ports] != [(8080, "http")]:
        problem(f"integrations Service ports {ports}, want port 8080 -> http")
    if [(p["name"], p["containerPort"]) for p in container.get("ports", [])] != [("http", 8080)]:
        problem(f"integrations container ports {container.get('ports')}, want http 8080")
    if env.get("BIND_ADDRESS") != "0.0.0.0:8080":
        problem(f"integrations BIND_ADDRESS {env.get('BIND_ADDRESS')!r}, want 0.0.0.0:8080")
    if not container.get("image", "").split("/")[-1].startswith("integrations:"):
        problem(f"integrations image {container.get('image')!r} is not .../integrations:<tag>")
    for var in ("NATS_URL", "ATTENDANCE_CONSUMER", "PERSONS_CONSUMER", "DISPATCHER_WORKERS"):
        if not env.get(var):
            problem(f"integrations ConfigMap has no {var}")
    if env.get("ATTENDANCE_CONSUMER") and env.get("ATTENDANCE_CONSUMER") == env.get("PERSONS_CONSUMER"):
        problem("integrations ATTENDANCE_CONSUMER and PERSONS_CONSUMER are one name")

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
        got = (container.get(probe) or {}).get("httpGet", {})
        if (got.get("path"), got.get("port")) != (path, "http"):
            problem(f"integrations {probe} {got}, want GET {path} on port http")
    annotations = pod["metadata"].get("annotations") or {}
    if (annotations.get("prometheus.io/scrape"), annotations.get("prometheus.io/port"), annotations.get("prometheus.io/path")) != ("true", "8080", "/metrics"):
        problem(f"integrations pod annotations {annotations}: no prometheus.io scrape of :8080/metrics")
    if not (container.get("resources") or {}).get("limits"):
        problem("integrations container has no resource limits")
    if reference:
        ref_pod = reference["spec"]["template"]["spec"]
        if container.get("securityContext") != ref_pod["containers"][0].get("securityContext"):
            problem(f"integrations container securityContext differs from person-api's: {container.get('securityContext')}")
        if pod["spec"].get("securityContext") != ref_pod.get("securityContext"):
            problem("integrations pod securityContext differs from person-api's")

    # Its own database: never in its ConfigMap, never person-api's.
    if "DATABASE_URL" in env:
        problem("integrations DATABASE_URL in its ConfigMap")
    configmaps = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ConfigMap"}
    secrets = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Secret"}
    get, _ = resolved_env(container, configmaps, secrets)
    database = get("DATABASE_URL")
    if want_db.startswith("secretKeyRef:"):
        secret = want_db.split(":", 1)[1]
        if not (isinstance(database, tuple) and database[1] == secret and database[2]):
            problem(f"integrations DATABASE_URL {database!r}, want a secretKeyRef to {secret}")
    elif not isinstance(database, str) or not database:
        problem(f"integrations DATABASE_URL {database!r}, want one from its chart-managed Secret")
    if reference:
        ref_get, _ = resolved_env(reference["spec"]["template"]["spec"]["containers"][0], configmaps, secrets)
        ref_db = ref_get("DATABASE_URL")
        if database is not None and database is not UNKNOWN and database == ref_db:
            problem("integrations DATABASE_URL is person-api's database")

    if f"port-forward svc/{service['metadata']['name']} " not in notes:
        problem("NOTES.txt does not tell how to reach integrations")


def secret_data(obj):
    return {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}


def resolved_env(container, configmaps, secrets):
    """Each variable of a container as the kubelet gives it: explicit entries win over envFrom,
    a later envFrom source over an earlier one. A value, ("secretKeyRef", name, key), "" for an
    empty entry, or, for a variable the chart does not set, UNKNOWN when an existing Secret
    (which the chart cannot see) may hold it, else None."""
    env = {}
    unknown_from = []
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            for k, v in (configmaps.get(source["configMapRef"]["name"], {}).get("data") or {}).items():
                env[k] = v
        elif "secretRef" in source:
            name = source["secretRef"]["name"]
            if name in secrets:
                env.update(secret_data(secrets[name]))
            else:
                unknown_from.append(name)
    for entry in container.get("env") or []:
        if "valueFrom" in entry:
            ref = entry["valueFrom"].get("secretKeyRef") or {}
            env[entry["name"]] = ("secretKeyRef", ref.get("name"), ref.get("key"))
        else:
            env[entry["name"]] = entry.get("value", "")

    def get(var):
        if var not in env and unknown_from:
            return UNKNOWN
        return env.get(var)

    return get, unknown_from


def check_tokens(name, objs, problem):
    want = TOKENS.get(name)
    if want is None:
        problem(f"no token expectations for this case: add it to TOKENS in {os.path.basename(__file__)}")
        return
    configmaps = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ConfigMap"}
    secrets = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Secret"}
    signing = want["signing"]
    created = signing.split(":", 1)[1] if signing and signing.startswith("created:") else None
    want_ref = (created, "JWT_SIGNING_KEY") if created else (tuple(signing.split("/", 1)) if signing else None)

    # The chart's own signing key Secret: there exactly when expected, well-formed.
    signing_secrets = [o for o in secrets.values() if "JWT_SIGNING_KEY" in (o.get("data") or {})]
    seed = None
    if created:
        if [o["metadata"]["name"] for o in signing_secrets] != [created]:
            problem(f"Secrets holding JWT_SIGNING_KEY: {[o['metadata']['name'] for o in signing_secrets]}, want [{created!r}]")
        else:
            value = secret_data(signing_secrets[0])["JWT_SIGNING_KEY"]
            if not KEY_ENTRY.match(value):
                problem(f"Secret {created}: JWT_SIGNING_KEY is not <kid>:<base64url seed>")
            else:
                seed = value.split(":", 1)[1]
                if value.split(":", 1)[0] not in want["kids"]:
                    problem(f"Secret {created}: the signing key's kid is not among the public keys {want['kids']}")
    elif signing_secrets:
        problem(f"Secrets holding JWT_SIGNING_KEY {[o['metadata']['name'] for o in signing_secrets]}, none expected")
    if seed:
        for cm in configmaps.values():
            if any(seed in str(v) for v in (cm.get("data") or {}).values()):
                problem(f"ConfigMap {cm['metadata']['name']} holds the signing key's seed")

    seen = set()
    for deployment in (o for o in objs if o["kind"] == "Deployment"):
        comp = component(deployment)
        seen.add(comp)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        get, unknown_from = resolved_env(container, configmaps, secrets)
        role = "issue" if comp in ISSUERS else "verify" if comp in VERIFIERS + OPTIONAL_VERIFIERS else "none"

        def value_of(var):
            v = get(var)
            return None if v == "" else v

        # JWT_SIGNING_KEY: the issuers' alone, from its Secret.
        key = value_of("JWT_SIGNING_KEY")
        if role == "issue" and want_ref:
            if key != ("secretKeyRef",) + want_ref:
                problem(f"{comp} JWT_SIGNING_KEY {'from ' + ', '.join(unknown_from) + ' (unknown)' if key is UNKNOWN else key!r}, want a secretKeyRef to {'/'.join(want_ref)}")
        elif key is not None:
            what = f"whatever Secret {', '.join(unknown_from)} holds (not masked)" if key is UNKNOWN else repr(key)
            problem(f"{comp} gets JWT_SIGNING_KEY: {what}")
        for source in container.get("envFrom") or []:
            if created and (source.get("secretRef") or {}).get("name") == created:
                problem(f"{comp} takes its env from the signing key's Secret {created}")

        # JWT_SECRET and JWT_HS256: only with HS256, only for who verifies or issues tokens.
        secret = value_of("JWT_SECRET")
        hs256 = value_of("JWT_HS256")
        if want["hs256"] and role != "none":
            if secret is None:
                problem(f"{comp}: HS256 is on, but it gets no JWT_SECRET")
            if hs256 != "true":
                problem(f"{comp}: HS256 is on, but JWT_HS256={'(not set by the chart)' if hs256 is UNKNOWN else repr(hs256)}, want 'true'")
        else:
            if secret is not None:
                what = f"whatever Secret {', '.join(unknown_from)} holds (not masked)" if secret is UNKNOWN else "from its Secret"
                problem(f"{comp} gets JWT_SECRET ({what}), and HS256 is {'on, but it reads no token' if want['hs256'] else 'off'}")
            if hs256 is not None and hs256 is not UNKNOWN:
                problem(f"{comp} gets JWT_HS256={hs256}")

        # JWT_PUBLIC_KEYS: in the ConfigMap of whoever verifies (or issues) tokens.
        cm = next((configmaps.get(s["configMapRef"]["name"]) for s in container.get("envFrom") or [] if "configMapRef" in s), None) or {}
        keys = (cm.get("data") or {}).get("JWT_PUBLIC_KEYS")
        explicit_keys = [e for e in container.get("env") or [] if e["name"] == "JWT_PUBLIC_KEYS"]
        if explicit_keys:
            problem(f"{comp} JWT_PUBLIC_KEYS as an explicit env entry, want it in its ConfigMap")
        if role != "none" and want["kids"]:
            entries = (keys or "").split(",")
            if not keys or not all(KEY_ENTRY.match(e) for e in entries):
                problem(f"{comp} JWT_PUBLIC_KEYS={keys!r}, want <kid>:<base64url key> entries")
            elif [e.split(":", 1)[0] for e in entries] != want["kids"]:
                problem(f"{comp} JWT_PUBLIC_KEYS has the key ids {[e.split(':', 1)[0] for e in entries]}, want {want['kids']}")
            elif seed and seed in keys:
                problem(f"{comp} JWT_PUBLIC_KEYS holds the signing key's seed")
        elif keys is not None:
            problem(f"{comp} gets JWT_PUBLIC_KEYS={keys!r}, " + ("it reads no token" if role == "none" else "none expected"))
        for var in ("JWT_ISSUER", "JWT_AUDIENCE"):
            if role != "none" and not (cm.get("data") or {}).get(var):
                problem(f"{comp} has no {var}")
    for comp in VERIFIERS + ISSUERS:
        if comp not in seen:
            problem(f"no Deployment for {comp}")


def main(cases_file):
    problems = []
    seen = set()
    with open(cases_file, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] != "render":
                continue
            _, _release, _namespace, rendered, notes, *_ = fields
            name = os.path.splitext(os.path.basename(rendered))[0]
            seen.add(name)
            check_case(name, rendered, notes, problems)
    for name in sorted(set(EXPECT) - seen):
        problems.append(f"{name}: expected in EXPECT, but not rendered")
    for name in sorted(set(TOKENS) - seen):
        problems.append(f"{name}: expected in TOKENS, but not rendered")
    for name in sorted(set(INTEGRATIONS) - seen):
        problems.append(f"{name}: expected in INTEGRATIONS, but not rendered")
    for p in problems:
        print(f"rendered-check: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"rendered-check: the console, its front door, integrations and the token keys as expected in {len(seen)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
