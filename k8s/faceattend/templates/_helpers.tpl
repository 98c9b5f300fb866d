{{/*
Chart-wide names and labels.
*/}}

{{- define "faceattend.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release fullname (truncated to 63 chars, the DNS label limit). If the release name already
contains the chart name it is used as is: `helm install faceattend ...` gives "faceattend".
*/}}
{{- define "faceattend.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "faceattend.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object of the release. Context: root. */}}
{{- define "faceattend.labels" -}}
helm.sh/chart: {{ include "faceattend.chart" . }}
app.kubernetes.io/name: {{ include "faceattend.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: faceattend
{{- end }}

{{- define "faceattend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "faceattend.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Effective values of one service: serviceDefaults deep-merged with services.<key> (maps merge,
lists and scalars replace). Fills the dict passed as "out" (maps are references, so the caller
gets the result without a toYaml/fromYaml round trip that would turn integers into floats).

Usage:
  {{- $svc := dict }}
  {{- include "faceattend.svc.merge" (dict "root" $ "key" $key "out" $svc) }}
*/}}
{{- define "faceattend.svc.merge" -}}
{{- $raw := index .root.Values.services .key | default dict }}
{{- $merged := mergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $raw) }}
{{- /* Re-apply the service's own non-map values on the first two levels: some Helm 3 releases'
       mergeOverwrite does not let false / 0 / "" / null override a default. */}}
{{- range $k, $v := $raw }}
{{- if kindIs "map" $v }}
{{- range $k2, $v2 := $v }}
{{- if not (kindIs "map" $v2) }}
{{- $_ := set (index $merged $k) $k2 $v2 }}
{{- end }}
{{- end }}
{{- else }}
{{- $_ := set $merged $k $v }}
{{- end }}
{{- end }}
{{- if not $merged.name }}
{{- $_ := set $merged "name" (kebabcase .key) }}
{{- end }}
{{- $_ := set $merged "key" .key }}
{{- range $k, $v := $merged }}
{{- $_ := set $.out $k $v }}
{{- end }}
{{- end }}

{{/*
Everything below takes the service context: (dict "root" $ "svc" $svc).
*/}}

{{- define "faceattend.svc.fullname" -}}
{{- printf "%s-%s" (include "faceattend.fullname" .root) .svc.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "faceattend.svc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "faceattend.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc.name }}
{{- end }}

{{- define "faceattend.svc.labels" -}}
{{ include "faceattend.labels" .root }}
app.kubernetes.io/component: {{ .svc.name }}
{{- end }}

{{- define "faceattend.svc.image" -}}
{{- $repo := .svc.image.repository | default (printf "%s/%s" (trimSuffix "/" .root.Values.image.registry) .svc.name) }}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repo (toString $tag) }}
{{- end }}

{{/* Name of the existing Secret this service uses, or "" when the chart renders one. */}}
{{- define "faceattend.svc.existingSecret" -}}
{{- .svc.existingSecret | default .root.Values.existingSecret }}
{{- end }}

{{/* Name of the Secret the pods read (existing or chart-managed), or "" when none is needed. */}}
{{- define "faceattend.svc.secretName" -}}
{{- $existing := include "faceattend.svc.existingSecret" . }}
{{- if $existing }}
{{- $existing }}
{{- else if or (include "faceattend.svc.databaseInSecret" .) (include "faceattend.svc.hs256" .) .svc.secretEnv (include "faceattend.svc.objectStoreKeys" .) }}
{{- include "faceattend.svc.fullname" . }}
{{- end }}
{{- end }}

{{/* "true" when DATABASE_URL comes from the service's Secret (existing or chart-managed), ""
     when the service has no database or takes it from databaseSecret. */}}
{{- define "faceattend.svc.databaseInSecret" -}}
{{- if and .svc.usesDatabase (not (.svc.databaseSecret | default dict).name) }}true{{ end }}
{{- end }}

{{/*
Refuses a service with ownDatabase (the console) that would end up with the other services'
database: the global existingSecret's DATABASE_URL, or database.url.
*/}}
{{- define "faceattend.svc.checkDatabase" -}}
{{- if and .svc.usesDatabase .svc.ownDatabase }}
{{- $ref := .svc.databaseSecret | default dict }}
{{- $what := printf "services.%s needs a database of its own (its migrations cannot share one with the other services)" .svc.key }}
{{- $how := printf "set services.%s.databaseSecret.name (an existing Secret with its DATABASE_URL), services.%s.databaseUrl, or services.%s.existingSecret" .svc.key .svc.key .svc.key }}
{{- if $ref.name }}
{{- if and (eq $ref.name (toString .root.Values.existingSecret)) (eq (toString ($ref.key | default "DATABASE_URL")) "DATABASE_URL") }}
{{- fail (printf "%s: services.%s.databaseSecret names the global existingSecret's DATABASE_URL, which is theirs; name a Secret (or a key) of its own" $what .svc.key) }}
{{- end }}
{{- else if not .svc.existingSecret }}
{{- if .root.Values.existingSecret }}
{{- fail (printf "%s: with the global existingSecret (its DATABASE_URL is theirs), set services.%s.databaseSecret.name (an existing Secret with its DATABASE_URL) or services.%s.existingSecret" $what .svc.key .svc.key) }}
{{- end }}
{{- if not .svc.databaseUrl }}
{{- fail (printf "%s: %s" $what $how) }}
{{- end }}
{{- if eq (toString .svc.databaseUrl) (toString .root.Values.database.url) }}
{{- fail (printf "%s: services.%s.databaseUrl is database.url" $what .svc.key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the service keeps objects and S3 keys are given (else "": IAM roles, files). */}}
{{- define "faceattend.svc.objectStoreKeys" -}}
{{- if and .svc.usesObjectStore .root.Values.objectStore.accessKeyId .root.Values.objectStore.secretAccessKey }}true{{ end }}
{{- end }}

{{/*
One env value as a string: integers stay integers (YAML numbers may arrive as float64, which
Go would print as 1.048576e+06), null becomes "", maps and lists become JSON (camera-agent's
CAMERAS is a list).
*/}}
{{- define "faceattend.envValue" -}}
{{- if kindIs "invalid" . }}
{{- else if or (kindIs "map" .) (kindIs "slice" .) }}
{{- toJson . }}
{{- else if kindIs "float64" . }}
{{- if eq . (float64 (int64 .)) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/*
The non-secret env of a service, as a dict filled into "out": computed values, then commonEnv,
then the service's env. Context: (dict "root" $ "svc" $svc "out" $dict).
*/}}
{{- define "faceattend.svc.env" -}}
{{- $v := .root.Values }}
{{- $env := dict
      "NATS_URL" $v.nats.url
      "BUS_NAMESPACE" $v.busNamespace
      "RUST_LOG" $v.logging.level
      "LOG_FORMAT" $v.logging.format
      "OTEL_EXPORTER_OTLP_ENDPOINT" $v.otel.endpoint
      "OTEL_SERVICE_NAME" .svc.name
      "BIND_ADDRESS" (printf "0.0.0.0:%s" (include "faceattend.envValue" .svc.port))
      "SHUTDOWN_TIMEOUT_SECS" .svc.shutdownTimeoutSeconds }}
{{- /* Access tokens: the public keys (not secret) for whoever verifies or issues them; the
       signing key and JWT_SECRET come from Secrets (faceattend.svc.authEnv, the Secret). */}}
{{- if ne (include "faceattend.svc.tokens" .) "none" }}
{{- $_ := set $env "JWT_ISSUER" $v.jwt.issuer }}
{{- $_ := set $env "JWT_AUDIENCE" $v.jwt.audience }}
{{- $_ := set $env "JWT_PUBLIC_KEYS" (include "faceattend.auth.publicKeys" .root) }}
{{- if include "faceattend.svc.hs256" . }}
{{- $_ := set $env "JWT_HS256" "true" }}
{{- end }}
{{- end }}
{{- if .svc.usesObjectStore }}
{{- $o := $v.objectStore }}
{{- $_ := set $env "OBJECT_STORE_URL" $o.url }}
{{- $_ := set $env "AWS_ENDPOINT" $o.endpoint }}
{{- $_ := set $env "AWS_REGION" $o.region }}
{{- $_ := set $env "AWS_ALLOW_HTTP" (ternary "true" "" (eq (toString $o.allowHttp) "true")) }}
{{- end }}
{{- /* upstreams: the in-cluster URLs of the other services it calls. */}}
{{- range $var, $key := .svc.upstreams }}
{{- if not (hasKey $v.services $key) }}
{{- fail (printf "services.%s.upstreams.%s: there is no services.%s" $.svc.key $var $key) }}
{{- end }}
{{- $up := dict }}
{{- include "faceattend.svc.merge" (dict "root" $.root "key" $key "out" $up) }}
{{- if $up.enabled }}
{{- $_ := set $env $var (printf "http://%s:%s" (include "faceattend.svc.fullname" (dict "root" $.root "svc" $up)) (include "faceattend.envValue" $up.service.port)) }}
{{- else if not (include "faceattend.envValue" (index ($.svc.env | default dict) $var)) }}
{{- fail (printf "services.%s.upstreams.%s: services.%s is disabled; enable it, or set services.%s.env.%s to where it runs" $.svc.key $var $key $.svc.key $var) }}
{{- end }}
{{- end }}
{{- /* systemHealth (the console's SYSTEM_HEALTH_URLS): name=URL of the Service of each enabled
       service listed, whose /readyz the system page shows. */}}
{{- with .svc.systemHealth }}
{{- $targets := list }}
{{- range $key := . }}
{{- if not (hasKey $v.services $key) }}
{{- fail (printf "services.%s.systemHealth: there is no services.%s" $.svc.key $key) }}
{{- end }}
{{- $s := dict }}
{{- include "faceattend.svc.merge" (dict "root" $.root "key" $key "out" $s) }}
{{- if $s.enabled }}
{{- $targets = append $targets (printf "%s=http://%s:%s" $s.name (include "faceattend.svc.fullname" (dict "root" $.root "svc" $s)) (include "faceattend.envValue" $s.service.port)) }}
{{- end }}
{{- end }}
{{- $_ := set $env "SYSTEM_HEALTH_URLS" (join "," $targets) }}
{{- end }}
{{- range $k, $val := $v.commonEnv }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- range $k, $val := .svc.env }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- /* The console behind its ingress: what it derives from it, where its env leaves it empty. */}}
{{- if eq .svc.key "console" }}
{{- $derived := dict }}
{{- if .svc.ingress.enabled }}
{{- $_ := set $derived "TRUST_PROXY_HEADERS" "true" }}
{{- if .svc.ingress.tls }}
{{- $_ := set $derived "COOKIE_SECURE" "true" }}
{{- $_ := set $derived "PUBLIC_ORIGINS" (include "faceattend.console.ingressOrigins" .root) }}
{{- end }}
{{- end }}
{{- range $k, $val := $derived }}
{{- if not (include "faceattend.envValue" (index $env $k)) }}
{{- $_ := set $env $k $val }}
{{- end }}
{{- end }}
{{- end }}
{{- /* consoleOriginsEnv (realtime-gateway's ALLOWED_ORIGINS): plus the console's origins. */}}
{{- with .svc.consoleOriginsEnv }}
{{- $add := include "faceattend.console.publicOrigins" $.root }}
{{- $current := include "faceattend.envValue" (index $env .) }}
{{- if and $add (ne (trim $current) "*") }}
{{- $origins := list }}
{{- range (splitList "," (printf "%s,%s" $current $add)) }}
{{- $o := trim . | trimSuffix "/" }}
{{- if and $o (not (has $o $origins)) }}
{{- $origins = append $origins $o }}
{{- end }}
{{- end }}
{{- $_ := set $env . (join "," $origins) }}
{{- end }}
{{- end }}
{{- range $k, $val := $env }}
{{- $s := include "faceattend.envValue" $val }}
{{- if ne $s "" }}
{{- $_ := set $.out $k $s }}
{{- end }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds: explicit value (checked) or preStop + shutdown + 10. */}}
{{- define "faceattend.svc.terminationGracePeriod" -}}
{{- $min := add (int64 .svc.preStopSleepSeconds) (int64 .svc.shutdownTimeoutSeconds) }}
{{- if kindIs "invalid" .svc.terminationGracePeriodSeconds }}
{{- add $min 10 }}
{{- else }}
{{- $explicit := int64 .svc.terminationGracePeriodSeconds }}
{{- if le $explicit $min }}
{{- fail (printf "services.%s.terminationGracePeriodSeconds (%d) must be greater than preStopSleepSeconds + shutdownTimeoutSeconds (%d)" .svc.key $explicit $min) }}
{{- end }}
{{- $explicit }}
{{- end }}
{{- end }}

{{/*
The web console (services.console) as the front door. Its merged values are filled into "out",
left empty when there is no services.console. Context: (dict "root" $ "out" $dict).
*/}}
{{- define "faceattend.console.values" -}}
{{- if hasKey .root.Values.services "console" }}
{{- include "faceattend.svc.merge" (dict "root" .root "key" "console" "out" .out) }}
{{- end }}
{{- end }}

{{/* The console's ingress hosts as origins, comma-separated: https://<host> for a host its TLS
     covers (an entry naming it, or naming no host), else http://<host>; "" when the console or
     its ingress is off. Context: root. */}}
{{- define "faceattend.console.ingressOrigins" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" . "out" $c) }}
{{- $origins := list }}
{{- if and $c.enabled $c.ingress.enabled }}
{{- range $c.ingress.hosts }}
{{- $host := toString (.host | default "") }}
{{- if $host }}
{{- $tls := false }}
{{- range $c.ingress.tls }}
{{- if or (not .hosts) (has $host .hosts) }}
{{- $tls = true }}
{{- end }}
{{- end }}
{{- $origin := printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- if not (has $origin $origins) }}
{{- $origins = append $origins $origin }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- join "," $origins }}
{{- end }}

{{/* The console's public origins when its ingress is on: its PUBLIC_ORIGINS if set, else its
     ingress hosts as origins; "" otherwise. Context: root. */}}
{{- define "faceattend.console.publicOrigins" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" . "out" $c) }}
{{- if and $c.enabled $c.ingress.enabled }}
{{- include "faceattend.envValue" (index ($c.env | default dict) "PUBLIC_ORIGINS") | default (include "faceattend.console.ingressOrigins" .) }}
{{- end }}
{{- end }}

{{/*
Refuses another service's ingress that would take requests from the console on one of the
console's hosts: a path that is /, or overlaps /api/v1/persons or /api/v1/attendance (the
console forwards those, the live feed's WebSocket /api/v1/attendance/ws/* included, for
signed-in operators, with a token of theirs). Context: the service context of the other service.
*/}}
{{- define "faceattend.console.checkIngress" -}}
{{- $c := dict }}
{{- include "faceattend.console.values" (dict "root" .root "out" $c) }}
{{- if and (ne .svc.key "console") $c.enabled $c.ingress.enabled }}
{{- $consoleHosts := list }}
{{- range $c.ingress.hosts }}
{{- $consoleHosts = append $consoleHosts (toString (.host | default "")) }}
{{- end }}
{{- $key := .svc.key }}
{{- range .svc.ingress.hosts }}
{{- $host := toString (.host | default "") }}
{{- if has $host $consoleHosts }}
{{- range (.paths | default (list (dict "path" "/"))) }}
{{- $p := toString .path }}
{{- $conflict := false }}
{{- range (list "/api/v1/persons" "/api/v1/attendance") }}
{{- if or (hasPrefix $p .) (hasPrefix . $p) }}
{{- $conflict = true }}
{{- end }}
{{- end }}
{{- if $conflict }}
{{- fail (printf "services.%s.ingress: path %s on host %q would take requests meant for the console, whose ingress (services.console.ingress) serves that host and forwards /api/v1/persons* and /api/v1/attendance* (its WebSocket too) for signed-in operators: give services.%s.ingress another host (e.g. api.<domain>) or disable it" $key $p $host $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Access tokens (auth). Tokens are EdDSA (Ed25519) JWTs with a key id: the issuers (tokens:
issue, the console) sign them with JWT_SIGNING_KEY, every service that checks them (tokens:
verify) holds the public keys only (JWT_PUBLIC_KEYS). HS256 with a shared JWT_SECRET only with
auth.hs256.enabled.
*/}}

{{/* "true" when auth.hs256 is on. Context: root. */}}
{{- define "faceattend.auth.hs256" -}}
{{- $a := .Values.auth | default dict }}
{{- if eq (toString (($a.hs256 | default dict).enabled)) "true" }}true{{ end }}
{{- end }}

{{/* auth.publicKeys as JWT_PUBLIC_KEYS: a list's entries joined with commas, a string (key
     entries or a JWKS document) trimmed; "" when unset. Context: root. */}}
{{- define "faceattend.auth.publicKeys" -}}
{{- $keys := (.Values.auth | default dict).publicKeys }}
{{- if kindIs "slice" $keys }}
{{- $entries := list }}
{{- range $keys }}
{{- $entry := trim (toString (. | default "")) }}
{{- if $entry }}
{{- $entries = append $entries $entry }}
{{- end }}
{{- end }}
{{- join "," $entries }}
{{- else if $keys }}
{{- trim (toString $keys) }}
{{- end }}
{{- end }}

{{/*
Where the issuers read JWT_SIGNING_KEY, filled into "out": name and key of the Secret, plus
value and created=true when the chart renders that Secret from auth.signingKey.value; left empty
without a signing key. Context: (dict "root" $ "out" $dict).
*/}}
{{- define "faceattend.auth.signingKey" -}}
{{- $sk := (.root.Values.auth | default dict).signingKey | default dict }}
{{- $ref := $sk.existingSecret | default dict }}
{{- if kindIs "string" $ref }}
{{- $ref = dict "name" $ref }}
{{- end }}
{{- $value := trim (toString ($sk.value | default "")) }}
{{- if and $ref.name $value }}
{{- fail "auth.signingKey: set existingSecret.name or value, not both" }}
{{- end }}
{{- if $ref.name }}
{{- $_ := set .out "name" (toString $ref.name) }}
{{- $_ := set .out "key" (toString ($ref.key | default "JWT_SIGNING_KEY")) }}
{{- else if $value }}
{{- $_ := set .out "name" (printf "%s-jwt-signing-key" (include "faceattend.fullname" .root) | trunc 63 | trimSuffix "-") }}
{{- $_ := set .out "key" "JWT_SIGNING_KEY" }}
{{- $_ := set .out "value" $value }}
{{- $_ := set .out "created" true }}
{{- end }}
{{- end }}

{{/* A service's part in access tokens: verify, issue or none (services.<key>.tokens). Context:
     the service context. */}}
{{- define "faceattend.svc.tokens" -}}
{{- $t := toString (.svc.tokens | default "none") }}
{{- if not (has $t (list "verify" "issue" "none")) }}
{{- fail (printf "services.%s.tokens is %q: verify (it checks tokens: JWT_PUBLIC_KEYS), issue (it mints them: JWT_SIGNING_KEY) or none" .svc.key $t) }}
{{- end }}
{{- $t }}
{{- end }}

{{/* The enabled services that verify and that issue tokens, filled into "out" as lists of
     names under "verify" and "issue", and under "image" the image of the first issuer (else of
     the first verifier, else person-api's): every image carries the faceattend CLI. Context:
     (dict "root" $ "out" $dict). */}}
{{- define "faceattend.auth.roles" -}}
{{- $verify := list }}
{{- $issue := list }}
{{- $images := dict }}
{{- range $key := keys .root.Values.services | sortAlpha }}
{{- $svc := dict }}
{{- include "faceattend.svc.merge" (dict "root" $.root "key" $key "out" $svc) }}
{{- if $svc.enabled }}
{{- $t := include "faceattend.svc.tokens" (dict "root" $.root "svc" $svc) }}
{{- if eq $t "verify" }}
{{- $verify = append $verify $svc.name }}
{{- else if eq $t "issue" }}
{{- $issue = append $issue $svc.name }}
{{- end }}
{{- if not (hasKey $images $t) }}
{{- $_ := set $images $t (include "faceattend.svc.image" (dict "root" $.root "svc" $svc)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $_ := set .out "verify" $verify }}
{{- $_ := set .out "issue" $issue }}
{{- $fallback := printf "%s/person-api:%s" (trimSuffix "/" .root.Values.image.registry) (toString (.root.Values.image.tag | default .root.Chart.AppVersion)) }}
{{- $_ := set .out "image" ($images.issue | default $images.verify | default $fallback) }}
{{- end }}

{{/* "true" when the service gets JWT_SECRET (and JWT_HS256=true): auth.hs256 on and the service
     verifies or issues tokens. */}}
{{- define "faceattend.svc.hs256" -}}
{{- if and (include "faceattend.auth.hs256" .root) (ne (include "faceattend.svc.tokens" .) "none") }}true{{ end }}
{{- end }}

{{/*
The chart's guards on access tokens, run once before any object (templates/services.yaml).
Context: root.
*/}}
{{- define "faceattend.auth.check" -}}
{{- $hs256 := include "faceattend.auth.hs256" . }}
{{- $keys := include "faceattend.auth.publicKeys" . }}
{{- $signing := dict }}
{{- include "faceattend.auth.signingKey" (dict "root" . "out" $signing) }}
{{- $entry := "^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}=?$" }}
{{- $owned := list "JWT_SECRET" "JWT_SIGNING_KEY" "JWT_PUBLIC_KEYS" "JWT_HS256" }}
{{- $how := "auth.publicKeys, auth.signingKey, auth.hs256.enabled with jwt.secret" }}
{{- if hasKey (.Values.serviceDefaults | default dict) "usesJwtSecret" }}
{{- fail "serviceDefaults.usesJwtSecret is gone (tokens are verified with public keys now): set serviceDefaults.tokens to verify, issue or none" }}
{{- end }}
{{- range $var := $owned }}
{{- if hasKey ($.Values.commonEnv | default dict) $var }}
{{- fail (printf "commonEnv sets %s: the chart sets it from auth (%s), for the services that need it only; remove it there" $var $how) }}
{{- end }}
{{- end }}
{{- range $key := keys .Values.services | sortAlpha }}
{{- $raw := index $.Values.services $key | default dict }}
{{- if hasKey $raw "usesJwtSecret" }}
{{- fail (printf "services.%s.usesJwtSecret is gone (tokens are verified with public keys now): set services.%s.tokens to verify (it checks tokens: JWT_PUBLIC_KEYS), issue (it mints them: JWT_SIGNING_KEY) or none" $key $key) }}
{{- end }}
{{- $svc := dict }}
{{- include "faceattend.svc.merge" (dict "root" $ "key" $key "out" $svc) }}
{{- if $svc.enabled }}
{{- range $var := $owned }}
{{- if or (hasKey ($svc.env | default dict) $var) (hasKey ($svc.secretEnv | default dict) $var) }}
{{- fail (printf "services.%s sets %s in env or secretEnv: the chart sets it from auth (%s), for the services that need it only; remove it there" $key $var $how) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- /* HS256 only when asked for: a service given JWT_SECRET without JWT_HS256=true stops. */}}
{{- $secret := toString (.Values.jwt.secret | default "") }}
{{- if and $secret (not $hs256) }}
{{- fail "jwt.secret is set, but HS256 tokens are off (auth.hs256.enabled=false): the services verify Ed25519 tokens with auth.publicKeys and the console signs them with auth.signingKey (faceattend keys generate; k8s/README.md, Access tokens). Remove jwt.secret, or set auth.hs256.enabled=true to keep HS256 for a while" }}
{{- end }}
{{- if and $hs256 $secret (lt (len $secret) 32) }}
{{- fail "jwt.secret must be at least 32 bytes long" }}
{{- end }}
{{- /* auth.publicKeys: well-formed, each key id once. */}}
{{- $kids := list }}
{{- if hasPrefix "{" $keys }}
{{- $jwks := fromJson $keys }}
{{- if or (hasKey $jwks "Error") (not (kindIs "slice" $jwks.keys)) }}
{{- fail "auth.publicKeys starts with { but is not a JWKS document ({\"keys\": [...]}, as the console serves at /.well-known/jwks.json)" }}
{{- end }}
{{- range $jwks.keys }}
{{- if not (and (kindIs "map" .) (eq (toString .kty) "OKP") (eq (toString .crv) "Ed25519") .kid .x) }}
{{- fail "auth.publicKeys: every key of the JWKS document must be an Ed25519 key (kty OKP, crv Ed25519) with kid and x" }}
{{- end }}
{{- $kids = append $kids (toString .kid) }}
{{- end }}
{{- else if $keys }}
{{- range $i, $e := splitList "," $keys }}
{{- $e = trim $e }}
{{- if $e }}
{{- if not (regexMatch $entry $e) }}
{{- fail (printf "auth.publicKeys: entry %d (key id %q) must be <key id>:<base64url of a 32-byte Ed25519 public key>, as the JWT_PUBLIC_KEYS line of `faceattend keys generate` prints it" (add1 $i) (index (splitList ":" $e) 0)) }}
{{- end }}
{{- $kids = append $kids (index (splitList ":" $e) 0) }}
{{- end }}
{{- end }}
{{- end }}
{{- range $i, $kid := $kids }}
{{- if has $kid (slice $kids 0 $i) }}
{{- fail (printf "auth.publicKeys: key id %q is listed twice" $kid) }}
{{- end }}
{{- end }}
{{- if and $keys (not $kids) }}
{{- fail "auth.publicKeys holds no key" }}
{{- end }}
{{- /* auth.signingKey.value: well-formed, its seed not among the public keys, its key id published. */}}
{{- with $signing.value }}
{{- if not (regexMatch $entry .) }}
{{- fail "auth.signingKey.value must be <key id>:<base64url of a 32-byte Ed25519 seed>, the JWT_SIGNING_KEY line of `faceattend keys generate` (value not shown)" }}
{{- end }}
{{- $kid := index (splitList ":" .) 0 }}
{{- if contains (index (splitList ":" .) 1) $keys }}
{{- fail "auth.publicKeys holds the private seed of auth.signingKey.value: it would be in every service's ConfigMap. Give auth.publicKeys the JWT_PUBLIC_KEYS line of `faceattend keys generate`, and make a new key pair: this one is no longer private" }}
{{- end }}
{{- if and $kids (not (has $kid $kids)) }}
{{- fail (printf "auth.signingKey.value's key id %q is not in auth.publicKeys (%s): the services could not verify the console's tokens; add the JWT_PUBLIC_KEYS line of the same `faceattend keys generate`" $kid (join ", " $kids)) }}
{{- end }}
{{- end }}
{{- /* Who needs what. */}}
{{- $roles := dict }}
{{- include "faceattend.auth.roles" (dict "root" . "out" $roles) }}
{{- $generate := printf "Generate a key pair with `docker run --rm --entrypoint faceattend %s keys generate`: its JWT_PUBLIC_KEYS line goes into auth.publicKeys, its JWT_SIGNING_KEY line into the Secret auth.signingKey.existingSecret names" $roles.image }}
{{- if and $roles.verify (not $keys) }}
{{- if not $hs256 }}
{{- fail (printf "auth.publicKeys is required: %s verify access tokens with it (JWT_PUBLIC_KEYS). %s; or set auth.hs256.enabled=true (with jwt.secret) to keep HS256 tokens" (join ", " $roles.verify) $generate) }}
{{- else if and $roles.issue $signing.name }}
{{- fail (printf "auth.publicKeys is required: %s signs tokens with auth.signingKey, and %s verify them with its public key (JWT_PUBLIC_KEYS), HS256 or not: add the JWT_PUBLIC_KEYS line of the same `faceattend keys generate`" (join ", " $roles.issue) (join ", " $roles.verify)) }}
{{- end }}
{{- end }}
{{- if and $roles.issue (not $signing.name) (not $hs256) }}
{{- fail (printf "auth.signingKey is required: %s issues access tokens (JWT_SIGNING_KEY). Set auth.signingKey.existingSecret.name to a Secret holding the JWT_SIGNING_KEY line of `faceattend keys generate` (recommended), or auth.signingKey.value (it then ends up in the release); or set auth.hs256.enabled=true to keep HS256 tokens" (join ", " $roles.issue)) }}
{{- end }}
{{- end }}

{{/* The Secret the chart renders from auth.signingKey.value, when an issuer is enabled; ""
     otherwise. Context: root. */}}
{{- define "faceattend.auth.signingKeySecret" -}}
{{- $signing := dict }}
{{- include "faceattend.auth.signingKey" (dict "root" . "out" $signing) }}
{{- $roles := dict }}
{{- include "faceattend.auth.roles" (dict "root" . "out" $roles) }}
{{- if and $signing.created $roles.issue }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $signing.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "faceattend.labels" . | nindent 4 }}
    app.kubernetes.io/component: jwt-signing-key
type: Opaque
data:
  # The token signing key (auth.signingKey.value), read by {{ join ", " $roles.issue }} alone.
  {{ $signing.key }}: {{ $signing.value | b64enc | quote }}
{{- end }}
{{- end }}

{{/*
A service's explicit env entries for tokens (a YAML list, "" for none): JWT_SIGNING_KEY from its
Secret for an issuer; and, for a service that takes its env from an existing Secret, whose keys
the chart cannot see, JWT_SIGNING_KEY (not an issuer) and JWT_SECRET (auth.hs256 off, or a
service without tokens) set empty, so that a Secret shared with other services cannot hand them
over (an explicit entry wins over envFrom; the services take an empty variable as unset).
Context: the service context.
*/}}
{{- define "faceattend.svc.authEnv" -}}
{{- $t := include "faceattend.svc.tokens" . }}
{{- $existing := include "faceattend.svc.existingSecret" . }}
{{- $signing := dict }}
{{- include "faceattend.auth.signingKey" (dict "root" .root "out" $signing) }}
{{- if and (eq $t "issue") $signing.name }}
# The token signing key (auth.signingKey): the issuers' alone.
- name: JWT_SIGNING_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $signing.name }}
      key: {{ $signing.key }}
{{- else if and $existing (ne $t "issue") }}
# Not an issuer: no JWT_SIGNING_KEY, whatever Secret {{ $existing }} holds.
- name: JWT_SIGNING_KEY
  value: ""
{{- end }}
{{- if and $existing (not (include "faceattend.svc.hs256" .)) }}
# No HS256 here (auth.hs256): no JWT_SECRET, whatever Secret {{ $existing }} holds.
- name: JWT_SECRET
  value: ""
{{- end }}
{{- end }}
